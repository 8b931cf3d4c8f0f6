//! The text-first panels: each producer's belief beside the log's truth, consumers and the sink,
//! the transaction coordinator, the checker's verdicts, the timers and the event log.

use super::logview::fmt;
use super::{App, Msg};
use crate::catalog::{self as text, Lang, T};
use crate::sim::checker::{Property, Verdict};
use crate::sim::producer::SendStatus;
use crate::sim::timeline::Timeline;
use crate::sim::txn_coordinator::{TransactionState, TxnPartition};
use crate::sim::types::{NodeId, TopicPartition};
use crate::sim::world::World;
use std::collections::{BTreeMap, BTreeSet};
use yew::prelude::*;

/// How far back (in batches) the "log holds" column looks for the copies of recent sends, so a
/// partition with a million batches still draws in constant time.
const TRUTH_BATCHES_SCANNED: usize = 4096;
/// Sends shown per producer, processed records and sink rows per consumer, event-log lines.
const SENDS_SHOWN: usize = 40;
const ROWS_SHOWN: usize = 40;
const EVENTS_SHOWN: usize = 200;

fn values(first: u32, count: u32) -> String {
    if count <= 1 {
        format!("v{}", first)
    } else {
        format!("v{}..v{}", first, first + count - 1)
    }
}

/// Where the log holds each of `wanted` records: (offset, aborted) per copy.
fn truth(w: &World, tp: TopicPartition, wanted: &BTreeSet<u32>) -> BTreeMap<u32, Vec<(u64, bool)>> {
    let mut out: BTreeMap<u32, Vec<(u64, bool)>> = BTreeMap::new();
    let Some(log) = w.log(tp) else { return out };
    let Some(&lowest) = wanted.first() else {
        return out;
    };
    let batches = log.batches();
    let from = batches.len().saturating_sub(TRUTH_BATCHES_SCANNED);
    for b in batches.iter().skip(from) {
        if b.is_control() || b.first_record.0.saturating_add(b.record_count) <= lowest {
            continue;
        }
        let lo = b.first_record.0;
        let hi = lo.saturating_add(b.record_count);
        for r in wanted.range(lo..hi) {
            let offset = b.base_offset.0 + (r - lo) as u64;
            let aborted = b.is_transactional
                && log.is_aborted(b.producer_id, crate::sim::types::Offset(offset));
            out.entry(*r).or_default().push((offset, aborted));
        }
    }
    out
}

