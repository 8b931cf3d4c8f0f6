#![cfg(not(target_arch = "wasm32"))]
//! A native monkey: seeded random scenario files (shipped ones, edited at random), settings,
//! faults (on nodes that exist and that don't), steps, seeks and searches with small bounds,
//! driven through the core (`Scenario`, `Timeline`, `Search`, `compare`). No action may
//! panic, and memory stays bounded: the checkpoints and the search within their budgets, the
//! process under 512 MB.
//!
//! `EOSCOPE_MONKEY_ACTIONS=N` (default 3,000) and `EOSCOPE_MONKEY_SEED=S` (default 17); a
//! failure names the seed and the action, to replay it. A long run:
//! `EOSCOPE_MONKEY_ACTIONS=1000000 cargo test --release --test monkey -- --nocapture`.

mod common;

use eoscope::sim::config::{CONSUMER_KEYS, PRODUCER_KEYS};
use eoscope::sim::limits::{CHECKPOINT_BUDGET_BYTES, SEARCH_BUDGET_BYTES};
use eoscope::sim::message::MessageKind;
use eoscope::sim::scenario::{FaultAction, MessageMatch, Scenario};
use eoscope::sim::search::{Bounds, Goal, Search};
use eoscope::sim::timeline::{check_actions, Timeline, UserAction};
use eoscope::sim::types::NodeId;
use serde_json::{json, Value};

/// splitmix64: small, seeded, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A caught panic's message.
fn panic_text(e: &Box<dyn std::any::Any + Send>) -> Option<String> {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
}

/// Every 1,000 actions: the peak resident memory so far, which must stay under 512 MB.
fn checked_peak(peak: usize, action: u64) -> usize {
    if !action.is_multiple_of(1_000) {
        return peak;
    }
    let peak = peak.max(rss());
    assert!(
        peak < 512 << 20,
        "RSS {} MB at action {}",
        peak >> 20,
        action
    );
    peak
}

fn rss() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let l = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_string();
            l.split_whitespace().nth(1)?.parse::<usize>().ok()
        })
        .map_or(0, |kb| kb << 10)
}

fn value(r: &mut Rng) -> Value {
    match r.below(12) {
        0 => json!(0),
        1 => json!(1),
        2 => json!(255),
        3 => json!(256),
        4 => json!(u32::MAX),
        5 => json!(u64::MAX),
        6 => json!(-1),
        7 => json!("x"),
        8 => Value::Null,
        9 => json!(true),
        10 => json!(r.below(100_000)),
        _ => json!(r.below(10)),
    }
}

/// Changes one value somewhere in the file, removes a key, or adds a fault or a send.
fn mutate(v: &mut Value, r: &mut Rng) {
    match r.below(6) {
        0 => {
            let crash = json!({"at": r.below(5_000), "crash": format!("broker-{}", r.below(4))});
            if let Some(s) = v.pointer_mut("/schedule").and_then(Value::as_array_mut) {
                s.push(crash);
            }
        }
        1 => {
            let send = json!({"send": {"records": r.below(20_000), "batches": r.below(40_000)}});
            if let Some(s) = v
                .pointer_mut("/producers/0/script")
                .and_then(Value::as_array_mut)
            {
                s.push(send);
            }
        }
        _ => {
            // Walk down to a random place and replace it (or drop a key there).
            let mut ptr = String::new();
            let mut parent = String::new();
            let mut last_key: Option<String> = None;
            let mut at: &Value = v;
            for _ in 0..1 + r.below(6) {
                let next = match at {
                    Value::Object(o) if !o.is_empty() => {
                        let keys: Vec<&String> = o.keys().collect();
                        let k = (*r.pick(&keys)).clone();
                        parent = ptr.clone();
                        ptr = format!("{}/{}", ptr, k.replace('~', "~0").replace('/', "~1"));
                        last_key = Some(k.clone());
                        o.get(&k)
                    }
                    Value::Array(a) if !a.is_empty() => {
                        let i = r.below(a.len() as u64) as usize;
                        parent = ptr.clone();
                        ptr = format!("{}/{}", ptr, i);
                        last_key = None;
                        a.get(i)
                    }
                    _ => None,
                };
                match next {
                    Some(n) => at = n,
                    None => break,
                }
            }
            match (r.below(8), last_key) {
                (0, Some(k)) => {
                    if let Some(Value::Object(o)) = v.pointer_mut(&parent) {
                        o.remove(&k);
                    }
                }
                _ => {
                    let x = value(r);
                    if let Some(slot) = v.pointer_mut(&ptr) {
                        *slot = x;
                    }
                }
            }
        }
    }
}

