//! The Yew front end (wasm only). It draws the core's state and drives it only through the
//! core's public API: the UI decides *when* to step and *which* fault a click means; the core
//! decides *what happens*.
//!
//! Wiring: one component, [`App`], owns the [`Timeline`] (cloning a `Sim` per step would be
//! wasteful) and handles one closed set of messages, [`Msg`]. Every view is a function of `&App`
//! that renders and emits `Msg`s through one dispatch callback built once in `create`. The
//! animation frame is a handle that cancels on drop, so nothing runs while paused or while the
//! tab is hidden (browsers don't run animation frames there). No globals, no document-level
//! listeners: keys are handled on the app's root element, so several instances can share a page.

mod controls;
mod logview;
mod panels;
pub mod scenarios;
mod settings;
mod spacetime;
mod text;
mod topology;

use crate::sim::scenario::{Beat, FaultAction, Scenario, ScenarioFile};
use crate::sim::timeline::{Timeline, UserAction};
use crate::sim::types::NodeId;
use crate::sim::world::{MsgId, TraceKind};
use gloo::render::{request_animation_frame, AnimationFrame};
use serde_json::Value;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};
use yew::prelude::*;

pub use scenarios::SCENARIOS;
pub use text::Lang;

/// Mounts the app into `#eoscope-app` (or the body when that element is absent).
pub fn start() {
    let document = gloo::utils::document();
    match document.get_element_by_id("eoscope-app") {
        Some(root) => {
            mount(root);
        }
        None => {
            yew::Renderer::<App>::new().render();
        }
    }
}

/// Mounts the app into `root`, replacing its children. Tests mount into an element of their own.
pub fn mount(root: Element) -> AppHandle<App> {
    yew::Renderer::<App>::with_root(root).render()
}

/// How far ahead the timeline looks to learn a run's length and where its faults and violations are.
const PREVIEW_STEPS: u64 = 20_000;
/// How long one animation frame may spend stepping, in ms (keeps the page responsive at top speed).
const FRAME_BUDGET_MS: f64 = 12.0;
/// The speed slider: steps per second = 10^((v - 10) / 10), from 0.1 to 1000.
pub(crate) const SPEED_MAX: u32 = 40;
const SPEED_DEFAULT: u32 = 14;
/// Partitions shown at most (8 input + 8 output).
const MAX_PARTITION_VIEWS: usize = 16;

/// The panels that can be shown or hidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Topology,
    Logs,
    Belief,
    Consumers,
    Coordinator,
    SpaceTime,
    Timers,
    Verdicts,
    Events,
    Settings,
    Faults,
}

impl Panel {
    pub const ALL: [Panel; 11] = [
        Panel::Logs,
        Panel::Verdicts,
        Panel::Topology,
        Panel::Belief,
        Panel::Consumers,
        Panel::Coordinator,
        Panel::SpaceTime,
        Panel::Timers,
        Panel::Events,
        Panel::Settings,
        Panel::Faults,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Panel::Topology => "Topology",
            Panel::Logs => "Partition logs",
            Panel::Belief => "Belief vs log",
            Panel::Consumers => "Consumers & sink",
            Panel::Coordinator => "Coordinator",
            Panel::SpaceTime => "Space-time",
            Panel::Timers => "Timers",
            Panel::Verdicts => "Verdicts",
            Panel::Events => "Event log",
            Panel::Settings => "Settings",
            Panel::Faults => "Faults",
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A message fault waiting for its message: "drop the next ProduceResponse to producer-0".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Armed {
    pub kind: Option<crate::sim::message::MessageKind>,
    pub from: Option<NodeId>,
    pub to: Option<NodeId>,
}

impl Armed {
    fn matches(&self, e: &crate::sim::world::Envelope) -> bool {
        self.kind.is_none_or(|k| k == e.msg.kind())
            && self.from.is_none_or(|f| f == e.from)
            && self.to.is_none_or(|t| t == e.to)
    }
}

/// What a person did on a message in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgAction {
    Drop,
    Duplicate,
    Delay(u64),
}

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
    /// The step each story beat stops at (a beat by tick: the last step at or before that tick).
    pub beat_steps: Vec<Option<u64>>,
}

