//! Side by side: the current run and the same run (same seed, same schedule, the same actions at
//! the same steps) with one Kafka setting flipped, drawn one above the other at the main run's
//! step, with where they first part (`sim::compare`) explained and marked.

use super::controls::select_value;
use super::logview::{cell_info, shown_partitions};
use super::text::{self, tr};
use super::{App, Lang, Msg};
use crate::sim::checker::{Property, Verdict};
use crate::sim::compare::{Comparison, FLIPS};
use crate::sim::effects::Note;
use crate::sim::timeline::{Timeline, UserAction};
use crate::sim::world::{TraceEvent, TraceKind, World};
use web_sys::Event;
use yew::prelude::*;

/// How far the comparison runs both sides (it is computed once, when asked for).
pub const COMPARE_STEPS: u64 = 20_000;
/// Offsets drawn per partition and run (the last ones).
const CELLS_SHOWN: u64 = 24;

/// A comparison on screen.
pub struct SideBySide {
    pub key: &'static str,
    pub from: String,
    pub to: String,
    /// The flipped run, kept at the main run's step.
    pub right: Timeline,
    pub cmp: Comparison,
    /// The main run's actions it was computed with (a new action recomputes it).
    pub actions: Vec<(u64, UserAction)>,
    /// The two divergent events as event-log sentences, made precise from each run's state.
    pub lines: (Option<String>, Option<String>),
}

/// An event-log sentence for a divergent event, with an append named by what it wrote ("orders-0
/// appends v0 again at offset 2") from the run's state at that step.
pub fn event_line(e: &TraceEvent, w: &World) -> String {
    if let TraceKind::Fact(Note::Appended { tp, batch_index }) = &e.what {
        let batches = w.log(*tp).map(|l| l.batches());
        if let Some(b) = batches.and_then(|bs| bs.get(*batch_index)) {
            let again = batches.is_some_and(|bs| {
                bs[..*batch_index]
                    .iter()
                    .any(|x| !x.is_control() && x.first_record == b.first_record)
            });
            return format!(
                "{} appends v{}{} at offset {}",
                tp,
                b.first_record.0,
                if again { " again" } else { "" },
                b.base_offset.0
            );
        }
    }
    text::trace_line(&e.what)
}

impl SideBySide {
    /// The step at which the runs part by outcome.
    pub fn part_step(&self) -> Option<u64> {
        let d = self.cmp.divergence.as_ref()?;
        [d.left.as_ref(), d.right.as_ref()]
            .into_iter()
            .flatten()
            .map(|e| e.step)
            // The later of the two: there both runs have done what sets them apart.
            .max()
    }
}

fn step_text(lang: Lang, step: u64, ended: bool) -> String {
    match (lang, ended) {
        (Lang::En, false) => format!("step {}", step),
        (Lang::En, true) => format!("ended at step {}", step),
        (Lang::Ko, false) => format!("스텝 {}", step),
        (Lang::Ko, true) => format!("스텝 {}에서 끝남", step),
    }
}

