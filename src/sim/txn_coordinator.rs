//! The transaction coordinator (`TransactionCoordinator`, `TransactionStateManager`,
//! `TransactionMarkerChannelManager`; `../shared/KAFKA_EOS.md` §A7), transactions v1 rules.
//!
//! Every transition is appended to `__transaction_state` before it takes effect in memory.
//! Simplification: with one replica the append is synchronous, so Kafka's `pendingState` is
//! never observed between two steps; a restart reloads the metadata from that log.

use super::effects::{Note, Out, Timer};
use super::errors::Errors;
use super::log::ControlType;
use super::message::{CorrelationId, GroupIdx, Message, TxnIdx};
use super::topology::Topology;
use super::types::{set_of, NodeId, ProducerEpoch, ProducerId, Tick, TopicPartition};
use super::vecmap::{VecMap, VecSet};
pub use super::vocabulary::TransactionState;
use serde::Serialize;

/// `transaction.abort.timed.out.transaction.cleanup.interval.ms` (broker default).
pub const TIMEOUT_CHECK_INTERVAL_MS: u64 = 10_000;
/// The coordinator's own `request.timeout.ms` for WriteTxnMarkers.
pub const MARKER_REQUEST_TIMEOUT_MS: u64 = 30_000;
/// The backoff before marker requests lost with a connection are sent again (`retry.backoff.ms`).
pub const MARKER_RETRY_BACKOFF_MS: u64 = 100;

/// A partition in a transaction: a data partition, or a group's `__consumer_offsets` partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum TxnPartition {
    Data(TopicPartition),
    Offsets(GroupIdx),
}

/// `TransactionMetadata` for one `transactional.id`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TxnMetadata {
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub txn_timeout_ms: u64,
    pub state: TransactionState,
    pub topic_partitions: VecSet<TxnPartition>,
    pub txn_start: Tick,
    /// `lastProducerEpoch`: the epoch before the last client-requested bump, so a retried
    /// InitProducerId(pid, epoch) is recognised (KIP-360). Not persisted: -1 after a load.
    pub last_producer_epoch: ProducerEpoch,
    /// `previousProducerId`: the id before an exhausted epoch rotated it (KIP-360).
    pub previous_producer_id: ProducerId,
    /// `nextProducerId` (transactions v2): allocated when Prepare* uses the last epoch;
    /// Complete* switches to it with epoch 0 (KAFKA-18660).
    pub next_producer_id: ProducerId,
}

/// `TransactionMetadata.isProducerEpochExhausted`: `Short.MAX_VALUE - 1` is the last epoch
/// the coordinator hands out before it allocates a new producer id.
pub fn is_epoch_exhausted(epoch: ProducerEpoch) -> bool {
    epoch.0 >= i16::MAX - 1
}

/// One record of `__transaction_state` (`TransactionLogValue`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TxnLogRecord {
    pub tick: Tick,
    pub txn: TxnIdx,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub state: TransactionState,
    pub partitions: Vec<TxnPartition>,
    pub txn_timeout_ms: u64,
    pub txn_start: Tick,
    /// The coordinator's `lastProducerEpoch` when it wrote this record. Not a field of Kafka's
    /// `TransactionLogValue` (a load starts it at -1); kept for the runner's report.
    pub last_producer_epoch: ProducerEpoch,
}

/// Markers still to be written for a transaction in PrepareCommit/PrepareAbort.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PendingMarkers {
    pub result: ControlType,
    pub remaining: VecSet<TxnPartition>,
    /// WriteTxnMarkers requests in flight, by correlation id, with the partitions they carry.
    /// WriteTxnMarkers requests in flight, by correlation id: the broker and the partitions.
    pub in_flight: VecMap<CorrelationId, (u8, Vec<TxnPartition>)>,
    /// Partitions a leader refused (NOT_ENOUGH_REPLICAS, NOT_LEADER_OR_FOLLOWER…) wait until
    /// then before they are sent again.
    pub retry_at: Option<Tick>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TxnCoordinator {
    /// The leader epoch of `__transaction_state` when this coordinator loaded it.
    pub coordinator_epoch: i32,
    /// `__transaction_state`: survives a crash.
    pub log: Vec<TxnLogRecord>,
    /// In-memory metadata, rebuilt from `log` on load.
    pub txns: VecMap<TxnIdx, TxnMetadata>,
    pub markers: VecMap<TxnIdx, PendingMarkers>,
    next_corr: CorrelationId,
    timeout_check_armed: bool,
}

/// What the coordinator needs from its broker.
pub struct CoordCtx<'a> {
    pub now: Tick,
    pub me: NodeId,
    pub topology: &'a Topology,
    /// The broker's producer id block (`ProducerIdManager` hands out ids from blocks of 1000).
    pub next_producer_id: &'a mut i64,
}

