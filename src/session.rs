//! The run on screen and every operation the UI performs on it, without Yew, so native tests can
//! drive it (`tests/session.rs`): load a story, step, act, seek (in slices when far), take the
//! wheel and go back to the story, flip a knob, restore a shared moment, edit the draft, apply
//! settings now, import a trace, make a link. `src/ui` owns one `Session`, draws from it and
//! phrases its structured answers (`Refusal`, `Unlinkable`, `Finished`) in the reader's language.

use crate::embed_options::SCENARIOS;
use crate::share::Moment;
use crate::sim::config::RawConfig;
use crate::sim::scenario::{Beat, ClusterSpec, FaultAction, MessageMatch, Scenario, ScenarioFile};
use crate::sim::timeline::{check_actions, Timeline, UserAction};
use crate::sim::types::NodeId;
use crate::sim::vecmap::VecSet;
use crate::sim::world::{MsgId, World};
use crate::story::{self, Cursor, Knob, StoryBeat, Telling};
use crate::trace_file::TraceFile;
use serde_json::Value;
use std::rc::Rc;

/// How far ahead the preview looks to learn a run's length and where its faults and violations
/// are; a restored moment never goes further.
pub const PREVIEW_STEPS: u64 = 20_000;
/// The look-ahead simulates this many steps at once (every shipped story ends within it, so its
/// beats are known at its first frame); the rest of it goes on in idle slices (`Session::work`).
pub const PREVIEW_AT_ONCE: u64 = 2_000;
/// A seek that simulates more steps than this goes in slices (`Session::work`), with progress
/// and Cancel: about a frame's worth in the browser.
pub const SEEK_AT_ONCE: u64 = 5_000;

/// Where the scrubber puts a mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mark {
    Fault,
    Action,
    Violation,
}

/// What the timeline knows of the run ahead: its end and the steps worth marking.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Preview {
    pub end: u64,
    /// False when the look-ahead stopped before the run ended.
    pub done: bool,
    pub marks: Vec<(u64, Mark)>,
}

/// The author's own scenario file, when the run comes from one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OwnFile {
    /// Fetched from `src` (a URL from the site's root): links and embed code can name it.
    Url(String),
    /// Written inside the element: nothing outside the page can name it.
    Inline,
}

/// What a person did to a message in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageFault {
    Drop,
    Duplicate,
    Delay(u64),
}

/// Why "Apply now" changed nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The draft's settings for this client are those it runs with.
    NothingToApply,
    /// No such client in this run.
    NotRunning,
    /// Kafka's validation refused the settings (its message); nothing was recorded.
    Rejected(String),
    /// A setting only a re-run from the start changes (a consumer's `commit` mode).
    RerunOnly(&'static str),
}

/// Why no link can name the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unlinkable {
    /// The file is not one a link can name (the editor's, an inline one, an imported trace's).
    NoFile,
    /// The settings changed, or an action is one a link does not carry.
    Edited,
}

/// Work longer than a frame, done in slices by `Session::work`.
#[derive(Clone, Debug)]
pub enum Job {
    /// Going to step `target` (replaying from step `from`), then onto beat `beat`.
    Seek {
        target: u64,
        from: u64,
        beat: Option<usize>,
    },
    /// Replaying an imported trace to its step.
    Import { trace: Box<TraceFile> },
}

/// How far a job has come, for its progress line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    /// The step it is going to.
    pub target: u64,
}

/// A job that ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finished {
    /// At the step sought (or the run's end before it).
    Arrived { step: u64 },
    /// An imported trace replayed to `step`; whether the digest is the file's.
    Imported { step: u64, digest_matches: bool },
    /// Cancelled at `step`.
    Cancelled { step: u64 },
    /// The look-ahead ended: the preview and the story's beats are told again.
    Looked,
}

/// The story as the reader left it on taking the wheel: enough to rebuild its state exactly.
#[derive(Clone, Debug)]
pub struct Wheel {
    scenario: Scenario,
    seed: u64,
    actions: Vec<(u64, UserAction)>,
    step: u64,
    draft: Option<ScenarioFile>,
    run_file: Option<ScenarioFile>,
    beats: Vec<Beat>,
    picked: Option<usize>,
    shipped_settings: bool,
}

