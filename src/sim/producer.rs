//! The producer client: the record accumulator, the sender, sequence numbers, retries and the
//! transaction manager (`KafkaProducer`, `RecordAccumulator`, `Sender`, `TransactionManager`;
//! `../shared/KAFKA_EOS.md` §A1, §A9). The application driving it lives in `app.rs`.

use super::config::{Acks, KafkaVersion, ProducerConfig};
use super::effects::{Note, Out, Timer};
use super::errors::Errors;
use super::log::BatchToAppend;
use super::message::{CorrelationId, GroupIdx, Message, TxnIdx};
use super::topology::Topology;
use super::types::{
    NodeId, Offset, ProducerEpoch, ProducerId, RecordId, Sequence, Tick, TopicPartition,
};
use super::vecmap::{VecMap, VecSet};
use serde::Serialize;
use std::collections::VecDeque;

/// `TransactionManager.State` (an idempotent producer only uses the first three).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ClientState {
    Uninitialized,
    Initializing,
    Ready,
    InTransaction,
    CommittingTransaction,
    AbortingTransaction,
    AbortableError,
    FatalError,
}

impl ClientState {
    pub fn name(self) -> &'static str {
        match self {
            ClientState::Uninitialized => "UNINITIALIZED",
            ClientState::Initializing => "INITIALIZING",
            ClientState::Ready => "READY",
            ClientState::InTransaction => "IN_TRANSACTION",
            ClientState::CommittingTransaction => "COMMITTING_TRANSACTION",
            ClientState::AbortingTransaction => "ABORTING_TRANSACTION",
            ClientState::AbortableError => "ABORTABLE_ERROR",
            ClientState::FatalError => "FATAL_ERROR",
        }
    }
}

/// A batch in the accumulator or in flight (`ProducerBatch`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ProducerBatch {
    pub tp: TopicPartition,
    pub first_record: RecordId,
    pub record_count: u32,
    /// Assigned when the batch is first drained (`RecordAccumulator.drain`); reset by an epoch bump.
    pub base_sequence: Sequence,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub attempts: u32,
    pub created: Tick,
    pub retry_at: Tick,
    pub in_flight: bool,
    /// In its partition's queue (waiting to be sent or retried).
    pub queued: bool,
}

/// The client's batches by id, queued or in flight. Ids are handed out in order and batches
/// mostly complete in order, so a deque indexed by `id - first` takes one in and out in O(1),
/// where the `BTreeMap` it replaces rebalanced at almost every completion. Iteration is in id
/// order, and `Debug`, `Hash` and `Serialize` write what that `BTreeMap<u32, ProducerBatch>`'s did.
#[derive(Clone, Default)]
pub struct Batches {
    /// The id of `slots[0]`.
    first: u32,
    /// No `None` at either end.
    slots: VecDeque<Option<(u32, ProducerBatch)>>,
    len: usize,
}

impl Batches {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn slot(&self, id: u32) -> Option<usize> {
        id.checked_sub(self.first)
            .map(|i| i as usize)
            .filter(|i| *i < self.slots.len())
    }

    pub fn get(&self, id: &u32) -> Option<&ProducerBatch> {
        let i = self.slot(*id)?;
        self.slots[i].as_ref().map(|(_, b)| b)
    }

    pub fn get_mut(&mut self, id: &u32) -> Option<&mut ProducerBatch> {
        let i = self.slot(*id)?;
        self.slots[i].as_mut().map(|(_, b)| b)
    }

    pub fn insert(&mut self, id: u32, batch: ProducerBatch) -> Option<ProducerBatch> {
        if self.slots.is_empty() {
            self.first = id;
        }
        while id < self.first {
            self.slots.push_front(None);
            self.first -= 1;
        }
        let i = (id - self.first) as usize;
        while self.slots.len() <= i {
            self.slots.push_back(None);
        }
        let old = self.slots[i].replace((id, batch)).map(|(_, b)| b);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    pub fn remove(&mut self, id: &u32) -> Option<ProducerBatch> {
        let i = self.slot(*id)?;
        let (_, batch) = self.slots[i].take()?;
        self.len -= 1;
        while matches!(self.slots.front(), Some(None)) {
            self.slots.pop_front();
            self.first = self.first.wrapping_add(1);
        }
        while matches!(self.slots.back(), Some(None)) {
            self.slots.pop_back();
        }
        Some(batch)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&u32, &ProducerBatch)> {
        self.slots
            .iter()
            .filter_map(|s| s.as_ref().map(|(k, b)| (k, b)))
    }

    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&u32, &mut ProducerBatch)> {
        self.slots
            .iter_mut()
            .filter_map(|s| s.as_mut().map(|(k, b)| (&*k, b)))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &u32> {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &ProducerBatch> {
        self.iter().map(|(_, b)| b)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut ProducerBatch> {
        self.iter_mut().map(|(_, b)| b)
    }

    pub fn first_key_value(&self) -> Option<(&u32, &ProducerBatch)> {
        self.iter().next()
    }
}

impl PartialEq for Batches {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}
impl Eq for Batches {}

impl std::hash::Hash for Batches {
    /// `BTreeMap`'s: the length, then each entry.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.len);
        for entry in self.iter() {
            entry.hash(state);
        }
    }
}

impl std::fmt::Debug for Batches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Batches {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.len))?;
        for (k, b) in self.iter() {
            m.serialize_entry(k, b)?;
        }
        m.end()
    }
}

/// Per-partition sequence bookkeeping (`TxnPartitionEntry`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct PartitionSeq {
    pub next_sequence: i32,
    pub last_acked_sequence: i32,
    /// Batches waiting to be sent, in the order they will go (sequence order for retries).
    pub queue: VecDeque<u32>,
}

/// What an in-flight request is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Pending {
    Produce(u32),
    InitProducerId,
    AddPartitions(Vec<TopicPartition>),
    AddOffsets,
    TxnOffsetCommit,
    EndTxn(bool),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct InFlight {
    pub broker: u8,
    pub what: Pending,
}

/// The outcome of one application `send()` as the client sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum SendStatus {
    Pending,
    /// Acknowledged; the offset is unknown with `acks=0`.
    Acked(Option<Offset>),
    Failed(Errors),
    /// The client crashed before it learned the outcome.
    Unknown,
}

/// One Produce request sent for a send, and its answer (for the runner's report).
#[derive(Clone, Debug, Serialize)]
pub struct Attempt {
    /// The send's number (`sends[i].0`).
    pub send_no: u64,
    pub corr: CorrelationId,
    pub sent: Tick,
    pub producer_epoch: ProducerEpoch,
    pub base_sequence: Sequence,
    /// When and what came back: the broker's answer, or the client's own `REQUEST_TIMED_OUT` /
    /// `NETWORK_EXCEPTION`; `None` while out, and for `acks=0` (no answer is sent).
    pub answer: Option<(Tick, Result<super::log::AppendInfo, Errors>)>,
}

/// The attempts of recent sends. History, not state: two clients that differ only in it are the
/// same client, so it takes no part in the world's equality or hash (the search's seen-set).
#[derive(Clone, Debug, Default, Serialize)]
pub struct AttemptLog(pub VecDeque<Attempt>);

