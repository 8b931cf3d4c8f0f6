//! A broker: the partitions it leads, parked fetches, and — on the broker that leads the internal
//! topics — the group coordinator and the transaction coordinator.

use super::config::IsolationLevel;
use super::effects::{Note, Out, Timer};
use super::errors::Errors;
use super::log::{ControlType, LogRules, PartitionLog};
use super::message::{CorrelationId, FetchedData, GroupIdx, Message};
use super::topology::Topology;
use super::txn_coordinator::{CoordCtx, TxnCoordinator};
use super::types::{map_of, NodeId, Offset, ProducerId, Tick, TopicPartition};
use super::vecmap::VecMap;
use serde::Serialize;

/// A fetch waiting at the broker for data, up to `fetch.max.wait.ms` (Kafka's delayed fetch).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ParkedFetch {
    pub consumer: NodeId,
    pub corr: CorrelationId,
    pub tp: TopicPartition,
    pub offset: Offset,
    pub isolation: IsolationLevel,
    pub max_records: u32,
}

/// One record of `__consumer_offsets`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum OffsetsRecord {
    /// A plain OffsetCommit.
    Commit {
        group: GroupIdx,
        tp: TopicPartition,
        offset: Offset,
    },
    /// A TxnOffsetCommit, pending until its transaction's marker.
    TxnCommit {
        group: GroupIdx,
        producer_id: ProducerId,
        tp: TopicPartition,
        offset: Offset,
    },
    /// A transaction marker on the offsets partition.
    Marker {
        group: GroupIdx,
        producer_id: ProducerId,
        commit: bool,
    },
    /// A group's generation, leader and members (`GroupMetadataValue`).
    GroupMetadata(super::group_coordinator::GroupMetadataRecord),
    /// A KIP-848 group's epochs, members and target assignment (simplification: one snapshot
    /// record instead of Kafka's ConsumerGroupMetadata/TargetAssignment/CurrentMemberAssignment records).
    ConsumerGroup(GroupIdx, super::group_coordinator::ConsumerGroup),
}

/// The group coordinator's offsets (`GroupMetadataManager`/`OffsetMetadataManager`); the groups'
/// membership (classic protocol) is in `group_coordinator.rs`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct GroupCoordinator {
    /// `__consumer_offsets`: survives a crash.
    pub log: Vec<OffsetsRecord>,
    pub committed: VecMap<(GroupIdx, TopicPartition), Offset>,
    pub pending_txn: VecMap<(GroupIdx, ProducerId), Vec<(TopicPartition, Offset)>>,
    /// Group membership, in memory; rebuilt from the log's group metadata on load.
    pub groups: super::group_coordinator::Groups,
}

impl GroupCoordinator {
    fn apply(&mut self, r: &OffsetsRecord) -> Option<Vec<(TopicPartition, Offset)>> {
        match r {
            OffsetsRecord::Commit { group, tp, offset } => {
                self.committed.insert((*group, *tp), *offset);
                Some(vec![(*tp, *offset)])
            }
            OffsetsRecord::GroupMetadata(_) | OffsetsRecord::ConsumerGroup(..) => None,
            OffsetsRecord::TxnCommit {
                group,
                producer_id,
                tp,
                offset,
            } => {
                let pending = self.pending_txn.entry((*group, *producer_id)).or_default();
                pending.retain(|(p, _)| p != tp);
                pending.push((*tp, *offset));
                None
            }
            // GroupMetadata.completePendingTxnOffsetCommit: commit applies, abort discards.
            OffsetsRecord::Marker {
                group,
                producer_id,
                commit,
            } => {
                let pending = self
                    .pending_txn
                    .remove(&(*group, *producer_id))
                    .unwrap_or_default();
                if *commit {
                    for (tp, o) in &pending {
                        self.committed.insert((*group, *tp), *o);
                    }
                    Some(pending)
                } else {
                    None
                }
            }
        }
    }

    fn append(&mut self, r: OffsetsRecord, out: &mut Out) {
        let group = match &r {
            OffsetsRecord::Commit { group, .. }
            | OffsetsRecord::TxnCommit { group, .. }
            | OffsetsRecord::Marker { group, .. } => *group,
            OffsetsRecord::GroupMetadata(r) => r.group,
            OffsetsRecord::ConsumerGroup(g, _) => *g,
        };
        if let Some(offsets) = self.apply(&r) {
            if !offsets.is_empty() {
                out.note(Note::OffsetsCommitted { group, offsets });
            }
        }
        self.log.push(r);
    }

