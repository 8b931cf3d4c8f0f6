//! The world: nodes, the network between them, the clock, the seeded PRNG, the schedule of
//! faults, the checker and the trace. `Sim::step` takes the next event in (tick, sequence)
//! order, hands it to one node, and turns what the node returned into messages, timers and facts.

use super::broker::{Broker, BrokerCtx};
use super::checker::{Checker, CheckerSetup, ConsumerFacts, Logs, ProducerFacts};
use super::config::{self, RawConfig};
use super::consumer::{ConsumerCtx, ConsumerNode};
use super::effects::{Note, Out, Timer};
use super::elr;
use super::log::PartitionLog;
use super::message::{Message, MessageKind};
use super::producer::{ClientCtx, ProducerClient, CLIENT_CORR_BIT};
use super::producer_app::ProducerNode;
use super::rng::Rng;
use super::scenario::{FaultAction, MessageMatch, Scenario, Trigger};
use super::topology::Topology;
use super::types::{NodeId, Offset, ProducerId, Tick, TopicId, TopicPartition};
use super::vecmap::VecMap;
use super::vocabulary::TransactionState;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

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
    fn key(from: NodeId, to: NodeId, response: bool) -> (NodeId, NodeId) {
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
    fn break_connection(&mut self, from: NodeId, to: NodeId, kind: MessageKind) {
        self.connections
            .entry(Network::key(from, to, kind.is_response()))
            .or_default()
            .broken = true;
    }

    /// `a` closes its connection to `b` (between two brokers, the one `a` opened); the next
    /// message opens a new one and nothing in flight on the old one arrives.
    fn reconnect(&mut self, a: NodeId, b: NodeId) {
        let c = self
            .connections
            .entry(Network::key(a, b, false))
            .or_default();
        c.generation += 1;
        c.broken = false;
    }

    /// A node crashed or restarted: every connection it had is gone.
    fn reset_node(&mut self, n: NodeId) {
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
        peers.sort();
        peers.dedup();
        for p in peers {
            self.reconnect(n, p);
            if Network::key(p, n, false) != Network::key(n, p, false) {
                self.reconnect(p, n);
            }
        }
    }
}

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

    fn push(&mut self, step: u64, tick: Tick, what: TraceKind, sent: Option<&Message>) {
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

/// Something that will happen at a tick.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Event {
    Deliver(MsgId),
    /// A node crashed by a search or a user action comes back.
    Restart(NodeId),
    /// A node learns that its connection to `peer` closed (the peer crashed or refused a connection).
    Disconnected {
        node: NodeId,
        incarnation: u32,
        peer: NodeId,
    },
    Timer {
        node: NodeId,
        incarnation: u32,
        timer: Timer,
    },
    Schedule(usize),
}

/// A schedule entry and how far it got.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ScheduleState {
    pub fired: bool,
    pub matched: u32,
}

/// The semantic state of a run: everything but the trace. `Hash + Eq`, so a search can skip states it has seen.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct World {
    #[serde(skip)]
    pub scenario: Arc<Scenario>,
    pub topology: Topology,
    pub now: Tick,
    pub step: u64,
    rng: Rng,
    pub brokers: Vec<Broker>,
    pub producers: Vec<ProducerNode>,
    pub consumers: Vec<ConsumerNode>,
    /// Each producer's raw settings (interventions change them).
    pub producer_configs: Vec<RawConfig>,
    pub consumer_configs: Vec<RawConfig>,
    pub net: Network,
    pub events: BTreeMap<(Tick, u64), Event>,
    next_seq: u64,
    /// Time-triggered schedule entries not yet reached (counted, so `is_settled` need not scan `events`).
    scheduled_ahead: usize,
    pub schedule: Vec<ScheduleState>,
    pub checker: Checker,
    pub finished: bool,
}

/// A run: the world and its trace.
#[derive(Clone, Debug)]
pub struct Sim {
    pub world: World,
    pub trace: Trace,
}

/// The trace's default bound.
pub const TRACE_LIMIT: usize = 20_000;

impl Sim {
    /// Builds the world from a scenario, with the seed given (the scenario's own when `None`).
    pub fn new(scenario: Scenario, seed: Option<u64>) -> Sim {
        Sim::with_trace(scenario, seed, Trace::new(true, TRACE_LIMIT))
    }

    pub fn with_trace(scenario: Scenario, seed: Option<u64>, trace: Trace) -> Sim {
        let mut topology = Topology::new(
            scenario.brokers,
            scenario.partitions,
            scenario.output_partitions,
            scenario.replication_factor,
        );
        topology.features = super::topology::Features::of(scenario.version);
        topology.features.verification = scenario.transaction_partition_verification;
        topology.features.eligible_leader_replicas = scenario.eligible_leader_replicas;
        topology.features.broker = scenario.broker;
        let brokers = (0..scenario.brokers)
            .map(|b| Broker::new(b, &topology))
            .collect();
        let mut first_record = 0u32;
        let mut producers = Vec::new();
        let mut producer_facts = Vec::new();
        for (i, (cfg, script)) in scenario.producers.iter().enumerate() {
            let txn = cfg
                .transactional_id
                .as_ref()
                .and_then(|t| scenario.transactional_ids.iter().position(|x| x == t))
                .map(|x| x as u8);
            let mut node = ProducerNode::new(i as u8, cfg.clone(), txn, script, first_record);
            node.txn_ids = scenario.transactional_ids.clone();
            let count: u32 = script.iter().map(|op| op.record_count() as u32).sum();
            producer_facts.push(ProducerFacts {
                first_record,
                record_count: count,
                idempotent: cfg.enable_idempotence,
                acks: cfg.acks,
                may_reorder: !cfg.enable_idempotence && cfg.max_in_flight > 1 && cfg.retries > 0,
            });
            first_record += count;
            producers.push(node);
        }
        let mut consumers = Vec::new();
        let mut consumer_facts = Vec::new();
        for (i, c) in scenario.consumers.iter().enumerate() {
            let group = scenario
                .group_ids
                .iter()
                .position(|g| *g == c.cfg.group_id)
                .unwrap_or(0) as u8;
            // Members get their partitions from the group (group_coordinator.rs); the checker
            // judges each group as a whole, over every partition of the topic it subscribes to.
            let group_first = scenario
                .consumers
                .iter()
                .position(|o| o.cfg.group_id == c.cfg.group_id)
                .unwrap_or(i) as u8;
            let assignment: Vec<TopicPartition> =
                topology.topic_partitions(TopicId::Input).collect();
            let txn = c
                .output
                .as_ref()
                .and_then(|o| o.transactional_id.as_ref())
                .and_then(|t| scenario.transactional_ids.iter().position(|x| x == t))
                .map(|x| x as u8);
            consumer_facts.push(ConsumerFacts {
                isolation: c.cfg.isolation_level,
                mode: c.mode,
                sink: c.sink.map(|s| (s.idempotent, s.key_is_record)),
                assignment: assignment.clone(),
                group_first,
            });
            consumers.push(ConsumerNode::new(
                i as u8,
                c.clone(),
                group,
                txn,
                assignment,
            ));
        }
        let checker = Checker::new(CheckerSetup {
            producers: producer_facts,
            consumers: consumer_facts,
            total_records: first_record,
            replication_factor: scenario.replication_factor,
            input_partitions: topology.topic_partitions(TopicId::Input).collect(),
            output_partitions: topology.topic_partitions(TopicId::Output).collect(),
        });
        let seed = seed.unwrap_or(scenario.seed);
        let schedule = scenario
            .schedule
            .iter()
            .map(|_| ScheduleState {
                fired: false,
                matched: 0,
            })
            .collect();
        let world = World {
            topology,
            now: Tick(0),
            step: 0,
            rng: Rng::new(seed),
            brokers,
            producers,
            consumers,
            producer_configs: scenario.producer_raw.clone(),
            consumer_configs: scenario.consumer_raw.clone(),
            net: Network::default(),
            events: BTreeMap::new(),
            next_seq: 0,
            scheduled_ahead: 0,
            schedule,
            checker,
            finished: false,
            scenario: Arc::new(scenario),
        };
        let mut sim = Sim { world, trace };
        sim.start();
        sim
    }

