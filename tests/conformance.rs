#![cfg(not(target_arch = "wasm32"))]
//! Conformance: one test per rule of `../shared/KAFKA_EOS.md` §A3–A9, each citing the Kafka
//! class it follows, asserting exact outcomes (offsets, error codes, states).

mod common;

use eoscope::sim::config::IsolationLevel;
use eoscope::sim::consumer::read_records;
use eoscope::sim::effects::{Note, Out};
use eoscope::sim::errors::Errors;
use eoscope::sim::log::{BatchToAppend, ControlType, LogRules, PartitionLog};
use eoscope::sim::message::{FetchedData, Message, MessageKind};
use eoscope::sim::topology::Topology;
use eoscope::sim::txn_coordinator::{CoordCtx, TransactionState, TxnCoordinator};
use eoscope::sim::types::*;
use eoscope::sim::world::{Sim, TraceKind};
use eoscope::sim::Scenario;
use serde_json::{json, Value};

const V3_9: LogRules = LogRules {
    unknown_producer_accepts_any_sequence: true,
    stale_epoch_is_invalid_producer_epoch: true,
};
const V2_4: LogRules = LogRules {
    unknown_producer_accepts_any_sequence: false,
    stale_epoch_is_invalid_producer_epoch: false,
};

fn batch(pid: i64, epoch: i16, seq: i32, n: u32) -> BatchToAppend {
    BatchToAppend {
        producer_id: ProducerId(pid),
        producer_epoch: ProducerEpoch(epoch),
        base_sequence: Sequence(seq),
        record_count: n,
        is_transactional: false,
        first_record: RecordId(seq.max(0) as u32),
        transactional_id: None,
        transaction_version: 1,
    }
}

fn txn_batch(pid: i64, epoch: i16, seq: i32, n: u32) -> BatchToAppend {
    BatchToAppend {
        is_transactional: true,
        ..batch(pid, epoch, seq, n)
    }
}

/// Runs a scenario (given as JSON) to its end.
fn run(v: Value) -> Sim {
    let scenario =
        Scenario::from_json(&v.to_string()).unwrap_or_else(|e| panic!("bad test scenario: {}", e));
    let mut sim = Sim::new(scenario, None);
    sim.run(1_000_000);
    sim.finish();
    sim
}

fn scenario(version: &str, producers: Value, consumers: Value, schedule: Value) -> Value {
    json!({"format": "eoscope/scenario@1", "title": {"en": "t"}, "version": version, "producers": producers, "consumers": consumers, "schedule": schedule})
}

fn values(sim: &Sim, partition: u8) -> Vec<(u64, String)> {
    let log = sim
        .world
        .log(TopicPartition {
            topic: TopicId::Input,
            partition,
        })
        .unwrap();
    log.batches()
        .iter()
        .map(|b| {
            (
                b.base_offset.0,
                match b.control {
                    Some(c) => format!("{:?}", c).to_uppercase(),
                    None => format!("v{}", b.first_record.0),
                },
            )
        })
        .collect()
}

fn facts(sim: &Sim) -> Vec<Note> {
    sim.trace
        .events
        .iter()
        .filter_map(|e| {
            if let TraceKind::Fact(n) = &e.what {
                Some(n.clone())
            } else {
                None
            }
        })
        .collect()
}

// ---- §A3: produce validation on the leader (UnifiedLog.analyzeAndValidateProducerState, ProducerAppendInfo) ----

#[test]
fn an_exact_retry_of_a_cached_batch_returns_the_original_offsets_and_appends_nothing() {
    // ProducerStateEntry.findDuplicateBatch
    let mut log = PartitionLog::new();
    let first = log
        .append_as_leader(&batch(7, 0, 0, 3), Tick(0), V3_9)
        .unwrap();
    log.append_as_leader(&batch(7, 0, 3, 1), Tick(1), V3_9)
        .unwrap();
    let retry = log
        .append_as_leader(&batch(7, 0, 0, 3), Tick(2), V3_9)
        .unwrap();
    assert_eq!(
        (retry.base_offset, retry.last_offset, retry.duplicate),
        (Offset(0), Offset(2), true)
    );
    assert_eq!((first.base_offset, first.duplicate), (Offset(0), false));
    assert_eq!(log.log_end_offset(), Offset(4));
}

#[test]
fn only_the_last_five_batches_are_remembered_for_deduplication() {
    // ProducerStateEntry.NUM_BATCHES_TO_RETAIN = 5; since 1.1.0 an older retry is OUT_OF_ORDER_SEQUENCE_NUMBER.
    let mut log = PartitionLog::new();
    for s in 0..6 {
        log.append_as_leader(&batch(7, 0, s, 1), Tick(0), V3_9)
            .unwrap();
    }
    assert!(
        log.append_as_leader(&batch(7, 0, 1, 1), Tick(0), V3_9)
            .unwrap()
            .duplicate
    );
    assert_eq!(
        log.append_as_leader(&batch(7, 0, 0, 1), Tick(0), V3_9),
        Err(Errors::OutOfOrderSequenceNumber)
    );
}

#[test]
fn an_older_epoch_is_invalid_producer_epoch_since_2_7_and_producer_fenced_before() {
    // ProducerAppendInfo.checkProducerEpoch; ProducerStateManager.scala@2.6.0/2.7.0
    for (rules, error) in [
        (V3_9, Errors::InvalidProducerEpoch),
        (V2_4, Errors::ProducerFenced),
    ] {
        let mut log = PartitionLog::new();
        log.append_as_leader(&batch(7, 1, 0, 1), Tick(0), rules)
            .unwrap();
        assert_eq!(
            log.append_as_leader(&batch(7, 0, 1, 1), Tick(0), rules),
            Err(error)
        );
    }
}

#[test]
fn a_new_epoch_must_start_at_sequence_zero() {
    // ProducerAppendInfo.checkSequence: "Invalid sequence number for new epoch"
    let mut log = PartitionLog::new();
    log.append_as_leader(&batch(7, 0, 0, 2), Tick(0), V3_9)
        .unwrap();
    assert_eq!(
        log.append_as_leader(&batch(7, 1, 2, 1), Tick(0), V3_9),
        Err(Errors::OutOfOrderSequenceNumber)
    );
    assert_eq!(
        log.append_as_leader(&batch(7, 1, 0, 1), Tick(0), V3_9)
            .unwrap()
            .base_offset,
        Offset(2)
    );
}

#[test]
fn a_gap_in_the_sequence_is_out_of_order_sequence_number_and_nothing_is_appended() {
    // ProducerAppendInfo.checkSequence (same epoch: firstSeq must be lastSeq + 1)
    let mut log = PartitionLog::new();
    log.append_as_leader(&batch(7, 0, 0, 2), Tick(0), V3_9)
        .unwrap();
    assert_eq!(
        log.append_as_leader(&batch(7, 0, 3, 1), Tick(0), V3_9),
        Err(Errors::OutOfOrderSequenceNumber)
    );
    assert_eq!(log.log_end_offset(), Offset(2));
    // KAFKA-6683: a rejected batch does not change the producer state, so seq 2 still follows.
    assert_eq!(
        log.append_as_leader(&batch(7, 0, 2, 1), Tick(0), V3_9)
            .unwrap()
            .base_offset,
        Offset(2)
    );
}

#[test]
fn an_unknown_producer_may_start_anywhere_since_2_5_but_must_start_at_zero_on_2_4() {
    // KIP-360; ProducerStateManager.scala@2.4.0 vs 2.5.0
    let mut new = PartitionLog::new();
    assert_eq!(
        new.append_as_leader(&batch(7, 0, 42, 1), Tick(0), V3_9)
            .unwrap()
            .base_offset,
        Offset(0)
    );
    let mut old = PartitionLog::new();
    assert_eq!(
        old.append_as_leader(&batch(7, 0, 42, 1), Tick(0), V2_4),
        Err(Errors::UnknownProducerId)
    );
    assert!(old
        .append_as_leader(&batch(7, 0, 0, 1), Tick(0), V2_4)
        .is_ok());
}

#[test]
fn a_plain_batch_from_a_producer_with_an_open_transaction_is_invalid_txn_state() {
    // ProducerAppendInfo.appendDataBatch
    let mut log = PartitionLog::new();
    log.append_as_leader(&txn_batch(7, 0, 0, 1), Tick(0), V3_9)
        .unwrap();
    assert_eq!(
        log.append_as_leader(&batch(7, 0, 1, 1), Tick(0), V3_9),
        Err(Errors::InvalidTxnState)
    );
}

#[test]
fn a_batch_without_a_producer_id_is_always_appended_so_retries_duplicate() {
    // §A3 step 0 (ProducerConfig ENABLE_IDEMPOTENCE_DOC: "retries … may write duplicates")
    let mut log = PartitionLog::new();
    let a = log
        .append_as_leader(&batch(-1, -1, -1, 1), Tick(0), V3_9)
        .unwrap();
    let b = log
        .append_as_leader(&batch(-1, -1, -1, 1), Tick(0), V3_9)
        .unwrap();
    assert_eq!(
        (a.base_offset, b.base_offset, b.duplicate),
        (Offset(0), Offset(1), false)
    );
}

// ---- §A4–A5: markers, the transaction index, the LSO ----

#[test]
fn a_marker_takes_one_offset_an_abort_is_indexed_and_the_lso_follows_open_transactions() {
    // ProducerAppendInfo.appendEndTxnMarker, LogSegment.updateTxnIndex, UnifiedLog.lastStableOffset
    let mut log = PartitionLog::new();
    log.append_as_leader(&batch(1, 0, 0, 1), Tick(0), V3_9)
        .unwrap(); // plain, offset 0
    log.append_as_leader(&txn_batch(7, 0, 0, 2), Tick(0), V3_9)
        .unwrap(); // open txn from offset 1
    log.append_as_leader(&batch(1, 0, 1, 1), Tick(0), V3_9)
        .unwrap(); // plain, offset 3
    assert_eq!(
        (log.high_watermark(), log.last_stable_offset()),
        (Offset(4), Offset(1))
    );
    let marker = log
        .append_marker(
            ProducerId(7),
            ProducerEpoch(0),
            ControlType::Abort,
            0,
            Tick(1),
        )
        .unwrap();
    assert_eq!(marker, Offset(4));
    assert_eq!(log.log_end_offset(), Offset(5));
    assert_eq!(log.last_stable_offset(), Offset(5));
    assert_eq!(log.aborted_txns().len(), 1);
    assert_eq!(
        (
            log.aborted_txns()[0].first_offset,
            log.aborted_txns()[0].last_offset
        ),
        (Offset(1), Offset(4))
    );
    // A commit is not indexed.
    log.append_as_leader(&txn_batch(7, 0, 2, 1), Tick(2), V3_9)
        .unwrap();
    log.append_marker(
        ProducerId(7),
        ProducerEpoch(0),
        ControlType::Commit,
        0,
        Tick(3),
    )
    .unwrap();
    assert_eq!(log.aborted_txns().len(), 1);
}

#[test]
fn a_marker_with_an_older_epoch_or_from_an_older_coordinator_is_rejected() {
    // ProducerAppendInfo.appendEndTxnMarker (TV1: markerEpoch >= entry epoch; coordinator epoch check)
    let mut log = PartitionLog::new();
    log.append_as_leader(&txn_batch(7, 2, 0, 1), Tick(0), V3_9)
        .unwrap();
    assert_eq!(
        log.append_marker(
            ProducerId(7),
            ProducerEpoch(1),
            ControlType::Commit,
            0,
            Tick(0)
        ),
        Err(Errors::InvalidProducerEpoch)
    );
    log.append_marker(
        ProducerId(7),
        ProducerEpoch(2),
        ControlType::Commit,
        3,
        Tick(0),
    )
    .unwrap();
    assert_eq!(
        log.append_marker(
            ProducerId(7),
            ProducerEpoch(2),
            ControlType::Abort,
            2,
            Tick(0)
        ),
        Err(Errors::TransactionCoordinatorFenced)
    );
}

// ---- §A6: what consumers read (CompletedFetch.nextFetchedRecord) ----

fn fetched_log() -> PartitionLog {
    let mut log = PartitionLog::new();
    log.append_as_leader(&txn_batch(7, 0, 0, 2), Tick(0), V3_9)
        .unwrap(); // 0-1 aborted
    log.append_as_leader(&batch(1, 0, 0, 1), Tick(0), V3_9)
        .unwrap(); // 2 plain
    log.append_marker(
        ProducerId(7),
        ProducerEpoch(0),
        ControlType::Abort,
        0,
        Tick(0),
    )
    .unwrap(); // 3
    log.append_as_leader(&txn_batch(7, 0, 2, 1), Tick(0), V3_9)
        .unwrap(); // 4 committed
    log.append_marker(
        ProducerId(7),
        ProducerEpoch(0),
        ControlType::Commit,
        0,
        Tick(0),
    )
    .unwrap(); // 5
    log
}

#[test]
fn read_committed_skips_aborted_batches_and_markers_and_moves_past_them() {
    let log = fetched_log();
    let data = FetchedData {
        batches: log.batches().to_vec(),
        aborted: log.aborted_txns().to_vec(),
        high_watermark: log.high_watermark(),
        last_stable_offset: log.last_stable_offset(),
    };
    let (records, next) = read_records(&data, Offset(0), IsolationLevel::ReadCommitted);
    assert_eq!(
        records.iter().map(|(o, _)| o.0).collect::<Vec<_>>(),
        vec![2, 4]
    );
    assert_eq!(next, Offset(6));
}

#[test]
fn read_uncommitted_returns_aborted_records_too_but_never_a_marker() {
    let log = fetched_log();
    let data = FetchedData {
        batches: log.batches().to_vec(),
        aborted: vec![],
        high_watermark: log.high_watermark(),
        last_stable_offset: log.last_stable_offset(),
    };
    let (records, next) = read_records(&data, Offset(0), IsolationLevel::ReadUncommitted);
    assert_eq!(
        records.iter().map(|(o, _)| o.0).collect::<Vec<_>>(),
        vec![0, 1, 2, 4]
    );
    assert_eq!(next, Offset(6));
}