    fn reload(&mut self) {
        self.committed.clear();
        self.pending_txn.clear();
        self.groups = Default::default();
        let log = std::mem::take(&mut self.log);
        for r in &log {
            self.apply(r);
        }
        self.log = log;
    }

    /// The groups as the log's last group metadata records left them, sessions restarting now.
    fn load_groups(&mut self, now: Tick, out: &mut Out) {
        let mut last: VecMap<GroupIdx, super::group_coordinator::GroupMetadataRecord> =
            VecMap::new();
        for r in &self.log {
            if let OffsetsRecord::GroupMetadata(g) = r {
                last.insert(g.group, g.clone());
            }
        }
        let records: Vec<_> = last.into_values().collect();
        self.groups.load(&records, now, out);
        let mut snapshots = VecMap::new();
        for r in &self.log {
            if let OffsetsRecord::ConsumerGroup(g, cg) = r {
                snapshots.insert(*g, cg.clone());
            }
        }
        self.groups.load_consumer_groups(snapshots, now, out);
    }

    /// Writes a KIP-848 group's state to `__consumer_offsets`.
    fn persist_consumer_group(&mut self, group: GroupIdx, out: &mut Out) {
        if let Some(cg) = self.groups.consumer_groups.get(&group).cloned() {
            self.append(OffsetsRecord::ConsumerGroup(group, cg), out);
        }
    }

    /// Membership requests and group deadlines; the group metadata they produce is appended.
    fn on_group_event(
        &mut self,
        f: impl FnOnce(
            &mut super::group_coordinator::Groups,
            &mut Out,
            &mut Vec<super::group_coordinator::GroupMetadataRecord>,
        ) -> bool,
        out: &mut Out,
    ) -> bool {
        let mut persist = Vec::new();
        let handled = f(&mut self.groups, out, &mut persist);
        for r in persist {
            self.append(OffsetsRecord::GroupMetadata(r), out);
        }
        handled
    }

    /// Does the group have offsets pending in an open transaction for `tp`?
    pub fn has_pending(&self, group: GroupIdx, tp: TopicPartition) -> bool {
        self.pending_txn
            .iter()
            .any(|((g, _), offs)| *g == group && offs.iter().any(|(p, _)| *p == tp))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Broker {
    pub id: u8,
    pub alive: bool,
    /// Bumped at each crash, so timers of an earlier life are ignored.
    pub incarnation: u32,
    /// The logs of the partitions this broker holds a replica of. Logs survive a crash.
    pub partitions: VecMap<TopicPartition, PartitionLog>,
    /// Each replica's role and, for a leader, its followers (`replication.rs`).
    pub replicas: VecMap<TopicPartition, super::broker_state::ReplicaState>,
    /// `acks=all` produce requests waiting for the HW to pass their batch (Kafka's delayed produce).
    pub delayed_produce: Vec<super::broker_state::DelayedProduce>,
    /// WriteTxnMarkers answers waiting for the HW to pass their markers.
    pub delayed_markers: Vec<super::broker_state::DelayedMarkers>,
    /// Followers' fetches waiting for data (`replica.fetch.wait.max.ms`).
    pub parked_replica_fetches: Vec<super::broker_state::ParkedReplicaFetch>,
    pub parked_fetches: Vec<ParkedFetch>,
    pub group_coordinator: Option<GroupCoordinator>,
    pub txn_coordinator: Option<TxnCoordinator>,
    /// Next id of this broker's producer id block.
    pub next_producer_id: i64,
    /// Correlation ids of this broker's replica fetches.
    pub next_replica_corr: u32,
    /// Produce requests waiting for the coordinator's answer about their partition (`verification.rs`).
    pub pending_adds: Vec<super::broker_state::PendingAdd>,
    pub next_add_corr: u32,
    /// The parked produce request being appended now that the coordinator agreed.
    pub resuming: Option<(NodeId, CorrelationId)>,
}

/// What a broker needs to know about the world to handle a message.
pub struct BrokerCtx<'a> {
    pub now: Tick,
    pub topology: &'a Topology,
    pub rules: LogRules,
    pub fetch_max_wait_ms: u64,
    pub replication: super::vocabulary::ReplicationConfig,
}

impl Broker {
    pub fn new(id: u8, topology: &Topology) -> Broker {
        let held: Vec<TopicPartition> = topology
            .all_partitions()
            .filter(|tp| topology.replicas(*tp).contains(&id))
            .collect();
        let replicated = topology.replication_factor > 1;
        // `map_of`, not `collect()`: see its comment (bundle size).
        let partitions = map_of(held.iter().map(|tp| {
            (
                *tp,
                if replicated {
                    PartitionLog::replicated()
                } else {
                    PartitionLog::new()
                },
            )
        }));
        let replicas = map_of(held.iter().map(|tp| {
            (
                *tp,
                super::broker_state::ReplicaState::new(
                    topology.leader_of(*tp) == Some(id),
                    &topology.replicas(*tp),
                    id,
                ),
            )
        }));
        Broker {
            id,
            alive: true,
            incarnation: 0,
            partitions,
            replicas,
            delayed_produce: Vec::new(),
            delayed_markers: Vec::new(),
            parked_replica_fetches: Vec::new(),
            parked_fetches: Vec::new(),
            // Every replica of the internal topics holds their logs; only the leader acts on them.
            group_coordinator: topology
                .internal_replicas()
                .contains(&id)
                .then(GroupCoordinator::default),
            txn_coordinator: topology
                .internal_replicas()
                .contains(&id)
                .then(TxnCoordinator::new),
            // ProducerIdManager: each broker gets its own block of 1000 ids.
            next_producer_id: 1000 * id as i64,
            next_replica_corr: 0,
            pending_adds: Vec::new(),
            next_add_corr: 0,
            resuming: None,
        }
    }

