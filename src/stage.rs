//! The stage's geometry and what it draws, computed from the world without any UI crate, so
//! its promises are tested natively (`tests/stage.rs`): every message in flight is a labelled
//! token on its link at the place simulated time puts it, tokens never overlap each other or a
//! node, a lost message leaves a labelled ✕ where it was lost, and the timers that decide a
//! story are rings on the node that owns them.
//!
//! Time: a token's place is a function of (send tick, delivery tick, the time shown). The UI
//! animates the time shown between one step's tick and the next event's tick, so a message
//! travels along its link while the run plays, and stands still while it is paused.

use crate::catalog::Lang;
use crate::sim::effects::Timer;
use crate::sim::message::{Message, MessageKind};
use crate::sim::topology::Topology;
use crate::sim::txn_coordinator::TransactionState;
use crate::sim::types::{NodeId, TopicId, TopicPartition};
use crate::sim::world::{DropReason, Event, TraceKind, World};

/// Below this width (CSS px) the stage stacks its columns into rows (a phone).
pub const TALL_BELOW: f64 = 600.0;
/// A token's height; its width follows its label.
pub const TOKEN_H: f64 = 20.0;
/// Monospace at 11 px: ~6.7 px a character.
const CHAR_W: f64 = 6.7;
/// The most tokens drawn (the rest are counted).
const MAX_TOKENS: usize = 40;
/// The most losses drawn.
const MAX_LOSSES: usize = 6;
/// Cells of a partition drawn on its leader (the newest ones).
pub const MINI_CELLS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn center(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
    fn grown(&self, by: f64) -> Rect {
        Rect {
            x: self.x - by,
            y: self.y - by,
            w: self.w + 2.0 * by,
            h: self.h + 2.0 * by,
        }
    }
}

/// A partition drawn on the broker that leads it: its newest cells and its offsets.
#[derive(Clone, Debug, PartialEq)]
pub struct MiniLog {
    pub tp: TopicPartition,
    /// (offset, label, producer index or None, control: Some(commit?)).
    pub cells: Vec<MiniCell>,
    /// How many cells the box has room for.
    pub capacity: usize,
    pub log_end_offset: u64,
    pub high_watermark: u64,
    pub last_stable_offset: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MiniCell {
    pub offset: u64,
    pub label: String,
    pub producer: Option<usize>,
    /// `Some(true)` a COMMIT marker, `Some(false)` an ABORT marker.
    pub marker: Option<bool>,
    pub transactional: bool,
    /// The record is in the log more than once.
    pub duplicate: bool,
    /// Its transaction aborted (read_committed consumers skip it).
    pub aborted: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StageNode {
    pub node: NodeId,
    pub rect: Rect,
    pub alive: bool,
    /// The partitions it leads, drawn on it, their cells starting `log_label_w` px in (after
    /// the longest name: "orders-out-0" is longer than "orders-0").
    pub logs: Vec<MiniLog>,
    pub log_label_w: f64,
    /// It hosts the transaction coordinator / the group coordinator.
    pub txn_coordinator: bool,
    pub group_coordinator: bool,
}

/// The boxes and the canvas.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub tall: bool,
    pub nodes: Vec<StageNode>,
}

impl Layout {
    pub fn rect(&self, n: NodeId) -> Option<Rect> {
        self.nodes.iter().find(|s| s.node == n).map(|s| s.rect)
    }