// ---- §A7: the transaction coordinator (TransactionCoordinator) ----

fn coordinator_call(tc: &mut TxnCoordinator, msg: Message, next_pid: &mut i64) -> Out {
    let topology = Topology::new(1, 1, 1, 1);
    let mut out = Out::default();
    let mut ctx = CoordCtx {
        now: Tick(0),
        me: NodeId::Broker(0),
        topology: &topology,
        next_producer_id: next_pid,
    };
    assert!(tc.handle(NodeId::Producer(0), &msg, &mut ctx, &mut out));
    out
}

fn reply_error(out: &Out) -> Option<Errors> {
    out.sends.iter().find_map(|(_, m)| match m {
        Message::AddPartitionsToTxnResponse { error, .. }
        | Message::EndTxnResponse { error, .. } => Some(*error),
        Message::InitProducerIdResponse { result, .. } => Some(result.err()),
        _ => None,
    })?
}

#[test]
fn the_coordinator_answers_add_partitions_and_end_txn_as_kafka_does() {
    let mut tc = TxnCoordinator::new();
    let mut pid = 0;
    let tp = TopicPartition {
        topic: TopicId::Input,
        partition: 0,
    };
    let out = coordinator_call(
        &mut tc,
        Message::InitProducerIdRequest {
            corr: 0,
            txn: Some(0),
            transaction_timeout_ms: 60_000,
            producer_id: ProducerId::NONE,
            producer_epoch: ProducerEpoch::NONE,
        },
        &mut pid,
    );
    assert_eq!(reply_error(&out), None);
    let (p, e) = (ProducerId(0), ProducerEpoch(0));
    // A stale epoch is PRODUCER_FENCED; an unknown producer id is INVALID_PRODUCER_ID_MAPPING.
    let out = coordinator_call(
        &mut tc,
        Message::AddPartitionsToTxnRequest {
            corr: 1,
            txn: 0,
            producer_id: p,
            producer_epoch: ProducerEpoch(-1),
            partitions: vec![tp],
            verify_only: false,
        },
        &mut pid,
    );
    assert_eq!(reply_error(&out), Some(Errors::ProducerFenced));
    let out = coordinator_call(
        &mut tc,
        Message::AddPartitionsToTxnRequest {
            corr: 1,
            txn: 0,
            producer_id: ProducerId(99),
            producer_epoch: e,
            partitions: vec![tp],
            verify_only: false,
        },
        &mut pid,
    );
    assert_eq!(reply_error(&out), Some(Errors::InvalidProducerIdMapping));
    // EndTxn from Empty is INVALID_TXN_STATE.
    let out = coordinator_call(
        &mut tc,
        Message::EndTxnRequest {
            corr: 2,
            txn: 0,
            producer_id: p,
            producer_epoch: e,
            commit: true,
        },
        &mut pid,
    );
    assert_eq!(reply_error(&out), Some(Errors::InvalidTxnState));
    let out = coordinator_call(
        &mut tc,
        Message::AddPartitionsToTxnRequest {
            corr: 3,
            txn: 0,
            producer_id: p,
            producer_epoch: e,
            partitions: vec![tp],
            verify_only: false,
        },
        &mut pid,
    );
    assert_eq!(reply_error(&out), None);
    assert_eq!(tc.txns[&0].state, TransactionState::Ongoing);
    let out = coordinator_call(
        &mut tc,
        Message::EndTxnRequest {
            corr: 4,
            txn: 0,
            producer_id: p,
            producer_epoch: e,
            commit: true,
        },
        &mut pid,
    );
    assert_eq!(reply_error(&out), None);
    assert_eq!(tc.txns[&0].state, TransactionState::PrepareCommit);
    // PrepareCommit is written before the reply, and the markers go out after it.
    assert_eq!(
        tc.log.last().map(|r| r.state),
        Some(TransactionState::PrepareCommit)
    );
    assert!(
        out.sends
            .iter()
            .any(|(to, m)| *to == NodeId::Broker(0)
                && m.kind() == MessageKind::WriteTxnMarkersRequest)
    );
    // A retried commit while markers are pending is CONCURRENT_TRANSACTIONS; an abort now is INVALID_TXN_STATE.
    let out = coordinator_call(
        &mut tc,
        Message::EndTxnRequest {
            corr: 5,
            txn: 0,
            producer_id: p,
            producer_epoch: e,
            commit: true,
        },
        &mut pid,
    );
    assert_eq!(reply_error(&out), Some(Errors::ConcurrentTransactions));
    let out = coordinator_call(
        &mut tc,
        Message::EndTxnRequest {
            corr: 6,
            txn: 0,
            producer_id: p,
            producer_epoch: e,
            commit: false,
        },
        &mut pid,
    );
    assert_eq!(reply_error(&out), Some(Errors::InvalidTxnState));
    // InitProducerId while markers are pending is CONCURRENT_TRANSACTIONS.
    let out = coordinator_call(
        &mut tc,
        Message::InitProducerIdRequest {
            corr: 7,
            txn: Some(0),
            transaction_timeout_ms: 60_000,
            producer_id: ProducerId::NONE,
            producer_epoch: ProducerEpoch::NONE,
        },
        &mut pid,
    );
    assert_eq!(reply_error(&out), Some(Errors::ConcurrentTransactions));
    // A transaction timeout above transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT.
    let out = coordinator_call(
        &mut tc,
        Message::InitProducerIdRequest {
            corr: 8,
            txn: Some(1),
            transaction_timeout_ms: 900_001,
            producer_id: ProducerId::NONE,
            producer_epoch: ProducerEpoch::NONE,
        },
        &mut pid,
    );
    assert_eq!(reply_error(&out), Some(Errors::InvalidTransactionTimeout));
}

#[test]
fn init_producer_id_on_an_ongoing_transaction_fences_the_zombie_and_aborts_its_transaction() {
    // TransactionCoordinator.handleInitProducerId → prepareFenceProducerEpoch; §A8.
    let text = common::shipped_text("txn-zombie-fencing");
    let mut sim = Sim::new(Scenario::from_json(&text).unwrap(), None);
    sim.run(1_000_000);
    let tc = sim.world.brokers[0].txn_coordinator.as_ref().unwrap();
    let states: Vec<(TransactionState, i16)> = tc
        .log
        .iter()
        .map(|r| (r.state, r.producer_epoch.0))
        .collect();
    use TransactionState::*;
    assert_eq!(
        states,
        vec![
            (Empty, 0),
            (Ongoing, 0),
            (PrepareAbort, 1),
            (CompleteAbort, 1),
            (Empty, 2),
            (Ongoing, 2),
            (PrepareCommit, 2),
            (CompleteCommit, 2)
        ]
    );
    // The abort marker carries the bumped epoch; the zombie's late write is rejected, its abort fenced.
    assert_eq!(
        values(&sim, 0),
        vec![
            (0, "v0".into()),
            (1, "ABORT".into()),
            (2, "v2".into()),
            (3, "COMMIT".into())
        ]
    );
    let zombie = &sim.world.producers[0];
    assert_eq!(zombie.halted, Some(Errors::ProducerFenced));
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::Rejected {
            error: Errors::InvalidProducerEpoch,
            ..
        }
    )));
}

#[test]
fn a_transaction_past_its_timeout_is_aborted_by_the_coordinator_with_an_epoch_bump() {
    // TransactionCoordinator.abortTimedOutTransactions (checked every 10 s)
    let text = common::shipped_text("txn-timeout");
    let mut sim = Sim::new(Scenario::from_json(&text).unwrap(), None);
    sim.run(1_000_000);
    let tc = sim.world.brokers[0].txn_coordinator.as_ref().unwrap();
    let last: Vec<_> = tc
        .log
        .iter()
        .skip(2)
        .map(|r| (r.state, r.producer_epoch.0, r.tick.0))
        .collect();
    assert_eq!(
        last,
        vec![
            (TransactionState::PrepareAbort, 1, 10_015),
            (TransactionState::CompleteAbort, 1, 10_025)
        ]
    );
    let log = sim
        .world
        .log(TopicPartition {
            topic: TopicId::Input,
            partition: 0,
        })
        .unwrap();
    assert_eq!(log.last_stable_offset(), Offset(2));
    assert!(sim.world.consumers[0].processed.is_empty());
}

#[test]
fn a_restarted_coordinator_finishes_a_prepared_commit_with_a_new_coordinator_epoch() {
    // TransactionStateManager.loadTransactionsForTxnTopicPartition
    let text = common::shipped_text("txn-coordinator-failover");
    let mut sim = Sim::new(Scenario::from_json(&text).unwrap(), None);
    sim.run_until_tick(2_999);
    let tp = TopicPartition {
        topic: TopicId::Input,
        partition: 0,
    };
    assert_eq!(
        sim.world.log(tp).unwrap().last_stable_offset(),
        Offset(0),
        "the commit is not visible while the coordinator is down"
    );
    sim.run(1_000_000);
    let log = sim.world.log(tp).unwrap();
    let marker = log.batches().last().unwrap();
    assert_eq!(
        (marker.control, marker.coordinator_epoch, marker.base_offset),
        (Some(ControlType::Commit), 1, Offset(2))
    );
    assert_eq!(
        sim.world.brokers[1].txn_coordinator.as_ref().unwrap().txns[&0].state,
        TransactionState::CompleteCommit
    );
}

// ---- §A9 and the idempotent producer, end to end ----

#[test]
fn lost_ack_with_idempotence_appends_once_and_the_retry_gets_the_original_offset() {
    let p = json!([{"config": {"request.timeout.ms": 1000}, "script": [{"send": {"records": 1}}]}]);
    let drop = json!([{"drop": {"kind": "ProduceResponse", "nth": 1}}]);
    let sim = run(scenario("3.9", p, json!([]), drop));
    assert_eq!(values(&sim, 0), vec![(0, "v0".into())]);
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::Deduplicated {
            base_offset: Offset(0),
            ..
        }
    )));
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::Acked {
            offset: Some(Offset(0)),
            ..
        }
    )));
}

#[test]
fn lost_ack_without_idempotence_appends_twice() {
    let p = json!([{"config": {"enable.idempotence": false, "request.timeout.ms": 1000}, "script": [{"send": {"records": 1}}]}]);
    let drop = json!([{"drop": {"kind": "ProduceResponse", "nth": 1}}]);
    let sim = run(scenario("3.9", p, json!([]), drop));
    assert_eq!(values(&sim, 0), vec![(0, "v0".into()), (1, "v0".into())]);
    assert!(
        !sim.world.checker.verdicts[&eoscope::sim::checker::Property::NoDuplicateInLog].passed()
    );
}

#[test]
fn acks_0_completes_at_once_with_an_unknown_offset_and_a_lost_request_is_lost() {
    // ProducerConfig ACKS_DOC: offset -1, retries have no effect
    let p = json!([{"config": {"acks": "0"}, "script": [{"send": {"records": 1}}]}]);
    let drop = json!([{"drop": {"kind": "ProduceRequest", "nth": 1}}]);
    let sim = run(scenario("3.9", p, json!([]), drop));
    assert!(values(&sim, 0).is_empty());
    assert!(facts(&sim)
        .iter()
        .any(|n| matches!(n, Note::Acked { offset: None, .. })));
    let v = &sim.world.checker.verdicts[&eoscope::sim::checker::Property::NoLostAck];
    match v {
        eoscope::sim::checker::Verdict::Fail { first, .. } => assert_eq!(
            first.expected,
            Some(eoscope::sim::checker::ExpectedBecause::AcksZero)
        ),
        other => panic!("expected a lost ack, got {:?}", other),
    }
}

