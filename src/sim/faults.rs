//! Fault injection: the scenario's schedule and the reader's clicks. `Sim::apply_action` applies
//! a `FaultAction` (crash, restart, partition, hold, drop rate, settings, pause); message faults
//! (drop, delay, duplicate) are matched as a message is sent (`send_faults`) and injected errors
//! as a request is delivered (`injected_error`); clicks on a message in flight duplicate, delay
//! or drop it.

use super::config::{self, RawConfig};
use super::effects::{Note, Out};
use super::message::MessageKind;
use super::network::{Envelope, LinkState, MsgId};
use super::producer::ClientCtx;
use super::scenario::{FaultAction, MessageMatch, Trigger};
use super::trace::{DropReason, TraceKind};
use super::types::{NodeId, Tick};
use super::world::{broker_ctx, consumer_ctx, Event, Sim};

/// What the schedule does to a message as it is sent.
pub(super) struct SendFaults {
    pub(super) drop: Option<DropReason>,
    pub(super) duplicate: bool,
    pub(super) delay: u64,
    /// A node the schedule crashes as the message is sent.
    pub(super) crash: Option<NodeId>,
}

impl Sim {
    /// The error a scenario's `inject` entry answers this delivered request with, if its turn
    /// has come (the nth matching request delivered at or after `at`).
    pub(super) fn injected_error(&mut self, env: &Envelope) -> Option<super::errors::Errors> {
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

    /// The scheduled message faults a message matches as it is sent (the nth matching message at
    /// or after `after`); their notes go to the trace.
    pub(super) fn send_faults(
        &mut self,
        kind: MessageKind,
        from: NodeId,
        to: NodeId,
    ) -> SendFaults {
        let w = &mut self.world;
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
        SendFaults {
            drop,
            duplicate,
            delay,
            crash,
        }
    }

    pub(super) fn on_schedule(&mut self, i: usize, out: &mut Out) {
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

    pub(super) fn restart(
        &mut self,
        n: NodeId,
        new_config: Option<config::ProducerConfig>,
        out: &mut Out,
    ) {
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

    /// A client's settings after `change`: its current ones with the change's keys set, and a
    /// key set to `null` removed (back to Kafka's default). `None` for a broker or no such node.
    pub fn config_after(&self, node: NodeId, change: &RawConfig) -> Option<RawConfig> {
        let now = match node {
            NodeId::Producer(p) => self.world.producer_configs.get(p as usize)?,
            NodeId::Consumer(c) => self.world.consumer_configs.get(c as usize)?,
            NodeId::Broker(_) => return None,
        };
        let mut raw = now.clone();
        for (k, v) in change {
            if v.is_null() {
                raw.remove(k);
            } else {
                raw.insert(k.clone(), v.clone());
            }
        }
        Some(raw)
    }

    /// Kafka's own validation of a client's settings after `change` (`ProducerConfig`,
    /// `ConsumerConfig`): `Err` is the message a rejected config is recorded with.
    pub fn check_config_change(&self, node: NodeId, change: &RawConfig) -> Result<(), String> {
        let version = self.world.scenario.version;
        let Some(raw) = self.config_after(node, change) else {
            return Err(format!("`{}` has no client settings", node));
        };
        match node {
            NodeId::Producer(_) => config::producer_config(&raw, version).map(|_| ()),
            _ => config::consumer_config_for(&raw, version).map(|_| ()),
        }
    }

    /// An intervention: restart a client with changed settings ("apply now"). Kafka's own
    /// validation decides; a rejected config is recorded and changes nothing.
    fn set_config(&mut self, node: NodeId, change: &RawConfig, out: &mut Out) {
        let version = self.world.scenario.version;
        let Some(raw) = self.config_after(node, change) else {
            return;
        };
        match node {
            NodeId::Producer(p) => match config::producer_config(&raw, version) {
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
            },
            NodeId::Consumer(c) => match config::consumer_config_for(&raw, version) {
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
            },
            NodeId::Broker(_) => {}
        }
    }

    /// Whether a person's fault would change anything now: crashing a node already down,
    /// restarting one that is up, cutting a link already cut or setting the drop rate it has do
    /// not (the UI then neither records nor marks them). Message faults (`drop`, `duplicate`,
    /// `delay`, `inject`) match messages as they are sent, so only a schedule can hold them.
    pub fn fault_changes_anything(&self, action: &FaultAction) -> bool {
        let w = &self.world;
        let link = |a: NodeId, b: NodeId| {
            w.net
                .links
                .get(&(a, b))
                .copied()
                .unwrap_or(LinkState::Healthy)
        };
        match action {
            FaultAction::Crash(n) => w.is_alive(*n),
            FaultAction::Restart(n) => !w.is_alive(*n),
            FaultAction::Partition(a, b) => link(*a, *b) != LinkState::Partitioned,
            FaultAction::Hold(a, b) => link(*a, *b) != LinkState::Held,
            FaultAction::Heal(a, b) | FaultAction::Release(a, b) => {
                link(*a, *b) != LinkState::Healthy
            }
            FaultAction::DropRate {
                from,
                to,
                per_mille,
            } => {
                let now = w
                    .net
                    .drop_rates
                    .iter()
                    .find(|(f, t, _)| f == from && t == to)
                    .map_or(0, |r| r.2);
                now != *per_mille
            }
            FaultAction::SetConfig { .. } => true,
            FaultAction::Pause(n, _) => {
                matches!(n, NodeId::Consumer(c) if (*c as usize) < w.consumers.len())
            }
            FaultAction::Drop(_)
            | FaultAction::Duplicate(_)
            | FaultAction::Delay(..)
            | FaultAction::Inject(..) => false,
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
        let copy = self.world.net.next_msg_id();
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
        let moved: Vec<(MsgId, Tick)> = self
            .world
            .net
            .in_flight
            .values()
            .filter(|x| {
                x.from == e.from && x.to == e.to && x.id >= id && !x.held && x.deliver < new
            })
            .map(|x| (x.id, x.deliver))
            .collect();
        for (m, at) in moved {
            self.world.cancel_delivery(m, at);
            if let Some(x) = self.world.net.in_flight.get_mut(&m) {
                x.deliver = new;
            }
            self.world.push_event(new, Event::Deliver(m));
        }
        self.world.net.hold_back(e.from, e.to, new);
        self.trace_push(TraceKind::Delayed { id, ms });
        true
    }

    /// Drops a message in flight now (a click on it).
    pub fn drop_message(&mut self, id: MsgId) -> bool {
        let Some(e) = self.world.net.in_flight.remove(&id) else {
            return false;
        };
        self.world.cancel_delivery(id, e.deliver);
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

fn matches(m: &MessageMatch, kind: MessageKind, from: NodeId, to: NodeId) -> bool {
    m.matches(kind, from, to)
}