#[derive(Clone, Debug)]
pub struct Session {
    /// Index into `SCENARIOS`, `None` for a file of the author's, the editor's or a trace's.
    pub picked: Option<usize>,
    /// The author's own file the run comes from (`picked` is then `None`).
    pub own: Option<OwnFile>,
    /// The settings being edited (validated on every change), and the setting edited last,
    /// where the validation message is shown.
    pub draft: Option<ScenarioFile>,
    pub draft_error: Option<String>,
    pub last_edit: Option<(String, &'static str)>,
    pub load_error: Option<String>,
    pub tl: Option<Timeline>,
    pub preview: Preview,
    pub selected: Option<MsgId>,
    /// A message fault waiting for its message: "drop the next ProduceResponse to producer-0".
    pub armed: Option<MessageMatch>,
    pub apply_result: Option<(NodeId, Result<RawConfig, Refusal>)>,
    /// The loaded story's beats as written.
    pub beats: Vec<Beat>,
    /// The beats as told for this run, the one the reader is on, and whether they tell it.
    pub story: Vec<StoryBeat>,
    pub cursor: Cursor,
    pub telling: Telling,
    /// The story's file as picked (knob values and "back to the story" are relative to it).
    pub story_file: Option<ScenarioFile>,
    pub knobs: Rc<Vec<Knob>>,
    /// The author's knobs (`data-knobs`), replacing a story's own.
    pub author_knobs: Option<Vec<String>>,
    /// The reader has the wheel: the story left at a beat, to go back to.
    pub wheel: Option<Wheel>,
    /// The file the current run was built from (the draft may have been edited since).
    pub run_file: Option<ScenarioFile>,
    /// The run has the shipped scenario's settings (re-running with edited ones clears this):
    /// only then can a link, which names the scenario, restore it.
    pub shipped_settings: bool,
    pub job: Option<Job>,
    /// The look-ahead still going on in idle slices: its copy of the run and the steps it took.
    looking: Option<(Box<crate::sim::Sim>, u64)>,
    /// Counts the runs built: an answer that arrives later (a search, a fetch, a file read)
    /// belongs to the run it started from and is dropped if another is on screen.
    run_id: u64,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            picked: None,
            own: None,
            draft: None,
            draft_error: None,
            last_edit: None,
            load_error: None,
            tl: None,
            preview: Preview::default(),
            selected: None,
            armed: None,
            apply_result: None,
            beats: Vec::new(),
            story: Vec::new(),
            cursor: Cursor::default(),
            telling: Telling::Told,
            story_file: None,
            knobs: Rc::new(Vec::new()),
            author_knobs: None,
            wheel: None,
            run_file: None,
            shipped_settings: true,
            job: None,
            looking: None,
            run_id: 0,
        }
    }
}

impl Session {
    pub fn new() -> Session {
        Session::default()
    }

    /// The run on screen: an answer to a request made while `run_id()` was this belongs to it.
    pub fn run_id(&self) -> u64 {
        self.run_id
    }

    pub fn step_index(&self) -> u64 {
        self.tl.as_ref().map_or(0, |t| t.step_index())
    }

    pub fn at_end(&self) -> bool {
        self.tl.as_ref().is_none_or(|t| t.sim.is_done())
    }

    /// A new run is on screen: what belonged to the old one goes.
    fn new_run(&mut self, tl: Timeline) {
        self.tl = Some(tl);
        self.run_id += 1;
        self.job = None;
        self.selected = None;
        self.armed = None;
        self.apply_result = None;
    }

    /// Builds a fresh run from `file` and `seed`. An invalid file leaves the old run in place
    /// and says why in `load_error`; returns whether it loaded.
    pub fn load(&mut self, file: ScenarioFile, seed: u64) -> bool {
        match Scenario::from_file(&file) {
            Ok(scenario) => {
                self.new_run(Timeline::new(scenario, Some(seed)));
                self.load_error = None;
                self.draft_error = None;
                self.beats = file.beats.clone();
                self.cursor = Cursor::default();
                self.run_file = Some(file.clone());
                self.draft = Some(file);
                self.refresh_preview();
                true
            }
            Err(e) => {
                self.load_error = Some(e);
                false
            }
        }
    }

