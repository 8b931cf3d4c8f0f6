//! A partition's log: record batches, offsets, the high watermark, the last stable offset, the
//! aborted-transaction index, and the leader's producer state (Kafka's `UnifiedLog` +
//! `ProducerStateManager`, `../shared/KAFKA_EOS.md` §A2–A5).

use super::chunked::Chunked;
use super::errors::Errors;
use super::types::{Offset, ProducerEpoch, ProducerId, RecordId, Sequence, Tick};
use super::vecmap::VecMap;
use serde::Serialize;
use std::collections::VecDeque;

/// Kafka's `ProducerStateEntry.NUM_BATCHES_TO_RETAIN`: the leader remembers the last 5 batches per producer.
pub const NUM_BATCHES_TO_RETAIN: usize = 5;

/// A transaction marker's type (`ControlRecordType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ControlType {
    Commit,
    Abort,
}

/// One record batch as stored. Data records are the contiguous ids `first_record ..
/// first_record + record_count`, so a batch is a few words whatever its size.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct RecordBatch {
    pub base_offset: Offset,
    /// Data records in the batch; a control batch holds exactly one (control) record.
    pub record_count: u32,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub base_sequence: Sequence,
    pub is_transactional: bool,
    /// `Some` for a control batch (a COMMIT or ABORT marker).
    pub control: Option<ControlType>,
    /// The coordinator epoch a marker carries (`EndTransactionMarker.coordinatorEpoch`).
    pub coordinator_epoch: i32,
    pub first_record: RecordId,
    pub append_tick: Tick,
}

impl RecordBatch {
    pub fn last_offset(&self) -> Offset {
        Offset(self.base_offset.0 + self.record_count.max(1) as u64 - 1)
    }
    pub fn next_offset(&self) -> Offset {
        Offset(self.last_offset().0 + 1)
    }
    pub fn is_control(&self) -> bool {
        self.control.is_some()
    }
    pub fn last_sequence(&self) -> Sequence {
        if self.base_sequence.0 < 0 {
            Sequence::NONE
        } else {
            Sequence(
                self.base_sequence
                    .0
                    .wrapping_add(self.record_count as i32 - 1),
            )
        }
    }
    /// The record id at `offset`, for a data batch that contains it.
    pub fn record_at(&self, offset: Offset) -> Option<RecordId> {
        if self.is_control() || offset < self.base_offset || offset > self.last_offset() {
            return None;
        }
        Some(RecordId(
            self.first_record.0 + (offset.0 - self.base_offset.0) as u32,
        ))
    }
}

/// What a producer asks the leader to append (a batch before it has offsets).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct BatchToAppend {
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub base_sequence: Sequence,
    pub record_count: u32,
    pub is_transactional: bool,
    pub first_record: RecordId,
    /// The request's `transactional.id` (an index into the scenario's, `message::TxnIdx`).
    pub transactional_id: Option<u8>,
    /// Produce v12+ from a transactions-v2 client: 2; otherwise 1 (KIP-890 part 2).
    pub transaction_version: u8,
}

/// `BatchMetadata` in Kafka: what the leader remembers of a recent batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct BatchMetadata {
    pub first_seq: i32,
    pub last_seq: i32,
    pub first_offset: Offset,
    pub last_offset: Offset,
}

/// `ProducerStateEntry`: per producer id, the epoch, the last 5 batches and the open transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ProducerStateEntry {
    pub producer_epoch: ProducerEpoch,
    pub batch_metadata: VecDeque<BatchMetadata>,
    pub coordinator_epoch: i32,
    pub current_txn_first_offset: Option<Offset>,
    pub last_timestamp: Tick,
}

impl ProducerStateEntry {
    fn empty(epoch: ProducerEpoch) -> Self {
        ProducerStateEntry {
            producer_epoch: epoch,
            batch_metadata: VecDeque::new(),
            coordinator_epoch: -1,
            current_txn_first_offset: None,
            last_timestamp: Tick(0),
        }
    }
    fn last_seq(&self) -> i32 {
        self.batch_metadata.back().map_or(-1, |b| b.last_seq)
    }
    /// A new epoch clears the cached batches (`ProducerStateEntry.maybeUpdateProducerEpoch`).
    fn update_epoch(&mut self, epoch: ProducerEpoch) {
        if epoch != self.producer_epoch {
            self.batch_metadata.clear();
            self.producer_epoch = epoch;
        }
    }
    fn push_batch(&mut self, meta: BatchMetadata) {
        self.batch_metadata.push_back(meta);
        if self.batch_metadata.len() > NUM_BATCHES_TO_RETAIN {
            self.batch_metadata.pop_front();
        }
    }
}