fn node(r: &mut Rng) -> NodeId {
    let i = r.below(5) as u8;
    match r.below(3) {
        0 => NodeId::Broker(i),
        1 => NodeId::Producer(i),
        _ => NodeId::Consumer(i),
    }
}

fn action(r: &mut Rng, tl: &Timeline) -> UserAction {
    let ids: Vec<u64> = tl.sim.world.net.in_flight.keys().copied().collect();
    let id = if ids.is_empty() || r.below(10) == 0 {
        r.next()
    } else {
        *r.pick(&ids)
    };
    let m = MessageMatch {
        kind: (r.below(2) == 0).then(|| *r.pick(&MessageKind::ALL)),
        from: (r.below(2) == 0).then(|| node(r)),
        to: None,
        nth: 1 + r.below(3) as u32,
    };
    match r.below(12) {
        0 => UserAction::DropMessage(id),
        1 => UserAction::DuplicateMessage(id),
        2 => UserAction::DelayMessage(id, r.below(40_000)),
        3 => UserAction::CrashFor(node(r), r.below(5_000)),
        4 => UserAction::Fault(FaultAction::Crash(node(r))),
        5 => UserAction::Fault(FaultAction::Restart(node(r))),
        6 => UserAction::Fault(FaultAction::Partition(node(r), node(r))),
        7 => UserAction::Fault(FaultAction::Heal(node(r), node(r))),
        8 => UserAction::Fault(FaultAction::Drop(m)),
        9 => UserAction::Fault(FaultAction::DropRate {
            from: None,
            to: None,
            per_mille: r.below(1_001) as u32,
        }),
        10 => UserAction::Fault(FaultAction::Pause(node(r), r.below(60_000))),
        _ => {
            let n = node(r);
            let key = if r.below(2) == 0 {
                *r.pick(PRODUCER_KEYS)
            } else {
                *r.pick(CONSUMER_KEYS)
            };
            let config = [(key.to_string(), value(r))].into_iter().collect();
            UserAction::Fault(FaultAction::SetConfig { node: n, config })
        }
    }
}