    /// Loads a scenario file's text as the story: shipped story `i`, or (`None`) the author's
    /// own. `Err` is the parser's message (the UI names the file); the old run stays.
    pub fn load_text(
        &mut self,
        i: Option<usize>,
        text: &str,
        seed: Option<u64>,
    ) -> Result<(), String> {
        let file = crate::sim::scenario::parse_file(text)?;
        let seed = seed.unwrap_or(file.seed);
        self.wheel = None;
        let mut story = file.clone();
        if let Some(k) = &self.author_knobs {
            story.knobs = k.clone();
        }
        self.story_file = Some(story);
        self.picked = i;
        self.own = None;
        self.shipped_settings = true;
        self.load(file, seed);
        Ok(())
    }

    /// A file from the editor: a run of its own (no link names it), which is also the story
    /// the narration tells. `false` when it does not load (its message in `load_error`).
    pub fn load_edited(&mut self, file: ScenarioFile) -> bool {
        let seed = file.seed;
        let story_file = self.story_file.replace(file.clone());
        if self.load(file, seed) {
            self.picked = None;
            self.own = None;
            self.wheel = None;
            self.refresh_preview();
            true
        } else {
            self.story_file = story_file;
            false
        }
    }

    /// Looks ahead (a copy of the run, up to `PREVIEW_STEPS`) for the run's end and its marks,
    /// and tells the story's beats for this run (its knobs choose the variants). The first
    /// `PREVIEW_AT_ONCE` steps are simulated now; the rest in idle slices (`work`), after which
    /// the preview is told again.
    pub fn refresh_preview(&mut self) {
        self.looking = None;
        let Some(tl) = &self.tl else {
            self.preview = Preview::default();
            return;
        };
        let mut sim = Box::new(tl.sim.clone());
        let mut taken = 0;
        while taken < PREVIEW_AT_ONCE && sim.step() {
            taken += 1;
        }
        self.tell_preview(&sim);
        if taken == PREVIEW_AT_ONCE && !sim.is_done() {
            self.looking = Some((sim, taken));
        }
    }

    /// Goes on with the look-ahead for at most `budget` steps; true when it ended now.
    fn look_further(&mut self, budget: u64) -> bool {
        let Some((sim, taken)) = &mut self.looking else {
            return false;
        };
        let mut left = budget.min(PREVIEW_STEPS - *taken);
        while left > 0 && sim.step() {
            left -= 1;
            *taken += 1;
        }
        if *taken < PREVIEW_STEPS && !sim.is_done() {
            return false;
        }
        if let Some((sim, _)) = self.looking.take() {
            self.tell_preview(&sim);
        }
        true
    }

    /// The preview and the story's beats from a look-ahead `sim` (as far as it went).
    fn tell_preview(&mut self, sim: &crate::sim::Sim) {
        let Some(tl) = &self.tl else { return };
        // A sorted set (VecSet), not Vec::sort: one fewer instance of the standard library's sort.
        let mut marks: VecSet<(u64, Mark)> = Default::default();
        for e in &sim.trace.events {
            if e.what.is_fault() {
                marks.insert((e.step, Mark::Fault));
            }
        }
        for v in &sim.world.checker.violations {
            marks.insert((v.step, Mark::Violation));
        }
        for (s, _) in &tl.actions {
            marks.insert((*s, Mark::Action));
        }
        let knobs = match (&self.story_file, &self.run_file) {
            (Some(o), Some(r)) => story::knobs(o, r),
            _ => Vec::new(),
        };
        self.story = story::resolve(
            &self.beats,
            &knobs,
            &|t| story::step_at_tick(&sim.trace, t),
            sim.world.step,
        );
        self.telling = match (&self.story_file, &self.run_file) {
            (Some(o), Some(r)) => story::telling(o, r),
            _ => Telling::Told,
        };
        self.knobs = Rc::new(knobs);
        self.preview = Preview {
            end: sim.world.step,
            done: sim.is_done(),
            marks: marks.into_iter().collect(),
        };
    }

