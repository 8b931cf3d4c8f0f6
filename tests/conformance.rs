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
        "producers": [{"script": [{"send": {"records": 1, "batches": 60000}}]}],
        "consumers": [{"config": {"enable.auto.commit": false}, "commit": "after_processing"}]});
    let mut tl = Timeline::new(Scenario::from_json(&big.to_string()).unwrap(), None);
    while tl.step() {}
    assert!(tl.checkpoint_count() <= 64);
    assert!(
        tl.checkpoint_bytes() <= (64 << 20) * 2,
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
