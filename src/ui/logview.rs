//! The partition logs, the centre of the picture: one row of cells per partition, drawn in SVG
//! (presentation attributes, so the strict CSP's `style-src 'self'` is no obstacle). Only the
//! cells in view are drawn; the scroller follows the end until the reader scrolls away.
//!
//! ```text
//!        HW·LSO      LEO          <- pointers (boundaries between offsets)
//!   0    1    2    |              <- offsets
//! [v0 ][v0 ][v1 ]  |              <- data cells (colour + "p0" label; "T" band = transactional)
//!   ▲c0  ✓c0                      <- each consumer's position and committed offset
//! ```

use super::{App, Msg, Scroll};
use crate::catalog::{self as text, Lang, T};
use crate::sim::log::{ControlType, PartitionLog, RecordBatch};
use crate::sim::timeline::Timeline;
use crate::sim::types::{Offset, TopicId, TopicPartition};
use crate::sim::world::World;
use web_sys::{Element, Event};
use yew::prelude::*;

const CW: f64 = 58.0;
const CELL_H: f64 = 46.0;
const TOP: f64 = 32.0;
const LEFT: f64 = 6.0;

/// The partitions to draw: the input topic's, and the output topic's when it is used.
pub fn shown_partitions(w: &World) -> Vec<TopicPartition> {
    let uses_output = w.consumers.iter().any(|c| c.setup.output.is_some());
    w.topology
        .all_partitions()
        .filter(|tp| tp.topic == TopicId::Input || uses_output)
        .collect()
}

/// What one offset holds, for drawing and for the inspector.
pub struct CellInfo {
    pub text: String,
    pub detail: String,
    pub class: Classes,
    pub producer: Option<usize>,
    pub control: Option<ControlType>,
    pub aborted: bool,
    pub copies: u8,
    pub transactional: bool,
}

fn producer_of(w: &World, record: u32) -> Option<usize> {
    w.checker.setup.producers.iter().position(|p| {
        record >= p.first_record && record < p.first_record.saturating_add(p.record_count)
    })
}

pub fn cell_info(
    lang: Lang,
    w: &World,
    tp: TopicPartition,
    log: &PartitionLog,
    b: &RecordBatch,
    offset: u64,
) -> CellInfo {
    let pid = b.producer_id.0;
    let ids = if pid >= 0 {
        format!(
            "PID {} · {} {} · ",
            pid,
            text::t(lang, T::Epoch),
            b.producer_epoch.0
        )
    } else {
        text::t(lang, T::NoPidDot).to_string()
    };
    if let Some(c) = b.control {
        let name = match c {
            ControlType::Commit => "COMMIT",
            ControlType::Abort => "ABORT",
        };
        return CellInfo {
            text: name.into(),
            detail: text::marker_detail(lang, tp, offset, name, &ids, b.coordinator_epoch),
            class: classes!(
                "marker",
                if c == ControlType::Commit {
                    "commit"
                } else {
                    "abort"
                }
            ),
            producer: None,
            control: Some(c),
            aborted: false,
            copies: 1,
            transactional: true,
        };
    }
    let record = b.record_at(Offset(offset)).map_or(0, |r| r.0);
    let seq = if b.base_sequence.0 >= 0 {
        format!(
            "{} {}",
            text::t(lang, T::Seq),
            b.base_sequence.0 as i64 + (offset - b.base_offset.0) as i64
        )
    } else {
        text::t(lang, T::NoSeq).into()
    };
    let aborted = b.is_transactional && log.is_aborted(b.producer_id, Offset(offset));
    let open = b.is_transactional
        && !aborted
        && log
            .ongoing_txns()
            .get(&b.producer_id)
            .is_some_and(|first| first.0 <= offset);
    let copies = if tp.topic == TopicId::Input {
        w.checker.copies_in_log(crate::sim::types::RecordId(record))
    } else {
        1
    };
    let producer = producer_of(w, record);
    let mut detail = format!(
        "{} {} {}: v{} · {}{}",
        tp,
        text::t(lang, T::Offset),
        offset,
        record,
        ids,
        seq
    );
    if let Some(p) = producer {
        detail.push_str(&text::from_producer_text(lang, p));
    }
    if b.is_transactional {
        detail.push_str(if aborted {
            text::t(lang, T::TxnAborted)
        } else if open {
            text::t(lang, T::TxnOpen)
        } else {
            text::t(lang, T::TxnCommitted)
        });
    }
    if copies > 1 && !aborted {
        detail.push_str(&text::duplicate_detail(lang, record, copies));
    }
    CellInfo {
        text: format!("v{}", record),
        detail,
        class: classes!(
            "data",
            format!("p{}", producer.unwrap_or(9) % 4),
            b.is_transactional.then_some("txn"),
            aborted.then_some("aborted"),
            open.then_some("open"),
            (copies > 1 && !aborted).then_some("dup")
        ),
        producer,
        control: None,
        aborted,
        copies,
        transactional: b.is_transactional,
    }
}

