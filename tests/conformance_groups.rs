#![cfg(not(target_arch = "wasm32"))]
//! Conformance for consumer groups (`../shared/KAFKA_EOS.md` §A6, §A8.3, §D1.18): `auto.offset.reset`,
//! the classic group protocol (`GroupMetadataManager`/`ClassicGroup`, `AbstractCoordinator`,
//! `ConsumerCoordinator`) and KIP-447's fencing of offset commits by generation and member id
//! (`ClassicGroup.validateOffsetCommit`, `OffsetMetadataManager.validateTransactionalOffsetCommit`).
//! Each test asserts exact offsets, generations and error names. A file of its own beside
//! `conformance.rs`, with its own helpers.

mod common;

use eoscope::sim::broker::{Broker, BrokerCtx};
use eoscope::sim::checker::{ExpectedBecause, Property, Verdict};
use eoscope::sim::effects::{Note, Out};
use eoscope::sim::errors::Errors;
use eoscope::sim::group_coordinator::{range_assign, GroupState};
use eoscope::sim::log::{ControlType, LogRules};
use eoscope::sim::message::{GroupMember, InstanceId, Message, MessageKind};
use eoscope::sim::topology::Topology;
use eoscope::sim::types::*;
use eoscope::sim::world::{Sim, TraceKind};
use eoscope::sim::Scenario;
use serde_json::{json, Value};

fn run(v: Value) -> Sim {
    let scenario =
        Scenario::from_json(&v.to_string()).unwrap_or_else(|e| panic!("bad test scenario: {}", e));
    let mut sim = Sim::new(scenario, None);
    sim.run(1_000_000);
    sim.finish();
    sim
}

fn scenario(partitions: u8, producers: Value, consumers: Value, schedule: Value) -> Value {
    json!({"format": "eoscope/scenario@1", "title": {"en": "t"}, "version": "3.9",
           "cluster": {"partitions": partitions},
           "producers": producers, "consumers": consumers, "schedule": schedule})
}

