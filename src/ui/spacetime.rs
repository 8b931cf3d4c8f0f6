//! The space-time diagram: a lane per node, time (in steps) to the right, every message an arrow
//! from its send to its delivery. A dropped message ends in a cross, a duplicated one forks,
//! crashes and restarts are marked on their lane. Built from the (bounded) trace, last steps only.
//!
//! ```text
//! producer-0 ──●─────────────────●──────────    ● send
//!                ╲ Produce v0     ╲ retry v0
//! broker-0   ─────●───●────────────●───●─────    ✕ lost
//!                      ╲ ack   ✕
//! ```

use super::logview::fmt;
use super::{App, Msg, Scroll};
use crate::catalog as text;
use crate::sim::message::MessageKind;
use crate::sim::timeline::Timeline;
use crate::sim::types::NodeId;
use crate::sim::world::{MsgId, TraceKind};
use web_sys::{Element, Event};
use yew::prelude::*;

/// Steps drawn at most (older ones scroll out of the diagram).
const WINDOW_STEPS: u64 = 240;
/// The window's start moves in jumps of this many steps, so most steps only add to the drawing.
const WINDOW_JUMP: u64 = 60;
const SX: f64 = 22.0;
const LANE_H: f64 = 30.0;
const PAD: f64 = 14.0;

struct Arrow {
    id: MsgId,
    from: NodeId,
    to: NodeId,
    kind: MessageKind,
    sent: u64,
    end: Option<(u64, bool)>,
    summary: String,
    copy_of: Option<MsgId>,
}

fn arrowhead(x1: f64, y1: f64, x2: f64, y2: f64) -> String {
    let (dx, dy) = (x2 - x1, y2 - y1);
    let len = (dx * dx + dy * dy).sqrt().max(0.001);
    let (ux, uy) = (dx / len, dy / len);
    let (bx, by) = (x2 - ux * 7.0, y2 - uy * 7.0);
    let (px, py) = (-uy * 3.5, ux * 3.5);
    format!(
        "{},{} {},{} {},{}",
        fmt(x2),
        fmt(y2),
        fmt(bx + px),
        fmt(by + py),
        fmt(bx - px),
        fmt(by - py)
    )
}

/// An arrow's label: its summary without the topic-partition, short.
fn arrow_label(kind: MessageKind, summary: &str, lost: bool) -> String {
    let words: Vec<&str> = summary
        .split(' ')
        .filter(|w| !w.starts_with("orders-"))
        .collect();
    let mut t = words.join(" ");
    if kind == MessageKind::ProduceResponse {
        t = format!("ack {}", t);
    }
    let mut t: String = t.chars().take(22).collect();
    if lost {
        t.push_str(" ✕");
    }
    t
}