impl PartialEq for AttemptLog {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for AttemptLog {}
impl std::hash::Hash for AttemptLog {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl AttemptLog {
    fn answer(
        &mut self,
        corr: CorrelationId,
        now: Tick,
        r: Result<super::log::AppendInfo, Errors>,
    ) {
        if let Some(a) = self
            .0
            .iter_mut()
            .rev()
            .find(|a| a.corr == corr && a.answer.is_none())
        {
            a.answer = Some((now, r));
        }
    }
}

/// The state of `sendOffsetsToTransaction` (AddOffsetsToTxn, then TxnOffsetCommit).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum OffsetsStep {
    AddOffsets {
        group: GroupIdx,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    Commit {
        group: GroupIdx,
        offsets: Vec<(TopicPartition, Offset)>,
    },
}

/// Everything the client needs from its surroundings for one call.
pub struct ClientCtx<'a> {
    pub now: Tick,
    pub node: NodeId,
    pub topology: &'a Topology,
    pub version: KafkaVersion,
}

/// Client correlation ids are tagged so a consumer that embeds a producer can route responses.
pub const CLIENT_CORR_BIT: CorrelationId = 1 << 31;
/// The transaction manager's hard-coded backoff for AddPartitionsToTxn after CONCURRENT_TRANSACTIONS.
const ADD_PARTITIONS_RETRY_BACKOFF_MS: u64 = 20;
/// Bound on batches waiting in the accumulator (a simplified `buffer.memory`): `send()` blocks above it.
pub const MAX_QUEUED_BATCHES: usize = 1024;

/// The producer client (one session: a crash discards it, a restart makes a new one).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ProducerClient {
    pub cfg: ProducerConfig,
    pub txn: Option<TxnIdx>,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub state: ClientState,
    pub partitions: VecMap<TopicPartition, PartitionSeq>,
    pub batches: Batches,
    pub in_flight: VecMap<CorrelationId, InFlight>,
    /// Partitions added to the current transaction (AddPartitionsToTxn succeeded).
    pub txn_partitions: VecSet<TopicPartition>,
    /// Partitions the transaction needs but the coordinator has not confirmed yet.
    pub pending_partitions: VecSet<TopicPartition>,
    pub offsets: Option<OffsetsStep>,
    /// `commitTransaction()` or `abortTransaction()` waiting to send EndTxn.
    pub end_requested: Option<bool>,
    /// How the last transaction ended (true: committed), for the application to tell a commit
    /// from an abort once `completeTransaction` has cleared `last_error`.
    pub last_end: Option<bool>,
    pub offsets_added: bool,
    pub epoch_bump_needed: bool,
    /// TV1 with KIP-360: an abortable error asks for an epoch bump by InitProducerId(pid, epoch)
    /// once the abort is done (`TransactionManager.epochBumpRequired`).
    pub epoch_bump_required: bool,
    /// Partitions whose sequence is unknown after a batch expired once sent
    /// (`TransactionManager.partitionsWithUnresolvedSequences`).
    pub unresolved: VecSet<TopicPartition>,
    /// Batches that expired (failed at `delivery.timeout.ms`) while a request for them was still
    /// out: a late success still moves the last acknowledged sequence (`handleCompletedBatch`).
    pub expired_in_flight: VecMap<u32, (TopicPartition, i32, ProducerEpoch)>,
    pub last_error: Option<Errors>,
    /// Sends and their outcomes, for "client belief vs log truth"; the oldest are dropped past a bound.
    pub sends: VecDeque<(u64, TopicPartition, RecordId, u32, SendStatus)>,
    pub sends_total: u64,
    /// Every Produce request of the kept sends, with its answer.
    pub attempts: AttemptLog,
    next_corr: CorrelationId,
    next_batch: u32,
    /// Earliest time something waits to be retried (a wake-up is set for it).
    wake_at: Option<Tick>,
    init_retry_at: Option<Tick>,
    init_attempts: u32,
    /// Transactional requests (AddPartitions, AddOffsets, TxnOffsetCommit, EndTxn) wait until then after a failure.
    txn_retry_at: Option<Tick>,
    batch_send_no: std::collections::BTreeMap<u32, u64>,
    /// The consumer's `groupMetadata()` that `sendOffsetsToTransaction` passes (KIP-447); set by
    /// the consume–transform–produce application before it calls `send_offsets_to_transaction`.
    pub group_member: super::message::GroupMember,
}

const MAX_SENDS_KEPT: usize = 2048;

impl ProducerClient {
    pub fn new(cfg: ProducerConfig, txn: Option<TxnIdx>) -> Self {
        ProducerClient {
            cfg,
            txn,
            producer_id: ProducerId::NONE,
            producer_epoch: ProducerEpoch::NONE,
            state: ClientState::Uninitialized,
            partitions: VecMap::new(),
            batches: Batches::default(),
            in_flight: VecMap::new(),
            txn_partitions: VecSet::new(),
            pending_partitions: VecSet::new(),
            offsets: None,
            end_requested: None,
            last_end: None,
            offsets_added: false,
            epoch_bump_needed: false,
            epoch_bump_required: false,
            unresolved: VecSet::new(),
            expired_in_flight: VecMap::new(),
            last_error: None,
            sends: VecDeque::new(),
            sends_total: 0,
            attempts: AttemptLog::default(),
            next_corr: 0,
            next_batch: 0,
            wake_at: None,
            init_retry_at: None,
            init_attempts: 0,
            txn_retry_at: None,
            batch_send_no: std::collections::BTreeMap::new(),
            group_member: super::message::GroupMember::none(),
        }
    }

    pub fn is_transactional(&self) -> bool {
        self.txn.is_some()
    }

    pub fn idempotent(&self) -> bool {
        self.cfg.enable_idempotence
    }

    /// Transactions v2 (KIP-890 part 2): a transactional client on a cluster whose finalized
    /// `transaction.version` is 2. Simplification: the feature never changes during a run, so
    /// the switch at a transaction boundary (KAFKA-18227) is not modelled.
    pub fn tv2(&self, ctx: &ClientCtx) -> bool {
        self.is_transactional() && ctx.topology.features.tv2()
    }

    /// Batches not yet completed (queued or in flight).
    pub fn pending_batches(&self) -> usize {
        self.batches.len()
    }

    pub fn queued_batches(&self) -> usize {
        self.partitions.values().map(|p| p.queue.len()).sum()
    }

    /// Is the client busy with anything (requests in flight, batches, transaction steps)?
    pub fn is_idle(&self) -> bool {
        self.batches.is_empty()
            && self.in_flight.is_empty()
            && self.offsets.is_none()
            && self.end_requested.is_none()
            && !matches!(self.state, ClientState::Initializing)
    }

    fn corr(&mut self) -> CorrelationId {
        let c = CLIENT_CORR_BIT | self.next_corr;
        self.next_corr = (self.next_corr + 1) & !CLIENT_CORR_BIT;
        c
    }

    fn request(
        &mut self,
        ctx: &ClientCtx,
        broker: u8,
        what: Pending,
        build: impl FnOnce(CorrelationId) -> Message,
        out: &mut Out,
    ) {
        let corr = self.corr();
        out.send(NodeId::Broker(broker), build(corr));
        out.timer(
            ctx.now.plus(self.cfg.request_timeout_ms),
            Timer::RequestTimeout(corr),
        );
        self.in_flight.insert(corr, InFlight { broker, what });
    }

