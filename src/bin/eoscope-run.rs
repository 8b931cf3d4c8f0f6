//! `eoscope-run`: runs a scenario file headlessly and prints its final state as JSON.
//!
//! ```text
//! eoscope-run SCENARIO.json [--seed N] [--until-tick T | --until-step S] [--no-trace]
//! ```
//! Exit codes: 0 = the checker's verdicts match the scenario's `expect`; 1 = they differ
//! (the mismatches are listed on stderr and under `expectations`); 2 = bad arguments or a bad
//! scenario file (the message says what is wrong).

use eoscope::sim::report::report;
use eoscope::sim::world::{Trace, TRACE_LIMIT};
use eoscope::sim::{Scenario, Sim};
use std::process::ExitCode;

fn usage(msg: &str) -> ExitCode {
    eprintln!("eoscope-run: {}", msg);
    eprintln!("usage: eoscope-run SCENARIO.json [--seed N] [--until-tick T | --until-step S] [--no-trace]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut path = None;
    let mut seed = None;
    let mut until_tick = None;
    let mut until_step = None;
    let mut trace = true;
    let mut i = 0;
    while i < args.len() {
        let value = |i: usize| args.get(i + 1).and_then(|v| v.parse::<u64>().ok());
        match args[i].as_str() {
            "--seed" => match value(i) {
                Some(v) => seed = Some(v),
                None => return usage("--seed needs a whole number"),
            },
            "--until-tick" => match value(i) {
                Some(v) => until_tick = Some(v),
                None => return usage("--until-tick needs a whole number"),
            },
            "--until-step" => match value(i) {
                Some(v) => until_step = Some(v),
                None => return usage("--until-step needs a whole number"),
            },
            "--no-trace" => {
                trace = false;
                i += 1;
                continue;
            }
            "-h" | "--help" => {
                println!("usage: eoscope-run SCENARIO.json [--seed N] [--until-tick T | --until-step S] [--no-trace]");
                return ExitCode::SUCCESS;
            }
            a if a.starts_with('-') => return usage(&format!("unknown flag {}", a)),
            a => {
                path = Some(a.to_string());
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    let Some(path) = path else {
        return usage("no scenario file given");
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => return usage(&format!("cannot read {}: {}", path, e)),
    };
    let scenario = match Scenario::from_json(&text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("eoscope-run: {}: {}", path, e);
            return ExitCode::from(2);
        }
    };
    let mut sim = Sim::with_trace(scenario, seed, Trace::new(trace, TRACE_LIMIT));
    match (until_tick, until_step) {
        (Some(t), _) => sim.run_until_tick(t),
        (None, Some(s)) => sim.run(s),
        (None, None) => {
            sim.run(u64::MAX);
            sim.finish();
        }
    }
    let out = report(&sim);
    match serde_json::to_string_pretty(&out) {
        Ok(s) => println!("{}", s),
        Err(e) => return usage(&format!("cannot print the report: {}", e)),
    }
    let mismatches = eoscope::sim::report::expectation_mismatches(&sim);
    if mismatches.is_empty() {
        ExitCode::SUCCESS
    } else {
        for m in &mismatches {
            eprintln!("eoscope-run: {}", m);
        }
        ExitCode::from(1)
    }
}
