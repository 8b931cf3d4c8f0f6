//! A guided story over a run: which beats it tells for the settings in effect (a beat's
//! variants branch on the story's knobs), the step each beat stops at, and which beat the reader
//! is on. Pure and native, so every rule here is tested with `cargo test` (`tests/story.rs`).
//!
//! The rules a reader relies on:
//! - every beat is reachable: several beats may stop at one step, and playing, "next beat" and
//!   "previous beat" visit each of them in order (the cursor, not the step, says which is shown);
//! - a beat never describes a run it does not belong to: a knob flipped to a value the story has
//!   no telling for makes the story *untold* (the UI then shows a banner instead of the beats);
//! - the clock agrees with the beat: a beat set at tick T is shown at the last step at or before
//!   T, and nothing happens between that step and T, so the clock may read T.

use crate::sim::compare;
use crate::sim::scenario::{Beat, Localized, ScenarioFile};
use crate::sim::world::{Sim, Trace};

/// One beat as told for this run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoryBeat {
    /// Its index in the file's `beats`.
    pub source: usize,
    /// The step it stops at.
    pub step: u64,
    /// The tick it was set at, if it was set by tick.
    pub tick: Option<u64>,
    pub title: Localized,
    pub narration: Localized,
    pub highlight: Vec<String>,
    /// Told by one of the beat's variants (the reader's knobs chose it).
    pub variant: bool,
}

/// A setting the story lets a reader flip, with its value in the story and in this run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Knob {
    pub key: &'static str,
    pub original: String,
    pub now: String,
}

impl Knob {
    pub fn flipped(&self) -> bool {
        self.original != self.now
    }
}

/// The story's knobs, with their value in the story (`original`) and in the run (`run`, the
/// file the run was built from: a knob flipped, or settings edited in the app).
pub fn knobs(original: &ScenarioFile, run: &ScenarioFile) -> Vec<Knob> {
    original
        .knobs
        .iter()
        .filter_map(|k| {
            let was = compare::flip(original, k).ok()?;
            let now = compare::flip(run, k).ok()?;
            Some(Knob {
                key: was.key,
                original: was.from,
                now: now.from,
            })
        })
        .collect()
}

/// Whether the story's beats describe the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Telling {
    /// The run is the story's, or one its variants tell.
    Told,
    /// These knobs were flipped to values no beat has a telling for.
    Untold(Vec<&'static str>),
    /// Settings other than the knobs were changed.
    Edited,
}

/// Does the story tell the run built from `run`?
pub fn telling(original: &ScenarioFile, run: &ScenarioFile) -> Telling {
    let knobs = knobs(original, run);
    // Apart from the knobs, the run's file must be the story's.
    let strip = |f: &ScenarioFile| {
        let mut f = f.clone();
        for k in &original.knobs {
            for p in &mut f.producers {
                p.config.remove(k);
            }
            for c in &mut f.consumers {
                c.config.remove(k);
                if k == "enable.auto.commit" {
                    c.commit = None;
                }
            }
        }
        if original.knobs.iter().any(|k| k == "min.insync.replicas") {
            f.cluster.min_insync_replicas = original.cluster.min_insync_replicas;
        }
        if original
            .knobs
            .iter()
            .any(|k| k == "unclean.leader.election.enable")
        {
            f.cluster.unclean_leader_election_enable =
                original.cluster.unclean_leader_election_enable;
        }
        f
    };
    if strip(run) != strip(original) {
        return Telling::Edited;
    }
    let untold: Vec<&'static str> = knobs
        .iter()
        .filter(|k| k.flipped())
        .filter(|k| {
            !original
                .beats
                .iter()
                .flat_map(|b| &b.variants)
                .any(|v| v.when.get(k.key) == Some(&k.now))
        })
        .map(|k| k.key)
        .collect();
    if untold.is_empty() {
        Telling::Told
    } else {
        Telling::Untold(untold)
    }
}

/// The beats told for a run with `knobs`: each beat's first variant whose `when` holds replaces
/// the fields it sets. `step_at_tick(t)` is the last step at or before tick `t`; `end` is the
/// run's last step. Beats without a step or tick are left out; a beat never stops before the
/// one ahead of it (a story is told in order), nor after the run's end.
pub fn resolve(
    beats: &[Beat],
    knobs: &[Knob],
    step_at_tick: &dyn Fn(u64) -> u64,
    end: u64,
) -> Vec<StoryBeat> {
    let holds = |when: &std::collections::BTreeMap<String, String>| {
        when.iter()
            .all(|(k, v)| knobs.iter().any(|n| n.key == k && &n.now == v))
    };
    let mut out: Vec<StoryBeat> = Vec::new();
    for (source, b) in beats.iter().enumerate() {
        let v = b.variants.iter().find(|v| holds(&v.when));
        let (step, tick) = match v {
            Some(v) if v.step.is_some() || v.tick.is_some() => (v.step, v.tick),
            _ => (b.step, b.tick),
        };
        let by_tick = if step.is_none() { tick } else { None };
        let step = match (step, tick) {
            (Some(s), _) => s,
            (None, Some(t)) => step_at_tick(t),
            (None, None) => continue,
        };
        let floor = out.last().map_or(0, |p| p.step);
        let pick = |base: &Localized, over: Option<&Localized>| match over {
            Some(o) if !o.is_empty() => o.clone(),
            _ => base.clone(),
        };
        out.push(StoryBeat {
            source,
            step: step.clamp(floor, end.max(floor)),
            tick: by_tick,
            title: pick(&b.title, v.map(|v| &v.title)),
            narration: pick(&b.narration, v.map(|v| &v.narration)),
            highlight: v
                .and_then(|v| v.highlight.clone())
                .unwrap_or_else(|| b.highlight.clone()),
            variant: v.is_some(),
        });
    }
    out
}

