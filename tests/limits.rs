#![cfg(not(target_arch = "wasm32"))]
//! Caps that hold (`sim::limits`): counts a file can multiply are summed without overflow and
//! refused past their cap, `limits.max_ticks` is checked and stops a run, text a reader sees is
//! capped, actions name only nodes that exist, a byte order mark is read as the browser reads
//! it, and every refusal names its key and the range allowed.

mod common;

use eoscope::sim::config::RawConfig;
use eoscope::sim::scenario::{parse_file, FaultAction};
use eoscope::sim::timeline::{check_actions, UserAction};
use eoscope::sim::types::NodeId;
use eoscope::sim::{Scenario, Sim};
use serde_json::{json, Value};

fn base() -> Value {
    json!({"format": "eoscope/scenario@1", "title": {"en": "caps"}, "version": "3.9",
        "producers": [{"script": [{"send": {"records": 1}}]}],
        "consumers": [{"config": {"enable.auto.commit": false}, "commit": "after_processing"}]})
}

fn refusal(v: &Value) -> String {
    Scenario::from_json(&v.to_string()).unwrap_err()
}

#[test]
fn a_file_sending_2_8_billion_records_across_many_sends_is_refused_with_a_message() {
    // 4 producers × 10,000 sends × 7 batches × 10,000 records = 2,800,000,000 records.
    let sends: Vec<Value> = (0..10_000)
        .map(|_| json!({"send": {"records": 10_000, "batches": 7}}))
        .collect();
    let mut v = base();
    v["producers"] = json!((0..4).map(|_| json!({"script": sends})).collect::<Vec<_>>());
    let text = v.to_string();
    assert_eq!(
        Scenario::from_json(&text).unwrap_err(),
        format!(
            "scenario file: the file is {} bytes; at most 1048576",
            text.len()
        )
    );
    // Past the file's size (a file read another way, a trace's scenario), the sum refuses it.
    let file = serde_json::from_value(v).unwrap();
    assert_eq!(
        Scenario::from_file(&file).unwrap_err(),
        "`producers[0].script[5].send.batches`: the scripts send more than 400000 records in all (`records` × `batches`, summed over every send)"
    );
    // Nor can the largest counts a field holds wrap the sum around.
    let mut v = base();
    v["producers"][0]["script"] = json!([{"send": {"records": 10_000, "batches": u32::MAX}}]);
    assert_eq!(
        refusal(&v),
        "`producers[0].script[0].send.batches` must be 1 to 32000, not 4294967295"
    );
    let mut v = base();
    v["producers"][0]["script"] = json!([{"send": {"records": 1, "batches": 1u64 << 32}}]);
    assert_eq!(
        refusal(&v),
        "scenario file: `producers[0].script[0].send.batches` must be 1 to 32000, not 4294967296"
    );
}

#[test]
fn the_caps_on_records_and_batches_accept_the_largest_file_and_refuse_one_more() {
    let mut v = base();
    v["producers"][0]["script"] =
        json!([{"send": {"records": 12, "batches": 32_000}}, {"send": {"records": 16_000}}]);
    assert_eq!(
        refusal(&v),
        "`producers[0].script[1].send.records` must be 1 to 10000, not 16000"
    );
    v["producers"][0]["script"] = json!([{"send": {"records": 12, "batches": 32_000}}]);
    assert!(Scenario::from_json(&v.to_string()).is_ok());
    v["producers"][0]["script"] =
        json!([{"send": {"batches": 16_000}}, {"send": {"batches": 16_001}}]);
    assert_eq!(
        refusal(&v),
        "`producers[0].script[1].send.batches`: the scripts send more than 32000 batches in all (summed over every send)"
    );
    v["producers"][0]["script"] =
        json!([{"send": {"records": 10_000, "batches": 40}}, {"send": {"records": 1}}]);
    assert_eq!(
        refusal(&v),
        "`producers[0].script[1].send.batches`: the scripts send more than 400000 records in all (`records` × `batches`, summed over every send)"
    );
}

