#![cfg(not(target_arch = "wasm32"))]
//! Conformance of the Kafka engineer's lab (issue #13 item 5): scenario verbs that say what
//! Kafka engineers test — raw requests, injected broker errors, expiring producer state, a
//! chosen starting epoch, a consume–transform–produce application told to abort — each test
//! asserting Kafka's exact outcome and citing the class it follows.

use eoscope::sim::effects::Note;
use eoscope::sim::errors::Errors;
use eoscope::sim::txn_coordinator::TransactionState;
use eoscope::sim::types::*;
use eoscope::sim::world::{Sim, TraceKind};
use eoscope::sim::Scenario;
use serde_json::{json, Value};

fn file(
    version: &str,
    cluster: Value,
    producers: Value,
    consumers: Value,
    schedule: Value,
) -> Value {
    json!({"format": "eoscope/scenario@1", "title": {"en": "t"}, "version": version,
           "cluster": cluster, "producers": producers, "consumers": consumers, "schedule": schedule})
}

fn run(v: Value) -> Sim {
    let scenario =
        Scenario::from_json(&v.to_string()).unwrap_or_else(|e| panic!("bad test scenario: {}", e));
    let mut sim = Sim::new(scenario, None);
    sim.run(1_000_000);
    sim.finish();
    sim
}

fn refused(v: Value) -> String {
    match Scenario::from_json(&v.to_string()) {
        Ok(_) => panic!("the scenario was accepted"),
        Err(e) => e,
    }
}

fn orders(p: u8) -> TopicPartition {
    TopicPartition {
        topic: TopicId::Input,
        partition: p,
    }
}

