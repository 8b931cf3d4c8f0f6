#![cfg(not(target_arch = "wasm32"))]
//! The exported run (`eoscope/trace@1`): export, import, and import of anything at all.

mod common;

use eoscope::sim::scenario::{FaultAction, ScenarioFile};
use eoscope::sim::timeline::{Timeline, UserAction};
use eoscope::sim::types::NodeId;
use eoscope::sim::Scenario;
use eoscope::trace_file::{export, import, parse};
use proptest::prelude::*;
use serde_json::{json, Value};

/// A run with a clicked drop, a crash, a hold and a setting applied to a running producer.
fn a_run() -> (ScenarioFile, Timeline) {
    let file = common::shipped_file("lost-ack-idempotence");
    let mut tl = Timeline::new(Scenario::from_file(&file).unwrap(), Some(99));
    tl.seek(3);
    let id = *tl
        .sim
        .world
        .net
        .in_flight
        .keys()
        .next()
        .expect("a message in flight");
    assert!(tl.act(UserAction::DropMessage(id)));
    tl.seek(6);
    assert!(tl.act(UserAction::CrashFor(NodeId::Broker(0), 200)));
    tl.seek(9);
    tl.act(UserAction::Fault(FaultAction::Hold(
        NodeId::Producer(0),
        NodeId::Broker(0),
    )));
    tl.seek(12);
    tl.act(UserAction::Fault(FaultAction::Release(
        NodeId::Producer(0),
        NodeId::Broker(0),
    )));
    let mut config = std::collections::BTreeMap::new();
    config.insert("acks".to_string(), json!("1"));
    config.insert("enable.idempotence".to_string(), json!(false));
    tl.act(UserAction::Fault(FaultAction::SetConfig {
        node: NodeId::Producer(0),
        config,
    }));
    tl.seek(20);
    (file, tl)
}

#[test]
fn an_exported_run_imports_to_the_same_step_actions_and_trace() {
    let (file, tl) = a_run();
    let text = export(&file, &tl);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["format"], "eoscope/trace@1");
    assert_eq!(v["step"], 20);
    assert_eq!(v["seed"], 99);
    assert_eq!(v["actions"].as_array().unwrap().len(), 5);
    assert_eq!(v["actions"][4]["set_config"], "producer-0");
    assert_eq!(
        v["events_total"].as_u64().unwrap() as usize,
        v["events"].as_array().unwrap().len()
    );
    let back = import(&text).unwrap();
    assert!(back.digest_matches);
    assert_eq!(back.trace.actions, tl.actions);
    assert_eq!(back.timeline.step_index(), 20);
    assert_eq!(back.timeline.sim.trace.digest, tl.sim.trace.digest);
    assert_eq!(back.timeline.sim.world, tl.sim.world);
}

/// Found by the session monkey: after stepping back, the actions of the future stepped back
/// from were written too, and the file was refused on import ("after its step").
#[test]
fn a_run_stepped_back_before_its_actions_exports_a_file_that_imports() {
    let (file, mut tl) = a_run();
    tl.seek(7);
    let text = export(&file, &tl);
    let back = import(&text).unwrap();
    assert!(back.digest_matches);
    assert_eq!(
        back.trace.actions.len(),
        2,
        "the drop at 3 and the crash at 6"
    );
    assert_eq!(back.timeline.step_index(), 7);
    assert_eq!(back.timeline.sim.world, tl.sim.world);
}

#[test]
fn an_edited_trace_file_is_noticed_by_its_digest() {
    let (file, tl) = a_run();
    let mut v: Value = serde_json::from_str(&export(&file, &tl)).unwrap();
    v["actions"].as_array_mut().unwrap().truncate(2);
    let back = import(&v.to_string()).unwrap();
    assert!(!back.digest_matches, "other actions, another trace");
    let mut v: Value = serde_json::from_str(&export(&file, &tl)).unwrap();
    v["events"] = json!([]);
    assert!(
        import(&v.to_string()).unwrap().digest_matches,
        "events are informative only"
    );
}

