//! The topology: producers on the left, brokers (with the partitions they lead and the
//! coordinators they host) in the middle, consumers (and their sinks) on the right; the links
//! between them and every message in flight on its link, positioned by how far along its flight
//! it is. Each message is focusable and clickable: the panel under the drawing acts on it.

use super::logview::fmt;
use super::text::{tr, Lang, T};
use super::{App, Msg, MsgAction};
use crate::sim::message::MessageKind;
use crate::sim::timeline::Timeline;
use crate::sim::types::NodeId;
use crate::sim::world::{Envelope, LinkState, World};
use web_sys::KeyboardEvent;
use yew::prelude::*;

const VIEW_W: f64 = 640.0;
const CLIENT_W: f64 = 132.0;
const BROKER_W: f64 = 160.0;
const GAP: f64 = 18.0;

#[derive(Clone, Copy)]
struct Box {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Box {
    fn center(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
    /// Where a link toward `other` leaves this box (its left or right edge).
    fn port(&self, other: &Box) -> (f64, f64) {
        let (_, cy) = self.center();
        if other.x > self.x {
            (self.x + self.w, cy)
        } else {
            (self.x, cy)
        }
    }
}

struct Layout {
    boxes: Vec<(NodeId, Box)>,
    height: f64,
}

impl Layout {
    fn get(&self, n: NodeId) -> Option<Box> {
        self.boxes.iter().find(|(m, _)| *m == n).map(|(_, b)| *b)
    }
}

fn broker_lines(lang: Lang, w: &World, b: u8) -> Vec<String> {
    let t = &w.topology;
    let mut lines: Vec<String> = Vec::new();
    for tp in super::logview::shown_partitions(w) {
        if t.leader_of(tp) == Some(b) {
            let isr = t.isr.get(&tp).filter(|_| t.replication_factor > 1);
            match isr {
                Some(isr) => lines.push(format!(
                    "{} {} (ISR {})",
                    tr(lang, "leads", "리더:"),
                    tp,
                    isr.iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                )),
                None => lines.push(format!("{} {}", tr(lang, "leads", "리더:"), tp)),
            }
        } else if t.replicas(tp).contains(&b) {
            lines.push(format!("{} {}", tr(lang, "follows", "팔로워:"), tp));
        }
    }
    if t.txn_coordinator() == b && !w.scenario.transactional_ids.is_empty() {
        lines.push(tr(lang, "txn coordinator", "트랜잭션 코디네이터").into());
    }
    if t.group_coordinator() == b && !w.consumers.is_empty() {
        lines.push(tr(lang, "group coordinator", "그룹 코디네이터").into());
    }
    lines
}

fn layout(lang: Lang, w: &World) -> Layout {
    let client_h = 58.0;
    let mut boxes = Vec::new();
    let np = w.producers.len();
    let nc = w.consumers.len();
    let broker_hs: Vec<f64> = (0..w.brokers.len())
        .map(|b| 30.0 + 14.0 * broker_lines(lang, w, b as u8).len() as f64)
        .collect();
    let col_h = |hs: &[f64]| hs.iter().sum::<f64>() + GAP * hs.len().saturating_sub(1) as f64;
    let ph = col_h(&vec![client_h; np]);
    let ch = col_h(&vec![client_h; nc]);
    let bh = col_h(&broker_hs);
    let height = ph.max(ch).max(bh) + 24.0;
    let mut y = (height - ph) / 2.0;
    for i in 0..np {
        boxes.push((
            NodeId::Producer(i as u8),
            Box {
                x: 8.0,
                y,
                w: CLIENT_W,
                h: client_h,
            },
        ));
        y += client_h + GAP;
    }
    let mut y = (height - bh) / 2.0;
    for (b, h) in broker_hs.iter().enumerate() {
        boxes.push((
            NodeId::Broker(b as u8),
            Box {
                x: (VIEW_W - BROKER_W) / 2.0,
                y,
                w: BROKER_W,
                h: *h,
            },
        ));
        y += h + GAP;
    }
    let mut y = (height - ch) / 2.0;
    for i in 0..nc {
        boxes.push((
            NodeId::Consumer(i as u8),
            Box {
                x: VIEW_W - CLIENT_W - 8.0,
                y,
                w: CLIENT_W,
                h: client_h,
            },
        ));
        y += client_h + GAP;
    }
    Layout { boxes, height }
}

/// A short label for a message glyph.
fn short(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::ProduceRequest => "P",
        MessageKind::ProduceResponse => "ack",
        MessageKind::InitProducerIdRequest | MessageKind::InitProducerIdResponse => "Init",
        MessageKind::AddPartitionsToTxnRequest | MessageKind::AddPartitionsToTxnResponse => "AddP",
        MessageKind::AddOffsetsToTxnRequest | MessageKind::AddOffsetsToTxnResponse => "AddO",
        MessageKind::TxnOffsetCommitRequest | MessageKind::TxnOffsetCommitResponse => "TxOC",
        MessageKind::EndTxnRequest | MessageKind::EndTxnResponse => "End",
        MessageKind::WriteTxnMarkersRequest | MessageKind::WriteTxnMarkersResponse => "Mrk",
        MessageKind::FetchRequest | MessageKind::FetchResponse => "F",
        MessageKind::OffsetCommitRequest | MessageKind::OffsetCommitResponse => "OC",
        MessageKind::OffsetFetchRequest | MessageKind::OffsetFetchResponse => "OF",
        #[allow(unreachable_patterns)]
        _ => "R",
    }
}

fn family(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::ProduceRequest | MessageKind::ProduceResponse => "fam-produce",
        MessageKind::FetchRequest | MessageKind::FetchResponse => "fam-fetch",
        MessageKind::OffsetCommitRequest
        | MessageKind::OffsetCommitResponse
        | MessageKind::OffsetFetchRequest
        | MessageKind::OffsetFetchResponse => "fam-offsets",
        #[allow(unreachable_patterns)]
        _ if kind.name().contains("Fetch") => "fam-fetch",
        _ => "fam-txn",
    }
}

