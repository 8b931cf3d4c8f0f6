#![cfg(not(target_arch = "wasm32"))]
//! Memory budgets (`sim::limits`), natively: the heaviest search the UI allows stops at its
//! budget with its message, and a long run keeps its checkpoints within theirs. Peak memory is
//! the process's own (`VmHWM` in `/proc/self/status`, reset through `/proc/self/clear_refs`),
//! so these tests take a lock and run one at a time.

mod common;

use eoscope::sim::checker::Property;
use eoscope::sim::limits::{
    CHECKPOINT_BUDGET_BYTES, RUN_BUDGET_BYTES, SEARCH_BUDGET_BYTES, TWIN_CHECKPOINT_BUDGET_BYTES,
};
use eoscope::sim::search::{find, memory_budget_message, Bounds, Goal, Outcome, Search};
use eoscope::sim::timeline::{Timeline, MAX_CHECKPOINTS};
use eoscope::sim::{Scenario, Sim};
use serde_json::json;
use std::sync::Mutex;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The peak resident memory since the last reset, in bytes (None where /proc is missing).
fn peak_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb << 10)
}

fn current_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb << 10)
}

fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn without_schedule(name: &str) -> Scenario {
    let mut v: serde_json::Value = serde_json::from_str(&common::shipped_text(name)).unwrap();
    v["schedule"] = json!([]); // the search chooses the faults
    Scenario::from_json(&v.to_string()).unwrap()
}

/// Issue #17: "max faults" 2 with the other bounds at the UI's defaults on the transaction
/// timeout story peaked at 6.3 GB natively (9.0 GB under `/usr/bin/time -v` at 200,000 states).
fn heaviest_search() -> Search {
    let bounds = Bounds {
        max_faults: 2,
        ..Bounds::default()
    };
    Search::new(
        without_schedule("txn-timeout"),
        None,
        Goal::Violation(None),
        bounds,
    )
}

#[test]
fn the_heaviest_search_the_ui_allows_stops_at_its_memory_budget_with_a_message() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let base = current_rss();
    let measured = reset_peak_rss();
    let mut s = heaviest_search();
    assert_eq!(s.bounds().max_states, 200_000);
    assert_eq!(s.bounds().max_bytes, 64 << 20);
    let mut held = 0;
    while !s.run_for(1_000) {
        held = held.max(s.bytes());
    }
    assert_eq!(s.outcome, Some(Outcome::MemoryBudget { faults: 1 }));
    assert!(held <= SEARCH_BUDGET_BYTES, "{} bytes held", held);
    assert!(
        s.states > 20_000 && s.states < 200_000,
        "stopped at {} states",
        s.states
    );
    assert_eq!(
        memory_budget_message(s.states),
        format!(
            "the search stopped at {} states: memory budget reached — narrow the bounds",
            s.states
        )
    );
    drop(s);
    if let (true, Some(base), Some(peak)) = (measured, base, peak_rss()) {
        let grew = peak.saturating_sub(base);
        println!("peak RSS {} MB above {} MB", grew >> 20, base >> 20);
        assert!(
            grew <= SEARCH_BUDGET_BYTES + (16 << 20),
            "the search grew the process by {} MB",
            grew >> 20
        );
    }
}