#[test]
fn the_transactional_client_adds_a_partition_before_sending_to_it_and_ends_only_after_its_batches()
{
    // TransactionManager.isSendToPartitionAllowed; "Do not send the EndTxn until all batches have been flushed"
    let p = json!([{"config": {"transactional.id": "t"}, "script": [{"init_transactions": {}}, {"begin": {}}, {"send": {"records": 1}}, {"commit": {}}]}]);
    let sim = run(scenario("3.9", p, json!([]), json!([])));
    let order: Vec<MessageKind> = sim
        .trace
        .events
        .iter()
        .filter_map(|e| {
            if let TraceKind::Sent {
                kind,
                from: NodeId::Producer(0),
                ..
            } = &e.what
            {
                Some(*kind)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(
        order,
        vec![
            MessageKind::InitProducerIdRequest,
            MessageKind::AddPartitionsToTxnRequest,
            MessageKind::ProduceRequest,
            MessageKind::EndTxnRequest
        ]
    );
    let delivered: Vec<MessageKind> = sim
        .trace
        .events
        .iter()
        .filter_map(|e| {
            if let TraceKind::Delivered {
                kind,
                to: NodeId::Producer(0),
                ..
            } = &e.what
            {
                Some(*kind)
            } else {
                None
            }
        })
        .collect();
    let add_ok = delivered
        .iter()
        .position(|k| *k == MessageKind::AddPartitionsToTxnResponse)
        .unwrap();
    let produce_ok = delivered
        .iter()
        .position(|k| *k == MessageKind::ProduceResponse)
        .unwrap();
    assert!(add_ok < produce_ok);
}

#[test]
fn a_transaction_that_added_nothing_sends_no_end_txn() {
    let p = json!([{"config": {"transactional.id": "t"}, "script": [{"init_transactions": {}}, {"begin": {}}, {"commit": {}}]}]);
    let sim = run(scenario("3.9", p, json!([]), json!([])));
    assert!(!sim.trace.events.iter().any(|e| matches!(
        &e.what,
        TraceKind::Sent {
            kind: MessageKind::EndTxnRequest,
            ..
        }
    )));
    assert_eq!(sim.world.producers[0].client.state.name(), "READY");
}

#[test]
fn a_restarted_idempotent_producer_gets_a_new_producer_id() {
    // No deduplication across producer sessions (KafkaProducer: InitProducerId on start).
    let text = common::shipped_text("producer-restart-duplicate");
    let mut sim = Sim::new(Scenario::from_json(&text).unwrap(), None);
    sim.run(1_000_000);
    let log = sim
        .world
        .log(TopicPartition {
            topic: TopicId::Input,
            partition: 0,
        })
        .unwrap();
    let pids: Vec<i64> = log.batches().iter().map(|b| b.producer_id.0).collect();
    assert_eq!(pids, vec![0, 1]);
    assert_eq!(values(&sim, 0), vec![(0, "v0".into()), (1, "v0".into())]);
}

#[test]
fn pending_transactional_offsets_make_offset_fetch_unstable_until_their_marker() {
    // GroupMetadataManager.getOffsets with requireStable (KIP-447): UNSTABLE_OFFSET_COMMIT;
    // GroupMetadata.completePendingTxnOffsetCommit on the marker.
    use eoscope::sim::broker::{Broker, BrokerCtx};
    let topology = Topology::new(1, 1, 1, 1);
    let mut broker = Broker::new(0, &topology);
    let ctx = BrokerCtx {
        now: Tick(0),
        topology: &topology,
        rules: V3_9,
        fetch_max_wait_ms: 0,
        replication: eoscope::sim::replication::ReplicationConfig {
            min_insync_replicas: 1,
            replica_lag_time_max_ms: 30_000,
            replica_fetch_wait_max_ms: 500,
            hw_holds_below_min_isr: true,
        },
    };
    let tp = TopicPartition {
        topic: TopicId::Input,
        partition: 0,
    };
    let mut out = Out::default();
    let fetch = Message::OffsetFetchRequest {
        corr: 1,
        group: 0,
        partitions: vec![tp],
    };
    broker.on_message(
        NodeId::Producer(0),
        Message::TxnOffsetCommitRequest {
            corr: 0,
            group: 0,
            producer_id: ProducerId(5),
            producer_epoch: ProducerEpoch(0),
            offsets: vec![(tp, Offset(6))],
            member: eoscope::sim::message::GroupMember::none(),
        },
        &ctx,
        &mut out,
    );
    broker.on_message(NodeId::Consumer(0), fetch.clone(), &ctx, &mut out);
    assert!(out.sends.iter().any(|(_, m)| matches!(
        m,
        Message::OffsetFetchResponse {
            result: Err(Errors::UnstableOffsetCommit),
            ..
        }
    )));
    out.clear();
    broker.on_message(
        NodeId::Broker(0),
        Message::WriteTxnMarkersRequest {
            corr: 2,
            txn: 0,
            producer_id: ProducerId(5),
            producer_epoch: ProducerEpoch(0),
            coordinator_epoch: 0,
            result: ControlType::Commit,
            transaction_version: 1,
            partitions: vec![],
            group: Some(0),
        },
        &ctx,
        &mut out,
    );
    broker.on_message(NodeId::Consumer(0), fetch, &ctx, &mut out);
    assert!(out.sends.iter().any(|(_, m)| matches!(m, Message::OffsetFetchResponse { result: Ok(v), .. } if v == &vec![(tp, Some(Offset(6)))])));
}

#[test]
fn consume_transform_produce_through_a_crash_writes_each_record_once_as_read_committed_sees_it() {
    let text = common::shipped_text("consume-transform-produce");
    let mut sim = Sim::new(Scenario::from_json(&text).unwrap(), None);
    sim.run(1_000_000);
    // The restarted application's initTransactions first meets the fence (CONCURRENT_TRANSACTIONS), then gets epoch 2.
    let init_answers: Vec<String> = sim
        .trace
        .events
        .iter()
        .filter_map(|e| match &e.what {
            TraceKind::Sent {
                kind: MessageKind::InitProducerIdResponse,
                summary,
                to: NodeId::Consumer(0),
                ..
            } => Some(summary.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        init_answers,
        vec![
            "pid 1000 epoch 0",
            "CONCURRENT_TRANSACTIONS",
            "pid 1000 epoch 2"
        ]
    );
    let out = sim
        .world
        .log(TopicPartition {
            topic: TopicId::Output,
            partition: 0,
        })
        .unwrap();
    let committed: Vec<_> = out
        .batches()
        .iter()
        .filter(|b| !b.is_control() && !out.is_aborted(b.producer_id, b.base_offset))
        .map(|b| (b.first_record.0, b.record_count))
        .collect();
    assert_eq!(committed, vec![(0, 6)]);
    assert!(
        sim.world.checker.verdicts[&eoscope::sim::checker::Property::EndToEndExactlyOnce].passed()
    );
}

// ---- Replication (§A3 step 6, §A5; Partition, ReplicaManager) ----

fn run_file(name: &str) -> Sim {
    let text = common::shipped_text(name);
    let mut sim = Sim::new(Scenario::from_json(&text).unwrap(), None);
    sim.run(1_000_000);
    sim.finish();
    sim
}

fn verdict(
    sim: &Sim,
    p: eoscope::sim::checker::Property,
) -> Option<Option<eoscope::sim::checker::ExpectedBecause>> {
    match &sim.world.checker.verdicts[&p] {
        eoscope::sim::checker::Verdict::Fail { first, .. } => Some(first.expected),
        _ => None,
    }
}

#[test]
fn acks_1_answers_before_replication_so_a_failover_loses_the_acknowledged_record() {
    use eoscope::sim::checker::{ExpectedBecause, Property};
    let sim = run_file("acks1-leader-failover");
    assert!(
        values(&sim, 0).is_empty(),
        "the new leader never had v0 and broker-0 truncated it"
    );
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::Acked {
            offset: Some(Offset(0)),
            ..
        }
    )));
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::Truncated {
            broker: 0,
            to: Offset(0),
            ..
        }
    )));
    assert_eq!(
        verdict(&sim, Property::NoLostAck),
        Some(Some(ExpectedBecause::AcksOne))
    );
}

#[test]
fn acks_all_answers_only_after_the_high_watermark_so_the_same_failover_loses_nothing() {
    use eoscope::sim::checker::Property;
    let sim = run_file("acksall-leader-failover");
    assert_eq!(values(&sim, 0), vec![(0, "v0".into())]);
    assert_eq!(verdict(&sim, Property::NoLostAck), None);
    assert_eq!(verdict(&sim, Property::NoDuplicateInLog), None);
    assert_eq!(
        sim.world.topology.leader_of(TopicPartition {
            topic: TopicId::Input,
            partition: 0
        }),
        Some(1)
    );
}

#[test]
fn acks_all_with_an_isr_below_min_insync_replicas_is_refused_before_the_append() {
    let sim = run_file("min-isr-refuses-writes");
    let refused = sim.trace.events.iter().filter(|e| matches!(&e.what, TraceKind::Sent { kind: MessageKind::ProduceResponse, summary, .. } if summary.ends_with("NOT_ENOUGH_REPLICAS"))).count();
    assert!(refused >= 1);
    // Refused means not appended: v0 is in the log once, after broker-1 rejoined the ISR.
    assert_eq!(values(&sim, 0), vec![(0, "v0".into())]);
    assert!(facts(&sim)
        .iter()
        .any(|n| matches!(n, Note::IsrChanged { isr, .. } if isr == &vec![1, 2])));
}

#[test]
fn a_new_leader_deduplicates_a_retry_of_a_batch_it_replicated() {
    // Followers rebuild producer state from what they replicate (UnifiedLog.analyzeAndValidateProducerState, origin REPLICATION).
    let sim = run_file("failover-idempotent-retry");
    let f = facts(&sim);
    let elected = f
        .iter()
        .position(|n| {
            matches!(
                n,
                Note::LeaderElected {
                    leader: Some(1),
                    ..
                }
            )
        })
        .unwrap();
    let dedup = f
        .iter()
        .position(|n| {
            matches!(
                n,
                Note::Deduplicated {
                    base_offset: Offset(0),
                    ..
                }
            )
        })
        .unwrap();
    assert!(elected < dedup);
    assert_eq!(values(&sim, 0), vec![(0, "v0".into())]);
}

#[test]
fn an_unclean_election_loses_acknowledged_records() {
    use eoscope::sim::checker::{ExpectedBecause, Property};
    let sim = run_file("unclean-election-loses-data");
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::LeaderElected {
            leader: Some(1),
            unclean: true,
            ..
        }
    )));
    assert_eq!(
        verdict(&sim, Property::NoLostAck),
        Some(Some(ExpectedBecause::UncleanElection))
    );
}

fn held_follower(version: &str, acks: &str) -> Sim {
    // RF=2, min.insync.replicas=2; the follower stalls and leaves the ISR after replica.lag.time.max.ms.
    let file = json!({
        "format": "eoscope/scenario@1", "title": {"en": "t"}, "version": version,
        "cluster": {"brokers": 2, "partitions": 1, "replication.factor": 2, "min.insync.replicas": 2, "replica.lag.time.max.ms": 1000},
        "producers": [{"config": {"acks": acks, "request.timeout.ms": 30000, "enable.idempotence": false}, "script": [{"at": 100}, {"send": {"records": 1}}]}],
        "schedule": [{"at": 50, "hold": ["broker-0", "broker-1"]}],
        "limits": {"max_ticks": 5000},
    });
    let mut sim = Sim::new(Scenario::from_json(&file.to_string()).unwrap(), None);
    sim.run_until_tick(4000);
    sim
}

#[test]
fn the_high_watermark_holds_below_min_insync_replicas_since_3_7_and_advances_before() {
    // KAFKA-15583 (Partition.maybeIncrementLeaderHW, 3.7.0)
    let tp = TopicPartition {
        topic: TopicId::Input,
        partition: 0,
    };
    let new = held_follower("3.9", "1");
    assert_eq!(new.world.topology.isr[&tp], vec![0]);
    assert_eq!(
        (
            new.world.log(tp).unwrap().log_end_offset(),
            new.world.log(tp).unwrap().high_watermark()
        ),
        (Offset(1), Offset(0))
    );
    let old = held_follower("2.4", "1");
    assert_eq!(
        (
            old.world.log(tp).unwrap().log_end_offset(),
            old.world.log(tp).unwrap().high_watermark()
        ),
        (Offset(1), Offset(1))
    );
}