fn node_status(lang: Lang, w: &World, n: NodeId) -> (String, String, bool) {
    let crashed = || tr(lang, "crashed", "중지됨").to_string();
    match n {
        NodeId::Producer(i) => match w.producers.get(i as usize) {
            Some(p) if !p.alive => (crashed(), String::new(), false),
            Some(p) => {
                let c = &p.client;
                let ids = if c.producer_id.is_none() {
                    tr(lang, "no producer id", "프로듀서 ID 없음").to_string()
                } else {
                    format!(
                        "pid {} {} {}",
                        c.producer_id.0,
                        tr(lang, "epoch", "에포크"),
                        c.producer_epoch.0
                    )
                };
                (
                    if p.halted.is_some() {
                        tr(lang, "STOPPED", "정지").into()
                    } else {
                        c.state.name().into()
                    },
                    ids,
                    true,
                )
            }
            None => (String::new(), String::new(), false),
        },
        NodeId::Broker(b) => match w.brokers.get(b as usize) {
            Some(x) => (String::new(), String::new(), x.alive),
            None => (String::new(), String::new(), false),
        },
        NodeId::Consumer(i) => match w.consumers.get(i as usize) {
            Some(c) if !c.alive => (crashed(), String::new(), false),
            Some(c) => {
                let second = match c.setup.sink {
                    Some(s) => match lang {
                        Lang::En => format!(
                            "sink: {} rows{}",
                            c.sink.row_count,
                            if s.idempotent { " (upsert)" } else { "" }
                        ),
                        Lang::Ko => format!(
                            "싱크: {}행{}",
                            c.sink.row_count,
                            if s.idempotent { " (upsert)" } else { "" }
                        ),
                    },
                    None => match lang {
                        Lang::En => format!("processed {}", c.processed_total),
                        Lang::Ko => format!("처리 {}건", c.processed_total),
                    },
                };
                (c.setup.cfg.isolation_level.name().into(), second, true)
            }
            None => (String::new(), String::new(), false),
        },
    }
}