impl TxnCoordinator {
    pub fn new() -> Self {
        TxnCoordinator {
            coordinator_epoch: 0,
            log: Vec::new(),
            txns: VecMap::new(),
            markers: VecMap::new(),
            next_corr: 0,
            timeout_check_armed: false,
        }
    }

    /// A replica that is not the leader keeps the log (replicated to it) and nothing in memory.
    pub fn standby(&mut self) {
        self.txns.clear();
        self.markers.clear();
        self.timeout_check_armed = false;
    }

    /// Reloads after a restart (`TransactionStateManager.loadTransactionsForTxnTopicPartition`):
    /// the last record per `transactional.id` becomes its metadata; transactions in
    /// PrepareCommit/PrepareAbort get their markers again, with the new coordinator epoch.
    pub fn load(&mut self, ctx: &mut CoordCtx, out: &mut Out) {
        self.coordinator_epoch += 1;
        self.txns.clear();
        self.markers.clear();
        self.timeout_check_armed = false;
        for r in &self.log {
            if r.state == TransactionState::Dead {
                // The tombstone of an expired transactional.id.
                self.txns.remove(&r.txn);
                continue;
            }
            self.txns.insert(
                r.txn,
                TxnMetadata {
                    producer_id: r.producer_id,
                    producer_epoch: r.producer_epoch,
                    txn_timeout_ms: r.txn_timeout_ms,
                    state: r.state,
                    topic_partitions: set_of(r.partitions.iter().copied()),
                    txn_start: r.txn_start,
                    last_producer_epoch: ProducerEpoch::NONE,
                    // Simplification: not persisted, as before 4.3's KAFKA-20310.
                    previous_producer_id: ProducerId::NONE,
                    next_producer_id: ProducerId::NONE,
                },
            );
        }
        let preparing: Vec<(TxnIdx, ControlType)> = self
            .txns
            .iter()
            .filter_map(|(t, m)| match m.state {
                TransactionState::PrepareCommit => Some((*t, ControlType::Commit)),
                TransactionState::PrepareAbort => Some((*t, ControlType::Abort)),
                _ => None,
            })
            .collect();
        for (txn, result) in preparing {
            self.start_markers(txn, result, ctx, out);
        }
        self.arm_timeout_check(ctx.now, out);
    }

    fn alloc_producer_id(ctx: &mut CoordCtx) -> ProducerId {
        let pid = *ctx.next_producer_id;
        *ctx.next_producer_id += 1;
        ProducerId(pid)
    }

    /// Writes a transition to `__transaction_state`, then applies it (`TransactionStateManager.appendTransactionToLog`).
    fn write(&mut self, txn: TxnIdx, next: TxnMetadata, now: Tick, out: &mut Out) {
        let from = self
            .txns
            .get(&txn)
            .map_or(TransactionState::Empty, |m| m.state);
        self.log.push(TxnLogRecord {
            tick: now,
            txn,
            producer_id: next.producer_id,
            producer_epoch: next.producer_epoch,
            state: next.state,
            // `Empty` is written with null partitions.
            partitions: next.topic_partitions.iter().copied().collect(),
            txn_timeout_ms: next.txn_timeout_ms,
            txn_start: next.txn_start,
            last_producer_epoch: next.last_producer_epoch,
        });
        out.note(Note::TxnTransition {
            txn,
            from,
            to: next.state,
            producer_id: next.producer_id,
            epoch: next.producer_epoch.0,
        });
        self.txns.insert(txn, next);
    }