    /// Where a link between `a` and `b` leaves each box (the facing edges' middles).
    pub fn ports(&self, a: NodeId, b: NodeId) -> Option<((f64, f64), (f64, f64))> {
        let (ra, rb) = (self.rect(a)?, self.rect(b)?);
        let (ca, cb) = (ra.center(), rb.center());
        let port = |r: Rect, c: (f64, f64), toward: (f64, f64)| {
            let (dx, dy) = (toward.0 - c.0, toward.1 - c.1);
            if self.tall && dy.abs() > 1.0 || (!self.tall && dx.abs() < 1.0) {
                (c.0, if dy > 0.0 { r.y + r.h } else { r.y })
            } else {
                (if dx > 0.0 { r.x + r.w } else { r.x }, c.1)
            }
        };
        Some((port(ra, ca, cb), port(rb, cb, ca)))
    }
}

/// A node to place, with the partitions drawn on it.
type Placed = (NodeId, Vec<TopicPartition>);

fn broker_height(logs: usize, coordinators: usize) -> f64 {
    40.0 + 16.0 * coordinators as f64 + 34.0 * logs as f64
}

/// The partitions the drawings show: the input topic, and the output topic when a consumer
/// writes to it (consume–transform–produce).
pub fn shown_partitions(w: &World) -> Vec<TopicPartition> {
    let uses_output = w.consumers.iter().any(|c| c.setup.output.is_some());
    w.topology
        .all_partitions()
        .filter(|tp| tp.topic == TopicId::Input || uses_output)
        .collect()
}

fn led_by(t: &Topology, shown: &[TopicPartition], b: u8) -> Vec<TopicPartition> {
    shown
        .iter()
        .copied()
        .filter(|tp| t.leader_of(*tp) == Some(b))
        .collect()
}

/// Lays out the nodes for a canvas `width` CSS px wide: producers, brokers, consumers as
/// columns, or as rows below [`TALL_BELOW`].
pub fn layout(w: &World, width: f64) -> Layout {
    let width = width.clamp(300.0, 1400.0);
    let tall = width < TALL_BELOW;
    let shown = shown_partitions(w);
    let t = &w.topology;
    let has_txn = !w.scenario.transactional_ids.is_empty();
    let has_group = !w.consumers.is_empty();
    let brokers: Vec<(u8, Vec<TopicPartition>)> = (0..w.brokers.len() as u8)
        .map(|b| (b, led_by(t, &shown, b)))
        .collect();
    // Every broker is as tall as the busiest could become (leaders and coordinators move on a
    // failover), so the stage keeps its height for the whole story.
    let most_replicas = (0..w.brokers.len() as u8)
        .map(|b| {
            shown
                .iter()
                .filter(|tp| t.replicas(**tp).contains(&b))
                .count()
        })
        .max()
        .unwrap_or(0);
    let broker_h = broker_height(most_replicas, usize::from(has_txn) + usize::from(has_group));
    let producers: Vec<NodeId> = (0..w.producers.len() as u8).map(NodeId::Producer).collect();
    let consumers: Vec<NodeId> = (0..w.consumers.len() as u8).map(NodeId::Consumer).collect();
    // A producer's box has a third line for the sends it still waits to hear about.
    let producer_h = 72.0;
    let client_h = 58.0;
    let gap = 14.0;
    let mut nodes = Vec::new();
    let mut push = |node: NodeId, rect: Rect, logs: Vec<TopicPartition>| {
        // The longest partition name, 10 px monospace (~6.2 px a character), at least 64 px.
        let log_label_w = logs
            .iter()
            .map(|tp| tp.to_string().len() as f64 * 6.2 + 8.0)
            .fold(64.0, f64::max);
        let (txn_c, group_c) = match node {
            NodeId::Broker(b) => (
                has_txn && t.txn_coordinator() == b,
                has_group && t.group_coordinator() == b,
            ),
            _ => (false, false),
        };
        nodes.push(StageNode {
            node,
            rect,
            alive: w.is_alive(node),
            // As many of the newest cells as fit the box after the names, 18 px or more each.
            logs: logs
                .into_iter()
                .map(|tp| {
                    let fit =
                        (((rect.w - 20.0 - log_label_w) / 18.0) as usize).clamp(3, MINI_CELLS);
                    mini_log(w, tp, fit)
                })
                .collect(),
            log_label_w,
            txn_coordinator: txn_c,
            group_coordinator: group_c,
        });
    };
    let height;
    if tall {
        // Rows: producers, brokers, consumers, with room between rows for tokens to travel.
        let row_gap = 96.0;
        let row = |n: usize| ((width - 8.0 * (n as f64 + 1.0)) / n.max(1) as f64).min(260.0);
        let place_row = |n: usize, k: usize| {
            let bw = row(n);
            let total = bw * n as f64 + 8.0 * (n as f64 - 1.0);
            (width - total) / 2.0 + k as f64 * (bw + 8.0)
        };
        let rows: [(Vec<Placed>, f64); 3] = [
            (producers.iter().map(|p| (*p, vec![])).collect(), producer_h),
            (
                brokers
                    .iter()
                    .map(|(b, logs)| (NodeId::Broker(*b), logs.clone()))
                    .collect(),
                broker_h,
            ),
            (consumers.iter().map(|c| (*c, vec![])).collect(), client_h),
        ];
        let mut y = 14.0; // room for a timer ring on a top node's corner
        for (nodes, h) in rows.into_iter().filter(|(n, _)| !n.is_empty()) {
            let w = row(nodes.len());
            let n = nodes.len();
            for (k, (node, logs)) in nodes.into_iter().enumerate() {
                push(
                    node,
                    Rect {
                        x: place_row(n, k),
                        y,
                        w,
                        h,
                    },
                    logs,
                );
            }
            y += h + row_gap;
        }
        height = y - row_gap + 8.0;
    } else {
        // Narrow enough boxes that the links between them hold a labelled token.
        let cw = (width * 0.16).clamp(104.0, 180.0);
        let bw = (width * 0.27).clamp(160.0, 320.0);
        let col_h = |hs: &[f64]| hs.iter().sum::<f64>() + gap * hs.len().saturating_sub(1) as f64;
        let bhs: Vec<f64> = vec![broker_h; brokers.len()];
        let ph = col_h(&vec![producer_h; producers.len()]);
        let ch = col_h(&vec![client_h; consumers.len()]);
        let bh = col_h(&bhs);
        let rows_h = ph.max(ch).max(bh) + 24.0;
        // Room under the boxes for a lost message's label (two lines, under the timer rings'
        // keys): between two close boxes it has nowhere else to go.
        height = rows_h + LOSS_LABEL_ROOM;
        let mut y = (rows_h - ph) / 2.0;
        for p in &producers {
            push(
                *p,
                Rect {
                    x: 8.0,
                    y,
                    w: cw,
                    h: producer_h,
                },
                vec![],
            );
            y += producer_h + gap;
        }
        let mut y = (rows_h - bh) / 2.0;
        for ((b, logs), h) in brokers.iter().zip(&bhs) {
            push(
                NodeId::Broker(*b),
                Rect {
                    x: (width - bw) / 2.0,
                    y,
                    w: bw,
                    h: *h,
                },
                logs.clone(),
            );
            y += h + gap;
        }
        let mut y = (rows_h - ch) / 2.0;
        for c in &consumers {
            push(
                *c,
                Rect {
                    x: width - cw - 8.0,
                    y,
                    w: cw,
                    h: client_h,
                },
                vec![],
            );
            y += client_h + gap;
        }
    }
    Layout {
        width,
        height,
        tall,
        nodes,
    }
}

fn producer_of(w: &World, record: u32) -> Option<usize> {
    w.checker
        .setup
        .producers
        .iter()
        .position(|p| record >= p.first_record && record < p.first_record + p.record_count)
}

fn mini_log(w: &World, tp: TopicPartition, capacity: usize) -> MiniLog {
    let Some(log) = w.log(tp) else {
        return MiniLog {
            tp,
            cells: vec![],
            capacity,
            log_end_offset: 0,
            high_watermark: 0,
            last_stable_offset: 0,
        };
    };
    let mut cells: Vec<MiniCell> = Vec::new();
    for b in log.batches().iter().rev() {
        if cells.len() >= capacity {
            break;
        }
        if let Some(c) = b.control {
            cells.push(MiniCell {
                offset: b.base_offset.0,
                label: if c == crate::sim::log::ControlType::Commit {
                    "C".into()
                } else {
                    "A".into()
                },
                producer: None,
                marker: Some(c == crate::sim::log::ControlType::Commit),
                transactional: true,
                duplicate: false,
                aborted: false,
            });
            continue;
        }
        for k in (0..b.record_count).rev() {
            if cells.len() >= capacity {
                break;
            }
            let record = b.first_record.0 + k;
            let in_input = tp.topic == TopicId::Input;
            let offset = b.base_offset.0 + k as u64;
            let aborted = b.is_transactional
                && log.is_aborted(b.producer_id, crate::sim::types::Offset(offset));
            cells.push(MiniCell {
                offset,
                label: format!("v{}", record),
                producer: if in_input {
                    producer_of(w, record)
                } else {
                    None
                },
                marker: None,
                transactional: b.is_transactional,
                duplicate: in_input
                    && !aborted
                    && w.checker.copies_in_log(crate::sim::types::RecordId(record)) > 1,
                aborted,
            });
        }
    }
    cells.reverse();
    MiniLog {
        tp,
        cells,
        capacity,
        log_end_offset: log.log_end_offset().0,
        high_watermark: log.high_watermark().0,
        last_stable_offset: log.last_stable_offset().0,
    }
}

/// A message in flight, where it is drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: MessageKind,
    pub label: String,
    /// The full description (for its tooltip and the screen reader).
    pub summary: String,
    pub rect: Rect,
    /// How far along its flight, 0..1.
    pub progress: f64,
    pub held: bool,
    /// Delayed by a fault, or a copy made by one.
    pub delayed: bool,
    pub copy: bool,
    /// A response that refuses its request (it carries an error).
    pub refused: bool,
}