fn x_of(offset: u64) -> f64 {
    LEFT + offset as f64 * CW
}

/// Pointer labels grouped by offset, drawn as boundary lines with text.
fn pointers(
    items: &[(u64, String)],
    y_text: f64,
    y1: f64,
    y2: f64,
    class: &'static str,
    range: (u64, u64),
) -> Html {
    let mut grouped: Vec<(u64, Vec<&str>)> = Vec::new();
    for (o, label) in items {
        match grouped.iter_mut().find(|(x, _)| x == o) {
            Some((_, v)) => v.push(label),
            None => grouped.push((*o, vec![label])),
        }
    }
    crate::sim::vecmap::sort_small_by_key(&mut grouped, |(o, _)| *o);
    let nodes = grouped
        .into_iter()
        .filter(|(o, _)| *o + 1 >= range.0 && *o <= range.1 + 1)
        .map(|(o, labels)| {
            let x = x_of(o) - 1.0;
            html! {
                <g class={classes!("pointer", class)}>
                    <line x1={fmt(x)} x2={fmt(x)} y1={fmt(y1)} y2={fmt(y2)} />
                    <text x={fmt(x + 3.0)} y={fmt(y_text)}>{ labels.join("·") }</text>
                </g>
            }
        });
    html! { <>{ for nodes }</> }
}

pub fn fmt(v: f64) -> String {
    format!("{:.1}", v)
}