/// An aborted transaction in the transaction index (`AbortedTxn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct AbortedTxn {
    pub producer_id: ProducerId,
    pub first_offset: Offset,
    /// The offset of the ABORT marker.
    pub last_offset: Offset,
}

/// The rules that differ between Kafka versions (`KAFKA_EOS.md` §C), for the broker side of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct LogRules {
    /// 2.5+ (KIP-360): a leader without state for a producer accepts any sequence; ≤2.4 answers `UNKNOWN_PRODUCER_ID`.
    pub unknown_producer_accepts_any_sequence: bool,
    /// 2.7+: a stale epoch on produce is `INVALID_PRODUCER_EPOCH`; before, `PRODUCER_FENCED`.
    pub stale_epoch_is_invalid_producer_epoch: bool,
}

/// Rules of transactions v2 that differ by broker release (`KAFKA_EOS.md` §D1.14–15).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct TxnRules {
    /// 4.1+ (KAFKA-18202, ProducerAppendInfo.checkSequence): a transactions-v2 batch from a
    /// producer the partition has no state for must start at sequence 0.
    pub tv2_stateless_needs_sequence_zero: bool,
    /// 4.2+ (KIP-1228, KAFKA-19999, ProducerAppendInfo.checkProducerEpoch): a transactions-v2
    /// marker needs an epoch above the partition's; an equal one with no open transaction is
    /// an idempotent retry and is written again. Before, and for v1 markers: at least equal.
    pub tv2_marker_needs_higher_epoch: bool,
}

/// The result of a successful append or of a recognised duplicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct AppendInfo {
    pub base_offset: Offset,
    pub last_offset: Offset,
    /// True when the batch was an exact retry of a cached one: nothing was appended.
    pub duplicate: bool,
}

/// One partition's log, as its leader holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct PartitionLog {
    batches: Chunked<RecordBatch>,
    log_end_offset: Offset,
    high_watermark: Offset,
    producers: VecMap<ProducerId, ProducerStateEntry>,
    /// Open transactions by producer, with their first offset (`ProducerStateManager.ongoingTxns`).
    ongoing_txns: VecMap<ProducerId, Offset>,
    /// Completed transactions whose marker the HW has not passed yet, as (first offset, marker
    /// offset) (`ProducerStateManager.unreplicatedTxns`): they still hold the LSO back.
    unreplicated_txns: Vec<(Offset, Offset)>,
    aborted_txns: Vec<AbortedTxn>,
    /// True when the partition has more than one replica: the HW then moves by replication,
    /// not with every append.
    replicated: bool,
    /// Producer ids removed by `producer.id.expiration.ms`, with when: a reload does not bring
    /// them back (Kafka's snapshot no longer holds them) unless they wrote again since.
    expired: VecMap<ProducerId, Tick>,
}

impl PartitionLog {
    /// A log whose HW is moved by replication (`replication.factor` > 1).
    pub fn replicated() -> Self {
        PartitionLog {
            replicated: true,
            ..Self::default()
        }
    }

    /// Sets the high watermark (leader: the smallest LEO in the ISR; follower: what the leader said).
    pub fn set_high_watermark(&mut self, hw: Offset) {
        self.high_watermark = hw.min(self.log_end_offset);
        let hw = self.high_watermark;
        self.unreplicated_txns.retain(|(_, marker)| *marker >= hw);
    }

    /// A follower appends a batch fetched from its leader, as it is: the leader validated it, so
    /// only the producer state is updated (`UnifiedLog.appendAsFollower`, origin REPLICATION).
    pub fn append_replicated(&mut self, batch: &RecordBatch) -> bool {
        if batch.base_offset != self.log_end_offset {
            return false;
        }
        self.push(batch.clone());
        true
    }

    /// Removes every batch at or above `offset` (batches are kept whole) and rebuilds the
    /// producer state (`UnifiedLog.truncateTo`), as a follower does before following a new leader.
    pub fn truncate_to(&mut self, offset: Offset) {
        let keep = self.batches.partition_point(|b| b.next_offset() <= offset);
        if keep == self.batches.len() {
            return;
        }
        self.batches.truncate(keep);
        self.log_end_offset = self.batches.last().map_or(Offset(0), |b| b.next_offset());
        self.high_watermark = self.high_watermark.min(self.log_end_offset);
        self.reload();
    }