    /// Whether `work` has something to do: a job, or the look-ahead's idle slices.
    pub fn busy(&self) -> bool {
        self.job.is_some() || self.looking.is_some()
    }

    /// One step forward, then any armed message fault. False at the end.
    pub fn step(&mut self) -> bool {
        self.job = None;
        let Some(tl) = &mut self.tl else { return false };
        let moved = tl.step();
        if moved {
            self.fire_armed();
        }
        moved
    }

    pub fn step_back(&mut self) {
        let here = self.step_index();
        if here > 0 {
            self.seek(here - 1);
        }
    }

    /// Arms a message fault (or disarms it): it drops the first matching message in flight, now
    /// or when one is sent.
    pub fn arm(&mut self, m: Option<MessageMatch>) {
        self.armed = m;
        self.fire_armed();
    }

    fn fire_armed(&mut self) {
        let (Some(tl), Some(armed)) = (&mut self.tl, &self.armed) else {
            return;
        };
        let hit = tl
            .sim
            .world
            .net
            .in_flight
            .values()
            .find(|e| !e.held && armed.matches(e.msg.kind(), e.from, e.to))
            .map(|e| e.id);
        if let Some(id) = hit {
            tl.act(UserAction::DropMessage(id));
            self.armed = None;
            self.refresh_preview();
        }
    }

    /// Applies and records a person's action at this step (the future after it is forgotten).
    /// False when it changes nothing: then nothing is recorded or marked.
    pub fn act(&mut self, a: UserAction) -> bool {
        self.job = None;
        let Some(tl) = &mut self.tl else { return false };
        let applied = tl.act(a);
        if applied {
            self.refresh_preview();
        }
        applied
    }

    /// A fault on the selected message in flight (a dropped one is no longer selected).
    pub fn on_selected(&mut self, f: MessageFault) -> bool {
        let Some(id) = self.selected else {
            return false;
        };
        let done = self.act(match f {
            MessageFault::Drop => UserAction::DropMessage(id),
            MessageFault::Duplicate => UserAction::DuplicateMessage(id),
            MessageFault::Delay(ms) => UserAction::DelayMessage(id, ms),
        });
        if f == MessageFault::Drop {
            self.selected = None;
        }
        done
    }

    /// Goes to `step`: at once when that simulates few steps, else as a job in slices
    /// (`work`). Returns true when it is there now.
    pub fn seek(&mut self, step: u64) -> bool {
        self.seek_then(step, None)
    }

    fn seek_then(&mut self, target: u64, beat: Option<usize>) -> bool {
        self.job = None;
        let Some(tl) = &mut self.tl else { return true };
        if tl.seek_cost(target) <= SEEK_AT_ONCE {
            tl.seek(target);
            if let Some(i) = beat {
                self.cursor.set(i, &self.story);
            }
            return true;
        }
        // Where the replay starts: here going forward, the checkpoint going back.
        let from = target.saturating_sub(tl.seek_cost(target));
        self.job = Some(Job::Seek { target, from, beat });
        false
    }

    /// The job under way, and how far it has come.
    pub fn progress(&self) -> Option<Progress> {
        let tl = self.tl.as_ref()?;
        let (target, from) = match self.job.as_ref()? {
            Job::Seek { target, from, .. } => (*target, *from),
            // An import replays from step 0.
            Job::Import { trace } => (trace.step, 0),
        };
        let here = tl.step_index();
        // Before its first slice, a seek back is still past its target.
        let done = if here > target {
            0
        } else {
            here.saturating_sub(from)
        };
        Some(Progress {
            done,
            total: target.saturating_sub(from),
            target,
        })
    }

    /// Simulates at most `budget` steps of the job under way (else of the look-ahead); `Some`
    /// when one ended.
    pub fn work(&mut self, budget: u64) -> Option<Finished> {
        let target = match &self.job {
            None => return self.look_further(budget).then_some(Finished::Looked),
            Some(Job::Seek { target, .. }) => *target,
            Some(Job::Import { trace }) => trace.step,
        };
        let tl = self.tl.as_mut()?;
        if !tl.seek_toward(target, budget) {
            return None;
        }
        let step = tl.step_index();
        match self.job.take()? {
            Job::Seek { beat, .. } => {
                if let Some(i) = beat {
                    self.cursor.set(i, &self.story);
                }
                Some(Finished::Arrived { step })
            }
            Job::Import { trace } => {
                let digest_matches = crate::trace_file::digest_matches(&trace, tl);
                self.refresh_preview();
                Some(Finished::Imported {
                    step,
                    digest_matches,
                })
            }
        }
    }

