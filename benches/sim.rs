//! Simulation speed: records per second through produce → log → consume → sink with the checker
//! on, natively. Not a test: run it with `bash scripts/bench.sh` (or `cargo bench --bench sim`).
//! `cargo bench --bench sim -- memory` runs one 1,000,000-record run for `/usr/bin/time -v`.

use eoscope::sim::world::Trace;
use eoscope::sim::{Scenario, Sim};
use serde_json::{json, Value};
use std::time::Instant;

/// One producer writing `total` records in batches of `per_batch` across `partitions`, one
/// consumer committing after processing into a sink; `faults` adds a 1% random drop rate.
fn idempotent(partitions: u8, per_batch: u32, total: u32, faults: bool) -> Value {
    replicated(partitions, per_batch, total, faults, 1)
}

/// The same with `replication.factor` = `rf` (and `min.insync.replicas` 2 when rf > 1), acks=all.
fn replicated(partitions: u8, per_batch: u32, total: u32, faults: bool, rf: u8) -> Value {
    let batches = total / per_batch / partitions as u32;
    let script: Vec<Value> = (0..partitions)
        .map(|p| json!({"send": {"partition": p, "records": per_batch, "batches": batches}}))
        .collect();
    let schedule = if faults {
        json!([{"at": 0, "drop_rate": {"per_mille": 10}}])
    } else {
        json!([])
    };
    json!({
        "format": "eoscope/scenario@1", "title": {"en": "bench"}, "version": "3.9", "seed": 7,
        "cluster": {"brokers": 3, "partitions": partitions, "replication.factor": rf, "min.insync.replicas": rf.min(2)},
        "producers": [{"config": {"request.timeout.ms": 200, "delivery.timeout.ms": 86400000}, "script": script}],
        "consumers": [{"config": {"auto.offset.reset": "earliest", "enable.auto.commit": false, "max.poll.records": 5000, "request.timeout.ms": 200}, "commit": "after_processing", "sink": {"idempotent": false}}],
        "schedule": schedule,
        "limits": {"max_steps": 100000000, "max_ticks": 100000000000u64},
    })
}

/// Transactions of `per_txn` records (one batch each), read by a read_committed consumer.
fn transactional(per_txn: u32, total: u32) -> Value {
    let mut script = vec![json!({"init_transactions": {}})];
    for _ in 0..total / per_txn {
        script.push(json!({"begin": {}}));
        script.push(json!({"send": {"partition": 0, "records": per_txn}}));
        script.push(json!({"commit": {}}));
    }
    json!({
        "format": "eoscope/scenario@1", "title": {"en": "bench"}, "version": "3.9", "seed": 7,
        "cluster": {"brokers": 1, "partitions": 1},
        "producers": [{"config": {"transactional.id": "bench"}, "script": script}],
        "consumers": [{"config": {"auto.offset.reset": "earliest", "isolation.level": "read_committed", "enable.auto.commit": false, "max.poll.records": 5000}, "commit": "after_processing", "sink": {"idempotent": false}}],
        "limits": {"max_steps": 100000000, "max_ticks": 100000000000u64},
    })
}

/// Benchmarks run past the caps on files (`sim::limits`: records, batches, script steps,
/// ticks): the file is validated with the start of each script and no limits, then given its
/// whole scripts and limits.
fn uncapped(file: &Value) -> Result<Scenario, String> {
    let mut small = file.clone();
    let mut scripts = Vec::new();
    if let Some(ps) = small["producers"].as_array_mut() {
        for p in ps {
            let ops: Vec<eoscope::sim::scenario::Op> =
                serde_json::from_value(p["script"].clone()).map_err(|e| e.to_string())?;
            let mut start: Vec<Value> = p["script"].as_array().cloned().unwrap_or_default();
            start.truncate(4);
            for op in &mut start {
                if op.get("send").is_some() {
                    op["send"]["batches"] = json!(1);
                }
            }
            p["script"] = json!(start);
            scripts.push(ops);
        }
    }
    if let Some(o) = small.as_object_mut() {
        o.remove("limits");
    }
    let mut scenario = Scenario::from_json(&small.to_string())?;
    for ((_, ops), full) in scenario.producers.iter_mut().zip(scripts) {
        *ops = full;
    }
    if let Some(n) = file["limits"]["max_steps"].as_u64() {
        scenario.max_steps = n;
    }
    if let Some(n) = file["limits"]["max_ticks"].as_u64() {
        scenario.max_ticks = n;
    }
    Ok(scenario)
}