#[test]
fn acks_all_appended_then_left_below_min_insync_replicas_is_not_enough_replicas_after_append() {
    // Partition.checkEnoughReplicasReachOffset (seen where the HW may advance below min ISR: 2.4)
    let sim = held_follower("2.4", "all");
    let answers: Vec<String> = sim
        .trace
        .events
        .iter()
        .filter_map(|e| match &e.what {
            TraceKind::Sent {
                kind: MessageKind::ProduceResponse,
                summary,
                ..
            } => Some(summary.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(answers[0], "orders-0 NOT_ENOUGH_REPLICAS_AFTER_APPEND");
    // The producer retries (the error is retriable); now the ISR is too small before the append.
    assert!(
        answers.len() > 1
            && answers[1..]
                .iter()
                .all(|a| a == "orders-0 NOT_ENOUGH_REPLICAS")
    );
    assert_eq!(
        values(&sim, 0),
        vec![(0, "v0".into())],
        "the data is in the log even so"
    );
}

#[test]
fn time_travel_is_exact_and_its_memory_is_bounded() {
    use eoscope::sim::timeline::Timeline;
    let text = common::shipped_text("txn-zombie-fencing");
    let mut tl = Timeline::new(Scenario::from_json(&text).unwrap(), None);
    let mut digests = vec![];
    while tl.step() {
        digests.push((tl.step_index(), format!("{:?}", tl.sim.world)));
    }
    // Going back to any step shows exactly the world that was there.
    for (step, world) in digests.iter().rev().step_by(7) {
        tl.seek(*step);
        assert_eq!(&format!("{:?}", tl.sim.world), world, "step {}", step);
    }
    // A long run keeps its checkpoints within the budget.
    let big = json!({"format": "eoscope/scenario@1", "title": {"en": "t"}, "version": "3.9",
        "producers": [{"script": [{"send": {"records": 1, "batches": 32000}}]}],
        "consumers": [{"config": {"enable.auto.commit": false}, "commit": "after_processing"}]});
    let mut tl = Timeline::new(Scenario::from_json(&big.to_string()).unwrap(), None);
    while tl.step() {}
    assert!(tl.checkpoint_count() <= 64);
    assert!(
        tl.checkpoint_bytes() <= eoscope::sim::limits::CHECKPOINT_BUDGET_BYTES,
        "{}",
        tl.checkpoint_bytes()
    );
}

#[test]
fn an_action_applies_once_however_the_run_then_moves() {
    // Acting at a step, then scrubbing forward, stepping, or stepping back and playing again all
    // give the same run: actions apply on arriving at their step, never twice.
    use eoscope::sim::scenario::FaultAction;
    use eoscope::sim::timeline::{Timeline, UserAction};
    use eoscope::sim::types::NodeId;
    let text = common::shipped_text("lost-ack-idempotence");
    let scenario = Scenario::from_json(&text).unwrap();
    let mut config = std::collections::BTreeMap::new();
    config.insert("acks".to_string(), json!("1"));
    let act = |tl: &mut Timeline| {
        tl.seek(8);
        assert!(tl.act(UserAction::Fault(FaultAction::SetConfig {
            node: NodeId::Producer(0),
            config: config.clone(),
        })));
    };
    let mut stepped = Timeline::new(scenario.clone(), None);
    act(&mut stepped);
    while stepped.step_index() < 20 && stepped.step() {}
    let mut scrubbed = Timeline::new(scenario.clone(), None);
    act(&mut scrubbed);
    scrubbed.seek(20);
    let mut replayed = Timeline::new(scenario.clone(), None);
    act(&mut replayed);
    replayed.seek(20);
    replayed.seek(3);
    while replayed.step_index() < 20 && replayed.step() {}
    let restarts = |tl: &Timeline| {
        tl.sim
            .trace
            .events
            .iter()
            .filter(|e| matches!(e.what, eoscope::sim::world::TraceKind::ConfigChanged { .. }))
            .count()
    };
    assert_eq!(restarts(&stepped), 1);
    for tl in [&scrubbed, &replayed] {
        assert_eq!(restarts(tl), 1);
        assert_eq!(tl.sim.trace.digest, stepped.sim.trace.digest);
        assert_eq!(tl.sim.world, stepped.sim.world);
    }
}

#[test]
fn a_new_leader_of_transaction_state_resumes_a_prepared_commit_as_coordinator() {
    // TransactionStateManager.loadTransactionsForTxnTopicPartition on the new leader; markers carry its epoch.
    let sim = run_file("txn-coordinator-moves");
    assert_eq!(sim.world.topology.txn_coordinator(), 0);
    assert_eq!(sim.world.topology.coordinator_epoch, 1);
    let tc = sim.world.brokers[0].txn_coordinator.as_ref().unwrap();
    assert_eq!(
        tc.txns[&0].state,
        eoscope::sim::txn_coordinator::TransactionState::CompleteCommit
    );
    for (partition, offset) in [(0, 2), (1, 1)] {
        let log = sim
            .world
            .log(TopicPartition {
                topic: TopicId::Input,
                partition,
            })
            .unwrap();
        let marker = log.batches().last().unwrap();
        assert_eq!(
            (marker.control, marker.base_offset, marker.coordinator_epoch),
            (Some(ControlType::Commit), Offset(offset), 1)
        );
    }
    assert!(facts(&sim)
        .iter()
        .any(|n| matches!(n, Note::TxnCommittedByClient { .. })));
}

// ---- §D2: rules of the client's TransactionManager and Sender, and of marker writes ----

fn sent(sim: &Sim, kind: MessageKind) -> Vec<(u64, NodeId, NodeId, String)> {
    sim.trace
        .events
        .iter()
        .filter_map(|e| match &e.what {
            TraceKind::Sent {
                kind: k,
                from,
                to,
                summary,
                ..
            } if *k == kind => Some((e.tick.0, *from, *to, summary.clone())),
            _ => None,
        })
        .collect()
}

fn input_log(sim: &Sim, partition: u8) -> &PartitionLog {
    sim.world
        .log(TopicPartition {
            topic: TopicId::Input,
            partition,
        })
        .unwrap()
}

fn txn_states(sim: &Sim) -> Vec<(TransactionState, i64, i16)> {
    let b = sim.world.topology.txn_coordinator() as usize;
    sim.world.brokers[b]
        .txn_coordinator
        .as_ref()
        .unwrap()
        .log
        .iter()
        .map(|r| (r.state, r.producer_id.0, r.producer_epoch.0))
        .collect()
}

#[test]
fn after_an_expired_batch_and_abort_a_tv1_client_bumps_its_epoch_with_init_producer_id_and_restarts_sequences(
) {
    // TransactionManager.maybeTransitionToErrorState / maybeResolveSequences set epochBumpRequired
    // (KIP-360, canBumpEpoch); beginCompletingTransaction enqueues InitProducerId(pid, epoch) after
    // EndTxn(ABORT); InitProducerIdHandler resets the sequences on an epoch bump.
    let p = json!([{"config": {"transactional.id": "t", "request.timeout.ms": 1000, "delivery.timeout.ms": 1500},
        "script": [{"init_transactions": {}}, {"begin": {}}, {"send": {"records": 1}}, {"commit": {}}]}]);
    let drops = json!([{"drop": {"kind": "ProduceRequest", "nth": 1}}, {"drop": {"kind": "ProduceRequest", "nth": 2}}]);
    let sim = run(scenario("3.9", p, json!([]), drops));
    // The batch (sent at tick 10) fails at its delivery deadline, 10 + 1500, with its second attempt still out.
    let failed: Vec<u64> = sim
        .trace
        .events
        .iter()
        .filter_map(|e| match &e.what {
            TraceKind::Fact(Note::SendFailed {
                error: Errors::DeliveryTimeout,
                ..
            }) => Some(e.tick.0),
            _ => None,
        })
        .collect();
    assert_eq!(failed, vec![1510]);
    let inits: Vec<String> = sent(&sim, MessageKind::InitProducerIdRequest)
        .into_iter()
        .map(|s| s.3)
        .collect();
    assert!(inits.len() >= 2, "{:?}", inits);
    assert_eq!(inits[0], "InitProducerId (transactional)");
    assert!(inits[1..]
        .iter()
        .all(|s| s == "InitProducerId (transactional) pid 0 epoch 0"));
    // The bump comes after the abort is complete, and the next transaction runs at epoch 1, sequence 0.
    use TransactionState::*;
    assert_eq!(
        txn_states(&sim),
        vec![
            (Empty, 0, 0),
            (Ongoing, 0, 0),
            (PrepareAbort, 0, 0),
            (CompleteAbort, 0, 0),
            (Empty, 0, 1),
            (Ongoing, 0, 1),
            (PrepareCommit, 0, 1),
            (CompleteCommit, 0, 1)
        ]
    );
    assert_eq!(
        values(&sim, 0),
        vec![(0, "ABORT".into()), (1, "v0".into()), (2, "COMMIT".into())]
    );
    let b = &input_log(&sim, 0).batches()[1];
    assert_eq!((b.producer_epoch.0, b.base_sequence.0), (1, 0));
    assert!(!facts(&sim).iter().any(|n| matches!(
        n,
        Note::Rejected {
            error: Errors::OutOfOrderSequenceNumber,
            ..
        }
    )));
}

#[test]
fn init_producer_id_at_an_exhausted_epoch_rotates_to_a_new_producer_id_and_the_old_instance_stays_fenced(
) {
    // TransactionCoordinator.handleInitProducerId: isProducerEpochExhausted (epoch >= Short.MAX_VALUE - 1)
    // → TransactionMetadata.prepareProducerIdRotation (new id, epoch 0); isValidProducerId fences the old one.
    let mut tc = TxnCoordinator::new();
    let mut pid = 0;
    let init = |corr, producer_id, producer_epoch| Message::InitProducerIdRequest {
        corr,
        txn: Some(0),
        transaction_timeout_ms: 60_000,
        producer_id,
        producer_epoch,
    };
    let out = coordinator_call(
        &mut tc,
        init(0, ProducerId::NONE, ProducerEpoch::NONE),
        &mut pid,
    );
    assert_eq!(reply_error(&out), None);
    tc.txns.get_mut(&0).unwrap().producer_epoch = ProducerEpoch(32766);
    let out = coordinator_call(
        &mut tc,
        init(1, ProducerId::NONE, ProducerEpoch::NONE),
        &mut pid,
    );
    let result = out.sends.iter().find_map(|(_, m)| match m {
        Message::InitProducerIdResponse { result, .. } => Some(*result),
        _ => None,
    });
    assert_eq!(result, Some(Ok((ProducerId(1), ProducerEpoch(0)))));
    let last = tc.log.last().unwrap();
    assert_eq!(
        (last.state, last.producer_id, last.producer_epoch),
        (TransactionState::Empty, ProducerId(1), ProducerEpoch(0))
    );
    // The old instance (pid 0, epoch 32766): its transactional requests are refused, and its
    // InitProducerId(pid, epoch) is PRODUCER_FENCED (no lastProducerEpoch was recorded for it).
    let tp = TopicPartition {
        topic: TopicId::Input,
        partition: 0,
    };
    let out = coordinator_call(
        &mut tc,
        Message::AddPartitionsToTxnRequest {
            corr: 2,
            txn: 0,
            producer_id: ProducerId(0),
            producer_epoch: ProducerEpoch(32766),
            partitions: vec![tp],
            verify_only: false,
        },
        &mut pid,
    );
    assert_eq!(reply_error(&out), Some(Errors::InvalidProducerIdMapping));
    let out = coordinator_call(
        &mut tc,
        Message::EndTxnRequest {
            corr: 3,
            txn: 0,
            producer_id: ProducerId(0),
            producer_epoch: ProducerEpoch(32766),
            commit: true,
        },
        &mut pid,
    );
    assert_eq!(reply_error(&out), Some(Errors::InvalidProducerIdMapping));
    let out = coordinator_call(
        &mut tc,
        init(4, ProducerId(0), ProducerEpoch(32766)),
        &mut pid,
    );
    assert_eq!(reply_error(&out), Some(Errors::ProducerFenced));
    assert_eq!(tc.txns[&0].producer_id, ProducerId(1));
    assert_eq!(tc.txns[&0].producer_epoch, ProducerEpoch(0));
}

#[test]
fn init_producer_id_with_the_current_epoch_bumps_once_and_its_retry_is_answered_without_a_second_bump(
) {
    // TransactionMetadata.prepareIncrementProducerEpoch (KIP-360): expected == current → bump and
    // remember lastProducerEpoch; expected == lastProducerEpoch → a retry, current epoch returned.
    let mut tc = TxnCoordinator::new();
    let mut pid = 0;
    let init = |corr, producer_id, producer_epoch| Message::InitProducerIdRequest {
        corr,
        txn: Some(0),
        transaction_timeout_ms: 60_000,
        producer_id,
        producer_epoch,
    };
    let answer = |out: &Out| {
        out.sends.iter().find_map(|(_, m)| match m {
            Message::InitProducerIdResponse { result, .. } => Some(*result),
            _ => None,
        })
    };
    coordinator_call(
        &mut tc,
        init(0, ProducerId::NONE, ProducerEpoch::NONE),
        &mut pid,
    );
    let out = coordinator_call(&mut tc, init(1, ProducerId(0), ProducerEpoch(0)), &mut pid);
    assert_eq!(answer(&out), Some(Ok((ProducerId(0), ProducerEpoch(1)))));
    let out = coordinator_call(&mut tc, init(2, ProducerId(0), ProducerEpoch(0)), &mut pid);
    assert_eq!(answer(&out), Some(Ok((ProducerId(0), ProducerEpoch(1)))));
    let out = coordinator_call(&mut tc, init(3, ProducerId(0), ProducerEpoch(5)), &mut pid);
    assert_eq!(answer(&out), Some(Err(Errors::ProducerFenced)));
}

fn marker_broker() -> (eoscope::sim::broker::Broker, Topology) {
    let topology = Topology::new(3, 1, 1, 3);
    let mut broker = eoscope::sim::broker::Broker::new(0, &topology);
    let tp = TopicPartition {
        topic: TopicId::Input,
        partition: 0,
    };
    // broker-0 leads orders-0 alone: its followers have dropped out of the ISR.
    broker.replicas.get_mut(&tp).unwrap().isr = [0u8].into_iter().collect();
    (broker, topology)
}

#[test]
fn a_marker_is_written_with_acks_all_so_an_isr_below_min_insync_replicas_refuses_it_before_the_append(
) {
    // ReplicaManager.appendRecords with requiredAcks = -1 for WriteTxnMarkers
    // (KafkaApis.handleWriteTxnMarkersRequest) → Partition.appendRecordsToLeader: NOT_ENOUGH_REPLICAS.
    use eoscope::sim::broker::BrokerCtx;
    let (mut broker, topology) = marker_broker();
    let tp = TopicPartition {
        topic: TopicId::Input,
        partition: 0,
    };
    let ctx = BrokerCtx {
        now: Tick(0),
        topology: &topology,
        rules: V3_9,
        fetch_max_wait_ms: 0,
        replication: eoscope::sim::replication::ReplicationConfig {
            min_insync_replicas: 2,
            replica_lag_time_max_ms: 30_000,
            replica_fetch_wait_max_ms: 500,
            hw_holds_below_min_isr: true,
        },
    };
    let mut out = Out::default();
    broker.on_message(
        NodeId::Producer(0),
        Message::ProduceRequest {
            corr: 0,
            tp,
            batch: txn_batch(5, 0, 0, 1),
            acks: eoscope::sim::config::Acks::Leader,
        },
        &ctx,
        &mut out,
    );
    out.clear();
    broker.on_message(
        NodeId::Broker(2),
        Message::WriteTxnMarkersRequest {
            corr: 1,
            txn: 0,
            producer_id: ProducerId(5),
            producer_epoch: ProducerEpoch(0),
            coordinator_epoch: 0,
            result: ControlType::Commit,
            transaction_version: 1,
            partitions: vec![tp],
            group: None,
        },
        &ctx,
        &mut out,
    );
    let answer = out.sends.iter().find_map(|(_, m)| match m {
        Message::WriteTxnMarkersResponse { results, .. } => Some(results.clone()),
        _ => None,
    });
    assert_eq!(answer, Some(vec![(tp, Some(Errors::NotEnoughReplicas))]));
    let log = &broker.partitions[&tp];
    assert_eq!(log.log_end_offset(), Offset(1), "nothing was appended");
    assert_eq!(log.ongoing_txns().get(&ProducerId(5)), Some(&Offset(0)));
}

fn prepared_commit() -> (TxnCoordinator, i64, u32) {
    let mut tc = TxnCoordinator::new();
    let mut pid = 0;
    let tp = TopicPartition {
        topic: TopicId::Input,
        partition: 0,
    };
    coordinator_call(
        &mut tc,
        Message::InitProducerIdRequest {
            corr: 0,
            txn: Some(0),
            transaction_timeout_ms: 60_000,
            producer_id: ProducerId::NONE,
            producer_epoch: ProducerEpoch::NONE,
        },
        &mut pid,
    );
    coordinator_call(
        &mut tc,
        Message::AddPartitionsToTxnRequest {
            corr: 1,
            txn: 0,
            producer_id: ProducerId(0),
            producer_epoch: ProducerEpoch(0),
            partitions: vec![tp],
            verify_only: false,
        },
        &mut pid,
    );
    let out = coordinator_call(
        &mut tc,
        Message::EndTxnRequest {
            corr: 2,
            txn: 0,
            producer_id: ProducerId(0),
            producer_epoch: ProducerEpoch(0),
            commit: true,
        },
        &mut pid,
    );
    let corr = out
        .sends
        .iter()
        .find_map(|(_, m)| match m {
            Message::WriteTxnMarkersRequest { corr, .. } => Some(*corr),
            _ => None,
        })
        .unwrap();
    (tc, pid, corr)
}

fn markers_answer(
    tc: &mut TxnCoordinator,
    corr: u32,
    error: Option<Errors>,
    now: u64,
    next_pid: &mut i64,
) -> Out {
    let topology = Topology::new(1, 1, 1, 1);
    let mut out = Out::default();
    let mut ctx = CoordCtx {
        now: Tick(now),
        me: NodeId::Broker(0),
        topology: &topology,
        next_producer_id: next_pid,
    };
    let tp = TopicPartition {
        topic: TopicId::Input,
        partition: 0,
    };
    tc.handle(
        NodeId::Broker(0),
        &Message::WriteTxnMarkersResponse {
            corr,
            txn: 0,
            results: vec![(tp, error)],
            group: None,
        },
        &mut ctx,
        &mut out,
    );
    out
}

fn coordinator_retry(tc: &mut TxnCoordinator, now: u64, next_pid: &mut i64) -> Out {
    let topology = Topology::new(1, 1, 1, 1);
    let mut out = Out::default();
    let mut ctx = CoordCtx {
        now: Tick(now),
        me: NodeId::Broker(0),
        topology: &topology,
        next_producer_id: next_pid,
    };
    tc.retry(&mut ctx, &mut out);
    out
}

fn marker_requests(out: &Out) -> Vec<u32> {
    out.sends
        .iter()
        .filter_map(|(_, m)| match m {
            Message::WriteTxnMarkersRequest { corr, .. } => Some(*corr),
            _ => None,
        })
        .collect()
}

#[test]
fn a_marker_refused_with_not_enough_replicas_is_sent_again_and_completes_only_when_written() {
    // TransactionMarkerRequestCompletionHandler: NOT_ENOUGH_REPLICAS is retried for that partition;
    // CompleteCommit is written once every partition has its marker.
    let (mut tc, mut pid, corr) = prepared_commit();
    let out = markers_answer(&mut tc, corr, Some(Errors::NotEnoughReplicas), 10, &mut pid);
    assert!(
        marker_requests(&out).is_empty(),
        "sent again after a backoff"
    );
    assert_eq!(tc.txns[&0].state, TransactionState::PrepareCommit);
    let out = coordinator_retry(&mut tc, 110, &mut pid);
    let again = marker_requests(&out);
    assert_eq!(again.len(), 1);
    assert_eq!(tc.txns[&0].state, TransactionState::PrepareCommit);
    markers_answer(&mut tc, again[0], None, 120, &mut pid);
    assert_eq!(tc.txns[&0].state, TransactionState::CompleteCommit);
}

#[test]
fn an_invalid_producer_epoch_answer_to_a_marker_is_not_success_and_writes_no_complete_commit() {
    // TransactionMarkerRequestCompletionHandler: INVALID_PRODUCER_EPOCH / TRANSACTION_COORDINATOR_FENCED
    // → removeMarkersForTxn, abortSending; no CompleteCommit is written on their strength.
    let (mut tc, mut pid, corr) = prepared_commit();
    let records = tc.log.len();
    let out = markers_answer(
        &mut tc,
        corr,
        Some(Errors::InvalidProducerEpoch),
        10,
        &mut pid,
    );
    assert!(marker_requests(&out).is_empty());
    let out = coordinator_retry(&mut tc, 1_000, &mut pid);
    assert!(
        marker_requests(&out).is_empty(),
        "the coordinator stops sending"
    );
    assert_eq!(tc.log.len(), records);
    assert_eq!(tc.txns[&0].state, TransactionState::PrepareCommit);
}

#[test]
fn a_batch_expired_in_retry_is_resolved_without_an_epoch_bump_when_a_later_batch_is_acknowledged() {
    // TransactionManager.maybeResolveSequences: isNextSequence after a later batch's ack → resolved;
    // Sender.getExpiredInflightBatches fails a batch at delivery.timeout.ms, in flight or not.
    let p = json!([{"config": {"request.timeout.ms": 1000, "delivery.timeout.ms": 1500},
        "script": [{"send": {"records": 1}}, {"at": 500}, {"send": {"records": 1}}]}]);
    // v0's answer is lost (it was appended); its retry at ~1110 is slowed past v0's deadline.
    let faults = json!([{"drop": {"kind": "ProduceResponse", "nth": 1}},
        {"delay": {"kind": "ProduceRequest", "nth": 3, "ms": 600}}]);
    let sim = run(scenario("3.9", p, json!([]), faults));
    let failed: Vec<(u64, u32)> = sim
        .trace
        .events
        .iter()
        .filter_map(|e| match &e.what {
            TraceKind::Fact(Note::SendFailed {
                error: Errors::DeliveryTimeout,
                first_record,
                ..
            }) => Some((e.tick.0, first_record.0)),
            _ => None,
        })
        .collect();
    // v0 was created at tick 0 (queued while the producer id was fetched): it fails at 1500,
    // while its retry is in flight (the retry's own request.timeout.ms would end at ~2110).
    assert_eq!(failed, vec![(1500, 0)]);
    assert_eq!(values(&sim, 0), vec![(0, "v0".into()), (1, "v1".into())]);
    let log = input_log(&sim, 0);
    let seqs: Vec<(i16, i32)> = log
        .batches()
        .iter()
        .map(|b| (b.producer_epoch.0, b.base_sequence.0))
        .collect();
    assert_eq!(
        seqs,
        vec![(0, 0), (0, 1)],
        "no epoch bump, no sequence reset"
    );
    let bumps = facts(&sim)
        .iter()
        .filter(|n| matches!(n, Note::ProducerIdChanged { .. }))
        .count();
    assert_eq!(bumps, 1, "only the first InitProducerId");
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::Acked {
            first_record: RecordId(1),
            offset: Some(Offset(1)),
            ..
        }
    )));
}

