//! A consumer application: the poll loop (`KafkaConsumer`, `CompletedFetch`), its offset commits,
//! its sink (the seed's "external system with a unique key"), and — for consume–transform–produce —
//! the transactional producer it writes through.

use super::chunked::Chunked;
use super::config::{AutoOffsetReset, CommitMode, GroupProtocol, IsolationLevel};
use super::effects::{Note, Out, Timer};
use super::errors::Errors;
use super::log::ControlType;
use super::message::{CorrelationId, FetchedData, GroupIdx, GroupMember, InstanceId, Message};
use super::producer::{ClientCtx, ClientState, ProducerClient, CLIENT_CORR_BIT};
use super::scenario::ConsumerSetup;
use super::topology::Topology;
use super::types::{NodeId, Offset, ProducerId, RecordId, Tick, TopicId, TopicPartition};
use super::vecmap::{VecMap, VecSet};
use serde::Serialize;
use std::collections::VecDeque;

/// A row of the sink table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct SinkRow {
    pub record: RecordId,
    pub tp: TopicPartition,
    pub offset: Offset,
    pub tick: Tick,
}

/// The sink's unique key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum SinkKey {
    Record(RecordId),
    TopicPartitionOffset(TopicPartition, Offset),
}

/// The external table: it survives consumer crashes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Sink {
    /// The most recent rows, for display; `row_count` counts them all.
    pub rows: VecDeque<SinkRow>,
    pub row_count: u64,
    pub keys: SinkKeys,
}

/// The idempotent sink's unique keys, one bit per record id or per partition's offset: a run
/// writes a key per record (400,000 on the largest file), which as a `BTreeSet` took ~32 bytes
/// each and was copied into every timeline checkpoint; as bits in shared chunks a checkpoint
/// costs the chunks written since the one before. Serialized as the ordered keys a set gives.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SinkKeys {
    records: Chunked<u64>,
    offsets: std::collections::BTreeMap<TopicPartition, Chunked<u64>>,
}

impl SinkKeys {
    /// Adds `key`; returns whether it was new (`BTreeSet::insert`).
    pub fn insert(&mut self, key: SinkKey) -> bool {
        match key {
            SinkKey::Record(r) => set_bit(&mut self.records, u64::from(r.0)),
            SinkKey::TopicPartitionOffset(tp, o) => {
                set_bit(self.offsets.entry(tp).or_default(), o.0)
            }
        }
    }

    /// The keys in order (`SinkKey`'s `Ord`: records first, then partitions' offsets).
    pub fn iter(&self) -> impl Iterator<Item = SinkKey> + '_ {
        let records = bits_set(&self.records).map(|r| SinkKey::Record(RecordId(r as u32)));
        let offsets = self.offsets.iter().flat_map(|(tp, bits)| {
            bits_set(bits).map(move |o| SinkKey::TopicPartitionOffset(*tp, Offset(o)))
        });
        records.chain(offsets)
    }
}

impl Serialize for SinkKeys {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Sets bit `i`, growing the words as needed; returns whether it was clear. The word is only
/// written (and its chunk copied from a checkpoint's) when the bit changes.
fn set_bit(words: &mut Chunked<u64>, i: u64) -> bool {
    let (w, mask) = ((i / 64) as usize, 1u64 << (i % 64));
    while words.len() <= w {
        words.push(0);
    }
    let clear = words[w] & mask == 0;
    if clear {
        words[w] |= mask;
    }
    clear
}

fn bits_set(words: &Chunked<u64>) -> impl Iterator<Item = u64> + '_ {
    words.iter().enumerate().flat_map(|(w, &bits)| {
        (0..64u64)
            .filter(move |b| bits & (1 << b) != 0)
            .map(move |b| w as u64 * 64 + b)
    })
}

const MAX_ROWS_KEPT: usize = 2048;
const MAX_PROCESSED_KEPT: usize = 2048;

/// A record the application processed (what the consumer "saw").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Processed {
    pub tp: TopicPartition,
    pub offset: Offset,
    pub record: RecordId,
    pub tick: Tick,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Phase {
    /// Waiting for the output producer's `initTransactions()` (consume–transform–produce).
    InitProducer,
    /// Joining the group (JoinGroup, SyncGroup) for an assignment.
    Joining,
    /// Asking the group coordinator for committed offsets (OffsetFetch), and the partition
    /// leaders for the latest offsets where `auto.offset.reset=latest` applies (ListOffsets).
    FetchingOffsets,
    Running,
}

/// What the poll loop waits for before it processes the next batch of records.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Busy {
    Idle,
    /// `commitSync()` after processing.
    Committing,
    /// `commitSync()` before processing these records.
    CommittingFirst {
        tp: TopicPartition,
        records: Vec<(Offset, RecordId)>,
        next: Offset,
    },
    /// A consume–transform–produce transaction for these input records.
    Transaction {
        tp: TopicPartition,
        next: Offset,
    },
    /// The application is stuck (a scenario `pause`) between `poll()` returning these records
    /// and processing them, until `until`.
    Paused {
        until: Tick,
        tp: TopicPartition,
        records: Vec<(Offset, RecordId)>,
        next: Offset,
    },
}

/// A fetch's records waiting to be processed: the partition, (offset, record) pairs, and the
/// position after them.
type ReadyFetch = (TopicPartition, Vec<(Offset, RecordId)>, Offset);

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ConsumerNode {
    pub idx: u8,
    pub alive: bool,
    pub incarnation: u32,
    pub setup: ConsumerSetup,
    pub group: GroupIdx,
    pub assignment: Vec<TopicPartition>,
    pub phase: Phase,
    pub positions: VecMap<TopicPartition, Offset>,
    pub committed: VecMap<TopicPartition, Offset>,
    fetching: VecMap<TopicPartition, CorrelationId>,
    ready: VecDeque<ReadyFetch>,
    pub busy: Busy,
    /// Requests in flight, with the broker each went to.
    in_flight: VecMap<CorrelationId, (u8, Message)>,
    next_corr: CorrelationId,
    auto_commit_armed: bool,
    /// Waiting `retry.backoff.ms` after a disconnect before sending again.
    reconnect_wait: bool,
    lost_commits: Vec<Vec<(TopicPartition, Offset)>>,
    pub output: Option<ProducerClient>,
    pub processed: VecDeque<Processed>,
    pub processed_total: u64,
    pub sink: Sink,
    pub halted: Option<Errors>,
    /// The member's current generation and id (`AbstractCoordinator.generation`); -1 and "" when
    /// it is not in a generation.
    pub member: GroupMember,
    /// `groupMetadata()`: the generation and member id of the last completed join, which
    /// commits and `sendOffsetsToTransaction` carry.
    pub group_metadata: GroupMember,
    /// The coordinator asked for a rejoin (or the member left): the next poll rejoins.
    pub rejoin_needed: bool,
    heartbeat_armed: bool,
    /// A scenario `pause`: the next batch's processing is held this long.
    pub pending_pause_ms: Option<u64>,
    /// Partitions waiting for ListOffsets (`auto.offset.reset=latest`).
    resetting: VecSet<TopicPartition>,
    /// KIP-848: an assignment the coordinator gave that revokes partitions still being processed;
    /// applied once the poll loop is free (`onPartitionsRevoked` runs in `poll()`).
    pending_assignment: Option<Vec<TopicPartition>>,
    /// KIP-848: the heartbeat interval the coordinator asks for.
    heartbeat_interval_ms: u64,
    /// Consume–transform–produce transactions begun so far (across restarts), for `abort_transactions`.
    pub txn_count: u32,
    /// The heartbeat thread failed with FENCED_INSTANCE_ID (`heartbeatThread.failed`): the next
    /// poll throws `FencedInstanceIdException`.
    heartbeat_failed: Option<Errors>,
}

