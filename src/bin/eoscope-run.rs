//! `eoscope-run`: runs a scenario file headlessly and prints its final state as JSON.
//!
//! ```text
//! eoscope-run SCENARIO.json [--seed N] [--until-tick T | --until-step S] [--no-trace]
//! eoscope-run SCENARIO.json --trace [--seed N] [--until-tick T | --until-step S]
//! eoscope-run SCENARIO.json --search GOAL [--max-faults K] [--max-states N] [--max-depth D] [--max-memory-mb M] [--no-client-crashes]
//! eoscope-run SCENARIO.json --flip KEY [--seed N]
//! ```
//! Exit codes: 0 = the checker's verdicts match the scenario's `expect` (with `--search`: the
//! search ran, found or not); 1 = they differ (the mismatches are listed on stderr and under
//! `expectations`); 2 = bad arguments or a bad scenario file (the message says what is wrong).
//! `--search` ignores the scenario's own schedule and looks for the shortest fault schedule that
//! reaches GOAL: a property name, `any`, `read-committed-blocked` or `producer-fenced`.
//! `--trace` prints the run's trace as JSON lines instead of the report (`eoscope-trace`
//! version 1, README "The runner"); a reader that closes the pipe (`| head`) ends it quietly.
//! `--flip` runs the scenario twice, the second time with the Kafka setting KEY flipped (see
//! `sim::compare::FLIPS`), and prints where the two runs part.

use eoscope::sim::report::report;
use eoscope::sim::world::{Trace, TRACE_LIMIT};
use eoscope::sim::{Scenario, Sim};
use serde_json::{json, Value};
use std::io::Write;
use std::process::ExitCode;

#[path = "eoscope_run/lab_report.rs"]
mod lab_report;