fn facts(sim: &Sim) -> Vec<Note> {
    sim.trace
        .events
        .iter()
        .filter_map(|e| match &e.what {
            TraceKind::Fact(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// What a consumer processed, as (partition, offset).
fn processed(sim: &Sim, consumer: u8) -> Vec<(u8, u64)> {
    facts(sim)
        .iter()
        .filter_map(|n| match n {
            Note::Processed {
                consumer: c,
                tp,
                offset,
                ..
            } if *c == consumer => Some((tp.partition, offset.0)),
            _ => None,
        })
        .collect()
}

/// The summaries of the messages of one kind sent to or from a node, in order.
fn sent(sim: &Sim, kind: MessageKind, node: NodeId) -> Vec<String> {
    sim.trace
        .events
        .iter()
        .filter_map(|e| match &e.what {
            TraceKind::Sent {
                kind: k,
                summary,
                from,
                to,
                ..
            } if *k == kind && (*from == node || *to == node) => Some(summary.clone()),
            _ => None,
        })
        .collect()
}

fn joins(sim: &Sim) -> Vec<(u8, i32, String, Vec<u8>)> {
    facts(sim)
        .iter()
        .filter_map(|n| match n {
            Note::GroupJoined {
                consumer,
                generation_id,
                member_id,
                assignment,
            } => Some((
                *consumer,
                *generation_id,
                member_id.clone(),
                assignment.iter().map(|tp| tp.partition).collect(),
            )),
            _ => None,
        })
        .collect()
}

fn tp(partition: u8) -> TopicPartition {
    TopicPartition {
        topic: TopicId::Input,
        partition,
    }
}

fn consumer(extra: Value) -> Value {
    let mut cfg = json!({"enable.auto.commit": false});
    if let (Some(c), Some(e)) = (cfg.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    json!({"config": cfg, "commit": "after_processing"})
}

// ---- auto.offset.reset (ConsumerConfig, SubscriptionState, ListOffsets) ----

/// Three records at t=0, a fourth at 1000 ms; the consumer joins at 500 ms with nothing committed.
fn reset_run(reset: &str) -> Sim {
    run(
        json!({"format": "eoscope/scenario@1", "title": {"en": "t"}, "version": "3.9",
        "producers": [{"config": {}, "script": [{"send": {"records": 1, "batches": 3}}, {"at": 1000}, {"send": {}}]}],
        "consumers": [{"config": {"enable.auto.commit": false, "auto.offset.reset": reset}, "commit": "after_processing", "start_at": 500}]}),
    )
}

#[test]
fn auto_offset_reset_latest_starts_at_the_log_end_and_earliest_at_the_log_start() {
    // latest (the default): ListOffsets(LATEST) answers the HW, 3; only the record written later is read.
    let latest = reset_run("latest");
    assert_eq!(processed(&latest, 0), vec![(0, 3)]);
    assert_eq!(
        sent(
            &latest,
            MessageKind::ListOffsetsResponse,
            NodeId::Consumer(0)
        ),
        vec!["orders-0 offset 3"]
    );
    let earliest = reset_run("earliest");
    assert_eq!(
        processed(&earliest, 0),
        vec![(0, 0), (0, 1), (0, 2), (0, 3)]
    );
    // The default is latest.
    let default = run(
        json!({"format": "eoscope/scenario@1", "title": {"en": "t"}, "version": "3.9",
        "producers": [{"config": {}, "script": [{"send": {"records": 1, "batches": 3}}, {"at": 1000}, {"send": {}}]}],
        "consumers": [{"config": {"enable.auto.commit": false}, "commit": "after_processing", "start_at": 500}]}),
    );
    assert_eq!(processed(&default, 0), vec![(0, 3)]);
}

#[test]
fn auto_offset_reset_none_is_no_offset_for_partition_exception_to_the_application() {
    let sim = reset_run("none");
    assert_eq!(processed(&sim, 0), vec![]);
    assert_eq!(
        sim.world.consumers[0].halted,
        Some(Errors::NoOffsetForPartition)
    );
    assert_eq!(
        Errors::NoOffsetForPartition.name(),
        "NoOffsetForPartitionException"
    );
    // A committed offset needs no reset: the same setting reads on from it.
    let committed = run(
        json!({"format": "eoscope/scenario@1", "title": {"en": "t"}, "version": "3.9",
        "producers": [{"config": {}, "script": [{"send": {"records": 1, "batches": 3}}]}],
        "consumers": [{"config": {"enable.auto.commit": false, "auto.offset.reset": "earliest"}, "commit": "after_processing"},
                      {"config": {"enable.auto.commit": false, "auto.offset.reset": "none"}, "commit": "after_processing", "start_at": 60000}],
        "schedule": [{"at": 1000, "crash": "consumer-0"}]}),
    );
    assert_eq!(committed.world.consumers[1].halted, None);
    assert_eq!(committed.world.consumers[1].positions[&tp(0)], Offset(3));
}

#[test]
fn list_offsets_latest_is_the_high_watermark_or_the_last_stable_offset_by_isolation_level() {
    // Partition.fetchOffsetForTimestamp(LATEST_TIMESTAMP): lastFetchableOffset by isolation level.
    let sim = run(
        json!({"format": "eoscope/scenario@1", "title": {"en": "t"}, "version": "3.9",
        "producers": [{"config": {"transactional.id": "t"}, "script": [{"init_transactions": {}}, {"begin": {}}, {"send": {"records": 2}}, {"at": 5000}, {"commit": {}}]}],
        "consumers": [{"config": {"enable.auto.commit": false, "isolation.level": "read_uncommitted"}, "commit": "after_processing", "start_at": 1000},
                      {"config": {"group.id": "rc", "enable.auto.commit": false, "isolation.level": "read_committed"}, "commit": "after_processing", "start_at": 1000}]}),
    );
    assert_eq!(
        sent(&sim, MessageKind::ListOffsetsResponse, NodeId::Consumer(0)),
        vec!["orders-0 offset 2"]
    );
    assert_eq!(
        sent(&sim, MessageKind::ListOffsetsResponse, NodeId::Consumer(1)),
        vec!["orders-0 offset 0"]
    );
    // The read_committed reader, placed at the LSO, reads the transaction once it commits.
    assert_eq!(processed(&sim, 1), vec![(0, 0), (0, 1)]);
    assert_eq!(processed(&sim, 0), vec![]);
}

// ---- the classic protocol (GroupMetadataManager with ClassicGroup, AbstractCoordinator) ----

#[test]
fn a_lone_consumer_gets_its_member_id_then_leads_generation_1_with_every_partition() {
    // KIP-394: JoinGroup without a member id is answered MEMBER_ID_REQUIRED with one.
    let sim = run(scenario(
        3,
        json!([{"config": {}, "script": []}]),
        json!([consumer(json!({}))]),
        json!([]),
    ));
    assert_eq!(
        sent(&sim, MessageKind::JoinGroupResponse, NodeId::Consumer(0)),
        vec![
            "MEMBER_ID_REQUIRED (consumer-0-1)",
            "generation 1 consumer-0-1 (leader)"
        ]
    );
    assert_eq!(
        sent(&sim, MessageKind::SyncGroupRequest, NodeId::Consumer(0)),
        vec!["SyncGroup generation 1 range: consumer-0-1=orders-0,orders-1,orders-2"]
    );
    assert_eq!(
        joins(&sim),
        vec![(0, 1, "consumer-0-1".into(), vec![0, 1, 2])]
    );
    let states: Vec<(GroupState, GroupState, i32)> = facts(&sim)
        .iter()
        .filter_map(|n| match n {
            Note::GroupStateChanged {
                from,
                to,
                generation_id,
                ..
            } => Some((*from, *to, *generation_id)),
            _ => None,
        })
        .collect();
    assert_eq!(
        states,
        vec![
            (GroupState::Empty, GroupState::PreparingRebalance, 0),
            (
                GroupState::PreparingRebalance,
                GroupState::CompletingRebalance,
                1
            ),
            (GroupState::CompletingRebalance, GroupState::Stable, 1),
        ]
    );
}

#[test]
fn the_range_assignor_gives_consecutive_partitions_and_the_first_members_one_more() {
    // RangeAssignor: members sorted by id; partitions / members each, the first partitions % members one more.
    let parts: Vec<TopicPartition> = (0..8).map(tp).collect();
    let members = vec!["c-2".to_string(), "a-1".to_string(), "b-3".to_string()];
    let shares: Vec<(String, Vec<u8>)> = range_assign(&members, &parts)
        .into_iter()
        .map(|(m, a)| (m, a.iter().map(|t| t.partition).collect()))
        .collect();
    assert_eq!(
        shares,
        vec![
            ("a-1".to_string(), vec![0, 1, 2]),
            ("b-3".to_string(), vec![3, 4, 5]),
            ("c-2".to_string(), vec![6, 7]),
        ]
    );
    // More members than partitions: the last ones get nothing.
    let two: Vec<TopicPartition> = (0..1).map(tp).collect();
    let shares = range_assign(&["x".into(), "y".into()], &two);
    assert_eq!(shares[1].1, vec![]);
}

#[test]
fn a_member_joining_mid_run_rebalances_the_group_to_generation_2() {
    // The new member's JoinGroup moves Stable to PreparingRebalance; the old member learns it from
    // its next Heartbeat (REBALANCE_IN_PROGRESS), gives its partitions up and rejoins.
    let sim = run(scenario(
        2,
        json!([{"config": {}, "script": [{"send": {"partition": 0}}, {"send": {"partition": 1}}, {"at": 5000}, {"send": {"partition": 0}}, {"send": {"partition": 1}}]}]),
        json!([consumer(json!({"auto.offset.reset": "earliest"})), {"config": {"enable.auto.commit": false, "auto.offset.reset": "earliest"}, "commit": "after_processing", "start_at": 1000}]),
        json!([]),
    ));
    assert_eq!(
        joins(&sim),
        vec![
            (0, 1, "consumer-0-1".into(), vec![0, 1]),
            (0, 2, "consumer-0-1".into(), vec![0]),
            (1, 2, "consumer-1-2".into(), vec![1]),
        ]
    );
    assert!(
        sent(&sim, MessageKind::HeartbeatResponse, NodeId::Consumer(0))
            .contains(&"REBALANCE_IN_PROGRESS".to_string())
    );
    // Nothing read twice or lost: orders-1's offset 0 was committed before it moved.
    assert_eq!(processed(&sim, 0), vec![(0, 0), (1, 0), (0, 1)]);
    assert_eq!(processed(&sim, 1), vec![(1, 1)]);
    assert!(sim.world.checker.verdicts[&Property::ConsumerNoDuplicate].passed());
    assert!(sim.world.checker.verdicts[&Property::ConsumerNoLoss].passed());
}

#[test]
fn a_crashed_member_is_removed_when_its_session_expires_and_the_others_take_its_partitions() {
    // GroupMetadataManager.onExpireHeartbeat: no heartbeat within session.timeout.ms.
    let sim = run(scenario(
        2,
        json!([{"config": {}, "script": [{"at": 20000}, {"send": {"partition": 0}}, {"send": {"partition": 1}}]}]),
        json!([
            consumer(json!({"session.timeout.ms": 6000})),
            consumer(json!({"session.timeout.ms": 6000}))
        ]),
        json!([{"at": 1000, "crash": "consumer-1"}]),
    ));
    let removed: Vec<(String, &str)> = facts(&sim)
        .iter()
        .filter_map(|n| match n {
            Note::GroupMemberRemoved {
                member_id, reason, ..
            } => Some((member_id.clone(), *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        removed,
        vec![("consumer-1-2".into(), "session timeout expired")]
    );
    // Its last contact was its SyncGroup, at 25 ms: removed at 6025 ms.
    let at = sim
        .trace
        .events
        .iter()
        .find(|e| matches!(&e.what, TraceKind::Fact(Note::GroupMemberRemoved { .. })))
        .map(|e| e.tick.0);
    assert_eq!(at, Some(6025));
    assert_eq!(
        joins(&sim).last(),
        Some(&(0, 2, "consumer-0-1".into(), vec![0, 1]))
    );
    assert_eq!(processed(&sim, 0), vec![(0, 0), (1, 0)]);
}

#[test]
fn a_pause_past_max_poll_interval_makes_the_heartbeat_thread_leave_the_group() {
    // AbstractCoordinator.HeartbeatThread: "consumer poll timeout has expired" -> LeaveGroup.
    let sim = run(scenario(
        1,
        json!([{"config": {}, "script": [{"send": {}}]}]),
        json!([consumer(
            json!({"auto.offset.reset": "earliest", "max.poll.interval.ms": 10000})
        )]),
        json!([{"at": 0, "pause": {"node": "consumer-0", "ms": 12000}}]),
    ));
    let left = sim
        .trace
        .events
        .iter()
        .find(|e| {
            matches!(
                &e.what,
                TraceKind::Sent {
                    kind: MessageKind::LeaveGroupRequest,
                    ..
                }
            )
        })
        .map(|e| e.tick.0);
    // The records came back from poll() at 50 ms; 10 s later the member leaves.
    assert_eq!(left, Some(10_050));
    // After the pause it processes what it had polled, its commit is refused by the client
    // itself (no generation any more: CommitFailedException), and it rejoins as a new member.
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::ClientError {
            error: Errors::CommitFailed,
            ..
        }
    )));
    assert_eq!(
        joins(&sim),
        vec![
            (0, 1, "consumer-0-1".into(), vec![0]),
            (0, 3, "consumer-0-2".into(), vec![0])
        ]
    );
    // With nothing committed, the new member reads offset 0 again: at-least-once.
    assert_eq!(processed(&sim, 0), vec![(0, 0), (0, 0)]);
    match &sim.world.checker.verdicts[&Property::ConsumerNoDuplicate] {
        Verdict::Fail { first, .. } => {
            assert_eq!(first.expected, Some(ExpectedBecause::AtLeastOnce))
        }
        v => panic!("expected a duplicate, got {:?}", v),
    }
}

// ---- KIP-447: offset commits carry the generation and member id ----

const V3_9: LogRules = LogRules {
    unknown_producer_accepts_any_sequence: true,
    stale_epoch_is_invalid_producer_epoch: true,
};

fn coordinator() -> (Broker, Topology) {
    let topology = Topology::new(1, 1, 1, 1);
    (Broker::new(0, &topology), topology)
}

fn call(broker: &mut Broker, topology: &Topology, from: NodeId, msg: Message) -> Message {
    let ctx = BrokerCtx {
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
    };
    let mut out = Out::default();
    broker.on_message(from, msg, &ctx, &mut out);
    out.sends
        .into_iter()
        .find(|(to, _)| *to == from)
        .map(|(_, m)| m)
        .expect("an answer")
}

fn error_of(m: &Message) -> Option<Errors> {
    match m {
        Message::OffsetCommitResponse { error, .. }
        | Message::TxnOffsetCommitResponse { error, .. }
        | Message::HeartbeatResponse { error, .. }
        | Message::SyncGroupResponse { error, .. } => *error,
        _ => panic!("not an answer with an error: {:?}", m),
    }
}

fn member(generation_id: i32, member_id: &str) -> GroupMember {
    GroupMember {
        generation_id,
        member_id: member_id.into(),
        group_instance_id: InstanceId(None),
    }
}

/// A one-member group at generation 1 (member `consumer-0-1`), Stable.
fn stable_group() -> (Broker, Topology) {
    let (mut b, t) = coordinator();
    let c = NodeId::Consumer(0);
    let join = |member_id: &str| Message::JoinGroupRequest {
        corr: 0,
        group: 0,
        member_id: member_id.into(),
        group_instance_id: InstanceId(None),
        session_timeout_ms: 45_000,
        rebalance_timeout_ms: 300_000,
    };
    let first = call(&mut b, &t, c, join(""));
    assert!(
        matches!(first, Message::JoinGroupResponse { error: Some(Errors::MemberIdRequired), ref member_id, .. } if member_id == "consumer-0-1")
    );
    let second = call(&mut b, &t, c, join("consumer-0-1"));
    assert!(matches!(
        second,
        Message::JoinGroupResponse {
            error: None,
            generation_id: 1,
            ..
        }
    ));
    let sync = call(
        &mut b,
        &t,
        c,
        Message::SyncGroupRequest {
            corr: 1,
            group: 0,
            member: member(1, "consumer-0-1"),
            assignments: vec![("consumer-0-1".into(), vec![tp(0)])],
        },
    );
    assert_eq!(error_of(&sync), None);
    (b, t)
}

fn offset_commit(m: GroupMember) -> Message {
    Message::OffsetCommitRequest {
        corr: 5,
        group: 0,
        offsets: vec![(tp(0), Offset(4))],
        member: m,
    }
}

fn txn_offset_commit(m: GroupMember) -> Message {
    Message::TxnOffsetCommitRequest {
        corr: 6,
        group: 0,
        producer_id: ProducerId(7),
        producer_epoch: ProducerEpoch(0),
        offsets: vec![(tp(0), Offset(4))],
        member: m,
    }
}

#[test]
fn offset_commit_with_a_stale_generation_is_illegal_generation_and_from_a_stranger_unknown_member_id(
) {
    // ClassicGroup.validateOffsetCommit: validateMember (UNKNOWN_MEMBER_ID), then the generation
    // (ILLEGAL_GENERATION); generation -1 with no member id only while the group is Empty.
    let (mut b, t) = stable_group();
    let c = NodeId::Consumer(0);
    let cases = [
        (member(0, "consumer-0-1"), Some(Errors::IllegalGeneration)),
        (member(2, "consumer-0-1"), Some(Errors::IllegalGeneration)),
        (member(1, "consumer-9-9"), Some(Errors::UnknownMemberId)),
        (GroupMember::none(), Some(Errors::UnknownMemberId)),
        (member(1, "consumer-0-1"), None),
    ];
    for (m, want) in cases {
        let got = error_of(&call(&mut b, &t, c, offset_commit(m.clone())));
        assert_eq!(got, want, "OffsetCommit with {:?}", m);
    }
    let gc = b.group_coordinator.as_ref().unwrap();
    assert_eq!(gc.committed[&(0, tp(0))], Offset(4));
    // Heartbeat validates the same way.
    let hb = call(
        &mut b,
        &t,
        c,
        Message::HeartbeatRequest {
            corr: 9,
            group: 0,
            member: member(0, "consumer-0-1"),
        },
    );
    assert_eq!(error_of(&hb), Some(Errors::IllegalGeneration));
    // An empty group takes a commit from outside group management.
    let (mut empty, t2) = coordinator();
    assert_eq!(
        error_of(&call(
            &mut empty,
            &t2,
            c,
            offset_commit(GroupMember::none())
        )),
        None
    );
}

#[test]
fn txn_offset_commit_with_stale_group_metadata_is_refused_and_writes_nothing_pending() {
    // OffsetMetadataManager.validateTransactionalOffsetCommit (KIP-447, TxnOffsetCommit v3+).
    let (mut b, t) = stable_group();
    let p = NodeId::Producer(0);
    assert_eq!(
        error_of(&call(
            &mut b,
            &t,
            p,
            txn_offset_commit(member(0, "consumer-0-1"))
        )),
        Some(Errors::IllegalGeneration)
    );
    assert_eq!(
        error_of(&call(
            &mut b,
            &t,
            p,
            txn_offset_commit(member(1, "consumer-0-7"))
        )),
        Some(Errors::UnknownMemberId)
    );
    let gc = b.group_coordinator.as_ref().unwrap();
    assert!(
        !gc.has_pending(0, tp(0)),
        "a refused commit leaves nothing pending"
    );
    // Without group metadata (generation -1, no member id) the transactional commit is not validated.
    assert_eq!(
        error_of(&call(&mut b, &t, p, txn_offset_commit(GroupMember::none()))),
        None
    );
    assert_eq!(
        error_of(&call(
            &mut b,
            &t,
            p,
            txn_offset_commit(member(1, "consumer-0-1"))
        )),
        None
    );
    // And the pending offsets make OffsetFetch (requireStable) UNSTABLE_OFFSET_COMMIT until the marker.
    let fetch = call(
        &mut b,
        &t,
        NodeId::Consumer(1),
        Message::OffsetFetchRequest {
            corr: 3,
            group: 0,
            partitions: vec![tp(0)],
        },
    );
    assert!(matches!(
        fetch,
        Message::OffsetFetchResponse {
            result: Err(Errors::UnstableOffsetCommit),
            ..
        }
    ));
    let _ = ControlType::Commit;
}

#[test]
fn the_zombie_after_a_rebalance_is_fenced_by_its_group_metadata_and_its_output_aborted() {
    let text = common::shipped_text("group-zombie-fenced");
    let mut sim = Sim::new(Scenario::from_json(&text).unwrap(), None);
    sim.run(1_000_000);
    sim.finish();
    // consumer-0 left at its poll timeout; consumer-1 took orders-0 in generation 2.
    assert_eq!(
        joins(&sim)[..3],
        [
            (0, 1, "consumer-0-1".to_string(), vec![0]),
            (1, 1, "consumer-1-2".to_string(), vec![]),
            (1, 2, "consumer-1-2".to_string(), vec![0]),
        ]
    );
    // The zombie's TxnOffsetCommit carries generation 1 and a member id the group no longer has.
    assert_eq!(
        sent(
            &sim,
            MessageKind::TxnOffsetCommitResponse,
            NodeId::Consumer(0)
        ),
        vec!["UNKNOWN_MEMBER_ID"]
    );
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::ClientError {
            node: NodeId::Consumer(0),
            error: Errors::UnknownMemberId,
            what: "CommitFailedException, abortable"
        }
    )));
    // orders-out-0: consumer-1's v0..v1 committed (0-1, marker 2), the zombie's aborted (3-4, marker 5).
    let out = sim
        .world
        .log(TopicPartition {
            topic: TopicId::Output,
            partition: 0,
        })
        .unwrap();
    let cells: Vec<(u64, Option<ControlType>, bool)> = out
        .batches()
        .iter()
        .map(|b| {
            (
                b.base_offset.0,
                b.control,
                out.is_aborted(b.producer_id, b.base_offset),
            )
        })
        .collect();
    assert_eq!(
        cells,
        vec![
            (0, None, false),
            (2, Some(ControlType::Commit), false),
            (3, None, true),
            (5, Some(ControlType::Abort), true),
        ]
    );
    assert!(sim.world.checker.verdicts[&Property::EndToEndExactlyOnce].passed());
    let gc = sim.world.brokers[0].group_coordinator.as_ref().unwrap();
    assert_eq!(gc.committed[&(0, tp(0))], Offset(2));
}

#[test]
fn a_new_owner_gets_unstable_offset_commit_until_the_dead_members_transaction_is_aborted() {
    // KIP-447 / GroupMetadataManager.getOffsets with requireStable: the crashed member's
    // TxnOffsetCommit is pending in its open transaction, so the partition's next owner cannot
    // learn where to start until the transaction ends — here, when the transaction coordinator
    // aborts it for its transaction.timeout.ms (TransactionStateManager.timedOutTransactions).
    let member = |i: u32, timeout: u64| {
        json!({
        "config": {"group.id": "etl", "auto.offset.reset": "earliest", "isolation.level": "read_committed", "enable.auto.commit": false, "session.timeout.ms": 6000},
        "commit": "transactional", "output": {"transactional.id": format!("etl-{}", i), "transaction.timeout.ms": timeout}})
    };
    let sim = run(
        json!({"format": "eoscope/scenario@1", "title": {"en": "t"}, "version": "3.9",
        "producers": [{"config": {}, "script": [{"send": {"records": 2}}, {"at": 3000}, {"send": {"records": 1}}]}],
        "consumers": [member(0, 20_000), member(1, 60_000)],
        "schedule": [{"crash": "consumer-0", "on": {"kind": "EndTxnRequest", "from": "consumer-0", "nth": 1}}]}),
    );
    let answers: Vec<(u64, String)> = sim
        .trace
        .events
        .iter()
        .filter_map(|e| match &e.what {
            TraceKind::Sent {
                kind: MessageKind::OffsetFetchResponse,
                to: NodeId::Consumer(1),
                summary,
                ..
            } if !summary.starts_with("committed ") || summary.contains('=') => {
                Some((e.tick.0, summary.clone()))
            }
            _ => None,
        })
        .collect();
    // consumer-1 owns orders-0 from generation 2 (6070 ms, after consumer-0's session expired).
    assert_eq!(
        answers.first(),
        Some(&(6075, "UNSTABLE_OFFSET_COMMIT".to_string()))
    );
    let last = answers.last().cloned().unwrap();
    assert_eq!(last.1, "committed orders-0=none");
    assert!(answers[..answers.len() - 1]
        .iter()
        .all(|(_, s)| s == "UNSTABLE_OFFSET_COMMIT"));
    // The abort came from the coordinator's timeout check, with the epoch bumped (PrepareEpochFence).
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::TxnTransition {
            txn: 0,
            to: eoscope::sim::txn_coordinator::TransactionState::PrepareEpochFence,
            ..
        }
    )));
    assert!(last.0 > 30_000, "answered at {}", last.0);
    // consumer-1 then reads from offset 0, and the output holds each record once as read_committed sees it.
    assert_eq!(processed(&sim, 1), vec![(0, 0), (0, 1), (0, 2)]);
    assert!(sim.world.checker.verdicts[&Property::EndToEndExactlyOnce].passed());
}