    /// Replication starts: followers fetch from their leaders, leaders watch their ISR.
    fn start_replication(&mut self) {
        if self.world.topology.replication_factor <= 1 {
            return;
        }
        for b in 0..self.world.brokers.len() {
            let mut out = Out::default();
            let w = &mut self.world;
            let ctx = broker_ctx(w.now, &w.topology, &w.scenario, 500);
            if let Some(broker) = w.brokers.get_mut(b) {
                broker.fetch_from_leaders(&ctx, &mut out);
                broker.arm_isr_check(&ctx, &mut out);
            }
            self.apply(NodeId::Broker(b as u8), &mut out);
        }
    }

    /// The controller (instant, a simplification): after a broker crashes, every partition it
    /// led gets a new leader from the ISR — or, with `unclean.leader.election.enable`, from any
    /// live replica — and stays offline otherwise; the crashed broker leaves every ISR
    /// (KRaft fences it). After a restart, its replicas follow their leaders, or lead a
    /// partition that was offline waiting for them. With `eligible.leader.replicas.version=1`
    /// the partition change follows KIP-966 (`elr::change`): a restart is an unclean shutdown.
    fn elect_leaders(&mut self, changed: u8, out: &mut Out) {
        if self.world.topology.replication_factor <= 1 {
            return;
        }
        let partitions: Vec<TopicPartition> = self.world.topology.all_partitions().collect();
        for tp in partitions {
            let replicas = self.world.topology.replicas(tp);
            if !replicas.contains(&changed) {
                continue;
            }
            let alive: Vec<u8> = replicas
                .iter()
                .copied()
                .filter(|r| self.world.is_alive(NodeId::Broker(*r)))
                .collect();
            let mut isr: Vec<u8> = self
                .world
                .topology
                .isr
                .get(&tp)
                .cloned()
                .unwrap_or_default();
            let current = self
                .world
                .topology
                .leader_of(tp)
                .filter(|l| alive.contains(l));
            let (leader, unclean, from) = if self.world.topology.features.eligible_leader_replicas {
                let old = self.partition_state(tp);
                let is_alive = |b: u8| alive.contains(&b);
                // A broker process that comes back after a crash registers after an unclean
                // shutdown (no clean-shutdown marker; KAFKA-15586): it leaves the ISR and ELR.
                let c = elr::change(
                    &old,
                    &elr::ChangeInput {
                        replicas: &replicas,
                        alive: &is_alive,
                        // KRaft fences a crashed broker: it leaves the ISR (`handleBrokerFenced`).
                        target_isr: isr.iter().copied().filter(|r| is_alive(*r)).collect(),
                        unclean_shutdown: Some(changed).filter(|b| is_alive(*b)),
                        min_isr: self.world.scenario.replication.min_insync_replicas as usize,
                        unclean_enabled: self.world.scenario.unclean_leader_election_enable,
                    },
                );
                isr = c.state.isr.clone();
                self.set_elr(tp, &c.state, out);
                (c.state.leader, c.unclean, c.from)
            } else {
                isr.retain(|r| alive.contains(r));
                let (leader, unclean) = match current {
                    Some(l) => (Some(l), false),
                    None => match replicas.iter().copied().find(|r| isr.contains(r)) {
                        Some(l) => (Some(l), false),
                        None if self.world.scenario.unclean_leader_election_enable => {
                            (alive.first().copied(), !alive.is_empty())
                        }
                        None => (None, false),
                    },
                };
                if let Some(l) = leader {
                    if !isr.contains(&l) {
                        isr = vec![l];
                    }
                } else {
                    // The ISR never shrinks to nothing: its last members stay in it while the
                    // partition is offline, so the first of them to come back is elected (clean)
                    // (`PartitionChangeBuilder.build`: an empty ISR only with ELR).
                    isr = self
                        .world
                        .topology
                        .isr
                        .get(&tp)
                        .cloned()
                        .unwrap_or_default();
                }
                let from = match (leader, unclean) {
                    (None, _) => elr::ElectedFrom::NoLeader,
                    (Some(_), true) => elr::ElectedFrom::AnyReplica,
                    (Some(_), false) => elr::ElectedFrom::Isr,
                };
                (leader, unclean, from)
            };
            let new_leader = leader != self.world.topology.leader_of(tp) || current.is_none();
            self.world.topology.isr.insert(tp, isr.clone());
            if new_leader {
                let epoch = self.world.topology.leader_epoch(tp) + 1;
                self.world.topology.leaders.insert(tp, leader);
                self.world.topology.leader_epochs.insert(tp, epoch);
                out.note(Note::LeaderElected {
                    tp,
                    leader,
                    leader_epoch: epoch,
                    unclean,
                    from,
                });
                if let Some(l) = leader {
                    let w = &mut self.world;
                    let ctx = broker_ctx(w.now, &w.topology, &w.scenario, 500);
                    if let Some(b) = w.brokers.get_mut(l as usize) {
                        b.become_leader(tp, epoch, &isr, &ctx, out);
                    }
                    self.apply(NodeId::Broker(l), out);
                }
            } else if let Some(l) = leader {
                // The leader stays; it learns the smaller ISR.
                if let Some(r) = self
                    .world
                    .brokers
                    .get_mut(l as usize)
                    .and_then(|b| b.replicas.get_mut(&tp))
                {
                    r.isr = super::types::set_of(isr.iter().copied());
                }
            }
            // Every live replica other than the leader follows it, first dropping what it lacks.
            let Some(l) = leader else { continue };
            let epoch = self.world.topology.leader_epoch(tp);
            for r in alive.iter().copied().filter(|r| *r != l) {
                let needs = new_leader || r == changed;
                if !needs {
                    continue;
                }
                let truncate_to = match (
                    self.world
                        .brokers
                        .get(l as usize)
                        .and_then(|b| b.partitions.get(&tp)),
                    self.world
                        .brokers
                        .get(r as usize)
                        .and_then(|b| b.partitions.get(&tp)),
                ) {
                    (Some(lead), Some(mine)) => mine.common_prefix(lead),
                    _ => Offset(0),
                };
                let w = &mut self.world;
                let ctx = broker_ctx(w.now, &w.topology, &w.scenario, 500);
                if let Some(b) = w.brokers.get_mut(r as usize) {
                    b.become_follower(tp, epoch, truncate_to, &ctx, out);
                }
                self.apply(NodeId::Broker(r), out);
            }
        }
    }

