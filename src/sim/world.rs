//! The world: nodes, the network between them, the clock, the seeded PRNG, the schedule of
//! faults, the checker and the trace. `Sim::step` takes the next event in (tick, sequence)
//! order, hands it to one node, and turns what the node returned into messages, timers and facts.
//!
//! The world's other parts add methods to `Sim` in their own files: `network.rs` (the network's
//! state), `trace.rs` (the trace), `controller.rs` (elections, ISR, internal-log sync) and
//! `faults.rs` (fault injection). Their types are re-exported here, where they always were.

use super::broker::{Broker, BrokerCtx};
use super::checker::{Checker, CheckerSetup, ConsumerFacts, Logs, ProducerFacts};
use super::config::{self, RawConfig};
use super::consumer::{ConsumerCtx, ConsumerNode};
use super::effects::{Note, Out, Timer};
use super::log::PartitionLog;
use super::message::{Message, MessageKind};
use super::producer::{ClientCtx, ProducerClient, CLIENT_CORR_BIT};
use super::producer_app::ProducerNode;
use super::rng::Rng;
use super::scenario::{Scenario, Trigger};
use super::topology::Topology;
use super::types::{NodeId, ProducerId, Tick, TopicId, TopicPartition};
use super::vecmap::VecSet;
use super::vocabulary::TransactionState;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

pub use super::network::{Connection, Envelope, LinkState, MsgId, Network};
pub use super::trace::{DropReason, Trace, TraceEvent, TraceKind, TRACE_LIMIT};

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
    /// The `Disconnected` events in `events`, so a notice is not queued twice without a scan.
    #[serde(skip)]
    disconnects_queued: QueuedDisconnects,
    next_seq: u64,
    /// Time-triggered schedule entries not yet reached (counted, so `is_settled` need not scan `events`).
    scheduled_ahead: usize,
    pub schedule: Vec<ScheduleState>,
    pub checker: Checker,
    pub finished: bool,
}

/// An index of the queued `Disconnected` events (node, incarnation, peer). It follows from
/// `events`, so it takes no part in the world's equality or hash.
#[derive(Clone, Debug, Default)]
struct QueuedDisconnects(VecSet<(NodeId, u32, NodeId)>);

impl PartialEq for QueuedDisconnects {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for QueuedDisconnects {}
impl std::hash::Hash for QueuedDisconnects {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// A run: the world and its trace.
#[derive(Clone, Debug)]
pub struct Sim {
    pub world: World,
    pub trace: Trace,
    spare: Spare,
}

/// Buffers a step reuses, so a step in steady state allocates nothing for its handler's output.
/// Scratch, not state: a clone starts with empty ones.
#[derive(Debug, Default)]
struct Spare {
    out: Out,
    notes: Vec<Note>,
    sends: Vec<(NodeId, Message)>,
}

impl Clone for Spare {
    fn clone(&self) -> Self {
        Spare::default()
    }
}

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
            disconnects_queued: QueuedDisconnects::default(),
            next_seq: 0,
            scheduled_ahead: 0,
            schedule,
            checker,
            finished: false,
            scenario: Arc::new(scenario),
        };
        let mut sim = Sim {
            world,
            trace,
            spare: Spare::default(),
        };
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
        if let Event::Disconnected {
            node,
            incarnation,
            peer,
        } = event
        {
            let queued = &mut self.world.disconnects_queued.0;
            queued.remove(&(node, incarnation, peer));
        }
        let s = &self.world.scenario;
        if tick.0 > s.max_ticks || self.world.step >= s.max_steps {
            self.finish();
            return false;
        }
        self.world.now = tick;
        self.world.step += 1;
        let mut out = std::mem::take(&mut self.spare.out);
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
        out.clear();
        self.spare.out = out;
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
    pub(super) fn notify_disconnect(&mut self, node: NodeId, peer: NodeId) {
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
        if !self
            .world
            .disconnects_queued
            .0
            .contains(&(node, incarnation, peer))
        {
            self.world.push_event(at, event);
        }
    }

