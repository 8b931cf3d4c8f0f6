//! Same seed + same scenario → the same trace, byte for byte, natively and in wasm: every shipped
//! scenario's trace digest (FNV-1a over the structured fields of every trace entry) must equal the one in its
//! golden output, which the native runner wrote. This file runs in both test layers.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use eoscope::sim::{Scenario, Sim};

macro_rules! shipped {
    ($($name:literal),* $(,)?) => {
        &[$((
            $name,
            include_str!(concat!("../static/scenarios/", $name, ".json")),
            include_str!(concat!("golden/", $name, ".json")),
        )),*]
    };
}

const SHIPPED: &[(&str, &str, &str)] = shipped!(
    "consume-transform-produce",
    "consumer-commit-before-processing",
    "consumer-crash-before-commit",
    "idempotent-sink",
    "lost-ack-idempotence",
    "lost-ack-no-idempotence",
    "max-in-flight-reordering",
    "producer-restart-duplicate",
    "txn-abort-two-readers",
    "txn-commit",
    "txn-coordinator-failover",
    "txn-open-stalls-lso",
    "txn-timeout",
    "txn-zombie-fencing",
    "acks1-leader-failover",
    "acksall-leader-failover",
    "min-isr-refuses-writes",
    "failover-idempotent-retry",
    "unclean-election-loses-data",
    "txn-coordinator-moves",
    "txn-hanging",
    "txn-v2-epochs",
    "group-zombie-fenced",
    "group-rebalance-duplicates",
    "group-stuck-unstable-offsets",
);

fn golden_digest(golden: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(golden).expect("golden output is JSON");
    v["trace_digest"]
        .as_str()
        .expect("golden output has a trace digest")
        .to_string()
}

#[test]
fn every_shipped_scenario_replays_to_the_same_trace_digest_as_the_native_runner() {
    for (name, scenario, golden) in SHIPPED {
        let s = Scenario::from_json(scenario).unwrap_or_else(|e| panic!("{}: {}", name, e));
        let mut sim = Sim::new(s, None);
        sim.run(u64::MAX);
        sim.finish();
        assert_eq!(
            format!("{:016x}", sim.trace.digest),
            golden_digest(golden),
            "{} diverged",
            name
        );
    }
}

#[test]
fn two_runs_with_the_same_seed_are_identical_and_another_seed_differs_under_jitter() {
    let text = SHIPPED[0]
        .1
        .replace(r#""cluster": {"#, r#""cluster": { "network.jitter.ms": 7,"#);
    let run = |seed| {
        let mut sim = Sim::new(Scenario::from_json(&text).expect("valid"), Some(seed));
        sim.run(u64::MAX);
        sim.trace.digest
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}
