//! The controller (instant, a simplification): leader elections when a broker crashes or comes
//! back, the ISR the leaders report (AlterPartition), the transaction coordinator's failover, the
//! internal topics' synchronous replication, and with `eligible.leader.replicas.version=1` the
//! partition change of KIP-966 (`elr.rs`).

use super::effects::{Note, Out};
use super::elr;
use super::types::{NodeId, Offset, TopicPartition};
use super::world::{broker_ctx, Sim};

impl Sim {
    /// The controller (instant, a simplification): after a broker crashes, every partition it
    /// led gets a new leader from the ISR — or, with `unclean.leader.election.enable`, from any
    /// live replica — and stays offline otherwise; the crashed broker leaves every ISR
    /// (KRaft fences it). After a restart, its replicas follow their leaders, or lead a
    /// partition that was offline waiting for them. With `eligible.leader.replicas.version=1`
    /// the partition change follows KIP-966 (`elr::change`): a restart is an unclean shutdown.
    pub(super) fn elect_leaders(&mut self, changed: u8, out: &mut Out) {
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
    pub(super) fn elect_coordinator(&mut self, changed: u8, out: &mut Out) {
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
    pub(super) fn sync_internal_logs(&mut self) {
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
    pub(super) fn sync_isr(&mut self, out: &mut Out) {
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
                    super::vecmap::sort_small(&mut sorted);
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
}