    /// The controller for the internal topics: when the coordinator's broker crashes, the first
    /// live replica of `__transaction_state` becomes leader and loads it (coordinator failover,
    /// `TransactionStateManager.loadTransactionsForTxnTopicPartition`); when none is live, the
    /// first to come back does.
    fn elect_coordinator(&mut self, changed: u8, out: &mut Out) {
        let t = &self.world.topology;
        if t.replication_factor <= 1 || !t.internal_replicas().contains(&changed) {
            return;
        }
        let current = t
            .coordinator
            .filter(|c| self.world.is_alive(NodeId::Broker(*c)));
        if current.is_some() {
            return;
        }
        let next = t
            .internal_replicas()
            .into_iter()
            .find(|r| self.world.is_alive(NodeId::Broker(*r)));
        self.world.topology.coordinator = next;
        let Some(leader) = next else { return };
        self.world.topology.coordinator_epoch += 1;
        let w = &mut self.world;
        let ctx = broker_ctx(w.now, &w.topology, &w.scenario, 500);
        if let Some(b) = w.brokers.get_mut(leader as usize) {
            b.become_coordinator(&ctx, out);
        }
        self.apply(NodeId::Broker(leader), out);
    }

    /// Simplification: the internal topics replicate synchronously — every live replica holds
    /// the coordinator's `__transaction_state` and `__consumer_offsets` as soon as it writes them.
    fn sync_internal_logs(&mut self) {
        let w = &mut self.world;
        if w.topology.replication_factor <= 1 {
            return;
        }
        let Some(leader) = w.topology.coordinator else {
            return;
        };
        let Some(src) = w.brokers.get(leader as usize) else {
            return;
        };
        let (txn_len, offsets_len) = (
            src.txn_coordinator.as_ref().map_or(0, |t| t.log.len()),
            src.group_coordinator.as_ref().map_or(0, |g| g.log.len()),
        );
        // Only the records a replica lacks are copied (its log is a prefix of the leader's).
        let behind: Vec<(usize, usize, usize)> = w
            .brokers
            .iter()
            .filter(|b| b.alive && b.id != leader)
            .map(|b| {
                (
                    b.id as usize,
                    b.txn_coordinator.as_ref().map_or(txn_len, |t| t.log.len()),
                    b.group_coordinator
                        .as_ref()
                        .map_or(offsets_len, |g| g.log.len()),
                )
            })
            .filter(|(_, t, o)| *t != txn_len || *o != offsets_len)
            .collect();
        for (id, t, o) in behind {
            let txn_tail = w.brokers[leader as usize]
                .txn_coordinator
                .as_ref()
                .map(|tc| tc.log.get(t.min(txn_len)..).unwrap_or_default().to_vec());
            let offsets_tail = w.brokers[leader as usize]
                .group_coordinator
                .as_ref()
                .map(|gc| {
                    gc.log
                        .get(o.min(offsets_len)..)
                        .unwrap_or_default()
                        .to_vec()
                });
            let Some(b) = w.brokers.get_mut(id) else {
                continue;
            };
            if let (Some(tc), Some(tail)) = (b.txn_coordinator.as_mut(), txn_tail) {
                tc.log.truncate(txn_len);
                tc.log.extend(tail);
            }
            if let (Some(gc), Some(tail)) = (b.group_coordinator.as_mut(), offsets_tail) {
                gc.log.truncate(offsets_len);
                gc.log.extend(tail);
            }
        }
    }

    /// The leaders' ISRs, as the controller records them (Kafka: AlterPartition). With ELR,
    /// each change also updates the partition's ELR (`ReplicationControlManager.alterPartition`
    /// builds the change with `PartitionChangeBuilder`).
    fn sync_isr(&mut self, out: &mut Out) {
        if self.world.topology.replication_factor <= 1 {
            return;
        }
        let w = &mut self.world;
        let mut changes: Vec<(TopicPartition, Vec<u8>, bool)> = Vec::new();
        for b in &w.brokers {
            for (tp, r) in &b.replicas {
                if r.is_leader && b.alive && w.topology.leader_of(*tp) == Some(b.id) {
                    let isr: Vec<u8> = r.isr.iter().copied().collect();
                    let known = w.topology.isr.get(tp).cloned().unwrap_or_default();
                    let mut sorted = known.clone();
                    sorted.sort_unstable();
                    if known != isr {
                        // `changed`: another set, not only another order.
                        changes.push((*tp, isr.clone(), sorted != isr));
                    }
                }
            }
        }
        for (tp, isr, changed) in changes {
            if changed && self.world.topology.features.eligible_leader_replicas {
                let old = self.partition_state(tp);
                let replicas = self.world.topology.replicas(tp);
                let w = &self.world;
                let is_alive = |b: u8| w.is_alive(NodeId::Broker(b));
                let c = elr::change(
                    &old,
                    &elr::ChangeInput {
                        replicas: &replicas,
                        alive: &is_alive,
                        target_isr: isr.clone(),
                        unclean_shutdown: None,
                        min_isr: w.scenario.replication.min_insync_replicas as usize,
                        unclean_enabled: w.scenario.unclean_leader_election_enable,
                    },
                );
                // The leader asking is alive and in its own ISR, so it stays leader.
                self.set_elr(tp, &c.state, out);
            }
            self.world.topology.isr.insert(tp, isr);
        }
    }

    /// The controller's registration of `tp`, as the ELR rules read it.
    fn partition_state(&self, tp: TopicPartition) -> elr::PartitionState {
        let t = &self.world.topology;
        elr::PartitionState {
            leader: t.leader_of(tp),
            isr: t.isr.get(&tp).cloned().unwrap_or_default(),
            elr: t.elr_of(tp).to_vec(),
            last_known_leader: t.last_known_leader.get(&tp).copied(),
        }
    }

    /// Records a partition's new ELR and last known leader; a changed ELR is a fact.
    fn set_elr(&mut self, tp: TopicPartition, state: &elr::PartitionState, out: &mut Out) {
        let t = &mut self.world.topology;
        match state.last_known_leader {
            Some(l) => t.last_known_leader.insert(tp, l),
            None => t.last_known_leader.remove(&tp),
        };
        if t.elr_of(tp) != state.elr.as_slice() {
            if state.elr.is_empty() {
                t.elr.remove(&tp);
            } else {
                t.elr.insert(tp, state.elr.clone());
            }
            out.note(Note::ElrChanged {
                tp,
                elr: state.elr.clone(),
            });
        }
    }