pub struct ConsumerCtx<'a> {
    pub now: Tick,
    pub topology: &'a Topology,
    pub version: super::config::KafkaVersion,
}

impl ConsumerNode {
    pub fn new(
        idx: u8,
        setup: ConsumerSetup,
        group: GroupIdx,
        txn: Option<u8>,
        assignment: Vec<TopicPartition>,
    ) -> Self {
        let output = setup
            .output
            .clone()
            .map(|cfg| ProducerClient::new(cfg, txn));
        let _ = assignment;
        ConsumerNode {
            idx,
            alive: true,
            incarnation: 0,
            setup,
            group,
            assignment: Vec::new(),
            phase: Phase::FetchingOffsets,
            positions: VecMap::new(),
            committed: VecMap::new(),
            fetching: VecMap::new(),
            ready: VecDeque::new(),
            busy: Busy::Idle,
            in_flight: VecMap::new(),
            next_corr: 0,
            auto_commit_armed: false,
            reconnect_wait: false,
            lost_commits: Vec::new(),
            output,
            processed: VecDeque::new(),
            processed_total: 0,
            sink: Sink::default(),
            halted: None,
            member: GroupMember::none(),
            group_metadata: GroupMember::none(),
            rejoin_needed: false,
            heartbeat_armed: false,
            pending_pause_ms: None,
            resetting: VecSet::new(),
            pending_assignment: None,
            heartbeat_interval_ms: 0,
            txn_count: 0,
            heartbeat_failed: None,
        }
    }

    pub fn node(&self) -> NodeId {
        NodeId::Consumer(self.idx)
    }