fn usage(msg: &str) -> ExitCode {
    eprintln!("eoscope-run: {}", msg);
    eprintln!("usage: eoscope-run SCENARIO.json [--seed N] [--until-tick T | --until-step S] [--no-trace | --trace]");
    eprintln!("       eoscope-run SCENARIO.json --search GOAL [--max-faults K] [--max-states N] [--max-depth D] [--max-memory-mb M] [--no-client-crashes]");
    eprintln!("       eoscope-run SCENARIO.json --flip KEY [--seed N]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut path = None;
    let mut seed = None;
    let mut until_tick = None;
    let mut until_step = None;
    let mut trace = true;
    let mut trace_lines = false;
    let mut search: Option<String> = None;
    let mut flip: Option<String> = None;
    let mut bounds = eoscope::sim::search::Bounds {
        max_faults: 2,
        max_states: 2_000_000,
        max_depth: 500,
        client_crashes: true,
        max_bytes: eoscope::sim::limits::SEARCH_BUDGET_BYTES,
    };
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
            "--search" => match args.get(i + 1) {
                Some(g) => search = Some(g.clone()),
                None => return usage("--search needs a goal: a property name, any, read-committed-blocked or producer-fenced"),
            },
            "--flip" => match args.get(i + 1) {
                Some(k) => flip = Some(k.clone()),
                None => return usage(&format!("--flip needs a setting: one of {}", eoscope::sim::compare::FLIPS.join(", "))),
            },
            "--max-faults" => match value(i) {
                Some(v) if v <= 5 => bounds.max_faults = v as u32,
                _ => return usage("--max-faults needs a number from 0 to 5"),
            },
            "--max-states" => match value(i) {
                Some(v) => bounds.max_states = v,
                None => return usage("--max-states needs a whole number"),
            },
            "--max-depth" => match value(i) {
                Some(v) => bounds.max_depth = v,
                None => return usage("--max-depth needs a whole number"),
            },
            "--max-memory-mb" => match value(i) {
                Some(v) if (1..=65_536).contains(&v) => bounds.max_bytes = (v as usize) << 20,
                _ => return usage("--max-memory-mb needs a number from 1 to 65536"),
            },
            "--no-client-crashes" => {
                bounds.client_crashes = false;
                i += 1;
                continue;
            }
            "--no-trace" => {
                trace = false;
                i += 1;
                continue;
            }
            "--trace" => {
                trace_lines = true;
                i += 1;
                continue;
            }
            "-h" | "--help" => {
                println!("usage: eoscope-run SCENARIO.json [--seed N] [--until-tick T | --until-step S] [--no-trace | --trace]");
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
    if let Some(goal) = search {
        return run_search(&text, scenario, seed, &goal, bounds);
    }
    if let Some(key) = flip {
        return run_flip(&text, scenario, seed, &key);
    }
    if trace_lines {
        return run_trace(scenario, seed, until_tick, until_step);
    }
    let mut sim = Sim::with_trace(scenario, seed, Trace::new(trace, TRACE_LIMIT));
    match (until_tick, until_step) {
        (Some(t), _) => sim.run_until_tick(t),
        (None, Some(s)) => sim.run(s),
        (None, None) => {
            sim.run(u64::MAX);
            sim.finish();
        }
    }
    let mut out = report(&sim);
    lab_report::extend(&sim, &mut out);
    match serde_json::to_string_pretty(&out) {
        Ok(s) => {
            if !print(&s) {
                return ExitCode::SUCCESS; // the reader closed the pipe
            }
        }
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

/// Writes a line to stdout; false when stdout is closed (EPIPE: `| head` has what it wanted).
fn print(s: &str) -> bool {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", s).and_then(|_| out.flush()).is_ok()
}

/// `--trace`: the trace as JSON lines (`eoscope-trace` version 1): a header line, one line per
/// trace entry as it happens, and an end line with the totals and the digest. The entries are
/// streamed, so the whole trace is printed however long the run.
fn run_trace(
    scenario: Scenario,
    seed: Option<u64>,
    until_tick: Option<u64>,
    until_step: Option<u64>,
) -> ExitCode {
    let header = json!({
        "format": "eoscope-trace",
        "version": lab_report::TRACE_VERSION,
        "scenario": scenario.id,
        "kafka_version": scenario.version.name(),
        "seed": seed.unwrap_or(scenario.seed),
    });
    let mut sim = Sim::with_trace(scenario, seed, Trace::new(true, usize::MAX));
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    let write = |v: &Value, w: &mut std::io::BufWriter<std::io::StdoutLock>| {
        serde_json::to_writer(&mut *w, v)
            .map_err(std::io::Error::from)
            .and_then(|_| w.write_all(b"\n"))
    };
    let closed = |e: &std::io::Error| e.kind() == std::io::ErrorKind::BrokenPipe;
    macro_rules! emit {
        ($v:expr) => {
            if let Err(e) = write(&$v, &mut w) {
                if closed(&e) {
                    return ExitCode::SUCCESS;
                }
                eprintln!("eoscope-run: cannot write the trace: {}", e);
                return ExitCode::from(2);
            }
        };
    }
    emit!(header);
    loop {
        let more = match (until_tick, until_step) {
            (Some(t), _) => {
                !sim.world.finished
                    && sim
                        .world
                        .events
                        .first_key_value()
                        .is_some_and(|((k, _), _)| k.0 <= t)
                    && sim.step()
            }
            (None, Some(st)) => sim.world.step < st && sim.step(),
            (None, None) => sim.step(),
        };
        for e in sim.trace.events.drain(..) {
            emit!(lab_report::trace_line(&e));
        }
        if !more {
            break;
        }
    }
    if until_tick.is_none() && until_step.is_none() {
        sim.finish();
    }
    let mismatches = eoscope::sim::report::expectation_mismatches(&sim);
    emit!(json!({
        "end": true,
        "steps": sim.world.step,
        "tick": sim.world.now.0,
        "trace_events": sim.trace.total,
        "trace_digest": format!("{:016x}", sim.trace.digest),
        "verdicts": eoscope::sim::report::verdicts(&sim),
        "expectations": mismatches,
    }));
    if let Err(e) = w.flush() {
        if !closed(&e) {
            eprintln!("eoscope-run: cannot write the trace: {}", e);
            return ExitCode::from(2);
        }
        return ExitCode::SUCCESS;
    }
    if mismatches.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `--search`: the shortest fault schedule reaching the goal, and the final state of that run.
fn run_search(
    text: &str,
    _scenario: Scenario,
    seed: Option<u64>,
    goal: &str,
    bounds: eoscope::sim::search::Bounds,
) -> ExitCode {
    use eoscope::sim::search::{find, Goal, Outcome};
    let goal = match goal {
        "any" => Goal::Violation(None),
        "read-committed-blocked" => Goal::ReadCommittedBlocked,
        "producer-fenced" => Goal::ProducerFenced,
        name => match eoscope::sim::checker::Property::parse(name) {
            Some(p) => Goal::Violation(Some(p)),
            None => return usage(&format!("unknown search goal `{}`", name)),
        },
    };
    // The search chooses the faults: the file's own schedule is left out.
    let mut file = match eoscope::sim::scenario::parse_file(text) {
        Ok(f) => f,
        Err(e) => return usage(&format!("scenario file: {}", e)),
    };
    file.schedule.clear();
    let scenario = match Scenario::from_file(&file) {
        Ok(s) => s,
        Err(e) => return usage(&e),
    };
    let (outcome, states) = find(scenario.clone(), seed, goal, bounds);
    let mut out = serde_json::json!({ "format": "eoscope/search@1", "goal": format!("{:?}", goal), "bounds": bounds, "states": states });
    match outcome {
        Outcome::Found(c) => {
            let seed = seed.unwrap_or(scenario.seed);
            let mut tl =
                eoscope::sim::timeline::Timeline::with_actions(scenario, seed, c.actions.clone());
            while tl.step() {}
            tl.sim.finish();
            out["found"] = serde_json::json!(true);
            out["faults"] = serde_json::json!(c
                .actions
                .iter()
                .map(|(s, a)| serde_json::json!({"after_step": s, "action": a}))
                .collect::<Vec<_>>());
            out["violation"] = serde_json::json!(c.violation);
            out["reached_at_step"] = serde_json::json!(c.step);
            out["run"] = report(&tl.sim);
            lab_report::extend(&tl.sim, &mut out["run"]);
        }
        Outcome::MemoryBudget { .. } => {
            out["found"] = serde_json::json!(false);
            out["memory_budget_reached"] = serde_json::json!(true);
            out["summary"] = serde_json::json!(eoscope::sim::search::memory_budget_message(states));
        }
        Outcome::NotFound { faults, exhausted } => {
            out["found"] = serde_json::json!(false);
            out["summary"] = serde_json::json!(format!(
                "no schedule reaches the goal up to {} faults ({} states explored{})",
                faults,
                states,
                if exhausted {
                    ", all schedules tried"
                } else {
                    ", bound reached"
                }
            ));
        }
    }
    match serde_json::to_string_pretty(&out) {
        Ok(s) => {
            print(&s);
        }
        Err(e) => return usage(&e.to_string()),
    }
    ExitCode::SUCCESS
}

/// `--flip`: the run and its twin with one setting flipped, and where they part.
fn run_flip(text: &str, left: Scenario, seed: Option<u64>, key: &str) -> ExitCode {
    use eoscope::sim::compare::{compare, flip};
    let file = match eoscope::sim::scenario::parse_file(text) {
        Ok(f) => f,
        Err(e) => return usage(&format!("scenario file: {}", e)),
    };
    let flipped = match flip(&file, key) {
        Ok(f) => f,
        Err(e) => return usage(&e),
    };
    let right = match Scenario::from_file(&flipped.file) {
        Ok(s) => s,
        Err(e) => return usage(&e),
    };
    let seed = seed.unwrap_or(left.seed);
    let c = compare(left, right, seed, &[], 1_000_000);
    let out = serde_json::json!({
        "format": "eoscope/compare@1",
        "setting": flipped.key,
        "left": flipped.from,
        "right": flipped.to,
        "seed": seed,
        "traces_differ_from_step": c.first_step,
        "divergence": c.divergence.as_ref().map(|d| serde_json::json!({
            "outcomes_in_common": d.common,
            "left": d.left,
            "right": d.right,
        })),
        "left_steps": c.left_steps,
        "right_steps": c.right_steps,
    });
    match serde_json::to_string_pretty(&out) {
        Ok(s) => {
            print(&s);
        }
        Err(e) => return usage(&format!("cannot print the comparison: {}", e)),
    }
    ExitCode::SUCCESS
}