// ---- KIP-848, group.protocol=consumer (GroupMetadataManager.consumerGroupHeartbeat, ConsumerGroup) ----

fn kip848(extra: Value) -> Value {
    let mut cfg = json!({"group.id": "g", "group.protocol": "consumer", "auto.offset.reset": "earliest", "enable.auto.commit": false});
    if let (Some(c), Some(e)) = (cfg.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    cfg
}

#[test]
fn the_consumer_protocol_refuses_the_classic_session_and_heartbeat_settings() {
    // ConsumerConfig.CONSUMER_PROTOCOL_UNSUPPORTED_CONFIGS: the broker owns them (group.consumer.*).
    let err = eoscope::sim::config::consumer_config(
        &serde_json::from_value(kip848(
            json!({"session.timeout.ms": 10000, "heartbeat.interval.ms": 1000}),
        ))
        .unwrap(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        "heartbeat.interval.ms, session.timeout.ms cannot be set when group.protocol=CONSUMER"
    );
}

#[test]
fn kip_848_revokes_before_it_reassigns_and_members_reach_the_new_epoch_one_at_a_time() {
    let sim = run(scenario(
        2,
        json!([{"config": {}, "script": [{"send": {"partition": 0}}, {"send": {"partition": 1}}, {"at": 8000}, {"send": {"partition": 0}}, {"send": {"partition": 1}}]}]),
        json!([{"config": kip848(json!({})), "commit": "after_processing"},
               {"config": kip848(json!({})), "commit": "after_processing", "start_at": 1000}]),
        json!([]),
    ));
    // consumer-0 alone: epoch 1, both partitions. consumer-1 joins at epoch 2 with nothing yet:
    // orders-1 is still consumer-0's. consumer-0's next heartbeat (5 s,
    // group.consumer.heartbeat.interval.ms) keeps it at epoch 1 with orders-0 only, it gives
    // orders-1 up and says so, and moves to epoch 2; consumer-1 gets orders-1 at its next heartbeat.
    let responses = |c: u8| {
        sent(
            &sim,
            MessageKind::ConsumerGroupHeartbeatResponse,
            NodeId::Consumer(c),
        )
    };
    assert_eq!(
        responses(0)[..3],
        [
            "consumer-0-1 epoch 1 assigned orders-0,orders-1".to_string(),
            "consumer-0-1 epoch 1 assigned orders-0".to_string(),
            "consumer-0-1 epoch 2 assigned orders-0".to_string(),
        ]
    );
    assert_eq!(
        responses(1)[..2],
        [
            "consumer-1-2 epoch 2 assigned nothing".to_string(),
            "consumer-1-2 epoch 2 assigned orders-1".to_string(),
        ]
    );
    let got_orders_1 = sim
        .trace
        .events
        .iter()
        .find(|e| matches!(&e.what, TraceKind::Fact(Note::GroupJoined { consumer: 1, assignment, .. }) if !assignment.is_empty()))
        .map(|e| e.tick.0);
    let revoked = sim
        .trace
        .events
        .iter()
        .find(|e| matches!(&e.what, TraceKind::Fact(Note::GroupJoined { consumer: 0, assignment, .. }) if assignment.len() == 1))
        .map(|e| e.tick.0);
    assert_eq!((revoked, got_orders_1), (Some(5020), Some(6020)));
    assert_eq!(processed(&sim, 0), vec![(0, 0), (1, 0), (0, 1)]);
    assert_eq!(processed(&sim, 1), vec![(1, 1)]);
}

#[test]
fn kip_848_a_txn_offset_commit_at_a_stale_member_epoch_is_illegal_generation_and_aborts() {
    // ConsumerGroup.validateOffsetCommit: the epoch must be the member's (4.0/4.1);
    // OffsetMetadataManager.validateTransactionalOffsetCommit sends STALE_MEMBER_EPOCH as
    // ILLEGAL_GENERATION (TxnOffsetCommit ≤ v5 has no code for it); the producer aborts.
    let member = |i: u32, start_at: u64| {
        json!({"config": kip848(json!({"isolation.level": "read_committed"})), "commit": "transactional",
        "output": {"transactional.id": format!("t-{}", i)}, "start_at": start_at})
    };
    let sim = run(scenario(
        2,
        json!([{"config": {}, "script": [{"at": 5010}, {"send": {"partition": 0}}]}]),
        json!([member(0, 0), member(1, 1000)]),
        json!([]),
    ));
    // consumer-0 captured groupMetadata() at epoch 1 as it began the transaction (5020 ms); its
    // acknowledgement of the revocation moved it to epoch 2 (5035 ms) before its TxnOffsetCommit came.
    assert_eq!(
        sent(
            &sim,
            MessageKind::TxnOffsetCommitResponse,
            NodeId::Consumer(0)
        ),
        vec!["ILLEGAL_GENERATION", "ok"]
    );
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::ClientError {
            error: Errors::IllegalGeneration,
            what: "CommitFailedException, abortable",
            ..
        }
    )));
    assert_eq!(processed(&sim, 0), vec![(0, 0), (0, 0)]);
    assert!(sim.world.checker.verdicts[&Property::EndToEndExactlyOnce].passed());
}

