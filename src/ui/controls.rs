//! Controls: the scenario picker, playback (play, step, step back, speed, the scrubber, the seed)
//! and the fault palette.

use super::{App, Armed, FaultForm, Lang, Mark, Msg, SCENARIOS, SPEED_MAX};
use crate::sim::message::MessageKind;
use crate::sim::scenario::FaultAction;
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
        html! { <option value={i.to_string()} selected={app.picked == Some(i)}>{ title_of(en, ko, app.lang) }</option> }
    });
    let other = if app.lang == Lang::En {
        Lang::Ko
    } else {
        Lang::En
    };
    html! {
        <div class="picker">
            <label>
                <span class="label">{ "Scenario" }</span>
                <select onchange={onchange} aria-label="Scenario">
                    if app.picked.is_none() {
                        <option value="" selected=true>{ "(your scenario file)" }</option>
                    }
                    { for options }
                </select>
            </label>
            <button type="button" class="small" aria-label={format!("Language: switch to {}", if other == Lang::Ko { "Korean" } else { "English" })}
                onclick={send.reform(move |_| Msg::Lang(other))}>{ if app.lang == Lang::En { "한국어" } else { "English" } }</button>
        </div>
    }
}

pub fn playback(app: &App, tl: &Timeline) -> Html {
    let send = &app.send;
    let full = app.opts.controls == super::Controls::Full;
    let w = &tl.sim.world;
    let step = w.step;
    let end = app.preview.end.max(step);
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
    let sps = app.steps_per_sec();
    let speed_text = if sps < 1.0 {
        format!("{:.1} steps/s", sps)
    } else {
        format!("{:.0} steps/s", sps)
    };
    // Marks on the scrubber, as ticks of an SVG under the range input (percent of its width).
    let span = end.max(1) as f64;
    let marks = app.preview.marks.iter().map(|(s, m)| {
        let x = (*s as f64 / span * 1000.0).clamp(1.0, 999.0);
        let (class, title) = match m {
            Mark::Fault => ("mark-fault", format!("fault at step {}", s)),
            Mark::Action => ("mark-action", format!("your action at step {}", s)),
            Mark::Violation => ("mark-violation", format!("violation at step {}", s)),
        };
        html! { <rect class={class} x={format!("{:.1}", x - 3.0)} y={if *m == Mark::Violation { "0" } else { "6" }} width="6" height="6"><title>{ title }</title></rect> }
    });
    // Where side by side's two runs part.
    let part = app.side.as_ref().and_then(|s| s.part_step()).map(|s| {
        let x = (s as f64 / span * 1000.0).clamp(1.0, 999.0);
        html! { <rect class="mark-part" x={format!("{:.1}", x - 2.0)} y="0" width="4" height="12"><title>{ format!("the runs part at step {}", s) }</title></rect> }
    });
    let status = if done {
        "finished".to_string()
    } else if app.playing {
        "playing".to_string()
    } else {
        "paused".to_string()
    };
    html! {
        <div class="playback" role="group" aria-label="Playback">
            <div class="buttons">
                <button type="button" class="icon" aria-label="Back to the start" title="Back to the start" onclick={send.reform(|_| Msg::ToStart)}>{ "|◀◀" }</button>
                <button type="button" class="icon" aria-label="Step back" title="Step back (←)" disabled={step == 0} onclick={send.reform(|_| Msg::Back)}>{ "◀" }</button>
                <button type="button" class="play" aria-label={if app.playing { "Pause" } else { "Play" }} title="Play / pause (space)"
                    onclick={send.reform(|_| Msg::TogglePlay)}>{ if app.playing { "❚❚ Pause" } else { "▶ Play" } }</button>
                <button type="button" class="icon" aria-label="Step forward" title="Step forward (→)" disabled={done} onclick={send.reform(|_| Msg::Step)}>{ "▶|" }</button>
                <button type="button" class="icon" aria-label="Run to the end" title="Run to the end" disabled={done} onclick={send.reform(|_| Msg::ToEnd)}>{ "▶▶|" }</button>
                <span class="clock" aria-live="off">
                    <span class="step-no">{ format!("step {}", step) }</span>{ format!(" / {}{}", end, if app.preview.done { "" } else { "+" }) }
                    <span class="tick">{ format!(" · t = {} ms", w.now.0) }</span>
                    <span class={classes!("status", format!("status-{}", status))}>{ format!(" · {}", status) }</span>
                </span>
            </div>
            <div class="scrub">
                <input type="range" min="0" max={end.to_string()} value={step.to_string()} step="1"
                    aria-label="Timeline: step" aria-valuetext={format!("step {} of {}", step, end)} oninput={on_scrub} />
                <svg class="marks" viewBox="0 0 1000 12" preserveAspectRatio="none" aria-hidden="true">{ for marks }{ part.unwrap_or_default() }</svg>
            </div>
            <div class="knobs">
                <label class="speed">
                    <span class="label">{ "Speed" }</span>
                    <input type="range" min="0" max={SPEED_MAX.to_string()} value={app.speed.to_string()} aria-label="Speed (log scale)"
                        aria-valuetext={speed_text.clone()} oninput={on_speed} />
                    <span class="value">{ speed_text }</span>
                </label>
                // A compact widget keeps speed and the beat switch; the seed and re-run are the app's.
                if full {
                <label class="seed">
                    <span class="label">{ "Seed" }</span>
                    <input type="text" inputmode="numeric" value={app.seed_text.clone()} aria-label="Seed" size="8" oninput={on_seed} />
                </label>
                }
                if !app.beats.is_empty() {
                    <label class="check">
                        <input type="checkbox" checked={app.pause_at_beats} onchange={send.reform({ let on = app.pause_at_beats; move |_| Msg::PauseAtBeats(!on) })} />
                        { " pause at story beats" }
                    </label>
                }
                if full {
                <button type="button" class="rerun" onclick={send.reform(|_| Msg::Rerun)} disabled={app.draft_error.is_some()}
                    title="Start again with the settings below and this seed">{ "↺ Re-run from start" }</button>
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

fn node_select(
    app: &App,
    label: &str,
    value: &str,
    nodes: &[NodeId],
    any: bool,
    set: impl Fn(&mut FaultForm, String) + 'static,
) -> Html {
    let form = app.form.clone();
    let onchange = app.send.reform(move |e: Event| {
        let mut f = form.clone();
        set(&mut f, select_value(&e).unwrap_or_default());
        Msg::Form(f)
    });
    html! {
        <select aria-label={label.to_string()} onchange={onchange}>
            if any {
                <option value="any" selected={value == "any"}>{ "any node" }</option>
            }
            { for nodes.iter().map(|n| { let s = n.to_string(); html! { <option value={s.clone()} selected={s == value}>{ s }</option> } }) }
        </select>
    }
}

pub fn faults(app: &App, tl: &Timeline) -> Html {
    let send = &app.send;
    let nodes = nodes(tl);
    let f = &app.form;
    let node = NodeId::parse(&f.node);
    let a = NodeId::parse(&f.a);
    let b = NodeId::parse(&f.b);
    let valid_pair = a.is_some() && b.is_some() && a != b;
    let pair_action = |mk: fn(NodeId, NodeId) -> FaultAction| match (a, b) {
        (Some(a), Some(b)) if a != b => send.reform(move |_| Msg::Fault(mk(a, b))),
        _ => Callback::noop(),
    };
    let node_action = |mk: fn(NodeId) -> FaultAction| match node {
        Some(n) => send.reform(move |_| Msg::Fault(mk(n))),
        None => Callback::noop(),
    };
    let rate = f.per_mille;
    let on_rate = {
        let form = f.clone();
        send.reform(move |e: InputEvent| {
            let mut f = form.clone();
            f.per_mille = e
                .target_dyn_into::<HtmlInputElement>()
                .and_then(|i| i.value().parse().ok())
                .unwrap_or(0)
                .min(1000);
            Msg::Form(f)
        })
    };
    let kinds = [
        ("ProduceResponse", "the ack (ProduceResponse)"),
        ("ProduceRequest", "ProduceRequest"),
        ("EndTxnRequest", "EndTxnRequest"),
        ("EndTxnResponse", "EndTxnResponse"),
        ("WriteTxnMarkersRequest", "WriteTxnMarkersRequest"),
        ("AddPartitionsToTxnRequest", "AddPartitionsToTxnRequest"),
        ("InitProducerIdResponse", "InitProducerIdResponse"),
        ("OffsetCommitRequest", "OffsetCommitRequest"),
        ("FetchResponse", "FetchResponse"),
        ("any", "any message"),
    ];
    let on_kind = {
        let form = f.clone();
        send.reform(move |e: Event| {
            let mut f = form.clone();
            f.kind = select_value(&e).unwrap_or_default();
            Msg::Form(f)
        })
    };
    let armed = Armed {
        kind: MessageKind::parse(&f.kind),
        from: None,
        to: NodeId::parse(&f.to),
    };
    let armed_text = |a: &Armed| {
        format!(
            "Armed: the next {} to {} will be dropped.",
            a.kind.map_or("message", |k| k.name()),
            a.to.map_or("any node".to_string(), |n| n.to_string())
        )
    };
    html! {
        <div class="faults">
            <p class="hint">{ "Click a message in flight in the topology to drop, duplicate or delay it, or use these." }</p>
            <div class="row">
                <span class="label">{ "Drop the next" }</span>
                <select aria-label="Message kind to drop" onchange={on_kind}>
                    { for kinds.iter().map(|(v, l)| html! { <option value={*v} selected={f.kind == *v}>{ *l }</option> }) }
                </select>
                <span class="label">{ "to" }</span>
                { node_select(app, "Receiver of the message to drop", &f.to, &nodes, true, |f, v| f.to = v) }
                <button type="button" class="fault" onclick={send.reform(move |_| Msg::Arm(Some(armed.clone())))}>{ "Drop next" }</button>
            </div>
            if let Some(a) = &app.armed {
                <p class="armed" role="status">{ armed_text(a) }
                    <button type="button" class="small" onclick={send.reform(|_| Msg::Arm(None))}>{ "Cancel" }</button></p>
            }
            <div class="row">
                <span class="label">{ "Node" }</span>
                { node_select(app, "Node to crash or restart", &f.node, &nodes, false, |f, v| f.node = v) }
                <button type="button" class="fault" onclick={node_action(FaultAction::Crash)}>{ "Crash" }</button>
                <button type="button" class="fault" onclick={node_action(FaultAction::Restart)}>{ "Restart" }</button>
            </div>
            <div class="row">
                <span class="label">{ "Link" }</span>
                { node_select(app, "First node of the link", &f.a, &nodes, false, |f, v| f.a = v) }
                <span class="label">{ "↔" }</span>
                { node_select(app, "Second node of the link", &f.b, &nodes, false, |f, v| f.b = v) }
                <button type="button" class="fault" disabled={!valid_pair} onclick={pair_action(FaultAction::Partition)}>{ "Partition" }</button>
                <button type="button" class="fault" disabled={!valid_pair} onclick={pair_action(FaultAction::Heal)}>{ "Heal" }</button>
                <button type="button" class="fault" disabled={!valid_pair} onclick={pair_action(FaultAction::Hold)}>{ "Hold" }</button>
                <button type="button" class="fault" disabled={!valid_pair} onclick={pair_action(FaultAction::Release)}>{ "Release" }</button>
            </div>
            <div class="row">
                <label class="rate">
                    <span class="label">{ "Random drop rate" }</span>
                    <input type="range" min="0" max="1000" step="10" value={rate.to_string()} aria-label="Random drop rate, per mille" oninput={on_rate} />
                    <span class="value">{ format!("{}‰", rate) }</span>
                </label>
                <button type="button" class="fault" onclick={send.reform(move |_| Msg::Fault(FaultAction::DropRate { from: None, to: None, per_mille: rate }))}>{ "Apply to all links" }</button>
            </div>
        </div>
    }
}