#[test]
fn back_to_back_sends_add_their_partitions_in_one_add_partitions_to_txn_and_no_produce_goes_while_it_is_out(
) {
    // Sender.maybeSendAndPollTransactionalRequest (one transactional request at a time, no produce
    // while it is out); TransactionManager.nextRequest drains newPartitionsInTransaction into one request.
    let p = json!([{"config": {"transactional.id": "t"}, "script": [{"init_transactions": {}}, {"begin": {}},
        {"send": {"partition": 0, "records": 1}}, {"send": {"partition": 1, "records": 1}}, {"commit": {}}]}]);
    let mut s = scenario("3.9", p, json!([]), json!([]));
    s["cluster"] = json!({"partitions": 2});
    let sim = run(s);
    let adds: Vec<_> = sent(&sim, MessageKind::AddPartitionsToTxnRequest)
        .into_iter()
        .filter(|s| s.1 == NodeId::Producer(0))
        .collect();
    assert_eq!(adds.len(), 1);
    assert_eq!(adds[0].3, "AddPartitionsToTxn orders-0,orders-1");
    let ongoing = txn_states(&sim)
        .iter()
        .filter(|s| s.0 == TransactionState::Ongoing)
        .count();
    assert_eq!(ongoing, 1);
    // Nothing else leaves the producer between AddPartitionsToTxn and its answer.
    let mut out = false;
    for e in &sim.trace.events {
        match &e.what {
            TraceKind::Sent {
                kind,
                from: NodeId::Producer(0),
                ..
            } => {
                assert!(!out, "{:?} sent while AddPartitionsToTxn was out", kind);
                out = *kind == MessageKind::AddPartitionsToTxnRequest;
            }
            TraceKind::Delivered {
                kind: MessageKind::AddPartitionsToTxnResponse,
                ..
            } => out = false,
            _ => {}
        }
    }
    assert_eq!(sent(&sim, MessageKind::ProduceRequest).len(), 2);
    assert_eq!(
        values(&sim, 0),
        vec![(0, "v0".into()), (1, "COMMIT".into())]
    );
    assert_eq!(
        values(&sim, 1),
        vec![(0, "v1".into()), (1, "COMMIT".into())]
    );
}

// ---- §D1: Kafka 4.x and transactions v2 (KIP-890 part 2) ----

fn tv2_topology(brokers: u8, release: eoscope::sim::config::KafkaVersion) -> Topology {
    let mut t = Topology::new(brokers, 1, 1, 1);
    t.features = eoscope::sim::topology::Features::of(release);
    t
}

fn tv2_call(tc: &mut TxnCoordinator, msg: Message, next_pid: &mut i64) -> Out {
    let topology = tv2_topology(1, eoscope::sim::config::KafkaVersion::V4_3);
    let mut out = Out::default();
    let mut ctx = CoordCtx {
        now: Tick(0),
        me: NodeId::Broker(0),
        topology: &topology,
        next_producer_id: next_pid,
    };
    assert!(tc.handle(NodeId::Producer(0), &msg, &mut ctx, &mut out));
    out
}

fn end_txn(corr: u32, pid: i64, epoch: i16, commit: bool) -> Message {
    Message::EndTxnRequest {
        corr,
        txn: 0,
        producer_id: ProducerId(pid),
        producer_epoch: ProducerEpoch(epoch),
        commit,
    }
}

fn end_txn_answer(out: &Out) -> (Option<Errors>, Option<(i64, i16)>) {
    out.sends
        .iter()
        .find_map(|(_, m)| match m {
            Message::EndTxnResponse {
                error,
                producer_id_and_epoch,
                ..
            } => Some((*error, producer_id_and_epoch.map(|(p, e)| (p.0, e.0)))),
            _ => None,
        })
        .unwrap()
}

fn client_sent(sim: &Sim, kind: MessageKind) -> usize {
    sent(sim, kind)
        .iter()
        .filter(|s| matches!(s.1, NodeId::Producer(_) | NodeId::Consumer(_)))
        .count()
}

#[test]
fn versions_4_0_to_4_3_parse_and_run_transactions_v2_while_3_9_keeps_v1() {
    // TransactionVersion.java: new 4.x clusters finalize transaction.version=2; a 4.x client uses it
    // (TransactionManager.maybeUpdateTransactionV2Enabled).
    use eoscope::sim::config::KafkaVersion;
    for (name, tv) in [("3.9", 1), ("4.0", 2), ("4.1", 2), ("4.2", 2), ("4.3", 2)] {
        let v = KafkaVersion::parse(name).unwrap();
        assert_eq!((v.name(), v.transaction_version()), (name, tv));
    }
    assert!(KafkaVersion::parse("4.4")
        .unwrap_err()
        .contains("`4.0`, `4.1`, `4.2`, `4.3`"));
}

#[test]
fn a_tv2_client_sends_no_add_partitions_to_txn_and_the_leader_adds_the_partition_with_the_first_produce(
) {
    // TransactionManager.maybeAddPartition (TV2: local only); ProduceRequest v12's implicit add:
    // ReplicaManager.maybeSendPartitionsToTransactionCoordinator (KAFKA-14563).
    let p = json!([{"config": {"transactional.id": "t"}, "script": [{"init_transactions": {}}, {"begin": {}},
        {"send": {"partition": 0, "records": 1}}, {"send": {"partition": 1, "records": 1}}, {"commit": {}}]}]);
    let mut s = scenario("4.3", p, json!([]), json!([]));
    s["cluster"] = json!({"partitions": 2});
    let sim = run(s);
    assert_eq!(client_sent(&sim, MessageKind::AddPartitionsToTxnRequest), 0);
    let from_leader = sent(&sim, MessageKind::AddPartitionsToTxnRequest);
    assert_eq!(
        from_leader
            .iter()
            .map(|s| (s.1, s.3.clone()))
            .collect::<Vec<_>>(),
        vec![
            (NodeId::Broker(0), "AddPartitionsToTxn orders-0".to_string()),
            (NodeId::Broker(0), "AddPartitionsToTxn orders-1".to_string())
        ]
    );
    // Each batch is appended only after the coordinator has the partition in the transaction.
    let f = facts(&sim);
    let ongoing = f
        .iter()
        .position(|n| {
            matches!(
                n,
                Note::TxnTransition {
                    to: TransactionState::Ongoing,
                    ..
                }
            )
        })
        .unwrap();
    let appended = f
        .iter()
        .position(|n| matches!(n, Note::Appended { .. }))
        .unwrap();
    assert!(ongoing < appended);
    assert_eq!(
        values(&sim, 0),
        vec![(0, "v0".into()), (1, "COMMIT".into())]
    );
    assert_eq!(
        values(&sim, 1),
        vec![(0, "v1".into()), (1, "COMMIT".into())]
    );
}

#[test]
fn the_leader_retries_concurrent_transactions_every_20_ms_for_100_ms_then_answers_it() {
    // ReplicaManager / AddPartitionsToTxnConfig: add.partitions.to.txn.retry.backoff.ms = 20,
    // add.partitions.to.txn.retry.backoff.max.ms = 100 (KAFKA-18654); the client retries the
    // retriable CONCURRENT_TRANSACTIONS after retry.backoff.ms.
    let p = json!([{"config": {"transactional.id": "t"}, "script": [{"init_transactions": {}}, {"begin": {}},
        {"send": {"partition": 1, "records": 1}}, {"commit": {}},
        {"begin": {}}, {"send": {"partition": 0, "records": 1}}, {"commit": {}}]}]);
    // The first transaction's marker (broker-2 → broker-1) is slow: it stays PrepareCommit.
    let delay = json!([{"delay": {"kind": "WriteTxnMarkersRequest", "nth": 1, "ms": 300}}]);
    let mut s = scenario("4.3", p, json!([]), delay);
    s["cluster"] = json!({"brokers": 3, "partitions": 2});
    let sim = run(s);
    let adds: Vec<u64> = sent(&sim, MessageKind::AddPartitionsToTxnRequest)
        .iter()
        .filter(|s| s.1 == NodeId::Broker(0))
        .map(|s| s.0)
        .collect();
    // The produce reached broker-0 at 45: asks at 45, then every 20 ms after each answer, until 100 ms passed.
    assert_eq!(&adds[..4], &[45, 75, 105, 135]);
    let refusals: Vec<(u64, String)> = sent(&sim, MessageKind::ProduceResponse)
        .into_iter()
        .filter(|s| s.3.ends_with("CONCURRENT_TRANSACTIONS"))
        .map(|s| (s.0, s.3))
        .collect();
    assert_eq!(
        refusals[0],
        (145, "orders-0 CONCURRENT_TRANSACTIONS".into())
    );
    // Once the first transaction is CompleteCommit the add succeeds and the second commits.
    assert_eq!(
        values(&sim, 0),
        vec![(0, "v1".into()), (1, "COMMIT".into())]
    );
    let b = &input_log(&sim, 0).batches()[0];
    assert_eq!((b.producer_epoch.0, b.base_sequence.0), (1, 0));
}

