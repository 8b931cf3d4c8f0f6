//! The trace: what happened, in order (`TraceEvent`, `TraceKind`, `DropReason`), bounded, with
//! a digest (FNV-1a, `StableHasher`) over every entry ever recorded, the same natively and in
//! wasm32. The goldens in `tests/golden/` pin the digests.

use super::config::RawConfig;
use super::effects::Note;
use super::message::{Message, MessageKind};
use super::network::{LinkState, MsgId};
use super::types::{NodeId, Tick};
use serde::Serialize;
use std::collections::VecDeque;
use std::hash::{Hash, Hasher};

/// Why a message never arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// A scheduled or clicked fault.
    Fault,
    /// The link's random drop rate.
    DropRate,
    /// The two nodes are partitioned.
    Partitioned,
    /// The receiver was down when it arrived.
    ReceiverDown,
    /// The sender crashed as it sent it.
    SenderCrashed,
    /// Its connection broke (an earlier message on it was lost, or a node restarted).
    ConnectionBroken,
}

/// One entry of the trace: what happened, in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TraceEvent {
    pub step: u64,
    pub tick: Tick,
    pub what: TraceKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TraceKind {
    Sent {
        id: MsgId,
        from: NodeId,
        to: NodeId,
        kind: MessageKind,
        summary: String,
        deliver: Tick,
    },
    Delivered {
        id: MsgId,
        from: NodeId,
        to: NodeId,
        kind: MessageKind,
    },
    Dropped {
        id: MsgId,
        from: NodeId,
        to: NodeId,
        kind: MessageKind,
        reason: DropReason,
    },
    Duplicated {
        id: MsgId,
        copy: MsgId,
    },
    Delayed {
        id: MsgId,
        ms: u64,
    },
    Crashed {
        node: NodeId,
    },
    Restarted {
        node: NodeId,
    },
    Link {
        a: NodeId,
        b: NodeId,
        state: LinkState,
    },
    DropRate {
        from: Option<NodeId>,
        to: Option<NodeId>,
        per_mille: u32,
    },
    ConfigChanged {
        node: NodeId,
        config: RawConfig,
    },
    ConfigRejected {
        node: NodeId,
        error: String,
    },
    ScheduleNote {
        text: String,
    },
    Fact(Note),
}

/// The trace: bounded (older entries are counted, not kept), with a digest of every entry ever
/// recorded, so two runs can be compared byte for byte without keeping them whole.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Trace {
    pub enabled: bool,
    pub limit: usize,
    pub events: VecDeque<TraceEvent>,
    pub total: u64,
    /// FNV-1a over each entry's structured fields (`StableHasher`), in order.
    pub digest: u64,
}

impl TraceKind {
    /// A fault a person or the schedule caused (the scrubber marks these): a message lost,
    /// doubled or delayed, a crash or restart, a link or drop-rate change, a setting applied. A
    /// message lost because its receiver was down is the crash's consequence, not a fault.
    pub fn is_fault(&self) -> bool {
        match self {
            TraceKind::Dropped { reason, .. } => *reason != DropReason::ReceiverDown,
            TraceKind::Duplicated { .. }
            | TraceKind::Delayed { .. }
            | TraceKind::Crashed { .. }
            | TraceKind::Restarted { .. }
            | TraceKind::Link { .. }
            | TraceKind::DropRate { .. }
            | TraceKind::ConfigChanged { .. }
            | TraceKind::ConfigRejected { .. } => true,
            _ => false,
        }
    }
}

impl Trace {
    pub fn new(enabled: bool, limit: usize) -> Trace {
        Trace {
            enabled,
            limit,
            events: VecDeque::new(),
            total: 0,
            digest: 0xcbf2_9ce4_8422_2325,
        }
    }

    pub(super) fn push(&mut self, step: u64, tick: Tick, what: TraceKind, sent: Option<&Message>) {
        let mut h = StableHasher(self.digest);
        (step, tick).hash(&mut h);
        // Structured fields only: rewording a summary or a note changes no digest.
        match &what {
            TraceKind::Sent {
                id,
                from,
                to,
                kind,
                deliver,
                ..
            } => (0u8, id, from, to, kind, deliver, sent).hash(&mut h),
            TraceKind::ConfigRejected { node, .. } => (1u8, node).hash(&mut h),
            TraceKind::ScheduleNote { .. } => 2u8.hash(&mut h),
            other => other.hash(&mut h),
        }
        self.digest = h.0;
        let e = TraceEvent { step, tick, what };
        self.total += 1;
        self.events.push_back(e);
        if self.events.len() > self.limit {
            self.events.pop_front();
        }
    }
}

/// FNV-1a over the bytes Hash writes (both targets are little-endian), `usize`/`isize` widened to 64 bits: the same digest natively
/// and in wasm32, and no serialisation per trace entry.
struct StableHasher(u64);

impl Hasher for StableHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ *b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.write(&(n as u64).to_le_bytes());
    }
    fn write_isize(&mut self, n: isize) {
        self.write(&(n as i64).to_le_bytes());
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The trace's default bound.
pub const TRACE_LIMIT: usize = 20_000;

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(summary: &str) -> TraceKind {
        TraceKind::Sent {
            id: 7,
            from: NodeId::Producer(0),
            to: NodeId::Broker(1),
            kind: MessageKind::ProduceRequest,
            summary: summary.into(),
            deliver: Tick(12),
        }
    }

    #[test]
    fn the_digest_covers_structured_fields_not_wording() {
        let digest = |what: TraceKind, step: u64| {
            let mut t = Trace::new(true, 4);
            t.push(step, Tick(3), what, None);
            t.digest
        };
        assert_eq!(digest(sent("Produce v0"), 1), digest(sent("reworded"), 1));
        assert_ne!(digest(sent("Produce v0"), 1), digest(sent("Produce v0"), 2));
        let note = |text: &str| TraceKind::ScheduleNote { text: text.into() };
        assert_eq!(digest(note("a"), 1), digest(note("b"), 1));
        assert_ne!(
            digest(note("a"), 1),
            digest(
                TraceKind::Crashed {
                    node: NodeId::Broker(0)
                },
                1
            )
        );
    }
}