pub fn belief(app: &App, tl: &Timeline) -> Html {
    let w = &tl.sim.world;
    let producers = w.producers.iter().map(|p| {
        let c = &p.client;
        let node = NodeId::Producer(p.idx);
        let sends: Vec<_> = c.sends.iter().rev().take(SENDS_SHOWN).collect();
        let mut wanted: BTreeMap<TopicPartition, BTreeSet<u32>> = BTreeMap::new();
        for (_, tp, first, _, _) in &sends {
            wanted.entry(*tp).or_default().insert(first.0);
        }
        // Inserted, not collected: BTreeMap::from_iter sorts, one more instance of the sort in the wasm.
        let mut truths: BTreeMap<TopicPartition, BTreeMap<u32, Vec<(u64, bool)>>> = BTreeMap::new();
        for (tp, set) in &wanted {
            truths.insert(*tp, truth(w, *tp, set));
        }
        let rows = sends.iter().rev().map(|(no, tp, first, count, status)| {
            let belief = text::belief_text(app.lang, status);
            let class = match status {
                SendStatus::Pending => "pending",
                SendStatus::Acked(_) => "acked",
                SendStatus::Failed(_) => "failed",
                SendStatus::Unknown => "unknown",
            };
            let copies = truths.get(tp).and_then(|t| t.get(&first.0)).cloned().unwrap_or_default();
            let live = copies.iter().filter(|(_, a)| !a).count();
            let scanned_all = w.log(*tp).is_none_or(|l| l.batches().len() <= TRUTH_BATCHES_SCANNED);
            let log_text = if copies.is_empty() && scanned_all {
                app.t(T::NotInLog).to_string()
            } else if copies.is_empty() {
                text::not_in_last_batches_text(app.lang, TRUTH_BATCHES_SCANNED)
            } else {
                copies.iter().map(|(o, a)| text::copy_at_text(app.lang, *o, *a)).collect::<Vec<_>>().join(", ")
            };
            let mismatch = match status {
                SendStatus::Acked(Some(_)) => live == 0,
                SendStatus::Failed(_) => live > 0,
                _ => false,
            } || live > 1;
            html! {
                <tr class={classes!(mismatch.then_some("mismatch"))}>
                    <td>{ format!("#{}", no) }</td>
                    <td>{ tp.to_string() }</td>
                    <td class="mono">{ values(first.0, *count) }</td>
                    <td class={classes!("belief", class)}>{ belief }</td>
                    <td class={classes!("truth", (live > 1).then_some("dup"))}>{ log_text }{ if live > 1 { app.t(T::Duplicate) } else { "" } }</td>
                </tr>
            }
        });
        let ids = (!c.producer_id.is_none()).then_some((c.producer_id.0, c.producer_epoch.0));
        let state = if !p.alive {
            app.t(T::Crashed).to_string()
        } else if let Some(e) = p.halted {
            text::stopped_text(app.lang, e)
        } else {
            c.state.name().to_string()
        };
        html! {
            <div class="client-card">
                <p class="card-head"><strong>{ node.to_string() }</strong>
                    { text::producer_card_line(app.lang, &state, ids, p.session, c.cfg.enable_idempotence, c.cfg.acks.name()) }
                    if let Some(t) = &c.cfg.transactional_id { { format!(" · transactional.id={}", t) } }
                </p>
                if c.sends.is_empty() {
                    <p class="muted">{ app.t(T::NoSends) }</p>
                } else {
                    <div class="table-wrap">
                        <table class="sends">
                            <thead><tr><th>{ app.t(T::ThSend) }</th><th>{ app.t(T::ThPartition) }</th><th>{ app.t(T::ThRecords) }</th><th>{ app.t(T::ThBelieves) }</th><th>{ app.t(T::ThLogHolds) }</th></tr></thead>
                            <tbody>{ for rows }</tbody>
                        </table>
                    </div>
                }
                if c.sends_total as usize > sends.len() {
                    <p class="muted small">{ text::earlier_sends_text(app.lang, c.sends_total as usize - sends.len()) }</p>
                }
            </div>
        }
    });
    html! { <div class="belief">{ for producers }</div> }
}

pub fn consumers(app: &App, tl: &Timeline) -> Html {
    let w = &tl.sim.world;
    if w.consumers.is_empty() {
        return html! { <p class="muted">{ app.t(T::NoConsumer) }</p> };
    }
    let cards = w.consumers.iter().map(|c| {
        let mut seen: BTreeMap<(TopicPartition, u64), u32> = BTreeMap::new();
        for p in &c.processed {
            *seen.entry((p.tp, p.offset.0)).or_default() += 1;
        }
        let mut record_seen: BTreeMap<u32, u32> = BTreeMap::new();
        for p in &c.processed {
            *record_seen.entry(p.record.0).or_default() += 1;
        }
        let processed = c.processed.iter().rev().take(ROWS_SHOWN).collect::<Vec<_>>();
        let chips = processed.iter().rev().map(|p| {
            let again = seen.get(&(p.tp, p.offset.0)).copied().unwrap_or(0) > 1;
            let same_value = record_seen.get(&p.record.0).copied().unwrap_or(0) > 1;
            let title = text::processed_title(app.lang, p.record.0, p.tp, p.offset.0, p.tick.0, again, same_value);
            html! { <span class={classes!("chip-rec", again.then_some("dup"), (same_value && !again).then_some("dup-value"))} title={title.clone()} aria-label={title}>{ format!("v{}@{}", p.record.0, p.offset.0) }</span> }
        });
        let positions = c.assignment.iter().map(|tp| {
            format!(
                "{}: {} {}, {} {}",
                tp,
                text::t(app.lang, T::Position),
                c.positions.get(tp).map_or("—".into(), |o| o.0.to_string()),
                text::t(app.lang, T::Committed),
                c.committed.get(tp).map_or("—".into(), |o| o.0.to_string())
            )
        });
        let sink = c.setup.sink.map(|s| {
            let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
            for r in &c.sink.rows {
                *counts.entry(r.record.0).or_default() += 1;
            }
            let rows = c.sink.rows.iter().rev().take(ROWS_SHOWN).collect::<Vec<_>>();
            let dups = counts.values().filter(|n| **n > 1).count();
            html! {
                <div class="sink">
                    <p><strong>{ app.t(T::SinkTable) }</strong>{ text::sink_line(app.lang, s.idempotent, s.key_is_record, c.sink.row_count) }
                        if dups > 0 { <span class="badge bad">{ text::values_twice_text(app.lang, dups) }</span> }</p>
                    <div class="table-wrap">
                        <table class="rows">
                            <thead><tr><th>{ app.t(T::ThValue) }</th><th>{ app.t(T::ThFrom) }</th><th>{ app.t(T::ThTick) }</th></tr></thead>
                            <tbody>
                                { for rows.iter().rev().map(|r| {
                                    let dup = counts.get(&r.record.0).copied().unwrap_or(0) > 1;
                                    html! { <tr class={classes!(dup.then_some("dup"))}><td class="mono">{ format!("v{}", r.record.0) }{ if dup { app.t(T::DupMark) } else { "" } }</td><td>{ format!("{}@{}", r.tp, r.offset.0) }</td><td>{ r.tick.0 }</td></tr> }
                                }) }
                            </tbody>
                        </table>
                    </div>
                </div>
            }
        });
        let state = if !c.alive {
            app.t(T::Crashed).to_string()
        } else if let Some(e) = c.halted {
            text::stopped_text(app.lang, e)
        } else {
            app.t(T::Running).into()
        };
        html! {
            <div class="client-card">
                <p class="card-head"><strong>{ format!("consumer-{}", c.idx) }</strong>
                    { text::consumer_card_line(app.lang, state, c.setup.cfg.isolation_level.name(), commit_name(c.setup.mode), &c.setup.cfg.group_id, c.processed_total) }</p>
                <p class="small">{ for positions.map(|p| html! { <span class="pos">{ p }</span> }) }</p>
                <div class="chips" aria-label={app.t(T::RecordsProcessed)}>{ for chips }</div>
                { for sink }
            </div>
        }
    });
    html! { <div class="consumers">{ for cards }</div> }
}