/// Every fact of the run, in order.
fn notes(sim: &Sim) -> Vec<Note> {
    sim.trace
        .events
        .iter()
        .filter_map(|e| match &e.what {
            TraceKind::Fact(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// (base offset, producer id, epoch, base sequence, control) of every batch of `orders-p`.
fn batches(sim: &Sim, p: u8) -> Vec<(u64, i64, i16, i32, bool)> {
    sim.world
        .log(orders(p))
        .unwrap()
        .batches()
        .iter()
        .map(|b| {
            (
                b.base_offset.0,
                b.producer_id.0,
                b.producer_epoch.0,
                b.base_sequence.0,
                b.control.is_some(),
            )
        })
        .collect()
}

fn client_errors(sim: &Sim) -> Vec<(NodeId, Errors, &'static str)> {
    notes(sim)
        .into_iter()
        .filter_map(|n| match n {
            Note::ClientError { node, error, what } => Some((node, error, what)),
            _ => None,
        })
        .collect()
}

// ---- transaction.max.timeout.ms → INVALID_TRANSACTION_TIMEOUT ----

#[test]
fn a_transaction_timeout_above_the_brokers_maximum_is_refused_by_init_producer_id_and_is_fatal() {
    // TransactionStateManager.validateTransactionTimeoutMs → INVALID_TRANSACTION_TIMEOUT;
    // TransactionManager.InitProducerIdHandler: any other error is fatal, so initTransactions()
    // throws and the application stops. The file itself is accepted, as KafkaProducer accepts it.
    let sim = run(file(
        "3.9",
        json!({"transaction.max.timeout.ms": 60000}),
        json!([{"config": {"transactional.id": "t", "transaction.timeout.ms": 60001},
                "script": [{"init_transactions": {}}, {"begin": {}}, {"send": {}}, {"commit": {}}]}]),
        json!([]),
        json!([]),
    ));
    let p = &sim.world.producers[0];
    assert_eq!(p.halted, Some(Errors::InvalidTransactionTimeout));
    assert!(client_errors(&sim).contains(&(
        NodeId::Producer(0),
        Errors::InvalidTransactionTimeout,
        "fatal"
    )));
    assert!(batches(&sim, 0).is_empty());
    // Nothing was written for the transactional.id: the validation comes before any state.
    let tc = sim.world.brokers[0].txn_coordinator.as_ref().unwrap();
    assert!(tc.log.is_empty());
    // At the maximum itself it is accepted.
    let sim = run(file(
        "4.3",
        json!({"transaction.max.timeout.ms": 60000}),
        json!([{"config": {"transactional.id": "t", "transaction.timeout.ms": 60000},
                "script": [{"init_transactions": {}}, {"begin": {}}, {"send": {}}, {"commit": {}}]}]),
        json!([]),
        json!([]),
    ));
    assert_eq!(sim.world.producers[0].halted, None);
    assert_eq!(batches(&sim, 0).len(), 2);
}

#[test]
fn broker_settings_out_of_range_are_refused_with_the_key_and_the_range() {
    let e = refused(file(
        "3.9",
        json!({"transaction.max.timeout.ms": 0}),
        json!([]),
        json!([]),
        json!([]),
    ));
    assert!(
        e.contains("`cluster.transaction.max.timeout.ms` must be 1 to 2147483647"),
        "{}",
        e
    );
    // KafkaConfig@3.4.0: producer.id.expiration.ms does not exist on a 2.4 broker.
    let e = refused(file(
        "2.4",
        json!({"producer.id.expiration.ms": 1000}),
        json!([]),
        json!([]),
        json!([]),
    ));
    assert!(e.contains("does not exist before Kafka 3.4"), "{}", e);
}

// ---- producer.id.expiration.ms ----

fn idempotent_pause(version: &str, cluster: Value) -> Sim {
    run(file(
        version,
        cluster,
        json!([{"config": {"enable.idempotence": true},
                "script": [{"send": {}}, {"flush": {}}, {"at": 5000}, {"send": {}}]}]),
        json!([]),
        json!([]),
    ))
}

#[test]
fn an_expired_producer_id_is_forgotten_and_a_3_x_leader_accepts_its_next_sequence() {
    // ProducerStateManager.removeExpiredProducers / isProducerExpired (no open transaction,
    // idle ≥ producer.id.expiration.ms); with no state, KIP-360 (2.5+) accepts any sequence:
    // the second batch (seq 1) is appended at offset 1 under the same pid and epoch.
    let sim = idempotent_pause(
        "3.9",
        json!({"producer.id.expiration.ms": 1000, "producer.id.expiration.check.interval.ms": 500}),
    );
    let expired: Vec<Note> = notes(&sim)
        .into_iter()
        .filter(|n| matches!(n, Note::ProducerIdExpired { .. }))
        .collect();
    assert_eq!(
        expired,
        vec![Note::ProducerIdExpired {
            broker: 0,
            tp: orders(0),
            producer_id: ProducerId(0)
        }]
    );
    assert_eq!(
        batches(&sim, 0),
        vec![(0, 0, 0, 0, false), (1, 0, 0, 1, false)]
    );
    assert!(sim
        .world
        .log(orders(0))
        .unwrap()
        .producer_state()
        .contains_key(&ProducerId(0)));
}

#[test]
fn on_2_4_an_expired_producer_gets_unknown_producer_id_and_the_client_takes_a_new_producer_id() {
    // ≤2.4: producer ids expire after transactional.id.expiration.ms (KafkaConfig@3.3.0
    // maxPidExpirationMs); a sequence other than 0 with no state is UNKNOWN_PRODUCER_ID
    // (ProducerStateManager.scala@2.4.0), and the 2.4 client resets its producer id and
    // sequence (TransactionManager@2.4.0 resetProducerId): the batch lands with a new pid at seq 0.
    let sim = idempotent_pause(
        "2.4",
        json!({"transactional.id.expiration.ms": 1000, "producer.id.expiration.check.interval.ms": 500}),
    );
    let rejected: Vec<Errors> = notes(&sim)
        .into_iter()
        .filter_map(|n| match n {
            Note::Rejected { error, .. } => Some(error),
            _ => None,
        })
        .collect();
    assert_eq!(rejected, vec![Errors::UnknownProducerId]);
    assert_eq!(
        batches(&sim, 0),
        vec![(0, 0, 0, 0, false), (1, 1, 0, 0, false)]
    );
}

// ---- transactional.id.expiration.ms ----

fn txn_pause(version: &str) -> Sim {
    run(file(
        version,
        json!({"transactional.id.expiration.ms": 2000,
               "transaction.remove.expired.transaction.cleanup.interval.ms": 1000}),
        json!([{"config": {"transactional.id": "t"},
                "script": [{"init_transactions": {}}, {"begin": {}}, {"send": {}}, {"commit": {}},
                           {"at": 10000}, {"begin": {}}, {"send": {}}, {"commit": {}}]}]),
        json!([]),
        json!([]),
    ))
}

#[test]
fn an_expired_transactional_id_gets_a_tombstone_and_a_3_x_client_recovers_with_a_new_producer_id() {
    // TransactionStateManager.removeExpiredTransactionalIds: CompleteCommit idle for
    // transactional.id.expiration.ms → tombstone. AddPartitionsToTxn then finds no id:
    // INVALID_PRODUCER_ID_MAPPING, abortable with KIP-360 (AddPartitionsToTxnHandler
    // abortableErrorIfPossible); the abort sends no EndTxn (nothing was added), and
    // InitProducerId(pid, epoch) creates the id afresh: a new pid at epoch 0
    // (TransactionCoordinator.isValidProducerId: "the metadata was just created").
    let sim = txn_pause("3.9");
    let tc = sim.world.brokers[0].txn_coordinator.as_ref().unwrap();
    let states: Vec<(TransactionState, i64, i16)> = tc
        .log
        .iter()
        .map(|r| (r.state, r.producer_id.0, r.producer_epoch.0))
        .collect();
    use TransactionState::*;
    assert_eq!(
        states,
        vec![
            (Empty, 0, 0),
            (Ongoing, 0, 0),
            (PrepareCommit, 0, 0),
            (CompleteCommit, 0, 0),
            (Dead, 0, 0),
            (Empty, 1, 0),
            (Ongoing, 1, 0),
            (PrepareCommit, 1, 0),
            (CompleteCommit, 1, 0),
        ]
    );
    assert!(client_errors(&sim).contains(&(
        NodeId::Producer(0),
        Errors::InvalidProducerIdMapping,
        "abortable"
    )));
    assert_eq!(sim.world.producers[0].halted, None);
    // The second transaction's batch is written by the new pid at sequence 0.
    assert_eq!(
        batches(&sim, 0),
        vec![
            (0, 0, 0, 0, false),
            (1, 0, 0, -1, true),
            (2, 1, 0, 0, false),
            (3, 1, 0, -1, true)
        ]
    );
}

#[test]
fn under_transactions_v2_an_expired_transactional_id_is_fatal() {
    // 4.x: the partition leader's implicit AddPartitionsToTxn gets INVALID_PRODUCER_ID_MAPPING,
    // which the produce answer carries (AddPartitionsToTxnManager), and the 4.x client treats it
    // as fatal (TransactionManager.maybeTransitionToErrorState, §D1.11).
    let sim = txn_pause("4.3");
    assert_eq!(
        sim.world.producers[0].halted,
        Some(Errors::InvalidProducerIdMapping)
    );
    assert!(client_errors(&sim).contains(&(
        NodeId::Producer(0),
        Errors::InvalidProducerIdMapping,
        "fatal"
    )));
    // Only the first transaction is in the log (its batch and marker).
    assert_eq!(batches(&sim, 0).len(), 2);
}

// ---- broker error injection ----

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

fn injected(sim: &Sim) -> Vec<(NodeId, Errors)> {
    notes(sim)
        .into_iter()
        .filter_map(|n| match n {
            Note::ErrorInjected { node, error, .. } => Some((node, error)),
            _ => None,
        })
        .collect()
}

#[test]
fn an_injected_not_leader_or_follower_is_retried_and_the_batch_lands_once() {
    // Sender.completeBatch → canRetry: NOT_LEADER_OR_FOLLOWER is retriable (metadata refresh,
    // then the same batch, same sequence): one append at offset 0, acknowledged there.
    let sim = run(file(
        "3.9",
        json!({}),
        json!([{"script": [{"send": {}}]}]),
        json!([]),
        json!([{"inject": {"kind": "ProduceRequest", "from": "producer-0", "to": "broker-0",
                            "nth": 1, "error": "NOT_LEADER_OR_FOLLOWER"}}]),
    ));
    assert_eq!(
        injected(&sim),
        vec![(NodeId::Broker(0), Errors::NotLeaderOrFollower)]
    );
    assert_eq!(batches(&sim, 0), vec![(0, 0, 0, 0, false)]);
    let c = &sim.world.producers[0].client;
    assert_eq!(
        c.sends.back().map(|s| s.4),
        Some(eoscope::sim::producer::SendStatus::Acked(Some(Offset(0))))
    );
}

#[test]
fn an_injected_invalid_producer_epoch_during_commit_aborts_and_the_retry_reuses_the_sequence() {
    // Produce answered INVALID_PRODUCER_EPOCH (2.7+): abortable for a transactional producer
    // (TransactionManager.maybeTransitionToErrorState). The batch failed while committing, so no
    // epoch bump is asked (`needToTriggerEpochBumpFromClient() && !isCompleting()`), and its
    // sequence is given back (Sender.failBatch adjustSequenceNumbers →
    // adjustSequencesDueToFailedBatch): the application aborts, runs the transaction again at
    // epoch 0, and the batch lands at sequence 0.
    let sim = run(file(
        "3.9",
        json!({}),
        json!([{"config": {"transactional.id": "t"},
                "script": [{"init_transactions": {}}, {"begin": {}}, {"send": {}}, {"commit": {}}]}]),
        json!([]),
        json!([{"inject": {"kind": "ProduceRequest", "error": "INVALID_PRODUCER_EPOCH"}}]),
    ));
    use TransactionState::*;
    assert_eq!(
        txn_states(&sim),
        vec![
            (Empty, 0, 0),
            (Ongoing, 0, 0),
            (PrepareAbort, 0, 0),
            (CompleteAbort, 0, 0),
            (Ongoing, 0, 0),
            (PrepareCommit, 0, 0),
            (CompleteCommit, 0, 0),
        ]
    );
    assert_eq!(
        batches(&sim, 0),
        vec![
            (0, 0, 0, -1, true),
            (1, 0, 0, 0, false),
            (2, 0, 0, -1, true)
        ]
    );
    assert!(client_errors(&sim).contains(&(
        NodeId::Producer(0),
        Errors::InvalidProducerEpoch,
        "abortable"
    )));
}

#[test]
fn an_injected_invalid_producer_epoch_inside_a_transaction_makes_a_3_x_client_bump_its_epoch() {
    // The same error while the transaction is still open (a flush before commit): KIP-360's
    // epochBumpRequired, so after the abort InitProducerId(pid, 0) bumps to epoch 1 and the
    // transaction runs again at sequence 0 (InitProducerIdHandler: resetSequenceNumbers).
    let sim = run(file(
        "3.9",
        json!({}),
        json!([{"config": {"transactional.id": "t"},
                "script": [{"init_transactions": {}}, {"begin": {}}, {"send": {}}, {"flush": {}}, {"commit": {}}]}]),
        json!([]),
        json!([{"inject": {"kind": "ProduceRequest", "error": "INVALID_PRODUCER_EPOCH"}}]),
    ));
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
            (CompleteCommit, 0, 1),
        ]
    );
    assert_eq!(
        batches(&sim, 0),
        vec![
            (0, 0, 0, -1, true),
            (1, 0, 1, 0, false),
            (2, 0, 1, -1, true)
        ]
    );
}

#[test]
fn an_injected_not_enough_replicas_on_a_marker_is_retried_before_complete_commit() {
    // TransactionMarkerRequestCompletionHandler: NOT_ENOUGH_REPLICAS is retried for that
    // partition; CompleteCommit is written only once the marker is.
    let sim = run(file(
        "3.9",
        json!({}),
        json!([{"config": {"transactional.id": "t"},
                "script": [{"init_transactions": {}}, {"begin": {}}, {"send": {}}, {"commit": {}}]}]),
        json!([]),
        json!([{"inject": {"kind": "WriteTxnMarkersRequest", "error": "NOT_ENOUGH_REPLICAS"}}]),
    ));
    assert_eq!(
        injected(&sim),
        vec![(NodeId::Broker(0), Errors::NotEnoughReplicas)]
    );
    let markers: Vec<(TopicPartition, Offset)> = notes(&sim)
        .into_iter()
        .filter_map(|n| match n {
            Note::MarkerWritten { tp, offset, .. } => Some((tp, offset)),
            _ => None,
        })
        .collect();
    assert_eq!(markers, vec![(orders(0), Offset(1))]);
    use TransactionState::*;
    assert_eq!(
        txn_states(&sim).last().copied(),
        Some((CompleteCommit, 0, 0))
    );
}

#[test]
fn an_injected_producer_fenced_on_end_txn_is_fatal() {
    // EndTxnHandler: PRODUCER_FENCED is fatal (ProducerFencedException); the application stops
    // and the coordinator's transaction stays Ongoing until its timeout aborts it.
    let sim = run(file(
        "3.9",
        json!({}),
        json!([{"config": {"transactional.id": "t", "transaction.timeout.ms": 1000},
                "script": [{"init_transactions": {}}, {"begin": {}}, {"send": {}}, {"commit": {}}]}]),
        json!([]),
        json!([{"inject": {"kind": "EndTxnRequest", "error": "PRODUCER_FENCED"}}]),
    ));
    assert_eq!(sim.world.producers[0].halted, Some(Errors::ProducerFenced));
    use TransactionState::*;
    // The timeout abort: the epoch is fenced (0 → 1) and the abort marker carries it.
    assert_eq!(
        txn_states(&sim),
        vec![
            (Empty, 0, 0),
            (Ongoing, 0, 0),
            (PrepareAbort, 0, 1),
            (CompleteAbort, 0, 1)
        ]
    );
}

#[test]
fn an_injection_must_name_a_request_a_broker_answers_and_a_kafka_error() {
    let base = |inject: Value| {
        refused(file(
            "3.9",
            json!({}),
            json!([{"script": []}]),
            json!([]),
            json!([{ "inject": inject }]),
        ))
    };
    let e = base(json!({"kind": "ProduceResponse", "error": "NOT_LEADER_OR_FOLLOWER"}));
    assert!(e.contains("must name a request kind"), "{}", e);
    let e = base(
        json!({"kind": "ProduceRequest", "to": "producer-0", "error": "NOT_LEADER_OR_FOLLOWER"}),
    );
    assert!(e.contains("`inject.to` must be a broker-N"), "{}", e);
    let e = base(
        json!({"kind": "ProduceRequest", "to": "broker-3", "error": "NOT_LEADER_OR_FOLLOWER"}),
    );
    assert!(e.contains("`broker-3` does not exist"), "{}", e);
    let e = base(json!({"kind": "ProduceRequest", "error": "NOT_A_LEADER"}));
    assert!(
        e.contains("unknown error `NOT_A_LEADER`; allowed: OUT_OF_ORDER_SEQUENCE_NUMBER"),
        "{}",
        e
    );
}

// ---- the raw client ----

/// Each raw request's answer: the error (None = NONE) and, for a produce, the base offset.
fn raw_answers(sim: &Sim, p: usize) -> Vec<(Option<Errors>, Option<u64>)> {
    use eoscope::sim::message::Message;
    sim.world.producers[p]
        .raw
        .iter()
        .map(|x| match x.answer.as_ref().map(|(_, m)| m) {
            Some(Message::ProduceResponse { result, .. }) => match result {
                Ok(info) => (None, Some(info.base_offset.0)),
                Err(e) => (Some(*e), None),
            },
            Some(Message::AddPartitionsToTxnResponse { error, .. })
            | Some(Message::EndTxnResponse { error, .. }) => (*error, None),
            Some(Message::WriteTxnMarkersResponse { results, .. }) => (results[0].1, None),
            other => panic!("no answer: {:?}", other),
        })
        .collect()
}

#[test]
fn raw_produce_requests_get_the_leaders_answers_for_duplicates_gaps_and_epochs() {
    // ProducerAppendInfo / ProducerStateEntry, in Kafka's order (§A3): an exact retry of a cached
    // batch is NONE with the original offset and appends nothing; a gap is
    // OUT_OF_ORDER_SEQUENCE_NUMBER; a new epoch must start at sequence 0 ("Invalid sequence number
    // for new epoch"); a lower epoch than the entry's is INVALID_PRODUCER_EPOCH (2.7+).
    let raw = |epoch: i16, seq: i32| json!({"raw_produce": {"producer_id": 0, "producer_epoch": epoch, "base_sequence": seq}});
    let sim = run(file(
        "3.9",
        json!({}),
        json!([
            {"script": [{"send": {}}]},
            {"config": {"enable.idempotence": false},
             "script": [{"at": 1000}, raw(0, 5), raw(0, 0), raw(1, 3), raw(1, 0), raw(0, 1)]}
        ]),
        json!([]),
        json!([]),
    ));
    assert_eq!(
        raw_answers(&sim, 1),
        vec![
            (Some(Errors::OutOfOrderSequenceNumber), None),
            (None, Some(0)),
            (Some(Errors::OutOfOrderSequenceNumber), None),
            (None, Some(1)),
            (Some(Errors::InvalidProducerEpoch), None),
        ]
    );
    assert_eq!(
        batches(&sim, 0),
        vec![(0, 0, 0, 0, false), (1, 0, 1, 0, false)]
    );
}

#[test]
fn a_rogue_coordinators_markers_are_fenced_by_coordinator_epoch_and_otherwise_written() {
    // ProducerAppendInfo.appendEndTxnMarker: a marker whose coordinator epoch is below the one the
    // partition saw is TRANSACTION_COORDINATOR_FENCED; one at or above it, with the producer's
    // epoch, is written — with no open transaction it changes no LSO and indexes nothing (§A4).
    let sim = run(file(
        "3.9",
        json!({}),
        json!([
            {"config": {"transactional.id": "t"},
             "script": [{"init_transactions": {}}, {"begin": {}}, {"send": {}}, {"commit": {}}]},
            {"config": {"enable.idempotence": false},
             "script": [{"at": 1000},
                {"raw_write_txn_markers": {"producer_id": 0, "producer_epoch": 0, "coordinator_epoch": -1, "partitions": [0]}},
                {"raw_write_txn_markers": {"to": "broker-0", "producer_id": 0, "producer_epoch": 0, "coordinator_epoch": 5, "partitions": [0]}}]}
        ]),
        json!([]),
        json!([]),
    ));
    assert_eq!(
        raw_answers(&sim, 1),
        vec![
            (Some(Errors::TransactionCoordinatorFenced), None),
            (None, None)
        ]
    );
    let log = sim.world.log(orders(0)).unwrap();
    assert_eq!(
        batches(&sim, 0),
        vec![
            (0, 0, 0, 0, false),
            (1, 0, 0, -1, true),
            (2, 0, 0, -1, true)
        ]
    );
    assert_eq!(log.batches()[2].coordinator_epoch, 5);
    assert!(log.aborted_txns().is_empty());
    assert_eq!(log.last_stable_offset(), Offset(3));
    // The partition now remembers the rogue's coordinator epoch (ProducerStateEntry.coordinatorEpoch).
    assert_eq!(log.producer_state()[&ProducerId(0)].coordinator_epoch, 5);
}

#[test]
fn raw_add_partitions_and_end_txn_get_the_coordinators_answers() {
    // TransactionCoordinator.handleAddPartitionsToTransaction / endTransactionWithTV1 (§A7): the
    // right (pid, epoch) opens a transaction (Ongoing); EndTxn with another epoch is
    // PRODUCER_FENCED, with another pid INVALID_PRODUCER_ID_MAPPING; EndTxn(ABORT) at the current
    // epoch prepares and completes the abort, its marker written to orders-0.
    let end = |pid: i64, epoch: i16| json!({"raw_end_txn": {"transactional_id": "t", "producer_id": pid, "producer_epoch": epoch}});
    let sim = run(file(
        "3.9",
        json!({}),
        json!([
            {"config": {"transactional.id": "t"}, "script": [{"init_transactions": {}}]},
            {"config": {"enable.idempotence": false},
             "script": [{"at": 1000},
                {"raw_add_partitions_to_txn": {"transactional_id": "t", "producer_id": 0, "producer_epoch": 0, "partitions": [0]}},
                end(0, 1), end(7, 0), end(0, 0),
                {"raw_end_txn": {"transactional_id": "nobody", "producer_id": 0, "producer_epoch": 0}}]}
        ]),
        json!([]),
        json!([]),
    ));
    assert_eq!(
        raw_answers(&sim, 1),
        vec![
            (None, None),
            (Some(Errors::ProducerFenced), None),
            (Some(Errors::InvalidProducerIdMapping), None),
            (None, None),
            (Some(Errors::InvalidProducerIdMapping), None),
        ]
    );
    use TransactionState::*;
    assert_eq!(
        txn_states(&sim),
        vec![
            (Empty, 0, 0),
            (Ongoing, 0, 0),
            (PrepareAbort, 0, 0),
            (CompleteAbort, 0, 0)
        ]
    );
    assert_eq!(batches(&sim, 0), vec![(0, 0, 0, -1, true)]);
}

#[test]
fn raw_steps_naming_what_does_not_exist_are_refused() {
    let with = |step: Value| {
        refused(file(
            "3.9",
            json!({"partitions": 2}),
            json!([{"script": [step]}]),
            json!([]),
            json!([]),
        ))
    };
    let e = with(json!({"raw_produce": {"partition": 2}}));
    assert!(
        e.contains("producer-0 script step 0: partition 2 does not exist (the topic has 2)"),
        "{}",
        e
    );
    let e = with(json!({"raw_produce": {"transactional": true}}));
    assert!(e.contains("needs a `transactional_id`"), "{}", e);
    let e = with(json!({"raw_write_txn_markers": {"to": "broker-1", "partitions": [0]}}));
    assert!(
        e.contains("`broker-1` is not a broker of this scenario (broker-0 to broker-0)"),
        "{}",
        e
    );
    let e = with(json!({"raw_write_txn_markers": {"partitions": []}}));
    assert!(e.contains("must name at least one partition"), "{}", e);
    let e = with(json!({"raw_produce": {"records": 0}}));
    assert!(
        e.contains("`raw_produce.records` must be 1 to 10000"),
        "{}",
        e
    );
}

// ---- a chosen starting epoch ----

fn exhaustion(version: &str, script: Value, schedule: Value) -> Sim {
    run(file(
        version,
        json!({}),
        json!([{"config": {"transactional.id": "t"}, "initial_epoch": 32766, "script": script}]),
        json!([]),
        schedule,
    ))
}

#[test]
fn a_tv1_producer_started_at_the_last_epoch_gets_a_new_producer_id_at_its_next_init() {
    // TransactionMetadata.prepareProducerIdRotation (§A7, §D1.16): InitProducerId at an
    // exhausted epoch (Short.MAX_VALUE − 1) hands out a new producer id with epoch 0.
    let sim = exhaustion(
        "3.9",
        json!([{"init_transactions": {}}, {"begin": {}}, {"send": {}}, {"commit": {}}]),
        json!([{"at": 1000, "crash": "producer-0"}, {"at": 1100, "restart": "producer-0"}]),
    );
    use TransactionState::*;
    assert_eq!(
        txn_states(&sim),
        vec![
            (Empty, 0, 32765),
            (Empty, 0, 32766),
            (Ongoing, 0, 32766),
            (PrepareCommit, 0, 32766),
            (CompleteCommit, 0, 32766),
            (Empty, 1, 0),
        ]
    );
    let c = &sim.world.producers[0].client;
    assert_eq!(
        (c.producer_id, c.producer_epoch),
        (ProducerId(1), ProducerEpoch(0))
    );
}

#[test]
fn a_tv2_producer_at_the_last_epoch_rotates_to_the_next_producer_id_at_its_commit() {
    // Transactions v2 (KAFKA-18660): Prepare* at an exhausted epoch allocates nextProducerId,
    // Complete* switches to (nextProducerId, 0) and EndTxn v5 answers it; the next transaction's
    // batch goes out with the new id at epoch 0, sequence 0.
    let sim = exhaustion(
        "4.3",
        json!([{"init_transactions": {}}, {"begin": {}}, {"send": {}}, {"commit": {}},
               {"begin": {}}, {"send": {}}, {"commit": {}}]),
        json!([]),
    );
    use TransactionState::*;
    let states = txn_states(&sim);
    assert_eq!(states[4], (CompleteCommit, 1, 0));
    assert_eq!(states[3], (PrepareCommit, 0, 32767));
    assert_eq!(
        batches(&sim, 0),
        vec![
            (0, 0, 32766, 0, false),
            (1, 0, 32767, -1, true),
            (2, 1, 0, 0, false),
            (3, 1, 1, -1, true)
        ]
    );
}

#[test]
fn initial_epoch_is_refused_without_a_transactional_id_or_out_of_range() {
    let e = refused(file(
        "3.9",
        json!({}),
        json!([{"initial_epoch": 5}]),
        json!([]),
        json!([]),
    ));
    assert!(
        e.contains("`initial_epoch` needs a `transactional.id`"),
        "{}",
        e
    );
    let e = refused(file(
        "3.9",
        json!({}),
        json!([{"config": {"transactional.id": "t"}, "initial_epoch": 32767}]),
        json!([]),
        json!([]),
    ));
    assert!(
        e.contains("`initial_epoch` must be 1 to 32766, not 32767"),
        "{}",
        e
    );
}

// ---- the consume–transform–produce application ----

fn ctp(consumer: Value) -> Sim {
    let mut c = json!({"config": {"group.id": "etl", "auto.offset.reset": "earliest",
                                 "isolation.level": "read_committed", "enable.auto.commit": false},
                      "commit": "transactional", "output": {"transactional.id": "etl-tx"}});
    for (k, v) in consumer.as_object().unwrap() {
        c[k] = v.clone();
    }
    run(file(
        "3.9",
        json!({"brokers": 2}),
        json!([{"script": [{"send": {"records": 2}}]}]),
        json!([c]),
        json!([]),
    ))
}

#[test]
fn a_consume_transform_produce_application_told_to_abort_runs_the_transaction_again() {
    // The application's abortTransaction() right after its send()s: batches not yet drained are
    // aborted (RecordAccumulator.abortUndrainedBatches, TransactionAbortedException), the
    // partition was added, so the coordinator writes an ABORT marker on the output — no data
    // precedes it, so no aborted-transaction index entry (§A4) — and discards the pending
    // offsets; the application seeks back to the committed offsets (none: earliest) and the
    // second transaction commits.
    let sim = ctp(json!({"abort_transactions": [1]}));
    let out = TopicPartition {
        topic: TopicId::Output,
        partition: 0,
    };
    let log = sim.world.log(out).unwrap();
    let kinds: Vec<(u64, Option<eoscope::sim::log::ControlType>)> = log
        .batches()
        .iter()
        .map(|b| (b.base_offset.0, b.control))
        .collect();
    use eoscope::sim::log::ControlType::*;
    assert_eq!(kinds, vec![(0, Some(Abort)), (1, None), (3, Some(Commit))]);
    assert!(log.aborted_txns().is_empty());
    assert_eq!(sim.world.consumers[0].txn_count, 2);
    let gc = sim.world.brokers[1].group_coordinator.as_ref().unwrap();
    assert_eq!(
        gc.committed.values().copied().collect::<Vec<_>>(),
        vec![Offset(2)]
    );
    assert!(gc.pending_txn.is_empty());
}

#[test]
fn processing_time_holds_each_polled_batch_before_it_is_processed() {
    // processing_ms: the application spends that long on each poll's records (the heartbeat
    // thread runs on; past max.poll.interval.ms the member would leave).
    let sim = ctp(json!({"processing_ms": 2000}));
    let first = sim
        .trace
        .events
        .iter()
        .find(|e| matches!(e.what, TraceKind::Fact(Note::Processed { .. })))
        .unwrap();
    assert!(first.tick.0 >= 2000, "processed at {}", first.tick.0);
    let e = refused(file(
        "3.9",
        json!({}),
        json!([]),
        json!([{"config": {"group.id": "g"}, "abort_transactions": [1]}]),
        json!([]),
    ));
    assert!(
        e.contains("`abort_transactions` needs commit mode `transactional`"),
        "{}",
        e
    );
}
