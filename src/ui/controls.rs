//! Controls: the scenario picker and playback (play, step, step back, speed, the scrubber, the
//! seed). The fault palette is `faults.rs`.

use super::{App, Lang, Mark, Msg, SCENARIOS, SPEED_MAX};
use crate::catalog::{self as text, T};
use crate::sim::timeline::Timeline;
use crate::sim::types::NodeId;
use web_sys::{Event, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The value of the `<select>` an event came from.
pub fn select_value(e: &Event) -> Option<String> {
    e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value())
}

/// The value of the `<input>` an event came from.
pub fn input_value(e: &Event) -> Option<String> {
    e.target_dyn_into::<HtmlInputElement>().map(|s| s.value())
}

fn title_of(en: &str, ko: &str, lang: Lang) -> String {
    match lang {
        Lang::En => en.to_string(),
        Lang::Ko => ko.to_string(),
    }
}

pub fn picker(app: &App) -> Html {
    let send = &app.send;
    let onchange = send
        .reform(|e: Event| Msg::Pick(select_value(&e).and_then(|v| v.parse().ok()).unwrap_or(0)));
    let options = SCENARIOS.iter().enumerate().map(|(i, (_, en, ko))| {
        html! { <option value={i.to_string()} selected={app.session.picked == Some(i)}>{ title_of(en, ko, app.lang) }</option> }
    });
    let other = if app.lang == Lang::En {
        Lang::Ko
    } else {
        Lang::En
    };
    html! {
        <div class="picker">
            <label>
                <span class="label">{ app.t(T::Scenario) }</span>
                <select onchange={onchange} aria-label={app.t(T::Scenario)}>
                    if app.session.picked.is_none() {
                        <option value="" selected=true>{ app.t(T::YourFile) }</option>
                    }
                    { for options }
                </select>
            </label>
            <button type="button" class="small" aria-label={app.t(T::SwitchLang)} lang={other.code()}
                onclick={send.reform(move |_| Msg::Lang(other))}>{ app.t(T::OtherLang) }</button>
        </div>
    }
}