/// Where each state sits in the drawing of the state machine: `tall` is the two-column drawing a
/// narrow panel shows (a phone), else the wide one.
fn state_pos(s: TransactionState, tall: bool) -> (f64, f64) {
    use TransactionState::*;
    let (col, row) = match s {
        Empty => (0, 0),
        Ongoing => (1, 0),
        PrepareCommit => (2, 1),
        CompleteCommit => (3, 1),
        PrepareAbort => (2, 2),
        CompleteAbort => (3, 2),
        PrepareEpochFence => (1, 3),
        Dead => (0, 3),
    };
    if !tall {
        let x = [70.0, 215.0, 370.0, 525.0][col];
        let y = match (col, row) {
            (0 | 1, 0) => 95.0,
            (_, 1) => 40.0,
            (_, 2) => 150.0,
            _ => 185.0,
        };
        return (x, y);
    }
    // Two columns, the happy path down the left: Empty, Ongoing, PrepareCommit, CompleteCommit.
    match s {
        Empty => (75.0, 25.0),
        Dead => (225.0, 25.0),
        Ongoing => (75.0, 95.0),
        PrepareEpochFence => (225.0, 95.0),
        PrepareCommit => (75.0, 165.0),
        PrepareAbort => (225.0, 165.0),
        CompleteCommit => (75.0, 235.0),
        CompleteAbort => (225.0, 235.0),
    }
}

/// The transitions drawn as arrows: the life of one transaction, a tree, so no two cross. Every
/// other valid transition (back to Empty or Ongoing for the next transaction, to Dead, TV2's
/// abort from Empty or Complete*) is written inside its target as "↩ from …".
const FSM_TREE: [(TransactionState, TransactionState); 8] = {
    use TransactionState::*;
    [
        (Empty, Ongoing),
        (Ongoing, PrepareCommit),
        (Ongoing, PrepareAbort),
        (Ongoing, PrepareEpochFence),
        (PrepareEpochFence, PrepareAbort),
        (PrepareCommit, CompleteCommit),
        (PrepareAbort, CompleteAbort),
        (Empty, Dead),
    ]
};