    /// Sets a wake-up at `at` unless an earlier one is still pending.
    fn wake(&mut self, now: Tick, at: Tick, out: &mut Out) {
        if self.wake_at.is_none_or(|w| w < now || at < w) {
            self.wake_at = Some(at);
            out.timer(at, Timer::Wake);
        }
    }

    /// Starts the client: an idempotent, non-transactional producer asks any broker for a
    /// producer id (`Sender.maybeWaitForProducerId`); a plain one is ready at once.
    pub fn start(&mut self, ctx: &ClientCtx, out: &mut Out) {
        if self.is_transactional() {
            return; // waits for initTransactions()
        }
        if self.idempotent() {
            self.send_init_producer_id(ctx, out);
        } else {
            self.state = ClientState::Ready;
        }
    }

    fn send_init_producer_id(&mut self, ctx: &ClientCtx, out: &mut Out) {
        self.state = ClientState::Initializing;
        // An idempotent producer asks any broker (Kafka: the least loaded node); after a failure it tries the next one.
        let broker = if self.is_transactional() {
            ctx.topology.txn_coordinator()
        } else {
            ctx.topology.any_live_broker(self.init_attempts)
        };
        self.init_attempts = self.init_attempts.wrapping_add(1);
        let (txn, timeout) = (self.txn, self.cfg.transaction_timeout_ms);
        // KIP-360: a transactional client that bumps its epoch after an error sends the
        // (pid, epoch) it has (InitProducerId v3+); a first initTransactions() sends none.
        let (producer_id, producer_epoch) = if self.is_transactional() && self.epoch_bump_required {
            (self.producer_id, self.producer_epoch)
        } else {
            (ProducerId::NONE, ProducerEpoch::NONE)
        };
        self.request(
            ctx,
            broker,
            Pending::InitProducerId,
            |corr| Message::InitProducerIdRequest {
                corr,
                txn,
                transaction_timeout_ms: timeout,
                producer_id,
                producer_epoch,
            },
            out,
        );
    }

    // ---- the application API ----

    /// `initTransactions()`.
    pub fn init_transactions(&mut self, ctx: &ClientCtx, out: &mut Out) -> Result<(), Errors> {
        if !self.is_transactional() || self.state != ClientState::Uninitialized {
            return Err(Errors::InvalidTxnState);
        }
        self.send_init_producer_id(ctx, out);
        Ok(())
    }

    /// `beginTransaction()`: local to the client; the coordinator hears of the transaction only
    /// when the first partition is added.
    pub fn begin_transaction(&mut self) -> Result<(), Errors> {
        if self.state != ClientState::Ready {
            return Err(Errors::InvalidTxnState);
        }
        self.state = ClientState::InTransaction;
        self.txn_partitions.clear();
        self.pending_partitions.clear();
        self.offsets_added = false;
        Ok(())
    }

    /// `send()`: appends a batch to the accumulator.
    pub fn send(
        &mut self,
        tp: TopicPartition,
        first_record: RecordId,
        record_count: u32,
        ctx: &ClientCtx,
        out: &mut Out,
    ) -> Result<(), Errors> {
        match self.state {
            ClientState::FatalError | ClientState::AbortableError => {
                return Err(self.last_error.unwrap_or(Errors::InvalidTxnState))
            }
            ClientState::InTransaction => {
                if self.tv2(ctx) {
                    // Transactions v2: tracked locally, no AddPartitionsToTxn; the partition leader
                    // adds it with the first produce (TransactionManager.maybeAddPartition).
                    self.txn_partitions.insert(tp);
                } else if !self.txn_partitions.contains(&tp) {
                    self.pending_partitions.insert(tp);
                }
            }
            _ if self.is_transactional() => return Err(Errors::InvalidTxnState),
            _ => {}
        }
        let id = self.next_batch;
        self.next_batch = self.next_batch.wrapping_add(1);
        self.batches.insert(
            id,
            ProducerBatch {
                tp,
                first_record,
                record_count,
                base_sequence: Sequence::NONE,
                producer_id: ProducerId::NONE,
                producer_epoch: ProducerEpoch::NONE,
                attempts: 0,
                created: ctx.now,
                retry_at: ctx.now,
                in_flight: false,
                queued: true,
            },
        );
        self.partitions
            .entry(tp)
            .or_insert_with(|| PartitionSeq {
                last_acked_sequence: -1,
                ..Default::default()
            })
            .queue
            .push_back(id);
        let no = self.sends_total;
        self.sends_total += 1;
        self.batch_send_no.insert(id, no);
        self.sends
            .push_back((no, tp, first_record, record_count, SendStatus::Pending));
        if self.sends.len() > MAX_SENDS_KEPT {
            self.sends.pop_front();
        }
        // The Sender runs on its own thread: back-to-back send()s of a transactional application
        // reach it together, so their new partitions travel in one AddPartitionsToTxn
        // (TransactionManager.maybeAddPartition / nextRequest). The application drains after its burst.
        if !self.is_transactional() {
            self.drain(ctx, out);
        }
        Ok(())
    }

    /// `sendOffsetsToTransaction()`: AddOffsetsToTxn to the coordinator, then TxnOffsetCommit to the group coordinator.
    pub fn send_offsets_to_transaction(
        &mut self,
        group: GroupIdx,
        offsets: Vec<(TopicPartition, Offset)>,
        ctx: &ClientCtx,
        out: &mut Out,
    ) -> Result<(), Errors> {
        if self.state != ClientState::InTransaction {
            return Err(self.last_error.unwrap_or(Errors::InvalidTxnState));
        }
        if self.tv2(ctx) {
            // Transactions v2: TxnOffsetCommit v5 at once, no AddOffsetsToTxn; the group
            // coordinator's broker adds the offsets partition (TransactionManager.sendOffsetsToTransaction).
            self.offsets_added = true;
            self.offsets = Some(OffsetsStep::Commit { group, offsets });
        } else {
            self.offsets = Some(OffsetsStep::AddOffsets { group, offsets });
        }
        self.drain(ctx, out);
        Ok(())
    }

    /// `commitTransaction()`: flushes, then EndTxn(COMMIT) once every batch has completed.
    pub fn commit_transaction(&mut self, ctx: &ClientCtx, out: &mut Out) -> Result<(), Errors> {
        match self.state {
            ClientState::InTransaction => {}
            ClientState::AbortableError | ClientState::FatalError => {
                return Err(self.last_error.unwrap_or(Errors::InvalidTxnState))
            }
            _ => return Err(Errors::InvalidTxnState),
        }
        self.state = ClientState::CommittingTransaction;
        self.end_requested = Some(true);
        self.drain(ctx, out);
        Ok(())
    }

    /// `abortTransaction()`: batches not yet sent fail with `TransactionAbortedException`.
    pub fn abort_transaction(&mut self, ctx: &ClientCtx, out: &mut Out) -> Result<(), Errors> {
        match self.state {
            ClientState::InTransaction | ClientState::AbortableError => {}
            ClientState::FatalError => {
                return Err(self.last_error.unwrap_or(Errors::ProducerFenced))
            }
            _ => return Err(Errors::InvalidTxnState),
        }
        self.state = ClientState::AbortingTransaction;
        self.end_requested = Some(false);
        self.offsets = None;
        let unsent: Vec<u32> = self
            .batches
            .iter()
            .filter(|(_, b)| !b.in_flight)
            .map(|(id, _)| *id)
            .collect();
        for id in unsent {
            self.fail_batch(id, Errors::TransactionAborted, ctx, out);
        }
        self.pending_partitions.clear();
        self.drain(ctx, out);
        Ok(())
    }

