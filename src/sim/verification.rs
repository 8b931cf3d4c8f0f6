//! The partition leader's side of KIP-890: before the first transactional batch of a
//! (producer id, epoch) on a partition is appended, the leader asks the transaction coordinator
//! with AddPartitionsToTxn — `verifyOnly` under transactions v1 (part 1, 3.6+), a real add under
//! transactions v2 (part 2, 4.0+: the client sends no AddPartitionsToTxn of its own) — and
//! parks the produce request until it answers (`ReplicaManager.appendRecords` →
//! `maybeSendPartitionsToTransactionCoordinator`, `AddPartitionsToTxnManager`).
//!
//! Under transactions v2 the same broker adds a group's `__consumer_offsets` partition when a
//! TxnOffsetCommit v5 arrives without AddOffsetsToTxn (§D1.4).

use super::broker::Broker;
use super::broker::BrokerCtx;
pub use super::broker_state::{PendingAdd, ADD_CORR_BIT};
use super::config::{Acks, KafkaVersion};
use super::effects::{Note, Out, Timer};
use super::errors::Errors;
use super::log::BatchToAppend;
use super::message::{CorrelationId, Message};
use super::txn_coordinator::TxnPartition;
use super::types::{NodeId, Tick, TopicPartition};

/// `add.partitions.to.txn.retry.backoff.ms` (KAFKA-18654).
pub const ADD_RETRY_BACKOFF_MS: u64 = 20;
/// `add.partitions.to.txn.retry.backoff.max.ms`: how long the leader retries CONCURRENT_TRANSACTIONS.
pub const ADD_RETRY_BACKOFF_MAX_MS: u64 = 100;
/// The broker's `request.timeout.ms` for its AddPartitionsToTxn (AddPartitionsToTxnManager's
/// inter-broker send thread).
pub const ADD_REQUEST_TIMEOUT_MS: u64 = 30_000;

impl Broker {
    /// Handles the messages this module owns; true when `msg` was one of them.
    pub(super) fn on_txn_verification(
        &mut self,
        from: NodeId,
        msg: &Message,
        ctx: &BrokerCtx,
        out: &mut Out,
    ) -> bool {
        match msg {
            Message::ProduceRequest {
                corr,
                tp,
                batch,
                acks,
            } => self.maybe_park_produce(from, *corr, *tp, batch, *acks, ctx, out),
            Message::AddPartitionsToTxnResponse { corr, error } if corr & ADD_CORR_BIT != 0 => {
                self.on_add_response(*corr, *error, ctx, out);
                true
            }
            Message::TxnOffsetCommitRequest {
                corr,
                group,
                producer_id,
                producer_epoch,
                ..
            } if ctx.topology.features.tv2() && self.is_group_coordinator(ctx) => {
                // TxnOffsetCommit v5: the group coordinator's broker adds the group's offsets
                // partition to the transaction itself. Simplification: the two coordinators share
                // a broker here, so it asks its own transaction coordinator directly, finding the
                // transaction by producer id (TxnOffsetCommit carries the transactional.id in Kafka).
                let parts = [TxnPartition::Offsets(*group)];
                let error = self
                    .txn_coordinator_add(*producer_id, *producer_epoch, &parts, ctx, out)
                    .map(leader_error);
                if error.is_some() {
                    out.send(
                        from,
                        Message::TxnOffsetCommitResponse { corr: *corr, error },
                    );
                    return true;
                }
                false
            }
            _ => false,
        }
    }

    fn is_group_coordinator(&self, ctx: &BrokerCtx) -> bool {
        ctx.topology.coordinator == Some(self.id)
    }