/// A message lost on its link: a ✕ where it was lost, with what it was.
#[derive(Clone, Debug, PartialEq)]
pub struct Loss {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: MessageKind,
    pub label: String,
    pub reason: DropReason,
    pub at: (f64, f64),
    /// Where its two-line label is centred (below the ✕, or above it, or beside it: wherever
    /// it covers no node).
    pub label_at: (f64, f64),
    pub step: u64,
}

/// What the wide layout keeps under its boxes for a lost message's label.
const LOSS_LABEL_ROOM: f64 = 40.0;

/// A text's width in Latin characters: a wide (CJK) character counts two.
fn text_units(t: &str) -> f64 {
    t.chars()
        .map(|c| if c.is_ascii() { 1.0 } else { 2.0 })
        .sum()
}

/// A timer that decides the story, drawn as a ring on its owner that empties as it runs out.
#[derive(Clone, Debug, PartialEq)]
pub struct Ring {
    pub node: NodeId,
    /// Kafka's config key (`request.timeout.ms`…).
    pub key: &'static str,
    /// What runs out, in Kafka's words (`Produce v0`, a `transactional.id`).
    pub what: String,
    pub deadline: f64,
    pub total: f64,
}

impl Ring {
    /// The part left at time `t`, 1 (just set) to 0 (runs out).
    pub fn left(&self, t: f64) -> f64 {
        if self.total <= 0.0 {
            0.0
        } else {
            ((self.deadline - t) / self.total).clamp(0.0, 1.0)
        }
    }
}