    pub fn node(&self) -> NodeId {
        NodeId::Broker(self.id)
    }

    /// A crash loses everything in memory; the logs stay on disk.
    pub fn crash(&mut self) {
        self.alive = false;
        self.delayed_produce.clear();
        self.delayed_markers.clear();
        self.parked_replica_fetches.clear();
        for r in self.replicas.values_mut() {
            r.fetch_in_flight = None;
        }
        self.incarnation += 1;
        self.parked_fetches.clear();
        self.pending_adds.clear();
        self.resuming = None;
    }

    /// A restart reloads every log, the offsets and the transaction state.
    pub fn restart(&mut self, ctx: &BrokerCtx, out: &mut Out) {
        self.alive = true;
        // In-memory roles are gone; with one replica the broker leads again at once, with more
        // the controller decides (`World::elect_leaders`).
        let single = ctx.topology.replication_factor <= 1;
        for r in self.replicas.values_mut() {
            r.is_leader = single;
            r.fetch_in_flight = None;
        }
        for log in self.partitions.values_mut() {
            log.reload();
        }
        // Loading a snapshot skips producers already expired (`ProducerStateManager.loadFromSnapshot`).
        self.expire_producer_ids(ctx, out);
        self.arm_expiration_checks(ctx, out, true, true);
        let leads_offsets =
            ctx.topology.coordinator == Some(self.id) && ctx.topology.replication_factor <= 1;
        if let Some(gc) = self.group_coordinator.as_mut() {
            gc.reload();
            if leads_offsets {
                gc.load_groups(ctx.now, out);
            }
        }
        // Only the leader of __transaction_state loads it as coordinator; with replication the
        // controller decides who that is (`World::elect_coordinator`).
        if ctx.topology.coordinator == Some(self.id) && ctx.topology.replication_factor <= 1 {
            self.with_txn_coordinator(ctx, |tc, cctx| tc.load(cctx, out));
        } else if let Some(tc) = self.txn_coordinator.as_mut() {
            tc.standby();
        }
    }

    /// The controller made this broker the leader of the internal topics: it loads
    /// `__transaction_state` and `__consumer_offsets` and acts as both coordinators.
    pub fn become_coordinator(&mut self, ctx: &BrokerCtx, out: &mut Out) {
        if let Some(gc) = self.group_coordinator.as_mut() {
            gc.reload();
            gc.load_groups(ctx.now, out);
        }
        self.with_txn_coordinator(ctx, |tc, cctx| {
            tc.coordinator_epoch = cctx.topology.coordinator_epoch - 1;
            tc.load(cctx, out)
        });
    }

    /// Runs `f` on this broker's transaction coordinator, if it holds one, with its context.
    fn with_txn_coordinator<R>(
        &mut self,
        ctx: &BrokerCtx,
        f: impl FnOnce(&mut TxnCoordinator, &mut CoordCtx) -> R,
    ) -> Option<R> {
        let me = self.node();
        let tc = self.txn_coordinator.as_mut()?;
        let mut cctx = CoordCtx {
            now: ctx.now,
            me,
            topology: ctx.topology,
            next_producer_id: &mut self.next_producer_id,
        };
        Some(f(tc, &mut cctx))
    }