    /// The offset up to which this log and `other` hold the same batches (KIP-101's
    /// leader-epoch truncation, reduced to comparing the batches themselves).
    pub fn common_prefix(&self, other: &PartitionLog) -> Offset {
        let mut end = Offset(0);
        for (a, b) in self.batches.iter().zip(other.batches.iter()) {
            if a != b {
                break;
            }
            end = a.next_offset();
        }
        end
    }

    pub fn new() -> Self {
        Self::default()
    }
    pub fn batches(&self) -> &Chunked<RecordBatch> {
        &self.batches
    }
    pub fn log_end_offset(&self) -> Offset {
        self.log_end_offset
    }
    pub fn high_watermark(&self) -> Offset {
        self.high_watermark
    }
    /// LSO = first offset of the oldest open transaction if below the HW, else the HW (`UnifiedLog.lastStableOffset`).
    pub fn last_stable_offset(&self) -> Offset {
        let first_unstable = self
            .ongoing_txns
            .values()
            .copied()
            .chain(self.unreplicated_txns.iter().map(|(first, _)| *first))
            .min();
        match first_unstable {
            Some(first) if first < self.high_watermark => first,
            _ => self.high_watermark,
        }
    }
    pub fn aborted_txns(&self) -> &[AbortedTxn] {
        &self.aborted_txns
    }
    pub fn producer_state(&self) -> &VecMap<ProducerId, ProducerStateEntry> {
        &self.producers
    }
    pub fn ongoing_txns(&self) -> &VecMap<ProducerId, Offset> {
        &self.ongoing_txns
    }

    /// Index of the batch containing `offset`, if any.
    pub fn batch_index_at(&self, offset: Offset) -> Option<usize> {
        let i = self.batches.partition_point(|b| b.next_offset() <= offset);
        (i < self.batches.len() && self.batches[i].base_offset <= offset).then_some(i)
    }

    /// Appends a data batch from a producer, validating it as the leader does for a client
    /// produce request (`UnifiedLog.analyzeAndValidateProducerState`, `ProducerAppendInfo`), in
    /// Kafka's order: duplicate, epoch, sequence, transaction bookkeeping (§A3).
    pub fn append_as_leader(
        &mut self,
        batch: &BatchToAppend,
        now: Tick,
        rules: LogRules,
    ) -> Result<AppendInfo, Errors> {
        self.append_as_leader_with(batch, now, rules, TxnRules::default())
    }

    /// `append_as_leader` with the release's transactions-v2 rules.
    pub fn append_as_leader_with(
        &mut self,
        batch: &BatchToAppend,
        now: Tick,
        rules: LogRules,
        txn_rules: TxnRules,
    ) -> Result<AppendInfo, Errors> {
        // 4.1+: a transactions-v2 producer with no state here starts at sequence 0 (KAFKA-18202).
        let stateless_needs_zero = txn_rules.tv2_stateless_needs_sequence_zero
            && batch.is_transactional
            && batch.transaction_version >= 2;
        let first_seq = batch.base_sequence.0;
        let last_seq = first_seq.wrapping_add(batch.record_count as i32 - 1);
        if !batch.producer_id.is_none() {
            if let Some(entry) = self.producers.get(&batch.producer_id) {
                // 1. An exact retry of a cached batch returns the original offsets and appends nothing (PSE.findDuplicateBatch).
                if entry.producer_epoch == batch.producer_epoch {
                    if let Some(m) = entry
                        .batch_metadata
                        .iter()
                        .find(|m| m.first_seq == first_seq && m.last_seq == last_seq)
                    {
                        return Ok(AppendInfo {
                            base_offset: m.first_offset,
                            last_offset: m.last_offset,
                            duplicate: true,
                        });
                    }
                }
                // 3. An older epoch is rejected (ProducerAppendInfo.checkProducerEpoch).
                if batch.producer_epoch < entry.producer_epoch {
                    return Err(if rules.stale_epoch_is_invalid_producer_epoch {
                        Errors::InvalidProducerEpoch
                    } else {
                        Errors::ProducerFenced
                    });
                }
                // 4. Sequence check (ProducerAppendInfo.checkSequence).
                if entry.producer_epoch == ProducerEpoch::NONE {
                    if !rules.unknown_producer_accepts_any_sequence && first_seq != 0 {
                        return Err(Errors::UnknownProducerId);
                    }
                    if stateless_needs_zero && first_seq != 0 {
                        return Err(Errors::OutOfOrderSequenceNumber);
                    }
                } else if batch.producer_epoch != entry.producer_epoch {
                    if first_seq != 0 {
                        return Err(Errors::OutOfOrderSequenceNumber); // "Invalid sequence number for new epoch"
                    }
                } else {
                    let last = entry.last_seq();
                    let in_sequence =
                        first_seq == last.wrapping_add(1) || (first_seq == 0 && last == i32::MAX);
                    if !in_sequence {
                        return Err(Errors::OutOfOrderSequenceNumber);
                    }
                }
                // 5. A plain batch from a producer with an open transaction (ProducerAppendInfo.appendDataBatch).
                if !batch.is_transactional && entry.current_txn_first_offset.is_some() {
                    return Err(Errors::InvalidTxnState);
                }
            } else if !rules.unknown_producer_accepts_any_sequence && first_seq != 0 {
                // No state at all: ≤2.4 brokers want sequence 0 (ProducerStateManager.scala@2.4.0).
                return Err(Errors::UnknownProducerId);
            } else if stateless_needs_zero && first_seq != 0 {
                return Err(Errors::OutOfOrderSequenceNumber);
            }
        }
        // Producer state changes only after a successful append (KAFKA-6683).
        let base_offset = self.log_end_offset;
        let stored = RecordBatch {
            base_offset,
            record_count: batch.record_count,
            producer_id: batch.producer_id,
            producer_epoch: batch.producer_epoch,
            base_sequence: batch.base_sequence,
            is_transactional: batch.is_transactional,
            control: None,
            coordinator_epoch: -1,
            first_record: batch.first_record,
            append_tick: now,
        };
        let last_offset = stored.last_offset();
        self.push(stored);
        Ok(AppendInfo {
            base_offset,
            last_offset,
            duplicate: false,
        })
    }