#[test]
fn tv2_send_offsets_to_transaction_sends_txn_offset_commit_without_add_offsets_to_txn() {
    // TransactionManager.sendOffsetsToTransaction (TV2); TxnOffsetCommitRequest v5: the group
    // coordinator's broker adds __consumer_offsets to the transaction.
    let text = common::shipped_text("consume-transform-produce");
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["version"] = json!("4.3");
    let sim = run(v);
    assert_eq!(client_sent(&sim, MessageKind::AddOffsetsToTxnRequest), 0);
    assert_eq!(client_sent(&sim, MessageKind::AddPartitionsToTxnRequest), 0);
    assert!(client_sent(&sim, MessageKind::TxnOffsetCommitRequest) >= 1);
    let b = sim.world.topology.group_coordinator() as usize;
    let gc = sim.world.brokers[b].group_coordinator.as_ref().unwrap();
    let tp = TopicPartition {
        topic: TopicId::Input,
        partition: 0,
    };
    assert_eq!(gc.committed.get(&(0, tp)), Some(&Offset(6)));
    assert!(
        sim.world.checker.verdicts[&eoscope::sim::checker::Property::EndToEndExactlyOnce].passed()
    );
}

#[test]
fn tv2_bumps_the_epoch_at_every_end_txn_and_the_next_transaction_restarts_at_sequence_zero() {
    // TransactionMetadata.prepareAbortOrCommit (epoch + 1, lastProducerEpoch = old); EndTxn v5
    // returns (pid, epoch); TransactionManager resets every sequence (KAFKA-14562).
    let p = json!([{"config": {"transactional.id": "t"}, "script": [{"init_transactions": {}},
        {"begin": {}}, {"send": {"records": 2}}, {"commit": {}},
        {"begin": {}}, {"send": {"records": 1}}, {"commit": {}}]}]);
    let sim = run(scenario("4.3", p, json!([]), json!([])));
    use TransactionState::*;
    assert_eq!(
        txn_states(&sim),
        vec![
            (Empty, 0, 0),
            (Ongoing, 0, 0),
            (PrepareCommit, 0, 1),
            (CompleteCommit, 0, 1),
            (Ongoing, 0, 1),
            (PrepareCommit, 0, 2),
            (CompleteCommit, 0, 2)
        ]
    );
    let batches: Vec<(u64, i16, i32, bool)> = input_log(&sim, 0)
        .batches()
        .iter()
        .map(|b| {
            (
                b.base_offset.0,
                b.producer_epoch.0,
                b.base_sequence.0,
                b.is_control(),
            )
        })
        .collect();
    // Data at epoch 0 from seq 0, its marker at epoch 1; the next data at epoch 1 from seq 0, marker 2.
    assert_eq!(
        batches,
        vec![
            (0, 0, 0, false),
            (2, 1, -1, true),
            (3, 1, 0, false),
            (4, 2, -1, true)
        ]
    );
    let answers: Vec<String> = sent(&sim, MessageKind::EndTxnResponse)
        .into_iter()
        .map(|s| s.3)
        .collect();
    assert_eq!(answers, vec!["ok", "ok"]);
    assert_eq!(
        sim.world.producers[0].client.producer_epoch,
        ProducerEpoch(2)
    );
}

#[test]
fn the_tv2_end_txn_table_answers_retries_aborts_from_empty_and_commits_as_kafka_does() {
    // TransactionCoordinator.endTransaction (TV2; KAFKA-18464): retry = request epoch stored − 1.
    let mut tc = TxnCoordinator::new();
    let mut pid = 0;
    tv2_call(
        &mut tc,
        Message::InitProducerIdRequest {
            corr: 0,
            txn: Some(0),
            transaction_timeout_ms: 60_000,
            producer_id: ProducerId::NONE,
            producer_epoch: ProducerEpoch::NONE,
        },
        &mut pid,
    );
    // Empty at epoch 0: commit (current) is INVALID_TXN_STATE; abort (current) bumps with no partitions.
    assert_eq!(
        end_txn_answer(&tv2_call(&mut tc, end_txn(1, 0, 0, true), &mut pid)),
        (Some(Errors::InvalidTxnState), None)
    );
    assert_eq!(
        end_txn_answer(&tv2_call(&mut tc, end_txn(2, 0, 0, false), &mut pid)),
        (None, Some((0, 1)))
    );
    let tail: Vec<(TransactionState, i16)> = tc
        .log
        .iter()
        .skip(1)
        .map(|r| (r.state, r.producer_epoch.0))
        .collect();
    assert_eq!(
        tail,
        vec![
            (TransactionState::PrepareAbort, 1),
            (TransactionState::CompleteAbort, 1)
        ]
    );
    // CompleteAbort at 1: abort retry (epoch 0) → NONE with the current (pid, epoch); commit retry → ITS;
    // abort current → another bump; commit current → ITS.
    assert_eq!(
        end_txn_answer(&tv2_call(&mut tc, end_txn(3, 0, 0, false), &mut pid)),
        (None, Some((0, 1)))
    );
    assert_eq!(
        end_txn_answer(&tv2_call(&mut tc, end_txn(4, 0, 0, true), &mut pid)),
        (Some(Errors::InvalidTxnState), None)
    );
    assert_eq!(
        end_txn_answer(&tv2_call(&mut tc, end_txn(5, 0, 1, true), &mut pid)),
        (Some(Errors::InvalidTxnState), None)
    );
    assert_eq!(
        end_txn_answer(&tv2_call(&mut tc, end_txn(6, 0, 1, false), &mut pid)),
        (None, Some((0, 2)))
    );
    // An epoch that is neither current nor the retry one: PRODUCER_FENCED.
    assert_eq!(
        end_txn_answer(&tv2_call(&mut tc, end_txn(7, 0, 0, false), &mut pid)),
        (Some(Errors::ProducerFenced), None)
    );
    // A commit at epoch 2: Ongoing → PrepareCommit at 3; its retry (epoch 2) while prepared is
    // CONCURRENT_TRANSACTIONS; once CompleteCommit, the retry is NONE and an abort retry ITS.
    let tp = TopicPartition {
        topic: TopicId::Input,
        partition: 0,
    };
    tv2_call(
        &mut tc,
        Message::AddPartitionsToTxnRequest {
            corr: 8,
            txn: 0,
            producer_id: ProducerId(0),
            producer_epoch: ProducerEpoch(2),
            partitions: vec![tp],
            verify_only: false,
        },
        &mut pid,
    );
    let out = tv2_call(&mut tc, end_txn(9, 0, 2, true), &mut pid);
    assert_eq!(end_txn_answer(&out), (None, Some((0, 3))));
    let marker_epoch = out.sends.iter().find_map(|(_, m)| match m {
        Message::WriteTxnMarkersRequest {
            producer_epoch,
            transaction_version,
            corr,
            ..
        } => Some((producer_epoch.0, *transaction_version, *corr)),
        _ => None,
    });
    let (epoch, tv, corr) = marker_epoch.unwrap();
    assert_eq!((epoch, tv), (3, 2), "markers carry epoch + 1");
    assert_eq!(
        end_txn_answer(&tv2_call(&mut tc, end_txn(10, 0, 2, true), &mut pid)),
        (Some(Errors::ConcurrentTransactions), None)
    );
    markers_answer(&mut tc, corr, None, 10, &mut pid);
    assert_eq!(tc.txns[&0].state, TransactionState::CompleteCommit);
    assert_eq!(
        end_txn_answer(&tv2_call(&mut tc, end_txn(11, 0, 2, true), &mut pid)),
        (None, Some((0, 3)))
    );
    assert_eq!(
        end_txn_answer(&tv2_call(&mut tc, end_txn(12, 0, 2, false), &mut pid)),
        (Some(Errors::InvalidTxnState), None)
    );
    // A producer id that is not this transactional.id's: INVALID_PRODUCER_ID_MAPPING.
    assert_eq!(
        end_txn_answer(&tv2_call(&mut tc, end_txn(13, 99, 3, false), &mut pid)),
        (Some(Errors::InvalidProducerIdMapping), None)
    );
}

#[test]
fn a_tv2_transaction_that_sent_nothing_sends_no_end_txn() {
    // TransactionManager.nextRequest: no EndTxn without a send or sendOffsetsToTransaction (KAFKA-18401).
    let p = json!([{"config": {"transactional.id": "t"}, "script": [{"init_transactions": {}}, {"begin": {}}, {"commit": {}},
        {"begin": {}}, {"abort": {}}]}]);
    let sim = run(scenario("4.3", p, json!([]), json!([])));
    assert_eq!(sent(&sim, MessageKind::EndTxnRequest).len(), 0);
    assert_eq!(sim.world.producers[0].client.state.name(), "READY");
    assert_eq!(
        sim.world.producers[0].client.producer_epoch,
        ProducerEpoch(0)
    );
}

fn timed_out(version: &str, then: Value) -> Sim {
    let mut script = vec![
        json!({"init_transactions": {}}),
        json!({"begin": {}}),
        json!({"send": {"records": 1}}),
        json!({"at": 12_000}),
    ];
    script.extend(then.as_array().unwrap().iter().cloned());
    let p = json!([{"config": {"transactional.id": "t", "transaction.timeout.ms": 1000}, "script": script}]);
    run(scenario(version, p, json!([]), json!([])))
}

#[test]
fn a_coordinator_side_abort_bumps_the_epoch_once_under_tv2_and_end_txn_abort_at_the_old_epoch_recovers(
) {
    // TransactionCoordinator.abortTimedOutTransactions → prepareFenceProducerEpoch, then
    // endTransaction with isEpochFence: e + 1 once (4.0.1+/4.1.0, KAFKA-19367; 4.0.0's double bump
    // to e + 2 is not modelled). The producer's EndTxn(ABORT, e) is a retry on CompleteAbort at
    // e + 1: NONE with (pid, e + 1) (EndTxnHandler), and the producer goes on at e + 1.
    let sim = timed_out(
        "4.3",
        json!([{"abort": {}}, {"begin": {}}, {"send": {"records": 1}}, {"commit": {}}]),
    );
    use TransactionState::*;
    let states = txn_states(&sim);
    assert_eq!(
        &states[..4],
        &[
            (Empty, 0, 0),
            (Ongoing, 0, 0),
            (PrepareAbort, 0, 1),
            (CompleteAbort, 0, 1)
        ]
    );
    let abort_marker = &input_log(&sim, 0).batches()[1];
    assert_eq!(
        (abort_marker.control, abort_marker.producer_epoch.0),
        (Some(ControlType::Abort), 1)
    );
    let answers: Vec<String> = sent(&sim, MessageKind::EndTxnResponse)
        .into_iter()
        .map(|s| s.3)
        .collect();
    assert_eq!(answers, vec!["ok", "ok"]);
    assert_eq!(
        &states[4..],
        &[
            (Ongoing, 0, 1),
            (PrepareCommit, 0, 2),
            (CompleteCommit, 0, 2)
        ]
    );
    assert_eq!(
        values(&sim, 0),
        vec![
            (0, "v0".into()),
            (1, "ABORT".into()),
            (2, "v1".into()),
            (3, "COMMIT".into())
        ]
    );
}

#[test]
fn after_a_timeout_abort_a_tv2_commit_at_the_old_epoch_is_invalid_txn_state_and_fatal() {
    // TransactionCoordinator.endTransaction: CompleteAbort + commit retry → INVALID_TXN_STATE, fatal
    // for the client (a later trunk change, KAFKA-20785, answers PRODUCER_FENCED; not modelled).
    let sim = timed_out("4.3", json!([{"commit": {}}]));
    let answers: Vec<String> = sent(&sim, MessageKind::EndTxnResponse)
        .into_iter()
        .map(|s| s.3)
        .collect();
    assert_eq!(answers, vec!["INVALID_TXN_STATE"]);
    assert_eq!(sim.world.producers[0].client.state.name(), "FATAL_ERROR");
    assert_eq!(sim.world.producers[0].halted, Some(Errors::InvalidTxnState));
}

#[test]
fn after_a_timeout_abort_a_produce_at_the_old_epoch_is_invalid_producer_epoch() {
    // The abort markers carry e + 1 (§A8.4), so the partition refuses epoch e: INVALID_PRODUCER_EPOCH
    // (4.1+ before any coordinator round trip, KAFKA-18042).
    let sim = timed_out("4.3", json!([{"send": {"records": 1}}, {"commit": {}}]));
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::Rejected {
            error: Errors::InvalidProducerEpoch,
            ..
        }
    )));
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::ClientError {
            error: Errors::InvalidProducerEpoch,
            what: "abortable",
            ..
        }
    )));
}

#[test]
fn under_tv2_an_expired_batch_needs_no_client_init_producer_id_the_abort_bumps_the_epoch() {
    // TransactionManager: needToTriggerEpochBumpFromClient() is false with TV2; the abort's EndTxn
    // returns epoch + 1 and the sequences restart at 0.
    let p = json!([{"config": {"transactional.id": "t", "request.timeout.ms": 1000, "delivery.timeout.ms": 1500},
        "script": [{"init_transactions": {}}, {"begin": {}}, {"send": {"records": 1}}, {"commit": {}}]}]);
    let drops = json!([{"drop": {"kind": "ProduceRequest", "nth": 1}}, {"drop": {"kind": "ProduceRequest", "nth": 2}}]);
    let sim = run(scenario("4.3", p, json!([]), drops));
    assert_eq!(sent(&sim, MessageKind::InitProducerIdRequest).len(), 1);
    // Both produce requests were lost, so no leader ever added orders-0: the abort goes from Empty
    // (an abort with nothing open still bumps), and no marker is written.
    use TransactionState::*;
    assert_eq!(
        txn_states(&sim),
        vec![
            (Empty, 0, 0),
            (PrepareAbort, 0, 1),
            (CompleteAbort, 0, 1),
            (Ongoing, 0, 1),
            (PrepareCommit, 0, 2),
            (CompleteCommit, 0, 2)
        ]
    );
    assert_eq!(
        values(&sim, 0),
        vec![(0, "v0".into()), (1, "COMMIT".into())]
    );
    let b = &input_log(&sim, 0).batches()[0];
    assert_eq!((b.producer_epoch.0, b.base_sequence.0), (1, 0));
}