#[test]
fn kip_848_heartbeats_and_commits_with_the_wrong_epoch_are_fenced_or_stale() {
    let (mut b, t) = coordinator();
    let c = NodeId::Consumer(0);
    let hb = |member_id: &str, member_epoch: i32| Message::ConsumerGroupHeartbeatRequest {
        corr: 1,
        group: 0,
        member_id: member_id.into(),
        instance_id: InstanceId(None),
        member_epoch,
        rebalance_timeout_ms: 300_000,
        owned: vec![],
    };
    let joined = call(&mut b, &t, c, hb("", 0));
    assert!(
        matches!(joined, Message::ConsumerGroupHeartbeatResponse { error: None, member_epoch: 1, ref member_id, .. } if member_id == "consumer-0-1")
    );
    let fenced = |m: Message| match m {
        Message::ConsumerGroupHeartbeatResponse { error, .. } => error,
        other => panic!("{:?}", other),
    };
    // ConsumerGroup.throwIfMemberEpochIsInvalid: a newer epoch is FENCED_MEMBER_EPOCH; a stranger UNKNOWN_MEMBER_ID.
    assert_eq!(
        fenced(call(&mut b, &t, c, hb("consumer-0-1", 5))),
        Some(Errors::FencedMemberEpoch)
    );
    assert_eq!(
        fenced(call(&mut b, &t, c, hb("consumer-9-9", 1))),
        Some(Errors::UnknownMemberId)
    );
    assert_eq!(fenced(call(&mut b, &t, c, hb("consumer-0-1", 1))), None);
    // OffsetCommit v9+ at another epoch: STALE_MEMBER_EPOCH; TxnOffsetCommit: ILLEGAL_GENERATION.
    assert_eq!(
        error_of(&call(
            &mut b,
            &t,
            c,
            offset_commit(member(0, "consumer-0-1"))
        )),
        Some(Errors::StaleMemberEpoch)
    );
    assert_eq!(
        error_of(&call(
            &mut b,
            &t,
            NodeId::Producer(0),
            txn_offset_commit(member(0, "consumer-0-1"))
        )),
        Some(Errors::IllegalGeneration)
    );
    assert_eq!(
        error_of(&call(
            &mut b,
            &t,
            c,
            offset_commit(member(1, "consumer-0-1"))
        )),
        None
    );
}