    /// Handles a request addressed to the coordinator. Returns false if it is not one.
    pub fn handle(
        &mut self,
        from: NodeId,
        msg: &Message,
        ctx: &mut CoordCtx,
        out: &mut Out,
    ) -> bool {
        match msg {
            Message::InitProducerIdRequest {
                corr,
                txn,
                transaction_timeout_ms,
                producer_id,
                producer_epoch,
            } => {
                let expected = (!producer_id.is_none()).then_some((*producer_id, *producer_epoch));
                let result =
                    self.init_producer_id(*txn, *transaction_timeout_ms, expected, ctx, out);
                out.send(
                    from,
                    Message::InitProducerIdResponse {
                        corr: *corr,
                        result,
                    },
                );
            }
            Message::AddPartitionsToTxnRequest {
                corr,
                txn,
                producer_id,
                producer_epoch,
                partitions,
                verify_only,
            } => {
                let parts: Vec<TxnPartition> =
                    partitions.iter().map(|p| TxnPartition::Data(*p)).collect();
                let error = if *verify_only {
                    self.verify_partitions(*txn, *producer_id, *producer_epoch, &parts)
                } else {
                    self.add_partitions(*txn, *producer_id, *producer_epoch, &parts, ctx.now, out)
                };
                out.send(
                    from,
                    Message::AddPartitionsToTxnResponse { corr: *corr, error },
                );
            }
            Message::AddOffsetsToTxnRequest {
                corr,
                txn,
                producer_id,
                producer_epoch,
                group,
            } => {
                // KafkaApis.handleAddOffsetsToTxnRequest: the group's __consumer_offsets partition joins the transaction.
                let error = self.add_partitions(
                    *txn,
                    *producer_id,
                    *producer_epoch,
                    &[TxnPartition::Offsets(*group)],
                    ctx.now,
                    out,
                );
                out.send(
                    from,
                    Message::AddOffsetsToTxnResponse { corr: *corr, error },
                );
            }
            Message::EndTxnRequest {
                corr,
                txn,
                producer_id,
                producer_epoch,
                commit,
            } => {
                let (error, producer_id_and_epoch) = if ctx.topology.features.tv2() {
                    self.end_txn_tv2(*txn, *producer_id, *producer_epoch, *commit, ctx, out)
                } else {
                    (
                        self.end_txn(*txn, *producer_id, *producer_epoch, *commit, ctx, out),
                        None,
                    )
                };
                out.send(
                    from,
                    Message::EndTxnResponse {
                        corr: *corr,
                        error,
                        producer_id_and_epoch,
                    },
                );
            }
            Message::WriteTxnMarkersResponse {
                corr,
                txn,
                results,
                group,
            } => {
                self.on_markers_response(*corr, *txn, results, *group, ctx, out);
            }
            _ => return false,
        }
        true
    }

    /// `TransactionCoordinator.handleInitProducerId`.
    fn init_producer_id(
        &mut self,
        txn: Option<TxnIdx>,
        timeout_ms: u64,
        expected: Option<(ProducerId, ProducerEpoch)>,
        ctx: &mut CoordCtx,
        out: &mut Out,
    ) -> Result<(ProducerId, ProducerEpoch), Errors> {
        let Some(txn) = txn else {
            // Idempotent producer: a fresh producer id with epoch 0, nothing written.
            return Ok((Self::alloc_producer_id(ctx), ProducerEpoch(0)));
        };
        // TransactionStateManager.validateTransactionTimeoutMs: 0 < timeout <= transaction.max.timeout.ms.
        if timeout_ms == 0 || timeout_ms > ctx.topology.features.broker.transaction_max_timeout_ms {
            return Err(Errors::InvalidTransactionTimeout);
        }
        if !self.txns.contains_key(&txn) {
            let pid = Self::alloc_producer_id(ctx);
            self.txns.insert(
                txn,
                TxnMetadata {
                    producer_id: pid,
                    producer_epoch: ProducerEpoch::NONE,
                    txn_timeout_ms: timeout_ms,
                    state: TransactionState::Empty,
                    topic_partitions: VecSet::new(),
                    txn_start: ctx.now,
                    last_producer_epoch: ProducerEpoch::NONE,
                    previous_producer_id: ProducerId::NONE,
                    next_producer_id: ProducerId::NONE,
                },
            );
        }
        let Some(meta) = self.txns.get(&txn).cloned() else {
            return Err(Errors::CoordinatorNotAvailable);
        };
        // TransactionCoordinator.isValidProducerId (KIP-360): an expected (pid, epoch) must be
        // this id's, or the previous one with an exhausted epoch (a retry after a rotation).
        if let Some((pid, epoch)) = expected {
            let valid = meta.producer_epoch == ProducerEpoch::NONE
                || pid == meta.producer_id
                || (pid == meta.previous_producer_id && is_epoch_exhausted(epoch));
            if !valid {
                return Err(Errors::ProducerFenced);
            }
        }
        match meta.state {
            TransactionState::PrepareCommit | TransactionState::PrepareAbort => {
                Err(Errors::ConcurrentTransactions)
            }
            TransactionState::Ongoing => {
                // prepareFenceProducerEpoch: bump the epoch and abort the open transaction; the
                // client retries on CONCURRENT_TRANSACTIONS and its retry bumps the epoch again.
                self.fence_and_abort(txn, ctx, out);
                Err(Errors::ConcurrentTransactions)
            }
            _ => {
                let expected_epoch = expected.map(|(_, e)| e);
                let next = if is_epoch_exhausted(meta.producer_epoch)
                    && expected_epoch.is_none_or(|e| e == meta.producer_epoch)
                {
                    // TransactionMetadata.prepareProducerIdRotation: a new producer id with epoch 0.
                    TxnMetadata {
                        producer_id: Self::alloc_producer_id(ctx),
                        producer_epoch: ProducerEpoch(0),
                        last_producer_epoch: if expected.is_some() {
                            meta.producer_epoch
                        } else {
                            ProducerEpoch::NONE
                        },
                        previous_producer_id: meta.producer_id,
                        txn_timeout_ms: timeout_ms,
                        state: TransactionState::Empty,
                        topic_partitions: VecSet::new(),
                        ..meta
                    }
                } else {
                    // TransactionMetadata.prepareIncrementProducerEpoch.
                    let (epoch, last) = match expected_epoch {
                        None => (meta.producer_epoch.next(), ProducerEpoch::NONE),
                        Some(e)
                            if meta.producer_epoch == ProducerEpoch::NONE
                                || e == meta.producer_epoch =>
                        {
                            (meta.producer_epoch.next(), meta.producer_epoch)
                        }
                        // A retry of a bump that succeeded: the current epoch, no second bump.
                        Some(e) if e == meta.last_producer_epoch => {
                            (meta.producer_epoch, meta.last_producer_epoch)
                        }
                        Some(_) => return Err(Errors::ProducerFenced),
                    };
                    TxnMetadata {
                        producer_epoch: epoch,
                        last_producer_epoch: last,
                        txn_timeout_ms: timeout_ms,
                        state: TransactionState::Empty,
                        topic_partitions: VecSet::new(),
                        ..meta
                    }
                };
                let result = (next.producer_id, next.producer_epoch);
                self.write(txn, next, ctx.now, out);
                Ok(result)
            }
        }
    }

