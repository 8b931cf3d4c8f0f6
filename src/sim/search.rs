//! "Find a failure": a breadth-first search over fault schedules for the shortest one that
//! breaks a property (or reaches a situation) under the scenario's settings.
//!
//! Level k holds the runs with k faults. Each run goes forward one step at a time; at every step
//! each message that was just sent is a place to branch with a fault (drop it — which breaks its
//! connection, as in `world.rs` — or delay it past the client's timeout), and each node may
//! crash there and come back a second later. Branches are new runs of level k + 1. Worlds seen
//! before (by their hash) are skipped. The first level that contains a run reaching the goal
//! gives the answer, so the schedule found is a shortest one.
//!
//! The search is a plain state machine (`Search::run_for(budget)`), so a caller can slice it:
//! the browser runs a few thousand steps per animation frame and stays responsive.

use super::checker::{Property, Verdict, Violation};
use super::config::IsolationLevel;
use super::timeline::UserAction;
use super::types::NodeId;
use super::world::{Sim, Trace};
use super::Scenario;
use serde::Serialize;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, VecDeque};
use std::hash::{Hash, Hasher};

/// What the search looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Goal {
    /// A failed verdict of this property (or of any, with `None`).
    Violation(Option<Property>),
    /// A read_committed consumer waits behind an open transaction (LSO < HW on its partition).
    ReadCommittedBlocked,
    /// A producer is fenced by a newer instance (it stopped with PRODUCER_FENCED).
    ProducerFenced,
}

/// The search's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Bounds {
    /// At most this many faults in a schedule.
    pub max_faults: u32,
    /// Stop after simulating this many steps in all.
    pub max_states: u64,
    /// Branch only at the first `max_depth` steps of a run.
    pub max_depth: u64,
    /// Also crash producers and consumers (a restarted producer is a new session, which
    /// idempotence does not cover); brokers may always crash.
    pub client_crashes: bool,
    /// Stop, with `Outcome::MemoryBudget`, before the runs waiting to be explored and the
    /// worlds seen would take more than this many bytes (estimated: `limits::sim_bytes`).
    pub max_bytes: usize,
}

impl Default for Bounds {
    /// The UI's defaults, within `limits::SEARCH_BUDGET_BYTES`.
    fn default() -> Bounds {
        Bounds {
            max_faults: 1,
            max_states: 200_000,
            max_depth: 400,
            client_crashes: true,
            max_bytes: super::limits::SEARCH_BUDGET_BYTES,
        }
    }
}

/// A schedule that reaches the goal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Counterexample {
    /// The faults, by the step after which they are applied (replay them with `Timeline::act`).
    pub actions: Vec<(u64, UserAction)>,
    /// The violation found (for a situation: `None`).
    pub violation: Option<Violation>,
    /// The step at which the goal was reached.
    pub step: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Outcome {
    Found(Counterexample),
    /// Nothing up to these bounds.
    NotFound {
        faults: u32,
        exhausted: bool,
    },
    /// Stopped before the search's memory passed `Bounds::max_bytes`, with runs still to
    /// explore: nothing found so far, and narrower bounds may finish.
    MemoryBudget {
        faults: u32,
    },
}

/// The runner's (and the English UI's) sentence for a search stopped by its memory budget.
pub fn memory_budget_message(states: u64) -> String {
    format!(
        "the search stopped at {} states: memory budget reached — narrow the bounds",
        states
    )
}

struct Run {
    sim: Sim,
    actions: Vec<(u64, UserAction)>,
    /// Its estimated size, counted in `Search::bytes` while it waits or runs.
    bytes: usize,
}

impl Run {
    fn new(sim: Sim, actions: Vec<(u64, UserAction)>) -> Run {
        let bytes = super::limits::sim_bytes(&sim) + actions_bytes(actions.len());
        Run {
            sim,
            actions,
            bytes,
        }
    }
}

/// A schedule of `n` faults as a waiting run holds it: the list (allocated to its length, plus
/// the allocator's header) and the run's slot in a queue (twice: a `VecDeque` grows by doubling).
fn actions_bytes(n: usize) -> usize {
    n * std::mem::size_of::<(u64, UserAction)>() + 16 + 2 * std::mem::size_of::<Pending>()
}

/// A run waiting to be explored: with its world, or (once the search holds half its memory
/// budget in worlds) only its faults, replayed from the start when its turn comes.
struct Pending {
    sim: Option<Box<Sim>>,
    actions: Vec<(u64, UserAction)>,
    bytes: usize,
}