#[test]
fn kip_1050_surfaces_an_expired_batch_as_transaction_abortable_from_4_1_and_as_itself_in_4_0() {
    // TransactionManager.maybeTransitionToErrorState (KAFKA-18019, KIP-1050): from 4.1 retriable
    // errors that ran out reach the application as TransactionAbortableException.
    let p = json!([{"config": {"transactional.id": "t", "request.timeout.ms": 1000, "delivery.timeout.ms": 1500},
        "script": [{"init_transactions": {}}, {"begin": {}}, {"send": {"records": 1}}, {"commit": {}}]}]);
    let drops = json!([{"drop": {"kind": "ProduceRequest", "nth": 1}}, {"drop": {"kind": "ProduceRequest", "nth": 2}}]);
    for (version, error) in [
        ("4.0", Errors::DeliveryTimeout),
        ("4.1", Errors::TransactionAbortable),
    ] {
        let sim = run(scenario(version, p.clone(), json!([]), drops.clone()));
        let seen: Vec<Errors> = facts(&sim)
            .iter()
            .filter_map(|n| match n {
                Note::ClientError {
                    error,
                    what: "abortable",
                    ..
                } => Some(*error),
                _ => None,
            })
            .collect();
        assert_eq!(seen, vec![error], "{}", version);
    }
}

fn lone_client(
    version: eoscope::sim::config::KafkaVersion,
) -> (eoscope::sim::producer::ProducerClient, Topology) {
    use eoscope::sim::config::{producer_config, RawConfig};
    let mut raw = RawConfig::new();
    raw.insert("transactional.id".into(), json!("t"));
    let cfg = producer_config(&raw, version).unwrap();
    let client = eoscope::sim::producer::ProducerClient::new(cfg, Some(0));
    (client, tv2_topology(1, version))
}

/// Drives a lone client through initTransactions and one send, answering what it asks.
fn client_in_transaction(
    version: eoscope::sim::config::KafkaVersion,
) -> (eoscope::sim::producer::ProducerClient, Topology) {
    use eoscope::sim::producer::ClientCtx;
    let (mut c, topology) = lone_client(version);
    let ctx = ClientCtx {
        now: Tick(0),
        node: NodeId::Producer(0),
        topology: &topology,
        version,
    };
    let mut out = Out::default();
    c.init_transactions(&ctx, &mut out).unwrap();
    let corr = out.sends.iter().find_map(|(_, m)| match m {
        Message::InitProducerIdRequest { corr, .. } => Some(*corr),
        _ => None,
    });
    c.on_response(
        Message::InitProducerIdResponse {
            corr: corr.unwrap(),
            result: Ok((ProducerId(7), ProducerEpoch(0))),
        },
        &ctx,
        &mut out,
    );
    c.begin_transaction().unwrap();
    (c, topology)
}

#[test]
fn invalid_producer_id_mapping_on_a_tv2_produce_is_fatal() {
    // TransactionManager.maybeTransitionToErrorState (4.0+): InvalidPidMappingException is fatal.
    use eoscope::sim::config::KafkaVersion;
    use eoscope::sim::producer::ClientCtx;
    let (mut c, topology) = client_in_transaction(KafkaVersion::V4_0);
    let ctx = ClientCtx {
        now: Tick(10),
        node: NodeId::Producer(0),
        topology: &topology,
        version: KafkaVersion::V4_0,
    };
    let tp = TopicPartition {
        topic: TopicId::Input,
        partition: 0,
    };
    let mut out = Out::default();
    c.send(tp, RecordId(0), 1, &ctx, &mut out).unwrap();
    c.drain(&ctx, &mut out);
    let corr = out
        .sends
        .iter()
        .find_map(|(_, m)| match m {
            Message::ProduceRequest { corr, batch, .. } => {
                assert_eq!(batch.transaction_version, 2);
                Some(*corr)
            }
            _ => None,
        })
        .unwrap();
    c.on_response(
        Message::ProduceResponse {
            corr,
            tp,
            result: Err(Errors::InvalidProducerIdMapping),
        },
        &ctx,
        &mut out,
    );
    assert_eq!(c.state.name(), "FATAL_ERROR");
    assert_eq!(c.last_error, Some(Errors::InvalidProducerIdMapping));
}

#[test]
fn transaction_abortable_while_aborting_is_fatal_from_4_1_and_the_abort_goes_round_again_in_4_0() {
    // KIP-1050 (KAFKA-19250): TRANSACTION_ABORTABLE received while aborting becomes fatal.
    use eoscope::sim::config::KafkaVersion;
    use eoscope::sim::producer::ClientCtx;
    for (version, fatal) in [(KafkaVersion::V4_0, false), (KafkaVersion::V4_1, true)] {
        let (mut c, topology) = client_in_transaction(version);
        let ctx = ClientCtx {
            now: Tick(10),
            node: NodeId::Producer(0),
            topology: &topology,
            version,
        };
        let tp = TopicPartition {
            topic: TopicId::Input,
            partition: 0,
        };
        let mut out = Out::default();
        c.send(tp, RecordId(0), 1, &ctx, &mut out).unwrap();
        c.drain(&ctx, &mut out);
        let produce = out
            .sends
            .iter()
            .find_map(|(_, m)| match m {
                Message::ProduceRequest { corr, .. } => Some(*corr),
                _ => None,
            })
            .unwrap();
        c.on_response(
            Message::ProduceResponse {
                corr: produce,
                tp,
                result: Ok(eoscope::sim::log::AppendInfo {
                    base_offset: Offset(0),
                    last_offset: Offset(0),
                    duplicate: false,
                }),
            },
            &ctx,
            &mut out,
        );
        out.clear();
        c.abort_transaction(&ctx, &mut out).unwrap();
        let end = out
            .sends
            .iter()
            .find_map(|(_, m)| match m {
                Message::EndTxnRequest { corr, commit, .. } => {
                    assert!(!commit);
                    Some(*corr)
                }
                _ => None,
            })
            .unwrap();
        c.on_response(
            Message::EndTxnResponse {
                corr: end,
                error: Some(Errors::TransactionAbortable),
                producer_id_and_epoch: None,
            },
            &ctx,
            &mut out,
        );
        assert_eq!(c.state.name() == "FATAL_ERROR", fatal, "{:?}", version);
    }
}

fn tv2_leader(
    release: eoscope::sim::config::KafkaVersion,
) -> (eoscope::sim::broker::Broker, Topology) {
    let topology = tv2_topology(2, release);
    let broker = eoscope::sim::broker::Broker::new(0, &topology);
    (broker, topology)
}

fn leader_ctx(topology: &Topology) -> eoscope::sim::broker::BrokerCtx<'_> {
    eoscope::sim::broker::BrokerCtx {
        now: Tick(0),
        topology,
        rules: V3_9,
        fetch_max_wait_ms: 0,
        replication: eoscope::sim::replication::ReplicationConfig {
            min_insync_replicas: 1,
            replica_lag_time_max_ms: 30_000,
            replica_fetch_wait_max_ms: 500,
            hw_holds_below_min_isr: true,
        },
    }
}

fn tv2_batch(epoch: i16, seq: i32) -> BatchToAppend {
    BatchToAppend {
        transactional_id: Some(0),
        transaction_version: 2,
        ..txn_batch(5, epoch, seq, 1)
    }
}

#[test]
fn from_4_1_a_lower_epoch_is_refused_by_the_leader_before_any_coordinator_round_trip() {
    // UnifiedLog.maybeStartTransactionVerification (KAFKA-18042); in 4.0 the leader asks the
    // coordinator first and maps its PRODUCER_FENCED to INVALID_PRODUCER_EPOCH (AddPartitionsToTxnManager).
    use eoscope::sim::config::KafkaVersion;
    let tp = TopicPartition {
        topic: TopicId::Input,
        partition: 0,
    };
    for release in [KafkaVersion::V4_0, KafkaVersion::V4_1] {
        let (mut broker, topology) = tv2_leader(release);
        let ctx = leader_ctx(&topology);
        // The partition already has this producer at epoch 3 (a marker of a later transaction).
        broker
            .partitions
            .get_mut(&tp)
            .unwrap()
            .append_marker(
                ProducerId(5),
                ProducerEpoch(3),
                ControlType::Abort,
                0,
                Tick(0),
            )
            .unwrap();
        let mut out = Out::default();
        broker.on_message(
            NodeId::Producer(0),
            Message::ProduceRequest {
                corr: 1,
                tp,
                batch: tv2_batch(2, 0),
                acks: eoscope::sim::config::Acks::All,
            },
            &ctx,
            &mut out,
        );
        let add = out.sends.iter().find_map(|(to, m)| match m {
            Message::AddPartitionsToTxnRequest {
                corr, verify_only, ..
            } => Some((*to, *corr, *verify_only)),
            _ => None,
        });
        let answer = |out: &Out| {
            out.sends.iter().find_map(|(_, m)| match m {
                Message::ProduceResponse { result, .. } => Some(*result),
                _ => None,
            })
        };
        if release == KafkaVersion::V4_1 {
            assert_eq!(add, None);
            assert_eq!(answer(&out), Some(Err(Errors::InvalidProducerEpoch)));
        } else {
            let (to, corr, verify_only) = add.unwrap();
            assert_eq!((to, verify_only), (NodeId::Broker(1), false));
            assert_eq!(answer(&out), None, "parked until the coordinator answers");
            out.clear();
            broker.on_message(
                NodeId::Broker(1),
                Message::AddPartitionsToTxnResponse {
                    corr,
                    error: Some(Errors::ProducerFenced),
                },
                &ctx,
                &mut out,
            );
            assert_eq!(answer(&out), Some(Err(Errors::InvalidProducerEpoch)));
        }
        assert_eq!(broker.partitions[&tp].log_end_offset(), Offset(1));
    }
}

#[test]
fn from_4_1_a_tv2_producer_with_no_state_on_the_partition_must_start_at_sequence_zero() {
    // ProducerAppendInfo.checkSequence (KAFKA-18202): TV1 and 4.0 still accept any sequence.
    use eoscope::sim::config::KafkaVersion;
    for (release, tv, accepted) in [
        (KafkaVersion::V4_0, 2, true),
        (KafkaVersion::V4_1, 2, false),
        (KafkaVersion::V4_1, 1, true),
    ] {
        let mut log = PartitionLog::new();
        let b = BatchToAppend {
            transaction_version: tv,
            ..tv2_batch(0, 5)
        };
        let r = log.append_as_leader_with(&b, Tick(0), V3_9, release.txn_rules());
        assert_eq!(r.is_ok(), accepted, "{:?} tv{}: {:?}", release, tv, r);
        if !accepted {
            assert_eq!(r, Err(Errors::OutOfOrderSequenceNumber));
        }
    }
}

#[test]
fn the_marker_epoch_rule_is_at_least_equal_until_4_1_and_strictly_higher_for_tv2_markers_from_4_2()
{
    // ProducerAppendInfo.checkProducerEpoch (KIP-1228; KAFKA-19999: equal with no open
    // transaction is an idempotent retry and the marker is written again; TV1 markers keep ≥).
    use eoscope::sim::config::KafkaVersion;
    let open_at = |epoch: i16| {
        let mut log = PartitionLog::new();
        log.append_as_leader(&txn_batch(5, epoch, 0, 1), Tick(0), V3_9)
            .unwrap();
        log
    };
    let marker = |log: &mut PartitionLog, epoch: i16, tv: u8, release: KafkaVersion| {
        log.append_marker_with(
            ProducerId(5),
            ProducerEpoch(epoch),
            ControlType::Commit,
            0,
            Tick(1),
            tv,
            release.txn_rules(),
        )
    };
    // Equal epoch with the transaction open: written until 4.1, refused for a TV2 marker from 4.2.
    assert_eq!(
        marker(&mut open_at(1), 1, 2, KafkaVersion::V4_1),
        Ok(Offset(1))
    );
    assert_eq!(
        marker(&mut open_at(1), 1, 2, KafkaVersion::V4_2),
        Err(Errors::InvalidProducerEpoch)
    );
    assert_eq!(
        marker(&mut open_at(1), 1, 1, KafkaVersion::V4_2),
        Ok(Offset(1))
    );
    assert_eq!(
        marker(&mut open_at(1), 2, 2, KafkaVersion::V4_2),
        Ok(Offset(1))
    );
    assert_eq!(
        marker(&mut open_at(1), 0, 2, KafkaVersion::V4_1),
        Err(Errors::InvalidProducerEpoch)
    );
    // 4.2: the same marker again (equal epoch, nothing open) is a retry and is written again.
    let mut log = open_at(1);
    assert_eq!(marker(&mut log, 2, 2, KafkaVersion::V4_3), Ok(Offset(1)));
    assert_eq!(marker(&mut log, 2, 2, KafkaVersion::V4_3), Ok(Offset(2)));
    assert_eq!(log.last_stable_offset(), Offset(3));
}

