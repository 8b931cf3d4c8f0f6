//! The checker: named properties evaluated at every step (from the facts handlers report) and at
//! the end of a run. Violations are structured data; the UI phrases them in each language.
//! Each violation says whether Kafka promises the property under the run's settings at all
//! (`expected`), so a verdict can read "expected with these settings".

use super::chunked::Chunked;
use super::config::{Acks, CommitMode, IsolationLevel};
use super::effects::Note;
use super::log::PartitionLog;
use super::types::{NodeId, Offset, ProducerId, RecordId, Tick, TopicId, TopicPartition};
use super::vocabulary::TransactionState;
use serde::Serialize;
use std::collections::BTreeMap;

/// The named properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Property {
    /// Each record is in the input topic's log at most once (aborted copies don't count).
    NoDuplicateInLog,
    /// Every record a producer saw acknowledged is in the log.
    NoLostAck,
    /// Within a partition, one producer's records are in the order it sent them.
    OrderPerPartition,
    /// No consumer processes the same offset twice.
    ConsumerNoDuplicate,
    /// Every record a consumer should read (per its isolation level) was processed.
    ConsumerNoLoss,
    /// The sink holds every record exactly once.
    SinkExactlyOnce,
    /// A read_committed consumer never sees a record of an aborted transaction.
    NoAbortedRead,
    /// A read_committed consumer never sees a record of a transaction still open.
    NoUncommittedRead,
    /// Consume–transform–produce: every input record is in the output exactly once, as a read_committed reader sees it.
    EndToEndExactlyOnce,
    /// A transaction ends the same way (commit or abort) on every partition, and none stays open once its coordinator completed it.
    TransactionAtomicity,
    /// Every coordinator transition is one Kafka allows (`TransactionState.validPreviousStates`).
    CoordinatorTransitionsValid,
}

impl Property {
    pub const ALL: [Property; 11] = [
        Property::NoDuplicateInLog,
        Property::NoLostAck,
        Property::OrderPerPartition,
        Property::ConsumerNoDuplicate,
        Property::ConsumerNoLoss,
        Property::SinkExactlyOnce,
        Property::NoAbortedRead,
        Property::NoUncommittedRead,
        Property::EndToEndExactlyOnce,
        Property::TransactionAtomicity,
        Property::CoordinatorTransitionsValid,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Property::NoDuplicateInLog => "no_duplicate_in_log",
            Property::NoLostAck => "no_lost_ack",
            Property::OrderPerPartition => "order_per_partition",
            Property::ConsumerNoDuplicate => "consumer_no_duplicate",
            Property::ConsumerNoLoss => "consumer_no_loss",
            Property::SinkExactlyOnce => "sink_exactly_once",
            Property::NoAbortedRead => "no_aborted_read",
            Property::NoUncommittedRead => "no_uncommitted_read",
            Property::EndToEndExactlyOnce => "end_to_end_exactly_once",
            Property::TransactionAtomicity => "transaction_atomicity",
            Property::CoordinatorTransitionsValid => "coordinator_transitions_valid",
        }
    }

    pub fn parse(s: &str) -> Option<Property> {
        Property::ALL.iter().copied().find(|p| p.name() == s)
    }
}