    /// Stops the job under way where it is.
    pub fn cancel(&mut self) -> Option<Finished> {
        self.job.take()?;
        if self.tl.is_some() {
            self.refresh_preview();
        }
        Some(Finished::Cancelled {
            step: self.step_index(),
        })
    }

    /// Runs the job under way to its end (native callers and tests).
    pub fn finish_job(&mut self) -> Option<Finished> {
        self.job.as_ref()?;
        self.work(u64::MAX)
    }

    /// Re-derives which beat the reader is on after the run moved some other way.
    pub fn follow_cursor(&mut self) {
        let step = self.step_index();
        self.cursor.follow(&self.story, step);
    }

    /// The beat the reader is on, when the story tells this run.
    pub fn current_beat(&self) -> Option<&StoryBeat> {
        if self.telling != Telling::Told || self.wheel.is_some() {
            return None;
        }
        self.cursor.at().and_then(|i| self.story.get(i))
    }

    /// What the current beat highlights: node names, partitions, properties.
    pub fn highlighted(&self, name: &str) -> bool {
        self.current_beat()
            .is_some_and(|b| b.highlight.iter().any(|h| h == name))
    }

    /// The simulated time to show: the current beat's own tick when the run is at its step.
    pub fn clock(&self) -> u64 {
        let Some(tl) = &self.tl else { return 0 };
        let now = tl.sim.world.now.0;
        if self.current_beat().is_none() {
            return now;
        }
        self.cursor.clock(&self.story, tl.step_index(), now)
    }

    /// Goes to beat `i` of the story: its step, and the cursor on it (several beats can share
    /// a step). Returns true when it is there now (else a job goes there).
    pub fn go_beat(&mut self, i: usize) -> bool {
        let Some(step) = self.story.get(i).map(|b| b.step) else {
            return true;
        };
        self.seek_then(step, Some(i))
    }

    /// Leaves the guided story at this step: a sandbox from this exact state.
    pub fn take_wheel(&mut self) -> bool {
        if self.wheel.is_some() || self.beats.is_empty() {
            return false;
        }
        let Some(tl) = &self.tl else { return false };
        self.wheel = Some(Wheel {
            scenario: tl.scenario.clone(),
            seed: tl.seed,
            actions: tl.actions.clone(),
            step: tl.step_index(),
            draft: self.draft.clone(),
            run_file: self.run_file.clone(),
            beats: self.beats.clone(),
            picked: self.picked,
            shipped_settings: self.shipped_settings,
        });
        true
    }

    /// Rebuilds the story's run as it was on taking the wheel; the reader's own actions go.
    pub fn back_to_story(&mut self) -> bool {
        let Some(w) = self.wheel.take() else {
            return false;
        };
        // With its actions from the start: those at step 0 apply on arriving there too.
        let mut tl = Timeline::with_actions(w.scenario, w.seed, w.actions);
        tl.seek(w.step);
        self.new_run(tl);
        // The run's own file (the draft may hold edits not yet applied).
        self.run_file = w.run_file;
        self.draft = w.draft;
        self.beats = w.beats;
        self.picked = w.picked;
        self.shipped_settings = w.shipped_settings;
        self.validate_draft();
        self.last_edit = None;
        self.load_error = None;
        self.refresh_preview();
        true
    }