    /// The lab's `initial_epoch`: `txn` exists in Empty at `epoch` with a fresh producer id.
    pub fn seed(
        &mut self,
        txn: TxnIdx,
        epoch: ProducerEpoch,
        timeout_ms: u64,
        ctx: &mut CoordCtx,
        out: &mut Out,
    ) {
        if self.txns.contains_key(&txn) {
            return;
        }
        let meta = TxnMetadata {
            producer_id: Self::alloc_producer_id(ctx),
            producer_epoch: epoch,
            txn_timeout_ms: timeout_ms,
            state: TransactionState::Empty,
            topic_partitions: VecSet::new(),
            txn_start: ctx.now,
            last_producer_epoch: ProducerEpoch::NONE,
            previous_producer_id: ProducerId::NONE,
            next_producer_id: ProducerId::NONE,
        };
        self.write(txn, meta, ctx.now, out);
    }

    /// Bumps the epoch of an Ongoing transaction and aborts it (InitProducerId fence, timeout).
    /// Under transactions v2 this is one bump too (4.0.1+/4.1.0, KAFKA-19367; 4.0.0 bumped twice:
    /// not modelled). Simplification: 4.3's rotation to a new producer id on this path at an
    /// exhausted epoch (KAFKA-20090) is not modelled; the next InitProducerId rotates instead.
    fn fence_and_abort(&mut self, txn: TxnIdx, ctx: &mut CoordCtx, out: &mut Out) {
        let Some(meta) = self.txns.get(&txn).cloned() else {
            return;
        };
        out.note(Note::TxnTransition {
            txn,
            from: meta.state,
            to: TransactionState::PrepareEpochFence,
            producer_id: meta.producer_id,
            epoch: meta.producer_epoch.next().0,
        });
        let fenced = TxnMetadata {
            producer_epoch: meta.producer_epoch.next(),
            last_producer_epoch: ProducerEpoch::NONE,
            state: TransactionState::PrepareEpochFence,
            ..meta
        };
        self.txns.insert(txn, fenced.clone());
        self.write(
            txn,
            TxnMetadata {
                state: TransactionState::PrepareAbort,
                ..fenced
            },
            ctx.now,
            out,
        );
        self.start_markers(txn, ControlType::Abort, ctx, out);
    }

    /// An add asked by the broker this coordinator runs on (TxnOffsetCommit v5, transactions v2).
    pub fn add_partitions_for(
        &mut self,
        txn: TxnIdx,
        producer_id: ProducerId,
        epoch: ProducerEpoch,
        parts: &[TxnPartition],
        now: Tick,
        out: &mut Out,
    ) -> Option<Errors> {
        self.add_partitions(txn, producer_id, epoch, parts, now, out)
    }