    // ---- the sender ----

    /// `Sender.runOnce`: sends what can be sent now.
    pub fn drain(&mut self, ctx: &ClientCtx, out: &mut Out) {
        if self.state == ClientState::FatalError {
            return;
        }
        // Sender.sendProducerData: batches past delivery.timeout.ms fail, in flight or not.
        self.expire_due(ctx, out);
        self.maybe_resolve_sequences(ctx, out);
        if self.state == ClientState::FatalError {
            return;
        }
        if self.epoch_bump_needed && self.batches.values().all(|b| !b.in_flight) {
            self.bump_epoch(ctx, out);
        }
        if self.state == ClientState::Initializing || self.state == ClientState::Uninitialized {
            return;
        }
        // Sender.maybeSendAndPollTransactionalRequest: while a transactional request is out, or
        // when one was just sent, no produce request goes: one transactional request at a time.
        if self.is_transactional() && self.drain_transactional(ctx, out) {
            self.arm_delivery_deadline(ctx, out);
            return;
        }
        // By index, not over a copy of the keys: draining adds no partition.
        let mut i = 0;
        loop {
            let Some(tp) = self.partitions.keys().nth(i).copied() else {
                break;
            };
            self.drain_partition(tp, ctx, out);
            i += 1;
        }
        self.arm_delivery_deadline(ctx, out);
    }

