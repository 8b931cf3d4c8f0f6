//! The network: messages in flight (`Envelope`), links (`LinkState`, FIFO with the scenario's
//! latency and jitter), TCP-like connections (`Connection`: a lost message breaks its stream, a
//! crash or a reconnect opens a new generation) and the links' drop rates. The world puts
//! messages on it (`Sim::send` in `world.rs`) and the faults act on it (`faults.rs`).

use super::message::{Message, MessageKind};
use super::types::{NodeId, Tick};
use super::vecmap::VecMap;
use serde::Serialize;

/// Id of a message on the network, unique within a run.
pub type MsgId = u64;

/// A message in flight.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Envelope {
    pub id: MsgId,
    pub from: NodeId,
    pub to: NodeId,
    pub sent: Tick,
    pub deliver: Tick,
    pub msg: Message,
    /// Waiting on a held link until it is released.
    pub held: bool,
    /// The generation of the connection it travels on.
    pub conn: u32,
}

/// A TCP connection: one per client and broker (both directions), one each way between two
/// brokers (each opens its own, see `Network::key`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Connection {
    /// Bumped each time the connection is closed and opened again.
    pub generation: u32,
    /// A message on it was lost: the stream is broken until the client reconnects.
    pub broken: bool,
}

/// A link's state (one direction).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum LinkState {
    Healthy,
    /// Everything sent is dropped.
    Partitioned,
    /// Everything sent waits until the link is released.
    Held,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Network {
    pub in_flight: VecMap<MsgId, Envelope>,
    next_id: MsgId,
    /// Links not `Healthy`, by (from, to).
    pub links: VecMap<(NodeId, NodeId), LinkState>,
    /// Last delivery time per link: links are FIFO.
    last_delivery: VecMap<(NodeId, NodeId), Tick>,
    /// Connections by `Network::key`: a client–broker pair smaller id first, a broker pair
    /// (the one that opened it, the other).
    pub connections: VecMap<(NodeId, NodeId), Connection>,
    pub drop_rates: Vec<(Option<NodeId>, Option<NodeId>, u32)>,
}

impl Network {
    pub fn link(&self, from: NodeId, to: NodeId) -> LinkState {
        self.links
            .get(&(from, to))
            .copied()
            .unwrap_or(LinkState::Healthy)
    }

    /// The connection a message from `from` to `to` travels on. A client and a broker share one
    /// (the client opened it). Two brokers have one each way: each side's inter-broker sender
    /// (`TransactionMarkerChannelManager`, `AddPartitionsToTxnManager`, `ReplicaFetcherThread`)
    /// opens its own `NetworkClient` connection, and a response returns on its request's.
    pub(super) fn key(from: NodeId, to: NodeId, response: bool) -> (NodeId, NodeId) {
        match (from, to) {
            (NodeId::Broker(_), NodeId::Broker(_)) if response => (to, from),
            (NodeId::Broker(_), NodeId::Broker(_)) => (from, to),
            _ if from <= to => (from, to),
            _ => (to, from),
        }
    }

    /// The connection a message of `kind` from `from` to `to` travels on.
    pub fn connection(&self, from: NodeId, to: NodeId, kind: MessageKind) -> Connection {
        self.connections
            .get(&Network::key(from, to, kind.is_response()))
            .copied()
            .unwrap_or_default()
    }

    /// A lost message breaks its connection: like a TCP stream, nothing after it gets through.
    pub(super) fn break_connection(&mut self, from: NodeId, to: NodeId, kind: MessageKind) {
        self.connections
            .entry(Network::key(from, to, kind.is_response()))
            .or_default()
            .broken = true;
    }

    /// `a` closes its connection to `b` (between two brokers, the one `a` opened); the next
    /// message opens a new one and nothing in flight on the old one arrives.
    pub(super) fn reconnect(&mut self, a: NodeId, b: NodeId) {
        let c = self
            .connections
            .entry(Network::key(a, b, false))
            .or_default();
        c.generation += 1;
        c.broken = false;
    }

    /// A node crashed or restarted: every connection it had is gone.
    pub(super) fn reset_node(&mut self, n: NodeId) {
        let mut peers: Vec<NodeId> = self
            .in_flight
            .values()
            .filter_map(|e| {
                if e.from == n {
                    Some(e.to)
                } else if e.to == n {
                    Some(e.from)
                } else {
                    None
                }
            })
            .collect();
        peers.extend(self.connections.keys().filter_map(|(a, b)| {
            if *a == n {
                Some(*b)
            } else if *b == n {
                Some(*a)
            } else {
                None
            }
        }));
        super::vecmap::sort_small(&mut peers);
        peers.dedup();
        for p in peers {
            self.reconnect(n, p);
            if Network::key(p, n, false) != Network::key(n, p, false) {
                self.reconnect(p, n);
            }
        }
    }

    /// A new message id, unique within the run.
    pub(super) fn next_msg_id(&mut self) -> MsgId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// A link never overtakes itself (FIFO): a message due at `at` arrives no earlier than the
    /// link's last delivery, then `delay` later. A delay holds back what follows on the link too
    /// (a TCP stream delivers in order).
    pub(super) fn fifo_delivery(&mut self, from: NodeId, to: NodeId, at: Tick, delay: u64) -> Tick {
        let last = self
            .last_delivery
            .get(&(from, to))
            .copied()
            .unwrap_or(Tick(0));
        let at = at.max(last).plus(delay);
        self.last_delivery.insert((from, to), at);
        at
    }

    /// Nothing sent later on the link from `from` to `to` arrives before `until`.
    pub(super) fn hold_back(&mut self, from: NodeId, to: NodeId, until: Tick) {
        let last = self.last_delivery.entry((from, to)).or_insert(until);
        *last = (*last).max(until);
    }
}