    /// Appends a COMMIT or ABORT marker for a producer (`ProducerAppendInfo.appendEndTxnMarker`, §A4).
    pub fn append_marker(
        &mut self,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        control: ControlType,
        coordinator_epoch: i32,
        now: Tick,
    ) -> Result<Offset, Errors> {
        self.append_marker_with(
            producer_id,
            producer_epoch,
            control,
            coordinator_epoch,
            now,
            1,
            TxnRules::default(),
        )
    }

    /// `append_marker` for a marker of `transaction_version`, with the release's rules.
    /// Simplification: 4.3's special case for a marker at `Short.MAX_VALUE` (KAFKA-20090) is not
    /// modelled: every release takes it by the rules below.
    #[allow(clippy::too_many_arguments)]
    pub fn append_marker_with(
        &mut self,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        control: ControlType,
        coordinator_epoch: i32,
        now: Tick,
        transaction_version: u8,
        txn_rules: TxnRules,
    ) -> Result<Offset, Errors> {
        if let Some(entry) = self.producers.get(&producer_id) {
            let open = entry.current_txn_first_offset.is_some();
            let refused = if transaction_version >= 2 && txn_rules.tv2_marker_needs_higher_epoch {
                // 4.2+: above the partition's epoch; equal only as a retry with nothing open.
                producer_epoch < entry.producer_epoch
                    || (producer_epoch == entry.producer_epoch && open)
            } else {
                // Transactions v1, and every marker before 4.2: at least the producer's epoch.
                producer_epoch < entry.producer_epoch
            };
            if refused {
                return Err(Errors::InvalidProducerEpoch);
            }
            if coordinator_epoch < entry.coordinator_epoch {
                return Err(Errors::TransactionCoordinatorFenced);
            }
        }
        let offset = self.log_end_offset;
        self.push(RecordBatch {
            base_offset: offset,
            record_count: 1,
            producer_id,
            producer_epoch,
            base_sequence: Sequence::NONE,
            is_transactional: true,
            control: Some(control),
            coordinator_epoch,
            first_record: RecordId(0),
            append_tick: now,
        });
        Ok(offset)
    }

    /// Appends a batch and updates the producer state from it, as both the leader (after
    /// validation) and a log reload do (`ProducerStateManager.update`).
    fn push(&mut self, batch: RecordBatch) {
        self.update_producer_state(&batch);
        self.log_end_offset = batch.next_offset();
        self.batches.push(batch);
        // A single replica is the whole ISR: the HW follows the LEO.
        if !self.replicated {
            self.high_watermark = self.log_end_offset;
        }
    }