#[test]
fn a_member_cut_off_from_its_coordinator_is_removed_and_processes_as_a_zombie_until_its_commit_is_refused(
) {
    // The coordinator removes a member it has not heard from in session.timeout.ms; the member,
    // hearing nothing, keeps its partitions (AbstractCoordinator only marks the coordinator
    // unknown), so at-least-once processing can repeat a record the new owner processed.
    let c = json!({"config": {"auto.offset.reset": "earliest", "enable.auto.commit": false, "session.timeout.ms": 6000}, "commit": "after_processing"});
    let sim = run(
        json!({"format": "eoscope/scenario@1", "title": {"en": "t"}, "version": "3.9",
        "cluster": {"brokers": 2, "partitions": 2},
        "producers": [{"config": {}, "script": [{"send": {"partition": 0}}, {"send": {"partition": 1}}, {"at": 20000}, {"send": {"partition": 0}}, {"send": {"partition": 1}}]}],
        "consumers": [c.clone(), c],
        "schedule": [{"at": 1000, "partition": ["consumer-1", "broker-1"]}, {"at": 12000, "heal": ["consumer-1", "broker-1"]}]}),
    );
    let removed_at = sim
        .trace
        .events
        .iter()
        .find(|e| matches!(&e.what, TraceKind::Fact(Note::GroupMemberRemoved { member_id, reason: "session timeout expired", .. }) if member_id == "consumer-1-2"))
        .map(|e| e.tick.0);
    assert_eq!(removed_at, Some(6025));
    assert_eq!(
        joins(&sim),
        vec![
            (0, 1, "consumer-0-1".into(), vec![0]),
            (1, 1, "consumer-1-2".into(), vec![1]),
            (0, 2, "consumer-0-1".into(), vec![0, 1]),
            (0, 3, "consumer-0-1".into(), vec![0]),
            (1, 3, "consumer-1-3".into(), vec![1]),
        ]
    );
    // v3 (orders-1 offset 1) is processed by its new owner and again by the cut-off member, whose
    // OffsetCommit is then refused.
    assert!(processed(&sim, 0).contains(&(1, 1)));
    assert!(processed(&sim, 1).contains(&(1, 1)));
    assert!(
        sent(&sim, MessageKind::OffsetCommitResponse, NodeId::Consumer(1))
            .contains(&"UNKNOWN_MEMBER_ID".to_string())
    );
    match &sim.world.checker.verdicts[&Property::ConsumerNoDuplicate] {
        Verdict::Fail { first, .. } => {
            assert_eq!(first.expected, Some(ExpectedBecause::AtLeastOnce))
        }
        v => panic!("expected a duplicate, got {:?}", v),
    }
    assert!(sim.world.checker.verdicts[&Property::ConsumerNoLoss].passed());
}

#[test]
fn a_broken_marker_connection_does_not_stall_the_leaders_verification_nor_fence_the_next_owner() {
    // Regression (the reproducer classic-output-loss.json, classic protocol, 3.9, TV1 with
    // KIP-890 verification). consumer-1 crashes inside its transaction; the coordinator (broker-1)
    // aborts it on timeout at 20065 and its WriteTxnMarkers to broker-0 is lost, so broker-1's
    // connection to broker-0 is broken until that request times out (30 s). consumer-2, the
    // partition's next owner, produces v8..v11 to orders-out-1 on broker-0, whose leader asks
    // broker-1 (AddPartitionsToTxn verifyOnly) over its own connection (AddPartitionsToTxnManager's
    // NetworkClient): the verification answers, the transaction commits, nothing is fenced.
    // When the two brokers shared one connection the verification waited 30 s, the transaction
    // timed out, the epoch bump fenced consumer-2's producer and v8..v11 never reached the output.
    let scenario: Value = serde_json::from_str(REPRO_CLASSIC_OUTPUT_LOSS).unwrap();
    let sim = run(scenario);
    // The lost marker is the only broker-to-broker loss: the verification is never dropped.
    let dropped: Vec<(NodeId, NodeId, MessageKind)> = sim
        .trace
        .events
        .iter()
        .filter_map(|e| match &e.what {
            TraceKind::Dropped { from, to, kind, .. }
                if matches!((from, to), (NodeId::Broker(_), NodeId::Broker(_))) =>
            {
                Some((*from, *to, *kind))
            }
            _ => None,
        })
        .collect();
    assert!(dropped.iter().all(|(f, t, k)| (*f, *t, *k)
        == (
            NodeId::Broker(1),
            NodeId::Broker(0),
            MessageKind::WriteTxnMarkersRequest
        )));
    assert!(!dropped.is_empty());
    // consumer-2's producer is never fenced, nor its application stopped.
    assert!(!facts(&sim).iter().any(|n| matches!(
        n,
        Note::ClientError {
            node: NodeId::Consumer(2),
            ..
        }
    )));
    assert!(sim.world.consumers[2].halted.is_none());
    // consumer-2 processed orders-1@2 (v8) exactly once, in the transaction that committed.
    let p2 = processed(&sim, 2);
    assert_eq!(p2.iter().filter(|p| **p == (1, 2)).count(), 1);
    assert_eq!(p2, vec![(1, 2), (1, 3), (1, 4), (1, 5)]);
    // orders-out-1: consumer-0's v4..v5 committed (0-1, marker 2), consumer-2's v8..v11 (3-6),
    // consumer-1's empty transaction aborted (marker 7, once its connection came back), then
    // consumer-2's commit marker (8).
    let out = sim
        .world
        .log(TopicPartition {
            topic: TopicId::Output,
            partition: 1,
        })
        .unwrap();
    let cells: Vec<(u64, Option<ControlType>, bool)> = out
        .batches()
        .iter()
        .map(|b| {
            (
                b.base_offset.0,
                b.control,
                out.is_aborted(b.producer_id, b.base_offset),
            )
        })
        .collect();
    assert_eq!(
        cells,
        vec![
            (0, None, false),
            (2, Some(ControlType::Commit), false),
            (3, None, false),
            (7, Some(ControlType::Abort), false),
            (8, Some(ControlType::Commit), false),
        ]
    );
    // v8 is in the output exactly once, in a committed batch.
    let v8: Vec<u64> = out
        .batches()
        .iter()
        .filter(|b| {
            b.control.is_none()
                && !out.is_aborted(b.producer_id, b.base_offset)
                && b.first_record.0 <= 8
                && 8 < b.first_record.0 + b.record_count
        })
        .map(|b| b.base_offset.0 + (8 - b.first_record.0) as u64)
        .collect();
    assert_eq!(v8, vec![3]);
    // The group's offsets moved past every input record with it.
    let gc = sim.world.brokers[1].group_coordinator.as_ref().unwrap();
    assert_eq!(gc.committed[&(0, tp(0))], Offset(6));
    assert_eq!(gc.committed[&(0, tp(1))], Offset(6));
    assert!(sim.world.checker.verdicts[&Property::EndToEndExactlyOnce].passed());
    assert!(sim.world.checker.verdicts[&Property::TransactionAtomicity].passed());
}

/// `/work/repro/classic-output-loss.json`, as found by the property test.
const REPRO_CLASSIC_OUTPUT_LOSS: &str = r#"{"cluster":{"brokers":2,"output.partitions":2,"partitions":2},"consumers":[{"commit":"transactional","config":{"auto.offset.reset":"earliest","enable.auto.commit":false,"group.id":"etl","heartbeat.interval.ms":1000,"isolation.level":"read_committed","max.poll.interval.ms":5000,"request.timeout.ms":1000,"session.timeout.ms":6000},"output":{"request.timeout.ms":500,"transaction.timeout.ms":10000,"transactional.id":"etl-0"},"start_at":0},{"commit":"transactional","config":{"auto.offset.reset":"earliest","enable.auto.commit":false,"group.id":"etl","heartbeat.interval.ms":1000,"isolation.level":"read_committed","max.poll.interval.ms":5000,"request.timeout.ms":1000,"session.timeout.ms":6000},"output":{"request.timeout.ms":500,"transaction.timeout.ms":10000,"transactional.id":"etl-1"},"start_at":2020},{"commit":"transactional","config":{"auto.offset.reset":"earliest","enable.auto.commit":false,"group.id":"etl","heartbeat.interval.ms":1000,"isolation.level":"read_committed","max.poll.interval.ms":5000,"request.timeout.ms":1000,"session.timeout.ms":6000},"output":{"request.timeout.ms":500,"transaction.timeout.ms":10000,"transactional.id":"etl-2"},"start_at":2020}],"format":"eoscope/scenario@1","producers":[{"config":{"request.timeout.ms":500},"script":[{"send":{"batches":2,"partition":0,"records":2}},{"send":{"batches":2,"partition":1,"records":1}},{"at":3000},{"send":{"batches":2,"partition":0,"records":1}},{"send":{"partition":1,"records":2}},{"at":7000},{"send":{"batches":2,"partition":1,"records":1}}]}],"schedule":[{"at":176,"drop":{"kind":"WriteTxnMarkersRequest","nth":3}},{"at":3136,"crash":"consumer-1"}],"seed":0,"title":{"en":"t"},"version":"3.9"}"#;