    fn start(&mut self) {
        // The lab's initial_epoch: the coordinator already holds those transactional ids.
        let scenario = self.world.scenario.clone();
        for (i, e) in scenario.initial_epochs.iter().enumerate() {
            let (Some(e), Some((cfg, _))) = (e, scenario.producers.get(i)) else {
                continue;
            };
            let Some(txn) = cfg
                .transactional_id
                .as_ref()
                .and_then(|t| scenario.transactional_ids.iter().position(|x| x == t))
            else {
                continue;
            };
            let mut out = Out::default();
            let w = &mut self.world;
            let c = w.topology.txn_coordinator();
            let ctx = broker_ctx(w.now, &w.topology, &w.scenario, 500);
            if let Some(b) = w.brokers.get_mut(c as usize) {
                b.seed_transactional_id(
                    txn as u8,
                    super::types::ProducerEpoch(e - 1),
                    cfg.transaction_timeout_ms,
                    &ctx,
                    &mut out,
                );
            }
            self.apply(NodeId::Broker(c), &mut out);
        }
        for (i, e) in self.world.scenario.clone().schedule.iter().enumerate() {
            if let Trigger::At(t) = e.trigger {
                self.world.push_event(Tick(t), Event::Schedule(i));
            }
        }
        let mut out = Out::default();
        for p in 0..self.world.producers.len() {
            let w = &mut self.world;
            let scenario = w.scenario.clone();
            let ctx = ClientCtx {
                now: w.now,
                node: NodeId::Producer(p as u8),
                topology: &w.topology,
                version: scenario.version,
            };
            let node = &mut w.producers[p];
            node.client.start(&ctx, &mut out);
            node.advance(&scenario.producers[p].1, &ctx, &mut out);
            self.apply(NodeId::Producer(p as u8), &mut out);
        }
        for c in 0..self.world.consumers.len() {
            let start_at = self.world.scenario.consumers[c].start_at;
            if start_at > 0 {
                // A consumer joining mid-run: it is down until it starts.
                self.world.consumers[c].alive = false;
                self.world
                    .push_event(Tick(start_at), Event::Restart(NodeId::Consumer(c as u8)));
                continue;
            }
            let topology = self.world.topology.clone();
            let ctx = ConsumerCtx {
                now: self.world.now,
                topology: &topology,
                version: self.world.scenario.version,
            };
            self.world.consumers[c].start(&ctx, &mut out);
            self.apply(NodeId::Consumer(c as u8), &mut out);
        }
        for b in 0..self.world.brokers.len() {
            let w = &mut self.world;
            let ctx = broker_ctx(w.now, &w.topology, &w.scenario, 500);
            if let Some(broker) = w.brokers.get_mut(b) {
                broker.arm_expiration_checks(&ctx, &mut out, true, true);
            }
            self.apply(NodeId::Broker(b as u8), &mut out);
        }
        self.start_replication();
    }

    pub fn now(&self) -> Tick {
        self.world.now
    }

    /// Has the run reached its end (settled, or a limit)?
    pub fn is_done(&self) -> bool {
        self.world.finished
    }

    /// Takes the next event. Returns false when there is nothing left to do.
    pub fn step(&mut self) -> bool {
        if self.world.finished {
            return false;
        }
        let Some(((tick, _), event)) = self.world.events.pop_first() else {
            self.finish();
            return false;
        };
        let s = &self.world.scenario;
        if tick.0 > s.max_ticks || self.world.step >= s.max_steps {
            self.finish();
            return false;
        }
        self.world.now = tick;
        self.world.step += 1;
        let mut out = Out::default();
        match event {
            Event::Deliver(id) => self.deliver(id, &mut out),
            Event::Timer {
                node,
                incarnation,
                timer,
            } => self.on_timer(node, incarnation, timer, &mut out),
            Event::Schedule(i) => {
                self.world.scheduled_ahead = self.world.scheduled_ahead.saturating_sub(1);
                self.on_schedule(i, &mut out)
            }
            Event::Disconnected {
                node,
                incarnation,
                peer,
            } => self.on_disconnected(node, incarnation, peer, &mut out),
            Event::Restart(node) => {
                self.world.scheduled_ahead = self.world.scheduled_ahead.saturating_sub(1);
                self.restart(node, None, &mut out)
            }
        }
        if self.world.is_settled() {
            self.finish();
        }
        true
    }

    /// Runs until the end or until `max_steps` more steps.
    pub fn run(&mut self, max_steps: u64) {
        for _ in 0..max_steps {
            if !self.step() {
                break;
            }
        }
    }

    /// Runs until the simulated clock passes `tick` (or the end).
    pub fn run_until_tick(&mut self, tick: u64) {
        while !self.world.finished
            && self
                .world
                .events
                .first_key_value()
                .is_some_and(|((t, _), _)| t.0 <= tick)
        {
            self.step();
        }
    }

    /// The end: the checker's end-of-run properties.
    pub fn finish(&mut self) {
        if self.world.finished {
            return;
        }
        self.world.finished = true;
        let partitions: Vec<TopicPartition> = self.world.topology.all_partitions().collect();
        let (step, now) = (self.world.step, self.world.now);
        let mut checker = std::mem::take(&mut self.world.checker);
        checker.finish(&self.world, &partitions, step, now);
        self.world.checker = checker;
    }

    fn deliver(&mut self, id: MsgId, out: &mut Out) {
        let Some(env) = self.world.net.in_flight.remove(&id) else {
            return;
        };
        let conn = self.world.net.connection(env.from, env.to, env.msg.kind());
        if conn.generation != env.conn || conn.broken {
            self.trace_push(TraceKind::Dropped {
                id,
                from: env.from,
                to: env.to,
                kind: env.msg.kind(),
                reason: DropReason::ConnectionBroken,
            });
            return;
        }
        let alive = self.world.is_alive(env.to);
        if !alive {
            self.trace_push(TraceKind::Dropped {
                id,
                from: env.from,
                to: env.to,
                kind: env.msg.kind(),
                reason: DropReason::ReceiverDown,
            });
            return;
        }
        self.trace_push(TraceKind::Delivered {
            id,
            from: env.from,
            to: env.to,
            kind: env.msg.kind(),
        });
        if let Some(error) = self.injected_error(&env) {
            // The broker answers with the scenario's error and does nothing else.
            out.note(Note::ErrorInjected {
                node: env.to,
                kind: env.msg.kind(),
                error,
            });
            if let Some(answer) = env.msg.error_response(error) {
                out.send(env.from, answer);
            }
            self.apply(env.to, out);
            return;
        }
        let w = &mut self.world;
        let now = w.now;
        match env.to {
            NodeId::Broker(b) => {
                let ctx = broker_ctx(now, &w.topology, &w.scenario, fetch_wait(w, env.from));
                if let Some(broker) = w.brokers.get_mut(b as usize) {
                    broker.on_message(env.from, env.msg, &ctx, out);
                }
            }
            NodeId::Producer(p) => {
                // The lab's raw requests are answered to the application, not the client.
                let raw = w
                    .producers
                    .get_mut(p as usize)
                    .is_some_and(|n| n.on_raw_answer(&env.msg, now));
                producer_event(w, p, out, |c, ctx, out| {
                    if !raw {
                        c.on_response(env.msg, ctx, out)
                    }
                });
            }
            NodeId::Consumer(c) => {
                let ctx = consumer_ctx(now, &w.topology, &w.scenario);
                if let Some(node) = w.consumers.get_mut(c as usize) {
                    node.on_message(env.msg, &ctx, out);
                }
            }
        }
        self.apply(env.to, out);
    }

    /// The error a scenario's `inject` entry answers this delivered request with, if its turn
    /// has come (the nth matching request delivered at or after `at`).
    fn injected_error(&mut self, env: &Envelope) -> Option<super::errors::Errors> {
        if !matches!(env.to, NodeId::Broker(_)) || env.msg.kind().is_response() {
            return None;
        }
        let w = &mut self.world;
        let scenario = w.scenario.clone();
        let mut found = None;
        for (i, entry) in scenario.schedule.iter().enumerate() {
            let (FaultAction::Inject(what, error), Trigger::OnSend { after, .. }) =
                (&entry.action, entry.trigger)
            else {
                continue;
            };
            let state = &mut w.schedule[i];
            if state.fired || w.now.0 < after || !matches(what, env.msg.kind(), env.from, env.to) {
                continue;
            }
            state.matched += 1;
            if state.matched >= what.nth && found.is_none() {
                state.fired = true;
                found = Some(*error);
            }
        }
        found
    }