#[test]
fn random_files_settings_faults_steps_and_searches_never_panic_and_memory_stays_bounded() {
    let (count, seed) = (
        env_u64("EOSCOPE_MONKEY_ACTIONS", 3_000),
        env_u64("EOSCOPE_MONKEY_SEED", 17),
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static/scenarios");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let files: Vec<Value> = names
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect();
    let mut r = Rng(seed);
    let mut tl = Timeline::new(Scenario::from_json(&files[0].to_string()).unwrap(), None);
    let (mut loaded, mut refused, mut searches, mut steps, mut acted) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut peak = 0usize;
    for i in 0..count {
        let what = r.below(100);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            match what {
                // A file: shipped, edited at random up to 4 times (2 in 3 are refused).
                0..=4 => {
                    let mut v = r.pick(&files).clone();
                    for _ in 0..r.below(5) {
                        mutate(&mut v, &mut r);
                    }
                    let text = if r.below(20) == 0 {
                        format!("\u{feff}{}", v)
                    } else {
                        v.to_string()
                    };
                    match Scenario::from_json(&text) {
                        Ok(s) => {
                            tl = Timeline::new(s, Some(r.below(1_000)));
                            loaded += 1;
                        }
                        Err(e) => {
                            assert!(!e.is_empty());
                            refused += 1;
                        }
                    }
                }
                // A fault or a setting, as the UI applies it (checked first) or straight into the run.
                5..=24 => {
                    let a = action(&mut r, &tl);
                    let here = tl.step_index();
                    if r.below(2) == 0 {
                        if check_actions(&tl.scenario, &[(here, a.clone())]).is_ok() {
                            tl.act(a);
                        }
                    } else {
                        tl.sim.apply_user_action(&a);
                    }
                    acted += 1;
                }
                25..=69 => {
                    for _ in 0..1 + r.below(50) {
                        if !tl.step() {
                            break;
                        }
                        steps += 1;
                    }
                }
                70..=84 => tl.step_back(),
                85..=97 => {
                    let here = tl.step_index();
                    tl.seek(r.below(here + 300));
                }
                // A search with small bounds on the run's scenario.
                _ => {
                    let bounds = Bounds {
                        max_faults: 1 + r.below(3) as u32,
                        max_states: 100 + r.below(1_500),
                        max_depth: 1 + r.below(400),
                        client_crashes: r.below(2) == 0,
                        max_bytes: if r.below(4) == 0 {
                            1 << (10 + r.below(12))
                        } else {
                            SEARCH_BUDGET_BYTES
                        },
                    };
                    let goal = *r.pick(&[
                        Goal::Violation(None),
                        Goal::ReadCommittedBlocked,
                        Goal::ProducerFenced,
                    ]);
                    let mut s = Search::new(tl.scenario.clone(), Some(tl.seed), goal, bounds);
                    while !s.run_for(500) {
                        assert!(
                            s.bytes() <= bounds.max_bytes.max(1 << 20) * 2,
                            "{} bytes",
                            s.bytes()
                        );
                    }
                    searches += 1;
                }
            }
            assert!(
                tl.checkpoint_bytes() <= CHECKPOINT_BUDGET_BYTES,
                "{} bytes of checkpoints",
                tl.checkpoint_bytes()
            );
        }));
        if let Err(e) = result {
            panic!(
                "seed {} action {} (kind {}): {:?}",
                seed,
                i,
                what,
                panic_text(&e)
            );
        }
        peak = checked_peak(peak, i);
    }
    println!(
        "monkey: seed {}, {} actions: {} files loaded, {} refused, {} faults and settings, {} steps, {} searches; peak RSS {} MB",
        seed, count, loaded, refused, acted, steps, searches, peak >> 20
    );
}