/// A short label for a message, in Kafka's words: `Produce v0`, `ack @0`, `COMMIT marker`.
pub fn token_label(m: &Message) -> String {
    match m {
        Message::ProduceRequest { batch, .. } => {
            let first = batch.first_record.0;
            if batch.record_count <= 1 {
                format!("Produce v{}", first)
            } else {
                format!("Produce v{}..v{}", first, first + batch.record_count - 1)
            }
        }
        Message::ProduceResponse { result, .. } => match result {
            Ok(a) if a.duplicate => format!("ack @{} (dup)", a.base_offset.0),
            Ok(a) if a.base_offset.0 == u64::MAX => "ack".into(),
            Ok(a) => format!("ack @{}", a.base_offset.0),
            Err(e) => e.to_string(),
        },
        Message::InitProducerIdRequest { .. } => "InitProducerId".into(),
        Message::InitProducerIdResponse { result, .. } => match result {
            Ok((pid, e)) => format!("pid {} epoch {}", pid.0, e.0),
            Err(e) => e.to_string(),
        },
        Message::AddPartitionsToTxnRequest { .. } => "AddPartitionsToTxn".into(),
        Message::AddOffsetsToTxnRequest { .. } => "AddOffsetsToTxn".into(),
        Message::TxnOffsetCommitRequest { .. } => "TxnOffsetCommit".into(),
        Message::EndTxnRequest { commit, .. } => {
            format!("EndTxn {}", if *commit { "COMMIT" } else { "ABORT" })
        }
        Message::WriteTxnMarkersRequest { result, .. } => {
            if *result == crate::sim::log::ControlType::Commit {
                "COMMIT marker".into()
            } else {
                "ABORT marker".into()
            }
        }
        Message::FetchRequest { offset, .. } => format!("Fetch @{}", offset.0),
        Message::FetchResponse { result, .. } => match result {
            Ok(d) => {
                let n: u32 = d
                    .batches
                    .iter()
                    .filter(|b| !b.is_control())
                    .map(|b| b.record_count)
                    .sum();
                format!("{} record{}", n, if n == 1 { "" } else { "s" })
            }
            Err(e) => e.to_string(),
        },
        Message::OffsetCommitRequest { offsets, .. } => match offsets.first() {
            Some((_, o)) => format!("OffsetCommit {}", o.0),
            None => "OffsetCommit".into(),
        },
        Message::OffsetFetchRequest { .. } => "OffsetFetch".into(),
        Message::ReplicaFetchRequest { offset, .. } => format!("ReplicaFetch @{}", offset.0),
        // Any other response: "… ok", or the error it answers with (a fenced TxnOffsetCommit
        // reads ILLEGAL_GENERATION, not "TxnOffsetCommit ok").
        other if other.error().is_some() => {
            other.error().map(|e| e.to_string()).unwrap_or_default()
        }
        other => {
            let name = other.kind().name();
            let short = name.strip_suffix("Response").map(|n| format!("{} ok", n));
            short.unwrap_or_else(|| name.trim_end_matches("Request").to_string())
        }
    }
}