    fn on_timer(&mut self, node: NodeId, incarnation: u32, timer: Timer, out: &mut Out) {
        let w = &mut self.world;
        if !w.is_alive(node) || w.incarnation(node) != incarnation {
            return;
        }
        let now = w.now;
        match node {
            NodeId::Broker(b) => {
                let ctx = broker_ctx(now, &w.topology, &w.scenario, 500);
                if let Some(broker) = w.brokers.get_mut(b as usize) {
                    broker.on_timer(timer, &ctx, out);
                }
            }
            NodeId::Producer(p) => {
                producer_event(w, p, out, |c, ctx, out| match timer {
                    Timer::RequestTimeout(corr) if corr & CLIENT_CORR_BIT != 0 => {
                        c.on_request_timeout(corr, ctx, out)
                    }
                    _ => c.on_wake(ctx, out),
                });
            }
            NodeId::Consumer(c) => {
                let ctx = consumer_ctx(now, &w.topology, &w.scenario);
                if let Some(n) = w.consumers.get_mut(c as usize) {
                    n.on_timer(timer, &ctx, out);
                }
            }
        }
        self.apply(node, out);
    }

    fn on_disconnected(&mut self, node: NodeId, incarnation: u32, peer: NodeId, out: &mut Out) {
        let w = &mut self.world;
        if !w.is_alive(node) || w.incarnation(node) != incarnation {
            return;
        }
        let NodeId::Broker(b) = peer else { return };
        let now = w.now;
        match node {
            NodeId::Producer(p) => {
                producer_event(w, p, out, |c, ctx, out| c.on_disconnect(b, ctx, out));
            }
            NodeId::Consumer(c) => {
                let ctx = consumer_ctx(now, &w.topology, &w.scenario);
                if let Some(n) = w.consumers.get_mut(c as usize) {
                    n.on_disconnect(b, &ctx, out);
                }
            }
            NodeId::Broker(x) => {
                let ctx = broker_ctx(now, &w.topology, &w.scenario, 500);
                if let Some(n) = w.brokers.get_mut(x as usize) {
                    n.on_disconnect(b, &ctx, out);
                }
            }
        }
        self.apply(node, out);
    }

    /// Tells `node`, one latency later, that its connection to `peer` closed.
    fn notify_disconnect(&mut self, node: NodeId, peer: NodeId) {
        if node == peer || !self.world.is_alive(node) {
            return;
        }
        let at = self.world.now.plus(self.world.scenario.latency_ms);
        let incarnation = self.world.incarnation(node);
        let event = Event::Disconnected {
            node,
            incarnation,
            peer,
        };
        // One notice per closed connection is enough.
        if !self.world.events.values().any(|e| *e == event) {
            self.world.push_event(at, event);
        }
    }

    fn on_schedule(&mut self, i: usize, out: &mut Out) {
        let Some(entry) = self.world.scenario.schedule.get(i).cloned() else {
            return;
        };
        if let Some(s) = self.world.schedule.get_mut(i) {
            s.fired = true;
        }
        if let Some(text) = &entry.note {
            self.trace_push(TraceKind::ScheduleNote { text: text.clone() });
        }
        self.apply_action(&entry.action, out);
    }

    /// Applies a fault or an intervention now. Message faults (drop, delay, duplicate) apply to
    /// the next matching message sent from now on.
    pub fn apply_action(&mut self, action: &FaultAction, out: &mut Out) {
        match action {
            FaultAction::Crash(n) => self.crash(*n),
            FaultAction::Restart(n) => self.restart(*n, None, out),
            FaultAction::Partition(a, b) => self.set_link(*a, *b, LinkState::Partitioned),
            FaultAction::Heal(a, b) | FaultAction::Release(a, b) => {
                self.set_link(*a, *b, LinkState::Healthy)
            }
            FaultAction::Hold(a, b) => self.set_link(*a, *b, LinkState::Held),
            FaultAction::DropRate {
                from,
                to,
                per_mille,
            } => {
                self.world
                    .net
                    .drop_rates
                    .retain(|(f, t, _)| !(f == from && t == to));
                if *per_mille > 0 {
                    self.world.net.drop_rates.push((*from, *to, *per_mille));
                }
                self.trace_push(TraceKind::DropRate {
                    from: *from,
                    to: *to,
                    per_mille: *per_mille,
                });
            }
            FaultAction::SetConfig { node, config } => self.set_config(*node, config, out),
            FaultAction::Pause(n, ms) => {
                if let NodeId::Consumer(c) = n {
                    if let Some(x) = self.world.consumers.get_mut(*c as usize) {
                        x.pause(*ms);
                    }
                }
            }
            // Message faults were matched when the message was sent (injections when delivered).
            FaultAction::Drop(_)
            | FaultAction::Duplicate(_)
            | FaultAction::Delay(..)
            | FaultAction::Inject(..) => {}
        }
    }

    fn set_link(&mut self, a: NodeId, b: NodeId, state: LinkState) {
        for (x, y) in [(a, b), (b, a)] {
            if state == LinkState::Healthy {
                self.world.net.links.remove(&(x, y));
            } else {
                self.world.net.links.insert((x, y), state);
            }
        }
        self.trace_push(TraceKind::Link { a, b, state });
        if state != LinkState::Held {
            // Released (or cut): held messages go now (or are lost).
            let held: Vec<MsgId> = self
                .world
                .net
                .in_flight
                .values()
                .filter(|e| e.held && ((e.from, e.to) == (a, b) || (e.from, e.to) == (b, a)))
                .map(|e| e.id)
                .collect();
            for id in held {
                if state == LinkState::Partitioned {
                    if let Some(e) = self.world.net.in_flight.remove(&id) {
                        self.trace_push(TraceKind::Dropped {
                            id,
                            from: e.from,
                            to: e.to,
                            kind: e.msg.kind(),
                            reason: DropReason::Partitioned,
                        });
                    }
                } else if let Some(e) = self.world.net.in_flight.get(&id).cloned() {
                    let deliver = self.world.delivery_time(e.from, e.to, 0);
                    if let Some(env) = self.world.net.in_flight.get_mut(&id) {
                        env.held = false;
                        env.deliver = deliver;
                    }
                    self.world.push_event(deliver, Event::Deliver(id));
                }
            }
        }
    }

    pub fn crash(&mut self, n: NodeId) {
        if !self.world.is_alive(n) {
            return;
        }
        match n {
            NodeId::Broker(b) => {
                if let Some(x) = self.world.brokers.get_mut(b as usize) {
                    x.crash()
                }
            }
            NodeId::Producer(p) => {
                if let Some(x) = self.world.producers.get_mut(p as usize) {
                    x.crash()
                }
            }
            NodeId::Consumer(c) => {
                if let Some(x) = self.world.consumers.get_mut(c as usize) {
                    x.crash()
                }
            }
        }
        self.world.net.reset_node(n);
        self.trace_push(TraceKind::Crashed { node: n });
        if let NodeId::Broker(b) = n {
            let mut out = Out::default();
            self.elect_leaders(b, &mut out);
            self.elect_coordinator(b, &mut out);
            self.apply(n, &mut out);
        }
        if let NodeId::Broker(b) = n {
            // A crashed process's connections all close: every live node learns it (one latency
            // later), whether or not it had anything in flight; those with nothing pending ignore it.
            if let Some(live) = self.world.topology.live.get_mut(b as usize) {
                *live = false;
            }
            for p in self.world.nodes() {
                self.notify_disconnect(p, n);
            }
        }
    }

