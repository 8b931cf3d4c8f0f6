//! The simulation's speed in the browser against the same run natively (issue #16: the wasm build
//! ≥ 0.5× native). Not a test: its cases are ignored unless asked for, and they print figures.
//! `bash scripts/bench.sh wasm` runs both:
//!   natively   cargo test --profile bench --test speed_wasm -- --ignored --nocapture
//!   in Chromium cargo test --profile bench --target wasm32-unknown-unknown --test speed_wasm -- --include-ignored
//! The run: one idempotent producer writing 30,000 one-record batches to one partition
//! (replication 1), one consumer committing after processing into a sink, the checker on and
//! the trace off — `benches/sim.rs`'s "1p batch 1" case, within the caps on files.

use eoscope::sim::world::Trace;
use eoscope::sim::{Scenario, Sim};

const BATCHES: u32 = 30_000;

fn scenario() -> Scenario {
    let text = format!(
        r#"{{"format": "eoscope/scenario@1", "title": {{"en": "bench"}}, "version": "3.9", "seed": 7,
        "cluster": {{"brokers": 3, "partitions": 1, "replication.factor": 1, "min.insync.replicas": 1}},
        "producers": [{{"config": {{"request.timeout.ms": 200, "delivery.timeout.ms": 86400000}},
            "script": [{{"send": {{"partition": 0, "records": 1, "batches": {}}}}}]}}],
        "consumers": [{{"config": {{"auto.offset.reset": "earliest", "enable.auto.commit": false, "max.poll.records": 5000, "request.timeout.ms": 200}},
            "commit": "after_processing", "sink": {{"idempotent": false}}}}],
        "limits": {{"max_steps": 1000000, "max_ticks": 3600000}}}}"#,
        BATCHES
    );
    Scenario::from_json(&text).expect("the benchmark's file is valid")
}

/// Runs the case `rounds` times; returns records per second of the fastest round and its steps.
fn measure(now_ms: impl Fn() -> f64, rounds: u32) -> (f64, u64) {
    let mut best = 0f64;
    let mut steps = 0;
    for _ in 0..rounds {
        let mut sim = Sim::with_trace(scenario(), None, Trace::new(false, 0));
        let t0 = now_ms();
        sim.run(u64::MAX);
        let secs = (now_ms() - t0) / 1000.0;
        let consumed: u64 = sim.world.consumers.iter().map(|c| c.processed_total).sum();
        assert_eq!(consumed, BATCHES as u64, "every record reaches the sink");
        steps = sim.world.step;
        best = best.max(BATCHES as f64 / secs);
    }
    (best, steps)
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "a benchmark: cargo test --profile bench --test speed_wasm -- --ignored --nocapture"]
fn native_speed() {
    let t = std::time::Instant::now();
    let (rate, steps) = measure(|| t.elapsed().as_secs_f64() * 1000.0, 5);
    println!(
        "speed natively: {:.0} records/s ({} records, {} steps; best of 5)",
        rate, BATCHES, steps
    );
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use wasm_bindgen_test::*;
    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    #[ignore]
    fn wasm_speed() {
        let perf = web_sys::window()
            .and_then(|w| w.performance())
            .expect("performance");
        let (rate, steps) = super::measure(|| perf.now(), 5);
        console_log!(
            "speed in the browser: {:.0} records/s ({} records, {} steps; best of 5)",
            rate,
            super::BATCHES,
            steps
        );
    }
}