    fn update_producer_state(&mut self, batch: &RecordBatch) {
        if batch.producer_id.is_none() {
            return;
        }
        let entry = self
            .producers
            .entry(batch.producer_id)
            .or_insert_with(|| ProducerStateEntry::empty(batch.producer_epoch));
        entry.update_epoch(batch.producer_epoch);
        entry.last_timestamp = batch.append_tick;
        match batch.control {
            None => {
                entry.push_batch(BatchMetadata {
                    first_seq: batch.base_sequence.0,
                    last_seq: batch.last_sequence().0,
                    first_offset: batch.base_offset,
                    last_offset: batch.last_offset(),
                });
                if batch.is_transactional && entry.current_txn_first_offset.is_none() {
                    entry.current_txn_first_offset = Some(batch.base_offset);
                    self.ongoing_txns
                        .insert(batch.producer_id, batch.base_offset);
                }
            }
            Some(control) => {
                entry.coordinator_epoch = batch.coordinator_epoch;
                if let Some(first_offset) = entry.current_txn_first_offset.take() {
                    self.ongoing_txns.remove(&batch.producer_id);
                    if self.replicated {
                        self.unreplicated_txns
                            .push((first_offset, batch.base_offset));
                    }
                    // Only aborted transactions go to the transaction index (LogSegment.updateTxnIndex).
                    if control == ControlType::Abort {
                        self.aborted_txns.push(AbortedTxn {
                            producer_id: batch.producer_id,
                            first_offset,
                            last_offset: batch.base_offset,
                        });
                    }
                }
            }
        }
    }

    /// `ProducerStateManager.removeExpiredProducers`: an entry with no open transaction whose last
    /// write is `producer.id.expiration.ms` old is dropped (`isProducerExpired`); the next batch
    /// from that id finds no state (§A2). Returns the ids removed.
    pub fn remove_expired_producers(&mut self, now: Tick, expiration_ms: u64) -> Vec<ProducerId> {
        let gone: Vec<ProducerId> = self
            .producers
            .iter()
            .filter(|(_, e)| {
                e.current_txn_first_offset.is_none()
                    && now.0.saturating_sub(e.last_timestamp.0) >= expiration_ms
            })
            .map(|(p, _)| *p)
            .collect();
        for p in &gone {
            self.producers.remove(p);
            self.expired.insert(*p, now);
        }
        gone
    }

    /// Rebuilds the producer state by replaying the log, as a broker does when it loads a log
    /// after a restart. Simplification: Kafka starts from a snapshot that keeps only the last
    /// batch per producer; here the whole log is replayed, so the 5-batch window survives.
    pub fn reload(&mut self) {
        self.producers.clear();
        self.ongoing_txns.clear();
        self.unreplicated_txns.clear();
        self.aborted_txns.clear();
        let batches = std::mem::take(&mut self.batches);
        for b in batches.iter() {
            self.update_producer_state(b);
        }
        self.batches = batches;
        let hw = self.high_watermark;
        self.unreplicated_txns.retain(|(_, marker)| *marker >= hw);
        let expired = &self.expired;
        self.producers.retain(|p, e| {
            expired
                .get(p)
                .is_none_or(|at| e.last_timestamp > *at || e.current_txn_first_offset.is_some())
        });
    }

    /// Is `offset` inside an aborted transaction of `producer_id`? (What a read_committed
    /// consumer learns from the aborted transactions a fetch returns, `CompletedFetch`.)
    pub fn is_aborted(&self, producer_id: ProducerId, offset: Offset) -> bool {
        self.aborted_txns.iter().any(|a| {
            a.producer_id == producer_id && a.first_offset <= offset && offset <= a.last_offset
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: LogRules = LogRules {
        unknown_producer_accepts_any_sequence: true,
        stale_epoch_is_invalid_producer_epoch: true,
    };

    fn batch(pid: i64, epoch: i16, seq: i32, n: u32) -> BatchToAppend {
        BatchToAppend {
            producer_id: ProducerId(pid),
            producer_epoch: ProducerEpoch(epoch),
            base_sequence: Sequence(seq),
            record_count: n,
            is_transactional: false,
            first_record: RecordId(0),
            transactional_id: None,
            transaction_version: 1,
        }
    }

    #[test]
    fn appends_assign_contiguous_offsets_and_move_the_high_watermark() {
        let mut log = PartitionLog::new();
        let a = log
            .append_as_leader(&batch(-1, -1, -1, 3), Tick(0), RULES)
            .unwrap();
        let b = log
            .append_as_leader(&batch(-1, -1, -1, 2), Tick(1), RULES)
            .unwrap();
        assert_eq!((a.base_offset, a.last_offset), (Offset(0), Offset(2)));
        assert_eq!((b.base_offset, b.last_offset), (Offset(3), Offset(4)));
        assert_eq!(log.log_end_offset(), Offset(5));
        assert_eq!(log.high_watermark(), Offset(5));
        assert_eq!(log.batch_index_at(Offset(4)), Some(1));
        assert_eq!(log.batch_index_at(Offset(5)), None);
    }
}