fn partition_view(app: &App, w: &World, i: usize, tp: TopicPartition) -> Html {
    let send = &app.send;
    let Some(log) = w.log(tp) else {
        return html! { <p class="muted">{ text::no_log_text(app.lang, tp, w.topology.leader(tp)) }</p> };
    };
    let leo = log.log_end_offset().0;
    let hw = log.high_watermark().0;
    let lso = log.last_stable_offset().0;
    let scroll = app.scrolls.get(i).copied().unwrap_or_default();
    let first = ((scroll.left - LEFT) / CW).floor().max(0.0) as u64;
    let first = first.saturating_sub(2);
    let last =
        (((scroll.left + scroll.width) / CW).ceil().max(0.0) as u64 + 2).min(leo.saturating_add(1));
    let batches = log.batches();
    let start = batches.partition_point(|b| b.next_offset().0 <= first);
    let mut cells: Vec<Html> = Vec::new();
    let mut outlines: Vec<Html> = Vec::new();
    let inspected = app.inspect.filter(|(p, _)| *p == i).map(|(_, o)| o);
    for b in batches.iter().skip(start) {
        if b.base_offset.0 >= last {
            break;
        }
        let lo = b.base_offset.0.max(first);
        let hi = b.last_offset().0.min(last.saturating_sub(1));
        if b.record_count > 1 && lo <= hi {
            outlines.push(html! {
                <rect class="batch" x={fmt(x_of(lo) + 0.5)} y={fmt(TOP - 3.0)} width={fmt((hi - lo + 1) as f64 * CW - 1.0)} height={fmt(CELL_H + 6.0)} rx="6" />
            });
        }
        for offset in lo..=hi {
            let info = cell_info(app.lang, w, tp, log, b, offset);
            let x = x_of(offset) + 3.0;
            let y = TOP;
            let cw = CW - 6.0;
            let cell = (i, offset);
            let label = match (info.control, info.producer) {
                (Some(_), _) => String::new(),
                (None, Some(p)) => format!("p{}{}", p, if info.transactional { " T" } else { "" }),
                (None, None) => String::new(),
            };
            let glyph = match info.control {
                Some(ControlType::Commit) => html! {
                    <>
                        <polygon class="glyph" points={format!("{},{} {},{} {},{} {},{}", fmt(x + cw / 2.0), fmt(y + 6.0), fmt(x + cw - 6.0), fmt(y + 16.0), fmt(x + cw / 2.0), fmt(y + 26.0), fmt(x + 6.0), fmt(y + 16.0))} />
                        <text class="glyph-text" x={fmt(x + cw / 2.0)} y={fmt(y + 20.0)}>{ "✓" }</text>
                        <text class="sub" x={fmt(x + cw / 2.0)} y={fmt(y + CELL_H - 5.0)}>{ "COMMIT" }</text>
                    </>
                },
                Some(ControlType::Abort) => html! {
                    <>
                        <rect class="glyph" x={fmt(x + cw / 2.0 - 9.0)} y={fmt(y + 6.0)} width="18" height="18" />
                        <text class="glyph-text" x={fmt(x + cw / 2.0)} y={fmt(y + 20.0)}>{ "✕" }</text>
                        <text class="sub" x={fmt(x + cw / 2.0)} y={fmt(y + CELL_H - 5.0)}>{ "ABORT" }</text>
                    </>
                },
                None => html! {
                    <>
                        if info.transactional {
                            <rect class="band" x={fmt(x)} y={fmt(y)} width={fmt(cw)} height="6" />
                        }
                        <text class="value" x={fmt(x + cw / 2.0)} y={fmt(y + 22.0)}>{ info.text.clone() }</text>
                        <text class="sub" x={fmt(x + cw / 2.0)} y={fmt(y + CELL_H - 6.0)}>{ label }</text>
                        if info.aborted {
                            <line class="strike" x1={fmt(x + 2.0)} x2={fmt(x + cw - 2.0)} y1={fmt(y + CELL_H - 4.0)} y2={fmt(y + 4.0)} />
                        }
                        if info.copies > 1 && !info.aborted {
                            <g class="dup-badge">
                                // Inside the cell's corner: never clipped by a neighbour or a pointer.
                                <circle cx={fmt(x + cw - 11.0)} cy={fmt(y + CELL_H - 11.0)} r="8" />
                                <text x={fmt(x + cw - 11.0)} y={fmt(y + CELL_H - 7.5)}>{ format!("×{}", info.copies) }</text>
                            </g>
                        }
                    </>
                },
            };
            let aria = info.detail.clone();
            cells.push(html! {
                <g key={offset.to_string()} class={classes!("cell", info.class, (inspected == Some(offset)).then_some("inspected"))} tabindex="0" role="img" aria-label={aria}
                    onfocus={send.reform(move |_| Msg::Inspect(Some(cell)))}
                    onmouseenter={send.reform(move |_| Msg::Inspect(Some(cell)))}
                    onclick={send.reform(move |_| Msg::Inspect(Some(cell)))}>
                    <title>{ info.detail.clone() }</title>
                    <rect class="box" x={fmt(x)} y={fmt(y)} width={fmt(cw)} height={fmt(CELL_H)} rx="4" />
                    { glyph }
                </g>
            });
        }
    }
    // Offsets above the cells.
    let offsets = (first..last.min(leo + 1)).map(|o| html! { <text class="offset" x={fmt(x_of(o) + CW / 2.0)} y={fmt(TOP - 6.0)}>{ o }</text> });
    // The next offset: an empty dashed slot.
    let slot = (leo >= first && leo <= last).then(|| html! {
        <rect class="slot" x={fmt(x_of(leo) + 3.0)} y={fmt(TOP)} width={fmt(CW - 6.0)} height={fmt(CELL_H)} rx="4" />
    });
    let top_items = vec![
        (hw, "HW".to_string()),
        (lso, "LSO".to_string()),
        (leo, "LEO".to_string()),
    ];
    let mut pos_items: Vec<(u64, String)> = Vec::new();
    let mut committed_items: Vec<(u64, String)> = Vec::new();
    let mut readers: Vec<String> = Vec::new();
    for c in &w.consumers {
        if !c.assignment.contains(&tp) {
            // A line for each consumer of the topic, assigned this partition or not (the group
            // moves partitions between members), so the log keeps its height.
            if tp.topic == crate::sim::types::TopicId::Input {
                readers.push(format!(
                    "consumer-{} ({}): {}",
                    c.idx,
                    c.setup.cfg.isolation_level.name(),
                    text::t(app.lang, T::NotAssigned)
                ));
            }
            continue;
        }
        let pos = c.positions.get(&tp).map(|o| o.0);
        let com = c.committed.get(&tp).map(|o| o.0);
        if let Some(p) = pos {
            pos_items.push((p, format!("▲c{}", c.idx)));
        }
        if let Some(p) = com {
            committed_items.push((p, format!("✓c{}", c.idx)));
        }
        let none = text::t(app.lang, T::None_);
        readers.push(format!(
            "consumer-{} ({}): {} {}, {} {}",
            c.idx,
            c.setup.cfg.isolation_level.name(),
            text::t(app.lang, T::Position),
            pos.map_or(none.into(), |p| p.to_string()),
            text::t(app.lang, T::Committed),
            com.map_or(none.into(), |p| p.to_string())
        ));
    }
    let lanes_y = TOP + CELL_H;
    let height = lanes_y + 34.0;
    let width = x_of(leo + 2) + 60.0;
    let range = (first, last);
    let node_ref = app.log_refs.get(i).cloned().unwrap_or_default();
    let onscroll = send.reform(move |e: Event| {
        let s = e
            .target_dyn_into::<Element>()
            .map_or(Scroll::default(), |el| {
                let left = el.scroll_left() as f64;
                let width = el.client_width() as f64;
                let end = (el.scroll_width() - el.client_width()) as f64;
                Scroll {
                    left,
                    width,
                    follow: left >= end - 4.0,
                }
            });
        Msg::LogScroll(i, s)
    });
    let inspect_line = match inspected.and_then(|o| {
        log.batch_index_at(Offset(o))
            .and_then(|bi| batches.get(bi))
            .map(|b| cell_info(app.lang, w, tp, log, b, o))
    }) {
        Some(info) => html! { <p class="inspect" aria-live="polite">{ info.detail }</p> },
        None => html! {},
    };
    let t = &w.topology;
    let leader_text = match t.leader_of(tp) {
        Some(l) if w.brokers.get(l as usize).is_some_and(|b| b.alive) => {
            format!(" {} broker-{}", text::t(app.lang, T::Leader), l)
        }
        Some(l) => format!(
            " {} broker-{} {}",
            text::t(app.lang, T::Leader),
            l,
            text::t(app.lang, T::DownParen)
        ),
        None => text::t(app.lang, T::NoLeaderOffline).to_string(),
    };
    // With replicas, each follower's copy: how far it has caught up.
    let replicas_line = (t.replication_factor > 1).then(|| {
        let isr = t.isr.get(&tp).cloned().unwrap_or_default();
        let copies = t.replicas(tp).into_iter().map(|b| {
            let leo = w
                .brokers
                .get(b as usize)
                .and_then(|x| x.partitions.get(&tp))
                .map_or("—".to_string(), |l| l.log_end_offset().0.to_string());
            let alive = w.brokers.get(b as usize).is_some_and(|x| x.alive);
            format!(
                "broker-{}{}: LEO {}{}",
                b,
                if isr.contains(&b) {
                    text::t(app.lang, T::InSync)
                } else if t.elr_of(tp).contains(&b) {
                    // KIP-966: out of the ISR but holding everything up to the HW.
                    text::t(app.lang, T::EligibleElr)
                } else {
                    ""
                },
                leo,
                if alive {
                    ""
                } else {
                    text::t(app.lang, T::CommaDown)
                }
            )
        });
        format!(
            "{} · {}",
            text::t(app.lang, T::Replicas),
            copies.collect::<Vec<_>>().join(" · ")
        )
    });
    html! {
        <div class={classes!("partition", app.session.highlighted(&tp.to_string()).then_some("hl"))} aria-label={format!("{} {}", text::t(app.lang, T::LogPartition), tp)}>
            <div class="partition-head">
                <span class="tp">{ tp.to_string() }</span>
                <span class="muted">{ leader_text }</span>
                <span class="offsets">{ format!("LEO {} · HW {} · LSO {}", leo, hw, lso) }</span>
            </div>
            <div class="scroller" ref={node_ref} onscroll={onscroll}>
                <svg class="log" width={fmt(width)} height={fmt(height)} viewBox={format!("0 0 {} {}", fmt(width), fmt(height))}
                    role="group" aria-label={text::offsets_label(app.lang, tp, leo)}>
                    { for outlines }
                    { for offsets }
                    { for slot }
                    { for cells }
                    { pointers(&top_items, 10.0, 13.0, TOP + CELL_H, "top", range) }
                    { pointers(&pos_items, lanes_y + 14.0, TOP, lanes_y + 16.0, "position", range) }
                    { pointers(&committed_items, lanes_y + 29.0, TOP, lanes_y + 31.0, "committed", range) }
                </svg>
            </div>
            if let Some(r) = replicas_line {
                <p class="readers">{ r }</p>
            }
            // One line per consumer, never wrapped (cut with an ellipsis on a phone; the full
            // text is its title), so the log keeps its height as positions change.
            { for readers.iter().map(|r| html! { <p class="readers one-line" title={r.clone()}>{ r }</p> }) }
            { inspect_line }
        </div>
    }
}