#[test]
fn max_ticks_is_checked_and_a_run_stops_at_it() {
    let mut v = base();
    v["limits"] = json!({"max_ticks": 0});
    assert_eq!(
        refusal(&v),
        "`limits.max_ticks` must be 1 to 86400000, not 0"
    );
    v["limits"] = json!({"max_ticks": u64::MAX});
    assert_eq!(
        refusal(&v),
        "`limits.max_ticks` must be 1 to 86400000, not 18446744073709551615"
    );
    v["limits"] = json!({"max_steps": 0});
    assert_eq!(
        refusal(&v),
        "`limits.max_steps` must be 1 to 100000000, not 0"
    );
    // The producer would send at tick 5000; the run stops at 1000, before it.
    v["limits"] = json!({"max_ticks": 1000});
    v["producers"][0]["script"] = json!([{"at": 5000}, {"send": {"records": 1}}]);
    let mut sim = Sim::new(Scenario::from_json(&v.to_string()).unwrap(), None);
    sim.run(u64::MAX);
    assert!(sim.is_done());
    assert!(sim.now().0 <= 1000, "the clock reads {}", sim.now().0);
    let batches: usize = sim
        .world
        .brokers
        .iter()
        .flat_map(|b| b.partitions.values())
        .map(|l| l.batches().len())
        .sum();
    assert_eq!(batches, 0);
    // With room, it does send.
    v["limits"] = json!({"max_ticks": 10_000});
    let mut sim = Sim::new(Scenario::from_json(&v.to_string()).unwrap(), None);
    sim.run(u64::MAX);
    let batches: usize = sim
        .world
        .brokers
        .iter()
        .flat_map(|b| b.partitions.values())
        .map(|l| l.batches().len())
        .sum();
    assert_eq!(batches, 1);
}

#[test]
fn every_refusal_names_its_key_and_the_range_allowed() {
    let cases: Vec<(Value, &str)> = vec![
        // Refused by serde (beyond a u8, or not a number) and by the validator: the same range.
        (json!({"cluster": {"brokers": 300}}), "scenario file: `cluster.brokers` must be 1 to 3, not 300"),
        (json!({"cluster": {"brokers": 4}}), "`cluster.brokers` must be 1 to 3, not 4"),
        (json!({"cluster": {"brokers": "two"}}), "scenario file: `cluster.brokers` must be 1 to 3, not \"two\""),
        (json!({"cluster": {"partitions": -1}}), "scenario file: `cluster.partitions` must be 1 to 8, not -1"),
        (json!({"cluster": {"partitions": 1.5}}), "scenario file: `cluster.partitions` must be 1 to 8, not 1.5"),
        (json!({"limits": {"max_steps": -5}}), "scenario file: `limits.max_steps` must be 1 to 100000000, not -5"),
        (json!({"schedule": [{"at": 1, "delay": {"kind": "ProduceResponse", "ms": -1}}]}), "scenario file: `schedule[0].delay.ms` must be 0 to 3600000, not -1"),
        (json!({"schedule": [{"at": 1, "drop_rate": {"per_mille": 2000}}]}), "schedule[0]: `drop_rate.per_mille` must be 0 to 1000, not 2000"),
        (json!({"schedule": [{"at": 1, "drop_rate": {"per_mille": -3}}]}), "scenario file: `schedule[0].drop_rate.per_mille` must be 0 to 1000, not -3"),
        (json!({"cluster": {"replica.lag.time.max.ms": 0}}), "`cluster.replica.lag.time.max.ms` must be 1 to 3600000, not 0"),
        (json!({"cluster": {"replica.fetch.wait.max.ms": 60_001}}), "`cluster.replica.fetch.wait.max.ms` must be 0 to 60000, not 60001"),
        (json!({"cluster": {"network.latency.ms": 70_000}}), "`cluster.network.latency.ms` must be 0 to 60000, not 70000"),
        (json!({"cluster": {"network.jitter.ms": 70_000}}), "`cluster.network.jitter.ms` must be 0 to 60000, not 70000"),
        (json!({"producers": [{}, {}, {}, {}, {}]}), "`producers` holds at most 4 entries, not 5"),
        (json!({"producers": [{"script": [{"send": {"partition": 3}}]}]}), "`producers[0].script[0].send.partition` must be 0 to 0 (the topic has 1 partitions), not 3"),
        (json!({"producers": [{"script": [{"send": {"records": 0}}]}]}), "`producers[0].script[0].send.records` must be 1 to 10000, not 0"),
        (json!({"producers": [{"script": [{"begin": {}}]}]}), "`producers[0].script[0]`: transactions need a `transactional.id` in `producers[0].config`"),
        (json!({"schedule": [{"crash": "producer-9", "at": 1}]}), "schedule[0]: `crash`: `producer-9` does not exist in this scenario (producer-0 to producer-0)"),
        (json!({"schedule": [{"restart": "broker-3", "at": 1}]}), "schedule[0]: `restart`: `broker-3` does not exist in this scenario (broker-0 to broker-0)"),
        (json!({"schedule": [{"drop": {"from": "consumer-2"}}]}), "schedule[0]: `drop.from`: `consumer-2` does not exist in this scenario (consumer-0 to consumer-0)"),
        (json!({"schedule": [{"drop": {"nth": 0}}]}), "schedule[0]: `drop`: `nth` must be 1 to 4294967295, not 0"),
        (json!({"schedule": [{"delay": {"ms": 3_600_001}}]}), "schedule[0]: `delay.ms` must be 0 to 3600000, not 3600001"),
        (json!({"schedule": [{"partition": ["broker-0", "broker-7"], "at": 1}]}), "schedule[0]: `partition`: `broker-7` does not exist in this scenario (broker-0 to broker-0)"),
        (json!({"schedule": [{"set": {"node": "broker-0", "config": {"acks": "1"}}, "at": 1}]}), "schedule[0]: `set.node` changes a client's settings; `broker-0` is a broker"),
        (json!({"schedule": [{"set": {"node": "producer-0", "config": {"isolation.level": "read_committed"}}, "at": 1}]}), "schedule[0]: `set.config`: unknown producer config `isolation.level`; allowed: enable.idempotence, acks, retries, max.in.flight.requests.per.connection, request.timeout.ms, retry.backoff.ms, delivery.timeout.ms, transactional.id, transaction.timeout.ms"),
        (json!({"schedule": [{"pause": {"node": "consumer-0", "ms": 0}, "at": 1}]}), "schedule[0]: `pause.ms` must be 1 to 3600000, not 0"),
        (json!({"knobs": ["acks", "enable.idempotence", "isolation.level", "min.insync.replicas", "enable.auto.commit"]}), "`knobs` holds at most 4 settings, not 5"),
    ];
    let n = cases.len();
    for (edit, want) in cases {
        let mut v = base();
        for (k, x) in edit.as_object().unwrap() {
            v[k] = x.clone();
        }
        assert_eq!(refusal(&v), want, "{}", edit);
    }
    assert_eq!(n, 27);
}

