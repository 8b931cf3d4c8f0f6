//! Side by side: the current run and the same run (same seed, same schedule, the same actions at
//! the same steps) with one Kafka setting flipped, drawn one above the other at the main run's
//! step, with where they first part (`sim::compare`) explained and marked.

use super::controls::select_value;
use super::logview::{cell_info, shown_partitions};
use super::{App, Msg};
use crate::catalog::{self as text, Both, T};
use crate::sim::checker::{Property, Verdict};
use crate::sim::compare::{AppendFacts, Comparison, FLIPS};
use crate::sim::effects::Note;
use crate::sim::scenario::Scenario;
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
    /// The two divergent events as event-log sentences, made precise from each run's state (in
    /// both languages: they are phrased once, from a replayed run).
    pub lines: (Option<Both>, Option<Both>),
}

/// An event-log sentence for a divergent event, with an append named by what it wrote ("orders-0
/// appends v0 again at offset 2", from the facts the comparison read as it happened).
pub fn event_line(e: &TraceEvent, append: Option<AppendFacts>) -> Both {
    if let (TraceKind::Fact(Note::Appended { tp, .. }), Some(a)) = (&e.what, append) {
        return Both::new(|lang| {
            text::appended_line(lang, tp, a.first_record, a.again, a.base_offset)
        });
    }
    Both::new(|lang| text::trace_line(lang, &e.what))
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

/// One run: its partition logs as rows of cells, and its verdicts.
fn run_row(app: &App, label: String, tl: &Timeline, at_part: bool, this: bool) -> Html {
    let lang = app.lang;
    let w: &World = &tl.sim.world;
    let logs = shown_partitions(w).into_iter().filter_map(|tp| {
        let log = w.log(tp)?;
        let leo = log.log_end_offset().0;
        let from = leo.saturating_sub(CELLS_SHOWN);
        let mut cells = Vec::new();
        for b in log.batches().iter() {
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
                <div class="sbs-cells" role="group" aria-label={text::offsets_label(lang, tp, leo)}>
                    if from > 0 { <span class="sbs-more">{ "…" }</span> }
                    { for cells }
                    if leo == 0 { <span class="muted sbs-empty">{ app.t(T::EmptyLog) }</span> }
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
                <span class={classes!("sbs-step", at_part.then_some("part"))}>{ text::run_step_text(lang, tl.step_index(), ended) }</span>
            </div>
            { for logs }
            <div class="sbs-verdicts">
                { for failed }
                <span class="sbs-verdict pass">{ text::properties_pass_text(lang, passed) }</span>
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
                let (l, r) = (l.as_ref().map(|b| b.get(lang)), r.as_ref().map(|b| b.get(lang)));
                text::compare_parts(lang, step, s.key, &s.from, &s.to, l, r)
            }
            _ => text::compare_same(lang, s.cmp.left_steps.max(s.cmp.right_steps)),
        };
        let left_label = text::this_run_label(lang, s.key, &s.from);
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
                            { app.t(T::GoToPart) }</button>
                    }
                </div>
                { run_row(app, left_label, tl, at_part, true) }
                { run_row(app, right_label, &s.right, at_part, false) }
            </>
        }
    });
    html! {
        <div class="sbs">
            <p class="hint">{ app.t(T::CompareHint) }</p>
            <div class="sbs-form">
                <label>
                    <span class="label">{ app.t(T::SettingToFlip) }</span>
                    <select onchange={on_key} aria-label={app.t(T::SettingToFlip)}>
                        { for FLIPS.iter().map(|k| html! { <option value={*k} selected={app.compare_key == *k}>{ *k }</option> }) }
                    </select>
                </label>
                <button type="button" class="go" onclick={send.reform(|_| Msg::Compare)}>{ app.t(T::Compare) }</button>
            </div>
            if let Some(e) = &app.compare_error {
                <p class="error inline" role="alert">{ e }</p>
            }
            { body.unwrap_or_default() }
        </div>
    }
}

impl App {
    /// Flips the chosen setting of the run's file and builds the other run: the same seed and
    /// actions, at this run's step; compares the two once (bounded).
    pub(super) fn compare_start(&mut self) {
        let (Some(file), Some(tl)) = (&self.session.run_file, &self.session.tl) else {
            return;
        };
        self.side = None;
        let flipped = crate::sim::compare::flip(file, &self.compare_key)
            .and_then(|f| Scenario::from_file(&f.file).map(|s| (f, s)));
        match flipped {
            Err(e) => self.compare_error = Some(e),
            Ok((f, right)) => {
                self.compare_error = None;
                self.side = Some(self.side_by_side(f.key, f.from, f.to, right, tl));
            }
        }
    }

    pub(super) fn side_by_side(
        &self,
        key: &'static str,
        from: String,
        to: String,
        right: Scenario,
        tl: &Timeline,
    ) -> SideBySide {
        let cmp = crate::sim::compare::compare(
            tl.scenario.clone(),
            right.clone(),
            tl.seed,
            &tl.actions,
            COMPARE_STEPS,
        );
        // Each divergent event phrased from what the comparison read of it.
        let d = cmp.divergence.as_ref();
        let lines = d.map_or((None, None), |d| {
            (
                d.left.as_ref().map(|e| event_line(e, d.left_append)),
                d.right.as_ref().map(|e| event_line(e, d.right_append)),
            )
        });
        let mut other = Timeline::with_actions(right, tl.seed, tl.actions.clone())
            .with_checkpoint_budget(crate::sim::limits::TWIN_CHECKPOINT_BUDGET_BYTES);
        other.seek(tl.step_index());
        SideBySide {
            key,
            from,
            to,
            right: other,
            cmp,
            actions: tl.actions.clone(),
            lines,
        }
    }

    /// Keeps the flipped run at the main run's step; a new action of the reader's (which the
    /// other run must replay too) recomputes the comparison. True when something changed.
    pub(super) fn sync_side(&mut self) -> bool {
        let (Some(side), Some(tl)) = (&mut self.side, &self.session.tl) else {
            return false;
        };
        if side.actions != tl.actions {
            let right = side.right.scenario.clone();
            let (key, from, to) = (side.key, side.from.clone(), side.to.clone());
            let fresh = self.side_by_side(key, from, to, right, tl);
            self.side = Some(fresh);
            return true;
        }
        let here = tl.step_index();
        if side.right.step_index() != here
            && !(side.right.sim.is_done() && here > side.right.step_index())
        {
            side.right.seek(here);
            return true;
        }
        false
    }
}