    fn is_coordinator(&self, ctx: &BrokerCtx) -> bool {
        ctx.topology.coordinator == Some(self.id)
    }

    pub fn on_message(&mut self, from: NodeId, msg: Message, ctx: &BrokerCtx, out: &mut Out) {
        let coordinator = self.is_coordinator(ctx);
        if coordinator
            && self.with_txn_coordinator(ctx, |tc, cctx| tc.handle(from, &msg, cctx, out))
                == Some(true)
        {
            return;
        }
        if let Message::ReplicaFetchRequest { .. } | Message::ReplicaFetchResponse { .. } = msg {
            self.on_replication_message(from, msg, ctx, out);
            return;
        }
        if self.on_txn_verification(from, &msg, ctx, out) {
            return;
        }
        if let Message::JoinGroupRequest { .. }
        | Message::SyncGroupRequest { .. }
        | Message::HeartbeatRequest { .. }
        | Message::LeaveGroupRequest { .. } = msg
        {
            match self.group_coordinator.as_mut().filter(|_| coordinator) {
                Some(gc) => {
                    gc.on_group_event(|g, out, p| g.handle(from, &msg, ctx.now, out, p), out);
                }
                None => self.refuse_group_request(from, &msg, out),
            }
            return;
        }
        if let Message::ConsumerGroupHeartbeatRequest { .. } = msg {
            match self.group_coordinator.as_mut().filter(|_| coordinator) {
                Some(gc) => {
                    let partitions: Vec<TopicPartition> = ctx
                        .topology
                        .topic_partitions(super::types::TopicId::Input)
                        .collect();
                    if let Some(g) =
                        gc.groups
                            .consumer_heartbeat(from, &msg, &partitions, ctx.now, out)
                    {
                        gc.persist_consumer_group(g, out);
                    }
                }
                None => self.refuse_group_request(from, &msg, out),
            }
            return;
        }
        match msg {
            Message::InitProducerIdRequest {
                corr, txn: None, ..
            } => {
                // Any broker hands an idempotent producer a fresh id (epoch 0) from its block.
                let pid = ProducerId(self.next_producer_id);
                self.next_producer_id += 1;
                out.send(
                    from,
                    Message::InitProducerIdResponse {
                        corr,
                        result: Ok((pid, super::types::ProducerEpoch(0))),
                    },
                );
            }
            // Transactional requests sent to a broker that is not the coordinator (Kafka: NOT_COORDINATOR).
            Message::InitProducerIdRequest { corr, .. } => {
                out.send(
                    from,
                    Message::InitProducerIdResponse {
                        corr,
                        result: Err(Errors::CoordinatorNotAvailable),
                    },
                );
            }
            Message::AddPartitionsToTxnRequest { corr, .. } => {
                out.send(
                    from,
                    Message::AddPartitionsToTxnResponse {
                        corr,
                        error: Some(Errors::CoordinatorNotAvailable),
                    },
                );
            }
            Message::AddOffsetsToTxnRequest { corr, .. } => {
                out.send(
                    from,
                    Message::AddOffsetsToTxnResponse {
                        corr,
                        error: Some(Errors::CoordinatorNotAvailable),
                    },
                );
            }
            Message::EndTxnRequest { corr, .. } => {
                out.send(
                    from,
                    Message::EndTxnResponse {
                        corr,
                        error: Some(Errors::CoordinatorNotAvailable),
                        producer_id_and_epoch: None,
                    },
                );
            }
            Message::ProduceRequest {
                corr,
                tp,
                batch,
                acks,
            } => {
                let result = match (self.partitions.get_mut(&tp), self.replicas.get(&tp)) {
                    (Some(log), Some(r)) if r.is_leader => {
                        // acks=all with too few in-sync replicas is refused before the append (Partition.appendRecordsToLeader).
                        if acks == super::config::Acks::All
                            && r.isr.len() < ctx.replication.min_insync_replicas as usize
                        {
                            Err(Errors::NotEnoughReplicas)
                        } else {
                            let txn_rules = ctx.topology.features.release.txn_rules();
                            log.append_as_leader_with(&batch, ctx.now, ctx.rules, txn_rules)
                        }
                    }
                    _ => Err(Errors::NotLeaderOrFollower),
                };
                match &result {
                    Ok(info) if info.duplicate => out.note(Note::Deduplicated {
                        tp,
                        base_offset: info.base_offset,
                    }),
                    Ok(_) => {
                        let batch_index = self
                            .partitions
                            .get(&tp)
                            .map_or(0, |l| l.batches().len().saturating_sub(1));
                        out.note(Note::Appended { tp, batch_index });
                        self.wake_fetches(tp, ctx, out);
                    }
                    Err(e) => out.note(Note::Rejected { tp, error: *e }),
                }
                // acks=0: the producer does not wait for an answer, and none is sent.
                // acks=all waits until the HW passes the batch; acks=1 answers now.
                match (acks, result) {
                    (super::config::Acks::None, _) => {}
                    (super::config::Acks::All, Ok(info))
                        if !self.replicated_enough(tp, info.last_offset) =>
                    {
                        self.delayed_produce
                            .push(super::broker_state::DelayedProduce {
                                to: from,
                                corr,
                                tp,
                                info,
                            });
                    }
                    (_, result) => out.send(from, Message::ProduceResponse { corr, tp, result }),
                }
                if self.replicas.get(&tp).is_some_and(|r| r.is_leader) {
                    self.maybe_advance_hw(tp, ctx, out);
                }
            }
            Message::WriteTxnMarkersRequest {
                corr,
                txn,
                producer_id,
                producer_epoch,
                coordinator_epoch,
                result,
                transaction_version,
                partitions,
                group,
            } => {
                let mut results = Vec::with_capacity(partitions.len());
                // Markers are appended with acks=-1 (KafkaApis.handleWriteTxnMarkersRequest): the
                // answer waits until the HW has passed each of them.
                let mut waiting_for: Vec<(TopicPartition, Offset)> = Vec::new();
                for tp in partitions {
                    let leads = self.replicas.get(&tp).is_some_and(|r| r.is_leader);
                    // acks=-1: too few in-sync replicas refuses the marker before the append
                    // (ReplicaManager.appendRecords → Partition.appendRecordsToLeader).
                    let below_min_isr = self.replicas.get(&tp).is_some_and(|r| {
                        r.isr.len() < ctx.replication.min_insync_replicas as usize
                    });
                    let r = match self.partitions.get_mut(&tp).filter(|_| leads) {
                        None => Err(Errors::NotLeaderOrFollower),
                        Some(_) if below_min_isr => Err(Errors::NotEnoughReplicas),
                        Some(log) => {
                            let first_offset = log
                                .producer_state()
                                .get(&producer_id)
                                .and_then(|e| e.current_txn_first_offset);
                            log.append_marker_with(
                                producer_id,
                                producer_epoch,
                                result,
                                coordinator_epoch,
                                ctx.now,
                                transaction_version,
                                ctx.topology.features.release.txn_rules(),
                            )
                            .map(|offset| (offset, first_offset))
                        }
                    };
                    match r {
                        Ok((offset, first_offset)) => {
                            out.note(Note::MarkerWritten {
                                tp,
                                producer_id,
                                offset,
                                commit: result == ControlType::Commit,
                                first_offset,
                            });
                            self.wake_fetches(tp, ctx, out);
                            self.maybe_advance_hw(tp, ctx, out);
                            if !self.replicated_enough(tp, offset) {
                                waiting_for.push((tp, offset));
                            }
                            results.push((tp, None));
                        }
                        Err(e) => results.push((tp, Some(e))),
                    }
                }
                let group =
                    group.map(
                        |g| match self.group_coordinator.as_mut().filter(|_| coordinator) {
                            Some(gc) => {
                                gc.append(
                                    OffsetsRecord::Marker {
                                        group: g,
                                        producer_id,
                                        commit: result == ControlType::Commit,
                                    },
                                    out,
                                );
                                (g, None)
                            }
                            None => (g, Some(Errors::NotLeaderOrFollower)),
                        },
                    );
                let response = Message::WriteTxnMarkersResponse {
                    corr,
                    txn,
                    results,
                    group,
                };
                if waiting_for.is_empty() {
                    out.send(from, response);
                } else {
                    self.delayed_markers
                        .push(super::broker_state::DelayedMarkers {
                            to: from,
                            response,
                            waiting_for,
                        });
                }
            }
            Message::FetchRequest {
                corr,
                tp,
                offset,
                isolation,
                max_records,
            } => {
                let fetch = ParkedFetch {
                    consumer: from,
                    corr,
                    tp,
                    offset,
                    isolation,
                    max_records,
                };
                match self.read(&fetch) {
                    Err(e) => out.send(
                        from,
                        Message::FetchResponse {
                            corr,
                            tp,
                            result: Err(e),
                        },
                    ),
                    Ok(data) if !data.batches.is_empty() || ctx.fetch_max_wait_ms == 0 => out.send(
                        from,
                        Message::FetchResponse {
                            corr,
                            tp,
                            result: Ok(data),
                        },
                    ),
                    Ok(_) => {
                        // Nothing to return yet: wait for data up to fetch.max.wait.ms (DelayedFetch).
                        out.timer(
                            ctx.now.plus(ctx.fetch_max_wait_ms),
                            Timer::FetchDeadline(corr, from),
                        );
                        self.parked_fetches.push(fetch);
                    }
                }
            }
            Message::OffsetCommitRequest {
                corr,
                group,
                offsets,
                member,
            } => {
                let error = match self.group_coordinator.as_mut().filter(|_| coordinator) {
                    None => Some(Errors::CoordinatorNotAvailable),
                    // ClassicGroup.validateOffsetCommit: a stale generation or an unknown member is refused.
                    Some(gc)
                        if gc
                            .groups
                            .validate_offset_commit(group, &member, false)
                            .is_err() =>
                    {
                        gc.groups
                            .validate_offset_commit(group, &member, false)
                            .err()
                    }
                    Some(gc) => {
                        for (tp, offset) in offsets {
                            gc.append(OffsetsRecord::Commit { group, tp, offset }, out);
                        }
                        None
                    }
                };
                out.send(from, Message::OffsetCommitResponse { corr, error });
            }
            Message::TxnOffsetCommitRequest {
                corr,
                group,
                producer_id,
                offsets,
                member,
                ..
            } => {
                let error = match self.group_coordinator.as_mut().filter(|_| coordinator) {
                    None => Some(Errors::CoordinatorNotAvailable),
                    // OffsetMetadataManager.validateTransactionalOffsetCommit (KIP-447): the zombie's
                    // group metadata is refused and nothing is written.
                    Some(gc)
                        if gc
                            .groups
                            .validate_offset_commit(group, &member, true)
                            .is_err() =>
                    {
                        gc.groups.validate_offset_commit(group, &member, true).err()
                    }
                    Some(gc) => {
                        for (tp, offset) in offsets {
                            gc.append(
                                OffsetsRecord::TxnCommit {
                                    group,
                                    producer_id,
                                    tp,
                                    offset,
                                },
                                out,
                            );
                        }
                        None
                    }
                };
                out.send(from, Message::TxnOffsetCommitResponse { corr, error });
            }
            Message::OffsetFetchRequest {
                corr,
                group,
                partitions,
            } => {
                let result = match self.group_coordinator.as_ref().filter(|_| coordinator) {
                    None => Err(Errors::CoordinatorNotAvailable),
                    // requireStable=true: pending transactional offsets make the answer UNSTABLE_OFFSET_COMMIT (KIP-447).
                    Some(gc) if partitions.iter().any(|tp| gc.has_pending(group, *tp)) => {
                        Err(Errors::UnstableOffsetCommit)
                    }
                    Some(gc) => Ok(partitions
                        .iter()
                        .map(|tp| (*tp, gc.committed.get(&(group, *tp)).copied()))
                        .collect()),
                };
                out.send(from, Message::OffsetFetchResponse { corr, result });
            }
            // ListOffsets(LATEST) answers the last fetchable offset: the HW for read_uncommitted,
            // the LSO for read_committed (Partition.fetchOffsetForTimestamp).
            Message::ListOffsetsRequest {
                corr,
                tp,
                isolation,
            } => {
                let result = match (self.partitions.get(&tp), self.replicas.get(&tp)) {
                    (Some(log), Some(r)) if r.is_leader => Ok(match isolation {
                        IsolationLevel::ReadUncommitted => log.high_watermark(),
                        IsolationLevel::ReadCommitted => log.last_stable_offset(),
                    }),
                    _ => Err(Errors::NotLeaderOrFollower),
                };
                out.send(from, Message::ListOffsetsResponse { corr, tp, result });
            }
            // Responses are for clients and the coordinator; anything else is ignored.
            _ => {}
        }
    }