#[test]
fn titles_descriptions_and_narration_are_capped_in_characters() {
    let mut v = base();
    v["title"] = json!({"en": "t".repeat(200), "ko": "가".repeat(200)});
    assert!(
        Scenario::from_json(&v.to_string()).is_ok(),
        "200 characters, 600 bytes in Korean"
    );
    v["title"]["ko"] = json!("가".repeat(201));
    assert_eq!(refusal(&v), "`title.ko` is 201 characters; at most 200");
    let mut v = base();
    v["description"] = json!({"en": "d".repeat(2_001)});
    assert_eq!(
        refusal(&v),
        "`description.en` is 2001 characters; at most 2000"
    );
    let mut v = base();
    v["beats"] = json!([{"step": 1, "title": {"en": "b"}, "narration": {"en": "n".repeat(2_001)}}]);
    assert_eq!(
        refusal(&v),
        "`beats[0].narration.en` is 2001 characters; at most 2000"
    );
    v["beats"] = json!([{"step": 1, "title": {"en": "x".repeat(201)}}]);
    assert_eq!(
        refusal(&v),
        "`beats[0].title.en` is 201 characters; at most 200"
    );
    v["beats"] = json!((0..201).map(|i| json!({"step": i})).collect::<Vec<_>>());
    assert_eq!(refusal(&v), "`beats` holds at most 200 entries, not 201");
    let mut v = base();
    v["schedule"] = json!([{"crash": "broker-0", "at": 1, "note": "x".repeat(2_001)}]);
    assert_eq!(
        refusal(&v),
        "`schedule[0].note` is 2001 characters; at most 2000"
    );
    // And the file itself.
    let big = format!("{}{}", " ".repeat(1 << 20), base());
    assert_eq!(
        Scenario::from_json(&big).unwrap_err(),
        format!(
            "scenario file: the file is {} bytes; at most 1048576",
            big.len()
        )
    );
}