fn fsm(
    lang: Lang,
    at: &BTreeMap<TransactionState, Vec<String>>,
    tall: bool,
    label: String,
) -> Html {
    use TransactionState::*;
    let caption_of = |s: TransactionState| -> Option<String> {
        let mut from: Vec<&str> = s
            .valid_previous_states()
            .iter()
            .filter(|p| **p != s && !FSM_TREE.contains(&(**p, s)))
            .map(|p| p.name())
            .collect();
        if from.contains(&CompleteCommit.name()) && from.contains(&CompleteAbort.name()) {
            from.retain(|n| *n != CompleteCommit.name() && *n != CompleteAbort.name());
            from.push("Complete*");
        }
        (!from.is_empty()).then(|| text::fsm_from_text(lang, &from.join(", ")))
    };
    // Wide enough for the name (12 px) and the caption (9.5 px).
    let size = |s: TransactionState, caption: bool| {
        let caption_w = caption_of(s).map_or(0.0, |c| c.chars().count() as f64 * 5.5 + 16.0);
        (
            (s.name().len() as f64 * 7.4 + 24.0)
                .max(caption_w)
                .max(112.0),
            if caption { 42.0 } else { 30.0 },
        )
    };
    let mut edges = Vec::new();
    for (p, s) in FSM_TREE {
        if !s.valid_previous_states().contains(&p) {
            continue;
        }
        let (x1, y1) = state_pos(p, tall);
        let (x2, y2) = state_pos(s, tall);
        let (bw, bh) = size(s, caption_of(s).is_some());
        let (dx, dy) = (x2 - x1, y2 - y1);
        // Stop the line at the target box's edge.
        let t = (1.0
            - ((bw / 2.0 + 4.0) / dx.abs().max(0.001)).min((bh / 2.0 + 4.0) / dy.abs().max(0.001)))
        .clamp(0.0, 1.0);
        let (ex, ey) = (x1 + dx * t, y1 + dy * t);
        let head = {
            let len = (dx * dx + dy * dy).sqrt().max(0.001);
            let (ux, uy) = (dx / len, dy / len);
            let (bx, by) = (ex - ux * 8.0, ey - uy * 8.0);
            format!(
                "{},{} {},{} {},{}",
                fmt(ex),
                fmt(ey),
                fmt(bx - uy * 4.0),
                fmt(by + ux * 4.0),
                fmt(bx + uy * 4.0),
                fmt(by - ux * 4.0)
            )
        };
        edges.push(html! {
            <g class="edge">
                <line x1={fmt(x1)} y1={fmt(y1)} x2={fmt(ex)} y2={fmt(ey)} />
                <polygon points={head} />
            </g>
        });
    }
    let states = TransactionState::ALL.iter().map(|s| {
        let (x, y) = state_pos(*s, tall);
        let caption = caption_of(*s);
        let (bw, bh) = size(*s, caption.is_some());
        let holders = at.get(s).cloned().unwrap_or_default();
        let current = !holders.is_empty();
        let name_y = if caption.is_some() { y - 2.0 } else { y + 4.0 };
        html! {
            <g class={classes!("state", current.then_some("current"))}>
                <rect x={fmt(x - bw / 2.0)} y={fmt(y - bh / 2.0)} width={fmt(bw)} height={fmt(bh)} rx="15" />
                <text x={fmt(x)} y={fmt(name_y)}>{ s.name() }</text>
                if let Some(c) = caption {
                    <text class="from" x={fmt(x)} y={fmt(y + 13.0)}>{ c }</text>
                }
                if current {
                    <text class="holders" x={fmt(x)} y={fmt(y - bh / 2.0 - 4.0)}>{ format!("▼ {}", holders.join(", ")) }</text>
                }
            </g>
        }
    });
    let (class, view) = if tall {
        ("fsm fsm-tall", "0 0 300 268")
    } else {
        ("fsm fsm-wide", "0 0 600 215")
    };
    html! {
        <svg class={class} viewBox={view} role="img" aria-label={label}>
            { for edges }
            { for states }
        </svg>
    }
}