    /// A membership request to a broker that is not the group coordinator (Kafka: NOT_COORDINATOR).
    fn refuse_group_request(&self, from: NodeId, msg: &Message, out: &mut Out) {
        let error = Some(Errors::CoordinatorNotAvailable);
        let reply = match *msg {
            Message::JoinGroupRequest { corr, .. } => Message::JoinGroupResponse {
                corr,
                error,
                generation_id: -1,
                member_id: String::new(),
                leader: String::new(),
                members: Vec::new(),
            },
            Message::SyncGroupRequest { corr, .. } => Message::SyncGroupResponse {
                corr,
                error,
                assignment: Vec::new(),
            },
            Message::HeartbeatRequest { corr, .. } => Message::HeartbeatResponse { corr, error },
            Message::LeaveGroupRequest { corr, .. } => Message::LeaveGroupResponse { corr, error },
            Message::ConsumerGroupHeartbeatRequest { corr, .. } => {
                Message::ConsumerGroupHeartbeatResponse {
                    corr,
                    error,
                    member_id: String::new(),
                    member_epoch: -1,
                    heartbeat_interval_ms: 0,
                    assignment: Vec::new(),
                }
            }
            _ => return,
        };
        out.send(from, reply);
    }

    pub fn on_timer(&mut self, timer: Timer, ctx: &BrokerCtx, out: &mut Out) {
        match timer {
            Timer::FetchDeadline(corr, NodeId::Broker(follower)) => {
                self.replica_fetch_deadline(corr, follower, out)
            }
            Timer::IsrCheck => self.check_isr(ctx, out),
            Timer::ReplicaFetchRetry => self.fetch_from_leaders(ctx, out),
            Timer::RequestTimeout(corr) if corr & super::broker_state::REPLICA_CORR_BIT != 0 => {
                self.on_replica_fetch_timeout(corr, ctx, out)
            }
            Timer::RequestTimeout(corr) if corr & super::broker_state::ADD_CORR_BIT != 0 => {
                self.on_add_timeout(corr, out)
            }
            Timer::FetchDeadline(corr, consumer) => {
                if let Some(i) = self
                    .parked_fetches
                    .iter()
                    .position(|f| f.corr == corr && f.consumer == consumer)
                {
                    let f = self.parked_fetches.remove(i);
                    let result = self.read(&f);
                    out.send(
                        f.consumer,
                        Message::FetchResponse {
                            corr: f.corr,
                            tp: f.tp,
                            result,
                        },
                    );
                }
            }
            Timer::GroupDeadline(group) => {
                if let Some(gc) = self
                    .group_coordinator
                    .as_mut()
                    .filter(|_| ctx.topology.coordinator == Some(self.id))
                {
                    gc.on_group_event(
                        |g, out, p| {
                            g.on_deadline(group, ctx.now, out, p);
                            true
                        },
                        out,
                    );
                    let partitions: Vec<TopicPartition> = ctx
                        .topology
                        .topic_partitions(super::types::TopicId::Input)
                        .collect();
                    if gc
                        .groups
                        .consumer_deadline(group, &partitions, ctx.now, out)
                    {
                        gc.persist_consumer_group(group, out);
                    }
                }
            }
            Timer::TxnTimeoutCheck => {
                self.with_txn_coordinator(ctx, |tc, cctx| tc.on_timeout_check(cctx, out));
            }
            Timer::ProducerIdExpirationCheck => {
                self.expire_producer_ids(ctx, out);
                self.arm_expiration_checks(ctx, out, true, false);
            }
            Timer::TransactionalIdExpirationCheck => {
                if let Some(ms) = ctx.topology.features.broker.transactional_id_expiration_ms {
                    if self.is_coordinator(ctx) {
                        self.with_txn_coordinator(ctx, |tc, cctx| {
                            tc.expire_transactional_ids(ms, cctx, out)
                        });
                    }
                }
                self.arm_expiration_checks(ctx, out, false, true);
            }
            Timer::Wake => {
                self.with_txn_coordinator(ctx, |tc, cctx| tc.retry(cctx, out));
                self.retry_pending_adds(ctx, out);
            }
            Timer::RequestTimeout(corr) => {
                self.with_txn_coordinator(ctx, |tc, cctx| tc.on_request_timeout(corr, cctx, out));
            }
            _ => {}
        }
    }