// ---- Static membership (KIP-345, `group.instance.id`) ----

fn static_consumer(instance: &str, extra: Value) -> Value {
    let mut c = consumer(extra);
    c["config"]["group.instance.id"] = json!(instance);
    c
}

fn replaced(sim: &Sim) -> Vec<(String, String, String)> {
    facts(sim)
        .iter()
        .filter_map(|n| match n {
            Note::StaticMemberReplaced {
                group_instance_id,
                old_member_id,
                new_member_id,
                ..
            } => Some((
                group_instance_id.clone(),
                old_member_id.clone(),
                new_member_id.clone(),
            )),
            _ => None,
        })
        .collect()
}

fn state_changes(sim: &Sim) -> Vec<(GroupState, i32)> {
    facts(sim)
        .iter()
        .filter_map(|n| match n {
            Note::GroupStateChanged {
                to, generation_id, ..
            } => Some((*to, *generation_id)),
            _ => None,
        })
        .collect()
}

fn client_errors(sim: &Sim, node: NodeId) -> Vec<(Errors, &'static str)> {
    facts(sim)
        .iter()
        .filter_map(|n| match n {
            Note::ClientError {
                node: n,
                error,
                what,
            } if *n == node => Some((*error, *what)),
            _ => None,
        })
        .collect()
}

#[test]
fn group_instance_id_is_validated_as_kafka_validates_it() {
    // ConsumerConfig → JoinGroupRequest.validateGroupInstanceId (Topic.validate's rules).
    let bad = |id: &str| {
        let v = scenario(
            1,
            json!([]),
            json!([static_consumer(id, json!({}))]),
            json!([]),
        );
        Scenario::from_json(&v.to_string()).err()
    };
    assert_eq!(
        bad("etl a"),
        Some("consumer-0: Group instance id is invalid: 'etl a' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'".into())
    );
    assert_eq!(
        bad(".."),
        Some("consumer-0: Group instance id is invalid: '..' is not allowed".into())
    );
    assert!(bad("").is_some_and(|e| e.contains("group.instance.id")));
    assert_eq!(bad("etl-a.1_x"), None);
}

#[test]
fn a_static_member_restarted_within_its_session_keeps_its_partitions_and_the_generation() {
    // GroupMetadataManager.classicGroupJoinNewStaticMember → updateStaticMemberThenRebalanceOrCompleteJoin:
    // the restarted process joins with its group.instance.id and no member id; the Stable group
    // replaces the member (ClassicGroup.replaceStaticMember) without a rebalance.
    let sim = run(scenario(
        2,
        json!([{"config": {}, "script": [{"send": {"partition": 0}}, {"send": {"partition": 1}}, {"at": 8000}, {"send": {"partition": 0}}, {"send": {"partition": 1}}]}]),
        json!([
            static_consumer(
                "etl-a",
                json!({"auto.offset.reset": "earliest", "session.timeout.ms": 10000})
            ),
            static_consumer(
                "etl-b",
                json!({"auto.offset.reset": "earliest", "session.timeout.ms": 10000})
            )
        ]),
        json!([{"at": 3000, "crash": "consumer-1"}, {"at": 5000, "restart": "consumer-1"}]),
    ));
    // No MEMBER_ID_REQUIRED round trip for a static member: the first JoinGroup joins.
    assert!(
        !sent(&sim, MessageKind::JoinGroupResponse, NodeId::Consumer(0))
            .iter()
            .any(|s| s.contains("MEMBER_ID_REQUIRED"))
    );
    assert_eq!(
        joins(&sim),
        vec![
            (0, 2, "etl-a-1".into(), vec![0]),
            (1, 2, "etl-b-2".into(), vec![1]),
            (1, 2, "etl-b-3".into(), vec![1]),
        ]
    );
    assert_eq!(
        replaced(&sim),
        vec![("etl-b".into(), "etl-b-2".into(), "etl-b-3".into())]
    );
    // The two joins at the start (generation 1 completes with consumer-0 alone, at once: no
    // group.initial.rebalance.delay.ms), then nothing: the restart moves no state and no generation.
    assert_eq!(
        state_changes(&sim),
        vec![
            (GroupState::PreparingRebalance, 0),
            (GroupState::CompletingRebalance, 1),
            (GroupState::PreparingRebalance, 1),
            (GroupState::CompletingRebalance, 2),
            (GroupState::Stable, 2),
        ]
    );
    assert!(
        !sent(&sim, MessageKind::HeartbeatResponse, NodeId::Consumer(0))
            .contains(&"REBALANCE_IN_PROGRESS".to_string())
    );
    // A static member never sends LeaveGroup.
    assert!(sent(&sim, MessageKind::LeaveGroupRequest, NodeId::Consumer(1)).is_empty());
    let g = &sim.world.brokers[0]
        .group_coordinator
        .as_ref()
        .unwrap()
        .groups
        .groups[&0];
    assert_eq!((g.state, g.generation_id), (GroupState::Stable, 2));
    assert_eq!(g.members["etl-b-3"].assignment, vec![tp(1)]);
    // Each partition keeps its reader: the record written after the restart is read by the new process.
    assert_eq!(processed(&sim, 0), vec![(0, 0), (0, 1)]);
    assert_eq!(processed(&sim, 1), vec![(1, 0), (1, 1)]);
    assert!(sim.world.checker.verdicts[&Property::ConsumerNoDuplicate].passed());
    assert!(sim.world.checker.verdicts[&Property::ConsumerNoLoss].passed());
}

#[test]
fn a_static_member_down_past_its_session_timeout_is_removed_and_the_group_rebalances() {
    // GroupMetadataManager.onExpireHeartbeat applies to static members too: no LeaveGroup on the
    // crash, so nothing happens until session.timeout.ms after its last heartbeat.
    let sim = run(scenario(
        2,
        json!([{"config": {}, "script": [{"at": 20000}, {"send": {"partition": 0}}, {"send": {"partition": 1}}]}]),
        json!([
            static_consumer("etl-a", json!({"session.timeout.ms": 6000})),
            static_consumer("etl-b", json!({"session.timeout.ms": 6000}))
        ]),
        json!([{"at": 1000, "crash": "consumer-1"}, {"at": 30000, "restart": "consumer-1"}]),
    ));
    let removed_at = sim.trace.events.iter().find_map(|e| match &e.what {
        TraceKind::Fact(Note::GroupMemberRemoved {
            member_id, reason, ..
        }) => Some((e.tick.0, member_id.clone(), *reason)),
        _ => None,
    });
    // Its last contact was its SyncGroup of generation 2, at 35 ms.
    assert_eq!(
        removed_at,
        Some((6035, "etl-b-2".to_string(), "session timeout expired"))
    );
    assert!(replaced(&sim).is_empty());
    assert_eq!(
        joins(&sim),
        vec![
            (0, 2, "etl-a-1".into(), vec![0]),
            (1, 2, "etl-b-2".into(), vec![1]),
            (0, 3, "etl-a-1".into(), vec![0, 1]),
            (0, 4, "etl-a-1".into(), vec![0]),
            (1, 4, "etl-b-3".into(), vec![1]),
        ]
    );
    assert!(sim.world.checker.verdicts[&Property::ConsumerNoLoss].passed());
}

