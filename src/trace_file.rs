//! The exported run: a versioned JSON file (`eoscope/trace@1`) that an author downloads and anyone
//! can drop back into eoscope to get exactly that run at exactly that step.
//!
//! ```text
//! {
//!   "format": "eoscope/trace@1",
//!   "scenario": { …the scenario file, eoscope/scenario@1, settings as edited… },
//!   "seed": 7,
//!   "actions": [ {"at": 12, "drop": 5}, {"at": 40, "crash_for": "broker-0", "ms": 1000} ],
//!   "step": 64,
//!   "digest": "9f3c0a2e41b7d518",
//!   "events_total": 131,
//!   "events": [ {"step": 1, "tick": 0, "event": "sent", …}, … ]
//! }
//! ```
//!
//! `scenario`, `seed`, `actions` (the share link's action format) and `step` are the run; on
//! import it is replayed and its trace digest (FNV-1a over every trace entry's structured fields, `Trace::digest`)
//! compared with `digest`, so a file made by a different eoscope (or edited by hand) is noticed.
//! `events` is the trace itself for people and other tools to read (at most the last
//! `TRACE_LIMIT` entries; `events_total` counts them all); import ignores it.
//!
//! Import validates everything and answers with a message, never a panic. Pure Rust: tested
//! natively with arbitrary input.

use crate::share::{action_to_json, parse_actions, Carrier};
use crate::sim::scenario::ScenarioFile;
use crate::sim::timeline::{Timeline, UserAction};
use crate::sim::Scenario;
use serde_json::Value;

pub const FORMAT: &str = "eoscope/trace@1";
/// Largest file accepted (the trace is informative; the run itself is small).
pub const MAX_FILE_BYTES: usize = 32 << 20;
const MAX_STEP: u64 = 100_000_000;

/// A run as a file holds it.
#[derive(Clone, Debug)]
pub struct TraceFile {
    pub file: ScenarioFile,
    pub seed: u64,
    pub actions: Vec<(u64, UserAction)>,
    pub step: u64,
    pub digest: u64,
}

/// Writes the run `tl` is at, with `file` as the scenario it was built from. Actions after the
/// step (a future stepped back from) are not part of the run at it, so they are left out: the
/// file replays to the same step and digest.
pub fn export(file: &ScenarioFile, tl: &Timeline) -> String {
    let here = tl.step_index();
    let actions: Vec<Value> = tl
        .actions
        .iter()
        .filter(|(s, _)| *s <= here)
        .filter_map(|(s, a)| action_to_json(*s, a, Carrier::TraceFile))
        .collect();
    // Written by hand around serializers the app already has (the JSON editor's pretty scenario,
    // the trace digest's compact entries): `json!` would build everything as a `Value` first,
    // and each type's `Value` serializer costs the wasm bundle kilobytes.
    let events: Vec<String> = tl
        .sim
        .trace
        .events
        .iter()
        .filter_map(|e| serde_json::to_string(e).ok())
        .collect();
    format!(
        "{{\n\"format\": \"{}\",\n\"scenario\": {},\n\"seed\": {},\n\"actions\": {},\n\"step\": {},\n\"digest\": \"{:016x}\",\n\"events_total\": {},\n\"events\": [\n{}\n]\n}}\n",
        FORMAT,
        serde_json::to_string(file).map_or_else(|_| "null".into(), |j| crate::pretty_json::pretty(&j)),
        tl.seed,
        Value::Array(actions),
        tl.step_index(),
        tl.sim.trace.digest,
        tl.sim.trace.total,
        events.join(",\n")
    )
}