/// A token's natural width for `label` (the stage squeezes it onto a shorter link).
pub fn token_width(label: &str) -> f64 {
    label.chars().count() as f64 * CHAR_W + 14.0
}

/// The point at `progress` along the link from `a` to `b`, pushed off the line into the lane of
/// its direction (requests and responses pass each other), plus `stack` lanes further out.
fn on_link(
    lay: &Layout,
    from: NodeId,
    to: NodeId,
    progress: f64,
    w: f64,
    stack: i32,
) -> Option<Rect> {
    let ((x1, y1), (x2, y2)) = lay.ports(from, to)?;
    let (dx, dy) = (x2 - x1, y2 - y1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / len, dy / len);
    // On a link shorter than the label, the token (and its text) is squeezed to fit it.
    let w = if ux.abs() > 0.5 {
        w.min(len - 6.0).max(30.0)
    } else {
        w
    };
    // The normal, oriented the same way for both directions of a link (so the two lanes differ).
    let canon = (from.to_string() < to.to_string()) as i32 * 2 - 1;
    let (nx, ny) = (-uy * canon as f64, ux * canon as f64);
    // Keep the token's box clear of both ends of the link.
    let half_along = (w / 2.0) * ux.abs() + (TOKEN_H / 2.0) * uy.abs() + 4.0;
    let usable = (len - 2.0 * half_along).max(0.0);
    let d = half_along + usable * progress.clamp(0.0, 1.0);
    // Lanes are as far apart as a token is across the link (its height on a horizontal link,
    // its width on a vertical one).
    let across = nx.abs() * w + ny.abs() * TOKEN_H + 3.0;
    let lane = across / 2.0 + stack as f64 * across;
    let (cx, cy) = (x1 + ux * d + nx * lane, y1 + uy * d + ny * lane);
    Some(Rect {
        x: cx - w / 2.0,
        y: cy - TOKEN_H / 2.0,
        w,
        h: TOKEN_H,
    })
}