    /// `TransactionCoordinator.handleAddPartitionsToTransaction` (client path, v≤3; and a
    /// leader's implicit add under transactions v2).
    fn add_partitions(
        &mut self,
        txn: TxnIdx,
        producer_id: ProducerId,
        epoch: ProducerEpoch,
        parts: &[TxnPartition],
        now: Tick,
        out: &mut Out,
    ) -> Option<Errors> {
        let Some(meta) = self.txns.get(&txn).cloned() else {
            return Some(Errors::InvalidProducerIdMapping);
        };
        if meta.producer_id != producer_id {
            return Some(Errors::InvalidProducerIdMapping);
        }
        if meta.producer_epoch != epoch {
            return Some(Errors::ProducerFenced);
        }
        match meta.state {
            TransactionState::PrepareCommit
            | TransactionState::PrepareAbort
            | TransactionState::PrepareEpochFence => return Some(Errors::ConcurrentTransactions),
            TransactionState::Ongoing
                if parts.iter().all(|p| meta.topic_partitions.contains(p)) =>
            {
                return None
            }
            _ => {}
        }
        let starting = meta.state != TransactionState::Ongoing;
        let mut next = meta;
        if starting {
            next.txn_start = now;
            next.topic_partitions.clear();
        }
        next.topic_partitions.extend(parts.iter().copied());
        next.state = TransactionState::Ongoing;
        self.write(txn, next, now, out);
        self.arm_timeout_check(now, out);
        None
    }

    /// `TransactionCoordinator.endTransactionWithTV1`.
    fn end_txn(
        &mut self,
        txn: TxnIdx,
        producer_id: ProducerId,
        epoch: ProducerEpoch,
        commit: bool,
        ctx: &mut CoordCtx,
        out: &mut Out,
    ) -> Option<Errors> {
        let Some(meta) = self.txns.get(&txn).cloned() else {
            return Some(Errors::InvalidProducerIdMapping);
        };
        if meta.producer_id != producer_id {
            return Some(Errors::InvalidProducerIdMapping);
        }
        if meta.producer_epoch != epoch {
            return Some(Errors::ProducerFenced);
        }
        use TransactionState::*;
        match (meta.state, commit) {
            (Ongoing, _) => {
                let (state, result) = if commit {
                    (PrepareCommit, ControlType::Commit)
                } else {
                    (PrepareAbort, ControlType::Abort)
                };
                self.write(txn, TxnMetadata { state, ..meta }, ctx.now, out);
                // The reply goes out once PrepareX is durable; the markers follow asynchronously.
                self.start_markers(txn, result, ctx, out);
                None
            }
            (CompleteCommit, true) | (CompleteAbort, false) => None,
            (PrepareCommit, true) | (PrepareAbort, false) => Some(Errors::ConcurrentTransactions),
            _ => Some(Errors::InvalidTxnState),
        }
    }

    /// `TransactionCoordinator.handleVerifyPartitionsInTransaction` (KIP-890 part 1,
    /// AddPartitionsToTxn v4 `verifyOnly`): is every partition already in the open transaction?
    fn verify_partitions(
        &self,
        txn: TxnIdx,
        producer_id: ProducerId,
        epoch: ProducerEpoch,
        parts: &[TxnPartition],
    ) -> Option<Errors> {
        let Some(meta) = self.txns.get(&txn) else {
            return Some(Errors::InvalidProducerIdMapping);
        };
        if meta.producer_id != producer_id {
            return Some(Errors::InvalidProducerIdMapping);
        }
        if meta.producer_epoch != epoch {
            return Some(Errors::ProducerFenced);
        }
        match meta.state {
            TransactionState::PrepareCommit
            | TransactionState::PrepareAbort
            | TransactionState::PrepareEpochFence => Some(Errors::ConcurrentTransactions),
            TransactionState::Ongoing
                if parts.iter().all(|p| meta.topic_partitions.contains(p)) =>
            {
                None
            }
            // "Record was not part of an ongoing transaction".
            _ => Some(Errors::TransactionAbortable),
        }
    }