pub fn coordinator(app: &App, tl: &Timeline) -> Html {
    let w = &tl.sim.world;
    let names = &w.scenario.transactional_ids;
    if names.is_empty() {
        return html! { <p class="muted">{ app.t(T::NoTxnId) }</p> };
    }
    // The coordinator is the leader of __transaction_state (other replicas only hold its log).
    let coord = w
        .brokers
        .get(w.topology.txn_coordinator() as usize)
        .and_then(|b| b.txn_coordinator.as_ref().map(|t| (b.id, b.alive, t)));
    let Some((bid, alive, tc)) = coord else {
        return html! { <p class="muted">{ app.t(T::NoCoordinator) }</p> };
    };
    let name = |t: u8| {
        names
            .get(t as usize)
            .cloned()
            .unwrap_or_else(|| format!("txn {}", t))
    };
    let part = |p: &TxnPartition| match p {
        TxnPartition::Data(tp) => tp.to_string(),
        TxnPartition::Offsets(g) => format!(
            "__consumer_offsets ({})",
            w.scenario
                .group_ids
                .get(*g as usize)
                .cloned()
                .unwrap_or_default()
        ),
    };
    let mut at: BTreeMap<TransactionState, Vec<String>> = BTreeMap::new();
    for (t, m) in &tc.txns {
        at.entry(m.state).or_default().push(name(*t));
    }
    let label = format!(
        "{}{}",
        app.t(T::StateMachine),
        tc.txns
            .iter()
            .map(|(t, m)| text::txn_in_state_text(app.lang, &name(*t), m.state.name()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let txns = tc.txns.iter().map(|(t, m)| {
        html! { <li><strong>{ name(*t) }</strong>{ text::txn_line(app.lang, m.state.name(), m.producer_id.0, m.producer_epoch.0,
            &if m.topic_partitions.is_empty() { app.t(T::None_).to_string() } else { m.topic_partitions.iter().map(part).collect::<Vec<_>>().join(", ") }) }</li> }
    });
    let log_rows = tc.log.iter().rev().take(ROWS_SHOWN).collect::<Vec<_>>();
    html! {
        <div class="coordinator">
            <p class="small">{ text::coordinator_on_text(app.lang, bid, alive, tc.coordinator_epoch) }</p>
            // Both drawings; the stylesheet shows the one that fits the panel's width.
            { fsm(app.lang, &at, false, label.clone()) }
            { fsm(app.lang, &at, true, label) }
            <ul class="txns">{ for txns }</ul>
            <p><strong>{ "__transaction_state" }</strong>{ text::records_count_text(app.lang, tc.log.len()) }</p>
            if tc.log.is_empty() {
                <p class="muted">{ app.t(T::Empty) }</p>
            } else {
                <div class="table-wrap">
                    // On a narrow panel each row becomes a two-line card (the stylesheet), and
                    // `data-label` names its cells there.
                    <table class="rows txlog">
                        <thead><tr><th>{ app.t(T::ThTick) }</th><th>{ "transactional.id" }</th><th>{ app.t(T::ThPidEpoch) }</th><th>{ app.t(T::ThState) }</th><th>{ app.t(T::ThPartitions) }</th></tr></thead>
                        <tbody>{ for log_rows.iter().rev().map(|r| html! {
                            <tr><td class="t">{ r.tick.0 }</td><td>{ name(r.txn) }</td><td class="pid">{ format!("{} / {}", r.producer_id.0, r.producer_epoch.0) }</td><td class="mono state">{ r.state.name() }</td>
                                <td class="parts" data-label={app.t(T::PartitionsColon).trim_start_matches(" · ")}>{ r.partitions.iter().map(part).collect::<Vec<_>>().join(", ") }</td></tr>
                        }) }</tbody>
                    </table>
                </div>
            }
        </div>
    }
}

pub fn verdicts(app: &App, tl: &Timeline) -> Html {
    let send = &app.send;
    let w = &tl.sim.world;
    let finished = tl.sim.is_done();
    // A compact widget (controls minimal or none) lists only what the story is about: the
    // properties its file expects a verdict for, and any that failed.
    let compact = app.opts.embed.widget && app.opts.embed.controls != super::Controls::Full;
    let expected = app.session.draft.as_ref().map(|f| &f.expect);
    let rows = Property::ALL.iter().filter(|p| {
        !compact
            || expected.is_none_or(|e| e.is_empty() || e.contains_key(p.name()))
            || matches!(w.checker.verdicts.get(p), Some(Verdict::Fail { .. }))
    }).map(|p| {
        let v = w.checker.verdicts.get(p).cloned().unwrap_or(Verdict::NotApplicable);
        let (class, word) = match &v {
            Verdict::Pass if finished => ("pass", app.t(T::Pass)),
            Verdict::Pass => ("pass", app.t(T::SoFar)),
            Verdict::Fail { .. } => ("fail", app.t(T::Fail)),
            Verdict::NotApplicable => ("na", app.t(T::NotApplicable)),
        };
        let body = match &v {
            Verdict::Fail { first, count } => {
                let step = first.step;
                html! {
                    <div class="why">
                        <p>{ text::violation(app.lang, &first.detail) }{ if *count > 1 { text::violation_count_text(app.lang, *count) } else { String::new() } }</p>
                        if let Some(e) = first.expected {
                            <p class="expected"><span class="badge">{ app.t(T::ExpectedBadge) }</span>{ " " }{ text::expected_because(app.lang, e) }</p>
                        }
                        <button type="button" class="link" onclick={send.reform(move |_| Msg::Seek(step))}>{ text::go_to_step_text(app.lang, step, Some(first.tick.0)) }</button>
                    </div>
                }
            }
            _ => html! {},
        };
        html! {
            <li class={classes!("verdict", class, app.session.highlighted(p.name()).then_some("hl"))} data-property={p.name()}>
                <div class="verdict-head">
                    <span class="word">{ word }</span>
                    <code class="prop">{ p.name() }</code>
                    <span class="summary">{ text::property_summary(app.lang, *p) }</span>
                </div>
                { body }
            </li>
        }
    });
    let mismatches = crate::sim::report::expectation_mismatches(&tl.sim);
    html! {
        <div class="verdicts">
            <ul>{ for rows }</ul>
            if finished && !mismatches.is_empty() {
                <p class="note">{ format!("{}{}", app.t(T::Differs), mismatches.join("; ")) }</p>
            }
        </div>
    }
}

/// The commit mode as a scenario file writes it.
fn commit_name(m: crate::sim::config::CommitMode) -> &'static str {
    use crate::sim::config::CommitMode;
    match m {
        CommitMode::Auto => "auto",
        CommitMode::AfterProcessing => "after_processing",
        CommitMode::BeforeProcessing => "before_processing",
        CommitMode::Transactional => "transactional",
    }
}

pub fn events(app: &App, tl: &Timeline) -> Html {
    let send = &app.send;
    let trace = &tl.sim.trace;
    let show_polling = app.show_polling;
    // Each entry's number in the whole trace is its key: a new step adds entries, it doesn't rewrite them.
    let first_index = trace.total.saturating_sub(trace.events.len() as u64);
    let shown: Vec<_> = trace
        .events
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, e)| show_polling || !text::is_polling(&e.what))
        .take(EVENTS_SHOWN)
        .collect();
    let earlier = trace.total.saturating_sub(shown.len() as u64);
    let here = tl.sim.world.step;
    html! {
        <div class="events">
            <label class="check">
                <input type="checkbox" checked={show_polling} onchange={send.reform(move |_| Msg::ShowPolling(!show_polling))} />
                { app.t(T::ShowPolling) }
            </label>
            if earlier > 0 {
                <p class="muted small">{ text::events_hidden_text(app.lang, earlier) }</p>
            }
            <ol class="event-list" role="log" aria-live="polite" aria-label={app.t(T::EventLogLabel)}>
                { for shown.into_iter().map(|(i, e)| {
                    let step = e.step;
                    let key = first_index + i as u64;
                    let class = match &e.what {
                        crate::sim::world::TraceKind::Dropped { .. } | crate::sim::world::TraceKind::Crashed { .. } | crate::sim::world::TraceKind::ConfigRejected { .. } => "ev-bad",
                        k if k.is_fault() => "ev-fault",
                        crate::sim::world::TraceKind::Fact(_) => "ev-fact",
                        _ => "ev-msg",
                    };
                    html! {
                        <li key={key.to_string()} class={classes!(class, (step == here).then_some("now"))}>
                            <button type="button" class="link step" onclick={send.reform(move |_| Msg::Seek(step))} aria-label={text::go_to_step_text(app.lang, step, None)}>{ format!("{:>4}", step) }</button>
                            <span class="t mono">{ format!("{} ms", e.tick.0) }</span>
                            <span class="line">{ text::trace_line(app.lang, &e.what) }</span>
                        </li>
                    }
                }) }
            </ol>
        </div>
    }
}