pub fn playback(app: &App, tl: &Timeline) -> Html {
    let send = &app.send;
    let full = app.opts.embed.controls == super::Controls::Full;
    let w = &tl.sim.world;
    let step = w.step;
    let end = app.session.preview.end.max(step);
    let done = tl.sim.is_done();
    let on_scrub = send.reform(|e: InputEvent| {
        Msg::Seek(
            e.target_dyn_into::<HtmlInputElement>()
                .and_then(|i| i.value().parse().ok())
                .unwrap_or(0),
        )
    });
    let on_speed = send.reform(|e: InputEvent| {
        Msg::Speed(
            e.target_dyn_into::<HtmlInputElement>()
                .and_then(|i| i.value().parse().ok())
                .unwrap_or(14),
        )
    });
    let on_seed = send.reform(|e: InputEvent| {
        Msg::SeedText(
            e.target_dyn_into::<HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default(),
        )
    });
    let lang = app.lang;
    let speed_text = text::speed_text(lang, app.steps_per_sec());
    // Marks on the scrubber, as ticks of an SVG under the range input (percent of its width).
    let span = end.max(1) as f64;
    let marks = app.session.preview.marks.iter().map(|(s, m)| {
        let x = (*s as f64 / span * 1000.0).clamp(1.0, 999.0);
        let (class, title) = match m {
            Mark::Fault => ("mark-fault", text::mark_text(lang, text::MarkKind::Fault, *s)),
            Mark::Action => ("mark-action", text::mark_text(lang, text::MarkKind::Action, *s)),
            Mark::Violation => ("mark-violation", text::mark_text(lang, text::MarkKind::Violation, *s)),
        };
        html! { <rect class={class} x={format!("{:.1}", x - 3.0)} y={if *m == Mark::Violation { "0" } else { "6" }} width="6" height="6"><title>{ title }</title></rect> }
    });
    // Where side by side's two runs part.
    let part = app.side.as_ref().and_then(|s| s.part_step()).map(|s| {
        let x = (s as f64 / span * 1000.0).clamp(1.0, 999.0);
        html! { <rect class="mark-part" x={format!("{:.1}", x - 2.0)} y="0" width="4" height="12"><title>{ text::part_mark_text(lang, s) }</title></rect> }
    });
    // The class names the status in English whatever the language.
    let (status_class, status) = if done {
        ("status-finished", T::Finished)
    } else if app.playing {
        ("status-playing", T::Playing)
    } else {
        ("status-paused", T::Paused)
    };
    html! {
        <div class="playback" role="group" aria-label={app.t(T::Playback)}>
            <div class="buttons">
                <button type="button" class="icon" aria-label={app.t(T::ToStart)} title={app.t(T::ToStart)} onclick={send.reform(|_| Msg::ToStart)}>{ "|◀◀" }</button>
                <button type="button" class="icon" aria-label={app.t(T::StepBack)} title={app.t(T::StepBackTitle)} disabled={step == 0} onclick={send.reform(|_| Msg::Back)}>{ "◀" }</button>
                <button type="button" class="play" aria-label={app.t(if app.playing { T::PauseName } else { T::PlayName })} title={app.t(T::PlayTitle)}
                    onclick={send.reform(|_| Msg::TogglePlay)}>{ app.t(if app.playing { T::PauseText } else { T::PlayText }) }</button>
                <button type="button" class="icon" aria-label={app.t(T::StepForward)} title={app.t(T::StepForwardTitle)} disabled={done} onclick={send.reform(|_| Msg::Step)}>{ "▶|" }</button>
                <button type="button" class="icon" aria-label={app.t(T::ToEnd)} title={app.t(T::ToEnd)} disabled={done} onclick={send.reform(|_| Msg::ToEnd)}>{ "▶▶|" }</button>
                <span class="clock" aria-live="off">
                    <span class="step-no">{ text::step_text(lang, step) }</span>{ format!(" / {}{}", end, if app.session.preview.done { "" } else { "+" }) }
                    <span class="tick">{ format!(" · t = {} ms", app.session.clock()) }</span>
                    <span class={classes!("status", status_class)}>{ format!(" · {}", app.t(status)) }</span>
                </span>
            </div>
            <div class="scrub">
                <input type="range" min="0" max={end.to_string()} value={step.to_string()} step="1"
                    aria-label={app.t(T::TimelineLabel)} aria-valuetext={text::step_of_text(lang, step, end)} oninput={on_scrub} />
                <svg class="marks" viewBox="0 0 1000 12" preserveAspectRatio="none" aria-hidden="true">{ for marks }{ part.unwrap_or_default() }</svg>
            </div>
            <div class="knobs">
                <label class="speed">
                    <span class="label">{ app.t(T::Speed) }</span>
                    <input type="range" min="0" max={SPEED_MAX.to_string()} value={app.speed.to_string()} aria-label={app.t(T::SpeedLabel)}
                        aria-valuetext={speed_text.clone()} oninput={on_speed} />
                    <span class="value">{ speed_text }</span>
                </label>
                // A compact widget keeps speed and the beat switch; the seed and re-run are the app's.
                if full {
                <label class="seed">
                    <span class="label">{ app.t(T::Seed) }</span>
                    <input type="text" inputmode="numeric" value={app.seed_text.clone()} aria-label={app.t(T::Seed)} size="8" oninput={on_seed} />
                </label>
                }
                if !app.session.beats.is_empty() {
                    <label class="check">
                        <input type="checkbox" checked={app.pause_at_beats} onchange={send.reform({ let on = app.pause_at_beats; move |_| Msg::PauseAtBeats(!on) })} />
                        { app.t(T::PauseAtBeats) }
                    </label>
                }
                if full {
                <button type="button" class="rerun" onclick={send.reform(|_| Msg::Rerun)} disabled={app.session.draft_error.is_some()}
                    title={app.t(T::RerunTitle)}>{ app.t(T::Rerun) }</button>
                }
            </div>
        </div>
    }
}

/// Every node of the run, for the palette's pickers.
pub fn nodes(tl: &Timeline) -> Vec<NodeId> {
    let w = &tl.sim.world;
    let mut v: Vec<NodeId> = (0..w.producers.len())
        .map(|i| NodeId::Producer(i as u8))
        .collect();
    v.extend((0..w.brokers.len()).map(|i| NodeId::Broker(i as u8)));
    v.extend((0..w.consumers.len()).map(|i| NodeId::Consumer(i as u8)));
    v
}
