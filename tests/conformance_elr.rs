#![cfg(not(target_arch = "wasm32"))]
//! Conformance: Eligible Leader Replicas (KIP-966 part 1; `../shared/KAFKA_EOS.md` §D1 rule 19),
//! the controller's `PartitionChangeBuilder` and `ReplicationControlManager` with
//! `eligible.leader.replicas.version=1`, asserting exact outcomes (leaders, ISR, ELR, logs).

use eoscope::sim::checker::{ExpectedBecause, Property, Verdict};
use eoscope::sim::effects::Note;
use eoscope::sim::elr::ElectedFrom;
use eoscope::sim::types::*;
use eoscope::sim::world::{Sim, TraceKind};
use eoscope::sim::Scenario;
use serde_json::{json, Value};

const ORDERS_0: TopicPartition = TopicPartition {
    topic: TopicId::Input,
    partition: 0,
};

/// Runs a scenario (given as JSON) to its end.
fn run(v: &Value) -> Sim {
    let scenario =
        Scenario::from_json(&v.to_string()).unwrap_or_else(|e| panic!("bad test scenario: {}", e));
    let mut sim = Sim::new(scenario, None);
    sim.run(1_000_000);
    sim.finish();
    sim
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

fn elections(sim: &Sim) -> Vec<(Option<u8>, bool, ElectedFrom)> {
    facts(sim)
        .into_iter()
        .filter_map(|n| match n {
            Note::LeaderElected {
                tp: ORDERS_0,
                leader,
                unclean,
                from,
                ..
            } => Some((leader, unclean, from)),
            _ => None,
        })
        .collect()
}

fn elr_changes(sim: &Sim) -> Vec<Vec<u8>> {
    facts(sim)
        .into_iter()
        .filter_map(|n| match n {
            Note::ElrChanged { tp: ORDERS_0, elr } => Some(elr),
            _ => None,
        })
        .collect()
}

/// The values in a broker's copy of orders-0, by offset.
fn copy(sim: &Sim, broker: u8) -> Vec<(u64, String)> {
    sim.world.brokers[broker as usize].partitions[&ORDERS_0]
        .batches()
        .iter()
        .map(|b| (b.base_offset.0, format!("v{}", b.first_record.0)))
        .collect()
}

fn lost_ack(sim: &Sim) -> Option<Option<ExpectedBecause>> {
    match &sim.world.checker.verdicts[&Property::NoLostAck] {
        Verdict::Fail { first, .. } => Some(first.expected),
        _ => None,
    }
}

/// RF=3, min.insync.replicas=2, broker-0 leads orders-0. v0 is written with the full ISR; broker-1
/// stops fetching (its link to the leader is held) and leaves the ISR, which is still at min ISR;
/// v1 is written and acknowledged with the ISR {0,2}, so broker-1 lacks it; then broker-2 stops
/// fetching and leaves the ISR too: ISR {0}, below min ISR. At 4500 ms the leader crashes.
/// `extra` adds cluster settings and schedule entries.
fn two_followers_drop_out(version: &str, cluster: Value, extra: Vec<Value>) -> Value {
    let mut c = json!({"brokers": 3, "partitions": 1, "replication.factor": 3, "min.insync.replicas": 2, "replica.lag.time.max.ms": 1000});
    if let (Some(c), Some(more)) = (c.as_object_mut(), cluster.as_object()) {
        for (k, v) in more {
            c.insert(k.clone(), v.clone());
        }
    }
    let mut schedule = vec![
        json!({"at": 100, "hold": ["broker-0", "broker-1"], "note": "broker-1 stops fetching"}),
        json!({"at": 2500, "hold": ["broker-0", "broker-2"], "note": "broker-2 stops fetching"}),
        json!({"at": 4500, "crash": "broker-0", "note": "the leader crashes"}),
        json!({"at": 4600, "release": ["broker-0", "broker-1"]}),
        json!({"at": 4600, "release": ["broker-0", "broker-2"]}),
    ];
    schedule.extend(extra);
    json!({
        "format": "eoscope/scenario@1", "title": {"en": "t"}, "version": version,
        "cluster": c,
        "producers": [{"config": {"acks": "all", "request.timeout.ms": 30000},
                       "script": [{"at": 10}, {"send": {"partition": 0, "records": 1}}, {"at": 2000}, {"send": {"partition": 0, "records": 1}}]}],
        "schedule": schedule,
        "limits": {"max_ticks": 8000},
    })
}

#[test]
fn the_isr_shrinking_below_min_isr_puts_the_replica_that_left_into_the_elr() {
    // PartitionChangeBuilder.maybePopulateTargetElr: at min ISR the ELR stays empty; below it,
    // the replicas that left the ISR enter it.
    let sim = run(&two_followers_drop_out("4.1", json!({}), vec![]));
    let f = facts(&sim);
    let isr_02 = f
        .iter()
        .position(|n| matches!(n, Note::IsrChanged { tp: ORDERS_0, isr } if isr == &vec![0, 2]))
        .expect("broker-1 leaves the ISR");
    let isr_0 = f
        .iter()
        .position(|n| matches!(n, Note::IsrChanged { tp: ORDERS_0, isr } if isr == &vec![0]))
        .expect("broker-2 leaves the ISR");
    let elr_2 = f
        .iter()
        .position(|n| matches!(n, Note::ElrChanged { elr, .. } if elr == &vec![2]))
        .expect("broker-2 enters the ELR");
    assert!(isr_02 < isr_0 && isr_0 < elr_2);
    // Nothing entered the ELR while the ISR was at min ISR: broker-1 never is in it.
    assert_eq!(elr_changes(&sim)[0], vec![2]);
    // v0 and v1 were acknowledged: v1 with ISR {0,2}, at min.insync.replicas.
    assert!(f.iter().any(|n| matches!(
        n,
        Note::Acked {
            offset: Some(Offset(1)),
            ..
        }
    )));
}

#[test]
fn with_elr_the_last_replica_to_leave_the_isr_leads_when_the_leader_crashes_and_nothing_is_lost() {
    // PartitionChangeBuilder.electAnyLeader/isValidNewLeader: ISR empty → an unfenced ELR member;
    // tryElection: it becomes the ISR alone and leaves the ELR; the fenced leader enters the ELR.
    let sim = run(&two_followers_drop_out("4.1", json!({}), vec![]));
    assert_eq!(elections(&sim), vec![(Some(2), false, ElectedFrom::Elr)]);
    assert_eq!(sim.world.topology.leader_of(ORDERS_0), Some(2));
    // broker-2 has v0 and v1: the HW did not pass what it lacked (KAFKA-15583).
    assert_eq!(copy(&sim, 2), vec![(0, "v0".into()), (1, "v1".into())]);
    assert_eq!(lost_ack(&sim), None);
    assert_eq!(
        sim.world.checker.verdicts[&Property::NoDuplicateInLog],
        Verdict::Pass
    );
    // The ELR's history: {2}, then {0} (the crashed leader; broker-2 left it to lead), then empty.
    assert_eq!(elr_changes(&sim), vec![vec![2], vec![0], vec![]]);
}

#[test]
fn the_elr_is_cleared_when_the_isr_is_back_at_min_isr() {
    // maybePopulateTargetElr: "If the ISR is larger or equal to the min ISR, clear the ELR".
    let sim = run(&two_followers_drop_out("4.1", json!({}), vec![]));
    let f = facts(&sim);
    let elected = f
        .iter()
        .position(|n| {
            matches!(
                n,
                Note::LeaderElected {
                    leader: Some(2),
                    ..
                }
            )
        })
        .unwrap();
    let back = f
        .iter()
        .position(|n| matches!(n, Note::IsrChanged { tp: ORDERS_0, isr } if isr == &vec![1, 2]))
        .expect("broker-1 catches up with broker-2 and rejoins the ISR");
    let cleared = f
        .iter()
        .position(|n| matches!(n, Note::ElrChanged { elr, .. } if elr.is_empty()))
        .expect("the ELR is cleared");
    assert!(elected < back && back < cleared);
    assert!(sim.world.topology.elr_of(ORDERS_0).is_empty());
    // broker-1 fetched v1 from its new leader.
    assert_eq!(copy(&sim, 1), vec![(0, "v0".into()), (1, "v1".into())]);
}

#[test]
fn without_elr_the_same_crash_leaves_the_partition_offline() {
    // 4.0's default (eligible.leader.replicas.version=0): the ISR keeps its last member, broker-0,
    // and only an ISR member may lead (`PartitionChangeBuilder.isValidNewLeader`).
    let sim = run(&two_followers_drop_out("4.0", json!({}), vec![]));
    assert_eq!(elections(&sim), vec![(None, false, ElectedFrom::NoLeader)]);
    assert_eq!(sim.world.topology.leader_of(ORDERS_0), None);
    assert_eq!(sim.world.topology.isr[&ORDERS_0], vec![0]);
    assert!(elr_changes(&sim).is_empty());
    // broker-2 has everything, but without ELR it is not eligible.
    assert_eq!(copy(&sim, 2), vec![(0, "v0".into()), (1, "v1".into())]);
}

#[test]
fn without_elr_an_unclean_election_picks_the_first_live_replica_and_loses_an_acknowledged_record() {
    // Election.UNCLEAN: any acceptable replica (broker-1 before broker-2); the ISR is forced to it.
    let sim = run(&two_followers_drop_out(
        "4.0",
        json!({"unclean.leader.election.enable": true}),
        vec![],
    ));
    assert_eq!(
        elections(&sim),
        vec![(Some(1), true, ElectedFrom::AnyReplica)]
    );
    assert_eq!(copy(&sim, 1), vec![(0, "v0".into())]);
    assert_eq!(lost_ack(&sim), Some(Some(ExpectedBecause::UncleanElection)));
}

#[test]
fn with_elr_an_eligible_replica_is_preferred_to_an_unclean_election() {
    // electAnyLeader tries the ELR before `Election.UNCLEAN`.
    let sim = run(&two_followers_drop_out(
        "4.3",
        json!({"unclean.leader.election.enable": true}),
        vec![],
    ));
    assert_eq!(elections(&sim), vec![(Some(2), false, ElectedFrom::Elr)]);
    assert_eq!(lost_ack(&sim), None);
}

#[test]
fn an_elr_member_back_from_an_unclean_shutdown_leaves_the_elr_and_is_not_elected() {
    // ReplicationControlManager.handleBrokerUncleanShutdown (KAFKA-15586): a broker that registers
    // after a crash leaves every ELR. broker-2 crashes and restarts before the leader crashes.
    let sim = run(&two_followers_drop_out(
        "4.1",
        json!({}),
        vec![
            json!({"at": 4000, "crash": "broker-2"}),
            json!({"at": 4100, "restart": "broker-2"}),
        ],
    ));
    // ELR {2}, then empty at broker-2's restart, then {0} when the leader is fenced.
    assert_eq!(elr_changes(&sim), vec![vec![2], vec![], vec![0]]);
    // broker-2 is alive and holds v0 and v1, but is no longer eligible: the partition is offline.
    assert_eq!(elections(&sim), vec![(None, false, ElectedFrom::NoLeader)]);
    assert_eq!(sim.world.topology.leader_of(ORDERS_0), None);
    assert!(sim.world.topology.isr[&ORDERS_0].is_empty());
    assert_eq!(copy(&sim, 2), vec![(0, "v0".into()), (1, "v1".into())]);
}

#[test]
fn with_isr_and_elr_empty_the_last_known_leader_leads_again_when_it_comes_back() {
    // PartitionChangeBuilder.canElectLastKnownLeader (eligible-leader-replicas.md: "Select the last
    // known leader if it is unfenced"): broker-0 restarts (unclean, so it leaves the ELR, which is
    // then empty) and leads; Kafka's ElectionResult marks that election unclean.
    let sim = run(&two_followers_drop_out(
        "4.1",
        json!({}),
        vec![
            json!({"at": 4000, "crash": "broker-2"}),
            json!({"at": 4100, "restart": "broker-2"}),
            json!({"at": 5000, "restart": "broker-0"}),
        ],
    ));
    assert_eq!(
        elections(&sim),
        vec![
            (None, false, ElectedFrom::NoLeader),
            (Some(0), true, ElectedFrom::LastKnownLeader)
        ]
    );
    assert_eq!(elr_changes(&sim), vec![vec![2], vec![], vec![0], vec![]]);
    assert_eq!(copy(&sim, 0), vec![(0, "v0".into()), (1, "v1".into())]);
    assert_eq!(lost_ack(&sim), None);
    assert!(sim.world.topology.last_known_leader.is_empty());
}

fn cluster_file(version: &str, elr: Option<u8>) -> Value {
    let mut cluster = json!({"brokers": 3, "replication.factor": 3, "min.insync.replicas": 2});
    if let Some(n) = elr {
        cluster["eligible.leader.replicas.version"] = json!(n);
    }
    json!({"format": "eoscope/scenario@1", "title": {"en": "t"}, "version": version, "cluster": cluster, "producers": []})
}

fn parsed(version: &str, elr: Option<u8>) -> Result<bool, String> {
    Scenario::from_json(&cluster_file(version, elr).to_string()).map(|s| s.eligible_leader_replicas)
}

#[test]
fn eligible_leader_replicas_version_is_refused_before_4_0_off_by_default_on_4_0_and_on_from_4_1() {
    // EligibleLeaderReplicasVersion: ELRV_1 bootstraps with 4.1 (IBP_4_1_IV0); 4.0 has the
    // feature at 0 ("The ELR is not enabled by default for 4.0"); 3.9 has no such feature.
    let refused = parsed("3.9", Some(1)).unwrap_err();
    assert!(
        refused.contains("eligible.leader.replicas.version")
            && refused.contains("does not exist before Kafka 4.0"),
        "{}",
        refused
    );
    assert_eq!(parsed("3.9", None), Ok(false));
    assert_eq!(parsed("3.9", Some(0)), Ok(false));
    assert_eq!(parsed("4.0", None), Ok(false));
    assert_eq!(parsed("4.0", Some(1)), Ok(true));
    for v in ["4.1", "4.2", "4.3"] {
        assert_eq!(parsed(v, None), Ok(true), "{}", v);
        assert_eq!(parsed(v, Some(0)), Ok(false), "{}", v);
    }
    let level = parsed("4.3", Some(2)).unwrap_err();
    assert!(level.contains("must be 0 or 1"), "{}", level);
}

#[test]
fn eligible_leader_replicas_version_0_on_4_1_behaves_as_without_elr() {
    let sim = run(&two_followers_drop_out(
        "4.1",
        json!({"eligible.leader.replicas.version": 0}),
        vec![],
    ));
    assert_eq!(elections(&sim), vec![(None, false, ElectedFrom::NoLeader)]);
    assert!(elr_changes(&sim).is_empty());
}