/// A message in flight as the stage needs it to place it at any time shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Flight {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: MessageKind,
    pub label: String,
    pub summary: String,
    pub sent: f64,
    pub deliver: f64,
    pub held: bool,
    pub delayed: bool,
    pub copy: bool,
    pub refused: bool,
}

/// What the stage draws at one step, whatever the time shown between it and the next: built
/// once per step, then placed at every animation frame by [`place`].
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub layout: Layout,
    pub flights: Vec<Flight>,
    /// Idle polls in flight, left out.
    pub idle: usize,
    pub losses: Vec<Loss>,
    pub rings: Vec<Ring>,
}

/// Everything on the stage at the time shown `t` (in ticks, between this step's and the next):
/// the step's snapshot and its tokens placed.
#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    pub snap: Snapshot,
    pub tokens: Vec<Token>,
    /// Messages in flight not drawn (idle polls, or no clear place).
    pub hidden: usize,
}

/// The stage of `w` drawn `width` px wide. Losses recorded after step `losses_since` are drawn
/// (the current beat's own); idle polls only with `show_polling`.
pub fn snapshot(
    w: &World,
    trace: &crate::sim::world::Trace,
    width: f64,
    losses_since: u64,
    show_polling: bool,
) -> Snapshot {
    let layout = layout(w, width);
    // Delayed messages and copies, from the trace.
    let mut delayed: Vec<u64> = Vec::new();
    let mut copies: Vec<u64> = Vec::new();
    for e in trace.events.iter().rev().take(4000) {
        match &e.what {
            TraceKind::Delayed { id, .. } => delayed.push(*id),
            TraceKind::Duplicated { copy, .. } => copies.push(*copy),
            _ => {}
        }
    }
    let mut idle = 0;
    let mut flights = Vec::new();
    for e in w.net.in_flight.values() {
        if (!show_polling && e.msg.is_idle_poll()) || flights.len() >= MAX_TOKENS {
            idle += 1;
            continue;
        }
        flights.push(Flight {
            id: e.id,
            from: e.from,
            to: e.to,
            kind: e.msg.kind(),
            label: token_label(&e.msg),
            summary: e.msg.summary(),
            sent: e.sent.0 as f64,
            deliver: e.deliver.0 as f64,
            held: e.held,
            delayed: delayed.contains(&e.id),
            copy: copies.contains(&e.id),
            refused: e.msg.error().is_some(),
        });
    }
    let losses = losses(trace, &layout, losses_since);
    Snapshot {
        rings: rings(w),
        layout,
        flights,
        idle,
        losses,
    }
}

/// The tokens of `snap` at the time shown `t`, and how many found no clear place.
pub fn place(snap: &Snapshot, t: f64) -> (Vec<Token>, usize) {
    let layout = &snap.layout;
    let mut placed: Vec<Rect> = layout.nodes.iter().map(|n| n.rect.grown(2.0)).collect();
    // A timer is a ring on its node's top-right corner, its key and time left just under the
    // node: keep tokens off both.
    for r in &snap.rings {
        if let Some(n) = layout.rect(r.node) {
            placed.push(Rect {
                x: n.x + n.w - 15.0,
                y: n.y - 11.0,
                w: 26.0,
                h: 26.0,
            });
            // "request.timeout.ms 1000 ms" (10 px monospace, ~6.4 px a character), from the
            // node's left edge, or to its right edge in the right half (as the UI writes it).
            let w = n.w.max((r.key.len() + 8) as f64 * 6.4);
            let right_half = n.x + n.w / 2.0 > layout.width / 2.0;
            placed.push(Rect {
                x: if right_half { n.x + n.w - w } else { n.x },
                y: n.y + n.h,
                w,
                h: 17.0,
            });
        }
    }
    let mut tokens = Vec::new();
    let mut crowded = 0;
    for f in &snap.flights {
        let span = (f.deliver - f.sent).max(1.0);
        let progress = if f.held {
            0.5
        } else {
            ((t - f.sent) / span).clamp(0.0, 1.0)
        };
        let tw = token_width(&f.label);
        // The own lane first, then further out on either side, then a little ahead or behind;
        // a token with no clear place is counted, not drawn over another.
        let rect = [0.0, 0.12, -0.12, 0.25, -0.25].iter().find_map(|shift| {
            [0, 1, -1, 2, -2].iter().find_map(|stack| {
                let r = on_link(layout, f.from, f.to, progress + shift, tw, *stack)?;
                let inside = r.x >= 0.0
                    && r.y >= 0.0
                    && r.x + r.w <= layout.width
                    && r.y + r.h <= layout.height;
                (inside && !placed.iter().any(|p| p.overlaps(&r))).then_some(r)
            })
        });
        let Some(rect) = rect else {
            crowded += 1;
            continue;
        };
        placed.push(rect.grown(1.0));
        tokens.push(Token {
            id: f.id,
            from: f.from,
            to: f.to,
            kind: f.kind,
            label: f.label.clone(),
            summary: f.summary.clone(),
            rect,
            progress,
            held: f.held,
            delayed: f.delayed,
            copy: f.copy,
            refused: f.refused,
        });
    }
    (tokens, crowded)
}