    /// The lab's `initial_epoch`: the coordinator starts with `txn` at `epoch` in Empty, written
    /// to `__transaction_state` (as after earlier sessions). Simplification of those sessions.
    pub fn seed_transactional_id(
        &mut self,
        txn: super::message::TxnIdx,
        epoch: super::types::ProducerEpoch,
        timeout_ms: u64,
        ctx: &BrokerCtx,
        out: &mut Out,
    ) {
        self.with_txn_coordinator(ctx, |tc, cctx| tc.seed(txn, epoch, timeout_ms, cctx, out));
    }

    /// Arms the periodic expiration checks the scenario asked for (`producer.id.expiration.ms`,
    /// `transactional.id.expiration.ms`). Simplification: a check runs only when the scenario
    /// sets its key; the defaults (a day, a week) are beyond any run's `limits.max_ticks`.
    pub fn arm_expiration_checks(
        &mut self,
        ctx: &BrokerCtx,
        out: &mut Out,
        producers: bool,
        txn_ids: bool,
    ) {
        let b = ctx.topology.features.broker;
        if producers && b.producer_id_expiration_ms.is_some() {
            out.timer(
                ctx.now.plus(b.producer_id_expiration_check_interval_ms),
                Timer::ProducerIdExpirationCheck,
            );
        }
        if txn_ids && b.transactional_id_expiration_ms.is_some() {
            out.timer(
                ctx.now.plus(b.transactional_id_cleanup_interval_ms),
                Timer::TransactionalIdExpirationCheck,
            );
        }
    }