    /// `TransactionCoordinator.endTransaction` for transactions v2 (EndTxn v5, KAFKA-14562,
    /// KAFKA-18464). A retry is recognised by request epoch = stored − 1 (or, after a rotation,
    /// the previous id at `Short.MAX_VALUE − 1`); the answer carries the (pid, epoch) to use next.
    ///
    /// | state          | abort, retry | abort, current | commit, retry | commit, current |
    /// |----------------|--------------|----------------|---------------|-----------------|
    /// | Empty          | PF           | EB             | PF            | ITS             |
    /// | CompleteAbort  | NONE         | EB             | ITS           | ITS             |
    /// | CompleteCommit | ITS          | EB             | NONE          | ITS             |
    ///
    /// Ongoing needs the current epoch; Prepare* the retry epoch (CONCURRENT_TRANSACTIONS).
    /// Simplification: a pending transition is never observed (appends are synchronous), so the
    /// pending-transition check that precedes the epoch check never fires.
    #[allow(clippy::type_complexity)]
    fn end_txn_tv2(
        &mut self,
        txn: TxnIdx,
        producer_id: ProducerId,
        epoch: ProducerEpoch,
        commit: bool,
        ctx: &mut CoordCtx,
        out: &mut Out,
    ) -> (Option<Errors>, Option<(ProducerId, ProducerEpoch)>) {
        use TransactionState::*;
        let Some(meta) = self.txns.get(&txn).cloned() else {
            return (Some(Errors::InvalidProducerIdMapping), None);
        };
        let retry_on_overflow = meta.previous_producer_id == producer_id
            && epoch.0 == i16::MAX - 1
            && meta.producer_epoch.0 == 0;
        if meta.producer_id != producer_id && !retry_on_overflow {
            return (Some(Errors::InvalidProducerIdMapping), None);
        }
        let retry = retry_on_overflow || meta.producer_epoch.0 as i32 == epoch.0 as i32 + 1;
        let current = !retry_on_overflow && meta.producer_epoch == epoch;
        if !retry && !current {
            return (Some(Errors::ProducerFenced), None);
        }
        let now_has = Some((meta.producer_id, meta.producer_epoch));
        let fenced = (Some(Errors::ProducerFenced), None);
        let invalid = (Some(Errors::InvalidTxnState), None);
        match (meta.state, commit, retry) {
            (Ongoing, _, false) => self.prepare_tv2(txn, commit, ctx, out),
            (Ongoing, _, true) => fenced,
            (PrepareCommit, true, true) | (PrepareAbort, false, true) => {
                (Some(Errors::ConcurrentTransactions), None)
            }
            (PrepareCommit | PrepareAbort, _, false) => fenced,
            (PrepareCommit | PrepareAbort, _, true) => invalid,
            (Empty, _, true) => fenced,
            (Empty, true, false) => invalid,
            (CompleteAbort, false, true) | (CompleteCommit, true, true) => (None, now_has),
            // After a timeout abort, a commit at the old epoch: INVALID_TXN_STATE as the releases
            // answer (a later trunk change, KAFKA-20785, answers PRODUCER_FENCED; not modelled).
            (CompleteAbort | CompleteCommit, true, _) | (CompleteCommit, false, true) => invalid,
            // An abort with nothing open: PrepareAbort with the bumped epoch and no partitions,
            // at once CompleteAbort.
            (Empty | CompleteAbort | CompleteCommit, false, false) => {
                self.prepare_tv2(txn, false, ctx, out)
            }
            (Dead | PrepareEpochFence, _, _) => invalid,
        }
    }

    /// Transactions v2's Prepare*: epoch + 1 (`lastProducerEpoch` = the old one), a
    /// `nextProducerId` when that is the last epoch; the reply once it is durable.
    fn prepare_tv2(
        &mut self,
        txn: TxnIdx,
        commit: bool,
        ctx: &mut CoordCtx,
        out: &mut Out,
    ) -> (Option<Errors>, Option<(ProducerId, ProducerEpoch)>) {
        let Some(meta) = self.txns.get(&txn).cloned() else {
            return (Some(Errors::InvalidProducerIdMapping), None);
        };
        let next_producer_id = if is_epoch_exhausted(meta.producer_epoch) {
            Self::alloc_producer_id(ctx)
        } else {
            ProducerId::NONE
        };
        let (state, result) = if commit {
            (TransactionState::PrepareCommit, ControlType::Commit)
        } else {
            (TransactionState::PrepareAbort, ControlType::Abort)
        };
        let next = TxnMetadata {
            producer_epoch: meta.producer_epoch.next(),
            last_producer_epoch: meta.producer_epoch,
            next_producer_id,
            state,
            ..meta
        };
        let answer = if next_producer_id.is_none() {
            (next.producer_id, next.producer_epoch)
        } else {
            (next_producer_id, ProducerEpoch(0))
        };
        self.write(txn, next, ctx.now, out);
        self.start_markers(txn, result, ctx, out);
        (None, Some(answer))
    }

    fn start_markers(
        &mut self,
        txn: TxnIdx,
        result: ControlType,
        ctx: &mut CoordCtx,
        out: &mut Out,
    ) {
        let Some(meta) = self.txns.get(&txn) else {
            return;
        };
        let pending = PendingMarkers {
            result,
            remaining: meta.topic_partitions.clone(),
            in_flight: VecMap::new(),
            retry_at: None,
        };
        self.markers.insert(txn, pending);
        self.send_markers(txn, ctx, out);
    }