fn message(app: &App, w: &World, e: &Envelope, from: Box, to: Box, nth: usize) -> Html {
    let (x1, y1) = from.port(&to);
    let (x2, y2) = to.port(&from);
    let span = e.deliver.0.saturating_sub(e.sent.0).max(1) as f64;
    let frac = if e.held {
        0.5
    } else {
        ((w.now.0.saturating_sub(e.sent.0)) as f64 / span).clamp(0.0, 1.0)
    };
    // Keep glyphs off the boxes, and messages on one link apart.
    let frac = (0.12 + frac * 0.76 - nth as f64 * 0.07).clamp(0.08, 0.92);
    let (x, y) = (x1 + (x2 - x1) * frac, y1 + (y2 - y1) * frac);
    let kind = e.msg.kind();
    let id = e.id;
    let selected = app.selected == Some(id);
    let label = format!(
        "{} #{} from {} to {}: {}. Press Enter to act on it.",
        kind.name(),
        id,
        e.from,
        e.to,
        e.msg.summary()
    );
    let send = &app.send;
    let onkeydown = {
        let send = send.clone();
        Callback::from(move |ev: KeyboardEvent| {
            if ev.key() == "Enter" || ev.key() == " " {
                ev.prevent_default();
                ev.stop_propagation();
                send.emit(Msg::SelectMsg(Some(id)));
            }
        })
    };
    let shape = if kind.is_response() {
        html! { <rect class="glyph" x={fmt(x - 14.0)} y={fmt(y - 9.0)} width="28" height="18" rx="3" /> }
    } else {
        html! { <ellipse class="glyph" cx={fmt(x)} cy={fmt(y)} rx="15" ry="10" /> }
    };
    html! {
        <g key={id.to_string()} class={classes!("msg", family(kind), kind.is_response().then_some("response"), e.held.then_some("held"), selected.then_some("selected"))}
            tabindex="0" role="button" aria-label={label.clone()} aria-pressed={selected.to_string()}
            onclick={send.reform(move |_| Msg::SelectMsg(Some(id)))} onkeydown={onkeydown}>
            <title>{ label }</title>
            { shape }
            <text x={fmt(x)} y={fmt(y + 3.5)}>{ short(kind) }</text>
        </g>
    }
}

/// A line of text squeezed into `width` when it is long (10 px monospace: ~6 px a character).
fn fitted(class: &'static str, x: f64, y: f64, width: f64, text: String) -> Html {
    if text.chars().count() as f64 * 6.1 > width {
        html! { <text class={class} x={fmt(x)} y={fmt(y)} textLength={fmt(width)} lengthAdjust="spacingAndGlyphs">{ text }</text> }
    } else {
        html! { <text class={class} x={fmt(x)} y={fmt(y)}>{ text }</text> }
    }
}

