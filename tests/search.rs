#![cfg(not(target_arch = "wasm32"))]
//! "Find a failure": the expected results of the issue, natively.

mod common;

use eoscope::sim::checker::Property;
use eoscope::sim::search::{find, Bounds, Goal, Outcome};
use eoscope::sim::timeline::Timeline;
use eoscope::sim::Scenario;
use serde_json::json;

const BOUNDS: Bounds = Bounds {
    max_faults: 2,
    max_states: 3_000_000,
    max_depth: 400,
    client_crashes: true,
    max_bytes: eoscope::sim::limits::SEARCH_BUDGET_BYTES,
};

fn scenario(producer: serde_json::Value, consumers: serde_json::Value) -> Scenario {
    let v = json!({"format": "eoscope/scenario@1", "title": {"en": "search"}, "version": "3.9",
        "producers": [producer], "consumers": consumers});
    Scenario::from_json(&v.to_string()).expect("valid")
}

fn shipped(name: &str) -> Scenario {
    let text = common::shipped_text(name);
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["schedule"] = json!([]); // the search chooses the faults
    Scenario::from_json(&v.to_string()).unwrap()
}

#[test]
fn without_idempotence_one_lost_ack_is_enough_for_a_duplicate() {
    let s = scenario(
        json!({"config": {"enable.idempotence": false, "request.timeout.ms": 1000}, "script": [{"send": {"records": 1}}]}),
        json!([]),
    );
    let (outcome, states) = find(
        s.clone(),
        None,
        Goal::Violation(Some(Property::NoDuplicateInLog)),
        BOUNDS,
    );
    let Outcome::Found(c) = outcome else {
        panic!("no duplicate found ({} states)", states)
    };
    assert_eq!(c.actions.len(), 1, "{:?}", c.actions);
    // Replayed in a timeline, the schedule gives the same duplicate.
    let mut tl = Timeline::new(s, None);
    for (step, action) in &c.actions {
        tl.seek(*step);
        assert!(tl.act(action.clone()));
    }
    while tl.step() {}
    tl.sim.finish();
    assert!(!tl.sim.world.checker.verdicts[&Property::NoDuplicateInLog].passed());
}

#[test]
fn with_idempotence_and_acks_all_no_duplicate_is_found_up_to_two_faults() {
    let s = scenario(
        json!({"config": {"request.timeout.ms": 1000}, "script": [{"send": {"records": 1}}, {"send": {"records": 1}}]}),
        json!([]),
    );
    // Message faults and broker crashes; a crashed producer would be a new session, which idempotence does not cover.
    let bounds = Bounds {
        client_crashes: false,
        ..BOUNDS
    };
    let (outcome, states) = find(
        s,
        None,
        Goal::Violation(Some(Property::NoDuplicateInLog)),
        bounds,
    );
    assert!(
        matches!(
            outcome,
            Outcome::NotFound {
                exhausted: true,
                ..
            }
        ),
        "{:?} after {} states",
        outcome,
        states
    );
    assert!(states > 1_000);
}

#[test]
fn read_uncommitted_is_found_reading_an_aborted_record() {
    // A transaction that commits in the script; the search has to make it abort.
    let text = common::shipped_text("txn-commit");
    let mut file: serde_json::Value = serde_json::from_str(&text).unwrap();
    file["consumers"][0]["config"]["isolation.level"] = json!("read_uncommitted");
    file["producers"][0]["config"]["transaction.timeout.ms"] = json!(2000);
    file["schedule"] = json!([]);
    let s = Scenario::from_json(&file.to_string()).unwrap();
    let (outcome, states) = find(
        s,
        None,
        Goal::Violation(Some(Property::NoAbortedRead)),
        BOUNDS,
    );
    let Outcome::Found(c) = outcome else {
        panic!("no aborted read found ({} states)", states)
    };
    assert!(c.actions.len() <= 2, "{:?}", c.actions);
}

#[test]
fn consume_transform_produce_with_transactions_has_no_end_to_end_violation_up_to_the_bound() {
    let s = shipped("consume-transform-produce");
    let bounds = Bounds {
        max_faults: 1,
        max_states: 3_000_000,
        max_depth: 400,
        client_crashes: true,
        max_bytes: eoscope::sim::limits::SEARCH_BUDGET_BYTES,
    };
    for p in [
        Property::EndToEndExactlyOnce,
        Property::NoAbortedRead,
        Property::TransactionAtomicity,
    ] {
        let (outcome, states) = find(s.clone(), None, Goal::Violation(Some(p)), bounds);
        assert!(
            matches!(outcome, Outcome::NotFound { .. }),
            "{}: {:?} after {} states",
            p.name(),
            outcome,
            states
        );
    }
}

#[test]
fn a_situation_can_be_searched_for_a_blocked_read_committed_consumer() {
    let s = shipped("txn-commit");
    let (outcome, _) = find(s, None, Goal::ReadCommittedBlocked, BOUNDS);
    assert!(matches!(outcome, Outcome::Found(_)), "{:?}", outcome);
}

#[test]
fn the_runner_searches_headlessly_and_prints_the_schedule_and_the_run() {
    let path = common::shipped_path("lost-ack-no-idempotence");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_eoscope-run"))
        .args([
            path.as_str(),
            "--search",
            "no_duplicate_in_log",
            "--max-faults",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["found"], json!(true));
    assert_eq!(v["faults"].as_array().map(|a| a.len()), Some(1));
    assert_eq!(
        v["run"]["verdicts"]["no_duplicate_in_log"]["verdict"],
        json!("fail")
    );
}