/// Why Kafka does not promise a property under the current settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedBecause {
    /// `enable.idempotence=false`: "producer retries … may write duplicates".
    IdempotenceOff,
    /// Idempotence deduplicates within one producer session; a restarted producer is a new one.
    AcrossProducerSessions,
    /// `acks=0`: the producer never learns whether the write happened.
    AcksZero,
    /// `acks=1`: the leader answers before any follower has the record; a failover can lose it.
    AcksOne,
    /// `unclean.leader.election.enable`: a replica outside the ISR became leader without the committed records.
    UncleanElection,
    /// Without idempotence, `max.in.flight.requests.per.connection` > 1 and retries can reorder.
    ReorderingAllowed,
    /// Committing after processing is at-least-once.
    AtLeastOnce,
    /// Committing before processing is at-most-once.
    AtMostOnce,
    /// The sink inserts every record: duplicates upstream reach it.
    NonIdempotentSink,
    /// The sink's key is the offset, and a duplicate in the log has another offset.
    SinkKeyedByOffset,
    /// read_uncommitted reads aborted and open transactional records by design.
    ReadUncommitted,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detail {
    DuplicateInLog {
        record: RecordId,
        tp: TopicPartition,
        offset: Offset,
        copies: u8,
    },
    LostAck {
        record: RecordId,
        producer: NodeId,
    },
    OutOfOrder {
        record: RecordId,
        tp: TopicPartition,
        offset: Offset,
        after: RecordId,
    },
    ConsumerDuplicate {
        consumer: u8,
        record: RecordId,
        tp: TopicPartition,
        offset: Offset,
    },
    ConsumerLoss {
        consumer: u8,
        record: RecordId,
        tp: TopicPartition,
        offset: Offset,
    },
    SinkDuplicate {
        consumer: u8,
        record: RecordId,
    },
    SinkLoss {
        consumer: u8,
        record: RecordId,
    },
    AbortedRead {
        consumer: u8,
        record: RecordId,
        tp: TopicPartition,
        offset: Offset,
    },
    UncommittedRead {
        consumer: u8,
        record: RecordId,
        tp: TopicPartition,
        offset: Offset,
    },
    OutputDuplicate {
        record: RecordId,
        tp: TopicPartition,
        offset: Offset,
    },
    OutputLoss {
        record: RecordId,
    },
    PartialTransaction {
        tp: TopicPartition,
        producer_id: ProducerId,
        first_offset: Offset,
    },
    MixedOutcome {
        producer_id: ProducerId,
        tp: TopicPartition,
    },
    InvalidTransition {
        from: TransactionState,
        to: TransactionState,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Violation {
    pub property: Property,
    pub step: u64,
    pub tick: Tick,
    pub detail: Detail,
    pub expected: Option<ExpectedBecause>,
}

/// A property's verdict.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    /// The first violation, and how many there were.
    Fail {
        first: Violation,
        count: u64,
    },
    /// Nothing in this run exercises the property (e.g. no consumer).
    NotApplicable,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        !matches!(self, Verdict::Fail { .. })
    }
}