    /// Does this transactional batch need the coordinator first? Under transactions v2 always for
    /// the first batch of a (pid, epoch) here (even with verification off, KAFKA-14563); under v1
    /// when `transaction.partition.verification.enable` is on and no transaction of this producer
    /// is open here (`UnifiedLog.maybeStartTransactionVerification`).
    #[allow(clippy::too_many_arguments)]
    fn maybe_park_produce(
        &mut self,
        from: NodeId,
        corr: CorrelationId,
        tp: TopicPartition,
        batch: &BatchToAppend,
        acks: Acks,
        ctx: &BrokerCtx,
        out: &mut Out,
    ) -> bool {
        if self.resuming == Some((from, corr)) {
            self.resuming = None;
            return false;
        }
        let tv2 = batch.transaction_version >= 2;
        if !batch.is_transactional || !(tv2 || ctx.topology.features.verification) {
            return false;
        }
        let Some(txn) = batch.transactional_id else {
            return false;
        };
        let leads = self.replicas.get(&tp).is_some_and(|r| r.is_leader);
        let Some(log) = self.partitions.get(&tp).filter(|_| leads) else {
            return false; // answered NOT_LEADER_OR_FOLLOWER as usual
        };
        let entry = log.producer_state().get(&batch.producer_id);
        if entry.is_some_and(|e| {
            e.producer_epoch == batch.producer_epoch && e.current_txn_first_offset.is_some()
        }) {
            return false; // already in this transaction here
        }
        // 4.1+ (KAFKA-18042): a lower epoch than the partition's is refused before asking.
        if ctx.topology.features.release.at_least(KafkaVersion::V4_1)
            && entry.is_some_and(|e| batch.producer_epoch < e.producer_epoch)
        {
            self.answer_produce(from, corr, tp, acks, Errors::InvalidProducerEpoch, out);
            return true;
        }
        let coordinator = ctx.topology.txn_coordinator();
        let add_corr = self.send_add(coordinator, txn, batch, tp, ctx.now, out);
        self.pending_adds.push(PendingAdd {
            from,
            corr,
            tp,
            batch: batch.clone(),
            acks,
            add_corr: Some(add_corr),
            coordinator,
            first_try: ctx.now,
            retry_at: None,
        });
        true
    }

    fn send_add(
        &mut self,
        coordinator: u8,
        txn: u8,
        batch: &BatchToAppend,
        tp: TopicPartition,
        now: Tick,
        out: &mut Out,
    ) -> CorrelationId {
        let add_corr = ADD_CORR_BIT | (self.next_add_corr & (ADD_CORR_BIT - 1));
        self.next_add_corr = self.next_add_corr.wrapping_add(1);
        out.timer(
            now.plus(ADD_REQUEST_TIMEOUT_MS),
            Timer::RequestTimeout(add_corr),
        );
        out.send(
            NodeId::Broker(coordinator),
            Message::AddPartitionsToTxnRequest {
                corr: add_corr,
                txn,
                producer_id: batch.producer_id,
                producer_epoch: batch.producer_epoch,
                partitions: vec![tp],
                verify_only: batch.transaction_version < 2,
            },
        );
        add_corr
    }

    fn answer_produce(
        &mut self,
        from: NodeId,
        corr: CorrelationId,
        tp: TopicPartition,
        acks: Acks,
        error: Errors,
        out: &mut Out,
    ) {
        out.note(Note::Rejected { tp, error });
        if acks != Acks::None {
            out.send(
                from,
                Message::ProduceResponse {
                    corr,
                    tp,
                    result: Err(error),
                },
            );
        }
    }

    fn on_add_response(
        &mut self,
        add_corr: CorrelationId,
        error: Option<Errors>,
        ctx: &BrokerCtx,
        out: &mut Out,
    ) {
        let Some(i) = self
            .pending_adds
            .iter()
            .position(|p| p.add_corr == Some(add_corr))
        else {
            return;
        };
        let tv2 = self.pending_adds[i].batch.transaction_version >= 2;
        match error {
            None => {
                let p = self.pending_adds.remove(i);
                self.resume(p, ctx, out);
            }
            // KAFKA-18654: the leader retries CONCURRENT_TRANSACTIONS (the previous transaction's
            // markers are not all written yet) every 20 ms for up to 100 ms.
            Some(Errors::ConcurrentTransactions)
                if tv2
                    && ctx.now.0 < self.pending_adds[i].first_try.0 + ADD_RETRY_BACKOFF_MAX_MS =>
            {
                let at = ctx.now.plus(ADD_RETRY_BACKOFF_MS);
                let p = &mut self.pending_adds[i];
                p.add_corr = None;
                p.retry_at = Some(at);
                out.timer(at, Timer::Wake);
            }
            Some(e) => {
                let p = self.pending_adds.remove(i);
                let release = ctx.topology.features.release;
                self.answer_produce(p.from, p.corr, p.tp, p.acks, produce_error(e, release), out);
            }
        }
    }