    /// Rebuilds the run from `file` with the same seed and actions, on the same beat (or step).
    pub fn rerun_keeping_place(&mut self, file: ScenarioFile) {
        let Some(tl) = &self.tl else { return };
        let (seed, actions, step) = (tl.seed, tl.actions.clone(), tl.step_index());
        let beat = self.cursor.at();
        let (picked, story_file, shipped) =
            (self.picked, self.story_file.clone(), self.shipped_settings);
        self.load(file, seed);
        self.picked = picked;
        self.story_file = story_file;
        self.shipped_settings = shipped;
        if let Some(tl) = &self.tl {
            self.tl = Some(Timeline::with_actions(tl.scenario.clone(), seed, actions));
        }
        self.refresh_preview();
        match beat {
            Some(i) if i < self.story.len() => {
                self.go_beat(i);
            }
            _ => {
                let limit = self.look_ahead_limit();
                self.seek(step.min(limit));
            }
        }
    }

    /// Flips one of the story's knobs: the same seed, faults and actions, the same beat.
    pub fn flip_knob(&mut self, key: &str) -> Result<(), String> {
        let Some(run) = self.run_file.clone() else {
            return Ok(());
        };
        let f = crate::sim::compare::flip(&run, key)?;
        let back = self.story_file.as_ref().is_some_and(|o| {
            story::telling(o, &f.file) == Telling::Told
                && story::knobs(o, &f.file).iter().all(|k| !k.flipped())
        });
        self.rerun_keeping_place(f.file);
        // A link names the shipped story: only its own settings can be linked.
        self.shipped_settings = back && self.named_file();
        Ok(())
    }

    /// The story's own settings again, on the same beat.
    pub fn back_to_original(&mut self) {
        if let Some(f) = self.story_file.clone() {
            self.rerun_keeping_place(f);
            self.shipped_settings = self.named_file();
        }
    }

    /// Brings the loaded run to a shared moment (its actions replayed at their steps, then its
    /// step) or to `step`. Never further than the run's end or the look-ahead, so a hostile
    /// step stays cheap. A moment naming a node the scenario lacks is refused in `load_error`.
    pub fn restore(&mut self, moment: Option<&Moment>, step: Option<u64>) {
        if moment.is_some_and(|m| m.without_schedule) {
            self.without_schedule();
        }
        let mut target = step;
        if let Some(m) = moment {
            let limit = self.look_ahead_limit();
            // In the fragment's order (encode writes them by step): an action before an earlier
            // one's step replaces the later history, as acting after stepping back does.
            if let Some(tl) = &mut self.tl {
                match check_actions(&tl.scenario, &m.actions) {
                    Ok(()) => {
                        for (s, a) in &m.actions {
                            tl.seek((*s).min(limit));
                            tl.act(a.clone());
                        }
                    }
                    Err(e) => self.load_error = Some(e),
                }
            }
            self.refresh_preview();
            target = target.or(Some(m.step));
        }
        if let Some(s) = target {
            let limit = self.look_ahead_limit();
            self.seek(s.min(limit));
        }
    }

    fn look_ahead_limit(&self) -> u64 {
        if self.preview.done {
            self.preview.end
        } else {
            PREVIEW_STEPS
        }
    }

    /// Rebuilds the run from the draft with its scripted faults left out (a search's
    /// counterexample, or a link to one, brings its own), at step 0 with no actions.
    pub fn without_schedule(&mut self) {
        let (Some(mut file), Some(tl)) = (self.draft.clone(), &self.tl) else {
            return;
        };
        let seed = tl.seed;
        file.schedule.clear();
        let picked = self.picked;
        self.load(file, seed);
        self.picked = picked;
        // The story's beats belong to the scripted run.
        self.beats.clear();
        self.refresh_preview();
    }

    /// Loads a run of `file` (its schedule already cleared) replaying `actions`, at `step`: a
    /// search's counterexample. Its faults are user actions, so the scrubber marks them.
    pub fn load_counterexample(
        &mut self,
        file: ScenarioFile,
        seed: u64,
        actions: &[(u64, UserAction)],
        step: u64,
    ) -> bool {
        let picked = self.picked;
        let wheel = self.wheel.take();
        if !self.load(file, seed) {
            self.wheel = wheel;
            return false;
        }
        self.picked = picked;
        self.beats.clear();
        if let Some(tl) = &self.tl {
            let mut t = Timeline::with_actions(tl.scenario.clone(), seed, actions.to_vec());
            t.seek(step);
            self.tl = Some(t);
        }
        self.refresh_preview();
        true
    }