pub fn view(app: &App, tl: &Timeline) -> Html {
    let w = &tl.sim.world;
    let lay = layout(app.lang, w);
    let brokers: Vec<(NodeId, Box)> = lay
        .boxes
        .iter()
        .filter(|(n, _)| matches!(n, NodeId::Broker(_)))
        .copied()
        .collect();
    let clients: Vec<(NodeId, Box)> = lay
        .boxes
        .iter()
        .filter(|(n, _)| !matches!(n, NodeId::Broker(_)))
        .copied()
        .collect();
    let mut links = Vec::new();
    for (c, cb) in &clients {
        for (b, bb) in &brokers {
            let state = w.net.link(*c, *b);
            let (x1, y1) = cb.port(bb);
            let (x2, y2) = bb.port(cb);
            let class = match state {
                LinkState::Healthy => "link",
                LinkState::Partitioned => "link partitioned",
                LinkState::Held => "link held",
                #[allow(unreachable_patterns)]
                _ => "link held",
            };
            links.push(html! { <line class={class} x1={fmt(x1)} y1={fmt(y1)} x2={fmt(x2)} y2={fmt(y2)}><title>{ format!("{} ↔ {}", c, b) }</title></line> });
            if state != LinkState::Healthy {
                let label = if state == LinkState::Partitioned {
                    "✂ partitioned"
                } else {
                    "⏸ held"
                };
                links.push(html! { <text class="link-state" x={fmt((x1 + x2) / 2.0)} y={fmt((y1 + y2) / 2.0 - 4.0)}>{ label }</text> });
            }
        }
    }
    let boxes = lay.boxes.iter().map(|(n, b)| {
        let (status, status2, alive) = node_status(app.lang, w, *n);
        let lines = match n {
            NodeId::Broker(id) => broker_lines(app.lang, w, *id),
            _ => Vec::new(),
        };
        let kind = match n {
            NodeId::Producer(_) => "producer",
            NodeId::Broker(_) => "broker",
            NodeId::Consumer(_) => "consumer",
        };
        html! {
            <g class={classes!("node", kind, (!alive).then_some("down"), app.highlighted(&n.to_string()).then_some("hl"))}>
                <rect x={fmt(b.x)} y={fmt(b.y)} width={fmt(b.w)} height={fmt(b.h)} rx="8" />
                <text class="name" x={fmt(b.x + 8.0)} y={fmt(b.y + 17.0)}>{ n.to_string() }</text>
                { fitted("status", b.x + 8.0, b.y + 33.0, b.w - 14.0, status) }
                { fitted("status", b.x + 8.0, b.y + 47.0, b.w - 14.0, status2) }
                { for lines.iter().enumerate().map(|(k, l)| fitted("line", b.x + 8.0, b.y + 33.0 + 14.0 * k as f64, b.w - 14.0, l.clone())) }
                if !alive { <text class="crash" x={fmt(b.x + b.w - 50.0)} y={fmt(b.y + 17.0)}>{ "✕ down" }</text> }
            </g>
        }
    });
    // Messages in flight, numbered per link so they don't sit on each other.
    let shown: Vec<&Envelope> = w
        .net
        .in_flight
        .values()
        .filter(|e| app.show_polling || !is_idle_poll(e))
        .take(80)
        .collect();
    let mut per_link: Vec<((NodeId, NodeId), usize)> = Vec::new();
    let msgs = shown.iter().filter_map(|e| {
        let (from, to) = (lay.get(e.from)?, lay.get(e.to)?);
        let key = (e.from, e.to);
        let nth = match per_link.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                per_link.push((key, 0));
                0
            }
        };
        Some(message(app, w, e, from, to, nth))
    });
    let msgs: Vec<Html> = msgs.collect();
    let hidden = w.net.in_flight.len().saturating_sub(shown.len());
    html! {
        <div class="topology">
            <div class="scroller">
                <svg class="topo" viewBox={format!("0 0 {} {}", VIEW_W, fmt(lay.height))} role="group" aria-label="Topology: nodes, links and messages in flight">
                    { for links }
                    { for boxes }
                    { for msgs }
                </svg>
            </div>
            if hidden > 0 {
                <p class="muted small">{ format!("{} idle fetch poll{} in flight not drawn (tick “show consumers’ polling” in the event log to see them).", hidden, if hidden == 1 { "" } else { "s" }) }</p>
            }
            { selected_panel(app, w) }
        </div>
    }
}

/// A consumer's fetch that returns nothing, or its request: the background hum of polling.
pub fn is_idle_poll(e: &Envelope) -> bool {
    super::text::is_poll(e.msg.kind().name(), &e.msg.summary())
}

fn selected_panel(app: &App, w: &World) -> Html {
    let send = &app.send;
    let Some(id) = app.selected else {
        return html! { <p class="hint">{ app.t(T::MsgTip) }</p> };
    };
    match w.net.in_flight.get(&id) {
        None => html! {
            <div class="selected-msg" role="status">
                <span>{ format!("Message #{} is no longer in flight.", id) }</span>
                <button type="button" class="small" onclick={send.reform(|_| Msg::SelectMsg(None))}>{ app.t(T::Close) }</button>
            </div>
        },
        Some(e) => html! {
            <div class="selected-msg" role="group" aria-label={app.t(T::ActOnMsg)}>
                <span class="what">{ format!("#{} {} {} → {}: {}{}", id, e.msg.kind().name(), e.from, e.to, e.msg.summary(), if e.held { app.t(T::Held) } else { "" }) }</span>
                <span class="actions">
                    <button type="button" class="fault" onclick={send.reform(|_| Msg::OnMsg(MsgAction::Drop))}>{ app.t(T::DropMsg) }</button>
                    <button type="button" class="fault" onclick={send.reform(|_| Msg::OnMsg(MsgAction::Duplicate))}>{ app.t(T::DuplicateMsg) }</button>
                    <button type="button" class="fault" disabled={e.held} onclick={send.reform(|_| Msg::OnMsg(MsgAction::Delay(1000)))}>{ app.t(T::DelayMsg) }</button>
                    <button type="button" class="small" onclick={send.reform(|_| Msg::SelectMsg(None))}>{ app.t(T::Close) }</button>
                </span>
            </div>
        },
    }
}