/// A horizontal scroller's state, for drawing only what is visible.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scroll {
    pub left: f64,
    pub width: f64,
    /// Keep the end in view as the content grows.
    pub follow: bool,
}

impl Default for Scroll {
    fn default() -> Self {
        Scroll {
            left: 0.0,
            width: 1400.0,
            follow: true,
        }
    }
}

/// The fault palette's form.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultForm {
    pub node: String,
    pub a: String,
    pub b: String,
    pub per_mille: u32,
    pub kind: String,
    pub to: String,
}

impl Default for FaultForm {
    fn default() -> Self {
        FaultForm {
            node: "producer-0".into(),
            a: "producer-0".into(),
            b: "broker-0".into(),
            per_mille: 200,
            kind: "ProduceResponse".into(),
            to: "producer-0".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Msg {
    /// Load a shipped scenario by index.
    Pick(usize),
    TogglePlay,
    Pause,
    Frame(f64),
    Step,
    Back,
    ToStart,
    ToEnd,
    Seek(u64),
    Speed(u32),
    SeedText(String),
    /// Re-run from the start with the edited settings and the seed.
    Rerun,
    /// Edit a producer's (or consumer's) Kafka setting in the draft: `None` = Kafka's default.
    SetProducer(usize, &'static str, Option<Value>),
    SetConsumer(usize, &'static str, Option<Value>),
    SetCommit(usize, Option<String>),
    SetVersion(String),
    /// Edit a topic/cluster setting of the draft (re-run only): `brokers`, `replication.factor`…
    SetCluster(&'static str, String),
    /// Apply the draft's settings of one client now (restarts it with them).
    ApplyNow(NodeId),
    SelectMsg(Option<MsgId>),
    OnMsg(MsgAction),
    Fault(FaultAction),
    Arm(Option<Armed>),
    Form(FaultForm),
    TogglePanel(Panel),
    Inspect(Option<(usize, u64)>),
    LogScroll(usize, Scroll),
    LaneScroll(Scroll),
    Lang(Lang),
    JsonText(String),
    LoadJson,
    ShowJson(bool),
    ShowPolling(bool),
    PauseAtBeats(bool),
}

pub struct App {
    pub(crate) send: Callback<Msg>,
    pub(crate) onkeydown: Callback<KeyboardEvent>,
    /// Index into `SCENARIOS`, `None` for a file loaded from the JSON editor.
    pub(crate) picked: Option<usize>,
    /// The settings being edited (validated on every change).
    pub(crate) draft: Option<ScenarioFile>,
    pub(crate) draft_error: Option<String>,
    /// The setting edited last, where the validation message is shown.
    pub(crate) last_edit: Option<(String, &'static str)>,
    pub(crate) load_error: Option<String>,
    pub(crate) tl: Option<Timeline>,
    pub(crate) preview: Preview,
    pub(crate) seed_text: String,
    pub(crate) playing: bool,
    turbo: bool,
    frame: Option<AnimationFrame>,
    last_ts: Option<f64>,
    carry: f64,
    pub(crate) speed: u32,
    pub(crate) selected: Option<MsgId>,
    pub(crate) armed: Option<Armed>,
    pub(crate) form: FaultForm,
    pub(crate) apply_result: Option<(NodeId, Result<String, String>)>,
    panels: u32,
    pub(crate) inspect: Option<(usize, u64)>,
    pub(crate) scrolls: Vec<Scroll>,
    pub(crate) log_refs: Vec<NodeRef>,
    pub(crate) lane_scroll: Scroll,
    pub(crate) lane_ref: NodeRef,
    pub(crate) lang: Lang,
    pub(crate) json_text: String,
    pub(crate) show_json: bool,
    pub(crate) json_error: Option<String>,
    pub(crate) show_polling: bool,
    /// The loaded story's beats, and whether playing stops at each.
    pub(crate) beats: Vec<Beat>,
    pub(crate) pause_at_beats: bool,
}

impl App {
    pub(crate) fn shows(&self, p: Panel) -> bool {
        self.panels & p.bit() != 0
    }

    pub(crate) fn steps_per_sec(&self) -> f64 {
        10f64.powf((self.speed as f64 - 10.0) / 10.0)
    }

    /// Builds a fresh timeline from `file` and `seed`. An invalid file leaves the old run in place.
    fn load(&mut self, file: ScenarioFile, seed: u64) {
        self.stop();
        match Scenario::from_file(&file) {
            Ok(scenario) => {
                let tl = Timeline::new(scenario, Some(seed));
                self.tl = Some(tl);
                self.seed_text = seed.to_string();
                self.load_error = None;
                self.draft_error = None;
                self.json_text = serde_json::to_string_pretty(&file).unwrap_or_default();
                self.beats = file.beats.clone();
                self.draft = Some(file);
                self.selected = None;
                self.armed = None;
                self.apply_result = None;
                self.inspect = None;
                self.scrolls = vec![Scroll::default(); MAX_PARTITION_VIEWS];
                self.lane_scroll = Scroll::default();
                self.refresh_preview();
            }
            Err(e) => self.load_error = Some(e),
        }
    }

    fn pick(&mut self, i: usize) {
        let Some((_, text)) = SCENARIOS.get(i) else {
            return;
        };
        match serde_json::from_str::<ScenarioFile>(text) {
            Ok(file) => {
                let seed = file.seed;
                self.picked = Some(i);
                self.load(file, seed);
            }
            Err(e) => self.load_error = Some(format!("scenario file: {}", e)),
        }
    }

    fn refresh_preview(&mut self) {
        let Some(tl) = &self.tl else {
            self.preview = Preview::default();
            return;
        };
        let mut sim = tl.sim.clone();
        for _ in 0..PREVIEW_STEPS {
            if !sim.step() {
                break;
            }
        }
        let mut marks: Vec<(u64, Mark)> = Vec::new();
        for e in &sim.trace.events {
            if text::is_fault(&e.what)
                && !matches!(
                    e.what,
                    TraceKind::Dropped {
                        reason: crate::sim::world::DropReason::ReceiverDown,
                        ..
                    }
                )
            {
                marks.push((e.step, Mark::Fault));
            }
        }
        for v in &sim.world.checker.violations {
            marks.push((v.step, Mark::Violation));
        }
        for (s, _) in &tl.actions {
            marks.push((*s, Mark::Action));
        }
        marks.sort();
        marks.dedup();
        let beat_steps = self
            .beats
            .iter()
            .map(|b| match (b.step, b.tick) {
                (Some(s), _) => Some(s),
                (None, Some(t)) => Some(
                    sim.trace
                        .events
                        .iter()
                        .rev()
                        .find(|e| e.tick.0 <= t)
                        .map_or(0, |e| e.step),
                ),
                (None, None) => None,
            })
            .collect();
        self.preview = Preview {
            end: sim.world.step,
            done: sim.is_done(),
            marks,
            beat_steps,
        };
    }

    fn stop(&mut self) {
        self.playing = false;
        self.turbo = false;
        self.frame = None;
        self.last_ts = None;
    }

    fn request_frame(&mut self, ctx: &Context<Self>) {
        if self.frame.is_none() {
            let link = ctx.link().clone();
            self.frame = Some(request_animation_frame(move |ts| {
                link.send_message(Msg::Frame(ts))
            }));
        }
    }

    /// One step forward, then any armed message fault. Returns false at the end.
    fn step_once(&mut self) -> bool {
        let Some(tl) = &mut self.tl else { return false };
        let moved = tl.step();
        if moved {
            self.fire_armed();
        }
        moved
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
            .find(|e| !e.held && armed.matches(e))
            .map(|e| e.id);
        if let Some(id) = hit {
            tl.act(UserAction::DropMessage(id));
            self.armed = None;
            self.refresh_preview();
        }
    }

    fn act(&mut self, a: UserAction) {
        if let Some(tl) = &mut self.tl {
            tl.act(a);
            self.refresh_preview();
        }
    }

    fn seek(&mut self, step: u64) {
        if let Some(tl) = &mut self.tl {
            tl.seek(step);
        }
    }

    fn validate_draft(&mut self) {
        self.draft_error = self
            .draft
            .as_ref()
            .and_then(|f| Scenario::from_file(f).err());
    }

    /// The beat the run is at: the last one whose step has been reached.
    pub(crate) fn current_beat(&self) -> Option<usize> {
        let step = self.tl.as_ref().map_or(0, |t| t.step_index());
        self.preview
            .beat_steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_some_and(|s| s <= step))
            .map(|(i, _)| i)
            .next_back()
    }

    /// What the current beat highlights: node names, partitions, properties.
    pub(crate) fn highlighted(&self, name: &str) -> bool {
        self.current_beat()
            .and_then(|i| self.beats.get(i))
            .is_some_and(|b| b.highlight.iter().any(|h| h == name))
    }

    fn at_end(&self) -> bool {
        self.tl.as_ref().is_none_or(|t| t.sim.is_done())
    }
}

/// What a key on the app root means, if anything. Form controls keep their own keys.
fn key_msg(e: &KeyboardEvent) -> Option<Msg> {
    if e.alt_key() || e.ctrl_key() || e.meta_key() {
        return None;
    }
    let target: Option<Element> = e.target().and_then(|t| t.dyn_into::<Element>().ok());
    let tag = target
        .as_ref()
        .map(|t| t.tag_name().to_ascii_uppercase())
        .unwrap_or_default();
    let is_button = target
        .as_ref()
        .and_then(|t| t.get_attribute("role"))
        .is_some_and(|r| r == "button");
    let typing = matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA");
    match e.key().as_str() {
        " " | "Spacebar"
            if !typing && !is_button && !matches!(tag.as_str(), "BUTTON" | "A" | "SUMMARY") =>
        {
            Some(Msg::TogglePlay)
        }
        "ArrowLeft" if !typing => Some(Msg::Back),
        "ArrowRight" if !typing => Some(Msg::Step),
        _ => None,
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let send = ctx.link().callback(|m: Msg| m);
        let onkeydown = {
            let send = send.clone();
            Callback::from(move |e: KeyboardEvent| {
                if let Some(m) = key_msg(&e) {
                    e.prevent_default();
                    send.emit(m);
                }
            })
        };
        let mut app = App {
            send,
            onkeydown,
            picked: None,
            draft: None,
            draft_error: None,
            last_edit: None,
            load_error: None,
            tl: None,
            preview: Preview::default(),
            seed_text: String::new(),
            playing: false,
            turbo: false,
            frame: None,
            last_ts: None,
            carry: 0.0,
            speed: SPEED_DEFAULT,
            selected: None,
            armed: None,
            form: FaultForm::default(),
            apply_result: None,
            panels: Panel::ALL.iter().fold(0, |acc, p| acc | p.bit()),
            inspect: None,
            scrolls: vec![Scroll::default(); MAX_PARTITION_VIEWS],
            log_refs: (0..MAX_PARTITION_VIEWS)
                .map(|_| NodeRef::default())
                .collect(),
            lane_scroll: Scroll::default(),
            lane_ref: NodeRef::default(),
            lang: Lang::En,
            json_text: String::new(),
            show_json: false,
            json_error: None,
            show_polling: false,
            beats: Vec::new(),
            pause_at_beats: true,
        };
        app.pick(0);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Pick(i) => self.pick(i),
            Msg::TogglePlay => {
                if self.playing {
                    self.stop();
                } else if self.tl.is_some() {
                    if self.at_end() {
                        self.seek(0);
                    }
                    self.playing = true;
                    self.turbo = false;
                    self.last_ts = None;
                    // The first frame takes a step at once, so play feels immediate.
                    self.carry = 1.0;
                    self.request_frame(ctx);
                }
            }
            Msg::Pause => self.stop(),
            Msg::Frame(ts) => {
                self.frame = None;
                if !self.playing {
                    return false;
                }
                let dt = self.last_ts.map_or(0.0, |l| (ts - l).clamp(0.0, 250.0));
                self.last_ts = Some(ts);
                self.carry += dt * self.steps_per_sec() / 1000.0;
                let mut n = if self.turbo {
                    u64::MAX
                } else {
                    self.carry.floor() as u64
                };
                self.carry -= self.carry.floor();
                let started = js_sys::Date::now();
                let mut moved_any = false;
                while n > 0 {
                    if !self.step_once() {
                        self.stop();
                        break;
                    }
                    moved_any = true;
                    n -= 1;
                    // A guided story stops at each beat, so its narration can be read.
                    let here = self.tl.as_ref().map(|t| t.step_index());
                    if !self.turbo
                        && self.pause_at_beats
                        && self
                            .preview
                            .beat_steps
                            .iter()
                            .any(|s| s.is_some() && *s == here)
                    {
                        self.stop();
                        break;
                    }
                    if js_sys::Date::now() - started > FRAME_BUDGET_MS {
                        self.carry = 0.0;
                        break;
                    }
                }
                if self.playing {
                    self.request_frame(ctx);
                }
                return moved_any || !self.playing;
            }
            Msg::Step => {
                self.stop();
                self.step_once();
            }
            Msg::Back => {
                self.stop();
                if let Some(tl) = &mut self.tl {
                    tl.step_back();
                }
            }
            Msg::ToStart => {
                self.stop();
                self.seek(0);
            }
            Msg::ToEnd => {
                self.stop();
                if self.preview.done && self.armed.is_none() {
                    let end = self.preview.end;
                    self.seek(end);
                } else if self.tl.is_some() {
                    self.playing = true;
                    self.turbo = true;
                    self.request_frame(ctx);
                }
            }
            Msg::Seek(s) => {
                self.stop();
                self.seek(s);
            }
            Msg::Speed(v) => self.speed = v.min(SPEED_MAX),
            Msg::SeedText(s) => {
                self.seed_text = s.chars().filter(|c| c.is_ascii_digit()).take(19).collect()
            }
            Msg::Rerun => {
                self.validate_draft();
                if self.draft_error.is_none() {
                    if let Some(file) = self.draft.clone() {
                        let seed = self.seed_text.parse::<u64>().unwrap_or(file.seed);
                        self.load(file, seed);
                    }
                }
            }
            Msg::SetProducer(i, key, v) => {
                if let Some(p) = self.draft.as_mut().and_then(|f| f.producers.get_mut(i)) {
                    settings::set_key(&mut p.config, key, v);
                }
                self.last_edit = Some((format!("producer-{}", i), key));
                self.validate_draft();
            }
            Msg::SetConsumer(i, key, v) => {
                if let Some(c) = self.draft.as_mut().and_then(|f| f.consumers.get_mut(i)) {
                    settings::set_key(&mut c.config, key, v);
                }
                self.last_edit = Some((format!("consumer-{}", i), key));
                self.validate_draft();
            }
            Msg::SetCommit(i, mode) => {
                if let Some(c) = self.draft.as_mut().and_then(|f| f.consumers.get_mut(i)) {
                    c.commit = mode;
                }
                self.last_edit = Some((format!("consumer-{}", i), "commit"));
                self.validate_draft();
            }
            Msg::SetVersion(v) => {
                if let Some(f) = self.draft.as_mut() {
                    f.version = v;
                }
                self.last_edit = Some(("cluster".into(), "version"));
                self.validate_draft();
            }
            Msg::SetCluster(key, v) => {
                if let Some(f) = self.draft.as_mut() {
                    settings::set_cluster(&mut f.cluster, key, &v);
                }
                self.last_edit = Some(("cluster".into(), key));
                self.validate_draft();
            }
            Msg::ApplyNow(node) => {
                let change = match (&self.draft, &self.tl) {
                    (Some(f), Some(tl)) => settings::changes_for(f, &tl.sim.world, node),
                    _ => None,
                };
                match change {
                    None => {
                        self.apply_result = Some((
                            node,
                            Err("nothing to apply: these settings are already in effect".into()),
                        ))
                    }
                    Some(config) => {
                        self.act(UserAction::Fault(FaultAction::SetConfig { node, config }));
                        let outcome = self.tl.as_ref().and_then(|tl| {
                            tl.sim
                                .trace
                                .events
                                .iter()
                                .rev()
                                .take(64)
                                .find_map(|e| match &e.what {
                                    TraceKind::ConfigRejected { node: n, error } if *n == node => {
                                        Some(Err(error.clone()))
                                    }
                                    TraceKind::ConfigChanged { node: n, config } if *n == node => {
                                        Some(Ok(format!(
                                            "{} restarted with {}",
                                            node,
                                            text::config_text(config)
                                        )))
                                    }
                                    _ => None,
                                })
                        });
                        self.apply_result = Some((
                            node,
                            outcome.unwrap_or_else(|| Err("the client is not running".into())),
                        ));
                    }
                }
            }
            Msg::SelectMsg(id) => self.selected = id,
            Msg::OnMsg(a) => {
                if let Some(id) = self.selected {
                    self.act(match a {
                        MsgAction::Drop => UserAction::DropMessage(id),
                        MsgAction::Duplicate => UserAction::DuplicateMessage(id),
                        MsgAction::Delay(ms) => UserAction::DelayMessage(id, ms),
                    });
                    if a == MsgAction::Drop {
                        self.selected = None;
                    }
                }
            }
            Msg::Fault(f) => self.act(UserAction::Fault(f)),
            Msg::Arm(a) => {
                self.armed = a;
                self.fire_armed();
            }
            Msg::Form(f) => self.form = f,
            Msg::TogglePanel(p) => self.panels ^= p.bit(),
            Msg::Inspect(c) => {
                if self.inspect == c {
                    return false;
                }
                self.inspect = c;
            }
            Msg::LogScroll(i, s) => {
                let Some(slot) = self.scrolls.get_mut(i) else {
                    return false;
                };
                if *slot == s {
                    return false;
                }
                *slot = s;
            }
            Msg::LaneScroll(s) => {
                if self.lane_scroll == s {
                    return false;
                }
                self.lane_scroll = s;
            }
            Msg::Lang(l) => self.lang = l,
            Msg::JsonText(t) => self.json_text = t,
            Msg::LoadJson => match serde_json::from_str::<ScenarioFile>(&self.json_text) {
                Ok(file) => {
                    let seed = file.seed;
                    let text = self.json_text.clone();
                    self.load(file, seed);
                    self.json_error = self.load_error.take();
                    if self.json_error.is_none() {
                        self.picked = None;
                    } else {
                        self.json_text = text;
                    }
                }
                Err(e) => self.json_error = Some(format!("scenario file: {}", e)),
            },
            Msg::ShowJson(b) => self.show_json = b,
            Msg::ShowPolling(b) => self.show_polling = b,
            Msg::PauseAtBeats(b) => self.pause_at_beats = b,
        }
        true
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        // Scrolling that follows the end: after drawing, put followed scrollers at their end.
        for (i, r) in self.log_refs.iter().enumerate() {
            if self.scrolls.get(i).is_some_and(|s| s.follow) {
                if let Some(el) = r.cast::<HtmlElement>() {
                    let end = el.scroll_width() - el.client_width();
                    if end > 0 && el.scroll_left() < end {
                        el.set_scroll_left(end);
                    }
                }
            }
        }
        if self.lane_scroll.follow {
            if let Some(el) = self.lane_ref.cast::<HtmlElement>() {
                let end = el.scroll_width() - el.client_width();
                if end > 0 && el.scroll_left() < end {
                    el.set_scroll_left(end);
                }
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let _ = ctx;
        let send = &self.send;
        let narration = self
            .tl
            .as_ref()
            .map(|_| self.narration())
            .unwrap_or_default();
        let body = match &self.tl {
            None => html! {},
            Some(tl) => {
                let main = html! {
                    <>
                        { self.panel(Panel::Logs, "panel-logs", logview::view(self, tl)) }
                        { self.panel(Panel::Topology, "panel-topology", topology::view(self, tl)) }
                        { self.panel(Panel::Faults, "panel-faults", controls::faults(self, tl)) }
                        { self.panel(Panel::Belief, "panel-belief", panels::belief(self, tl)) }
                        { self.panel(Panel::Consumers, "panel-consumers", panels::consumers(self, tl)) }
                        { self.panel(Panel::SpaceTime, "panel-spacetime", spacetime::view(self, tl)) }
                        { self.panel(Panel::Coordinator, "panel-coordinator", panels::coordinator(self, tl)) }
                    </>
                };
                let side = html! {
                    <>
                        { self.panel(Panel::Verdicts, "panel-verdicts", panels::verdicts(self, tl)) }
                        { self.panel(Panel::Settings, "panel-settings", settings::view(self, tl)) }
                        { self.panel(Panel::Timers, "panel-timers", panels::timers(self, tl)) }
                        { self.panel(Panel::Events, "panel-events", panels::events(self, tl)) }
                    </>
                };
                html! {
                    <>
                        { controls::playback(self, tl) }
                        <div class="cols">
                            <div class="col col-main">{ main }</div>
                            <div class="col col-side">{ side }</div>
                        </div>
                    </>
                }
            }
        };
        let toggles = Panel::ALL.iter().map(|p| {
            let p = *p;
            let on = self.shows(p);
            html! {
                <button type="button" class={classes!("chip", on.then_some("on"))} aria-pressed={on.to_string()}
                    onclick={send.reform(move |_| Msg::TogglePanel(p))}>{ p.label() }</button>
            }
        });
        html! {
            <div class="eoscope" tabindex="0" onkeydown={self.onkeydown.clone()}
                aria-label="eoscope: Kafka exactly-once simulator. Space plays or pauses, left and right arrows step.">
                <header class="top">
                    <div class="brand">
                        <h1>{ "eoscope" }</h1>
                        <span class="tagline">{ "Kafka's exactly-once machinery, simulated" }</span>
                    </div>
                    { controls::picker(self) }
                </header>
                if let Some(e) = &self.load_error {
                    <p class="error" role="alert">{ e }</p>
                }
                { narration }
                <nav class="toggles" aria-label="Show or hide panels">{ for toggles }</nav>
                { body }
            </div>
        }
    }
}

impl App {
    fn panel(&self, p: Panel, class: &'static str, content: Html) -> Html {
        if !self.shows(p) {
            return html! {};
        }
        html! {
            <section class={classes!("panel", class)} aria-label={p.label()}>
                <h2>{ p.label() }</h2>
                { content }
            </section>
        }
    }

    fn narration(&self) -> Html {
        let Some(f) = &self.draft else {
            return html! {};
        };
        let lang = self.lang.code();
        let pick = |m: &std::collections::BTreeMap<String, String>| {
            m.get(lang)
                .or_else(|| m.get("en"))
                .cloned()
                .unwrap_or_default()
        };
        let send = &self.send;
        let beat = self
            .current_beat()
            .and_then(|i| self.beats.get(i).map(|b| (i, b)));
        let seek_beat = |k: Option<usize>| -> Option<Callback<MouseEvent>> {
            let step = k.and_then(|k| self.preview.beat_steps.get(k).copied().flatten())?;
            Some(send.reform(move |_| Msg::Seek(step)))
        };
        let n = self.beats.len();
        html! {
            <div class="narration" lang={lang}>
                <h2 class="story-title">{ pick(&f.title) }</h2>
                if let Some((i, b)) = beat {
                    <p class="beat-head"><span class="beat-no">{ format!("{} / {}", i + 1, n) }</span>{ " " }<strong>{ pick(&b.title) }</strong></p>
                    <p class="beat-text" aria-live="polite">{ pick(&b.narration) }</p>
                    <div class="beat-nav">
                        <button type="button" class="small" disabled={i == 0} onclick={seek_beat(i.checked_sub(1)).unwrap_or_default()}>{ "◀ previous beat" }</button>
                        <button type="button" class="small" disabled={i + 1 >= n} onclick={seek_beat(Some(i + 1)).unwrap_or_default()}>{ "next beat ▶" }</button>
                    </div>
                } else {
                    <p>{ pick(&f.description) }</p>
                }
            </div>
        }
    }
}
