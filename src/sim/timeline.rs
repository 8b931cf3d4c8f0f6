//! Exact time travel: a run is its scenario, its seed and the user's actions at given steps.
//! Going back replays deterministically from the nearest checkpoint, so step back and scrubbing
//! show exactly the earlier picture, with memory bounded by the number of checkpoints kept.

use super::effects::Out;
use super::scenario::{FaultAction, Scenario};
use super::types::NodeId;
use super::world::{MsgId, Sim, Trace, TRACE_LIMIT};
use serde::Serialize;

/// Something a person does to a running simulation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum UserAction {
    /// Drop a message in flight (a click on it).
    DropMessage(MsgId),
    /// Deliver a message in flight twice.
    DuplicateMessage(MsgId),
    /// Deliver a message in flight later.
    DelayMessage(MsgId, u64),
    /// Any fault or intervention from the palette: crash, restart, partition, a setting…
    Fault(FaultAction),
    /// Crash a node and restart it this many ms later.
    CrashFor(NodeId, u64),
}

impl UserAction {
    /// The nodes it names, and whether it is a change of settings.
    fn nodes(&self) -> Vec<NodeId> {
        let m = |m: &super::scenario::MessageMatch| [m.from, m.to].into_iter().flatten().collect();
        match self {
            UserAction::DropMessage(_)
            | UserAction::DuplicateMessage(_)
            | UserAction::DelayMessage(..) => Vec::new(),
            UserAction::CrashFor(n, _) => vec![*n],
            UserAction::Fault(f) => match f {
                FaultAction::Drop(x)
                | FaultAction::Duplicate(x)
                | FaultAction::Delay(x, _)
                | FaultAction::Inject(x, _) => m(x),
                FaultAction::Crash(n)
                | FaultAction::Restart(n)
                | FaultAction::Pause(n, _)
                | FaultAction::SetConfig { node: n, .. } => vec![*n],
                FaultAction::Partition(a, b)
                | FaultAction::Heal(a, b)
                | FaultAction::Hold(a, b)
                | FaultAction::Release(a, b) => vec![*a, *b],
                FaultAction::DropRate { from, to, .. } => {
                    [*from, *to].into_iter().flatten().collect()
                }
            },
        }
    }
}