#[test]
fn the_old_instance_of_a_replaced_static_member_is_fenced_and_its_offset_commit_refused() {
    // A second process starts with the same group.instance.id while the first is stuck between
    // poll() and processing (a GC pause). It replaces the member without a rebalance; the old
    // member id is fenced: its Heartbeat gets FENCED_INSTANCE_ID (ClassicGroup.validateMember),
    // and so does its commitSync() before processing (ClassicGroup.validateOffsetCommit), which
    // throws FencedInstanceIdException (ConsumerCoordinator), fatal: it processes nothing.
    let cfg = json!({"auto.offset.reset": "earliest", "session.timeout.ms": 10000, "max.poll.interval.ms": 60000});
    let mut old = static_consumer("etl-a", cfg.clone());
    old["commit"] = json!("before_processing");
    let mut new = static_consumer("etl-a", cfg);
    new["commit"] = json!("before_processing");
    new["start_at"] = json!(5000);
    let sim = run(scenario(
        1,
        json!([{"config": {}, "script": [{"send": {"records": 2}}]}]),
        json!([old, new]),
        json!([{"at": 0, "pause": {"node": "consumer-0", "ms": 20000}}]),
    ));
    assert_eq!(
        replaced(&sim),
        vec![("etl-a".into(), "etl-a-1".into(), "etl-a-2".into())]
    );
    assert_eq!(
        joins(&sim),
        vec![
            (0, 1, "etl-a-1".into(), vec![0]),
            (1, 1, "etl-a-2".into(), vec![0])
        ]
    );
    assert!(
        sent(&sim, MessageKind::HeartbeatResponse, NodeId::Consumer(0))
            .contains(&"FENCED_INSTANCE_ID".to_string())
    );
    assert_eq!(
        sent(&sim, MessageKind::OffsetCommitResponse, NodeId::Consumer(0)),
        vec!["FENCED_INSTANCE_ID".to_string()]
    );
    assert_eq!(
        client_errors(&sim, NodeId::Consumer(0)),
        vec![(
            Errors::FencedInstanceId,
            "FencedInstanceIdException; application stopped"
        )]
    );
    assert_eq!(
        sim.world.consumers[0].halted,
        Some(Errors::FencedInstanceId)
    );
    // The zombie processed nothing; the new instance everything, once.
    assert_eq!(processed(&sim, 0), vec![]);
    assert_eq!(processed(&sim, 1), vec![(0, 0), (0, 1)]);
    let gc = sim.world.brokers[0].group_coordinator.as_ref().unwrap();
    assert_eq!(gc.committed[&(0, tp(0))], Offset(2));
    assert_eq!(gc.groups.groups[&0].generation_id, 1);
    assert!(sim.world.checker.verdicts[&Property::ConsumerNoDuplicate].passed());
    assert!(sim.world.checker.verdicts[&Property::ConsumerNoLoss].passed());
}