fn measure_all(name: &str, file: Value, records: u64) {
    run(name, file, records)
}

fn measure(name: &str, file: Value, records: u64) {
    // `cargo bench --bench sim -- WORD` runs only the cases whose name contains WORD.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
        return;
    }
    run(name, file, records)
}

fn run(name: &str, file: Value, records: u64) {
    let scenario = match uncapped(&file) {
        Ok(s) => s,
        Err(e) => return println!("{:<44} error: {}", name, e),
    };
    let start = Instant::now();
    let mut sim = Sim::with_trace(scenario, None, Trace::new(false, 0));
    sim.run(u64::MAX);
    sim.finish();
    let secs = start.elapsed().as_secs_f64();
    let processed: u64 = sim.world.consumers.iter().map(|c| c.processed_total).sum();
    let ok = sim
        .world
        .checker
        .verdicts
        .values()
        .filter(|v| !v.passed())
        .count()
        == 0;
    println!(
        "{:<44} {:>9} records {:>9} steps {:>7.3} s {:>11.0} records/s  consumed {:>9}  checker {}",
        name,
        records,
        sim.world.step,
        secs,
        records as f64 / secs,
        processed,
        if ok { "clean" } else { "violations" }
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "memory1") {
        measure_all(
            "1M records, 1 partition, batches of 1",
            idempotent(1, 1, 1_000_000, false),
            1_000_000,
        );
        return;
    }
    if args.iter().any(|a| a == "memory") {
        measure_all(
            "1M records, 1 partition, batches of 100",
            idempotent(1, 100, 1_000_000, false),
            1_000_000,
        );
        return;
    }
    println!("eoscope simulation benchmark (native, trace off, checker on)");
    for (partitions, per_batch, total) in [
        (1u8, 1u32, 200_000u32),
        (8, 1, 200_000),
        (1, 100, 2_000_000),
        (8, 100, 2_000_000),
    ] {
        for faults in [false, true] {
            let name = format!(
                "idempotent {}p batch {} {}",
                partitions,
                per_batch,
                if faults { "1% drops" } else { "no faults" }
            );
            measure(
                &name,
                idempotent(partitions, per_batch, total, faults),
                total as u64,
            );
        }
    }
    for (partitions, per_batch, total) in [
        (1u8, 1u32, 200_000u32),
        (1, 100, 2_000_000),
        (8, 100, 2_000_000),
    ] {
        for rf in [1u8, 3] {
            let name = format!("replicated RF={} {}p batch {}", rf, partitions, per_batch);
            measure(
                &name,
                replicated(partitions, per_batch, total, false, rf),
                total as u64,
            );
        }
    }
    search_speed();
    for (per_txn, total) in [(1u32, 50_000u32), (10, 200_000), (100, 1_000_000)] {
        measure(
            &format!("transactional, {} records per transaction", per_txn),
            transactional(per_txn, total),
            total as u64,
        );
    }
}

/// "Find a failure" speed: states (simulated steps, branches included) per second, exhausting all
/// schedules of up to 2 faults on a 1-partition, 1-producer, 1-consumer model.
fn search_speed() {
    use eoscope::sim::checker::Property;
    use eoscope::sim::search::{find, Bounds, Goal};
    let name = "search: 1p 1 producer 1 consumer, 2 faults";
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
        return;
    }
    let file = json!({"format": "eoscope/scenario@1", "title": {"en": "bench"}, "version": "3.9",
        "producers": [{"config": {"request.timeout.ms": 1000}, "script": [{"send": {"records": 1}}, {"send": {"records": 1}}]}],
        "consumers": [{"config": {"enable.auto.commit": false}, "commit": "after_processing"}]});
    let Ok(scenario) = uncapped(&file) else {
        return;
    };
    let start = Instant::now();
    let bounds = Bounds {
        max_faults: 2,
        max_states: 50_000_000,
        max_depth: 500,
        client_crashes: false,
        max_bytes: usize::MAX,
    };
    let (outcome, states) = find(
        scenario,
        None,
        Goal::Violation(Some(Property::NoDuplicateInLog)),
        bounds,
    );
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:<44} {:>9} states {:>7.3} s {:>11.0} states/s  {:?}",
        name,
        states,
        secs,
        states as f64 / secs,
        matches!(outcome, eoscope::sim::search::Outcome::Found(_))
    );
}