/// The same monkey through the UI's own operations (`Session`, issue #17's "natively against
/// `Session`"): files through the parser the UI uses, steps, faults, seeks done in slices and
/// sometimes cancelled, beats, the wheel, knobs, "Apply now", a trace exported and imported, a
/// link restored. No operation may panic, every job ends within its budget of slices, and memory
/// stays under 512 MB. `EOSCOPE_MONKEY_ACTIONS` and `EOSCOPE_MONKEY_SEED` as above.
#[test]
fn random_ui_operations_on_a_session_never_panic_and_memory_stays_bounded() {
    use eoscope::session::{Session, SEEK_AT_ONCE};
    let (count, seed) = (
        env_u64("EOSCOPE_MONKEY_ACTIONS", 2_000),
        env_u64("EOSCOPE_MONKEY_SEED", 17),
    );
    let names: Vec<&str> = eoscope::embed_options::SCENARIOS
        .iter()
        .map(|s| s.0)
        .collect();
    let texts: Vec<String> = names.iter().map(|n| common::shipped_text(n)).collect();
    let mut r = Rng(seed);
    let mut s = Session::new();
    s.load_text(Some(0), &texts[0], None).unwrap();
    let (mut loaded, mut refused, mut jobs, mut imports, mut peak) = (0u64, 0u64, 0u64, 0u64, 0);
    for i in 0..count {
        let what = r.below(100);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            match what {
                0..=3 => {
                    let k = r.below(texts.len() as u64) as usize;
                    let mut v: Value = serde_json::from_str(&texts[k]).unwrap();
                    for _ in 0..r.below(4) {
                        mutate(&mut v, &mut r);
                    }
                    match s.load_text(Some(k), &v.to_string(), Some(r.below(100))) {
                        Ok(()) if s.load_error.is_none() => loaded += 1,
                        _ => refused += 1,
                    }
                }
                4..=19 => {
                    if let Some(tl) = &s.tl {
                        let a = action(&mut r, tl);
                        if check_actions(&tl.scenario, &[(0, a.clone())]).is_ok() {
                            s.act(a);
                        }
                    }
                }
                20..=59 => {
                    for _ in 0..1 + r.below(50) {
                        if !s.step() {
                            break;
                        }
                    }
                }
                60..=67 => s.step_back(),
                68..=77 => {
                    let here = s.step_index();
                    if !s.seek(r.below(here + 3 * SEEK_AT_ONCE)) {
                        jobs += 1;
                        let mut slices = 0;
                        while s.work(SEEK_AT_ONCE).is_none() && s.job.is_some() {
                            slices += 1;
                            assert!(slices < 10_000, "a job that never ends");
                            if r.below(8) == 0 {
                                s.cancel();
                            }
                        }
                    }
                }
                78..=81 => {
                    if !s.story.is_empty() {
                        s.go_beat(r.below(s.story.len() as u64) as usize);
                        s.finish_job();
                    }
                }
                82..=84 => {
                    if !s.take_wheel() {
                        s.back_to_story();
                    }
                }
                85..=87 => {
                    let keys: [&str; 3] = ["enable.idempotence", "acks", "isolation.level"];
                    let key = keys[r.below(3) as usize];
                    let _ = s.flip_knob(key);
                    s.finish_job();
                }
                88..=91 => {
                    let key = *r.pick(PRODUCER_KEYS);
                    s.set_producer(0, key, (r.below(3) != 0).then(|| value(&mut r)));
                    let _ = s.apply_now(NodeId::Producer(0));
                }
                92..=95 => {
                    if let (Some(f), Some(tl)) = (&s.run_file, &s.tl) {
                        let text = eoscope::trace_file::export(f, tl);
                        let (trace, timeline) = eoscope::trace_file::prepare(&text).unwrap();
                        let step = trace.step;
                        assert!(s.import(trace, timeline));
                        let end = s.finish_job();
                        imports += 1;
                        assert_eq!(
                            end,
                            Some(eoscope::session::Finished::Imported {
                                step,
                                digest_matches: true
                            }),
                            "the exported trace replays to its step and digest"
                        );
                    }
                }
                _ => {
                    if let Ok(m) = s.moment("en") {
                        let k = names.iter().position(|n| *n == m.scenario).unwrap_or(0);
                        let mut t = Session::new();
                        t.load_text(Some(k), &texts[k], m.seed).unwrap();
                        t.restore(Some(&m), None);
                        t.finish_job();
                    }
                }
            }
            if let Some(tl) = &s.tl {
                assert!(tl.checkpoint_bytes() <= CHECKPOINT_BUDGET_BYTES);
            }
        }));
        if let Err(e) = result {
            panic!(
                "seed {} action {} (kind {}): {:?}",
                seed,
                i,
                what,
                panic_text(&e)
            );
        }
        peak = checked_peak(peak, i);
    }
    println!(
        "session monkey: seed {}, {} actions: {} files loaded, {} refused, {} sliced jobs, {} trace imports; peak RSS {} MB",
        seed, count, loaded, refused, jobs, imports, peak >> 20
    );
}