#[test]
fn tv2_end_txn_at_an_exhausted_epoch_rotates_to_the_next_producer_id_at_complete() {
    // TransactionCoordinator.endTransaction: isProducerEpochExhausted → generateProducerId as
    // nextProducerId; TransactionMetadata.prepareComplete switches to (nextProducerId, 0)
    // (KAFKA-18660); a retry with the previous id at Short.MAX_VALUE − 1 is recognised.
    let mut tc = TxnCoordinator::new();
    let mut pid = 0;
    tv2_call(
        &mut tc,
        Message::InitProducerIdRequest {
            corr: 0,
            txn: Some(0),
            transaction_timeout_ms: 60_000,
            producer_id: ProducerId::NONE,
            producer_epoch: ProducerEpoch::NONE,
        },
        &mut pid,
    );
    tc.txns.get_mut(&0).unwrap().producer_epoch = ProducerEpoch(32766);
    let tp = TopicPartition {
        topic: TopicId::Input,
        partition: 0,
    };
    tv2_call(
        &mut tc,
        Message::AddPartitionsToTxnRequest {
            corr: 1,
            txn: 0,
            producer_id: ProducerId(0),
            producer_epoch: ProducerEpoch(32766),
            partitions: vec![tp],
            verify_only: false,
        },
        &mut pid,
    );
    let out = tv2_call(&mut tc, end_txn(2, 0, 32766, true), &mut pid);
    assert_eq!(end_txn_answer(&out), (None, Some((1, 0))));
    let (epoch, corr) = out
        .sends
        .iter()
        .find_map(|(_, m)| match m {
            Message::WriteTxnMarkersRequest {
                producer_epoch,
                corr,
                ..
            } => Some((producer_epoch.0, *corr)),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        epoch, 32767,
        "PrepareCommit and its markers use the last epoch"
    );
    markers_answer(&mut tc, corr, None, 10, &mut pid);
    let last = tc.log.last().unwrap();
    assert_eq!(
        (last.state, last.producer_id.0, last.producer_epoch.0),
        (TransactionState::CompleteCommit, 1, 0)
    );
    assert_eq!(
        end_txn_answer(&tv2_call(&mut tc, end_txn(3, 0, 32766, true), &mut pid)),
        (None, Some((1, 0)))
    );
}

#[test]
fn from_4_0_max_in_flight_above_5_is_a_config_error_even_with_default_idempotence() {
    // ProducerConfig.postProcessAndValidateIdempotenceConfigs (upgrade.md 4.0.0): 3.x disabled
    // default idempotence with a warning; 4.0 throws.
    use eoscope::sim::config::{producer_config, KafkaVersion, RawConfig};
    let mut raw = RawConfig::new();
    raw.insert("max.in.flight.requests.per.connection".into(), json!(6));
    let old = producer_config(&raw, KafkaVersion::V3_9).unwrap();
    assert!(!old.enable_idempotence);
    let err = producer_config(&raw, KafkaVersion::V4_0).unwrap_err();
    assert!(err.starts_with("To use the idempotent producer, max.in.flight.requests.per.connection must be set to at most 5"), "{}", err);
    raw.insert("acks".into(), json!("1"));
    assert!(
        !producer_config(&raw, KafkaVersion::V4_3)
            .unwrap()
            .enable_idempotence
    );
}

// ---- §A3 step 2: transaction verification (KIP-890 part 1) and the hanging transaction ----

fn hanging(version: &str, verification: Option<bool>) -> Sim {
    let text = common::shipped_text("txn-hanging");
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["version"] = json!(version);
    if let Some(on) = verification {
        v["cluster"]["transaction.partition.verification.enable"] = json!(on);
    }
    run(v)
}

fn processed(sim: &Sim, consumer: usize) -> Vec<u32> {
    sim.world.consumers[consumer]
        .processed
        .iter()
        .map(|p| p.record.0)
        .collect()
}

#[test]
fn without_verification_a_write_that_lands_after_the_abort_opens_a_transaction_that_never_ends() {
    // UnifiedLog/ProducerAppendInfo before 3.6: a transactional batch from a producer with no open
    // transaction on the partition starts one (currentTxnFirstOffset); the coordinator never added
    // the partition, so no marker will ever end it: the LSO hangs (KIP-890's motivation).
    let sim = hanging("3.5", None);
    assert_eq!(
        values(&sim, 0),
        vec![(0, "ABORT".into()), (1, "v0".into()), (2, "v1".into())]
    );
    let log = input_log(&sim, 0);
    assert_eq!(log.ongoing_txns().get(&ProducerId(1000)), Some(&Offset(1)));
    assert_eq!(
        (log.high_watermark(), log.last_stable_offset()),
        (Offset(4), Offset(1))
    );
    assert_eq!(
        txn_states(&sim).last().map(|s| s.0),
        Some(TransactionState::CompleteAbort)
    );
    // read_committed stalls behind the LSO; read_uncommitted reads on.
    assert_eq!(processed(&sim, 0), Vec::<u32>::new());
    assert_eq!(
        sim.world.consumers[0]
            .positions
            .values()
            .copied()
            .collect::<Vec<_>>(),
        vec![Offset(1)]
    );
    assert_eq!(processed(&sim, 1), vec![0, 1, 2]);
    assert_eq!(
        verdict(&sim, eoscope::sim::checker::Property::TransactionAtomicity),
        Some(None)
    );
}

#[test]
fn with_verification_the_leader_asks_the_coordinator_and_refuses_the_late_write() {
    // 3.6+ transaction.partition.verification.enable=true (upgrade.html 3.6.0): AddPartitionsToTxn
    // v4 verifyOnly from the leader (AddPartitionsToTxnManager); the coordinator answers
    // TRANSACTION_ABORTABLE for a partition not in an ongoing transaction
    // (TransactionCoordinator.handleVerifyPartitionsInTransaction), sent as such to Produce v11+.
    for (version, verification) in [("3.9", None), ("3.9", Some(true))] {
        let sim = hanging(version, verification);
        let verifies: Vec<String> = sent(&sim, MessageKind::AddPartitionsToTxnRequest)
            .into_iter()
            .filter(|s| s.1 == NodeId::Broker(0))
            .map(|s| s.3)
            .collect();
        assert_eq!(verifies, vec!["AddPartitionsToTxn verifyOnly orders-0"]);
        assert!(facts(&sim).iter().any(|n| matches!(
            n,
            Note::Rejected {
                error: Errors::TransactionAbortable,
                ..
            }
        )));
        let log = input_log(&sim, 0);
        assert!(log.ongoing_txns().is_empty());
        assert_eq!(log.last_stable_offset(), log.high_watermark());
        assert_eq!(values(&sim, 0), vec![(0, "ABORT".into()), (1, "v1".into())]);
        assert_eq!(processed(&sim, 0), vec![1, 2]);
    }
    // Turned off, 3.9 hangs like 3.5; 3.5 has no such setting to turn on.
    let off = hanging("3.9", Some(false));
    assert_eq!(input_log(&off, 0).last_stable_offset(), Offset(1));
    let text = common::shipped_text("txn-hanging");
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["cluster"]["transaction.partition.verification.enable"] = json!(true);
    let err = Scenario::from_json(&v.to_string()).unwrap_err();
    assert_eq!(
        err,
        "`cluster.transaction.partition.verification.enable` does not exist before Kafka 3.6 (version 3.5)"
    );
}

#[test]
fn under_tv2_the_same_late_write_cannot_hang_a_transaction() {
    // Transactions v2: the leader adds the partition itself before appending (KIP-890 part 2), so
    // the abort that follows covers the late write; the LSO reaches the high watermark.
    let sim = hanging("4.3", None);
    let log = input_log(&sim, 0);
    assert!(log.ongoing_txns().is_empty());
    assert_eq!(log.last_stable_offset(), log.high_watermark());
    assert!(log.is_aborted(ProducerId(1000), Offset(0)));
    assert_eq!(processed(&sim, 0), vec![1, 2]);
}

#[test]
fn the_coordinator_verifies_that_a_partition_is_in_the_ongoing_transaction() {
    // TransactionCoordinator.handleVerifyPartitionsInTransaction (AddPartitionsToTxn v4 verifyOnly).
    let mut tc = TxnCoordinator::new();
    let mut pid = 0;
    let tp = |partition| TopicPartition {
        topic: TopicId::Input,
        partition,
    };
    let add = |corr, epoch, partition, verify_only| Message::AddPartitionsToTxnRequest {
        corr,
        txn: 0,
        producer_id: ProducerId(0),
        producer_epoch: ProducerEpoch(epoch),
        partitions: vec![tp(partition)],
        verify_only,
    };
    coordinator_call(
        &mut tc,
        Message::InitProducerIdRequest {
            corr: 0,
            txn: Some(0),
            transaction_timeout_ms: 60_000,
            producer_id: ProducerId::NONE,
            producer_epoch: ProducerEpoch::NONE,
        },
        &mut pid,
    );
    // Nothing open yet: not part of an ongoing transaction.
    let out = coordinator_call(&mut tc, add(1, 0, 0, true), &mut pid);
    assert_eq!(reply_error(&out), Some(Errors::TransactionAbortable));
    assert_eq!(
        tc.txns[&0].state,
        TransactionState::Empty,
        "verifying adds nothing"
    );
    coordinator_call(&mut tc, add(2, 0, 0, false), &mut pid);
    assert_eq!(
        reply_error(&coordinator_call(&mut tc, add(3, 0, 0, true), &mut pid)),
        None
    );
    assert_eq!(
        reply_error(&coordinator_call(&mut tc, add(4, 0, 1, true), &mut pid)),
        Some(Errors::TransactionAbortable)
    );
    assert_eq!(
        reply_error(&coordinator_call(&mut tc, add(5, 7, 0, true), &mut pid)),
        Some(Errors::ProducerFenced)
    );
}

#[test]
fn end_to_end_a_commit_marker_waits_for_the_isr_to_reach_min_insync_replicas_again() {
    // Markers are appended with acks=-1 (ReplicaManager.appendRecords from
    // TransactionMarkerChannelManager): NOT_ENOUGH_REPLICAS while broker-1 is down, retried by the
    // coordinator (TransactionMarkerRequestCompletionHandler) until broker-1 is back in the ISR.
    let file = json!({
        "format": "eoscope/scenario@1", "title": {"en": "t"}, "version": "3.9",
        "cluster": {"brokers": 3, "partitions": 1, "replication.factor": 2, "min.insync.replicas": 2, "replica.lag.time.max.ms": 1000},
        "producers": [{"config": {"transactional.id": "t", "request.timeout.ms": 1000},
            "script": [{"init_transactions": {}}, {"begin": {}}, {"send": {"records": 1}}, {"at": 2000}, {"commit": {}}]}],
        "schedule": [{"at": 100, "crash": "broker-1"}, {"at": 3000, "restart": "broker-1"}]
    });
    let sim = run(file);
    let refused = sent(&sim, MessageKind::WriteTxnMarkersResponse)
        .iter()
        .filter(|s| s.3 == "marker errors")
        .count();
    assert!(refused >= 9, "{} refusals", refused);
    assert_eq!(
        values(&sim, 0),
        vec![(0, "v0".into()), (1, "COMMIT".into())]
    );
    let complete = facts(&sim).iter().position(|n| {
        matches!(
            n,
            Note::TxnTransition {
                to: TransactionState::CompleteCommit,
                ..
            }
        )
    });
    let rejoined = facts(&sim)
        .iter()
        .position(|n| matches!(n, Note::IsrChanged { isr, .. } if isr == &vec![0, 1]));
    assert!(rejoined.unwrap() < complete.unwrap());
}

#[test]
fn the_tv2_story_climbs_one_epoch_per_fence_init_and_commit_and_refuses_the_zombie_everywhere() {
    // The shipped txn-v2-epochs story (4.3): TransactionCoordinator fence (+1, KAFKA-19367), the
    // InitProducerId retry (+1), EndTxn v5 (+1, KAFKA-14562); the zombie's write refused early
    // (KAFKA-18042) and its EndTxn at a stale epoch PRODUCER_FENCED (TransactionCoordinator.endTransaction).
    let sim = run_file("txn-v2-epochs");
    use TransactionState::*;
    let epochs: Vec<(TransactionState, i16)> = txn_states(&sim)
        .into_iter()
        .map(|(s, _, e)| (s, e))
        .collect();
    assert_eq!(
        epochs,
        vec![
            (Empty, 0),
            (Ongoing, 0),
            (PrepareAbort, 1),
            (CompleteAbort, 1),
            (Empty, 2),
            (Ongoing, 2),
            (PrepareCommit, 3),
            (CompleteCommit, 3)
        ]
    );
    let log: Vec<(u64, i16, bool)> = input_log(&sim, 0)
        .batches()
        .iter()
        .map(|b| (b.base_offset.0, b.producer_epoch.0, b.is_control()))
        .collect();
    assert_eq!(
        log,
        vec![(0, 0, false), (1, 1, true), (2, 2, false), (3, 3, true)]
    );
    assert_eq!(client_sent(&sim, MessageKind::AddPartitionsToTxnRequest), 0);
    assert_eq!(sim.world.producers[0].halted, Some(Errors::ProducerFenced));
    assert_eq!(processed(&sim, 0), vec![2]);
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::Rejected {
            error: Errors::InvalidProducerEpoch,
            ..
        }
    )));
}

/// A scenario file that names no version runs on the newest release (issue #13: 4.3 is the
/// default for a new scenario), so with transactions v2: no AddPartitionsToTxn from the client.
#[test]
fn a_file_without_a_version_is_on_4_3() {
    let p = json!([{"config": {"transactional.id": "t"}, "script": [{"init_transactions": {}}, {"begin": {}},
        {"send": {"partition": 0, "records": 1}}, {"commit": {}}]}]);
    let mut s = scenario("4.3", p, json!([]), json!([]));
    s.as_object_mut().unwrap().remove("version");
    let parsed = Scenario::from_json(&s.to_string()).unwrap();
    assert_eq!(parsed.version, eoscope::sim::config::KafkaVersion::V4_3);
    let sim = run(s);
    assert_eq!(client_sent(&sim, MessageKind::AddPartitionsToTxnRequest), 0);
    assert_eq!(
        sent(&sim, MessageKind::AddPartitionsToTxnRequest).len(),
        1,
        "the leader's implicit add"
    );
}