    fn restart(&mut self, n: NodeId, new_config: Option<config::ProducerConfig>, out: &mut Out) {
        if self.world.is_alive(n) && new_config.is_none() {
            return;
        }
        // A consumer with a `start_at` starting for the first time joins; it does not restart.
        let first_start = matches!(n, NodeId::Consumer(c) if self.world.consumers.get(c as usize).is_some_and(|x| x.incarnation == 0));
        if first_start {
            self.trace_push(TraceKind::ScheduleNote {
                text: format!("{} starts and joins its group", n),
            });
        } else {
            self.trace_push(TraceKind::Restarted { node: n });
        }
        self.world.net.reset_node(n);
        let w = &mut self.world;
        let now = w.now;
        match n {
            NodeId::Broker(b) => {
                let ctx = broker_ctx(now, &w.topology, &w.scenario, 500);
                if let Some(x) = w.brokers.get_mut(b as usize) {
                    x.restart(&ctx, out);
                }
                if let Some(live) = self.world.topology.live.get_mut(b as usize) {
                    *live = true;
                }
                self.apply(n, out);
                self.elect_leaders(b, out);
                self.elect_coordinator(b, out);
                return;
            }
            NodeId::Producer(p) => {
                let scenario = w.scenario.clone();
                let Some((cfg, script)) = scenario.producers.get(p as usize) else {
                    return;
                };
                let cfg = new_config.unwrap_or_else(|| {
                    w.producers
                        .get(p as usize)
                        .map_or(cfg.clone(), |x| x.client.cfg.clone())
                });
                let ctx = ClientCtx {
                    now,
                    node: n,
                    topology: &w.topology,
                    version: scenario.version,
                };
                if let Some(x) = w.producers.get_mut(p as usize) {
                    x.restart(cfg, script, &ctx, out);
                }
                out.note(Note::ClientRestarted { node: n });
            }
            NodeId::Consumer(c) => {
                let ctx = consumer_ctx(now, &w.topology, &w.scenario);
                if let Some(x) = w.consumers.get_mut(c as usize) {
                    x.start(&ctx, out);
                }
            }
        }
        self.apply(n, out);
    }

    /// An intervention: restart a client with changed settings ("apply now"). Kafka's own
    /// validation decides; a rejected config is recorded and changes nothing.
    fn set_config(&mut self, node: NodeId, change: &RawConfig, out: &mut Out) {
        let version = self.world.scenario.version;
        match node {
            NodeId::Producer(p) => {
                let mut raw = self
                    .world
                    .producer_configs
                    .get(p as usize)
                    .cloned()
                    .unwrap_or_default();
                raw.extend(change.iter().map(|(k, v)| (k.clone(), v.clone())));
                match config::producer_config(&raw, version) {
                    Ok(cfg) => {
                        if let Some(slot) = self.world.producer_configs.get_mut(p as usize) {
                            *slot = raw;
                        }
                        self.trace_push(TraceKind::ConfigChanged {
                            node,
                            config: change.clone(),
                        });
                        self.crash(node);
                        self.restart(node, Some(cfg), out);
                    }
                    Err(error) => self.trace_push(TraceKind::ConfigRejected { node, error }),
                }
            }
            NodeId::Consumer(c) => {
                let mut raw = self
                    .world
                    .consumer_configs
                    .get(c as usize)
                    .cloned()
                    .unwrap_or_default();
                raw.extend(change.iter().map(|(k, v)| (k.clone(), v.clone())));
                match config::consumer_config_for(&raw, version) {
                    Ok(cfg) => {
                        if let Some(slot) = self.world.consumer_configs.get_mut(c as usize) {
                            *slot = raw;
                        }
                        if let Some(x) = self.world.consumers.get_mut(c as usize) {
                            x.setup.cfg = cfg;
                        }
                        self.trace_push(TraceKind::ConfigChanged {
                            node,
                            config: change.clone(),
                        });
                        self.crash(node);
                        self.restart(node, None, out);
                    }
                    Err(error) => self.trace_push(TraceKind::ConfigRejected { node, error }),
                }
            }
            NodeId::Broker(_) => {}
        }
    }

    /// Turns a handler's output into messages, timers and facts.
    fn apply(&mut self, from: NodeId, out: &mut Out) {
        if matches!(from, NodeId::Broker(_)) {
            self.sync_isr(out);
            self.sync_internal_logs();
        }
        for peer in std::mem::take(&mut out.disconnects) {
            self.world.net.reconnect(from, peer);
        }
        let incarnation = self.world.incarnation(from);
        for (at, timer) in out.timers.drain(..) {
            self.world.push_event(
                at,
                Event::Timer {
                    node: from,
                    incarnation,
                    timer,
                },
            );
        }
        let notes: Vec<Note> = std::mem::take(&mut out.notes);
        if !notes.is_empty() {
            let (step, now) = (self.world.step, self.world.now);
            let mut checker = std::mem::take(&mut self.world.checker);
            checker.observe(&notes, &self.world, step, now);
            self.world.checker = checker;
            if self.trace.enabled {
                for n in notes {
                    self.trace_push(TraceKind::Fact(n));
                }
            }
        }
        let sends: Vec<(NodeId, Message)> = std::mem::take(&mut out.sends);
        for (to, msg) in sends {
            if !self.world.is_alive(from) {
                break; // the sender crashed while sending
            }
            self.send(from, to, msg, out);
        }
        if !out.sends.is_empty() || !out.timers.is_empty() || !out.notes.is_empty() {
            // A crash triggered by a message may have produced more output (a restart elsewhere).
            let next = out.sends.first().map(|_| from);
            if let Some(n) = next {
                self.apply(n, out);
            }
        }
    }