pub fn view(app: &App, tl: &Timeline) -> Html {
    let sim = &tl.sim;
    let w = &sim.world;
    let now_step = w.step;
    let min_step = now_step.saturating_sub(WINDOW_STEPS) / WINDOW_JUMP * WINDOW_JUMP;
    let mut lanes: Vec<NodeId> = (0..w.producers.len())
        .map(|i| NodeId::Producer(i as u8))
        .collect();
    lanes.extend((0..w.brokers.len()).map(|i| NodeId::Broker(i as u8)));
    lanes.extend((0..w.consumers.len()).map(|i| NodeId::Consumer(i as u8)));
    let lane_y = |n: NodeId| {
        lanes
            .iter()
            .position(|m| *m == n)
            .map(|i| PAD + LANE_H / 2.0 + i as f64 * LANE_H)
    };
    // The diagram fills its panel: a step is as wide as the window's steps allow, 22 px at least.
    let avail = if app.lane_scroll.width > 0.0 {
        app.lane_scroll.width
    } else {
        app.stage_width * 0.55
    };
    let sx = ((avail - 16.0) / (now_step.saturating_sub(min_step) + 3) as f64).max(SX);
    let x_of = |s: u64| 8.0 + (s.saturating_sub(min_step)) as f64 * sx;
    let mut arrows: Vec<Arrow> = Vec::new();
    let mut marks: Vec<Html> = Vec::new();
    let polling =
        |k: MessageKind| matches!(k, MessageKind::FetchRequest | MessageKind::FetchResponse);
    // The trace is in step order: start at the window's first step.
    let start = sim.trace.events.partition_point(|e| e.step < min_step);
    for e in sim.trace.events.range(start..) {
        match &e.what {
            TraceKind::Sent {
                id,
                from,
                to,
                kind,
                summary,
                ..
            } if app.show_polling
                || !polling(*kind)
                || !summary.ends_with(" 0 batches") && *kind == MessageKind::FetchResponse =>
            {
                arrows.push(Arrow {
                    id: *id,
                    from: *from,
                    to: *to,
                    kind: *kind,
                    sent: e.step,
                    end: None,
                    summary: summary.clone(),
                    copy_of: None,
                });
            }
            TraceKind::Delivered { id, .. } => {
                if let Some(a) = arrows.iter_mut().rev().find(|a| a.id == *id) {
                    a.end = Some((e.step, false));
                }
            }
            TraceKind::Dropped { id, .. } => {
                if let Some(a) = arrows.iter_mut().rev().find(|a| a.id == *id) {
                    a.end = Some((e.step, true));
                }
            }
            TraceKind::Duplicated { id, copy } => {
                if let Some(a) = arrows.iter().rev().find(|a| a.id == *id) {
                    let fork = Arrow {
                        id: *copy,
                        from: a.from,
                        to: a.to,
                        kind: a.kind,
                        sent: a.sent,
                        end: None,
                        summary: a.summary.clone(),
                        copy_of: Some(*id),
                    };
                    arrows.push(fork);
                }
            }
            TraceKind::Crashed { node } => {
                if let Some(y) = lane_y(*node) {
                    let x = x_of(e.step);
                    marks.push(html! { <g class="st-crash"><title>{ text::lane_mark_text(app.lang, node, false, e.step) }</title>
                        <line x1={fmt(x - 6.0)} y1={fmt(y - 6.0)} x2={fmt(x + 6.0)} y2={fmt(y + 6.0)} />
                        <line x1={fmt(x - 6.0)} y1={fmt(y + 6.0)} x2={fmt(x + 6.0)} y2={fmt(y - 6.0)} /></g> });
                }
            }
            TraceKind::Restarted { node } => {
                if let Some(y) = lane_y(*node) {
                    let x = x_of(e.step);
                    marks.push(html! { <circle class="st-restart" cx={fmt(x)} cy={fmt(y)} r="6"><title>{ text::lane_mark_text(app.lang, node, true, e.step) }</title></circle> });
                }
            }
            TraceKind::Link { a, b, .. } => {
                for n in [a, b] {
                    if let Some(y) = lane_y(*n) {
                        let x = x_of(e.step);
                        marks.push(html! { <rect class="st-link" x={fmt(x - 4.0)} y={fmt(y - 10.0)} width="8" height="20"><title>{ text::trace_line(app.lang, &e.what) }</title></rect> });
                    }
                }
            }
            TraceKind::ConfigChanged { node, .. } | TraceKind::ConfigRejected { node, .. } => {
                if let Some(y) = lane_y(*node) {
                    let x = x_of(e.step);
                    marks.push(html! { <rect class="st-config" x={fmt(x - 5.0)} y={fmt(y - 5.0)} width="10" height="10"><title>{ text::trace_line(app.lang, &e.what) }</title></rect> });
                }
            }
            _ => {}
        }
    }
    let now_x = x_of(now_step);
    let drawn = arrows.iter().filter_map(|a| {
        let (y1, y2) = (lane_y(a.from)?, lane_y(a.to)?);
        let x1 = x_of(a.sent);
        let (x2, y2, lost, flying) = match a.end {
            Some((s, true)) => {
                let x = x_of(s).max(x1 + sx * 0.5);
                (x, y1 + (y2 - y1) * 0.5, true, false)
            }
            Some((s, false)) => (x_of(s).max(x1 + 2.0), y2, false, false),
            None => {
                // Still in flight: drawn up to now, part of the way.
                let x = now_x.max(x1 + sx * 0.6);
                (x, y1 + (y2 - y1) * 0.6, false, true)
            }
        };
        let title = format!("{} #{} {} → {}: {}{}", a.kind.name(), a.id, a.from, a.to, a.summary, text::arrow_state_text(app.lang, lost, flying));
        Some(html! {
            <g key={a.id.to_string()} class={classes!("st-msg", if a.kind.is_response() { "response" } else { "request" }, lost.then_some("lost"), flying.then_some("flying"), a.copy_of.map(|_| "copy"))}>
                <title>{ title }</title>
                <line x1={fmt(x1)} y1={fmt(y1)} x2={fmt(x2)} y2={fmt(y2)} />
                <circle class="dot" cx={fmt(x1)} cy={fmt(y1)} r="2.5" />
                // Lost messages and long flights (a retry, a timeout) carry their name.
                if let Some((lx, text)) = (lost || x2 - x1 >= 70.0).then(|| {
                    let text = arrow_label(a.kind, &a.summary, lost);
                    // Centred on the arrow, but never cut by the diagram's left edge.
                    let half = text.chars().count() as f64 * 2.8;
                    (((x1 + x2) / 2.0).max(half + 2.0), text)
                }) {
                    <text class="st-label" x={fmt(lx)} y={fmt((y1 + y2) / 2.0 - 4.0)}>{ text }</text>
                }
                if lost {
                    <path class="cross" d={format!("M{} {} L{} {} M{} {} L{} {}", fmt(x2 - 5.0), fmt(y2 - 5.0), fmt(x2 + 5.0), fmt(y2 + 5.0), fmt(x2 - 5.0), fmt(y2 + 5.0), fmt(x2 + 5.0), fmt(y2 - 5.0))} />
                } else if !flying {
                    <polygon class="head" points={arrowhead(x1, y1, x2, y2)} />
                }
            </g>
        })
    });
    let drawn: Vec<Html> = drawn.collect();
    let width = now_x + sx * 3.0;
    let height = PAD * 2.0 + LANE_H * lanes.len() as f64;
    let lane_lines = lanes.iter().enumerate().map(|(i, _)| {
        let y = PAD + LANE_H / 2.0 + i as f64 * LANE_H;
        html! { <line class="lane" x1="0" x2={fmt(width)} y1={fmt(y)} y2={fmt(y)} /> }
    });
    let labels = lanes.iter().enumerate().map(|(i, n)| {
        let y = PAD + LANE_H / 2.0 + i as f64 * LANE_H + 4.0;
        html! { <text x="4" y={fmt(y)}>{ n.to_string() }</text> }
    });
    let send = &app.send;
    let onscroll = send.reform(move |e: Event| {
        let s = e
            .target_dyn_into::<Element>()
            .map_or(Scroll::default(), |el| {
                let left = el.scroll_left() as f64;
                let end = (el.scroll_width() - el.client_width()) as f64;
                Scroll {
                    left,
                    width: el.client_width() as f64,
                    follow: left >= end - 4.0,
                }
            });
        Msg::LaneScroll(s)
    });
    html! {
        <div class="spacetime">
            <div class="st-wrap">
                <svg class="st-labels" width="84" height={fmt(height)} aria-hidden="true">{ for labels }</svg>
                <div class="scroller" ref={app.lane_ref.clone()} onscroll={onscroll}>
                    <svg class="st" width={fmt(width)} height={fmt(height)} role="img"
                        aria-label={app.t(text::T::StLabel)}>
                        { for lane_lines }
                        <line class="now" x1={fmt(now_x)} x2={fmt(now_x)} y1="0" y2={fmt(height)} />
                        { for drawn }
                        { for marks }
                    </svg>
                </div>
            </div>
            <p class="legend">{ app.t(text::T::StLegend) }</p>
        </div>
    }
}