#[test]
fn a_byte_order_mark_is_read_the_same_by_the_runner_and_the_browser_path() {
    let text = common::shipped_text("lost-ack-no-idempotence");
    let with_bom = format!("\u{feff}{}", text);
    // One reader for both (`parse_file`, which the app's editor and picker call too).
    assert_eq!(
        format!("{:?}", parse_file(&with_bom).unwrap()),
        format!("{:?}", parse_file(&text).unwrap())
    );
    let dir = std::env::temp_dir().join(format!("eoscope-bom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bom.json");
    std::fs::write(&path, &with_bom).unwrap();
    let run = |p: &std::path::Path, extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_eoscope-run"))
            .arg(p)
            .args(extra)
            .output()
            .unwrap()
    };
    let plain = run(
        std::path::Path::new(&common::shipped_path("lost-ack-no-idempotence")),
        &[],
    );
    let bom = run(&path, &[]);
    assert_eq!(
        bom.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&bom.stderr)
    );
    assert_eq!(bom.stdout, plain.stdout);
    for extra in [
        &["--flip", "enable.idempotence"][..],
        &["--search", "no_duplicate_in_log", "--max-faults", "1"],
    ] {
        let out = run(&path, extra);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{:?}: {}",
            extra,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The app reads files through the same function: the editor's in the UI, the rest in the
    // session.
    let root = env!("CARGO_MANIFEST_DIR");
    let mut ui = std::fs::read_to_string(format!("{root}/src/session.rs")).unwrap();
    for e in std::fs::read_dir(format!("{root}/src/ui")).unwrap() {
        ui += &std::fs::read_to_string(e.unwrap().path()).unwrap();
    }
    assert!(!ui.contains("from_str::<ScenarioFile>"));
    assert_eq!(ui.matches("scenario::parse_file(").count(), 2);
}

#[test]
fn actions_naming_nodes_that_do_not_exist_are_refused_with_their_index_and_node() {
    let s = Scenario::from_json(&base().to_string()).unwrap();
    let ok = UserAction::CrashFor(NodeId::Broker(0), 1000);
    let cases: Vec<(UserAction, &str)> = vec![
        (UserAction::Fault(FaultAction::Crash(NodeId::Producer(9))), "actions[1]: `producer-9` does not exist in this scenario (producer-0 to producer-0)"),
        (UserAction::CrashFor(NodeId::Consumer(1), 500), "actions[1]: `consumer-1` does not exist in this scenario (consumer-0 to consumer-0)"),
        (UserAction::Fault(FaultAction::Partition(NodeId::Broker(0), NodeId::Broker(2))), "actions[1]: `broker-2` does not exist in this scenario (broker-0 to broker-0)"),
        (UserAction::Fault(FaultAction::SetConfig { node: NodeId::Broker(0), config: RawConfig::new() }), "actions[1]: `set_config` changes a client's settings; `broker-0` is a broker"),
        (UserAction::Fault(FaultAction::SetConfig { node: NodeId::Producer(0), config: [("group.id".to_string(), json!("g"))].into_iter().collect() }), "actions[1]: `set_config` on `producer-0`: unknown producer config `group.id`; allowed: enable.idempotence, acks, retries, max.in.flight.requests.per.connection, request.timeout.ms, retry.backoff.ms, delivery.timeout.ms, transactional.id, transaction.timeout.ms"),
        (UserAction::Fault(FaultAction::Pause(NodeId::Producer(0), 100)), "actions[1]: `pause` holds a consumer application; `producer-0` is not one"),
    ];
    for (a, want) in cases {
        assert_eq!(
            check_actions(&s, &[(0, ok.clone()), (3, a)]),
            Err(want.to_string())
        );
    }
    assert_eq!(check_actions(&s, &[(0, ok)]), Ok(()));
    // An imported trace is refused the same way.
    let trace = json!({"format": "eoscope/trace@1", "scenario": base(), "seed": 0,
        "actions": [{"at": 0, "crash": "producer-9"}], "step": 1, "digest": "0000000000000000"});
    assert_eq!(
        eoscope::trace_file::import(&trace.to_string()).err(),
        Some("the trace file's actions[0]: `producer-9` does not exist in this scenario (producer-0 to producer-0)".to_string())
    );
}