/// What the checker knows about the run's settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct CheckerSetup {
    /// Per producer: first record id, record count, idempotence, acks, max.in.flight, retries.
    pub producers: Vec<ProducerFacts>,
    pub consumers: Vec<ConsumerFacts>,
    pub total_records: u32,
    pub replication_factor: u8,
    pub input_partitions: Vec<TopicPartition>,
    pub output_partitions: Vec<TopicPartition>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ProducerFacts {
    pub first_record: u32,
    pub record_count: u32,
    pub idempotent: bool,
    pub acks: Acks,
    pub may_reorder: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ConsumerFacts {
    pub isolation: IsolationLevel,
    pub mode: CommitMode,
    pub sink: Option<(bool, bool)>,
    /// The partitions its group reads (every partition of the input topic).
    pub assignment: Vec<TopicPartition>,
    /// The first consumer of its group: a group's members share what was processed and sunk, so
    /// a record read again by another member after a rebalance is a duplicate.
    pub group_first: u8,
}

/// A growable bitset over offsets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Bits(Vec<u64>);

impl Bits {
    /// Sets bit `i`; returns whether it was already set.
    pub fn set(&mut self, i: u64) -> bool {
        let (w, b) = ((i / 64) as usize, i % 64);
        if w >= self.0.len() {
            self.0.resize(w + 1, 0);
        }
        let was = self.0[w] & (1 << b) != 0;
        self.0[w] |= 1 << b;
        was
    }
    pub fn get(&self, i: u64) -> bool {
        self.0
            .get((i / 64) as usize)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// The checker's state. Per-record facts are dense byte arrays indexed by record id.
/// (`Default` is an empty placeholder, cheap to swap in while the checker reads the world.)
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Checker {
    pub setup: CheckerSetup,
    /// Live (not aborted) copies of each record in the input topic.
    log_copies: Chunked<u8>,
    /// Acknowledged records (cleared again if their transaction aborts).
    acked: Chunked<u8>,
    /// Writer (producer id, epoch) of each record's first copy, to tell sessions apart.
    first_writer: Chunked<(i64, i16)>,
    /// Highest record id seen per (producer, partition), with the producer session that wrote it.
    max_record: BTreeMap<(u8, TopicPartition), (u32, u32)>,
    /// Client sessions per producer (a restart starts a new one).
    sessions: Vec<u32>,
    /// Unclean leader elections so far.
    unclean_elections: u32,
    /// Per consumer and partition: offsets processed.
    processed: Vec<BTreeMap<TopicPartition, Bits>>,
    /// Per consumer: sink rows per record.
    sink_rows: Vec<Chunked<u8>>,
    /// Committed copies of each record in the output topic.
    output_copies: Chunked<u8>,
    /// Aborted reads already reported at read time (so the end-of-run check does not repeat them).
    reported_aborted: Vec<(u8, TopicPartition, Offset)>,
    pub verdicts: BTreeMap<Property, Verdict>,
    pub violations: Vec<Violation>,
}

const MAX_VIOLATIONS_KEPT: usize = 256;

/// Read access to the logs, for facts that need them.
pub trait Logs {
    fn log(&self, tp: TopicPartition) -> Option<&PartitionLog>;
    fn coordinator_state(&self, producer_id: ProducerId) -> Option<TransactionState>;
}

impl Checker {
    /// Bytes of its per-record facts that `older` does not share (`Chunked::bytes_beyond`).
    pub fn bytes_beyond(&self, older: Option<&Checker>) -> usize {
        let pairs = [
            (&self.log_copies, older.map(|o| &o.log_copies)),
            (&self.acked, older.map(|o| &o.acked)),
            (&self.output_copies, older.map(|o| &o.output_copies)),
        ];
        let sinks = (0..self.sink_rows.len())
            .map(|i| (&self.sink_rows[i], older.and_then(|o| o.sink_rows.get(i))));
        pairs
            .into_iter()
            .chain(sinks)
            .map(|(c, o)| c.bytes_beyond(o))
            .sum::<usize>()
            + self
                .first_writer
                .bytes_beyond(older.map(|o| &o.first_writer))
    }

    pub fn new(setup: CheckerSetup) -> Checker {
        let n = setup.total_records as usize;
        let consumers = setup.consumers.len();
        let has_transform = setup
            .consumers
            .iter()
            .any(|c| c.mode == CommitMode::Transactional);
        let mut verdicts = BTreeMap::new();
        for p in Property::ALL {
            let applicable = match p {
                Property::ConsumerNoDuplicate | Property::ConsumerNoLoss => setup
                    .consumers
                    .iter()
                    .any(|c| c.mode != CommitMode::Transactional),
                Property::SinkExactlyOnce => setup.consumers.iter().any(|c| c.sink.is_some()),
                Property::NoAbortedRead | Property::NoUncommittedRead => consumers > 0,
                Property::EndToEndExactlyOnce => has_transform,
                _ => true,
            };
            verdicts.insert(
                p,
                if applicable {
                    Verdict::Pass
                } else {
                    Verdict::NotApplicable
                },
            );
        }
        Checker {
            log_copies: Chunked::filled(0, n),
            acked: Chunked::filled(0, n),
            first_writer: Chunked::filled((-1, -1), n),
            max_record: BTreeMap::new(),
            sessions: vec![0; setup.producers.len()],
            unclean_elections: 0,
            processed: vec![BTreeMap::new(); consumers],
            sink_rows: setup
                .consumers
                .iter()
                .map(|c| {
                    if c.sink.is_some() {
                        Chunked::filled(0, n)
                    } else {
                        Chunked::default()
                    }
                })
                .collect(),
            output_copies: if has_transform {
                Chunked::filled(0, n)
            } else {
                Chunked::default()
            },
            setup,
            reported_aborted: Vec::new(),
            verdicts,
            violations: Vec::new(),
        }
    }

    fn producer_of(&self, r: RecordId) -> Option<(u8, &ProducerFacts)> {
        self.setup
            .producers
            .iter()
            .enumerate()
            .find(|(_, p)| r.0 >= p.first_record && r.0 < p.first_record + p.record_count)
            .map(|(i, p)| (i as u8, p))
    }

    fn fail(
        &mut self,
        property: Property,
        step: u64,
        tick: Tick,
        detail: Detail,
        expected: Option<ExpectedBecause>,
    ) {
        let v = Violation {
            property,
            step,
            tick,
            detail,
            expected,
        };
        match self.verdicts.get_mut(&property) {
            Some(Verdict::Fail { count, .. }) => *count += 1,
            Some(slot) => {
                *slot = Verdict::Fail {
                    first: v.clone(),
                    count: 1,
                }
            }
            None => {}
        }
        if self.violations.len() < MAX_VIOLATIONS_KEPT {
            self.violations.push(v);
        }
    }

    /// Takes in one step's facts.
    pub fn observe(&mut self, notes: &[Note], logs: &dyn Logs, step: u64, tick: Tick) {
        for note in notes {
            match note {
                Note::Appended { tp, batch_index } => {
                    self.on_append(*tp, *batch_index, logs, step, tick)
                }
                Note::MarkerWritten {
                    tp,
                    producer_id,
                    offset,
                    commit,
                    first_offset,
                } => self.on_marker(
                    *tp,
                    *producer_id,
                    *offset,
                    *commit,
                    *first_offset,
                    logs,
                    step,
                    tick,
                ),
                Note::Acked {
                    node: NodeId::Producer(_),
                    first_record,
                    count,
                    ..
                } => {
                    for r in first_record.0..first_record.0 + count {
                        if let Some(a) = self.acked.get_mut(r as usize) {
                            *a = 1;
                        }
                    }
                }
                Note::LeaderElected { unclean, .. } => {
                    if *unclean {
                        self.unclean_elections += 1;
                    }
                    self.recount_copies(logs);
                }
                Note::ClientRestarted {
                    node: NodeId::Producer(p),
                } => {
                    if let Some(s) = self.sessions.get_mut(*p as usize) {
                        *s += 1;
                    }
                }
                Note::Processed {
                    consumer,
                    tp,
                    offset,
                    record,
                } => self.on_processed(*consumer, *tp, *offset, *record, logs, step, tick),
                Note::SinkWrite {
                    consumer,
                    record,
                    inserted: true,
                } => {
                    let c = *consumer as usize;
                    let slot = self.group_slot(c);
                    let Some(rows) = self
                        .sink_rows
                        .get_mut(slot)
                        .and_then(|v| v.get_mut(record.0 as usize))
                    else {
                        continue;
                    };
                    *rows = rows.saturating_add(1);
                    if *rows == 2 {
                        let (idempotent, key_is_record) = self
                            .setup
                            .consumers
                            .get(c)
                            .and_then(|f| f.sink)
                            .unwrap_or((false, false));
                        let expected = if !idempotent {
                            Some(ExpectedBecause::NonIdempotentSink)
                        } else if !key_is_record {
                            Some(ExpectedBecause::SinkKeyedByOffset)
                        } else {
                            None
                        };
                        self.fail(
                            Property::SinkExactlyOnce,
                            step,
                            tick,
                            Detail::SinkDuplicate {
                                consumer: *consumer,
                                record: *record,
                            },
                            expected,
                        );
                    }
                }
                Note::TxnTransition { from, to, .. }
                    if !to.valid_previous_states().contains(from) =>
                {
                    self.fail(
                        Property::CoordinatorTransitionsValid,
                        step,
                        tick,
                        Detail::InvalidTransition {
                            from: *from,
                            to: *to,
                        },
                        None,
                    );
                }
                _ => {}
            }
        }
    }

    fn on_append(
        &mut self,
        tp: TopicPartition,
        batch_index: usize,
        logs: &dyn Logs,
        step: u64,
        tick: Tick,
    ) {
        let Some(batch) = logs.log(tp).and_then(|l| l.batches().get(batch_index)) else {
            return;
        };
        if tp.topic == TopicId::Output {
            return; // output records count when their transaction commits
        }
        let (pid, epoch) = (batch.producer_id, batch.producer_epoch);
        for i in 0..batch.record_count {
            let r = RecordId(batch.first_record.0 + i);
            let offset = Offset(batch.base_offset.0 + i as u64);
            let Some(copies) = self.log_copies.get_mut(r.0 as usize) else {
                continue;
            };
            *copies = copies.saturating_add(1);
            let copies = *copies;
            if copies == 1 {
                self.first_writer[r.0 as usize] = (pid.0, epoch.0);
            }
            let facts = self
                .producer_of(r)
                .map(|(i, f)| (i, f.idempotent, f.may_reorder));
            if copies >= 2 {
                let same_session =
                    !pid.is_none() && self.first_writer[r.0 as usize] == (pid.0, epoch.0);
                let expected = match facts {
                    Some((_, false, _)) => Some(ExpectedBecause::IdempotenceOff),
                    _ if !same_session => Some(ExpectedBecause::AcrossProducerSessions),
                    _ => None,
                };
                self.fail(
                    Property::NoDuplicateInLog,
                    step,
                    tick,
                    Detail::DuplicateInLog {
                        record: r,
                        tp,
                        offset,
                        copies,
                    },
                    expected,
                );
            } else if !batch.is_transactional {
                // Order: a fresh record below one already written by the same producer.
                // Transactional batches are left out: an aborted attempt's records come again.
                if let Some((p, _, may_reorder)) = facts {
                    let session = self.sessions.get(p as usize).copied().unwrap_or(0);
                    let max = self.max_record.entry((p, tp)).or_insert((0, session));
                    if r.0 < max.0 {
                        let after = RecordId(max.0 - 1);
                        let expected = if max.1 != session {
                            Some(ExpectedBecause::AcrossProducerSessions)
                        } else if may_reorder {
                            Some(ExpectedBecause::ReorderingAllowed)
                        } else {
                            None
                        };
                        self.fail(
                            Property::OrderPerPartition,
                            step,
                            tick,
                            Detail::OutOfOrder {
                                record: r,
                                tp,
                                offset,
                                after,
                            },
                            expected,
                        );
                    } else {
                        *max = (r.0 + 1, session);
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_marker(
        &mut self,
        tp: TopicPartition,
        pid: ProducerId,
        marker: Offset,
        commit: bool,
        first: Option<Offset>,
        logs: &dyn Logs,
        step: u64,
        tick: Tick,
    ) {
        let Some(first) = first else { return };
        let Some(log) = logs.log(tp) else { return };
        let start = log.batch_index_at(first).unwrap_or(log.batches().len());
        for b in log.batches().iter_from(start) {
            if b.base_offset >= marker {
                break;
            }
            if b.producer_id != pid || b.is_control() {
                continue;
            }
            for i in 0..b.record_count {
                let r = (b.first_record.0 + i) as usize;
                match (tp.topic, commit) {
                    (TopicId::Input, false) => {
                        if let Some(c) = self.log_copies.get_mut(r) {
                            *c = c.saturating_sub(1);
                        }
                        if let Some(a) = self.acked.get_mut(r) {
                            *a = 0; // an aborted transaction's acks promise nothing
                        }
                    }
                    (TopicId::Output, true) => {
                        let Some(c) = self.output_copies.get_mut(r) else {
                            continue;
                        };
                        *c = c.saturating_add(1);
                        // Exactly once means once per input copy: a duplicate already in the input
                        // (a restarted producer) is read at two offsets and rightly written twice.
                        let input_copies = self.log_copies.get(r).copied().unwrap_or(0).max(1);
                        if *c > input_copies {
                            let offset = Offset(b.base_offset.0 + i as u64);
                            self.fail(
                                Property::EndToEndExactlyOnce,
                                step,
                                tick,
                                Detail::OutputDuplicate {
                                    record: RecordId(r as u32),
                                    tp,
                                    offset,
                                },
                                None,
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_processed(
        &mut self,
        consumer: u8,
        tp: TopicPartition,
        offset: Offset,
        record: RecordId,
        logs: &dyn Logs,
        step: u64,
        tick: Tick,
    ) {
        let Some(facts) = self.setup.consumers.get(consumer as usize).cloned() else {
            return;
        };
        let slot = self.group_slot(consumer as usize);
        let Some(seen) = self.processed.get_mut(slot) else {
            return;
        };
        let again = seen.entry(tp).or_default().set(offset.0);
        if facts.mode != CommitMode::Transactional && again {
            let expected = matches!(facts.mode, CommitMode::Auto | CommitMode::AfterProcessing)
                .then_some(ExpectedBecause::AtLeastOnce);
            self.fail(
                Property::ConsumerNoDuplicate,
                step,
                tick,
                Detail::ConsumerDuplicate {
                    consumer,
                    record,
                    tp,
                    offset,
                },
                expected,
            );
        }
        // Was the record aborted, or in a transaction still open, when it was read?
        let Some(log) = logs.log(tp) else { return };
        let Some(batch) = log
            .batch_index_at(offset)
            .and_then(|i| log.batches().get(i))
        else {
            return;
        };
        if !batch.is_transactional {
            return;
        }
        let expected = (facts.isolation == IsolationLevel::ReadUncommitted)
            .then_some(ExpectedBecause::ReadUncommitted);
        if log.is_aborted(batch.producer_id, offset) {
            self.reported_aborted.push((slot as u8, tp, offset));
            self.fail(
                Property::NoAbortedRead,
                step,
                tick,
                Detail::AbortedRead {
                    consumer,
                    record,
                    tp,
                    offset,
                },
                expected,
            );
        } else if log
            .ongoing_txns()
            .get(&batch.producer_id)
            .is_some_and(|first| *first <= offset)
        {
            self.fail(
                Property::NoUncommittedRead,
                step,
                tick,
                Detail::UncommittedRead {
                    consumer,
                    record,
                    tp,
                    offset,
                },
                expected,
            );
        }
    }

    /// End-of-run checks: losses and transactions left half done.
    pub fn finish(
        &mut self,
        logs: &dyn Logs,
        partitions: &[TopicPartition],
        step: u64,
        tick: Tick,
    ) {
        // Acknowledged but not in the log. Counted from the logs as they are now: a failover
        // may have truncated records the incremental counts saw appended.
        let mut present = vec![0u8; self.acked.len()];
        for tp in partitions.iter().filter(|tp| tp.topic == TopicId::Input) {
            let Some(log) = logs.log(*tp) else { continue };
            for b in log.batches().iter().filter(|b| {
                !b.is_control()
                    && (!b.is_transactional || !log.is_aborted(b.producer_id, b.base_offset))
            }) {
                for r in b.first_record.0..b.first_record.0 + b.record_count {
                    if let Some(n) = present.get_mut(r as usize) {
                        *n = n.saturating_add(1);
                    }
                }
            }
        }
        let missing: Vec<usize> = self
            .acked
            .iter()
            .zip(present.iter())
            .enumerate()
            .filter(|(_, (acked, copies))| **acked == 1 && **copies == 0)
            .map(|(r, _)| r)
            .collect();
        for r in missing {
            let Some((p, f)) = self.producer_of(RecordId(r as u32)) else {
                continue;
            };
            let expected = match f.acks {
                Acks::None => Some(ExpectedBecause::AcksZero),
                Acks::Leader if self.setup.replication_factor > 1 => Some(ExpectedBecause::AcksOne),
                _ if self.unclean_elections > 0 => Some(ExpectedBecause::UncleanElection),
                _ => None,
            };
            self.fail(
                Property::NoLostAck,
                step,
                tick,
                Detail::LostAck {
                    record: RecordId(r as u32),
                    producer: NodeId::Producer(p),
                },
                expected,
            );
        }
        // Every record a consumer should have read: processed, and in its sink.
        let consumers = self.setup.consumers.clone();
        for (c, facts) in consumers.iter().enumerate() {
            // A group is judged once, by what all its members processed.
            if facts.group_first as usize != c {
                continue;
            }
            for tp in &facts.assignment {
                let Some(log) = logs.log(*tp) else { continue };
                let limit = match facts.isolation {
                    IsolationLevel::ReadUncommitted => log.high_watermark(),
                    IsolationLevel::ReadCommitted => log.last_stable_offset(),
                };
                for b in log.batches().iter().take_while(|b| b.base_offset < limit) {
                    if b.is_control()
                        || (facts.isolation == IsolationLevel::ReadCommitted
                            && b.is_transactional
                            && log.is_aborted(b.producer_id, b.base_offset))
                    {
                        continue;
                    }
                    for i in 0..b.record_count {
                        let offset = Offset(b.base_offset.0 + i as u64);
                        let record = RecordId(b.first_record.0 + i);
                        if facts.mode != CommitMode::Transactional
                            && !self.processed[c].get(tp).is_some_and(|s| s.get(offset.0))
                        {
                            let expected = matches!(facts.mode, CommitMode::BeforeProcessing)
                                .then_some(ExpectedBecause::AtMostOnce);
                            self.fail(
                                Property::ConsumerNoLoss,
                                step,
                                tick,
                                Detail::ConsumerLoss {
                                    consumer: c as u8,
                                    record,
                                    tp: *tp,
                                    offset,
                                },
                                expected,
                            );
                        }
                        if facts.sink.is_some()
                            && self.sink_rows[c]
                                .get(record.0 as usize)
                                .is_some_and(|n| *n == 0)
                        {
                            let expected = matches!(facts.mode, CommitMode::BeforeProcessing)
                                .then_some(ExpectedBecause::AtMostOnce);
                            self.fail(
                                Property::SinkExactlyOnce,
                                step,
                                tick,
                                Detail::SinkLoss {
                                    consumer: c as u8,
                                    record,
                                },
                                expected,
                            );
                        }
                        if facts.mode == CommitMode::Transactional
                            && self
                                .output_copies
                                .get(record.0 as usize)
                                .is_some_and(|n| *n < self.log_copies[record.0 as usize])
                        {
                            self.fail(
                                Property::EndToEndExactlyOnce,
                                step,
                                tick,
                                Detail::OutputLoss { record },
                                None,
                            );
                        }
                    }
                }
            }
        }
        // Records a consumer processed that ended up in an aborted transaction.
        for (c, facts) in consumers.iter().enumerate() {
            if facts.group_first as usize != c {
                continue;
            }
            for tp in &facts.assignment {
                let Some(log) = logs.log(*tp) else { continue };
                for a in log.aborted_txns() {
                    let start = log
                        .batch_index_at(a.first_offset)
                        .unwrap_or(log.batches().len());
                    for b in log
                        .batches()
                        .iter_from(start)
                        .take_while(|b| b.base_offset < a.last_offset)
                    {
                        if b.producer_id != a.producer_id || b.is_control() {
                            continue;
                        }
                        for i in 0..b.record_count {
                            let offset = Offset(b.base_offset.0 + i as u64);
                            if self.processed[c].get(tp).is_some_and(|s| s.get(offset.0))
                                && !self.reported_aborted.contains(&(c as u8, *tp, offset))
                            {
                                let expected = (facts.isolation == IsolationLevel::ReadUncommitted)
                                    .then_some(ExpectedBecause::ReadUncommitted);
                                let record = RecordId(b.first_record.0 + i);
                                self.fail(
                                    Property::NoAbortedRead,
                                    step,
                                    tick,
                                    Detail::AbortedRead {
                                        consumer: c as u8,
                                        record,
                                        tp: *tp,
                                        offset,
                                    },
                                    expected,
                                );
                            }
                        }
                    }
                }
            }
        }
        // No transaction left open in a partition after its coordinator finished it.
        for tp in partitions {
            let Some(log) = logs.log(*tp) else { continue };
            for (pid, first) in log.ongoing_txns() {
                let state = logs.coordinator_state(*pid);
                if matches!(
                    state,
                    Some(TransactionState::CompleteCommit)
                        | Some(TransactionState::CompleteAbort)
                        | Some(TransactionState::Empty)
                ) {
                    self.fail(
                        Property::TransactionAtomicity,
                        step,
                        tick,
                        Detail::PartialTransaction {
                            tp: *tp,
                            producer_id: *pid,
                            first_offset: *first,
                        },
                        None,
                    );
                }
            }
        }
    }

    /// Where a consumer's processed records and sink rows are counted: its group's first member.
    fn group_slot(&self, c: usize) -> usize {
        self.setup
            .consumers
            .get(c)
            .map_or(c, |f| f.group_first as usize)
    }

    /// After a leader election the partition's log is the new leader's: count the copies again.
    fn recount_copies(&mut self, logs: &dyn Logs) {
        // Output records count once their transaction is committed in the (new) leader's log.
        if !self.output_copies.is_empty() {
            self.output_copies.fill(0);
            for tp in self.setup.output_partitions.clone() {
                let Some(log) = logs.log(tp) else { continue };
                for b in log
                    .batches()
                    .iter()
                    .filter(|b| !b.is_control() && !log.is_aborted(b.producer_id, b.base_offset))
                {
                    if b.is_transactional
                        && log
                            .ongoing_txns()
                            .get(&b.producer_id)
                            .is_some_and(|first| *first <= b.base_offset)
                    {
                        continue;
                    }
                    for r in b.first_record.0..b.first_record.0 + b.record_count {
                        if let Some(n) = self.output_copies.get_mut(r as usize) {
                            *n = n.saturating_add(1);
                        }
                    }
                }
            }
        }
        self.log_copies.fill(0);
        let sessions = self.sessions.clone();
        self.max_record.clear();
        for tp in self.setup.input_partitions.clone() {
            let Some(log) = logs.log(tp) else { continue };
            for b in log.batches().iter().filter(|b| {
                !b.is_control()
                    && (!b.is_transactional || !log.is_aborted(b.producer_id, b.base_offset))
            }) {
                for r in b.first_record.0..b.first_record.0 + b.record_count {
                    if let Some(n) = self.log_copies.get_mut(r as usize) {
                        *n = n.saturating_add(1);
                    }
                }
                if let (false, Some((p, _))) =
                    (b.is_transactional, self.producer_of(b.first_record))
                {
                    let last = b.first_record.0 + b.record_count;
                    let session = sessions.get(p as usize).copied().unwrap_or(0);
                    let max = self.max_record.entry((p, tp)).or_insert((0, session));
                    max.0 = max.0.max(last);
                }
            }
        }
    }

    /// How many live copies of a record the input topic holds.
    pub fn copies_in_log(&self, r: RecordId) -> u8 {
        self.log_copies.get(r.0 as usize).copied().unwrap_or(0)
    }
}