    /// Puts a message on the network, applying the faults that match it.
    fn send(&mut self, from: NodeId, to: NodeId, msg: Message, out: &mut Out) {
        let kind = msg.kind();
        let w = &mut self.world;
        let id = w.net.next_id;
        w.net.next_id += 1;
        let mut drop = None;
        let mut duplicate = false;
        let mut delay = 0;
        let mut crash = None;
        let mut notes = Vec::new();
        let scenario = w.scenario.clone();
        for (i, entry) in scenario.schedule.iter().enumerate() {
            let Trigger::OnSend { what, after } = entry.trigger else {
                continue;
            };
            if matches!(entry.action, FaultAction::Inject(..)) {
                continue; // matched when the request reaches its broker (`deliver`)
            }
            let state = &mut w.schedule[i];
            if state.fired || w.now.0 < after || !matches(&what, kind, from, to) {
                continue;
            }
            state.matched += 1;
            if state.matched < what.nth {
                continue;
            }
            state.fired = true;
            match &entry.action {
                FaultAction::Drop(_) => drop = Some(DropReason::Fault),
                FaultAction::Duplicate(_) => duplicate = true,
                FaultAction::Delay(_, ms) => delay += ms,
                FaultAction::Crash(n) => crash = Some(*n),
                _ => {}
            }
            if let Some(text) = &entry.note {
                notes.push(text.clone());
            }
        }
        for text in notes {
            self.trace_push(TraceKind::ScheduleNote { text });
        }
        if drop.is_none() && !self.world.is_alive(to) && matches!(to, NodeId::Broker(_)) {
            // Connection refused: the sender learns it at once, without waiting for a timeout.
            drop = Some(DropReason::ReceiverDown);
            self.notify_disconnect(from, to);
        }
        let w = &mut self.world;
        if drop.is_none() && w.net.connection(from, to, kind).broken {
            drop = Some(DropReason::ConnectionBroken);
        }
        if drop.is_none() && w.net.link(from, to) == LinkState::Partitioned {
            drop = Some(DropReason::Partitioned);
        }
        if drop.is_none() {
            let rates: Vec<u32> = w
                .net
                .drop_rates
                .iter()
                .filter(|(f, t, _)| f.is_none_or(|f| f == from) && t.is_none_or(|t| t == to))
                .map(|r| r.2)
                .collect();
            for r in rates {
                if w.rng.chance_per_mille(r) {
                    drop = Some(DropReason::DropRate);
                }
            }
        }
        if let Some(n) = crash {
            self.crash(n);
            if n == from {
                drop = Some(DropReason::SenderCrashed);
            }
        }
        let w = &mut self.world;
        let held = w.net.link(from, to) == LinkState::Held;
        let deliver = w.delivery_time(from, to, delay);
        if self.trace.enabled {
            let summary = msg.summary();
            let sent = TraceKind::Sent {
                id,
                from,
                to,
                kind,
                summary,
                deliver,
            };
            let (step, now) = (self.world.step, self.world.now);
            self.trace.push(step, now, sent, Some(&msg));
            if delay > 0 {
                self.trace_push(TraceKind::Delayed { id, ms: delay });
            }
        }
        if let Some(reason) = drop {
            if !matches!(reason, DropReason::SenderCrashed | DropReason::ReceiverDown) {
                self.world.net.break_connection(from, to, kind);
            }
            self.trace_push(TraceKind::Dropped {
                id,
                from,
                to,
                kind,
                reason,
            });
            return;
        }
        let w = &mut self.world;
        let conn = w.net.connection(from, to, kind).generation;
        if duplicate {
            let copy = w.net.next_id;
            w.net.next_id += 1;
            let env = Envelope {
                id: copy,
                from,
                to,
                sent: w.now,
                deliver,
                msg: msg.clone(),
                held,
                conn,
            };
            w.net.in_flight.insert(copy, env);
            if !held {
                w.push_event(deliver, Event::Deliver(copy));
            }
            self.trace_push(TraceKind::Duplicated { id, copy });
        }
        let w = &mut self.world;
        let env = Envelope {
            id,
            from,
            to,
            sent: w.now,
            deliver,
            msg,
            held,
            conn,
        };
        w.net.in_flight.insert(id, env);
        if !held {
            w.push_event(deliver, Event::Deliver(id));
        }
        let _ = out;
    }

    fn trace_push(&mut self, what: TraceKind) {
        if self.trace.enabled {
            self.trace.push(self.world.step, self.world.now, what, None);
        }
    }

    /// Crashes a node now and restarts it `ms` later (a fault a search can choose).
    pub fn crash_for(&mut self, n: NodeId, ms: u64) -> bool {
        if !self.world.is_alive(n) {
            return false;
        }
        self.crash(n);
        let at = self.world.now.plus(ms);
        self.world.push_event(at, Event::Restart(n));
        true
    }

    /// Delivers a message in flight twice (a click on it).
    pub fn duplicate_message(&mut self, id: MsgId) -> bool {
        let Some(e) = self.world.net.in_flight.get(&id).cloned() else {
            return false;
        };
        let copy = self.world.net.next_id;
        self.world.net.next_id += 1;
        let deliver = e.deliver;
        self.world.net.in_flight.insert(
            copy,
            Envelope {
                id: copy,
                ..e.clone()
            },
        );
        if !e.held {
            self.world.push_event(deliver, Event::Deliver(copy));
        }
        self.trace_push(TraceKind::Duplicated { id, copy });
        true
    }

    /// Delivers a message in flight `ms` later (a click on it). Links stay FIFO for later messages.
    pub fn delay_message(&mut self, id: MsgId, ms: u64) -> bool {
        let Some(e) = self.world.net.in_flight.get(&id).cloned() else {
            return false;
        };
        if e.held {
            return false;
        }
        let new = e.deliver.plus(ms);
        // Later messages on the same link wait behind it (a TCP stream delivers in order).
        let moved: Vec<MsgId> = self
            .world
            .net
            .in_flight
            .values()
            .filter(|x| {
                x.from == e.from && x.to == e.to && x.id >= id && !x.held && x.deliver < new
            })
            .map(|x| x.id)
            .collect();
        for m in moved {
            let key = self
                .world
                .events
                .iter()
                .find(|(_, ev)| **ev == Event::Deliver(m))
                .map(|(k, _)| *k);
            if let Some(k) = key {
                self.world.events.remove(&k);
            }
            if let Some(x) = self.world.net.in_flight.get_mut(&m) {
                x.deliver = new;
            }
            self.world.push_event(new, Event::Deliver(m));
        }
        let last = self
            .world
            .net
            .last_delivery
            .entry((e.from, e.to))
            .or_insert(new);
        *last = (*last).max(new);
        self.trace_push(TraceKind::Delayed { id, ms });
        true
    }

    /// Drops a message in flight now (a click on it).
    pub fn drop_message(&mut self, id: MsgId) -> bool {
        let Some(e) = self.world.net.in_flight.remove(&id) else {
            return false;
        };
        self.world.events.retain(|_, ev| *ev != Event::Deliver(id));
        self.world.net.break_connection(e.from, e.to, e.msg.kind());
        self.trace_push(TraceKind::Dropped {
            id,
            from: e.from,
            to: e.to,
            kind: e.msg.kind(),
            reason: DropReason::Fault,
        });
        true
    }
}

/// Runs `f` on producer `p`'s client, then lets its application learn what was acknowledged
/// and go on with its script.
fn producer_event(
    w: &mut World,
    p: u8,
    out: &mut Out,
    f: impl FnOnce(&mut ProducerClient, &ClientCtx, &mut Out),
) {
    let scenario = w.scenario.clone();
    let ctx = ClientCtx {
        now: w.now,
        node: NodeId::Producer(p),
        topology: &w.topology,
        version: scenario.version,
    };
    if let (Some(n), Some((_, script))) = (
        w.producers.get_mut(p as usize),
        scenario.producers.get(p as usize),
    ) {
        f(&mut n.client, &ctx, out);
        n.learn(&out.notes);
        n.advance(script, &ctx, out);
    }
}

/// What a broker's handlers get from the world.
fn broker_ctx<'a>(
    now: Tick,
    topology: &'a Topology,
    scenario: &Scenario,
    fetch_max_wait_ms: u64,
) -> BrokerCtx<'a> {
    BrokerCtx {
        now,
        topology,
        rules: scenario.version.log_rules(),
        fetch_max_wait_ms,
        replication: scenario.replication,
    }
}

/// What a consumer's handlers get from the world.
fn consumer_ctx<'a>(now: Tick, topology: &'a Topology, scenario: &Scenario) -> ConsumerCtx<'a> {
    ConsumerCtx {
        now,
        topology,
        version: scenario.version,
    }
}

fn matches(m: &MessageMatch, kind: MessageKind, from: NodeId, to: NodeId) -> bool {
    m.kind.is_none_or(|k| k == kind)
        && m.from.is_none_or(|f| f == from)
        && m.to.is_none_or(|t| t == to)
}

/// The consumer's `fetch.max.wait.ms` (brokers park fetches for that long).
fn fetch_wait(w: &World, from: NodeId) -> u64 {
    match from {
        NodeId::Consumer(c) => w
            .consumers
            .get(c as usize)
            .map_or(500, |x| x.setup.cfg.fetch_max_wait_ms),
        _ => 500,
    }
}