/// [`snapshot`] and [`place`] at once.
pub fn scene(
    w: &World,
    trace: &crate::sim::world::Trace,
    t: f64,
    width: f64,
    losses_since: u64,
    show_polling: bool,
) -> Scene {
    let snap = snapshot(w, trace, width, losses_since, show_polling);
    let (tokens, crowded) = place(&snap, t);
    Scene {
        hidden: snap.idle + crowded,
        snap,
        tokens,
    }
}

/// Messages lost after step `since`: each where it was lost on its link (a message lost as it
/// was sent, the lost-ack fault, is drawn half way: lost on the way).
fn losses(trace: &crate::sim::world::Trace, lay: &Layout, since: u64) -> Vec<Loss> {
    let mut out: Vec<Loss> = Vec::new();
    let events: Vec<_> = trace
        .events
        .iter()
        .rev()
        .take_while(|e| e.step > since)
        .take(20_000)
        .collect();
    for e in events.iter().rev() {
        let TraceKind::Dropped {
            id,
            from,
            to,
            kind,
            reason,
        } = &e.what
        else {
            continue;
        };
        // A message that died with its sender never left; a poll sent to a node that is down is
        // the hum of polling, not part of a story.
        let poll = matches!(
            kind,
            MessageKind::FetchRequest
                | MessageKind::FetchResponse
                | MessageKind::ReplicaFetchRequest
                | MessageKind::ReplicaFetchResponse
        );
        if *reason == DropReason::SenderCrashed || (*reason == DropReason::ReceiverDown && poll) {
            continue;
        }
        // What it was: its Sent entry's summary and times.
        let sent = events.iter().rev().find_map(|s| match &s.what {
            TraceKind::Sent {
                id: sid,
                summary,
                deliver,
                ..
            } if sid == id => Some((s.tick.0, deliver.0, summary.clone())),
            _ => None,
        });
        let (frac, summary) = match &sent {
            Some((s, d, summary)) if e.tick.0 > *s => (
                ((e.tick.0 - s) as f64 / (d.saturating_sub(*s)).max(1) as f64).clamp(0.15, 0.85),
                summary.clone(),
            ),
            Some((_, _, summary)) => (0.5, summary.clone()),
            None => (0.5, kind.name().to_string()),
        };
        let Some(((x1, y1), (x2, y2))) = lay.ports(*from, *to) else {
            continue;
        };
        let at = (x1 + (x2 - x1) * frac, y1 + (y2 - y1) * frac);
        let label = format!("{} ({})", kind.name(), summary);
        // Its first line is "ProduceRequest — lost: the connection broke" in the reader's
        // language (`catalog::loss_text`), its second the label's detail: half the wider of
        // the two, in either language (11 px bold: ~3.3 px a half-character, a Hangul
        // syllable about two).
        let why = [Lang::En, Lang::Ko]
            .map(|l| text_units(crate::catalog::loss_text(l, *reason)))
            .into_iter()
            .fold(0.0, f64::max);
        let head = kind.name().len() as f64 + 3.0 + why;
        let half = (head.max(label.chars().count() as f64) * 3.3).max(90.0);
        let box_at = |(cx, cy): (f64, f64)| Rect {
            x: cx - half,
            y: cy - 12.0,
            w: 2.0 * half,
            h: 30.0,
        };
        // Inside the drawing, nearest the ✕ first: below, above, beside it, then under both
        // boxes its link joins (below their rings' keys: the room `layout` keeps there).
        let under = [*from, *to]
            .iter()
            .filter_map(|n| lay.rect(*n))
            .map(|r| r.y + r.h)
            .fold(at.1, f64::max)
            + 30.0;
        let inside = |(x, y): (f64, f64)| (x.clamp(half, (lay.width - half).max(half)), y);
        let fits = |p: &(f64, f64)| {
            let b = box_at(*p);
            b.y >= 0.0 && b.y + b.h <= lay.height && !lay.nodes.iter().any(|n| n.rect.overlaps(&b))
        };
        let label_at = [
            (at.0, at.1 + 26.0),
            (at.0, at.1 - 44.0),
            (at.0 + half + 16.0, at.1 - 6.0),
            (at.0 - half - 16.0, at.1 - 6.0),
            (at.0, under),
        ]
        .into_iter()
        .map(inside)
        .find(fits)
        .unwrap_or_else(|| inside((at.0, under)));
        out.push(Loss {
            id: *id,
            from: *from,
            to: *to,
            kind: *kind,
            label,
            reason: *reason,
            at,
            label_at,
            step: e.step,
        });
    }
    let skip = out.len().saturating_sub(MAX_LOSSES);
    out.drain(..skip);
    out
}