pub fn view(app: &App, tl: &Timeline) -> Html {
    let w = &tl.sim.world;
    let lang = app.lang;
    let parts = shown_partitions(w);
    let producers = (0..w.producers.len()).map(|i| {
        html! { <><span class={classes!("key-cell", format!("p{}", i % 4))}>{ format!("p{}", i) }</span>{ format!(" producer-{} ", i) }</> }
    });
    let transactional = !w.scenario.transactional_ids.is_empty();
    let legend = html! {
        <p class="legend">
            { for producers }
            if transactional {
                <span class="key-cell txn">{ "T" }</span>{ text::t(lang, T::KeyTxn) }
            }
            <span class="key-cell dup">{ "×2" }</span>{ text::t(lang, T::KeyDup) }
            if transactional {
                <span class="key-cell aborted">{ "v" }</span>{ text::t(lang, T::KeyAborted) }
                <span class="key-glyph">{ "◆✓ COMMIT ■✕ ABORT · " }</span>
            }
            <span class="key-glyph">{ text::t(lang, T::KeyPositions) }</span>
            <span class="key-glyph">{ " · " }</span>
            <abbr title={text::t(lang, T::LeoTitle)}>{ "LEO" }</abbr>
            { text::t(lang, T::KeyLeo) }
            <abbr title={text::t(lang, T::HwTitle)}>{ "HW" }</abbr>
            { text::t(lang, T::KeyHw) }
            <abbr title={text::t(lang, T::LsoTitle)}>{ "LSO" }</abbr>
            { text::t(lang, T::KeyLso) }
        </p>
    };
    html! {
        <div class="logs">
            { for parts.into_iter().enumerate().map(|(i, tp)| partition_view(app, w, i, tp)) }
            { legend }
        </div>
    }
}