/// A search in progress.
pub struct Search {
    goal: Goal,
    bounds: Bounds,
    level: u32,
    current: VecDeque<Pending>,
    next: VecDeque<Pending>,
    active: Option<Run>,
    /// The run before any fault, to replay a waiting run kept without its world.
    root: Sim,
    seen: BTreeSet<u64>,
    /// The estimated bytes of the runs held (waiting, or the one running) and of `seen`.
    bytes: usize,
    /// Steps simulated so far.
    pub states: u64,
    /// The furthest step any run has reached.
    pub depth: u64,
    pub outcome: Option<Outcome>,
    /// How long a crash lasts before the node restarts.
    crash_ms: u64,
}

impl Search {
    pub fn new(scenario: Scenario, seed: Option<u64>, goal: Goal, bounds: Bounds) -> Search {
        let sim = Sim::with_trace(scenario, seed, Trace::new(false, 0));
        let first = Run::new(sim.clone(), Vec::new());
        Search {
            goal,
            bounds,
            level: 0,
            bytes: first.bytes * 2,
            root: sim,
            current: VecDeque::from([Pending {
                sim: Some(Box::new(first.sim)),
                actions: first.actions,
                bytes: first.bytes,
            }]),
            next: VecDeque::new(),
            active: None,
            seen: BTreeSet::new(),
            states: 0,
            depth: 0,
            outcome: None,
            crash_ms: 1_000,
        }
    }

    /// The number of faults the runs being explored now have.
    pub fn level(&self) -> u32 {
        self.level
    }

    /// The search's limits.
    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// The estimated memory the search holds now: its runs and the worlds it has seen.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Runs waiting to be explored (this level's and the next's).
    pub fn frontier(&self) -> usize {
        self.current.len() + self.next.len()
    }

    /// Runs the search until it ends or `budget` more steps were simulated; returns true when it ended.
    pub fn run_for(&mut self, budget: u64) -> bool {
        let stop_at = self.states.saturating_add(budget);
        while self.outcome.is_none() && self.states < stop_at {
            if self.states >= self.bounds.max_states {
                self.outcome = Some(Outcome::NotFound {
                    faults: self.level,
                    exhausted: false,
                });
                break;
            }
            let Some(mut run) = self.active.take().or_else(|| self.pop()) else {
                break;
            };
            let before: BTreeSet<u64> =
                super::types::set_of(run.sim.world.net.in_flight.keys().copied());
            let moved = run.sim.step();
            self.states += 1;
            self.depth = self.depth.max(run.sim.world.step);
            if let Some(found) = self.reached(&run) {
                self.outcome = Some(Outcome::Found(found));
                break;
            }
            if !moved || run.sim.is_done() {
                run.sim.finish();
                if let Some(found) = self.reached(&run) {
                    self.outcome = Some(Outcome::Found(found));
                    break;
                }
                self.bytes = self.bytes.saturating_sub(run.bytes);
                continue;
            }
            if self.level < self.bounds.max_faults && run.sim.world.step <= self.bounds.max_depth {
                self.branch(&run, &before);
                if self.outcome.is_some() {
                    break;
                }
            }
            self.active = Some(run);
        }
        self.outcome.is_some()
    }

    fn pop(&mut self) -> Option<Run> {
        let p = match self.current.pop_front() {
            Some(p) => p,
            None => {
                if self.next.is_empty() {
                    self.outcome = Some(Outcome::NotFound {
                        faults: self.level,
                        exhausted: true,
                    });
                    return None;
                }
                self.level += 1;
                std::mem::swap(&mut self.current, &mut self.next);
                self.current.pop_front()?
            }
        };
        self.bytes = self.bytes.saturating_sub(p.bytes);
        let sim = match p.sim {
            Some(sim) => *sim,
            None => self.replay(&p.actions),
        };
        let run = Run::new(sim, p.actions);
        self.bytes += run.bytes;
        Some(run)
    }

    /// The world a schedule leads to: the run without faults, each fault applied after its
    /// step, as `branch` made it (a run is a pure function of its scenario, seed and faults).
    fn replay(&self, actions: &[(u64, UserAction)]) -> Sim {
        let mut sim = self.root.clone();
        for (step, action) in actions {
            while sim.world.step < *step && sim.step() {}
            sim.apply_user_action(action);
        }
        sim
    }