/// The timers that decide stories, on their owners: each producer's `request.timeout.ms` for
/// its oldest request in flight, each consumer's `auto.commit.interval.ms`, and every open
/// transaction's `transaction.timeout.ms` on the coordinator that will abort it.
pub fn rings(w: &World) -> Vec<Ring> {
    let mut out: Vec<Ring> = Vec::new();
    for ((tick, _), e) in &w.events {
        let Event::Timer {
            node,
            incarnation,
            timer,
        } = e
        else {
            continue;
        };
        if w.incarnation(*node) != *incarnation || !w.is_alive(*node) {
            continue;
        }
        match (node, timer) {
            (NodeId::Producer(p), Timer::RequestTimeout(corr)) => {
                let Some(pn) = w.producers.get(*p as usize) else {
                    continue;
                };
                if !pn.client.in_flight.contains_key(corr)
                    || out
                        .iter()
                        .any(|r| r.node == *node && r.key == "request.timeout.ms")
                {
                    continue;
                }
                out.push(Ring {
                    node: *node,
                    key: "request.timeout.ms",
                    what: String::new(),
                    deadline: tick.0 as f64,
                    total: pn.client.cfg.request_timeout_ms as f64,
                });
            }
            (NodeId::Consumer(c), Timer::AutoCommit) => {
                let Some(cn) = w.consumers.get(*c as usize) else {
                    continue;
                };
                out.push(Ring {
                    node: *node,
                    key: "auto.commit.interval.ms",
                    what: String::new(),
                    deadline: tick.0 as f64,
                    total: cn.setup.cfg.auto_commit_interval_ms as f64,
                });
            }
            _ => {}
        }
    }
    for (b, broker) in w.brokers.iter().enumerate() {
        let Some(tc) = &broker.txn_coordinator else {
            continue;
        };
        if !broker.alive {
            continue;
        }
        for (t, m) in &tc.txns {
            if m.state == TransactionState::Ongoing {
                out.push(Ring {
                    node: NodeId::Broker(b as u8),
                    key: "transaction.timeout.ms",
                    what: w
                        .scenario
                        .transactional_ids
                        .get(*t as usize)
                        .cloned()
                        .unwrap_or_default(),
                    deadline: m.txn_start.0.saturating_add(m.txn_timeout_ms) as f64,
                    total: m.txn_timeout_ms as f64,
                });
            }
        }
    }
    out
}