    /// Shows an imported trace's run (`trace_file::prepare`), replayed to its step in slices:
    /// a job that ends with `Finished::Imported`. `false` when its file does not load.
    pub fn import(&mut self, trace: TraceFile, timeline: Timeline) -> bool {
        if !self.load(trace.file.clone(), trace.seed) {
            return false;
        }
        // A file of its own: a link could not name it.
        self.picked = None;
        self.own = None;
        self.wheel = None;
        self.new_run(timeline);
        self.refresh_preview();
        self.job = Some(Job::Import {
            trace: Box::new(trace),
        });
        true
    }

    /// Re-runs from the start with the draft and `seed` (the seed field's, else the file's).
    /// False when the draft is invalid (its message in `draft_error`).
    pub fn rerun(&mut self, seed: Option<u64>) -> bool {
        self.validate_draft();
        if self.draft_error.is_some() {
            return false;
        }
        let Some(file) = self.draft.clone() else {
            return false;
        };
        let seed = seed.unwrap_or(file.seed);
        if self.run_file.as_ref() != Some(&file) {
            self.shipped_settings = false;
        }
        self.load(file, seed)
    }

    pub fn validate_draft(&mut self) {
        self.draft_error = self
            .draft
            .as_ref()
            .and_then(|f| Scenario::from_file(f).err());
    }

    /// Sets a producer's Kafka setting in the draft: `None` is Kafka's default.
    pub fn set_producer(&mut self, i: usize, key: &'static str, v: Option<Value>) {
        if let Some(p) = self.draft.as_mut().and_then(|f| f.producers.get_mut(i)) {
            set_key(&mut p.config, key, v);
        }
        self.last_edit = Some((format!("producer-{}", i), key));
        self.validate_draft();
    }

    /// Sets a consumer's Kafka setting in the draft: `None` is Kafka's default.
    pub fn set_consumer(&mut self, i: usize, key: &'static str, v: Option<Value>) {
        if let Some(c) = self.draft.as_mut().and_then(|f| f.consumers.get_mut(i)) {
            set_key(&mut c.config, key, v);
        }
        self.last_edit = Some((format!("consumer-{}", i), key));
        self.validate_draft();
    }

    /// Sets a consumer's commit mode in the draft (`None`: the one its settings imply).
    pub fn set_commit(&mut self, i: usize, mode: Option<String>) {
        if let Some(c) = self.draft.as_mut().and_then(|f| f.consumers.get_mut(i)) {
            c.commit = mode;
        }
        self.last_edit = Some((format!("consumer-{}", i), "commit"));
        self.validate_draft();
    }

    pub fn set_version(&mut self, v: String) {
        if let Some(f) = self.draft.as_mut() {
            f.version = v;
        }
        self.last_edit = Some(("cluster".into(), "version"));
        self.validate_draft();
    }

    /// Sets a topic or cluster setting of the draft (a re-run applies it).
    pub fn set_cluster(&mut self, key: &'static str, v: &str) {
        if let Some(f) = self.draft.as_mut() {
            set_cluster(&mut f.cluster, key, v);
        }
        self.last_edit = Some(("cluster".into(), key));
        self.validate_draft();
    }

    /// "Apply now": restarts client `node` with the draft's settings for it. `Ok` is the change
    /// applied (a key set to `null` went back to Kafka's default); a refusal records nothing.
    pub fn apply_now(&mut self, node: NodeId) -> Result<RawConfig, Refusal> {
        let result = self.apply_change(node);
        self.apply_result = Some((node, result.clone()));
        result
    }

    fn apply_change(&mut self, node: NodeId) -> Result<RawConfig, Refusal> {
        let (Some(draft), Some(tl)) = (&self.draft, &self.tl) else {
            return Err(Refusal::NotRunning);
        };
        if let NodeId::Consumer(i) = node {
            let commit = |f: &ScenarioFile| f.consumers.get(i as usize).map(|c| c.commit.clone());
            if self.run_file.as_ref().map(commit) != Some(commit(draft)) {
                return Err(Refusal::RerunOnly("commit"));
            }
        }
        let change = changes_for(draft, &tl.sim.world, node).ok_or(Refusal::NotRunning)?;
        if change.is_empty() {
            return Err(Refusal::NothingToApply);
        }
        tl.sim
            .check_config_change(node, &change)
            .map_err(Refusal::Rejected)?;
        let action = UserAction::Fault(FaultAction::SetConfig {
            node,
            config: change.clone(),
        });
        if self.act(action) {
            Ok(change)
        } else {
            Err(Refusal::NotRunning)
        }
    }