#[test]
fn the_runner_says_the_search_stopped_at_its_memory_budget() {
    let path = common::shipped_path("txn-timeout");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_eoscope-run"))
        .args([path.as_str(), "--search", "any", "--max-faults", "2"])
        .args(["--max-states", "200000", "--max-depth", "400"])
        .args(["--max-memory-mb", "8"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["found"], json!(false));
    assert_eq!(v["memory_budget_reached"], json!(true));
    assert_eq!(v["bounds"]["max_bytes"], json!(8 << 20));
    let states = v["states"].as_u64().unwrap();
    assert_eq!(
        v["summary"],
        json!(format!(
            "the search stopped at {} states: memory budget reached — narrow the bounds",
            states
        ))
    );
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_eoscope-run"))
        .args([path.as_str(), "--search", "any", "--max-memory-mb", "0"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr)
        .contains("--max-memory-mb needs a number from 1 to 65536"));
}

#[test]
fn runs_kept_as_their_faults_alone_replay_to_the_same_schedule() {
    // Past half its budget the search keeps waiting runs as their faults and replays them:
    // with a budget that small, the lost ack's duplicate is found by the same schedule.
    let s = without_schedule("lost-ack-no-idempotence");
    let goal = Goal::Violation(Some(Property::NoDuplicateInLog));
    let roomy = Bounds {
        max_faults: 2,
        ..Bounds::default()
    };
    let tight = Bounds {
        max_bytes: 160 << 10,
        ..roomy
    };
    let (a, _) = find(s.clone(), None, goal, roomy);
    let (b, _) = find(s, None, goal, tight);
    let (Outcome::Found(a), Outcome::Found(b)) = (a, b) else {
        panic!("not found with both budgets")
    };
    assert_eq!(a, b);
    // With less than one world, nothing can be kept.
    let none = Bounds {
        max_bytes: 1 << 10,
        ..roomy
    };
    let (c, states) = find(without_schedule("txn-timeout"), None, goal, none);
    assert_eq!(c, Outcome::MemoryBudget { faults: 0 });
    assert_eq!(states, 1);
}

#[test]
fn a_long_run_keeps_its_checkpoints_within_their_budget_and_steps_back_exactly() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // Near the largest scenario the caps accept: 384,000 records in 32,000 batches, read and sunk.
    let file = json!({"format": "eoscope/scenario@1", "title": {"en": "long"}, "version": "3.9",
        "producers": [{"script": [{"send": {"records": 12, "batches": 32_000}}]}],
        "consumers": [{"config": {"enable.auto.commit": false}, "commit": "after_processing", "sink": {"idempotent": true}}]});
    let scenario = Scenario::from_json(&file.to_string()).unwrap();
    let mut tl = Timeline::new(scenario.clone(), None);
    let mut most = 0;
    let mut rss_at = Vec::new();
    while tl.step() {
        most = most.max(tl.checkpoint_bytes());
        assert!(
            tl.checkpoint_count() <= MAX_CHECKPOINTS,
            "{}",
            tl.checkpoint_count()
        );
        if tl.step_index().is_multiple_of(20_000) {
            rss_at.push((
                tl.step_index(),
                current_rss().map(|b| b >> 20),
                tl.checkpoint_bytes() >> 20,
            ));
        }
    }
    let end = tl.step_index();
    assert!(end > 90_000, "the run ended at step {}", end);
    assert!(
        most <= CHECKPOINT_BUDGET_BYTES,
        "checkpoints took {} bytes",
        most
    );
    println!(
        "{} steps; {} checkpoints, at most {} KB; (step, RSS MB, checkpoints MB): {:?}",
        end,
        tl.checkpoint_count(),
        most >> 10,
        rss_at
    );
    // Checkpoints share what they have not written (`chunked`), so the budget keeps enough of
    // them that a step back from the end replays a few thousand steps, not a third of the run
    // (three unshared checkpoints of ~10 MB each replayed 31,747).
    let back = tl.seek_cost(end - 1);
    assert!(
        back <= 8_192,
        "a step back from the end replays {} steps",
        back
    );
    // Thinned checkpoints still give the exact picture: re-simulated from the nearest one kept.
    for target in [end / 3, 1_000, end - 1] {
        tl.seek(target);
        let mut fresh = Sim::new(scenario.clone(), None);
        while fresh.world.step < target && fresh.step() {}
        assert_eq!(tl.sim.world, fresh.world, "step {}", target);
    }
}

#[test]
fn side_by_side_on_the_largest_scenario_stays_within_its_share_of_the_budget() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // The largest scenario the caps accept (tests/e2e/memory.test.mjs), flipped on `acks`.
    let file = json!({"format": "eoscope/scenario@1", "title": {"en": "largest"}, "version": "3.9",
        "producers": [{"script": [{"send": {"records": 20, "batches": 8000}}, {"send": {"records": 10, "batches": 24_000}}]}],
        "consumers": [{"config": {"enable.auto.commit": false}, "commit": "after_processing", "sink": {"idempotent": true}}]});
    let file = eoscope::sim::scenario::parse_file(&file.to_string()).unwrap();
    let left = Scenario::from_file(&file).unwrap();
    let right =
        Scenario::from_file(&eoscope::sim::compare::flip(&file, "acks").unwrap().file).unwrap();
    let seed = left.seed;
    let before = current_rss().unwrap_or(0);
    let reset = reset_peak_rss();
    // What the UI computes: the comparison (20,000 steps of both runs, outcomes as hashes), then
    // the twin kept at the main run's step (here its end) with its own checkpoint budget.
    let c = eoscope::sim::compare::compare(left, right.clone(), seed, &[], 20_000);
    assert!(c.divergence.is_some(), "acks=1 against acks=all part");
    let mut twin = Timeline::with_actions(right, seed, Vec::new())
        .with_checkpoint_budget(TWIN_CHECKPOINT_BUDGET_BYTES);
    twin.seek(u64::MAX);
    assert!(twin.step_index() > 90_000, "{}", twin.step_index());
    assert!(
        twin.checkpoint_bytes() <= TWIN_CHECKPOINT_BUDGET_BYTES,
        "the twin's {} checkpoints took {} bytes",
        twin.checkpoint_count(),
        twin.checkpoint_bytes()
    );
    // The process's peak: a ceiling that holds when this test runs alone (`cargo test --test
    // memory side_by_side`); after other tests, freed pages are reused and the growth reads low.
    if let (true, Some(peak)) = (reset, peak_rss()) {
        let grew = peak.saturating_sub(before);
        println!(
            "side by side: peak RSS {} MB ({} MB over the start); twin checkpoints {} KB",
            peak >> 20,
            grew >> 20,
            twin.checkpoint_bytes() >> 10
        );
        // A run (36 MiB), the twin's checkpoints (16 MiB) and the comparison's two runs.
        assert!(grew <= 3 * RUN_BUDGET_BYTES, "{} bytes", grew);
    }
}