/// One run: its partition logs as rows of cells, and its verdicts.
fn run_row(app: &App, label: String, tl: &Timeline, at_part: bool, this: bool) -> Html {
    let lang = app.lang;
    let w: &World = &tl.sim.world;
    let logs = shown_partitions(w).into_iter().filter_map(|tp| {
        let log = w.log(tp)?;
        let leo = log.log_end_offset().0;
        let from = leo.saturating_sub(CELLS_SHOWN);
        let mut cells = Vec::new();
        for b in log.batches() {
            let end = b.base_offset.0 + b.record_count.max(1) as u64;
            for offset in b.base_offset.0.max(from)..end {
                let c = cell_info(app.lang, w, tp, log, b, offset);
                let badge = (c.copies > 1 && !c.aborted).then(|| format!("×{}", c.copies));
                cells.push(html! {
                    <span class={classes!("sbs-cell", c.class)} title={c.detail.clone()}>
                        <span class="sbs-off">{ offset }</span>
                        <span class="sbs-val">{ c.text.clone() }</span>
                        if let Some(b) = badge { <span class="sbs-badge">{ b }</span> }
                    </span>
                });
            }
        }
        Some(html! {
            <div class="sbs-log">
                <span class="sbs-tp">{ tp.to_string() }</span>
                <div class="sbs-cells" role="group" aria-label={format!("{}: {} offsets", tp, leo)}>
                    if from > 0 { <span class="sbs-more">{ "…" }</span> }
                    { for cells }
                    if leo == 0 { <span class="muted sbs-empty">{ tr(lang, "empty", "비어 있음") }</span> }
                </div>
            </div>
        })
    });
    let failed: Vec<Html> = Property::ALL
        .iter()
        .filter(|p| matches!(w.checker.verdicts.get(p), Some(Verdict::Fail { .. })))
        .map(|p| html! { <span class="sbs-verdict fail">{ "✕ " }<code>{ p.name() }</code></span> })
        .collect();
    let passed = Property::ALL
        .iter()
        .filter(|p| matches!(w.checker.verdicts.get(p), Some(Verdict::Pass)))
        .count();
    let ended = tl.sim.is_done();
    html! {
        <div class={classes!("sbs-run", this.then_some("this"), at_part.then_some("at-part"))}>
            <div class="sbs-head">
                <strong class="sbs-label">{ label }</strong>
                <span class={classes!("sbs-step", at_part.then_some("part"))}>{ step_text(lang, tl.step_index(), ended) }</span>
            </div>
            { for logs }
            <div class="sbs-verdicts">
                { for failed }
                <span class="sbs-verdict pass">{ match lang { Lang::En => format!("{} properties pass", passed), Lang::Ko => format!("속성 {}개 통과", passed) } }</span>
            </div>
        </div>
    }
}

pub fn view(app: &App, tl: &Timeline) -> Html {
    let send = &app.send;
    let lang = app.lang;
    let on_key = send.reform(|e: Event| Msg::CompareKey(select_value(&e).unwrap_or_default()));
    let body = app.side.as_ref().map(|s| {
        let part = s.part_step();
        let here = tl.step_index();
        let at_part = part == Some(here);
        let callout = match (&s.cmp.divergence, part) {
            (Some(_), Some(step)) => {
                let (l, r) = &s.lines;
                text::compare_parts(lang, step, s.key, &s.from, &s.to, l.as_deref(), r.as_deref())
            }
            _ => text::compare_same(lang, s.cmp.left_steps.max(s.cmp.right_steps)),
        };
        let left_label = match lang {
            Lang::En => format!("{}={} (this run)", s.key, s.from),
            Lang::Ko => format!("{}={} (이 실행)", s.key, s.from),
        };
        let right_label = format!("{}={}", s.key, s.to);
        html! {
            <>
                <div class={classes!("sbs-callout", part.is_some().then_some("parted"))} role="status">
                    <p>{ callout }</p>
                    if let Some(f) = s.cmp.first_step {
                        <p class="hint">{ text::compare_first_step(lang, f) }</p>
                    }
                    if let Some(step) = part {
                        <button type="button" class="small" disabled={at_part} onclick={send.reform(move |_| Msg::Seek(step))}>
                            { tr(lang, "Go to where they part", "갈라지는 곳으로 가기") }</button>
                    }
                </div>
                { run_row(app, left_label, tl, at_part, true) }
                { run_row(app, right_label, &s.right, at_part, false) }
            </>
        }
    });
    html! {
        <div class="sbs">
            <p class="hint">{ tr(lang,
                "The same seed, schedule and actions with one setting flipped, both shown at this run's step.",
                "같은 시드, 스케줄, 동작에서 설정 하나만 바꾼 실행을 이 실행과 같은 스텝에서 함께 봅니다.") }</p>
            <div class="sbs-form">
                <label>
                    <span class="label">{ tr(lang, "Setting to flip", "바꿔 볼 설정") }</span>
                    <select onchange={on_key} aria-label={tr(lang, "Setting to flip", "바꿔 볼 설정")}>
                        { for FLIPS.iter().map(|k| html! { <option value={*k} selected={app.compare_key == *k}>{ *k }</option> }) }
                    </select>
                </label>
                <button type="button" class="go" onclick={send.reform(|_| Msg::Compare)}>{ tr(lang, "Compare", "비교") }</button>
            </div>
            if let Some(e) = &app.compare_error {
                <p class="error inline" role="alert">{ e }</p>
            }
            { body.unwrap_or_default() }
        </div>
    }
}