    /// The run comes from a file a link can name: a shipped story or the author's `src`.
    pub fn named_file(&self) -> bool {
        self.picked.is_some() || matches!(self.own, Some(OwnFile::Url(_)))
    }

    /// The moment the run is at, for a link or embed code, in language `lang` (`en`, `ko`).
    pub fn moment(&self, lang: &str) -> Result<Moment, Unlinkable> {
        let tl = self.tl.as_ref().ok_or(Unlinkable::NoFile)?;
        let (id, src) = match (&self.own, self.picked) {
            (Some(OwnFile::Url(u)), _) => (String::new(), Some(u.clone())),
            (None, Some(i)) => (
                SCENARIOS.get(i).ok_or(Unlinkable::NoFile)?.0.to_string(),
                None,
            ),
            _ => return Err(Unlinkable::NoFile),
        };
        // A link names the scenario and carries message and node faults, nothing else: a run
        // with other settings (re-run or applied to a running client) would not come back.
        let linkable = |(s, a): &(u64, UserAction)| {
            crate::share::action_to_json(*s, a, crate::share::Carrier::Link).is_some()
        };
        if !self.shipped_settings || !tl.actions.iter().all(linkable) {
            return Err(Unlinkable::Edited);
        }
        Ok(Moment {
            scenario: id,
            src,
            seed: Some(tl.seed),
            step: tl.step_index(),
            lang: lang.to_string(),
            actions: tl.actions.clone(),
            // A search's counterexample runs without the scenario's scripted faults (the draft's
            // schedule is cleared when it is loaded); a link to it must leave them out too.
            without_schedule: self.draft.as_ref().is_some_and(|f| f.schedule.is_empty()),
        })
    }
}

/// Sets (or, `None`, removes: Kafka's default) one key of a client's settings.
pub fn set_key(raw: &mut RawConfig, key: &str, v: Option<Value>) {
    match v {
        Some(v) => {
            raw.insert(key.to_string(), v);
        }
        None => {
            raw.remove(key);
        }
    }
}

/// Sets a topic or cluster setting from the settings panel's text.
pub fn set_cluster(c: &mut ClusterSpec, key: &str, v: &str) {
    let n = v.trim().parse::<u8>().ok();
    match (key, n) {
        ("brokers", Some(n)) => c.brokers = n,
        ("partitions", Some(n)) => c.partitions = n,
        ("replication.factor", Some(n)) => c.replication_factor = n,
        ("min.insync.replicas", Some(n)) => c.min_insync_replicas = n,
        ("unclean.leader.election.enable", _) => c.unclean_leader_election_enable = v == "true",
        ("eligible.leader.replicas.version", n) => c.eligible_leader_replicas_version = n,
        _ => {}
    }
}

/// How `node`'s draft settings differ from those it runs with: each key set to another value,
/// and each key the draft no longer sets as `null` (back to Kafka's default). `None` when
/// `node` is not a client of this run.
pub fn changes_for(f: &ScenarioFile, w: &World, node: NodeId) -> Option<RawConfig> {
    let (draft, now) = match node {
        NodeId::Producer(i) => (
            f.producers.get(i as usize).map(|p| &p.config)?,
            w.producer_configs.get(i as usize)?,
        ),
        NodeId::Consumer(i) => (
            f.consumers.get(i as usize).map(|c| &c.config)?,
            w.consumer_configs.get(i as usize)?,
        ),
        NodeId::Broker(_) => return None,
    };
    let mut change: RawConfig = draft
        .iter()
        .filter(|(k, v)| now.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for k in now.keys().filter(|k| !draft.contains_key(*k)) {
        change.insert(k.clone(), Value::Null);
    }
    Some(change)
}