impl World {
    pub fn push_event(&mut self, at: Tick, e: Event) {
        if matches!(e, Event::Schedule(_) | Event::Restart(_)) {
            self.scheduled_ahead += 1;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.events.insert((at, seq), e);
    }

    /// One-way latency plus jitter from the seeded PRNG; a link never overtakes itself (FIFO).
    /// A delay holds back what follows on the link too (a TCP stream delivers in order).
    fn delivery_time(&mut self, from: NodeId, to: NodeId, delay: u64) -> Tick {
        let jitter = if self.scenario.jitter_ms > 0 {
            self.rng.below(self.scenario.jitter_ms + 1)
        } else {
            0
        };
        let at = self.now.plus(self.scenario.latency_ms + jitter);
        let last = self
            .net
            .last_delivery
            .get(&(from, to))
            .copied()
            .unwrap_or(Tick(0));
        let at = at.max(last).plus(delay);
        self.net.last_delivery.insert((from, to), at);
        at
    }

    /// Every node: producers, consumers, then brokers.
    pub fn nodes(&self) -> Vec<NodeId> {
        (0..self.producers.len() as u8)
            .map(NodeId::Producer)
            .chain((0..self.consumers.len() as u8).map(NodeId::Consumer))
            .chain((0..self.brokers.len() as u8).map(NodeId::Broker))
            .collect()
    }

    pub fn is_alive(&self, n: NodeId) -> bool {
        match n {
            NodeId::Broker(b) => self.brokers.get(b as usize).is_some_and(|x| x.alive),
            NodeId::Producer(p) => self.producers.get(p as usize).is_some_and(|x| x.alive),
            NodeId::Consumer(c) => self.consumers.get(c as usize).is_some_and(|x| x.alive),
        }
    }

    pub fn incarnation(&self, n: NodeId) -> u32 {
        match n {
            NodeId::Broker(b) => self.brokers.get(b as usize).map_or(0, |x| x.incarnation),
            NodeId::Producer(p) => self.producers.get(p as usize).map_or(0, |x| x.incarnation),
            NodeId::Consumer(c) => self.consumers.get(c as usize).map_or(0, |x| x.incarnation),
        }
    }

    /// The partition's log, wherever its leader is.
    pub fn log(&self, tp: TopicPartition) -> Option<&PartitionLog> {
        self.brokers
            .get(self.topology.leader(tp) as usize)
            .and_then(|b| b.partitions.get(&tp))
    }

    /// Settled: the schedule has nothing left to fire, every producer is done and idle, every
    /// consumer has caught up and committed, no markers are pending and nothing but fetches is in flight.
    pub fn is_settled(&self) -> bool {
        if !self.replicas_caught_up() {
            return false;
        }
        if self.scheduled_ahead > 0 {
            return false;
        }
        let producers_idle = self
            .producers
            .iter()
            .enumerate()
            .all(|(i, p)| p.is_idle(self.scenario.producers.get(i).map_or(0, |x| x.1.len())));
        if !producers_idle {
            return false;
        }
        for c in &self.consumers {
            if !c.is_idle() {
                return false;
            }
            if c.alive && c.halted.is_none() {
                for tp in &c.assignment {
                    let Some(log) = self.log(*tp) else { continue };
                    let limit = match c.setup.cfg.isolation_level {
                        config::IsolationLevel::ReadUncommitted => log.high_watermark(),
                        config::IsolationLevel::ReadCommitted => log.last_stable_offset(),
                    };
                    if c.positions.get(tp).copied().unwrap_or_default() < limit {
                        return false;
                    }
                }
            }
        }
        // A group still rebalancing, or holding a member that crashed (its session will expire),
        // is not settled.
        if let Some(gc) = self
            .topology
            .coordinator
            .and_then(|b| self.brokers.get(b as usize))
            .filter(|b| b.alive)
            .and_then(|b| b.group_coordinator.as_ref())
        {
            let unsettled = gc.groups.groups.values().any(|g| {
                !matches!(
                    g.state,
                    super::vocabulary::GroupState::Stable | super::vocabulary::GroupState::Empty
                ) || g.members.values().any(|m| {
                    // A member no live consumer answers to (it crashed, or restarted as a new
                    // member) will expire: the group is not settled until then.
                    let NodeId::Consumer(c) = m.client else {
                        return true;
                    };
                    !self
                        .consumers
                        .get(c as usize)
                        .is_some_and(|x| x.alive && x.member.member_id == m.member_id)
                })
            });
            let member_gone = |client: NodeId, member_id: &str| {
                let NodeId::Consumer(c) = client else {
                    return true;
                };
                !self
                    .consumers
                    .get(c as usize)
                    .is_some_and(|x| x.alive && x.member.member_id == member_id)
            };
            let consumer_unsettled = gc.groups.consumer_groups.values().any(|g| {
                !g.is_stable()
                    || g.members
                        .values()
                        .any(|m| member_gone(m.client, &m.member_id))
            });
            if unsettled || consumer_unsettled {
                return false;
            }
        }
        // An open transaction is not settled: it will be committed, aborted or timed out.
        if self.brokers.iter().any(|b| {
            b.alive
                && b.txn_coordinator
                    .as_ref()
                    .is_some_and(|t| t.has_pending_markers() || t.has_open_transactions())
        }) {
            return false;
        }
        self.net.in_flight.values().all(|e| {
            matches!(
                e.msg.kind(),
                MessageKind::FetchRequest
                    | MessageKind::FetchResponse
                    | MessageKind::ReplicaFetchRequest
                    | MessageKind::ReplicaFetchResponse
            )
        })
    }

    /// Every live follower has everything its leader has, and no `acks=all` answer is pending.
    fn replicas_caught_up(&self) -> bool {
        if self.topology.replication_factor <= 1 {
            return true;
        }
        if self
            .brokers
            .iter()
            .any(|b| b.alive && (!b.delayed_produce.is_empty() || !b.delayed_markers.is_empty()))
        {
            return false;
        }
        self.topology.all_partitions().all(|tp| {
            let Some(leader) = self.topology.leader_of(tp) else {
                return true;
            };
            let Some(end) = self
                .brokers
                .get(leader as usize)
                .and_then(|b| b.partitions.get(&tp))
                .map(|l| (l.log_end_offset(), l.high_watermark()))
            else {
                return true;
            };
            // Followers out of the ISR may never catch up (a held link); only the ISR must.
            let isr = self.topology.isr.get(&tp).cloned().unwrap_or_default();
            end.1 == end.0
                && isr.iter().all(|r| {
                    self.brokers.get(*r as usize).is_none_or(|b| {
                        !b.alive
                            || b.partitions
                                .get(&tp)
                                .is_none_or(|l| l.log_end_offset() == end.0)
                    })
                })
        })
    }

    /// The coordinator's state for the transaction a producer id belongs to.
    pub fn txn_state_of(&self, pid: ProducerId) -> Option<TransactionState> {
        self.brokers
            .iter()
            .filter_map(|b| b.txn_coordinator.as_ref())
            .flat_map(|t| t.txns.values())
            .find(|m| m.producer_id == pid)
            .map(|m| m.state)
    }
}

impl Logs for World {
    fn log(&self, tp: TopicPartition) -> Option<&PartitionLog> {
        World::log(self, tp)
    }
    fn coordinator_state(&self, producer_id: ProducerId) -> Option<TransactionState> {
        self.txn_state_of(producer_id)
    }
}

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