    /// Sends one WriteTxnMarkers per partition leader for the partitions not yet covered.
    fn send_markers(&mut self, txn: TxnIdx, ctx: &mut CoordCtx, out: &mut Out) {
        let Some(meta) = self.txns.get(&txn) else {
            return;
        };
        let (producer_id, producer_epoch) = (meta.producer_id, meta.producer_epoch);
        let Some(pending) = self.markers.get_mut(&txn) else {
            return;
        };
        if pending.retry_at.is_some_and(|t| t > ctx.now) {
            return; // refused markers wait for their backoff (a Wake is set for it)
        }
        pending.retry_at = None;
        let covered: VecSet<TxnPartition> = set_of(
            pending
                .in_flight
                .values()
                .flat_map(|(_, p)| p.iter())
                .copied(),
        );
        let mut by_broker: VecMap<u8, Vec<TxnPartition>> = VecMap::new();
        for p in pending.remaining.iter().filter(|p| !covered.contains(p)) {
            let broker = match p {
                TxnPartition::Data(tp) => ctx.topology.leader(*tp),
                TxnPartition::Offsets(_) => ctx.topology.group_coordinator(),
            };
            by_broker.entry(broker).or_default().push(*p);
        }
        if pending.remaining.is_empty() && pending.in_flight.is_empty() {
            self.complete(txn, ctx.now, out);
            return;
        }
        for (broker, parts) in by_broker {
            let corr = self.next_corr;
            self.next_corr = self.next_corr.wrapping_add(1);
            let partitions = parts
                .iter()
                .filter_map(|p| {
                    if let TxnPartition::Data(tp) = p {
                        Some(*tp)
                    } else {
                        None
                    }
                })
                .collect();
            let group = parts.iter().find_map(|p| {
                if let TxnPartition::Offsets(g) = p {
                    Some(*g)
                } else {
                    None
                }
            });
            out.send(
                NodeId::Broker(broker),
                Message::WriteTxnMarkersRequest {
                    corr,
                    txn,
                    producer_id,
                    producer_epoch,
                    coordinator_epoch: self.coordinator_epoch,
                    result: pending.result,
                    transaction_version: ctx.topology.features.transaction_version,
                    partitions,
                    group,
                },
            );
            out.timer(
                ctx.now.plus(MARKER_REQUEST_TIMEOUT_MS),
                Timer::RequestTimeout(corr),
            );
            pending.in_flight.insert(corr, (broker, parts));
        }
    }

    /// `TransactionMarkerRequestCompletionHandler`.
    fn on_markers_response(
        &mut self,
        corr: CorrelationId,
        txn: TxnIdx,
        results: &[(TopicPartition, Option<Errors>)],
        group: Option<(GroupIdx, Option<Errors>)>,
        ctx: &mut CoordCtx,
        out: &mut Out,
    ) {
        let Some(pending) = self.markers.get_mut(&txn) else {
            return;
        };
        if pending.in_flight.remove(&corr).is_none() {
            return; // an answer to a request this coordinator no longer waits for
        }
        let answers = results
            .iter()
            .map(|(tp, e)| (TxnPartition::Data(*tp), *e))
            .chain(group.map(|(g, e)| (TxnPartition::Offsets(g), e)));
        let mut refused = false;
        for (p, error) in answers {
            match error {
                None => {
                    pending.remaining.remove(&p);
                }
                // TransactionMarkerRequestCompletionHandler: the producer's or the coordinator's
                // epoch has moved on, so this transaction's markers are dropped (removeMarkersForTxn)
                // and no Complete* is written on their strength; the transaction stays prepared.
                Some(Errors::InvalidProducerEpoch) | Some(Errors::TransactionCoordinatorFenced) => {
                    self.markers.remove(&txn);
                    return;
                }
                // NOT_ENOUGH_REPLICAS (markers are written with acks=-1), NOT_LEADER_OR_FOLLOWER
                // and the like: sent again. Simplification: after retry.backoff.ms (Kafka's
                // TransactionMarkerChannelManager re-queues them for its next send loop).
                Some(_) => refused = true,
            }
        }
        if refused {
            pending.retry_at = Some(ctx.now.plus(MARKER_RETRY_BACKOFF_MS));
            out.timer(ctx.now.plus(MARKER_RETRY_BACKOFF_MS), Timer::Wake);
        }
        self.send_markers(txn, ctx, out);
    }

    /// A marker request timed out: send the partitions it carried again.
    pub fn on_request_timeout(&mut self, corr: CorrelationId, ctx: &mut CoordCtx, out: &mut Out) {
        let txn = self
            .markers
            .iter()
            .find(|(_, p)| p.in_flight.contains_key(&corr))
            .map(|(t, _)| *t);
        if let Some(txn) = txn {
            if let Some(p) = self.markers.get_mut(&txn) {
                if let Some((broker, _)) = p.in_flight.remove(&corr) {
                    out.disconnect(NodeId::Broker(broker));
                }
            }
            self.send_markers(txn, ctx, out);
        }
    }

    /// The connection to a broker closed: its marker requests are lost; they go again on `retry()`.
    pub fn on_disconnect(&mut self, broker: u8, ctx: &CoordCtx, out: &mut Out) {
        let mut any = false;
        for pending in self.markers.values_mut() {
            pending.in_flight.retain(|_, (to, _)| {
                any |= *to == broker;
                *to != broker
            });
        }
        if any {
            out.timer(ctx.now.plus(MARKER_RETRY_BACKOFF_MS), Timer::Wake);
        }
    }