    /// Turns a handler's output into messages, timers and facts.
    pub(super) fn apply(&mut self, from: NodeId, out: &mut Out) {
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
        let mut notes = std::mem::replace(&mut out.notes, std::mem::take(&mut self.spare.notes));
        if !notes.is_empty() {
            let w = &mut self.world;
            let logs = WorldLogs {
                brokers: &w.brokers,
                topology: &w.topology,
            };
            w.checker.observe(&notes, &logs, w.step, w.now);
            if self.trace.enabled {
                for n in notes.drain(..) {
                    self.trace_push(TraceKind::Fact(n));
                }
            }
        }
        notes.clear();
        self.spare.notes = notes;
        let mut sends = std::mem::replace(&mut out.sends, std::mem::take(&mut self.spare.sends));
        let mut sent = sends.drain(..);
        for (to, msg) in sent.by_ref() {
            if !self.world.is_alive(from) {
                break; // the sender crashed while sending
            }
            self.send(from, to, msg, out);
        }
        drop(sent);
        self.spare.sends = sends;
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
        let id = self.world.net.next_msg_id();
        let faults = self.send_faults(kind, from, to);
        let (mut drop, duplicate, delay, crash) =
            (faults.drop, faults.duplicate, faults.delay, faults.crash);
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
            let copy = w.net.next_msg_id();
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

    pub(super) fn trace_push(&mut self, what: TraceKind) {
        if self.trace.enabled {
            self.trace.push(self.world.step, self.world.now, what, None);
        }
    }
}

/// Runs `f` on producer `p`'s client, then lets its application learn what was acknowledged
/// and go on with its script.
pub(super) fn producer_event(
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
pub(super) fn broker_ctx<'a>(
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
pub(super) fn consumer_ctx<'a>(
    now: Tick,
    topology: &'a Topology,
    scenario: &Scenario,
) -> ConsumerCtx<'a> {
    ConsumerCtx {
        now,
        topology,
        version: scenario.version,
    }
}

/// The consumer's `fetch.max.wait.ms` (brokers park fetches for that long).
pub(super) fn fetch_wait(w: &World, from: NodeId) -> u64 {
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
        if let Event::Disconnected {
            node,
            incarnation,
            peer,
        } = e
        {
            self.disconnects_queued.0.insert((node, incarnation, peer));
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.events.insert((at, seq), e);
    }

    /// Takes message `id`'s delivery out of the queue. A message's `Deliver` event is queued
    /// at its envelope's `deliver` tick (held ones have none), so only that tick is searched.
    pub(super) fn cancel_delivery(&mut self, id: MsgId, at: Tick) {
        let key = self
            .events
            .range((at, 0)..=(at, u64::MAX))
            .find(|(_, e)| **e == Event::Deliver(id))
            .map(|(k, _)| *k);
        if let Some(k) = key {
            self.events.remove(&k);
        }
    }

    /// One-way latency plus jitter from the seeded PRNG; a link never overtakes itself (FIFO).
    /// A delay holds back what follows on the link too (a TCP stream delivers in order).
    pub(super) fn delivery_time(&mut self, from: NodeId, to: NodeId, delay: u64) -> Tick {
        let jitter = if self.scenario.jitter_ms > 0 {
            self.rng.below(self.scenario.jitter_ms + 1)
        } else {
            0
        };
        let at = self.now.plus(self.scenario.latency_ms + jitter);
        self.net.fifo_delivery(from, to, at, delay)
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

    /// Every replica's log, on every broker.
    pub fn partition_logs(&self) -> impl Iterator<Item = &PartitionLog> + '_ {
        self.brokers.iter().flat_map(|b| b.partitions.values())
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

/// The world's logs beside its checker: the checker observes a step without being moved out
/// of the world and back.
struct WorldLogs<'a> {
    brokers: &'a [Broker],
    topology: &'a Topology,
}

impl Logs for WorldLogs<'_> {
    fn log(&self, tp: TopicPartition) -> Option<&PartitionLog> {
        self.brokers
            .get(self.topology.leader(tp) as usize)
            .and_then(|b| b.partitions.get(&tp))
    }
    fn coordinator_state(&self, producer_id: ProducerId) -> Option<TransactionState> {
        self.brokers
            .iter()
            .filter_map(|b| b.txn_coordinator.as_ref())
            .flat_map(|t| t.txns.values())
            .find(|m| m.producer_id == producer_id)
            .map(|m| m.state)
    }
}