    fn client_ctx<'a>(&self, ctx: &ConsumerCtx<'a>) -> ClientCtx<'a> {
        ClientCtx {
            now: ctx.now,
            node: self.node(),
            topology: ctx.topology,
            version: ctx.version,
        }
    }

    /// Starts (or restarts) the application: init the output producer if any, join the group,
    /// then fetch the committed offsets of the partitions it assigned and resume from them.
    pub fn start(&mut self, ctx: &ConsumerCtx, out: &mut Out) {
        self.alive = true;
        // A new process is a new member: no member id, no generation.
        self.member = GroupMember::none();
        self.group_metadata = GroupMember::none();
        self.rejoin_needed = false;
        self.heartbeat_armed = false;
        self.pending_pause_ms = None;
        self.resetting.clear();
        self.pending_assignment = None;
        self.heartbeat_interval_ms = self.setup.cfg.heartbeat_interval_ms;
        self.assignment.clear();
        self.committed.clear();
        self.positions.clear();
        self.fetching.clear();
        self.ready.clear();
        self.busy = Busy::Idle;
        self.in_flight.clear();
        self.auto_commit_armed = false;
        self.reconnect_wait = false;
        self.lost_commits.clear();
        self.halted = None;
        self.heartbeat_failed = None;
        let cctx = self.client_ctx(ctx);
        if let Some(cfg) = self.setup.output.clone() {
            let txn = self.output.as_ref().and_then(|c| c.txn);
            let mut client = ProducerClient::new(cfg, txn);
            let _ = client.init_transactions(&cctx, out);
            self.output = Some(client);
            self.phase = Phase::InitProducer;
        } else {
            self.join_group(ctx, out);
        }
    }

    /// `group.instance.id`, as the requests carry it.
    fn instance_id(&self) -> InstanceId {
        InstanceId(self.setup.cfg.group_instance_id.clone())
    }

    /// The member's identity as a request carries it: generation, member id and instance id.
    fn identity(&self, m: &GroupMember) -> GroupMember {
        GroupMember {
            group_instance_id: self.instance_id(),
            ..m.clone()
        }
    }

    /// After FENCED_INSTANCE_ID or UNRELEASED_INSTANCE_ID, fatal to a static member: the
    /// application closes the consumer (`close()` of a static member sends no LeaveGroup), so it
    /// sends nothing more and its partitions stay with the group until its session expires.
    fn closed(&self) -> bool {
        matches!(
            self.halted,
            Some(Errors::FencedInstanceId | Errors::UnreleasedInstanceId)
        )
    }

    fn fatal_instance_error(&mut self, error: Errors, out: &mut Out) {
        if self.halted.is_none() {
            self.halted = Some(error);
            out.note(Note::ClientError {
                node: self.node(),
                error,
                what: match error {
                    Errors::UnreleasedInstanceId => {
                        "UnreleasedInstanceIdException; application stopped"
                    }
                    _ => "FencedInstanceIdException; application stopped",
                },
            });
        }
    }

    /// A scenario `pause`: the next batch of records waits `ms` before it is processed.
    pub fn pause(&mut self, ms: u64) {
        if self.alive {
            self.pending_pause_ms = Some(ms);
        }
    }

    /// JoinGroup with the member id it has (none at first: KIP-394 hands one out).
    fn join_group(&mut self, ctx: &ConsumerCtx, out: &mut Out) {
        self.phase = Phase::Joining;
        if self.setup.cfg.group_protocol == GroupProtocol::Consumer {
            // KIP-848: a ConsumerGroupHeartbeat at epoch 0 joins (the member id is kept across rejoins).
            self.member.generation_id = 0;
            self.pending_assignment = None;
            self.consumer_heartbeat(0, ctx, out);
            return;
        }
        let (group, member_id) = (self.group, self.member.member_id.clone());
        let group_instance_id = self.instance_id();
        let (session_timeout_ms, rebalance_timeout_ms) = (
            self.setup.cfg.session_timeout_ms,
            self.setup.cfg.max_poll_interval_ms,
        );
        self.request(
            ctx,
            ctx.topology.group_coordinator(),
            |corr| Message::JoinGroupRequest {
                corr,
                group,
                member_id,
                group_instance_id,
                session_timeout_ms,
                rebalance_timeout_ms,
            },
            out,
        );
    }

    /// KIP-848: a ConsumerGroupHeartbeat with this epoch and the partitions the member owns.
    fn consumer_heartbeat(&mut self, member_epoch: i32, ctx: &ConsumerCtx, out: &mut Out) {
        let (group, member_id, owned) = (
            self.group,
            self.member.member_id.clone(),
            self.assignment.clone(),
        );
        let rebalance_timeout_ms = self.setup.cfg.max_poll_interval_ms;
        let instance_id = self.instance_id();
        self.request(
            ctx,
            ctx.topology.group_coordinator(),
            |corr| Message::ConsumerGroupHeartbeatRequest {
                corr,
                group,
                member_id,
                instance_id,
                member_epoch,
                rebalance_timeout_ms,
                owned,
            },
            out,
        );
    }

    /// KIP-848 (`ConsumerMembershipManager`): the coordinator's answer carries the member's epoch
    /// and assignment; revoked partitions are given up in the poll loop, then acknowledged.
    #[allow(clippy::too_many_arguments)]
    fn on_consumer_heartbeat_response(
        &mut self,
        error: Option<Errors>,
        member_id: String,
        member_epoch: i32,
        heartbeat_interval_ms: u64,
        assignment: Vec<TopicPartition>,
        ctx: &ConsumerCtx,
        out: &mut Out,
    ) {
        match error {
            None if member_epoch < 0 => {} // the answer to a leave
            None => {
                self.member = GroupMember {
                    generation_id: member_epoch,
                    member_id,
                    group_instance_id: InstanceId(None),
                };
                // AsyncKafkaConsumer.updateGroupMetadata: groupMetadata() follows the member epoch.
                if member_epoch > 0 {
                    self.group_metadata = self.member.clone();
                }
                if heartbeat_interval_ms > 0 {
                    self.heartbeat_interval_ms = heartbeat_interval_ms;
                }
                self.arm_heartbeat(ctx, out);
                let revokes_held = self
                    .assignment
                    .iter()
                    .any(|tp| !assignment.contains(tp) && self.holds(*tp));
                if revokes_held {
                    self.pending_assignment = Some(assignment);
                } else {
                    self.apply_assignment(assignment, ctx, out);
                }
            }
            // Fenced (ConsumerMembershipManager.transitionToFenced): its partitions are lost, and
            // it rejoins at epoch 0 with the same member id.
            Some(e @ (Errors::UnknownMemberId | Errors::FencedMemberEpoch)) => {
                out.note(Note::ClientError {
                    node: self.node(),
                    error: e,
                    what: "fenced from the group; partitions lost",
                });
                self.assignment.clear();
                self.positions.clear();
                self.committed.clear();
                self.fetching.clear();
                self.ready.clear();
                self.resetting.clear();
                self.join_group(ctx, out);
            }
            // ConsumerHeartbeatRequestManager.handleSpecificError: both are fatal.
            Some(e @ (Errors::FencedInstanceId | Errors::UnreleasedInstanceId)) => {
                self.fatal_instance_error(e, out)
            }
            Some(_) => out.timer(ctx.now.plus(self.setup.cfg.retry_backoff_ms), Timer::Wake),
        }
    }

    /// KIP-848: takes the assignment the coordinator gave; revoked partitions go, new ones get
    /// their offsets fetched, and a heartbeat acknowledges the change at once.
    fn apply_assignment(
        &mut self,
        assignment: Vec<TopicPartition>,
        ctx: &ConsumerCtx,
        out: &mut Out,
    ) {
        self.pending_assignment = None;
        let changed = assignment != self.assignment;
        let revoked: Vec<TopicPartition> = self
            .assignment
            .iter()
            .filter(|tp| !assignment.contains(tp))
            .copied()
            .collect();
        if !revoked.is_empty() && self.setup.mode == CommitMode::Auto {
            // onPartitionsRevoked: auto-commit what was consumed from them first.
            let changed: Vec<(TopicPartition, Offset)> = self
                .uncommitted()
                .into_iter()
                .filter(|(tp, _)| revoked.contains(tp))
                .collect();
            if !changed.is_empty() {
                self.commit(changed, ctx, out);
            }
        }
        for tp in &revoked {
            self.positions.remove(tp);
            self.committed.remove(tp);
            self.fetching.remove(tp);
            self.resetting.remove(tp);
        }
        self.ready.retain(|(tp, _, _)| !revoked.contains(tp));
        let joining = self.phase == Phase::Joining;
        self.assignment = assignment.clone();
        if changed || joining {
            out.note(Note::GroupJoined {
                consumer: self.idx,
                generation_id: self.member.generation_id,
                member_id: self.member.member_id.clone(),
                assignment,
            });
        }
        if changed && !joining {
            self.consumer_heartbeat(self.member.generation_id, ctx, out);
        }
        if self
            .assignment
            .iter()
            .any(|tp| !self.positions.contains_key(tp))
        {
            if self.phase != Phase::FetchingOffsets {
                self.fetch_offsets(ctx, out);
            }
        } else if self.phase != Phase::Running {
            self.start_running(ctx, out);
        }
    }

    /// Eager rebalance (`ConsumerCoordinator.onJoinPrepare`): auto-commit what was consumed,
    /// give every partition up, and join again.
    fn rejoin(&mut self, ctx: &ConsumerCtx, out: &mut Out) {
        self.rejoin_needed = false;
        if self.setup.mode == CommitMode::Auto && self.member.generation_id >= 0 {
            let changed = self.uncommitted();
            if !changed.is_empty() {
                self.commit(changed, ctx, out);
            }
        }
        out.note(Note::GroupLeft {
            consumer: self.idx,
            member_id: self.member.member_id.clone(),
            reason: "revokes its partitions to rejoin",
        });
        self.assignment.clear();
        self.positions.clear();
        self.committed.clear();
        self.fetching.clear();
        self.ready.clear();
        self.resetting.clear();
        self.join_group(ctx, out);
    }

    fn uncommitted(&self) -> Vec<(TopicPartition, Offset)> {
        self.positions
            .iter()
            .filter(|(tp, o)| self.committed.get(tp) != Some(o))
            .map(|(tp, o)| (*tp, *o))
            .collect()
    }

    fn arm_heartbeat(&mut self, ctx: &ConsumerCtx, out: &mut Out) {
        if !self.heartbeat_armed {
            self.heartbeat_armed = true;
            out.timer(ctx.now.plus(self.heartbeat_interval_ms), Timer::Heartbeat);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_join_response(
        &mut self,
        error: Option<Errors>,
        generation_id: i32,
        member_id: String,
        leader: String,
        members: Vec<String>,
        ctx: &ConsumerCtx,
        out: &mut Out,
    ) {
        match error {
            None => {
                self.member = GroupMember {
                    generation_id,
                    member_id,
                    group_instance_id: InstanceId(None),
                };
                // The leader runs the assignor (the classic protocol assigns on a client).
                let assignments = if self.member.member_id == leader {
                    let partitions: Vec<TopicPartition> =
                        ctx.topology.topic_partitions(TopicId::Input).collect();
                    super::group_coordinator::range_assign(&members, &partitions)
                } else {
                    Vec::new()
                };
                let (group, member) = (self.group, self.identity(&self.member));
                self.request(
                    ctx,
                    ctx.topology.group_coordinator(),
                    |corr| Message::SyncGroupRequest {
                        corr,
                        group,
                        member,
                        assignments,
                    },
                    out,
                );
            }
            Some(Errors::MemberIdRequired) => {
                self.member.member_id = member_id;
                self.join_group(ctx, out);
            }
            Some(Errors::UnknownMemberId) => {
                self.member = GroupMember::none();
                self.join_group(ctx, out);
            }
            // JoinGroupResponseHandler: FENCED_INSTANCE_ID is always fatal.
            Some(Errors::FencedInstanceId) => {
                self.fatal_instance_error(Errors::FencedInstanceId, out)
            }
            Some(_) => out.timer(ctx.now.plus(self.setup.cfg.retry_backoff_ms), Timer::Wake),
        }
    }

    fn on_sync_response(
        &mut self,
        error: Option<Errors>,
        assignment: Vec<TopicPartition>,
        ctx: &ConsumerCtx,
        out: &mut Out,
    ) {
        match error {
            None => {
                self.assignment = assignment.clone();
                self.group_metadata = self.member.clone();
                out.note(Note::GroupJoined {
                    consumer: self.idx,
                    generation_id: self.member.generation_id,
                    member_id: self.member.member_id.clone(),
                    assignment,
                });
                self.arm_heartbeat(ctx, out);
                self.fetch_offsets(ctx, out);
            }
            Some(Errors::RebalanceInProgress) => self.join_group(ctx, out),
            Some(Errors::UnknownMemberId) => {
                self.member = GroupMember::none();
                self.join_group(ctx, out);
            }
            Some(Errors::IllegalGeneration) => {
                self.member.generation_id = -1;
                self.join_group(ctx, out);
            }
            // SyncGroupResponseHandler: FENCED_INSTANCE_ID is always fatal.
            Some(Errors::FencedInstanceId) => {
                self.fatal_instance_error(Errors::FencedInstanceId, out)
            }
            Some(_) => out.timer(ctx.now.plus(self.setup.cfg.retry_backoff_ms), Timer::Wake),
        }
    }

    /// The heartbeat thread learns the group moved on (`AbstractCoordinator.HeartbeatResponseHandler`).
    fn on_heartbeat_response(&mut self, error: Option<Errors>, ctx: &ConsumerCtx, out: &mut Out) {
        // Already rejoining: "Ignoring heartbeat response with error … during … state".
        if self.phase == Phase::Joining {
            return;
        }
        match error {
            Some(Errors::RebalanceInProgress) => self.rejoin_needed = true,
            // UNKNOWN_MEMBER_ID resets the member id too; ILLEGAL_GENERATION keeps it.
            Some(Errors::UnknownMemberId) => {
                self.member = GroupMember::none();
                self.rejoin_needed = true;
            }
            Some(Errors::IllegalGeneration) => {
                self.member.generation_id = -1;
                self.rejoin_needed = true;
            }
            // HeartbeatThread: "Caught fenced group.instance.id … error in heartbeat thread"; the
            // thread stops, and the application's next poll() throws FencedInstanceIdException.
            Some(Errors::FencedInstanceId) => {
                self.heartbeat_failed = Some(Errors::FencedInstanceId);
            }
            _ => return,
        }
        if self.phase == Phase::Running {
            self.pump(ctx, out);
        }
    }

    pub fn crash(&mut self) {
        self.alive = false;
        self.incarnation += 1;
    }

    fn corr(&mut self) -> CorrelationId {
        let c = self.next_corr;
        self.next_corr = (self.next_corr + 1) & !CLIENT_CORR_BIT;
        c
    }

    fn request(
        &mut self,
        ctx: &ConsumerCtx,
        to: u8,
        msg_of: impl FnOnce(CorrelationId) -> Message,
        out: &mut Out,
    ) {
        let corr = self.corr();
        let msg = msg_of(corr);
        // The broker may hold a fetch for fetch.max.wait.ms before answering, so a fetch gets
        // that long on top of request.timeout.ms (simplification of the consumer's fetch timeout).
        let timeout = match msg {
            Message::FetchRequest { .. } => {
                self.setup.cfg.request_timeout_ms + self.setup.cfg.fetch_max_wait_ms
            }
            // AbstractCoordinator.sendJoinGroupRequest: the rebalance timeout plus 5 s, at least request.timeout.ms.
            Message::JoinGroupRequest { .. } => self
                .setup
                .cfg
                .request_timeout_ms
                .max(self.setup.cfg.max_poll_interval_ms + 5_000),
            _ => self.setup.cfg.request_timeout_ms,
        };
        self.in_flight.insert(corr, (to, msg.clone()));
        out.send(NodeId::Broker(to), msg);
        out.timer(ctx.now.plus(timeout), Timer::RequestTimeout(corr));
    }

    /// OffsetFetch for the assigned partitions that have no position yet.
    fn fetch_offsets(&mut self, ctx: &ConsumerCtx, out: &mut Out) {
        self.phase = Phase::FetchingOffsets;
        let partitions: Vec<TopicPartition> = self
            .assignment
            .iter()
            .filter(|tp| !self.positions.contains_key(tp))
            .copied()
            .collect();
        let group = self.group;
        self.request(
            ctx,
            ctx.topology.group_coordinator(),
            |corr| Message::OffsetFetchRequest {
                corr,
                group,
                partitions,
            },
            out,
        );
    }

    fn fetch(&mut self, tp: TopicPartition, ctx: &ConsumerCtx, out: &mut Out) {
        if self.fetching.contains_key(&tp) || self.phase != Phase::Running || self.reconnect_wait {
            return;
        }
        // Records of this partition still being processed: its position has not moved yet, so a
        // fetch now would return them again.
        if self.holds(tp) || self.ready.iter().any(|(p, _, _)| *p == tp) {
            return;
        }
        let Some(offset) = self.positions.get(&tp).copied() else {
            return;
        };
        let (isolation, max_records) = (
            self.setup.cfg.isolation_level,
            self.setup.cfg.max_poll_records,
        );
        let corr_holder = self.next_corr;
        self.request(
            ctx,
            ctx.topology.leader(tp),
            |corr| Message::FetchRequest {
                corr,
                tp,
                offset,
                isolation,
                max_records,
            },
            out,
        );
        self.fetching.insert(tp, corr_holder);
    }

    fn fetch_all(&mut self, ctx: &ConsumerCtx, out: &mut Out) {
        for tp in self.assignment.clone() {
            // Partitions with records waiting to be processed are not fetched again yet.
            if !self.ready.iter().any(|(p, _, _)| *p == tp) && !self.holds(tp) {
                self.fetch(tp, ctx, out);
            }
        }
    }

    fn holds(&self, tp: TopicPartition) -> bool {
        match &self.busy {
            Busy::CommittingFirst { tp: p, .. }
            | Busy::Transaction { tp: p, .. }
            | Busy::Paused { tp: p, .. } => *p == tp,
            _ => false,
        }
    }

    pub fn on_message(&mut self, msg: Message, ctx: &ConsumerCtx, out: &mut Out) {
        if !self.alive || self.closed() {
            return;
        }
        match msg.kind() {
            super::message::MessageKind::ProduceResponse
            | super::message::MessageKind::InitProducerIdResponse
            | super::message::MessageKind::AddPartitionsToTxnResponse
            | super::message::MessageKind::AddOffsetsToTxnResponse
            | super::message::MessageKind::TxnOffsetCommitResponse
            | super::message::MessageKind::EndTxnResponse => {
                let cctx = self.client_ctx(ctx);
                if let Some(client) = self.output.as_mut() {
                    client.on_response(msg, &cctx, out);
                }
                self.after_client(ctx, out);
                return;
            }
            _ => {}
        }
        let corr = match &msg {
            Message::FetchResponse { corr, .. }
            | Message::OffsetCommitResponse { corr, .. }
            | Message::ListOffsetsResponse { corr, .. }
            | Message::JoinGroupResponse { corr, .. }
            | Message::SyncGroupResponse { corr, .. }
            | Message::HeartbeatResponse { corr, .. }
            | Message::LeaveGroupResponse { corr, .. }
            | Message::ConsumerGroupHeartbeatResponse { corr, .. }
            | Message::OffsetFetchResponse { corr, .. } => *corr,
            _ => return,
        };
        if self.in_flight.remove(&corr).is_none() {
            return;
        }
        match msg {
            Message::JoinGroupResponse {
                error,
                generation_id,
                member_id,
                leader,
                members,
                ..
            } => {
                if self.phase == Phase::Joining {
                    self.on_join_response(
                        error,
                        generation_id,
                        member_id,
                        leader,
                        members,
                        ctx,
                        out,
                    );
                }
                return;
            }
            Message::SyncGroupResponse {
                error, assignment, ..
            } => {
                if self.phase == Phase::Joining {
                    self.on_sync_response(error, assignment, ctx, out);
                }
                return;
            }
            Message::HeartbeatResponse { error, .. } => {
                self.on_heartbeat_response(error, ctx, out);
                return;
            }
            Message::LeaveGroupResponse { .. } => return,
            Message::ConsumerGroupHeartbeatResponse {
                error,
                member_id,
                member_epoch,
                heartbeat_interval_ms,
                assignment,
                ..
            } => {
                self.on_consumer_heartbeat_response(
                    error,
                    member_id,
                    member_epoch,
                    heartbeat_interval_ms,
                    assignment,
                    ctx,
                    out,
                );
                if self.phase == Phase::Running {
                    self.pump(ctx, out);
                }
                return;
            }
            Message::ListOffsetsResponse { tp, result, .. } => {
                match result {
                    Ok(o) if self.resetting.remove(&tp) => {
                        self.positions.insert(tp, o);
                        if self.resetting.is_empty() && self.phase == Phase::FetchingOffsets {
                            self.start_running(ctx, out);
                        }
                    }
                    Ok(_) => {}
                    Err(_) => out.timer(ctx.now.plus(self.setup.cfg.retry_backoff_ms), Timer::Wake),
                }
                return;
            }
            Message::OffsetFetchResponse { result, .. } => match result {
                Ok(list) => {
                    if self.phase != Phase::FetchingOffsets {
                        return;
                    }
                    for (tp, committed) in list {
                        if self.positions.contains_key(&tp) || !self.assignment.contains(&tp) {
                            continue; // positioned already, or no longer ours
                        }
                        match (committed, self.setup.cfg.auto_offset_reset) {
                            (Some(o), _) => {
                                self.positions.insert(tp, o);
                                self.committed.insert(tp, o);
                            }
                            // Simplification: the log start offset is always 0 (no retention), so
                            // `earliest` needs no ListOffsets(EARLIEST) round trip.
                            (None, AutoOffsetReset::Earliest) => {
                                self.positions.insert(tp, Offset(0));
                            }
                            (None, AutoOffsetReset::Latest) => {
                                self.resetting.insert(tp);
                            }
                            // SubscriptionState.resetInitializingPositions: no reset policy, so
                            // poll() throws NoOffsetForPartitionException to the application.
                            (None, AutoOffsetReset::None) => {
                                self.halted = Some(Errors::NoOffsetForPartition);
                                out.note(Note::ClientError {
                                    node: self.node(),
                                    error: Errors::NoOffsetForPartition,
                                    what: "auto.offset.reset=none; application stopped",
                                });
                                return;
                            }
                        }
                    }
                    if self.resetting.is_empty() {
                        self.start_running(ctx, out);
                    } else {
                        self.list_offsets(ctx, out);
                    }
                    return;
                }
                // UNSTABLE_OFFSET_COMMIT (pending transactional offsets) and the like: retry (ConsumerCoordinator "just retry").
                Err(_) => out.timer(ctx.now.plus(self.setup.cfg.retry_backoff_ms), Timer::Wake),
            },
            Message::FetchResponse { tp, result, .. } => {
                // A response to a fetch given up in a rebalance is stale (Fetcher: "Discarding
                // stale fetch response"), even if the partition came back since.
                if self.fetching.get(&tp) != Some(&corr) {
                    return;
                }
                self.fetching.remove(&tp);
                if !self.assignment.contains(&tp) || self.phase != Phase::Running {
                    return; // revoked in a rebalance while the fetch was out
                }
                match result {
                    Ok(data) => {
                        let position = self.positions.get(&tp).copied().unwrap_or(Offset(0));
                        let (records, next) =
                            read_records(&data, position, self.setup.cfg.isolation_level);
                        if next > position || !records.is_empty() {
                            self.ready.push_back((tp, records, next));
                        } else {
                            self.fetch(tp, ctx, out);
                        }
                    }
                    Err(_) => out.timer(ctx.now.plus(self.setup.cfg.retry_backoff_ms), Timer::Wake),
                }
            }
            Message::OffsetCommitResponse { error, .. } => {
                // ConsumerCoordinator.OffsetCommitResponseHandler: a stale generation or an
                // unknown member is a CommitFailedException, and the consumer rejoins; a fenced
                // instance id is FencedInstanceIdException, fatal.
                let fenced = matches!(
                    error,
                    Some(Errors::IllegalGeneration)
                        | Some(Errors::UnknownMemberId)
                        | Some(Errors::StaleMemberEpoch)
                        | Some(Errors::FencedInstanceId)
                );
                if error == Some(Errors::FencedInstanceId) {
                    self.fatal_instance_error(Errors::FencedInstanceId, out);
                } else if let Some(e) = error.filter(|_| fenced) {
                    out.note(Note::ClientError {
                        node: self.node(),
                        error: e,
                        what: "CommitFailedException",
                    });
                    if self.setup.cfg.group_protocol == GroupProtocol::Consumer {
                        // KIP-848: the heartbeat, not the commit, decides membership.
                    } else if e == Errors::UnknownMemberId {
                        self.member = GroupMember::none();
                        self.rejoin_needed = true;
                    } else {
                        self.member.generation_id = -1;
                        self.rejoin_needed = true;
                    }
                }
                if let Busy::CommittingFirst { tp, records, next } =
                    std::mem::replace(&mut self.busy, Busy::Idle)
                {
                    if fenced {
                        // commitSync() threw before processing: the records are left to the partition's next owner.
                    } else {
                        if error.is_none() {
                            self.committed.insert(tp, next);
                        }
                        // At-most-once: the offsets are committed, now the records are processed.
                        self.process(tp, &records, ctx, out);
                        self.positions.insert(tp, next);
                    }
                } else if self.busy == Busy::Committing {
                    self.busy = Busy::Idle;
                }
            }
            _ => {}
        }
        self.pump(ctx, out);
    }

    /// Offsets known for every assigned partition: the poll loop runs.
    fn start_running(&mut self, ctx: &ConsumerCtx, out: &mut Out) {
        // A partition assigned while the offsets were being fetched needs its own.
        if self
            .assignment
            .iter()
            .any(|tp| !self.positions.contains_key(tp) && !self.resetting.contains(tp))
        {
            self.fetch_offsets(ctx, out);
            return;
        }
        self.phase = Phase::Running;
        if self.setup.mode == CommitMode::Auto {
            self.arm_auto_commit(ctx, out);
        }
        self.fetch_all(ctx, out);
        self.pump(ctx, out);
    }

    /// ListOffsets(LATEST) to each partition's leader, for `auto.offset.reset=latest`.
    fn list_offsets(&mut self, ctx: &ConsumerCtx, out: &mut Out) {
        let isolation = self.setup.cfg.isolation_level;
        for tp in self.resetting.clone() {
            let asked = self
                .in_flight
                .values()
                .any(|(_, m)| matches!(m, Message::ListOffsetsRequest { tp: p, .. } if *p == tp));
            if !asked {
                self.request(
                    ctx,
                    ctx.topology.leader(tp),
                    |corr| Message::ListOffsetsRequest {
                        corr,
                        tp,
                        isolation,
                    },
                    out,
                );
            }
        }
    }

    /// Processes fetched records while nothing blocks, as the poll loop would; a poll that finds
    /// a rejoin requested rejoins first.
    fn pump(&mut self, ctx: &ConsumerCtx, out: &mut Out) {
        if self.closed() {
            return;
        }
        if let (Some(e), Busy::Idle) = (self.heartbeat_failed, &self.busy) {
            // poll() rethrows the heartbeat thread's failure (AbstractCoordinator.pollHeartbeat).
            self.fatal_instance_error(e, out);
            return;
        }
        if self.busy == Busy::Idle && self.phase == Phase::Running {
            if let Some(a) = self.pending_assignment.take() {
                self.apply_assignment(a, ctx, out);
                if self.phase != Phase::Running {
                    return;
                }
            }
        }
        if self.rejoin_needed && self.busy == Busy::Idle && self.phase == Phase::Running {
            self.rejoin(ctx, out);
            return;
        }
        while self.busy == Busy::Idle && self.phase == Phase::Running && !self.rejoin_needed {
            let Some((tp, records, next)) = self.ready.pop_front() else {
                break;
            };
            // A scenario `pause`, or the application's own `processing_ms` per batch.
            let processing = (self.setup.processing_ms > 0).then_some(self.setup.processing_ms);
            if let Some(ms) = self.pending_pause_ms.take().or(processing) {
                // Stuck between poll() and processing; the heartbeat thread runs on, and leaves
                // the group if the next poll is more than max.poll.interval.ms away.
                let until = ctx.now.plus(ms);
                out.timer(until, Timer::ProcessingDone);
                out.timer(
                    ctx.now.plus(self.setup.cfg.max_poll_interval_ms),
                    Timer::PollTimeout,
                );
                self.busy = Busy::Paused {
                    until,
                    tp,
                    records,
                    next,
                };
                return;
            }
            self.handle_batch(tp, records, next, ctx, out);
        }
        if self.rejoin_needed && self.busy == Busy::Idle && self.phase == Phase::Running {
            self.rejoin(ctx, out);
            return;
        }
        if self.busy == Busy::Idle {
            self.fetch_all(ctx, out);
        }
    }

    /// What the application does with one poll's records, by commit mode.
    fn handle_batch(
        &mut self,
        tp: TopicPartition,
        records: Vec<(Offset, RecordId)>,
        next: Offset,
        ctx: &ConsumerCtx,
        out: &mut Out,
    ) {
        match self.setup.mode {
            CommitMode::Auto => {
                self.process(tp, &records, ctx, out);
                self.positions.insert(tp, next);
            }
            CommitMode::AfterProcessing => {
                self.process(tp, &records, ctx, out);
                self.positions.insert(tp, next);
                if self.commit(vec![(tp, next)], ctx, out) {
                    self.committed.insert(tp, next);
                    self.busy = Busy::Committing;
                }
            }
            CommitMode::BeforeProcessing => {
                if self.commit(vec![(tp, next)], ctx, out) {
                    self.busy = Busy::CommittingFirst { tp, records, next };
                }
            }
            CommitMode::Transactional => self.transform(tp, records, next, ctx, out),
        }
    }

    /// `commitSync()`; returns false when the client refuses it itself: out of the group's
    /// generation (it left after the poll timeout), `ConsumerCoordinator` throws
    /// `CommitFailedException` without sending anything.
    fn commit(
        &mut self,
        offsets: Vec<(TopicPartition, Offset)>,
        ctx: &ConsumerCtx,
        out: &mut Out,
    ) -> bool {
        if self.member.generation_id < 0 {
            out.note(Note::ClientError {
                node: self.node(),
                error: Errors::CommitFailed,
                what: "not in the group's current generation",
            });
            self.rejoin_needed = true;
            return false;
        }
        let (group, member) = (self.group, self.identity(&self.member));
        self.request(
            ctx,
            ctx.topology.group_coordinator(),
            |corr| Message::OffsetCommitRequest {
                corr,
                group,
                offsets,
                member,
            },
            out,
        );
        true
    }

    fn process(
        &mut self,
        tp: TopicPartition,
        records: &[(Offset, RecordId)],
        ctx: &ConsumerCtx,
        out: &mut Out,
    ) {
        for &(offset, record) in records {
            out.note(Note::Processed {
                consumer: self.idx,
                tp,
                offset,
                record,
            });
            self.processed_total += 1;
            self.processed.push_back(Processed {
                tp,
                offset,
                record,
                tick: ctx.now,
            });
            if self.processed.len() > MAX_PROCESSED_KEPT {
                self.processed.pop_front();
            }
            if let Some(sink) = self.setup.sink {
                let key = if sink.key_is_record {
                    SinkKey::Record(record)
                } else {
                    SinkKey::TopicPartitionOffset(tp, offset)
                };
                // The idempotent sink upserts by its unique key; a plain one inserts every record.
                let inserted = !sink.idempotent || self.sink.keys.insert(key);
                if inserted {
                    self.sink.row_count += 1;
                    self.sink.rows.push_back(SinkRow {
                        record,
                        tp,
                        offset,
                        tick: ctx.now,
                    });
                    if self.sink.rows.len() > MAX_ROWS_KEPT {
                        self.sink.rows.pop_front();
                    }
                }
                out.note(Note::SinkWrite {
                    consumer: self.idx,
                    record,
                    inserted,
                });
            }
        }
    }

    /// Consume–transform–produce: one transaction per fetched batch of records, with the
    /// input offsets committed through `sendOffsetsToTransaction`.
    fn transform(
        &mut self,
        tp: TopicPartition,
        records: Vec<(Offset, RecordId)>,
        next: Offset,
        ctx: &ConsumerCtx,
        out: &mut Out,
    ) {
        let cctx = self.client_ctx(ctx);
        let group = self.group;
        let out_tp = TopicPartition {
            topic: TopicId::Output,
            partition: tp.partition % ctx.topology.output_partitions.max(1),
        };
        self.process(tp, &records, ctx, out);
        let Some(client) = self.output.as_mut() else {
            return;
        };
        if client.begin_transaction().is_err() {
            return;
        }
        // sendOffsetsToTransaction(offsets, consumer.groupMetadata()) (KIP-447), with the
        // instance id (ConsumerGroupMetadata.groupInstanceId).
        client.group_member = GroupMember {
            group_instance_id: InstanceId(self.setup.cfg.group_instance_id.clone()),
            ..self.group_metadata.clone()
        };
        // Contiguous runs of record ids go out as one batch each.
        let mut i = 0;
        while i < records.len() {
            let start = records[i].1;
            let mut n = 1u32;
            while i + (n as usize) < records.len()
                && records[i + n as usize].1 .0 == start.0 + n
                && n < 10_000
            {
                n += 1;
            }
            let _ = client.send(out_tp, start, n, &cctx, out);
            i += n as usize;
        }
        let _ = client.send_offsets_to_transaction(group, vec![(tp, next)], &cctx, out);
        self.txn_count += 1;
        if self.setup.abort_transactions.contains(&self.txn_count) {
            // The lab: the application aborts this one (then seeks back and runs it again).
            let _ = client.abort_transaction(&cctx, out);
        } else {
            let _ = client.commit_transaction(&cctx, out);
        }
        self.busy = Busy::Transaction { tp, next };
        self.after_client(ctx, out);
    }

    /// Reacts to the output producer's state after it handled something.
    fn after_client(&mut self, ctx: &ConsumerCtx, out: &mut Out) {
        let Some(client) = self.output.as_mut() else {
            return;
        };
        let cctx = ClientCtx {
            now: ctx.now,
            node: NodeId::Consumer(self.idx),
            topology: ctx.topology,
            version: ctx.version,
        };
        match client.state {
            ClientState::FatalError => {
                if self.halted.is_none() {
                    let e = client.last_error.unwrap_or(Errors::ProducerFenced);
                    self.halted = Some(e);
                    self.phase = Phase::InitProducer;
                    out.note(Note::ClientError {
                        node: self.node(),
                        error: e,
                        what: "application stopped",
                    });
                }
                return;
            }
            ClientState::AbortableError => {
                let _ = client.abort_transaction(&cctx, out);
                return;
            }
            ClientState::Ready => {}
            _ => return,
        }
        match self.phase {
            Phase::InitProducer => self.join_group(ctx, out),
            Phase::Running => match std::mem::replace(&mut self.busy, Busy::Idle) {
                Busy::Transaction { tp, next } => {
                    // `completeTransaction` clears the last error, so an abort is told by how
                    // the transaction ended.
                    let aborted = client.last_end.take() == Some(false);
                    if client.end_requested.is_none() && client.last_error.is_none() && !aborted {
                        self.positions.insert(tp, next);
                        self.committed.insert(tp, next);
                        self.pump(ctx, out);
                    } else if self.rejoin_needed {
                        // Aborted, and out of the group: the next poll rejoins.
                        client.last_error = None;
                        self.pump(ctx, out);
                    } else {
                        // The transaction was aborted: go back to the committed offsets and read again.
                        client.last_error = None;
                        self.ready.clear();
                        self.positions.clear();
                        self.fetch_offsets(ctx, out);
                    }
                }
                other => self.busy = other,
            },
            Phase::FetchingOffsets | Phase::Joining => {}
        }
    }

    fn arm_auto_commit(&mut self, ctx: &ConsumerCtx, out: &mut Out) {
        if !self.auto_commit_armed {
            self.auto_commit_armed = true;
            out.timer(
                ctx.now.plus(self.setup.cfg.auto_commit_interval_ms),
                Timer::AutoCommit,
            );
        }
    }

    pub fn on_timer(&mut self, timer: Timer, ctx: &ConsumerCtx, out: &mut Out) {
        if !self.alive || self.closed() {
            return;
        }
        match timer {
            Timer::AutoCommit => {
                self.auto_commit_armed = false;
                let changed = self.uncommitted();
                if !changed.is_empty()
                    && self.phase == Phase::Running
                    && self.commit(changed.clone(), ctx, out)
                {
                    for (tp, o) in &changed {
                        self.committed.insert(*tp, *o);
                    }
                }
                self.arm_auto_commit(ctx, out);
            }
            Timer::Heartbeat => {
                self.heartbeat_armed = false;
                // The heartbeat thread is disabled while a JoinGroup is outstanding
                // (AbstractCoordinator.initiateJoinGroup); the coordinator keeps a member
                // waiting in JoinGroup alive.
                if self.setup.cfg.group_protocol == GroupProtocol::Consumer {
                    // KIP-848: the heartbeat is the protocol; none while the join is out.
                    if self.member.generation_id > 0 && self.phase != Phase::Joining {
                        let in_flight = self.in_flight.values().any(|(_, m)| {
                            matches!(m, Message::ConsumerGroupHeartbeatRequest { .. })
                        });
                        if !in_flight {
                            self.consumer_heartbeat(self.member.generation_id, ctx, out);
                        }
                        self.arm_heartbeat(ctx, out);
                    }
                } else if self.member.generation_id >= 0 && self.phase == Phase::Joining {
                    self.arm_heartbeat(ctx, out);
                } else if self.heartbeat_failed.is_some() {
                    // The heartbeat thread has failed: no more heartbeats.
                } else if self.member.generation_id >= 0 {
                    let (group, member) = (self.group, self.identity(&self.member));
                    self.request(
                        ctx,
                        ctx.topology.group_coordinator(),
                        |corr| Message::HeartbeatRequest {
                            corr,
                            group,
                            member,
                        },
                        out,
                    );
                    self.arm_heartbeat(ctx, out);
                }
            }
            Timer::PollTimeout => {
                let stuck = matches!(self.busy, Busy::Paused { until, .. } if until > ctx.now);
                if stuck && !self.member.member_id.is_empty() {
                    // AbstractCoordinator.HeartbeatThread: "consumer poll timeout has expired";
                    // maybeLeaveGroup sends LeaveGroup and resets the generation and member id.
                    let (group, member_id) = (self.group, self.member.member_id.clone());
                    out.note(Note::GroupLeft {
                        consumer: self.idx,
                        member_id: member_id.clone(),
                        reason: match (
                            self.setup.cfg.group_instance_id.is_some(),
                            self.setup.cfg.group_protocol,
                        ) {
                            (false, _) => "consumer poll timeout has expired",
                            (true, GroupProtocol::Classic) => {
                                "consumer poll timeout has expired (a static member: no LeaveGroup)"
                            }
                            (true, GroupProtocol::Consumer) => {
                                "consumer poll timeout has expired (a static member: epoch -2)"
                            }
                        },
                    });
                    if self.setup.cfg.group_protocol == GroupProtocol::Consumer {
                        // KIP-848 leaves with a heartbeat at epoch -1 (a static member at -2,
                        // ConsumerMembershipManager.leaveGroupEpoch); the member id is kept.
                        let epoch = if self.setup.cfg.group_instance_id.is_some() {
                            super::group_coordinator::LEAVE_GROUP_STATIC_MEMBER_EPOCH
                        } else {
                            -1
                        };
                        self.consumer_heartbeat(epoch, ctx, out);
                        self.member.generation_id = -1;
                        self.rejoin_needed = true;
                        return;
                    }
                    if self.setup.cfg.group_instance_id.is_some() {
                        // AbstractCoordinator.maybeLeaveGroup: a static member sends no
                        // LeaveGroup (its session timeout decides), but resets its generation.
                        self.member = GroupMember::none();
                        self.rejoin_needed = true;
                        return;
                    }
                    self.request(
                        ctx,
                        ctx.topology.group_coordinator(),
                        |corr| Message::LeaveGroupRequest {
                            corr,
                            group,
                            member_id,
                        },
                        out,
                    );
                    self.member = GroupMember::none();
                    self.rejoin_needed = true;
                }
            }
            Timer::ProcessingDone => {
                if let Busy::Paused { until, .. } = self.busy {
                    if until <= ctx.now {
                        if let Busy::Paused {
                            tp, records, next, ..
                        } = std::mem::replace(&mut self.busy, Busy::Idle)
                        {
                            self.handle_batch(tp, records, next, ctx, out);
                        }
                        self.pump(ctx, out);
                    }
                }
            }
            Timer::RequestTimeout(corr) if corr & CLIENT_CORR_BIT != 0 => {
                let cctx = self.client_ctx(ctx);
                if let Some(c) = self.output.as_mut() {
                    c.on_request_timeout(corr, &cctx, out);
                }
                self.after_client(ctx, out);
            }
            Timer::RequestTimeout(corr) => {
                if let Some((to, msg)) = self.in_flight.remove(&corr) {
                    out.disconnect(NodeId::Broker(to));
                    match msg {
                        Message::FetchRequest { tp, .. } => {
                            self.fetching.remove(&tp);
                            self.fetch(tp, ctx, out);
                        }
                        Message::OffsetFetchRequest { .. } => self.fetch_offsets(ctx, out),
                        Message::OffsetCommitRequest { offsets, .. } => {
                            self.commit(offsets, ctx, out);
                        }
                        Message::JoinGroupRequest { .. } | Message::SyncGroupRequest { .. }
                            if self.phase == Phase::Joining =>
                        {
                            self.join_group(ctx, out)
                        }
                        Message::ConsumerGroupHeartbeatRequest {
                            member_epoch: 0, ..
                        } if self.phase == Phase::Joining => self.join_group(ctx, out),
                        Message::ListOffsetsRequest { .. } => self.list_offsets(ctx, out),
                        _ => {}
                    }
                }
            }
            Timer::Wake if self.reconnect_wait => {
                // After a disconnect: send again what was lost with the connection.
                self.reconnect_wait = false;
                if self.phase == Phase::FetchingOffsets && self.resetting.is_empty() {
                    self.fetch_offsets(ctx, out);
                } else if self.phase == Phase::FetchingOffsets {
                    self.list_offsets(ctx, out);
                } else if self.phase == Phase::Joining && !self.group_request_in_flight() {
                    self.join_group(ctx, out);
                }
                for offsets in std::mem::take(&mut self.lost_commits) {
                    self.commit(offsets, ctx, out);
                }
                self.pump(ctx, out);
            }
            Timer::Wake => {
                let cctx = self.client_ctx(ctx);
                if let Some(c) = self.output.as_mut() {
                    c.on_wake(&cctx, out);
                }
                if self.phase == Phase::FetchingOffsets && !self.resetting.is_empty() {
                    self.list_offsets(ctx, out);
                } else if self.phase == Phase::FetchingOffsets
                    && !self
                        .in_flight
                        .values()
                        .any(|(_, m)| matches!(m, Message::OffsetFetchRequest { .. }))
                {
                    self.fetch_offsets(ctx, out);
                } else if self.phase == Phase::Joining && !self.group_request_in_flight() {
                    self.join_group(ctx, out);
                } else {
                    self.after_client(ctx, out);
                    self.pump(ctx, out);
                }
            }
            _ => {}
        }
    }

    /// The connection to a broker closed: what was in flight to it is lost; after
    /// `retry.backoff.ms` the fetches, offset fetches and commits are sent again.
    pub fn on_disconnect(&mut self, broker: u8, ctx: &ConsumerCtx, out: &mut Out) {
        if !self.alive {
            return;
        }
        let cctx = self.client_ctx(ctx);
        if let Some(c) = self.output.as_mut() {
            c.on_disconnect(broker, &cctx, out);
        }
        let lost: Vec<CorrelationId> = self
            .in_flight
            .iter()
            .filter(|(_, (to, _))| *to == broker)
            .map(|(c, _)| *c)
            .collect();
        if lost.is_empty() {
            return;
        }
        for corr in lost {
            match self.in_flight.remove(&corr).map(|(_, m)| m) {
                Some(Message::FetchRequest { tp, .. }) => {
                    self.fetching.remove(&tp);
                }
                Some(Message::OffsetCommitRequest { offsets, .. }) => {
                    self.lost_commits.push(offsets)
                }
                _ => {}
            }
        }
        self.reconnect_wait = true;
        out.timer(ctx.now.plus(self.setup.cfg.retry_backoff_ms), Timer::Wake);
        self.after_client(ctx, out);
    }

    fn group_request_in_flight(&self) -> bool {
        self.in_flight.values().any(|(_, m)| {
            matches!(
                m,
                Message::JoinGroupRequest { .. }
                    | Message::SyncGroupRequest { .. }
                    | Message::ConsumerGroupHeartbeatRequest { .. }
            )
        })
    }

    /// Caught up and quiet: nothing to process, nothing to commit, nothing in flight but fetches
    /// and heartbeats.
    pub fn is_idle(&self) -> bool {
        !self.alive
            || self.halted.is_some()
            || (self.phase == Phase::Running
                && self.ready.is_empty()
                && self.busy == Busy::Idle
                && !self.rejoin_needed
                && self.in_flight.values().all(|(_, m)| {
                    matches!(
                        m,
                        Message::FetchRequest { .. }
                            | Message::HeartbeatRequest { .. }
                            | Message::ConsumerGroupHeartbeatRequest { .. }
                    )
                })
                && self.pending_assignment.is_none()
                && self.lost_commits.is_empty()
                && self.output.as_ref().is_none_or(|c| c.is_idle())
                && (self.setup.mode != CommitMode::Auto
                    || self
                        .positions
                        .iter()
                        .all(|(tp, o)| self.committed.get(tp) == Some(o))))
    }
}

/// What the application gets from a fetch (`CompletedFetch.nextFetchedRecord`): data records at
/// or after `position`; read_committed skips aborted transactional batches using the aborted
/// transactions the broker returned; control batches are never returned. Returns the records and
/// the next position, which moves past skipped batches and markers too.
pub fn read_records(
    data: &FetchedData,
    position: Offset,
    isolation: IsolationLevel,
) -> (Vec<(Offset, RecordId)>, Offset) {
    let mut records = Vec::new();
    let mut next = position;
    let mut aborted_pids: VecSet<ProducerId> = VecSet::new();
    let mut pending_aborts: Vec<_> = data.aborted.clone();
    super::vecmap::sort_small_by_key(&mut pending_aborts, |a| a.first_offset);
    for batch in &data.batches {
        if batch.next_offset() <= position {
            continue;
        }
        next = next.max(batch.next_offset());
        if isolation == IsolationLevel::ReadCommitted && !batch.producer_id.is_none() {
            pending_aborts.retain(|a| {
                if a.first_offset <= batch.last_offset() {
                    aborted_pids.insert(a.producer_id);
                    false
                } else {
                    true
                }
            });
        }
        match batch.control {
            Some(ControlType::Abort) => {
                aborted_pids.remove(&batch.producer_id);
                continue;
            }
            Some(ControlType::Commit) => continue,
            None => {}
        }
        if isolation == IsolationLevel::ReadCommitted
            && batch.is_transactional
            && aborted_pids.contains(&batch.producer_id)
        {
            continue;
        }
        for i in 0..batch.record_count {
            let offset = Offset(batch.base_offset.0 + i as u64);
            if offset >= position {
                records.push((offset, RecordId(batch.first_record.0 + i)));
            }
        }
    }
    (records, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn sink_keys_answer_and_list_as_a_set_of_keys_does() {
        let tp = |p| TopicPartition {
            topic: TopicId::Input,
            partition: p,
        };
        let keys = [
            SinkKey::Record(RecordId(700)),
            SinkKey::Record(RecordId(0)),
            SinkKey::TopicPartitionOffset(tp(1), Offset(64)),
            SinkKey::Record(RecordId(700)),
            SinkKey::TopicPartitionOffset(tp(0), Offset(63)),
            SinkKey::TopicPartitionOffset(tp(1), Offset(64)),
            SinkKey::Record(RecordId(40_000)),
        ];
        let (mut bits, mut set) = (SinkKeys::default(), BTreeSet::new());
        for k in keys {
            assert_eq!(bits.insert(k), set.insert(k), "{k:?}");
        }
        assert_eq!(
            bits.iter().collect::<Vec<_>>(),
            set.into_iter().collect::<Vec<_>>()
        );
    }
}