    /// `UnifiedLog.removeExpiredProducers` on every replica this broker holds (leaders and
    /// followers alike: each runs its own `ProducerStateManager`).
    fn expire_producer_ids(&mut self, ctx: &BrokerCtx, out: &mut Out) {
        let Some(ms) = ctx.topology.features.broker.producer_id_expiration_ms else {
            return;
        };
        for (tp, log) in self.partitions.iter_mut() {
            for producer_id in log.remove_expired_producers(ctx.now, ms) {
                out.note(Note::ProducerIdExpired {
                    broker: self.id,
                    tp: *tp,
                    producer_id,
                });
            }
        }
    }

    /// The connection to another broker closed (the coordinator's marker requests to it are lost).
    pub fn on_disconnect(&mut self, peer: u8, ctx: &BrokerCtx, out: &mut Out) {
        self.on_leader_disconnect(peer, ctx, out);
        self.with_txn_coordinator(ctx, |tc, cctx| tc.on_disconnect(peer, cctx, out));
        self.on_coordinator_disconnect(peer, out);
    }

    /// Answers parked fetches on `tp` that now have data.
    pub(super) fn wake_fetches(&mut self, tp: TopicPartition, ctx: &BrokerCtx, out: &mut Out) {
        self.wake_replica_fetches(tp, ctx, out);
        let mut i = 0;
        while i < self.parked_fetches.len() {
            let f = &self.parked_fetches[i];
            if f.tp == tp {
                if let Ok(data) = self.read(f) {
                    if !data.batches.is_empty() {
                        let f = self.parked_fetches.remove(i);
                        out.send(
                            f.consumer,
                            Message::FetchResponse {
                                corr: f.corr,
                                tp,
                                result: Ok(data),
                            },
                        );
                        continue;
                    }
                }
            }
            i += 1;
        }
    }