    /// Fails every batch whose `delivery.timeout.ms` has passed (`RecordAccumulator.expiredBatches`
    /// and `Sender.getExpiredInflightBatches`), at its deadline rather than at a request timeout.
    fn expire_due(&mut self, ctx: &ClientCtx, out: &mut Out) {
        let dt = self.cfg.delivery_timeout_ms;
        // Batch ids grow with their creation time (both are assigned at `send`), so the due ones
        // are a prefix of the map: no scan of the whole accumulator at every drain.
        let due: Vec<u32> = self
            .batches
            .iter()
            .take_while(|(_, b)| b.created.0 + dt <= ctx.now.0)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            self.expire(id, ctx, out);
        }
    }

    /// A wake-up at the earliest delivery deadline of the batches still outstanding.
    fn arm_delivery_deadline(&mut self, ctx: &ClientCtx, out: &mut Out) {
        let dt = self.cfg.delivery_timeout_ms;
        // The oldest batch is the first (see `expire_due`).
        let first = self
            .batches
            .first_key_value()
            .map(|(_, b)| b.created.plus(dt));
        if let Some(first) = first {
            self.wake(ctx.now, first, out);
        }
    }

    /// `TransactionManager.maybeResolveSequences`: once a partition with an unresolved sequence
    /// has no batch left in flight, it is resolved if the last acknowledged sequence is the one
    /// before the next (a later batch was acknowledged, so the expired one was written): no
    /// epoch bump. Otherwise the idempotent producer bumps its epoch, and the transactional one
    /// must abort and bump it (KIP-360), or fail if its coordinator cannot (≤2.4).
    fn maybe_resolve_sequences(&mut self, ctx: &ClientCtx, out: &mut Out) {
        let tps: Vec<TopicPartition> = self.unresolved.iter().copied().collect();
        for tp in tps {
            let in_flight = self
                .batches
                .values()
                .any(|b| b.tp == tp && b.base_sequence != Sequence::NONE);
            if in_flight {
                continue;
            }
            self.unresolved.remove(&tp);
            let resolved = self
                .partitions
                .get(&tp)
                .is_some_and(|p| p.last_acked_sequence.wrapping_add(1) == p.next_sequence);
            if resolved {
                continue;
            }
            if !self.is_transactional() {
                self.epoch_bump_needed = true;
            } else if self.tv2(ctx) {
                self.abortable(Errors::DeliveryTimeout, ctx, out);
            } else if ctx.version.client_bumps_epoch_locally() {
                self.epoch_bump_required = true;
                self.abortable(Errors::DeliveryTimeout, ctx, out);
            } else {
                self.fatal(Errors::DeliveryTimeout, ctx, out);
            }
        }
    }

    fn requests_to(&self, broker: u8) -> u32 {
        self.in_flight
            .values()
            .filter(|f| f.broker == broker)
            .count() as u32
    }

    fn drain_partition(&mut self, tp: TopicPartition, ctx: &ClientCtx, out: &mut Out) {
        if self.is_transactional() && !self.txn_partitions.contains(&tp) {
            return; // never send to a partition before it was added (TransactionManager.isSendToPartitionAllowed)
        }
        let broker = ctx.topology.leader(tp);
        loop {
            if self.requests_to(broker) >= self.cfg.max_in_flight {
                return;
            }
            let in_flight_here = self.in_flight.values().any(|f| matches!(f.what, Pending::Produce(id) if self.batches.get(&id).is_some_and(|b| b.tp == tp)));
            // max.in.flight=1 mutes the partition while a batch is in flight (guaranteeMessageOrder).
            if self.cfg.max_in_flight == 1 && in_flight_here {
                return;
            }
            let Some(&id) = self.partitions.get(&tp).and_then(|p| p.queue.front()) else {
                return;
            };
            let Some(batch) = self.batches.get(&id) else {
                if let Some(p) = self.partitions.get_mut(&tp) {
                    p.queue.pop_front();
                }
                continue;
            };
            if batch.created.0 + self.cfg.delivery_timeout_ms <= ctx.now.0 {
                self.expire(id, ctx, out);
                continue;
            }
            if batch.retry_at > ctx.now {
                let at = batch.retry_at;
                self.wake(ctx.now, at, out);
                return;
            }
            // A retried batch goes out alone: only the lowest in-flight sequence is drained
            // (RecordAccumulator.shouldStopDrainBatchesForPartition).
            if self.idempotent() && batch.attempts > 0 && in_flight_here {
                return;
            }
            // No new batch while the partition's sequence is unresolved (same method).
            if batch.base_sequence == Sequence::NONE && self.unresolved.contains(&tp) {
                return;
            }
            let Some(p) = self.partitions.get_mut(&tp) else {
                return;
            };
            p.queue.pop_front();
            let Some(batch) = self.batches.get_mut(&id) else {
                return;
            };
            batch.queued = false;
            if self.cfg.enable_idempotence && batch.base_sequence == Sequence::NONE {
                batch.base_sequence = Sequence(p.next_sequence);
                p.next_sequence = p.next_sequence.wrapping_add(batch.record_count as i32);
            }
            if self.cfg.enable_idempotence {
                batch.producer_id = self.producer_id;
                batch.producer_epoch = self.producer_epoch;
            }
            batch.attempts += 1;
            batch.in_flight = true;
            let to_append = BatchToAppend {
                producer_id: batch.producer_id,
                producer_epoch: batch.producer_epoch,
                base_sequence: batch.base_sequence,
                record_count: batch.record_count,
                is_transactional: self.txn.is_some(),
                first_record: batch.first_record,
                transactional_id: self.txn,
                transaction_version: if self.tv2(ctx) { 2 } else { 1 },
            };
            let acks = self.cfg.acks;
            let attempt = Attempt {
                send_no: self.batch_send_no.get(&id).copied().unwrap_or(0),
                corr: CLIENT_CORR_BIT | self.next_corr,
                sent: ctx.now,
                producer_epoch: to_append.producer_epoch,
                base_sequence: to_append.base_sequence,
                answer: None,
            };
            self.attempts.0.push_back(attempt);
            if self.attempts.0.len() > 4 * MAX_SENDS_KEPT {
                self.attempts.0.pop_front();
            }
            if acks == Acks::None {
                // acks=0: the send completes once written to the socket, offset unknown (ACKS_DOC).
                out.send(
                    NodeId::Broker(broker),
                    Message::ProduceRequest {
                        corr: self.corr(),
                        tp,
                        batch: to_append,
                        acks,
                    },
                );
                self.complete_batch(id, Ok(None), ctx, out);
            } else {
                self.request(
                    ctx,
                    broker,
                    Pending::Produce(id),
                    |corr| Message::ProduceRequest {
                        corr,
                        tp,
                        batch: to_append,
                        acks,
                    },
                    out,
                );
            }
        }
    }

    /// The transactional requests, one at a time (`TransactionManager.nextRequest`, in its
    /// priority order: AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn). Returns
    /// true when one is out (or waits for its backoff): the Sender then sends no produce request.
    fn drain_transactional(&mut self, ctx: &ClientCtx, out: &mut Out) -> bool {
        let txn_request_out = self
            .in_flight
            .values()
            .any(|f| !matches!(f.what, Pending::Produce(_)));
        if txn_request_out {
            return true;
        }
        let Some(next) = self.next_txn_request() else {
            return false;
        };
        if let Some(t) = self.txn_retry_at.filter(|t| *t > ctx.now) {
            // The Sender sleeps retry.backoff.ms before a retried transactional request.
            self.wake(ctx.now, t, out);
            return true;
        }
        self.txn_retry_at = None;
        let coordinator = ctx.topology.txn_coordinator();
        let (txn, pid, epoch) = (self.txn.unwrap_or(0), self.producer_id, self.producer_epoch);
        match next {
            Pending::AddPartitions(parts) => {
                let p2 = parts.clone();
                self.request(
                    ctx,
                    coordinator,
                    Pending::AddPartitions(parts),
                    |corr| Message::AddPartitionsToTxnRequest {
                        corr,
                        txn,
                        producer_id: pid,
                        producer_epoch: epoch,
                        partitions: p2,
                        verify_only: false,
                    },
                    out,
                );
            }
            Pending::AddOffsets => {
                let Some(OffsetsStep::AddOffsets { group, .. }) = self.offsets.clone() else {
                    return false;
                };
                self.request(
                    ctx,
                    coordinator,
                    Pending::AddOffsets,
                    |corr| Message::AddOffsetsToTxnRequest {
                        corr,
                        txn,
                        producer_id: pid,
                        producer_epoch: epoch,
                        group,
                    },
                    out,
                );
            }
            Pending::TxnOffsetCommit => {
                let Some(OffsetsStep::Commit { group, offsets }) = self.offsets.clone() else {
                    return false;
                };
                let gc = ctx.topology.group_coordinator();
                let member = self.group_member.clone();
                self.request(
                    ctx,
                    gc,
                    Pending::TxnOffsetCommit,
                    |corr| Message::TxnOffsetCommitRequest {
                        corr,
                        group,
                        producer_id: pid,
                        producer_epoch: epoch,
                        offsets,
                        member,
                    },
                    out,
                );
            }
            Pending::EndTxn(commit) => {
                if self.txn_partitions.is_empty() && !self.offsets_added {
                    // Nothing was added: the transaction ends without an EndTxn.
                    self.finish_txn(commit, ctx, out);
                    return false;
                }
                self.request(
                    ctx,
                    coordinator,
                    Pending::EndTxn(commit),
                    |corr| Message::EndTxnRequest {
                        corr,
                        txn,
                        producer_id: pid,
                        producer_epoch: epoch,
                        commit,
                    },
                    out,
                );
            }
            Pending::Produce(_) | Pending::InitProducerId => return false,
        }
        true
    }

    /// What `TransactionManager.nextRequest` would send now, if anything.
    fn next_txn_request(&self) -> Option<Pending> {
        let adding = matches!(
            self.state,
            ClientState::InTransaction | ClientState::CommittingTransaction
        );
        if adding && !self.pending_partitions.is_empty() {
            return Some(Pending::AddPartitions(
                self.pending_partitions.iter().copied().collect(),
            ));
        }
        match &self.offsets {
            Some(OffsetsStep::AddOffsets { .. }) => return Some(Pending::AddOffsets),
            Some(OffsetsStep::Commit { .. }) => return Some(Pending::TxnOffsetCommit),
            None => {}
        }
        // EndTxn only after every batch has completed ("Do not send the EndTxn until all batches
        // have been flushed"); a batch that expired in flight has completed, its request may be out.
        let commit = self.end_requested?;
        if !self.batches.is_empty() || (commit && !self.pending_partitions.is_empty()) {
            return None;
        }
        Some(Pending::EndTxn(commit))
    }

    /// `TransactionManager.completeTransaction`.
    fn finish_txn(&mut self, commit: bool, ctx: &ClientCtx, out: &mut Out) {
        self.end_requested = None;
        self.last_end = Some(commit);
        self.state = ClientState::Ready;
        self.last_error = None;
        self.txn_partitions.clear();
        self.pending_partitions.clear();
        self.offsets_added = false;
        // Transactions v1: the epoch stays and sequences continue into the next transaction,
        // unless an abortable error asked for a bump: then InitProducerId(pid, epoch) goes
        // before the next transaction (beginCompletingTransaction enqueues it after EndTxn).
        if self.epoch_bump_required {
            self.send_init_producer_id(ctx, out);
        }
        if commit {
            out.note(Note::TxnCommittedByClient { node: ctx.node });
        }
    }

    /// After an InitProducerId(pid, epoch) bump the sequences restart at 0
    /// (`InitProducerIdHandler`: `if (isEpochBump) resetSequenceNumbers()`).
    fn reset_sequences(&mut self) {
        for p in self.partitions.values_mut() {
            p.next_sequence = 0;
            p.last_acked_sequence = -1;
        }
        for b in self.batches.values_mut() {
            b.base_sequence = Sequence::NONE;
        }
        self.unresolved.clear();
        self.expired_in_flight.clear();
    }

    /// The idempotent producer's epoch bump (2.5+, KIP-360): epoch + 1 and every partition's
    /// sequence restarts at 0; ≤2.4 asks for a new producer id instead.
    fn bump_epoch(&mut self, ctx: &ClientCtx, out: &mut Out) {
        self.epoch_bump_needed = false;
        for p in self.partitions.values_mut() {
            p.next_sequence = 0;
            p.last_acked_sequence = -1;
        }
        for b in self.batches.values_mut() {
            b.base_sequence = Sequence::NONE;
        }
        if ctx.version.client_bumps_epoch_locally() {
            self.producer_epoch = self.producer_epoch.next();
            out.note(Note::ProducerIdChanged {
                node: ctx.node,
                producer_id: self.producer_id,
                epoch: self.producer_epoch.0,
            });
        } else {
            self.send_init_producer_id(ctx, out);
        }
    }

    // ---- responses ----

    /// Handles a response to one of this client's requests. Stale answers (to a request the
    /// client gave up on when it closed the connection) are ignored.
    pub fn on_response(&mut self, msg: Message, ctx: &ClientCtx, out: &mut Out) {
        let corr = match &msg {
            Message::ProduceResponse { corr, .. }
            | Message::InitProducerIdResponse { corr, .. }
            | Message::AddPartitionsToTxnResponse { corr, .. }
            | Message::AddOffsetsToTxnResponse { corr, .. }
            | Message::TxnOffsetCommitResponse { corr, .. }
            | Message::EndTxnResponse { corr, .. } => *corr,
            _ => return,
        };
        let Some(flight) = self.in_flight.remove(&corr) else {
            return;
        };
        match (flight.what, msg) {
            (Pending::Produce(id), Message::ProduceResponse { result, .. }) => {
                self.attempts.answer(corr, ctx.now, result);
                self.on_produce_result(id, result, ctx, out)
            }
            (Pending::InitProducerId, Message::InitProducerIdResponse { result, .. }) => {
                match result {
                    Ok((pid, epoch)) => {
                        if self.epoch_bump_required {
                            self.epoch_bump_required = false;
                            self.reset_sequences();
                        }
                        self.producer_id = pid;
                        self.producer_epoch = epoch;
                        self.state = ClientState::Ready;
                        out.note(Note::ProducerIdChanged {
                            node: ctx.node,
                            producer_id: pid,
                            epoch: epoch.0,
                        });
                    }
                    Err(e) if e.is_retriable() => {
                        self.state = ClientState::Uninitialized;
                        self.retry_init(ctx, out);
                    }
                    Err(e) => self.fatal(e, ctx, out),
                }
            }
            (Pending::AddPartitions(parts), Message::AddPartitionsToTxnResponse { error, .. }) => {
                match error {
                    None => {
                        for p in parts {
                            self.pending_partitions.remove(&p);
                            self.txn_partitions.insert(p);
                        }
                    }
                    Some(Errors::ConcurrentTransactions)
                    | Some(Errors::CoordinatorNotAvailable) => {
                        self.retry_txn_later(
                            ctx.now,
                            ctx.now.plus(ADD_PARTITIONS_RETRY_BACKOFF_MS),
                            out,
                        );
                    }
                    // AddPartitionsToTxnHandler: UNKNOWN_PRODUCER_ID and INVALID_PRODUCER_ID_MAPPING
                    // (an expired transactional.id) → abortableErrorIfPossible: abortable with an
                    // epoch bump after the abort when the coordinator can bump (KIP-360, 2.5+),
                    // fatal before (TransactionManager.canBumpEpoch).
                    Some(e @ (Errors::InvalidProducerIdMapping | Errors::UnknownProducerId))
                        if ctx.version.client_bumps_epoch_locally() =>
                    {
                        self.epoch_bump_required = true;
                        self.abortable(e, ctx, out);
                    }
                    Some(e) => self.fatal(e, ctx, out),
                }
            }
            (Pending::AddOffsets, Message::AddOffsetsToTxnResponse { error, .. }) => match error {
                None => {
                    self.offsets_added = true;
                    if let Some(OffsetsStep::AddOffsets { group, offsets }) = self.offsets.take() {
                        self.offsets = Some(OffsetsStep::Commit { group, offsets });
                    }
                }
                Some(e) if e.is_retriable() => {
                    self.retry_txn_later(ctx.now, ctx.now.plus(self.cfg.retry_backoff_ms), out)
                }
                Some(e) => self.fatal(e, ctx, out),
            },
            (Pending::TxnOffsetCommit, Message::TxnOffsetCommitResponse { error, .. }) => {
                match error {
                    None => self.offsets = None,
                    Some(e) if e.is_retriable() => {
                        self.retry_txn_later(ctx.now, ctx.now.plus(self.cfg.retry_backoff_ms), out)
                    }
                    // TxnOffsetCommitHandler: "consumer group metadata mismatch" is an abortable CommitFailedException.
                    Some(e @ (Errors::UnknownMemberId | Errors::IllegalGeneration)) => {
                        self.abortable_with(e, "CommitFailedException, abortable", ctx, out)
                    }
                    // TxnOffsetCommitHandler: FENCED_INSTANCE_ID (a replaced static member's
                    // group metadata) is abortable too, as FencedInstanceIdException.
                    Some(Errors::FencedInstanceId) => self.abortable_with(
                        Errors::FencedInstanceId,
                        "FencedInstanceIdException, abortable",
                        ctx,
                        out,
                    ),
                    Some(e) => self.abortable(e, ctx, out),
                }
            }
            (
                Pending::EndTxn(commit),
                Message::EndTxnResponse {
                    error,
                    producer_id_and_epoch,
                    ..
                },
            ) => match error {
                None => {
                    if let (true, Some((pid, epoch))) = (self.tv2(ctx), producer_id_and_epoch) {
                        // EndTxn v5: the bumped epoch (or the next producer id) and every
                        // partition's sequence back to 0 (KAFKA-14562).
                        self.reset_sequences();
                        self.producer_id = pid;
                        self.producer_epoch = epoch;
                        out.note(Note::ProducerIdChanged {
                            node: ctx.node,
                            producer_id: pid,
                            epoch: epoch.0,
                        });
                    }
                    self.finish_txn(commit, ctx, out)
                }
                Some(e) if e.is_retriable() => {
                    self.retry_txn_later(ctx.now, ctx.now.plus(self.cfg.retry_backoff_ms), out)
                }
                // KIP-1050 (4.1+, KAFKA-19250): TRANSACTION_ABORTABLE while aborting is fatal, so the
                // abort cannot loop; before, the application's abortTransaction() goes round again
                // (modelled as EndTxn sent again after retry.backoff.ms).
                Some(Errors::TransactionAbortable)
                    if !commit && !ctx.version.at_least(KafkaVersion::V4_1) =>
                {
                    self.retry_txn_later(ctx.now, ctx.now.plus(self.cfg.retry_backoff_ms), out)
                }
                Some(e) => self.fatal(e, ctx, out),
            },
            _ => {}
        }
        self.drain(ctx, out);
    }

    fn retry_txn_later(&mut self, now: Tick, at: Tick, out: &mut Out) {
        self.txn_retry_at = Some(self.txn_retry_at.map_or(at, |t| t.max(at)));
        self.wake(now, at, out);
    }

    fn retry_init(&mut self, ctx: &ClientCtx, out: &mut Out) {
        self.state = ClientState::Initializing;
        let at = ctx.now.plus(self.cfg.retry_backoff_ms);
        self.wake(ctx.now, at, out);
        self.init_retry_at = Some(at);
    }

    fn on_produce_result(
        &mut self,
        id: u32,
        result: Result<super::log::AppendInfo, Errors>,
        ctx: &ClientCtx,
        out: &mut Out,
    ) {
        if let Some((tp, last_seq, epoch)) = self.expired_in_flight.remove(&id) {
            // A batch already failed at its delivery deadline was written after all: its
            // sequence counts as acknowledged (Sender.completeBatch → handleCompletedBatch).
            if let (Ok(_), Some(p)) = (result, self.partitions.get_mut(&tp)) {
                if epoch == self.producer_epoch && last_seq > p.last_acked_sequence {
                    p.last_acked_sequence = last_seq;
                }
            }
            return;
        }
        let Some(batch) = self.batches.get_mut(&id) else {
            return;
        };
        batch.in_flight = false;
        match result {
            Ok(info) => {
                let last_seq = batch
                    .base_sequence
                    .0
                    .wrapping_add(batch.record_count as i32 - 1);
                if let Some(p) = self.partitions.get_mut(&batch.tp) {
                    if batch.base_sequence.0 >= 0 && last_seq > p.last_acked_sequence {
                        p.last_acked_sequence = last_seq;
                    }
                }
                self.complete_batch(id, Ok(Some(info.base_offset)), ctx, out);
            }
            Err(e) => self.on_batch_error(id, e, ctx, out),
        }
    }

    /// `Sender.completeBatch` / `TransactionManager.canRetry` for a failed produce.
    fn on_batch_error(&mut self, id: u32, error: Errors, ctx: &ClientCtx, out: &mut Out) {
        let Some(batch) = self.batches.get(&id) else {
            return;
        };
        let tp = batch.tp;
        let expired = batch.created.0 + self.cfg.delivery_timeout_ms <= ctx.now.0;
        let mut retry = error.is_retriable() && batch.attempts <= self.cfg.retries && !expired;
        if error == Errors::OutOfOrderSequenceNumber && self.idempotent() {
            let next_expected = self
                .partitions
                .get(&tp)
                .map_or(0, |p| p.last_acked_sequence.wrapping_add(1));
            if batch.base_sequence.0 == next_expected && !self.is_transactional() {
                // A real gap: the idempotent producer bumps its epoch and retries (KIP-360).
                self.epoch_bump_needed = true;
            } else if batch.base_sequence.0 == next_expected {
                retry = false; // transactional: fails the batch; the transaction must abort
            }
        }
        if error == Errors::UnknownProducerId && self.idempotent() && !self.is_transactional() {
            self.epoch_bump_needed = true;
        }
        if retry {
            self.reenqueue(id, ctx, out);
        } else if expired {
            self.expire(id, ctx, out);
        } else {
            // Sender.completeBatch → failBatch(…, adjustSequenceNumbers = attempts < retries) →
            // TransactionManager.handleFailedBatch: unless the error is fatal, a transactional
            // producer gives the failed batch's sequence back (adjustSequencesDueToFailedBatch),
            // so the next batch to the partition reuses it.
            let give_back = self
                .batches
                .get(&id)
                .is_some_and(|b| b.attempts < self.cfg.retries);
            if self.is_transactional() && give_back && error != Errors::ProducerFenced {
                self.adjust_sequences_due_to_failed_batch(id);
            }
            self.fail_batch(id, error, ctx, out);
        }
    }

    /// `TxnPartitionMap.adjustSequencesDueToFailedBatch`: the partition's next sequence goes back
    /// by the failed batch's record count, and later batches of the partition move down with it.
    fn adjust_sequences_due_to_failed_batch(&mut self, id: u32) {
        let Some(b) = self.batches.get(&id) else {
            return;
        };
        let (tp, seq, n) = (b.tp, b.base_sequence.0, b.record_count as i32);
        if seq < 0 {
            return;
        }
        if let Some(p) = self.partitions.get_mut(&tp) {
            p.next_sequence = (p.next_sequence - n).max(0);
        }
        for (other, b) in self.batches.iter_mut() {
            if *other != id && b.tp == tp && b.base_sequence.0 > seq {
                b.base_sequence = Sequence(b.base_sequence.0 - n);
            }
        }
    }

    /// `RecordAccumulator.reenqueue`: back to the queue after `retry.backoff.ms`, in sequence
    /// order with idempotence, at the front without.
    fn reenqueue(&mut self, id: u32, ctx: &ClientCtx, out: &mut Out) {
        let backoff = self.cfg.retry_backoff_ms;
        let Some(batch) = self.batches.get_mut(&id) else {
            return;
        };
        batch.retry_at = ctx.now.plus(backoff);
        batch.queued = true;
        let (tp, seq) = (batch.tp, batch.base_sequence.0);
        let idempotent = self.cfg.enable_idempotence;
        let batches = &self.batches;
        let Some(p) = self.partitions.get_mut(&tp) else {
            return;
        };
        if idempotent && seq >= 0 {
            // Looks the queued batches up where they are: no copy of every batch's sequence.
            let pos = p
                .queue
                .iter()
                .position(|q| {
                    batches
                        .get(q)
                        .is_none_or(|b| b.base_sequence.0 < 0 || b.base_sequence.0 > seq)
                })
                .unwrap_or(p.queue.len());
            p.queue.insert(pos, id);
        } else {
            p.queue.push_front(id);
        }
        self.wake(ctx.now, ctx.now.plus(backoff), out);
    }

    /// A batch past `delivery.timeout.ms` fails with a `TimeoutException`. One that had been
    /// retried leaves its partition's sequence unresolved (Sender.sendProducerData:
    /// `if (expiredBatch.inRetry()) transactionManager.markSequenceUnresolved(expiredBatch)`).
    fn expire(&mut self, id: u32, ctx: &ClientCtx, out: &mut Out) {
        if let Some(b) = self.batches.get(&id) {
            let in_retry = b.attempts > 1 || (b.attempts == 1 && b.queued);
            if in_retry && self.idempotent() {
                self.unresolved.insert(b.tp);
            }
            if b.in_flight {
                // Its request stays out (and counts towards max.in.flight) until answered.
                let last_seq = b.base_sequence.0.wrapping_add(b.record_count as i32 - 1);
                self.expired_in_flight
                    .insert(id, (b.tp, last_seq, b.producer_epoch));
            }
        }
        self.fail_batch(id, Errors::DeliveryTimeout, ctx, out);
    }

    fn fail_batch(&mut self, id: u32, error: Errors, ctx: &ClientCtx, out: &mut Out) {
        if self.tv2(ctx) && error == Errors::InvalidProducerIdMapping {
            // 4.0+: INVALID_PRODUCER_ID_MAPPING is fatal (TransactionManager.maybeTransitionToErrorState).
            self.fatal(error, ctx, out);
        } else if self.is_transactional() && error != Errors::TransactionAborted {
            // Any failed produce in a transaction makes it abortable, and with KIP-360 (2.5+)
            // asks for an epoch bump after the abort unless the transaction is already ending
            // (TransactionManager.maybeTransitionToErrorState: `canBumpEpoch() && !isCompleting()`).
            // Transactions v2 needs none: the abort's own bump recovers the producer
            // (`needToTriggerEpochBumpFromClient` is false).
            if ctx.version.client_bumps_epoch_locally()
                && !self.tv2(ctx)
                && self.state == ClientState::InTransaction
            {
                self.epoch_bump_required = true;
            }
            // 4.1+ (KIP-1050, KAFKA-18019): retriable errors that ran out and INVALID_TXN_STATE
            // reach the application as TransactionAbortableException.
            let seen = if ctx.version.at_least(KafkaVersion::V4_1)
                && (error.is_retriable()
                    || error == Errors::DeliveryTimeout
                    || error == Errors::InvalidTxnState)
            {
                Errors::TransactionAbortable
            } else {
                error
            };
            self.abortable(seen, ctx, out);
        }
        self.complete_batch(id, Err(error), ctx, out);
    }

    fn complete_batch(
        &mut self,
        id: u32,
        result: Result<Option<Offset>, Errors>,
        ctx: &ClientCtx,
        out: &mut Out,
    ) {
        let Some(batch) = self.batches.remove(&id) else {
            return;
        };
        // Only a batch still waiting in the queue (an abort, an expiry) has to be taken out of it.
        if batch.queued {
            if let Some(p) = self.partitions.get_mut(&batch.tp) {
                if let Some(i) = p.queue.iter().position(|q| *q == id) {
                    p.queue.remove(i);
                }
            }
        }
        let status = match result {
            Ok(offset) => {
                out.note(Note::Acked {
                    node: ctx.node,
                    tp: batch.tp,
                    first_record: batch.first_record,
                    count: batch.record_count,
                    offset,
                });
                SendStatus::Acked(offset)
            }
            Err(error) => {
                out.note(Note::SendFailed {
                    node: ctx.node,
                    tp: batch.tp,
                    first_record: batch.first_record,
                    count: batch.record_count,
                    error,
                });
                SendStatus::Failed(error)
            }
        };
        if let Some(no) = self.batch_send_no.remove(&id) {
            // The kept sends are consecutive numbers: index by distance from the oldest kept.
            let oldest = self.sends.front().map_or(0, |s| s.0);
            if let Some(s) = no
                .checked_sub(oldest)
                .and_then(|i| self.sends.get_mut(i as usize))
            {
                s.4 = status;
            }
        }
    }

    fn abortable(&mut self, error: Errors, ctx: &ClientCtx, out: &mut Out) {
        self.abortable_with(error, "abortable", ctx, out)
    }

    fn abortable_with(
        &mut self,
        error: Errors,
        what: &'static str,
        ctx: &ClientCtx,
        out: &mut Out,
    ) {
        if matches!(
            self.state,
            ClientState::InTransaction | ClientState::CommittingTransaction
        ) {
            self.state = ClientState::AbortableError;
            self.last_error = Some(error);
            self.end_requested = None;
            self.offsets = None;
            out.note(Note::ClientError {
                node: ctx.node,
                error,
                what,
            });
        }
    }

    fn fatal(&mut self, error: Errors, ctx: &ClientCtx, out: &mut Out) {
        self.state = ClientState::FatalError;
        self.last_error = Some(error);
        self.end_requested = None;
        self.offsets = None;
        out.note(Note::ClientError {
            node: ctx.node,
            error,
            what: "fatal",
        });
        let ids: Vec<u32> = self.batches.keys().copied().collect();
        for id in ids {
            if !self.batches.get(&id).is_some_and(|b| b.in_flight) {
                self.complete_batch(id, Err(error), ctx, out);
            }
        }
    }

    /// `request.timeout.ms` expired: Kafka's `NetworkClient` closes the connection, failing every
    /// request in flight to that broker; their late answers are ignored.
    pub fn on_request_timeout(&mut self, corr: CorrelationId, ctx: &ClientCtx, out: &mut Out) {
        let Some(flight) = self.in_flight.get(&corr) else {
            return;
        };
        let broker = flight.broker;
        out.disconnect(NodeId::Broker(broker));
        self.fail_connection(broker, Errors::RequestTimedOut, ctx, out);
    }

    /// The connection to a broker closed (it crashed, or refused a connection): every request in
    /// flight to it fails with a retriable `NetworkException` (`NetworkClient` disconnect handling).
    pub fn on_disconnect(&mut self, broker: u8, ctx: &ClientCtx, out: &mut Out) {
        self.fail_connection(broker, Errors::NetworkException, ctx, out);
    }

    fn fail_connection(&mut self, broker: u8, error: Errors, ctx: &ClientCtx, out: &mut Out) {
        let dead: Vec<(CorrelationId, InFlight)> = self
            .in_flight
            .iter()
            .filter(|(_, f)| f.broker == broker)
            .map(|(c, f)| (*c, f.clone()))
            .collect();
        for (c, f) in dead {
            self.in_flight.remove(&c);
            match f.what {
                Pending::Produce(id) => {
                    self.attempts.answer(c, ctx.now, Err(error));
                    self.expired_in_flight.remove(&id);
                    if let Some(b) = self.batches.get_mut(&id) {
                        b.in_flight = false;
                    }
                    self.on_batch_error(id, error, ctx, out);
                }
                Pending::InitProducerId => self.retry_init(ctx, out),
                // Transactional requests are sent again after retry.backoff.ms.
                _ => self.retry_txn_later(ctx.now, ctx.now.plus(self.cfg.retry_backoff_ms), out),
            }
        }
        self.drain(ctx, out);
    }

    /// A wake-up: retry what waited for a backoff.
    pub fn on_wake(&mut self, ctx: &ClientCtx, out: &mut Out) {
        if self.wake_at.is_some_and(|w| w <= ctx.now) {
            self.wake_at = None;
        }
        if self.state == ClientState::Initializing
            && self.init_retry_at.is_some_and(|t| t <= ctx.now)
            && !self
                .in_flight
                .values()
                .any(|f| f.what == Pending::InitProducerId)
        {
            self.init_retry_at = None;
            self.send_init_producer_id(ctx, out);
        }
        self.drain(ctx, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::hash::{DefaultHasher, Hash, Hasher};

    fn batch(n: u32) -> ProducerBatch {
        ProducerBatch {
            tp: TopicPartition {
                topic: super::super::types::TopicId::Input,
                partition: (n % 3) as u8,
            },
            first_record: RecordId(n),
            record_count: 1,
            base_sequence: Sequence(n as i32),
            producer_id: ProducerId::NONE,
            producer_epoch: ProducerEpoch::NONE,
            attempts: n % 2,
            created: Tick(n as u64),
            retry_at: Tick(0),
            in_flight: n.is_multiple_of(2),
            queued: false,
        }
    }

    #[test]
    fn batches_behave_and_hash_as_the_btreemap_they_replace() {
        let hash = |x: &dyn Fn(&mut DefaultHasher)| {
            let mut h = DefaultHasher::new();
            x(&mut h);
            h.finish()
        };
        let (mut a, mut b) = (Batches::default(), BTreeMap::new());
        let mut other = Batches::default();
        for (i, id) in [5u32, 6, 7, 3, 9, 8, 20].into_iter().enumerate() {
            assert_eq!(a.insert(id, batch(id)), b.insert(id, batch(id)));
            if i == 2 {
                assert_eq!(a.insert(6, batch(1)), b.insert(6, batch(1)));
            }
        }
        for id in [7u32, 3, 20, 100, 0, 5] {
            assert_eq!(a.remove(&id), b.remove(&id));
            assert_eq!(a.len(), b.len());
            assert!(a.iter().eq(b.iter()));
            assert_eq!(a.first_key_value(), b.first_key_value());
            assert_eq!(format!("{:?}", a), format!("{:?}", b));
            assert_eq!(
                serde_json::to_string(&a).ok(),
                serde_json::to_string(&b).ok()
            );
            assert_eq!(hash(&|h| a.hash(h)), hash(&|h| b.hash(h)));
            for k in 0..25 {
                assert_eq!(a.get(&k), b.get(&k));
            }
        }
        // Equal whatever the history: the same entries make the same map.
        for (k, v) in b.iter() {
            other.insert(*k, v.clone());
        }
        assert_eq!(a, other);
        for id in [6u32, 8, 9] {
            a.remove(&id);
        }
        assert!(a.is_empty() && a.iter().next().is_none());
        assert_eq!(a, Batches::default());
        assert_eq!(
            hash(&|h| a.hash(h)),
            hash(&|h| BTreeMap::<u32, ProducerBatch>::new().hash(h))
        );
    }
}