    /// Appends a parked produce request now that the coordinator agreed.
    fn resume(&mut self, p: PendingAdd, ctx: &BrokerCtx, out: &mut Out) {
        self.resuming = Some((p.from, p.corr));
        self.on_message(
            p.from,
            Message::ProduceRequest {
                corr: p.corr,
                tp: p.tp,
                batch: p.batch,
                acks: p.acks,
            },
            ctx,
            out,
        );
        self.resuming = None;
    }

    /// A Wake: sends the AddPartitionsToTxn whose backoff has passed.
    pub(super) fn retry_pending_adds(&mut self, ctx: &BrokerCtx, out: &mut Out) {
        for i in 0..self.pending_adds.len() {
            let p = &self.pending_adds[i];
            if p.add_corr.is_some() || p.retry_at.is_some_and(|t| t > ctx.now) {
                continue;
            }
            let (batch, tp) = (p.batch.clone(), p.tp);
            let Some(txn) = batch.transactional_id else {
                continue;
            };
            let coordinator = ctx.topology.txn_coordinator();
            let add_corr = self.send_add(coordinator, txn, &batch, tp, ctx.now, out);
            let p = &mut self.pending_adds[i];
            p.add_corr = Some(add_corr);
            p.coordinator = coordinator;
            p.retry_at = None;
        }
    }

    /// The leader's AddPartitionsToTxn got no answer in time: its connection is closed (and
    /// opened again for the next request) and the parked request gets a retriable error.
    pub(super) fn on_add_timeout(&mut self, add_corr: CorrelationId, out: &mut Out) {
        let Some(i) = self
            .pending_adds
            .iter()
            .position(|p| p.add_corr == Some(add_corr))
        else {
            return;
        };
        let p = self.pending_adds.remove(i);
        out.disconnect(NodeId::Broker(p.coordinator));
        self.answer_produce(p.from, p.corr, p.tp, p.acks, Errors::NotEnoughReplicas, out);
    }

    /// The connection to the coordinator closed: its answers are lost, and the parked requests
    /// get a retriable error (the leader maps transient coordinator errors to NOT_ENOUGH_REPLICAS).
    pub(super) fn on_coordinator_disconnect(&mut self, peer: u8, out: &mut Out) {
        let lost: Vec<PendingAdd> = self
            .pending_adds
            .iter()
            .filter(|p| p.coordinator == peer && p.add_corr.is_some())
            .cloned()
            .collect();
        self.pending_adds
            .retain(|p| !(p.coordinator == peer && p.add_corr.is_some()));
        for p in lost {
            self.answer_produce(p.from, p.corr, p.tp, p.acks, Errors::NotEnoughReplicas, out);
        }
    }

    /// Runs an add on this broker's own transaction coordinator (TxnOffsetCommit v5).
    fn txn_coordinator_add(
        &mut self,
        producer_id: super::types::ProducerId,
        producer_epoch: super::types::ProducerEpoch,
        parts: &[TxnPartition],
        ctx: &BrokerCtx,
        out: &mut Out,
    ) -> Option<Errors> {
        let tc = self.txn_coordinator.as_mut()?;
        let Some(txn) = tc
            .txns
            .iter()
            .find(|(_, m)| m.producer_id == producer_id)
            .map(|(t, _)| *t)
        else {
            return Some(Errors::InvalidProducerIdMapping);
        };
        tc.add_partitions_for(txn, producer_id, producer_epoch, parts, ctx.now, out)
    }
}

/// `AddPartitionsToTxnManager`'s mapping of a coordinator's answer for a leader.
fn leader_error(e: Errors) -> Errors {
    match e {
        Errors::ProducerFenced => Errors::InvalidProducerEpoch,
        Errors::CoordinatorNotAvailable => Errors::NotEnoughReplicas,
        other => other,
    }
}

/// The error a parked produce request is answered with: PRODUCER_FENCED becomes
/// INVALID_PRODUCER_EPOCH; TRANSACTION_ABORTABLE only for Produce v11+ (3.8+ clients), else
/// INVALID_TXN_STATE; transient coordinator errors NOT_ENOUGH_REPLICAS.
fn produce_error(e: Errors, release: KafkaVersion) -> Errors {
    match leader_error(e) {
        Errors::TransactionAbortable if release < KafkaVersion::V3_9 => Errors::InvalidTxnState,
        other => other,
    }
}