/// Reads a trace file (without replaying it).
pub fn parse(text: &str) -> Result<TraceFile, String> {
    if text.len() > MAX_FILE_BYTES {
        return Err(format!(
            "the trace file is {} bytes; at most {} ({} MB)",
            text.len(),
            MAX_FILE_BYTES,
            MAX_FILE_BYTES >> 20
        ));
    }
    let v: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "the trace file is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    let Value::Object(o) = v else {
        return Err("the trace file is not a JSON object".into());
    };
    match o.get("format") {
        Some(Value::String(f)) if f == FORMAT => {}
        Some(Value::String(f)) if f.starts_with("eoscope/trace@") => {
            return Err(format!(
                "the trace file has format {}; this eoscope reads {}",
                clip(f),
                FORMAT
            ))
        }
        Some(Value::String(f)) if f.starts_with("eoscope/scenario@") => {
            return Err("this is a scenario file, not a trace: open it in the JSON editor".into())
        }
        _ => return Err(format!("the trace file needs \"format\": \"{}\"", FORMAT)),
    }
    let file: ScenarioFile = match o.get("scenario") {
        // From text, not `from_value`: the app already has the text deserializer for scenario
        // files, and a second one (over `Value`) would cost the bundle as much again.
        Some(s @ Value::Object(_)) => crate::sim::scenario::parse_file(&s.to_string())
            .map_err(|e| format!("the trace file's scenario: {}", clip(&e)))?,
        _ => return Err("the trace file has no scenario".into()),
    };
    let seed = match o.get("seed") {
        Some(v) => v
            .as_u64()
            .ok_or("the trace file's seed must be a whole number from 0 to 18446744073709551615")?,
        None => file.seed,
    };
    let step = match o.get("step") {
        None => 0,
        Some(v) => match v.as_u64() {
            Some(n) if n <= MAX_STEP => n,
            _ => {
                return Err(format!(
                    "the trace file's step must be a whole number up to {}",
                    MAX_STEP
                ))
            }
        },
    };
    let actions = parse_actions(o.get("actions"), step, Carrier::TraceFile)?;
    let digest = match o.get("digest") {
        Some(Value::String(d)) if d.len() == 16 => u64::from_str_radix(d, 16).ok(),
        _ => None,
    }
    .ok_or("the trace file's digest must be 16 hexadecimal digits")?;
    Ok(TraceFile {
        file,
        seed,
        actions,
        step,
        digest,
    })
}

/// What importing gives: the run at its step, and whether it replayed to the same trace.
pub struct Imported {
    pub trace: TraceFile,
    pub timeline: Timeline,
    pub digest_matches: bool,
}

/// Reads and replays a trace file. A digest that differs is not an error (the run is still
/// the file's scenario, seed and actions), but the caller should say so.
pub fn import(text: &str) -> Result<Imported, String> {
    let (trace, mut timeline) = prepare(text)?;
    timeline.seek(trace.step);
    let digest_matches = digest_matches(&trace, &timeline);
    Ok(Imported {
        trace,
        timeline,
        digest_matches,
    })
}

/// Reads and checks a trace file: its run at step 0, ready to replay to `trace.step` (the UI
/// does so in slices, a far step taking many frames).
pub fn prepare(text: &str) -> Result<(TraceFile, Timeline), String> {
    let trace = parse(text)?;
    let scenario = Scenario::from_file(&trace.file)
        .map_err(|e| format!("the trace file's scenario: {}", e))?;
    if trace.step > scenario.max_steps {
        return Err(format!(
            "the trace file's step {} is past the scenario's limit of {} steps",
            trace.step, scenario.max_steps
        ));
    }
    crate::sim::timeline::check_actions(&scenario, &trace.actions)
        .map_err(|e| format!("the trace file's {}", e))?;
    let timeline = Timeline::with_actions(scenario, trace.seed, trace.actions.clone());
    Ok((trace, timeline))
}

/// The replayed run reached the file's step with the file's digest.
pub fn digest_matches(trace: &TraceFile, timeline: &Timeline) -> bool {
    timeline.step_index() == trace.step && timeline.sim.trace.digest == trace.digest
}

fn clip(s: &str) -> String {
    // Nothing from the file becomes markup: no angle brackets, no control characters.
    s.chars()
        .filter(|c| !c.is_control() && *c != '<' && *c != '>' && *c != '&')
        .take(120)
        .collect()
}