    /// Reads from `offset` up to the HW (read_uncommitted) or the LSO (read_committed)
    /// (`FetchIsolation`, `UnifiedLog.read`), whole batches, at least one.
    pub fn read(&self, f: &ParkedFetch) -> Result<FetchedData, Errors> {
        if !self.replicas.get(&f.tp).is_some_and(|r| r.is_leader) {
            return Err(Errors::NotLeaderOrFollower);
        }
        let log = self
            .partitions
            .get(&f.tp)
            .ok_or(Errors::NotLeaderOrFollower)?;
        let limit = match f.isolation {
            IsolationLevel::ReadUncommitted => log.high_watermark(),
            IsolationLevel::ReadCommitted => log.last_stable_offset(),
        };
        let mut batches = Vec::new();
        if f.offset < limit {
            let start = log.batch_index_at(f.offset).unwrap_or(log.batches().len());
            let mut records = 0u32;
            for b in log.batches().iter_from(start) {
                if b.next_offset() > limit || (records >= f.max_records && !batches.is_empty()) {
                    break;
                }
                records += b.record_count;
                batches.push(b.clone());
            }
        }
        let aborted = match (f.isolation, batches.last()) {
            (IsolationLevel::ReadCommitted, Some(last)) => {
                let upper = last.last_offset();
                log.aborted_txns()
                    .iter()
                    .filter(|a| a.last_offset >= f.offset && a.first_offset <= upper)
                    .copied()
                    .collect()
            }
            _ => Vec::new(),
        };
        Ok(FetchedData {
            batches,
            aborted,
            high_watermark: log.high_watermark(),
            last_stable_offset: log.last_stable_offset(),
        })
    }
}