    /// Sends the markers that are not in flight (after a backoff).
    pub fn retry(&mut self, ctx: &mut CoordCtx, out: &mut Out) {
        let txns: Vec<TxnIdx> = self.markers.keys().copied().collect();
        for txn in txns {
            self.send_markers(txn, ctx, out);
        }
    }

    /// All markers written: CompleteCommit/CompleteAbort with an empty partition set.
    fn complete(&mut self, txn: TxnIdx, now: Tick, out: &mut Out) {
        let Some(pending) = self.markers.remove(&txn) else {
            return;
        };
        let Some(meta) = self.txns.get(&txn).cloned() else {
            return;
        };
        let state = match pending.result {
            ControlType::Commit => TransactionState::CompleteCommit,
            ControlType::Abort => TransactionState::CompleteAbort,
        };
        // Transactions v2 at an exhausted epoch: Complete* switches to (nextProducerId, 0)
        // (TransactionMetadata.prepareComplete, KAFKA-18660).
        let rotated = if meta.next_producer_id.is_none() {
            meta
        } else {
            TxnMetadata {
                previous_producer_id: meta.producer_id,
                producer_id: meta.next_producer_id,
                producer_epoch: ProducerEpoch(0),
                last_producer_epoch: ProducerEpoch::NONE,
                next_producer_id: ProducerId::NONE,
                ..meta
            }
        };
        self.write(
            txn,
            TxnMetadata {
                state,
                topic_partitions: VecSet::new(),
                ..rotated
            },
            now,
            out,
        );
    }

    fn arm_timeout_check(&mut self, now: Tick, out: &mut Out) {
        let any_ongoing = self
            .txns
            .values()
            .any(|m| m.state == TransactionState::Ongoing);
        if any_ongoing && !self.timeout_check_armed {
            self.timeout_check_armed = true;
            out.timer(now.plus(TIMEOUT_CHECK_INTERVAL_MS), Timer::TxnTimeoutCheck);
        }
    }

    /// `TransactionCoordinator.abortTimedOutTransactions`: an Ongoing transaction older than its
    /// `transaction.timeout.ms` is fenced (epoch + 1) and aborted.
    pub fn on_timeout_check(&mut self, ctx: &mut CoordCtx, out: &mut Out) {
        self.timeout_check_armed = false;
        let expired: Vec<TxnIdx> = self
            .txns
            .iter()
            .filter(|(_, m)| {
                m.state == TransactionState::Ongoing && m.txn_start.0 + m.txn_timeout_ms < ctx.now.0
            })
            .map(|(t, _)| *t)
            .collect();
        for txn in expired {
            self.fence_and_abort(txn, ctx, out);
        }
        self.arm_timeout_check(ctx.now, out);
    }

    /// `TransactionStateManager.removeExpiredTransactionalIds`: a `transactional.id` in Empty,
    /// CompleteCommit or CompleteAbort whose last update is `transactional.id.expiration.ms` old
    /// gets a tombstone in `__transaction_state` (drawn as Dead) and is forgotten; its producer's
    /// next AddPartitionsToTxn or EndTxn finds no id: INVALID_PRODUCER_ID_MAPPING.
    pub fn expire_transactional_ids(
        &mut self,
        expiration_ms: u64,
        ctx: &mut CoordCtx,
        out: &mut Out,
    ) {
        use TransactionState::*;
        let expired: Vec<TxnIdx> = self
            .txns
            .iter()
            .filter(|(t, m)| {
                matches!(m.state, Empty | CompleteCommit | CompleteAbort)
                    && !self.markers.contains_key(t)
                    && self
                        .log
                        .iter()
                        .rev()
                        .find(|r| r.txn == **t)
                        .is_some_and(|r| ctx.now.0.saturating_sub(r.tick.0) >= expiration_ms)
            })
            .map(|(t, _)| *t)
            .collect();
        for txn in expired {
            let Some(meta) = self.txns.get(&txn).cloned() else {
                continue;
            };
            self.write(
                txn,
                TxnMetadata {
                    state: Dead,
                    topic_partitions: VecSet::new(),
                    ..meta
                },
                ctx.now,
                out,
            );
            self.txns.remove(&txn);
        }
    }

    /// Is any transaction Ongoing (it will end by a commit, an abort or a timeout)?
    pub fn has_open_transactions(&self) -> bool {
        self.txns
            .values()
            .any(|m| m.state == TransactionState::Ongoing)
    }

    pub fn has_pending_markers(&self) -> bool {
        !self.markers.is_empty()
    }
}

impl Default for TxnCoordinator {
    fn default() -> Self {
        Self::new()
    }
}