/// Checks recorded actions (a shared moment's, an imported trace's) against the scenario they
/// will replay in: every node they name exists, a `set_config` changes a client's settings by
/// its own keys, a `pause` holds a consumer. `Err` names the action's index and the node:
/// "actions[2]: `producer-9` does not exist in this scenario (producer-0 to producer-0)".
pub fn check_actions(scenario: &Scenario, actions: &[(u64, UserAction)]) -> Result<(), String> {
    let nodes = super::scenario::Nodes::of(scenario);
    for (i, (_, a)) in actions.iter().enumerate() {
        let at = |e: String| format!("actions[{}]: {}", i, e);
        for n in a.nodes() {
            nodes.check(n).map_err(at)?;
        }
        match a {
            UserAction::Fault(FaultAction::SetConfig { node, config }) => {
                let keys = match node {
                    NodeId::Producer(_) => (super::config::PRODUCER_KEYS, "producer"),
                    NodeId::Consumer(_) => (super::config::CONSUMER_KEYS, "consumer"),
                    NodeId::Broker(_) => {
                        return Err(at(format!(
                            "`set_config` changes a client's settings; `{}` is a broker",
                            node
                        )))
                    }
                };
                super::config::check_keys(config, keys.0, keys.1)
                    .map_err(|e| at(format!("`set_config` on `{}`: {}", node, e)))?;
            }
            UserAction::Fault(FaultAction::Pause(node, _))
                if !matches!(node, NodeId::Consumer(_)) =>
            {
                return Err(at(format!(
                    "`pause` holds a consumer application; `{}` is not one",
                    node
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

impl Sim {
    /// Applies a user action now. Returns false when it does not apply: the message arrived,
    /// or the fault would change nothing (`Sim::fault_changes_anything`).
    pub fn apply_user_action(&mut self, action: &UserAction) -> bool {
        match action {
            UserAction::DropMessage(id) => self.drop_message(*id),
            UserAction::DuplicateMessage(id) => self.duplicate_message(*id),
            UserAction::DelayMessage(id, ms) => self.delay_message(*id, *ms),
            UserAction::CrashFor(n, ms) => self.crash_for(*n, *ms),
            UserAction::Fault(f) if !self.fault_changes_anything(f) => false,
            UserAction::Fault(f) => {
                let mut out = Out::default();
                self.apply_action(f, &mut out);
                true
            }
        }
    }
}

/// How many steps apart checkpoints are at first, and how many are kept at most.
const CHECKPOINT_EVERY: u64 = 256;
pub const MAX_CHECKPOINTS: usize = 128;
/// Trace entries a checkpoint keeps.
const CHECKPOINT_TRACE_KEPT: usize = 500;

/// A run that can go forward and back.
#[derive(Clone, Debug)]
pub struct Timeline {
    pub scenario: Scenario,
    pub seed: u64,
    /// The user's actions, by the step after which they were applied, in order.
    pub actions: Vec<(u64, UserAction)>,
    pub sim: Sim,
    checkpoints: Vec<Sim>,
    every: u64,
    /// What the checkpoints may take together (`limits::CHECKPOINT_BUDGET_BYTES` unless told).
    checkpoint_budget: usize,
    /// What they take now (`limits::sim_bytes_beyond`, each beside the one before it).
    checkpoint_bytes: usize,
}

impl Timeline {
    pub fn new(scenario: Scenario, seed: Option<u64>) -> Timeline {
        let seed = seed.unwrap_or(scenario.seed);
        let sim = Sim::with_trace(scenario.clone(), Some(seed), Trace::new(true, TRACE_LIMIT));
        Timeline {
            scenario,
            seed,
            actions: Vec::new(),
            // Step 0 is not kept: it is rebuilt from the scenario (a clone of a run holds its
            // checker's per-record facts for every record the file sends, ~20 bytes each).
            checkpoints: Vec::new(),
            sim,
            every: CHECKPOINT_EVERY,
            checkpoint_budget: super::limits::CHECKPOINT_BUDGET_BYTES,
            checkpoint_bytes: 0,
        }
    }

    /// The same run with its checkpoints held to `bytes` (a side-by-side twin); at least the
    /// newest is kept, whatever it takes.
    pub fn with_checkpoint_budget(mut self, bytes: usize) -> Timeline {
        self.checkpoint_budget = bytes;
        self
    }

    /// A run replaying recorded actions (a shared moment, an imported trace, a search's
    /// counterexample, the other side of a comparison); at step 0, ready to `seek`.
    pub fn with_actions(
        scenario: Scenario,
        seed: u64,
        actions: Vec<(u64, UserAction)>,
    ) -> Timeline {
        let mut tl = Timeline::new(scenario, Some(seed));
        tl.actions = actions;
        // Actions apply on arriving at their step; the run starts at step 0.
        tl.apply_due();
        tl
    }

    pub fn step_index(&self) -> u64 {
        self.sim.world.step
    }

    /// One step forward, then the recorded actions of the step arrived at (there are some when
    /// this is a step back into a history that was stepped back from). Returns false at the end.
    pub fn step(&mut self) -> bool {
        let moved = self.sim.step();
        if moved
            && self.sim.world.step.is_multiple_of(self.every)
            && self
                .checkpoints
                .last()
                .is_none_or(|c| c.world.step < self.sim.world.step)
        {
            // A checkpoint keeps only the end of the trace: what the event log shows after a seek
            // (the rest is set aside while the run is cloned, not cloned and then dropped).
            let events = std::mem::take(&mut self.sim.trace.events);
            let keep = events.len().saturating_sub(CHECKPOINT_TRACE_KEPT);
            self.sim.trace.events = events.range(keep..).cloned().collect();
            let checkpoint = self.sim.clone();
            self.sim.trace.events = events;
            self.checkpoint_bytes +=
                super::limits::sim_bytes_beyond(&checkpoint, self.checkpoints.last());
            self.checkpoints.push(checkpoint);
            // Memory stays flat: past the count or the byte budget (`limits`), keep every
            // other checkpoint counted back from the newest (stepping back from here stays
            // cheap) and space future ones twice as far apart; a seek re-simulates from the
            // nearest one kept (or from the scenario).
            while self.checkpoints.len() > MAX_CHECKPOINTS
                || (self.checkpoints.len() > 1 && self.checkpoint_bytes > self.checkpoint_budget)
            {
                let mut from_newest = self.checkpoints.len();
                self.checkpoints.retain(|_| {
                    from_newest -= 1;
                    from_newest.is_multiple_of(2)
                });
                self.recount_checkpoint_bytes();
                self.every *= 2;
            }
        }
        if moved {
            self.apply_due();
        }
        moved
    }

    /// Applies the recorded actions of the current step (on arriving at it).
    fn apply_due(&mut self) {
        let here = self.sim.world.step;
        let due: Vec<UserAction> = self
            .actions
            .iter()
            .filter(|(s, _)| *s == here)
            .map(|(_, a)| a.clone())
            .collect();
        for a in &due {
            self.sim.apply_user_action(a);
        }
    }

    /// Applies and records a user action at the current step. Actions after the current step
    /// (a future that was stepped back from) are forgotten, as in any editor's undo history.
    pub fn act(&mut self, action: UserAction) -> bool {
        let here = self.sim.world.step;
        self.actions.retain(|(s, _)| *s <= here);
        let kept = self.checkpoints.len();
        self.checkpoints.retain(|c| c.world.step <= here);
        if self.checkpoints.len() < kept {
            self.recount_checkpoint_bytes();
        }
        let applied = self.sim.apply_user_action(&action);
        if applied {
            self.actions.push((here, action));
        }
        applied
    }

    /// Goes to step `target` exactly: from the nearest checkpoint at or before it, replaying the
    /// recorded actions at their steps. Actions are applied on arriving at their step, so the
    /// current step's actions are never applied twice (they were, on arrival or by `act`).
    pub fn seek(&mut self, target: u64) {
        self.seek_toward(target, u64::MAX);
    }

    /// A seek in slices: moves toward step `target`, simulating at most `budget` steps, and
    /// returns true once there (or at the run's end). Going back first restores the nearest
    /// checkpoint, so the following calls only go forward.
    pub fn seek_toward(&mut self, target: u64, budget: u64) -> bool {
        if target < self.sim.world.step {
            let start = self
                .checkpoints
                .iter()
                .rev()
                .find(|c| c.world.step <= target)
                .cloned();
            self.sim = start.unwrap_or_else(|| {
                Sim::with_trace(
                    self.scenario.clone(),
                    Some(self.seed),
                    Trace::new(true, TRACE_LIMIT),
                )
            });
            // Checkpoints are taken right after a step, before any action at that step.
            self.apply_due();
        }
        let mut left = budget;
        while self.sim.world.step < target && left > 0 {
            if !self.step() {
                return true;
            }
            left -= 1;
        }
        self.sim.world.step >= target
    }

    /// How many steps a seek to `target` simulates: from here going forward, from the nearest
    /// checkpoint going back (an upper bound when the run ends first).
    pub fn seek_cost(&self, target: u64) -> u64 {
        let here = self.sim.world.step;
        if target >= here {
            return target - here;
        }
        let from = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.world.step <= target)
            .map_or(0, |c| c.world.step);
        target - from
    }

    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// The memory of the checkpoints kept, what they share counted once (each is a clone of the
    /// run, which keeps its largest parts in chunks shared until written: `chunked`).
    pub fn checkpoint_bytes(&self) -> usize {
        self.checkpoint_bytes
    }

    fn recount_checkpoint_bytes(&mut self) {
        self.checkpoint_bytes = (0..self.checkpoints.len())
            .map(|i| {
                let older = i.checked_sub(1).map(|j| &self.checkpoints[j]);
                super::limits::sim_bytes_beyond(&self.checkpoints[i], older)
            })
            .sum();
    }

    /// One step back.
    pub fn step_back(&mut self) {
        let here = self.sim.world.step;
        if here > 0 {
            self.seek(here - 1);
        }
    }
}