    /// Children of this run at this step: a fault on each message just sent, a crash of each node.
    fn branch(&mut self, run: &Run, before: &BTreeSet<u64>) {
        let step = run.sim.world.step;
        let mut choices: Vec<UserAction> = Vec::new();
        for (id, e) in &run.sim.world.net.in_flight {
            if before.contains(id) {
                continue;
            }
            choices.push(UserAction::DropMessage(*id));
            // Late enough that the sender gives up first (request.timeout.ms defaults are ≤ 30 s).
            if !e.msg.kind().is_response()
                || matches!(e.to, NodeId::Producer(_) | NodeId::Consumer(_))
            {
                choices.push(UserAction::DelayMessage(*id, 31_000));
            }
        }
        let w = &run.sim.world;
        for n in w.nodes() {
            if w.is_alive(n) && (self.bounds.client_crashes || matches!(n, NodeId::Broker(_))) {
                choices.push(UserAction::CrashFor(n, self.crash_ms));
            }
        }
        // Every child is about the size of its parent: one estimate for all of them.
        let compact = actions_bytes(run.actions.len() + 1) + super::limits::SEEN_ENTRY_BYTES;
        let full = compact + super::limits::sim_bytes(&run.sim);
        for action in choices {
            let keep_world = self.bytes.saturating_add(full) <= self.bounds.max_bytes / 2;
            if !keep_world && self.bytes.saturating_add(compact) > self.bounds.max_bytes {
                self.outcome = Some(Outcome::MemoryBudget { faults: self.level });
                return;
            }
            let mut sim = run.sim.clone();
            if !sim.apply_user_action(&action) {
                continue;
            }
            // SipHash with std's fixed keys: the same in every run. (A hash may differ between
            // native and wasm, where usize is narrower; that only changes which rare
            // collisions prune, never a found schedule's validity — it is replayed.)
            let mut h = DefaultHasher::new();
            sim.world.hash(&mut h);
            if !self.seen.insert(h.finish()) {
                continue;
            }
            let mut actions = Vec::with_capacity(run.actions.len() + 1);
            actions.extend(run.actions.iter().cloned());
            actions.push((step, action));
            let bytes = if keep_world { full } else { compact };
            self.bytes += bytes;
            self.next.push_back(Pending {
                sim: keep_world.then(|| Box::new(sim)),
                actions,
                // The visited set's entry stays after the run is gone.
                bytes: bytes - super::limits::SEEN_ENTRY_BYTES,
            });
        }
    }

    fn reached(&self, run: &Run) -> Option<Counterexample> {
        let w = &run.sim.world;
        let found = |violation| {
            Some(Counterexample {
                actions: run.actions.clone(),
                violation,
                step: w.step,
            })
        };
        match self.goal {
            Goal::Violation(p) => {
                let failed = w
                    .checker
                    .verdicts
                    .iter()
                    .find(|(q, v)| p.is_none_or(|p| p == **q) && !v.passed());
                match failed {
                    Some((_, Verdict::Fail { first, .. })) => found(Some(first.clone())),
                    _ => None,
                }
            }
            Goal::ReadCommittedBlocked => {
                let blocked = w.consumers.iter().any(|c| {
                    c.alive
                        && c.setup.cfg.isolation_level == IsolationLevel::ReadCommitted
                        && c.assignment.iter().any(|tp| {
                            w.log(*tp).is_some_and(|l| {
                                l.last_stable_offset() < l.high_watermark()
                                    && c.positions
                                        .get(tp)
                                        .is_some_and(|p| *p >= l.last_stable_offset())
                            })
                        })
                });
                if blocked {
                    found(None)
                } else {
                    None
                }
            }
            Goal::ProducerFenced => {
                if w.producers
                    .iter()
                    .any(|p| p.halted == Some(super::errors::Errors::ProducerFenced))
                {
                    found(None)
                } else {
                    None
                }
            }
        }
    }
}

/// Runs a whole search (natively, or where blocking is fine).
pub fn find(scenario: Scenario, seed: Option<u64>, goal: Goal, bounds: Bounds) -> (Outcome, u64) {
    let mut s = Search::new(scenario, seed, goal, bounds);
    while !s.run_for(100_000) {}
    let outcome = s.outcome.clone().unwrap_or(Outcome::NotFound {
        faults: s.level,
        exhausted: false,
    });
    (outcome, s.states)
}