/// Which beat the reader is on. Several beats can share a step, so this is state of its own,
/// moved by the story's navigation and re-derived when the run moves any other way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor(Option<usize>);

impl Cursor {
    pub fn at(self) -> Option<usize> {
        self.0
    }

    /// Puts the cursor on beat `i` (after the UI sought to its step).
    pub fn set(&mut self, i: usize, beats: &[StoryBeat]) {
        self.0 = (i < beats.len()).then_some(i);
    }

    /// The run moved to `step` some other way (step, scrub, seek): on a step where beats stop,
    /// the first of them (unless the cursor is already on one of them); past it, the last beat
    /// reached.
    pub fn follow(&mut self, beats: &[StoryBeat], step: u64) {
        if self
            .0
            .and_then(|i| beats.get(i))
            .is_some_and(|b| b.step == step)
        {
            return;
        }
        self.0 = match beats.iter().rposition(|b| b.step <= step) {
            Some(last) if beats[last].step == step => beats.iter().position(|b| b.step == step),
            other => other,
        };
    }

    /// Playing arrived at `step`: it stops there if a beat ahead of the cursor does, and the
    /// cursor moves to the first such beat.
    pub fn arrive(&mut self, beats: &[StoryBeat], step: u64) -> bool {
        let from = self.0.map_or(0, |i| i + 1);
        match beats.iter().skip(from).position(|b| b.step == step) {
            Some(k) => {
                self.0 = Some(from + k);
                true
            }
            None => false,
        }
    }

    /// Before playing takes a step: a further beat at this same step is shown first (playback
    /// holds there), so no beat of a group is skipped.
    pub fn hold_next(&mut self, beats: &[StoryBeat], step: u64) -> bool {
        let next = self.0.map_or(0, |i| i + 1);
        if beats.get(next).is_some_and(|b| b.step == step) {
            self.0 = Some(next);
            true
        } else {
            false
        }
    }

    /// "next beat": the beat after the cursor and the step to go to.
    pub fn next(&self, beats: &[StoryBeat]) -> Option<(usize, u64)> {
        let i = self.0.map_or(0, |i| i + 1);
        beats.get(i).map(|b| (i, b.step))
    }

    /// "previous beat": the beat before the cursor and the step to go to.
    pub fn prev(&self, beats: &[StoryBeat]) -> Option<(usize, u64)> {
        let i = self.0?.checked_sub(1)?;
        beats.get(i).map(|b| (i, b.step))
    }

    /// The time to show: the beat's own tick when the run is at its step (nothing happens in
    /// between), else the simulation's.
    pub fn clock(&self, beats: &[StoryBeat], step: u64, now: u64) -> u64 {
        match self.0.and_then(|i| beats.get(i)) {
            Some(StoryBeat {
                step: s,
                tick: Some(t),
                ..
            }) if *s == step && *t > now => *t,
            _ => now,
        }
    }
}

/// What a beat's English narration says about a checker property: `(property, passes)` for
/// each "`name` fails" / "`name` passes" it contains. The narration test holds every shipped
/// story to these against the run at that beat.
pub fn claimed_verdicts(narration: &str) -> Vec<(&'static str, bool)> {
    let mut out = Vec::new();
    for p in crate::sim::checker::Property::ALL {
        let name = p.name();
        for (at, _) in narration.match_indices(name) {
            let rest = narration[at + name.len()..].trim_start_matches(['`', '"', ' ', ')']);
            let word: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            match word.as_str() {
                "fails" | "failed" | "fail" => out.push((name, false)),
                "passes" | "passed" | "holds" | "pass" => out.push((name, true)),
                _ => {}
            }
        }
    }
    out
}

/// The last step at or before tick `t` in `trace` (0 when the run has none yet).
pub fn step_at_tick(trace: &Trace, t: u64) -> u64 {
    trace
        .events
        .iter()
        .rev()
        .find(|e| e.tick.0 <= t)
        .map_or(0, |e| e.step)
}

/// The beats of `file` told for a run whose look-ahead is `preview` (run to its end or as far as
/// the UI looks ahead).
pub fn tell(file: &ScenarioFile, knobs: &[Knob], preview: &Sim) -> Vec<StoryBeat> {
    resolve(
        &file.beats,
        knobs,
        &|t| step_at_tick(&preview.trace, t),
        preview.world.step,
    )
}