#[test]
fn bad_trace_files_get_clear_messages() {
    let (file, tl) = a_run();
    let good: Value = serde_json::from_str(&export(&file, &tl)).unwrap();
    let with = |k: &str, x: Value| {
        let mut v = good.clone();
        v[k] = x;
        v.to_string()
    };
    let cases: Vec<(String, &str)> = vec![
        (
            "{".into(),
            "the trace file is not valid JSON (line 1, column 1)",
        ),
        ("[1]".into(), "the trace file is not a JSON object"),
        (
            with("format", json!("eoscope/trace@9")),
            "the trace file has format eoscope/trace@9; this eoscope reads eoscope/trace@1",
        ),
        (
            with("format", json!("eoscope/scenario@1")),
            "this is a scenario file, not a trace: open it in the JSON editor",
        ),
        (
            with("format", json!("<b>x</b>")),
            "the trace file needs \"format\": \"eoscope/trace@1\"",
        ),
        (with("scenario", json!(3)), "the trace file has no scenario"),
        (
            with("seed", json!(-1)),
            "the trace file's seed must be a whole number from 0 to 18446744073709551615",
        ),
        (
            with("step", json!(1e12)),
            "the trace file's step must be a whole number up to 100000000",
        ),
        (
            with("digest", json!("xyz")),
            "the trace file's digest must be 16 hexadecimal digits",
        ),
        (
            with("actions", json!([{"at": 21, "drop": 1}])),
            "the trace file's actions are out of order or after its step",
        ),
        (
            with("actions", json!([{"at": 1, "explode": 1}])),
            "the trace file has an action this eoscope does not know",
        ),
        (
            with(
                "actions",
                json!([{"at": 1, "set_config": "broker-9<", "config": {}}]),
            ),
            "the trace file has a set_config action it cannot read",
        ),
    ];
    for (text, want) in cases {
        match parse(&text) {
            Err(e) => assert_eq!(e, want),
            Ok(_) => panic!("accepted: {}", want),
        }
    }
    let mut v = good.clone();
    v["scenario"]["cluster"]["brokers"] = json!(99);
    let e = import(&v.to_string()).err().expect("refused");
    assert!(e.starts_with("the trace file's scenario: "), "{}", e);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, rng_seed: common::proptest_seed(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_text_imports_or_gets_a_message(text in ".{0,400}") {
        if let Err(e) = import(&text) {
            prop_assert!(!e.is_empty() && !e.contains('<'));
        }
    }

    #[test]
    fn any_mutation_of_a_good_file_imports_or_gets_a_message(
        key in prop::sample::select(vec!["format", "scenario", "seed", "actions", "step", "digest", "events"]),
        value in prop_oneof![
            Just(json!(null)), any::<i64>().prop_map(|n| json!(n)), any::<u64>().prop_map(|n| json!(n)),
            ".{0,30}".prop_map(|s| json!(s)), Just(json!([{"at": 0, "crash": "broker-0"}])),
            Just(json!({"brokers": 3})), Just(json!([[1]])),
        ],
    ) {
        let file = common::shipped_file("lost-ack-idempotence");
        let tl = Timeline::new(Scenario::from_file(&file).unwrap(), None);
        let mut v: Value = serde_json::from_str(&export(&file, &tl)).unwrap();
        v[key] = value;
        if let Err(e) = import(&v.to_string()) {
            prop_assert!(!e.is_empty() && !e.contains('<'));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, rng_seed: common::proptest_seed(), failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever a person does — step forward and back, click messages, crash nodes, hold links —
    /// the exported run imports to the same world and the same trace digest.
    #[test]
    fn any_run_a_person_makes_exports_and_imports_exactly(
        story in prop::sample::select(vec!["lost-ack-idempotence", "txn-abort-two-readers", "acks1-leader-failover", "consumer-crash-before-commit"]),
        moves in prop::collection::vec((0u64..60, 0u8..6, any::<prop::sample::Index>()), 1..8),
    ) {
        let file = common::shipped_file(story);
        let mut tl = Timeline::new(Scenario::from_file(&file).unwrap(), None);
        for (to, what, pick) in moves {
            tl.seek(to);
            let in_flight: Vec<u64> = tl.sim.world.net.in_flight.keys().copied().collect();
            let node = [NodeId::Producer(0), NodeId::Broker(0), NodeId::Consumer(0)][pick.index(3)];
            let action = match what {
                0..=2 if !in_flight.is_empty() => {
                    let id = in_flight[pick.index(in_flight.len())];
                    match what {
                        0 => UserAction::DropMessage(id),
                        1 => UserAction::DuplicateMessage(id),
                        _ => UserAction::DelayMessage(id, 700),
                    }
                }
                3 => UserAction::CrashFor(node, 300),
                4 => UserAction::Fault(FaultAction::Hold(node, NodeId::Broker(0))),
                _ => UserAction::Fault(FaultAction::Release(node, NodeId::Broker(0))),
            };
            tl.act(action);
        }
        tl.seek(80);
        let back = import(&export(&file, &tl)).unwrap();
        prop_assert!(back.digest_matches);
        prop_assert_eq!(&back.timeline.sim.world, &tl.sim.world);
    }
}

/// Found by the session monkey: a trace file silently left out the actions it could not write
/// (a consumer's pause, a drop rate on one link), so its run did not replay to its digest. Every
/// action a run records is written and read back.
#[test]
fn every_kind_of_recorded_action_survives_export_and_import() {
    let file = common::shipped_file("consumer-crash-before-commit");
    let mut tl = Timeline::new(Scenario::from_file(&file).unwrap(), Some(5));
    let (p, b, c) = (NodeId::Producer(0), NodeId::Broker(0), NodeId::Consumer(0));
    let actions = [
        UserAction::Fault(FaultAction::DropRate {
            from: Some(p),
            to: Some(b),
            per_mille: 250,
        }),
        UserAction::Fault(FaultAction::DropRate {
            from: None,
            to: Some(c),
            per_mille: 10,
        }),
        UserAction::Fault(FaultAction::Pause(c, 700)),
        UserAction::Fault(FaultAction::Hold(p, b)),
        UserAction::Fault(FaultAction::Release(p, b)),
        UserAction::Fault(FaultAction::Partition(b, c)),
        UserAction::Fault(FaultAction::Heal(b, c)),
        UserAction::CrashFor(p, 300),
        UserAction::Fault(FaultAction::Crash(c)),
        UserAction::Fault(FaultAction::Restart(c)),
    ];
    for a in actions {
        tl.seek(tl.step_index() + 2);
        assert!(tl.act(a.clone()), "{:?} applies", a);
    }
    tl.seek(tl.step_index() + 5);
    let text = export(&file, &tl);
    let back = import(&text).unwrap();
    assert_eq!(back.trace.actions, tl.actions);
    assert!(back.digest_matches);
}