#[test]
fn the_old_instance_of_a_replaced_static_member_has_its_txn_offset_commit_fenced_and_its_output_aborted(
) {
    // Consume–transform–produce: the stuck old instance's sendOffsetsToTransaction carries its old
    // member id and the instance id; TxnOffsetCommit gets FENCED_INSTANCE_ID
    // (OffsetMetadataManager.validateTransactionalOffsetCommit → ClassicGroup.validateOffsetCommit),
    // an abortable error for the producer (TransactionManager.TxnOffsetCommitHandler), so its
    // output is aborted and read_committed sees each record once.
    let member = |txn: &str, start_at: u64| {
        json!({"config": {"group.id": "etl", "group.instance.id": "etl-a", "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                          "enable.auto.commit": false, "session.timeout.ms": 10000, "max.poll.interval.ms": 60000},
               "commit": "transactional", "start_at": start_at, "output": {"transactional.id": txn}})
    };
    let sim = run(scenario(
        1,
        json!([{"config": {}, "script": [{"send": {"records": 2}}]}]),
        json!([member("etl-0", 0), member("etl-1", 5000)]),
        json!([{"at": 0, "pause": {"node": "consumer-0", "ms": 20000}}]),
    ));
    assert_eq!(
        replaced(&sim),
        vec![("etl-a".into(), "etl-a-1".into(), "etl-a-2".into())]
    );
    assert!(sent(
        &sim,
        MessageKind::TxnOffsetCommitResponse,
        NodeId::Consumer(0)
    )
    .contains(&"FENCED_INSTANCE_ID".to_string()));
    let errors = client_errors(&sim, NodeId::Consumer(0));
    assert_eq!(
        errors.first(),
        Some(&(
            Errors::FencedInstanceId,
            "FencedInstanceIdException, abortable"
        ))
    );
    assert_eq!(
        errors.last(),
        Some(&(
            Errors::FencedInstanceId,
            "FencedInstanceIdException; application stopped"
        ))
    );
    // Both instances processed v0 and v1; only the new one's transaction committed.
    assert_eq!(processed(&sim, 0), vec![(0, 0), (0, 1)]);
    assert_eq!(processed(&sim, 1), vec![(0, 0), (0, 1)]);
    let out = sim
        .world
        .log(TopicPartition {
            topic: TopicId::Output,
            partition: 0,
        })
        .unwrap();
    let committed_data: Vec<u32> = out
        .batches()
        .iter()
        .filter(|b| b.control.is_none() && !out.is_aborted(b.producer_id, b.base_offset))
        .flat_map(|b| b.first_record.0..b.first_record.0 + b.record_count)
        .collect();
    assert_eq!(committed_data, vec![0, 1]);
    assert!(out
        .batches()
        .iter()
        .any(|b| b.control.is_none() && out.is_aborted(b.producer_id, b.base_offset)));
    let gc = sim.world.brokers[0].group_coordinator.as_ref().unwrap();
    assert_eq!(gc.committed[&(0, tp(0))], Offset(2));
    assert!(sim.world.checker.verdicts[&Property::EndToEndExactlyOnce].passed());
    assert!(sim.world.checker.verdicts[&Property::TransactionAtomicity].passed());
}

fn static_member(generation_id: i32, member_id: &str, instance: &str) -> GroupMember {
    GroupMember {
        generation_id,
        member_id: member_id.into(),
        group_instance_id: InstanceId(Some(instance.into())),
    }
}

fn static_join(member_id: &str, instance: &str) -> Message {
    Message::JoinGroupRequest {
        corr: 0,
        group: 0,
        member_id: member_id.into(),
        group_instance_id: InstanceId(Some(instance.into())),
        session_timeout_ms: 45_000,
        rebalance_timeout_ms: 300_000,
    }
}

#[test]
fn a_join_with_a_known_instance_id_replaces_the_member_and_every_request_of_the_old_id_is_fenced_instance_id(
) {
    let (mut b, t) = coordinator();
    let (c0, c1) = (NodeId::Consumer(0), NodeId::Consumer(1));
    // A static member's first JoinGroup joins (no MEMBER_ID_REQUIRED) and leads generation 1.
    let first = call(&mut b, &t, c0, static_join("", "etl-a"));
    assert!(
        matches!(first, Message::JoinGroupResponse { error: None, generation_id: 1, ref member_id, ref leader, .. } if member_id == "etl-a-1" && leader == "etl-a-1"),
        "{:?}",
        first
    );
    let sync = Message::SyncGroupRequest {
        corr: 1,
        group: 0,
        member: static_member(1, "etl-a-1", "etl-a"),
        assignments: vec![("etl-a-1".into(), vec![tp(0)])],
    };
    assert_eq!(error_of(&call(&mut b, &t, c0, sync.clone())), None);
    // The same instance id again, no member id: replaced at generation 1, the group stays Stable.
    let second = call(&mut b, &t, c1, static_join("", "etl-a"));
    assert!(
        matches!(second, Message::JoinGroupResponse { error: None, generation_id: 1, ref member_id, ref leader, .. } if member_id == "etl-a-2" && leader == "etl-a-2"),
        "{:?}",
        second
    );
    let g = &b.group_coordinator.as_ref().unwrap().groups.groups[&0];
    assert_eq!((g.state, g.generation_id), (GroupState::Stable, 1));
    assert_eq!(g.members.keys().collect::<Vec<_>>(), vec!["etl-a-2"]);
    assert_eq!(g.members["etl-a-2"].assignment, vec![tp(0)]);
    // The new member's SyncGroup gets the stored assignment.
    let new_sync = Message::SyncGroupRequest {
        corr: 2,
        group: 0,
        member: static_member(1, "etl-a-2", "etl-a"),
        assignments: vec![],
    };
    assert!(matches!(
        call(&mut b, &t, c1, new_sync),
        Message::SyncGroupResponse { error: None, ref assignment, .. } if *assignment == vec![tp(0)]
    ));
    // The old member id, with its instance id: fenced everywhere.
    let old = static_member(1, "etl-a-1", "etl-a");
    let hb = Message::HeartbeatRequest {
        corr: 3,
        group: 0,
        member: old.clone(),
    };
    assert_eq!(
        error_of(&call(&mut b, &t, c0, hb)),
        Some(Errors::FencedInstanceId)
    );
    assert_eq!(
        error_of(&call(&mut b, &t, c0, sync)),
        Some(Errors::FencedInstanceId)
    );
    assert_eq!(
        error_of(&call(&mut b, &t, c0, offset_commit(old.clone()))),
        Some(Errors::FencedInstanceId)
    );
    assert_eq!(
        error_of(&call(
            &mut b,
            &t,
            NodeId::Producer(0),
            txn_offset_commit(old)
        )),
        Some(Errors::FencedInstanceId)
    );
    assert!(matches!(
        call(&mut b, &t, c0, static_join("etl-a-1", "etl-a")),
        Message::JoinGroupResponse {
            error: Some(Errors::FencedInstanceId),
            ..
        }
    ));
    // An instance id the group does not know is UNKNOWN_MEMBER_ID; the new member commits.
    assert_eq!(
        error_of(&call(
            &mut b,
            &t,
            c1,
            offset_commit(static_member(1, "etl-a-2", "etl-b"))
        )),
        Some(Errors::UnknownMemberId)
    );
    assert_eq!(
        error_of(&call(
            &mut b,
            &t,
            c1,
            offset_commit(static_member(1, "etl-a-2", "etl-a"))
        )),
        None
    );
    let gc = b.group_coordinator.as_ref().unwrap();
    assert_eq!(gc.committed[&(0, tp(0))], Offset(4));
    assert!(gc.pending_txn.is_empty());
}

fn kip848_static_hb(member_id: &str, member_epoch: i32, instance: &str) -> Message {
    Message::ConsumerGroupHeartbeatRequest {
        corr: 1,
        group: 0,
        member_id: member_id.into(),
        instance_id: InstanceId(Some(instance.into())),
        member_epoch,
        rebalance_timeout_ms: 300_000,
        owned: vec![],
    }
}

fn hb_answer(m: &Message) -> (Option<Errors>, String, i32, Vec<u8>) {
    match m {
        Message::ConsumerGroupHeartbeatResponse {
            error,
            member_id,
            member_epoch,
            assignment,
            ..
        } => (
            *error,
            member_id.clone(),
            *member_epoch,
            assignment.iter().map(|tp| tp.partition).collect(),
        ),
        other => panic!("not a heartbeat answer: {:?}", other),
    }
}

#[test]
fn kip_848_a_static_member_leaving_with_epoch_minus_2_keeps_its_assignment_for_the_next_instance() {
    // GroupMetadataManager.getOrMaybeSubscribeStaticConsumerGroupMember / consumerGroupLeave.
    let (mut b, t) = coordinator();
    let (c0, c1) = (NodeId::Consumer(0), NodeId::Consumer(1));
    assert_eq!(
        hb_answer(&call(&mut b, &t, c0, kip848_static_hb("", 0, "etl-a"))),
        (None, "consumer-0-1".into(), 1, vec![0])
    );
    // A second instance while the first has not left: UNRELEASED_INSTANCE_ID.
    assert_eq!(
        hb_answer(&call(&mut b, &t, c1, kip848_static_hb("", 0, "etl-a"))).0,
        Some(Errors::UnreleasedInstanceId)
    );
    // The first leaves with epoch -2 (consumerGroupStaticMemberGroupLeave): it stays, at -2.
    assert_eq!(
        hb_answer(&call(
            &mut b,
            &t,
            c0,
            kip848_static_hb("consumer-0-1", -2, "etl-a")
        )),
        (None, "consumer-0-1".into(), -2, vec![])
    );
    let g = &b.group_coordinator.as_ref().unwrap().groups.consumer_groups[&0];
    assert_eq!(g.members["consumer-0-1"].member_epoch, -2);
    assert_eq!(g.members["consumer-0-1"].assigned, vec![tp(0)]);
    // The next instance takes its place and its partitions, with no new group epoch.
    assert_eq!(
        hb_answer(&call(&mut b, &t, c1, kip848_static_hb("", 0, "etl-a"))),
        (None, "consumer-1-2".into(), 1, vec![0])
    );
    let g = &b.group_coordinator.as_ref().unwrap().groups.consumer_groups[&0];
    assert_eq!((g.group_epoch, g.assignment_epoch), (1, 1));
    assert_eq!(g.members.keys().collect::<Vec<_>>(), vec!["consumer-1-2"]);
    // The replaced member id is fenced by its instance id.
    assert_eq!(
        hb_answer(&call(
            &mut b,
            &t,
            c0,
            kip848_static_hb("consumer-0-1", 1, "etl-a")
        ))
        .0,
        Some(Errors::FencedInstanceId)
    );
}

#[test]
fn kip_848_a_static_member_paused_past_max_poll_interval_leaves_with_epoch_minus_2_and_gets_its_partitions_back(
) {
    // ConsumerMembershipManager.leaveGroupEpoch: a static member leaves at -2, so the group keeps
    // its assignment (no new group epoch, nobody else gets its partitions) and it rejoins with it.
    let c = |extra: Value| {
        let mut c = static_consumer("etl-a", extra);
        c["config"]["group.protocol"] = json!("consumer");
        c
    };
    let mut other = c(json!({"auto.offset.reset": "earliest"}));
    other["config"]["group.instance.id"] = json!("etl-b");
    let sim = run(scenario(
        2,
        json!([{"config": {}, "script": [{"send": {"partition": 0}}, {"send": {"partition": 1}}]}]),
        json!([
            c(json!({"auto.offset.reset": "earliest", "max.poll.interval.ms": 10000})),
            other
        ]),
        json!([{"at": 0, "pause": {"node": "consumer-0", "ms": 12000}}]),
    ));
    assert!(sent(
        &sim,
        MessageKind::ConsumerGroupHeartbeatRequest,
        NodeId::Consumer(0)
    )
    .iter()
    .any(|s| s.ends_with("(static member leaves)")));
    let g = &sim.world.brokers[0]
        .group_coordinator
        .as_ref()
        .unwrap()
        .groups
        .consumer_groups[&0];
    // The second member's join was the last change of the group epoch.
    assert_eq!(g.group_epoch, 2);
    let owners: Vec<(String, Vec<u8>)> = g
        .members
        .values()
        .map(|m| {
            (
                m.member_id.clone(),
                m.assigned.iter().map(|tp| tp.partition).collect(),
            )
        })
        .collect();
    assert_eq!(
        owners,
        vec![
            ("consumer-0-1".to_string(), vec![0]),
            ("consumer-1-2".to_string(), vec![1])
        ]
    );
    // consumer-1 never read consumer-0's partition.
    assert!(processed(&sim, 1).iter().all(|(p, _)| *p == 1));
    assert!(sim.world.checker.verdicts[&Property::ConsumerNoLoss].passed());
}

#[test]
fn kip_848_a_static_member_restarted_before_its_session_expires_gets_unreleased_instance_id() {
    // Unlike the classic protocol, the consumer protocol does not let a new instance replace a
    // static member that has not left (it crashed, so it sent no epoch -2): the newcomer gets
    // UNRELEASED_INSTANCE_ID, fatal (ConsumerHeartbeatRequestManager.handleSpecificError).
    let mut c = static_consumer("etl-a", json!({"auto.offset.reset": "earliest"}));
    c["config"]["group.protocol"] = json!("consumer");
    let sim = run(scenario(
        1,
        json!([{"config": {}, "script": [{"send": {}}]}]),
        json!([c]),
        json!([{"at": 1000, "crash": "consumer-0"}, {"at": 2000, "restart": "consumer-0"}]),
    ));
    assert!(sent(
        &sim,
        MessageKind::ConsumerGroupHeartbeatResponse,
        NodeId::Consumer(0)
    )
    .contains(&"UNRELEASED_INSTANCE_ID".to_string()));
    assert_eq!(
        sim.world.consumers[0].halted,
        Some(Errors::UnreleasedInstanceId)
    );
}

#[test]
fn kip_848_on_4_3_the_stale_member_epoch_fences_a_tv2_txn_offset_commit_with_no_add_offsets_to_txn()
{
    // KAFKA_EOS.md §D1.18 in a 4.x preset: groupMetadata().generationId() is the member epoch
    // (AsyncKafkaConsumer.updateGroupMetadata) and TxnOffsetCommit must match it exactly
    // (OffsetMetadataManager.validateTransactionalOffsetCommit: STALE_MEMBER_EPOCH, sent as
    // ILLEGAL_GENERATION on TxnOffsetCommit ≤ v5); under transactions v2 the producer sends
    // TxnOffsetCommit v5 directly, with no AddOffsetsToTxn (§D1.4, TransactionManager).
    let member = |i: u32, start_at: u64| {
        json!({"config": kip848(json!({"isolation.level": "read_committed"})), "commit": "transactional",
        "output": {"transactional.id": format!("t-{}", i)}, "start_at": start_at})
    };
    let mut s = scenario(
        2,
        json!([{"config": {}, "script": [{"at": 5010}, {"send": {"partition": 0}}]}]),
        json!([member(0, 0), member(1, 1000)]),
        json!([]),
    );
    s["version"] = json!("4.3");
    let sim = run(s);
    for c in [0, 1] {
        assert!(sent(
            &sim,
            MessageKind::AddOffsetsToTxnRequest,
            NodeId::Consumer(c)
        )
        .is_empty());
    }
    let answers = sent(
        &sim,
        MessageKind::TxnOffsetCommitResponse,
        NodeId::Consumer(0),
    );
    assert_eq!(
        answers.first().map(String::as_str),
        Some("ILLEGAL_GENERATION"),
        "{:?}",
        answers
    );
    assert!(facts(&sim).iter().any(|n| matches!(
        n,
        Note::ClientError {
            error: Errors::IllegalGeneration,
            what: "CommitFailedException, abortable",
            ..
        }
    )));
    assert!(sim.world.checker.verdicts[&Property::EndToEndExactlyOnce].passed());
}
