//! The Yew front end (wasm only). It draws the core's state and drives it only through the
//! core's public API: the UI decides *when* to step and *which* fault a click means; the core
//! decides *what happens*.
//!
//! Wiring: [`App`] owns the [`Session`] (the run, its story and every operation on it, native and
//! tested in `tests/session.rs`) and handles one closed set of messages, [`Msg`]. Most views are
//! still functions of `&App`; the stage (`stage.rs`) and the fault palette (`faults.rs`) are
//! function components with small props and state of their own. All emit `Msg`s through one
//! dispatch callback built once in `create`. The
//! animation frame is a handle that cancels on drop, so nothing runs while paused or while the
//! tab is hidden (browsers don't run animation frames there). No globals, no document-level
//! listeners: keys are handled on the app's root element, so several instances can share a page.

mod controls;
mod export;
mod faults;
mod logview;
mod panels;
pub mod scenarios;
mod search;
mod settings;
mod sidebyside;
mod spacetime;
mod stage;
use crate::catalog as text;
pub mod widget;

use crate::session::{Finished, MessageFault, OwnFile, Session};
use crate::sim::scenario::{FaultAction, MessageMatch, Scenario, ScenarioFile};
use crate::sim::timeline::{Timeline, UserAction};
use crate::sim::types::NodeId;
use crate::sim::world::MsgId;
use crate::story::Telling;
use gloo::render::{request_animation_frame, AnimationFrame};
use serde_json::Value;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};
use yew::prelude::*;

pub use crate::embed_options::{Panel, SCENARIOS};
pub use crate::session::{Mark, Preview};
pub use text::Lang;
pub use widget::{Controls, Options};

/// The app's own page: the full app in `root`, restoring a shared moment from `#m=1.…`. A bad
/// fragment shows its message and the default story runs. (static/boot.js decides what mounts
/// where, and with which build: the full app or the reader's.)
pub fn mount_app(root: Element) {
    let (_, raw, _) = widget::location();
    // A fragment whose `=` was percent-escaped on the way (`#m%3D1.…`) is the same link; one that
    // does not decode is read as it is (and refused with the moment's message).
    let hash = js_sys::decode_uri_component(&raw)
        .ok()
        .and_then(|h| h.as_string())
        .unwrap_or(raw);
    let options = if hash.contains("m=") {
        widget::validate(
            widget::RawOptions {
                moment: Some(hash),
                ..Default::default()
            },
            false,
            widget::page_lang(),
        )
        .map(|mut o| {
            o.embed.autoplay = false;
            o
        })
    } else {
        Ok(Options::from(crate::embed_options::EmbedOptions {
            lang: widget::page_lang(),
            ..crate::embed_options::EmbedOptions::default()
        }))
    };
    match options {
        Ok(o) => widget::mount_into(root, o, None, false),
        Err(e) => widget::mount_into(root, widget::refused(false), Some(e), false),
    };
}

/// `eoscope.mount(element, options)` (exported by `widget::js_mount`): mounts a widget with options from
/// JavaScript. Returns the validation message (also shown in the widget), or `None`.
pub fn mount_js(el: Element, options: wasm_bindgen::JsValue) -> Option<String> {
    match widget::from_js(options) {
        Ok(o) => widget::mount_into(el, o, None, true),
        Err(e) => widget::mount_into(el, widget::refused(true), Some(e), true),
    }
}

/// Mounts the full app into `root`, replacing its children. Tests mount into an element of their own.
pub fn mount(root: Element) -> AppHandle<App> {
    mount_with(root, Options::default())
}

/// Mounts the app into `root` with `options`.
pub fn mount_with(root: Element, options: Options) -> AppHandle<App> {
    yew::Renderer::<App>::with_root_and_props(root, options).render()
}

/// The full app (cargo feature `full`, the default): the scenario editor, settings, search, side
/// by side, export/import and share dialogs. Without it, the reader's widget build
/// (`scripts/build-reader.sh`): the same widget minus those, which `boot.js` loads for pages whose
/// widgets need nothing more. Code behind `if FULL` is not linked into the reader's build.
pub const FULL: bool = cfg!(feature = "full");

/// The scenario file as the editor shows it.
fn pretty_json(f: &ScenarioFile) -> String {
    serde_json::to_string(f).map_or_else(|_| String::new(), crate::pretty_json::pretty_if_small)
}

/// How long one animation frame may spend stepping, in ms (keeps the page responsive at top speed).
const FRAME_BUDGET_MS: f64 = 12.0;
/// The speed slider: steps per second = 10^((v - 10) / 10), from 0.1 to 1000.
pub(crate) const SPEED_MAX: u32 = 40;
const SPEED_DEFAULT: u32 = 14;
/// Partitions shown at most (8 input + 8 output).
const MAX_PARTITION_VIEWS: usize = 16;

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
    OnMsg(MessageFault),
    Fault(FaultAction),
    Arm(Option<MessageMatch>),
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
    /// The widget scrolled into view (true) or out of it, or the tab was hidden (false).
    Visible(bool),
    /// A scenario file fetched (a shipped one for `Pick`, or the author's `src`), the run it was
    /// asked on, the seed, and the text or a message.
    Fetched(Fetch, u64, Option<u64>, Result<String, String>),
    CopyLink,
    CopyEmbed,
    Copied(bool),
    /// The host "Copy embed code" writes for, and the base path of `dist/` on the author's site.
    EmbedHost(crate::embed_code::Host),
    EmbedBase(String),
    /// Leave the guided story at the current beat: a sandbox from this exact state.
    TakeWheel,
    /// Back to the story at the beat where the reader left it.
    BackToStory,
    SearchForm(search::SearchForm),
    SearchStart,
    SearchCancel,
    /// An animation frame for the next slice of the search.
    SearchFrame,
    DownloadTrace,
    DownloadSvg,
    DownloadPng,
    /// The PNG was saved (`Ok`) or the page refused the `blob:` image (`Err`).
    PngDone(Result<(), ()>),
    /// A trace file picked or dropped, to read.
    OpenTrace(web_sys::File),
    /// Its text (or why it could not be read).
    TraceText(Result<String, String>),
    /// The setting side by side flips.
    CompareKey(String),
    Compare,
    /// Flip one of the story's knobs (a re-run with the same seed, faults and actions).
    Knob(&'static str),
    /// Go to beat N of the story.
    GoBeat(usize),
    /// The story's own settings again (after a knob or settings change it does not tell).
    BackToOriginal,
    /// The stage's width changed.
    Resized,
    /// An animation frame for the next slice of a far seek, a trace import or the look-ahead.
    JobFrame,
    JobCancel,
}

/// A scenario file being fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetch {
    /// A shipped story, by index into `SCENARIOS`.
    Shipped(usize),
    /// The author's own file (`src`), by its URL from the site's root.
    Own(String),
}

/// What "Copy link" or "Copy embed code" made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Made {
    Link,
    Embed,
    /// Nothing: the run's settings or actions are not the named file's.
    Edited,
    /// Nothing: no link can name the run's file.
    NoFile,
}

/// A share link or embed snippet that was made, and whether the clipboard took it.
#[derive(Clone, Debug, PartialEq)]
pub struct Shared {
    pub what: Made,
    pub text: String,
    pub copied: Option<bool>,
}

pub struct App {
    /// The run on screen, its story and every operation on it.
    pub(crate) session: Session,
    /// The next slice of a far seek, a trace import or the look-ahead; its size in steps; how
    /// the last seek or import ended.
    job_frame: Option<AnimationFrame>,
    job_slice: u64,
    pub(crate) job_note: Option<String>,
    /// The run a trace file being read was opened on.
    reader_run: u64,
    pub(crate) send: Callback<Msg>,
    pub(crate) onkeydown: Callback<KeyboardEvent>,
    pub(crate) seed_text: String,
    pub(crate) playing: bool,
    turbo: bool,
    frame: Option<AnimationFrame>,
    last_ts: Option<f64>,
    carry: f64,
    pub(crate) speed: u32,
    panels: u32,
    pub(crate) inspect: Option<(usize, u64)>,
    pub(crate) scrolls: Vec<Scroll>,
    pub(crate) log_refs: Vec<NodeRef>,
    pub(crate) lane_scroll: Scroll,
    pub(crate) lane_ref: NodeRef,
    pub(crate) lang: Lang,
    pub(crate) json_text: String,
    /// Bumped when the app writes `json_text` itself: the editor's textarea is rebuilt with it
    /// (it never reads a large text back from the textarea on every render: #17).
    pub(crate) json_gen: u32,
    pub(crate) show_json: bool,
    pub(crate) json_error: Option<String>,
    pub(crate) show_polling: bool,
    /// The stage's width in CSS px (measured after rendering), and when the step on screen began
    /// (animation-frame time), so the stage can animate the step's time.
    pub(crate) stage_width: f64,
    pub(crate) stage_ref: NodeRef,
    pub(crate) step_stamp: f64,
    _resize_listener: Option<gloo::events::EventListener>,
    pub(crate) pause_at_beats: bool,
    pub(crate) opts: Options,
    link: html::Scope<App>,
    /// A scenario being fetched, and the options to apply once it is loaded.
    pub(crate) loading: Option<Fetch>,
    /// "Copy embed code": the host the snippet is for, and where `dist/` is on the author's site.
    pub(crate) embed_host: crate::embed_code::Host,
    pub(crate) embed_base: String,
    pending: Option<Options>,
    visible: bool,
    pub(crate) notice: Option<String>,
    pub(crate) shared: Option<Shared>,
    /// Autoplay already started once; playback to resume when the widget is visible again.
    autoplayed: bool,
    resume: bool,
    /// What the host element was last told (custom events).
    told_step: Option<u64>,
    told_verdicts: Vec<(&'static str, &'static str)>,
    _visible_listener: Option<gloo::events::EventListener>,
    pub(crate) search_form: search::SearchForm,
    pub(crate) searching: Option<search::Running>,
    pub(crate) search_result: Option<search::Finished>,
    root_ref: NodeRef,
    /// What the last export or import did (`true`: an error).
    pub(crate) export_note: Option<(&'static str, String)>,
    reader: Option<gloo::file::callbacks::FileReader>,
    pub(crate) compare_key: String,
    pub(crate) side: Option<sidebyside::SideBySide>,
    pub(crate) compare_error: Option<String>,
}

impl App {
    /// A label of the app's own interface in the app's language.
    pub(crate) fn t(&self, k: text::T) -> &'static str {
        text::t(self.lang, k)
    }

    pub(crate) fn shows(&self, p: Panel) -> bool {
        self.panels & p.bit() != 0
    }

    pub(crate) fn steps_per_sec(&self) -> f64 {
        10f64.powf((self.speed as f64 - 10.0) / 10.0)
    }

    /// Runs a session operation; when it built another run, what belonged to the old one goes:
    /// a search and its result (a late counterexample must not replace the run now on screen,
    /// #17 item 6), side by side, the editor's text, the log's scroll and hover.
    fn with_session<R>(&mut self, op: impl FnOnce(&mut Session) -> R) -> R {
        let before = self.session.run_id();
        let r = op(&mut self.session);
        if self.session.run_id() != before {
            self.on_new_run();
        }
        r
    }

    fn on_new_run(&mut self) {
        self.stop();
        self.searching = None;
        self.search_result = None;
        self.side = None;
        self.compare_error = None;
        self.inspect = None;
        self.job_note = None;
        self.scrolls = vec![Scroll::default(); MAX_PARTITION_VIEWS];
        self.lane_scroll = Scroll::default();
        if let Some(tl) = &self.session.tl {
            self.seed_text = tl.seed.to_string();
        }
        if FULL {
            if let Some(f) = &self.session.draft {
                self.json_text = pretty_json(f);
                self.json_gen = self.json_gen.wrapping_add(1);
            }
        }
    }

    fn pick(&mut self, i: usize) {
        self.pick_seeded(i, None)
    }

    /// Loads shipped scenario `i`: at once when it is embedded, else after fetching its file
    /// (`Msg::Fetched`); the current run stays on screen meanwhile.
    fn pick_seeded(&mut self, i: usize, seed: Option<u64>) {
        if let Some(text) = scenarios::embedded(i) {
            self.loading = None;
            self.load_text(Some(i), text, seed);
            return;
        }
        let Some((id, _, _)) = SCENARIOS.get(i) else {
            return;
        };
        let url = format!("{}scenarios/{}.json", scenarios::base_url(), id);
        self.fetch(Fetch::Shipped(i), &url, seed);
    }

    /// Fetches a scenario file; its answer is applied only to the run it was asked on.
    fn fetch(&mut self, what: Fetch, url: &str, seed: Option<u64>) {
        self.loading = Some(what.clone());
        let link = self.link.clone();
        let run = self.session.run_id();
        widget::fetch_text(
            url,
            Callback::from(move |r| link.send_message(Msg::Fetched(what.clone(), run, seed, r))),
        );
    }

    /// Loads the author's own file: written inside the element, or fetched from `src` (which must
    /// be on this site). A file that does not load shows its message over the default story.
    fn load_own(&mut self, o: &Options, seed: Option<u64>) -> bool {
        if let Some(text) = &o.inline {
            self.load_own_text(OwnFile::Inline, text, seed);
            return true;
        }
        let Some(src) = &o.embed.src else {
            return false;
        };
        match widget::own_url(src) {
            Ok(url) => self.fetch(Fetch::Own(url.clone()), &url, seed),
            Err(e) => self.fall_back(e),
        }
        true
    }

    fn load_own_text(&mut self, own: OwnFile, text: &str, seed: Option<u64>) {
        self.load_text(None, text, seed);
        if self.session.load_error.is_none() {
            self.session.own = Some(own);
            return;
        }
        let prefix = self.t(text::T::ScenarioFilePrefix);
        let e = self.session.load_error.take().unwrap_or_default();
        let e = e.strip_prefix(prefix).unwrap_or(&e);
        let message = match &own {
            OwnFile::Url(u) => format!(
                "{} `{}`: {}",
                self.t(text::T::OwnFileNamed),
                crate::embed_options::clip_long(u),
                e
            ),
            OwnFile::Inline => format!("{} {}", self.t(text::T::InlineFile), e),
        };
        self.fall_back(message);
    }

    /// Shows `message` over the default story (loaded, embedded, if nothing runs yet; loading
    /// clears the message, so it is set after).
    fn fall_back(&mut self, message: String) {
        if self.session.tl.is_none() {
            self.pick(0);
        }
        self.session.load_error = Some(message);
    }

    /// Loads a scenario file's text: shipped story `i`, or (`None`) the author's own.
    fn load_text(&mut self, i: Option<usize>, text: &str, seed: Option<u64>) {
        // The author's knobs (`data-knobs`) replace the story's own.
        self.session.author_knobs = self
            .opts
            .embed
            .knobs
            .as_ref()
            .map(|k| k.iter().map(|k| k.to_string()).collect());
        if let Err(e) = self.with_session(|s| s.load_text(i, text, seed)) {
            self.session.load_error = Some(format!("{}{}", self.t(text::T::ScenarioFilePrefix), e))
        }
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

    /// Goes to `step`: at once, or in slices (a job, with its progress line) when far.
    fn seek(&mut self, step: u64) {
        self.session.seek(step);
    }

    fn take_wheel(&mut self) {
        if self.session.tl.is_some() && self.session.wheel.is_none() {
            self.stop();
            self.session.take_wheel();
        }
    }

    /// Goes to beat `i` of the story (several beats can share a step).
    fn go_beat(&mut self, i: usize) {
        self.stop();
        self.session.go_beat(i);
    }

    /// Flips one of the story's knobs: the same seed, faults and actions, the same beat.
    fn flip_knob(&mut self, key: &'static str) {
        if let Err(e) = self.with_session(|s| s.flip_knob(key)) {
            self.session.load_error = Some(e);
        }
    }

    /// Loads what the options ask for: a shared moment (the scenario, the seed, the actions replayed
    /// at their steps, then the step), or a scenario at a step.
    fn restore(&mut self, o: &Options) {
        let seed = o
            .embed
            .moment
            .as_ref()
            .and_then(|m| m.seed)
            .or(o.embed.seed);
        if !self.load_own(o, seed) {
            self.pick_seeded(o.embed.scenario, seed);
        }
        if self.loading.is_some() {
            self.pending = Some(o.clone());
        } else {
            self.finish_restore(o);
        }
    }

    fn finish_restore(&mut self, o: &Options) {
        let (moment, step) = (o.embed.moment.as_ref(), o.embed.step);
        self.with_session(|s| s.restore(moment, step));
    }

    /// "Copy embed code" for what is on screen: the moment (so the step, faults and language),
    /// the story or the author's `src`, the panels shown (the workbench's own — settings, search,
    /// side by side — left out), minimal controls, no autoplay. `None` when no link could name
    /// the run; the base path's message when it is not one.
    fn embed_text(&self) -> Option<String> {
        let m = self.session.moment(self.lang.code()).ok()?;
        let base = match crate::embed_code::check_base(&self.embed_base) {
            Ok(b) => b,
            Err(e) => return Some(e),
        };
        let panels: Vec<&str> = Panel::ALL
            .iter()
            .filter(|p| {
                self.shows(**p) && !matches!(p, Panel::Settings | Panel::Search | Panel::Compare)
            })
            .map(|p| crate::embed_options::panel_id(*p))
            .collect();
        let title = self
            .session
            .picked
            .and_then(|i| SCENARIOS.get(i))
            .map_or("eoscope".to_string(), |(_, en, ko)| {
                format!("eoscope: {}", if self.lang == Lang::Ko { ko } else { en })
            });
        let w = crate::embed_code::Widget {
            scenario: (m.src.is_none()).then(|| m.scenario.clone()),
            src: m.src.clone(),
            moment: Some(crate::share::encode(&m)),
            panels: panels.join(","),
            controls: "minimal",
            title,
        };
        Some(crate::embed_code::snippet(self.embed_host, &base, &w))
    }

    fn refresh_embed_text(&mut self) {
        let text = self.embed_text();
        if let (Some(s), Some(t)) = (&mut self.shared, text) {
            if s.what == Made::Embed {
                s.text = t;
                s.copied = None;
            }
        }
    }

    fn on_visible(&mut self, ctx: &Context<Self>) {
        if self.session.tl.is_none() {
            return;
        }
        if self.resume || (self.opts.embed.autoplay && !self.autoplayed && !self.session.at_end()) {
            self.autoplayed = true;
            self.resume = false;
            self.start_playing(ctx);
        }
    }

    fn start_playing(&mut self, ctx: &Context<Self>) {
        if self.session.tl.is_some() && !self.playing {
            if self.session.at_end() {
                self.seek(0);
            }
            self.playing = true;
            self.turbo = false;
            self.last_ts = None;
            // Play starts by animating the time up to the next event (the messages in flight travel
            // on the stage), unless that takes no time: then the first frame takes a step at once.
            let gap = self.session.tl.as_ref().is_some_and(|t| {
                let w = &t.sim.world;
                w.events
                    .keys()
                    .next()
                    .is_some_and(|(tick, _)| tick.0 > w.now.0)
            });
            self.carry = if gap { 0.0 } else { 1.0 };
            self.request_frame(ctx);
        }
    }

    /// Tells the host element what changed: `eoscope:step` (detail: the step) and
    /// `eoscope:verdict` (detail: `{property, verdict}`), and keeps `data-eoscope-step` current.
    fn tell_host(&mut self) {
        let (Some(host), Some(tl)) = (&self.opts.host, &self.session.tl) else {
            return;
        };
        let step = tl.step_index();
        if self.told_step != Some(step) {
            self.told_step = Some(step);
            let _ = host.set_attribute("data-eoscope-step", &step.to_string());
            widget::dispatch(
                host,
                "eoscope:step",
                &wasm_bindgen::JsValue::from_f64(step as f64),
            );
        }
        use crate::sim::checker::{Property, Verdict};
        let now: Vec<(&'static str, &'static str)> = Property::ALL
            .iter()
            .map(|p| {
                let v = match tl.sim.world.checker.verdicts.get(p) {
                    Some(Verdict::Pass) => "pass",
                    Some(Verdict::Fail { .. }) => "fail",
                    _ => "n/a",
                };
                (p.name(), v)
            })
            .collect();
        if now != self.told_verdicts {
            for (i, (p, v)) in now.iter().enumerate() {
                if self.told_verdicts.get(i) != Some(&(*p, *v)) {
                    let d = js_sys::Object::new();
                    let _ = js_sys::Reflect::set(&d, &"property".into(), &(*p).into());
                    let _ = js_sys::Reflect::set(&d, &"verdict".into(), &(*v).into());
                    widget::dispatch(host, "eoscope:verdict", &d);
                }
            }
            self.told_verdicts = now;
        }
    }

    /// Starts a search of the draft's settings (its scripted faults left out) with the form's
    /// goal and bounds; it runs in slices, one per animation frame (`Msg::SearchFrame`).
    fn search_start(&mut self, ctx: &Context<Self>) {
        self.session.validate_draft();
        let Some(mut file) = self.session.draft.clone() else {
            return;
        };
        if let Some(e) = &self.session.draft_error {
            self.search_result = Some(search::Finished::Error(e.clone()));
            return;
        }
        let seed = self
            .seed_text
            .parse::<u64>()
            .ok()
            .or(self.session.tl.as_ref().map(|t| t.seed))
            .unwrap_or(file.seed);
        file.schedule.clear();
        let scenario = match Scenario::from_file(&file) {
            Ok(s) => s,
            Err(e) => {
                self.search_result = Some(search::Finished::Error(e));
                return;
            }
        };
        let goal = self.search_form.goal();
        let t = search::now();
        self.search_result = None;
        self.searching = Some(search::Running {
            search: crate::sim::search::Search::new(
                scenario,
                Some(seed),
                goal,
                self.search_form.bounds(),
            ),
            file,
            seed,
            situation: !matches!(goal, crate::sim::search::Goal::Violation(_)),
            started: t,
            slice: search::FIRST_SLICE,
            drawn: t,
            frame: None,
        });
        self.request_search_frame(ctx);
    }

    fn request_search_frame(&mut self, ctx: &Context<Self>) {
        if let Some(r) = &mut self.searching {
            let link = ctx.link().clone();
            r.frame = Some(request_animation_frame(move |_| {
                link.send_message(Msg::SearchFrame)
            }));
        }
    }

    /// One slice of the search (timed, and the next one sized to the budget). Redraws the
    /// progress a few times a second, and the result when it ends.
    fn search_frame(&mut self, ctx: &Context<Self>) -> bool {
        let Some(r) = &mut self.searching else {
            return false;
        };
        r.frame = None;
        let t0 = search::now();
        let done = r.search.run_for(r.slice);
        let t1 = search::now();
        r.slice = search::adapt(r.slice, t1 - t0);
        if !done {
            let redraw = t1 - r.drawn >= 100.0;
            if redraw {
                r.drawn = t1;
            }
            self.request_search_frame(ctx);
            return redraw;
        }
        let Some(r) = self.searching.take() else {
            return true;
        };
        let bounds = r.search.bounds();
        self.search_result = Some(match r.search.outcome.clone() {
            Some(crate::sim::search::Outcome::Found(c)) => {
                let (file, seed) = (r.file, r.seed);
                self.with_session(|s| s.load_counterexample(file, seed, &c.actions, c.step));
                search::Finished::Found {
                    situation: r.situation,
                    actions: c.actions,
                    violation: c.violation,
                    step: c.step,
                }
            }
            Some(crate::sim::search::Outcome::NotFound { faults, exhausted }) => {
                search::Finished::NotFound {
                    situation: r.situation,
                    exhausted,
                    faults,
                    depth: r.search.depth.min(bounds.max_depth),
                    states: r.search.states,
                }
            }
            Some(crate::sim::search::Outcome::MemoryBudget { .. }) => {
                search::Finished::MemoryBudget(r.search.states)
            }
            None => search::Finished::NotFound {
                situation: r.situation,
                exhausted: false,
                faults: r.search.level(),
                depth: r.search.depth.min(bounds.max_depth),
                states: r.search.states,
            },
        });
        true
    }

    /// A file name for exports: the scenario's id and the step.
    fn file_stem(&self) -> String {
        let id = self
            .session
            .run_file
            .as_ref()
            .map(|f| f.id.as_str())
            .filter(|id| !id.is_empty())
            .unwrap_or("run");
        let id: String = id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(48)
            .collect();
        format!("eoscope-{}-step-{}", id, self.session.step_index())
    }

    /// Shows an imported trace's run, replayed to its step in slices (`Msg::JobFrame`).
    fn load_imported(&mut self, trace: crate::trace_file::TraceFile, timeline: Timeline) {
        self.export_note = None;
        self.with_session(|s| s.import(trace, timeline));
    }

    /// One slice of the far seek, trace import or look-ahead under way, sized to the frame budget.
    fn job_frame(&mut self, ctx: &Context<Self>) {
        self.job_frame = None;
        let t0 = search::now();
        let done = self.session.work(self.job_slice);
        self.job_slice = search::adapt(self.job_slice, search::now() - t0);
        match done {
            None => self.request_job_frame(ctx),
            Some(f) => self.job_finished(f),
        }
    }

    fn request_job_frame(&mut self, ctx: &Context<Self>) {
        if self.session.busy() && self.job_frame.is_none() {
            let link = ctx.link().clone();
            self.job_frame = Some(request_animation_frame(move |_| {
                link.send_message(Msg::JobFrame)
            }));
        }
    }

    fn job_finished(&mut self, f: Finished) {
        match f {
            Finished::Arrived { .. } => self.job_note = None,
            Finished::Looked => {}
            Finished::Imported {
                step,
                digest_matches,
            } => {
                self.export_note = Some((
                    if digest_matches { "ok" } else { "note" },
                    text::trace_loaded(self.lang, step, digest_matches),
                ))
            }
            Finished::Cancelled { step } => self.job_note = Some(text::stopped_at(self.lang, step)),
        }
    }
}

/// What a key on the app root means, if anything. Form controls keep their own keys.
fn msg_is_link(m: &Msg) -> bool {
    matches!(m, Msg::CopyLink)
}

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

impl App {
    /// One message; true when the view must be redrawn.
    fn handle(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Pick(i) => self.pick(i),
            Msg::TogglePlay => {
                self.resume = false;
                if self.playing {
                    self.stop();
                } else {
                    self.start_playing(ctx);
                }
            }
            Msg::Visible(v) => {
                self.visible = v;
                if v {
                    self.on_visible(ctx);
                } else if self.playing {
                    self.resume = true;
                    self.stop();
                }
            }
            Msg::Fetched(what, run, seed, r) => {
                if self.loading.as_ref() != Some(&what) {
                    return false;
                }
                self.loading = None;
                let pending = self.pending.take();
                // Another run came on screen meanwhile (a file opened, a trace imported): the
                // answer belongs to the run it was asked on.
                if run != self.session.run_id() {
                    return true;
                }
                match (r, &what) {
                    (Ok(text), Fetch::Shipped(i)) => {
                        self.load_text(Some(*i), &text, seed);
                        if let Some(o) = pending {
                            self.finish_restore(&o);
                        }
                    }
                    (Ok(text), Fetch::Own(url)) => {
                        self.load_own_text(OwnFile::Url(url.clone()), &text, seed);
                        if let (Some(o), Some(OwnFile::Url(_))) = (pending, &self.session.own) {
                            self.finish_restore(&o);
                        }
                    }
                    (Err(e), _) => {
                        let id = match &what {
                            Fetch::Shipped(i) => SCENARIOS.get(*i).map_or("?", |s| s.0).to_string(),
                            Fetch::Own(u) => crate::embed_options::clip_long(u),
                        };
                        let message = format!("{}{}: {}", self.t(text::T::CouldNotLoad), id, e);
                        self.fall_back(message);
                    }
                }
                if self.visible {
                    self.on_visible(ctx);
                }
            }
            Msg::Pause => self.stop(),
            Msg::Frame(ts) => {
                self.frame = None;
                if !self.playing {
                    return false;
                }
                let dt = self.last_ts.map_or(0.0, |l| (ts - l).clamp(0.0, 250.0));
                // Playing began: the step on screen starts its animation now.
                let began = self.last_ts.is_none();
                if began {
                    self.step_stamp = ts;
                }
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
                let at_beats = !self.turbo && self.pause_at_beats && self.session.wheel.is_none();
                // A further beat at this same step is shown before the run moves on.
                let here = self.session.step_index();
                if n > 0 && at_beats && self.session.cursor.hold_next(&self.session.story, here) {
                    self.stop();
                    return true;
                }
                while n > 0 {
                    if !self.session.step() {
                        self.stop();
                        break;
                    }
                    moved_any = true;
                    self.step_stamp = ts;
                    n -= 1;
                    // A guided story stops at each beat, so its narration can be read.
                    let here = self.session.step_index();
                    let s = &mut self.session;
                    if at_beats && s.cursor.arrive(&s.story, here) {
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
                return moved_any || began || !self.playing;
            }
            Msg::Step => {
                self.stop();
                self.session.step();
            }
            Msg::Back => {
                self.stop();
                self.session.step_back();
            }
            Msg::ToStart => {
                self.stop();
                self.seek(0);
            }
            Msg::ToEnd => {
                self.stop();
                if self.session.preview.done && self.session.armed.is_none() {
                    let end = self.session.preview.end;
                    self.seek(end);
                } else if self.session.tl.is_some() {
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
            Msg::SelectMsg(id) => self.session.selected = id,
            Msg::OnMsg(a) => {
                self.session.on_selected(a);
            }
            Msg::Fault(f) => {
                self.session.act(UserAction::Fault(f));
            }
            Msg::Arm(a) => self.session.arm(a),
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
            Msg::ShowPolling(b) => self.show_polling = b,
            Msg::PauseAtBeats(b) => self.pause_at_beats = b,
            Msg::TakeWheel => self.take_wheel(),
            Msg::Knob(k) => self.flip_knob(k),
            Msg::GoBeat(i) => self.go_beat(i),
            Msg::BackToOriginal => self.with_session(|s| s.back_to_original()),
            Msg::Resized => {}
            Msg::BackToStory => {
                self.with_session(|s| s.back_to_story());
            }
            Msg::JobFrame => self.job_frame(ctx),
            Msg::JobCancel => {
                if let Some(f) = self.session.cancel() {
                    self.job_finished(f);
                }
            }
            // The full app's own messages (editor, settings, search, side by side, export, share):
            // in the reader's build (`FULL` false) they are never sent and their code is not linked.
            m @ (Msg::CopyLink
            | Msg::CopyEmbed
            | Msg::EmbedHost(..)
            | Msg::EmbedBase(..)
            | Msg::Copied(..)
            | Msg::SeedText(..)
            | Msg::Rerun
            | Msg::SetProducer(..)
            | Msg::SetConsumer(..)
            | Msg::SetCommit(..)
            | Msg::SetVersion(..)
            | Msg::SetCluster(..)
            | Msg::ApplyNow(..)
            | Msg::JsonText(..)
            | Msg::LoadJson
            | Msg::ShowJson(..)
            | Msg::SearchForm(..)
            | Msg::SearchStart
            | Msg::SearchCancel
            | Msg::SearchFrame
            | Msg::DownloadTrace
            | Msg::DownloadSvg
            | Msg::DownloadPng
            | Msg::PngDone(..)
            | Msg::OpenTrace(..)
            | Msg::TraceText(..)
            | Msg::CompareKey(..)
            | Msg::Compare) => {
                return FULL && self.handle_full(ctx, m);
            }
        }
        true
    }

    /// The full app's messages (see `handle`).
    fn handle_full(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::CopyLink | Msg::CopyEmbed => {
                let link = msg_is_link(&msg);
                let text = match self.session.moment(self.lang.code()) {
                    Err(why) => {
                        self.shared = Some(Shared {
                            what: match why {
                                crate::session::Unlinkable::Edited => Made::Edited,
                                crate::session::Unlinkable::NoFile => Made::NoFile,
                            },
                            text: String::new(),
                            copied: None,
                        });
                        return true;
                    }
                    Ok(m) if link => {
                        let (base, _, _) = widget::location();
                        format!("{}#{}", base, crate::share::encode(&m))
                    }
                    Ok(_) => self.embed_text().unwrap_or_default(),
                };
                self.shared = Some(Shared {
                    what: if link { Made::Link } else { Made::Embed },
                    text: text.clone(),
                    copied: None,
                });
                widget::copy_text(&text, ctx.link().callback(Msg::Copied));
            }
            Msg::EmbedHost(h) => {
                self.embed_host = h;
                self.refresh_embed_text();
            }
            Msg::EmbedBase(b) => {
                widget::remember_base(&b);
                self.embed_base = b;
                self.refresh_embed_text();
            }
            Msg::Copied(ok) => {
                if let Some(s) = &mut self.shared {
                    s.copied = Some(ok);
                }
            }
            Msg::SeedText(s) => {
                self.seed_text = s.chars().filter(|c| c.is_ascii_digit()).take(19).collect()
            }
            Msg::Rerun => {
                let seed = self.seed_text.parse::<u64>().ok();
                self.with_session(|s| s.rerun(seed));
            }
            Msg::SetProducer(i, key, v) => self.session.set_producer(i, key, v),
            Msg::SetConsumer(i, key, v) => self.session.set_consumer(i, key, v),
            Msg::SetCommit(i, mode) => self.session.set_commit(i, mode),
            Msg::SetVersion(v) => self.session.set_version(v),
            Msg::SetCluster(key, v) => self.session.set_cluster(key, &v),
            Msg::ApplyNow(node) => {
                let _ = self.session.apply_now(node);
            }
            Msg::JsonText(t) => self.json_text = t,
            Msg::LoadJson => match crate::sim::scenario::parse_file(&self.json_text) {
                Ok(file) => {
                    let text = self.json_text.clone();
                    let gen = self.json_gen;
                    if self.with_session(|s| s.load_edited(file)) {
                        self.json_error = None;
                    } else {
                        self.json_error = self.session.load_error.take();
                    }
                    // The reader's own text stays as written (the textarea holds it already).
                    (self.json_text, self.json_gen) = (text, gen);
                }
                Err(e) => {
                    self.json_error = Some(format!("{}{}", self.t(text::T::ScenarioFilePrefix), e))
                }
            },
            Msg::ShowJson(b) => self.show_json = b,
            Msg::SearchForm(f) => self.search_form = f,
            Msg::SearchStart => self.search_start(ctx),
            Msg::SearchCancel => {
                if let Some(r) = self.searching.take() {
                    self.search_result = Some(search::Finished::Cancelled(r.search.states));
                }
            }
            Msg::SearchFrame => return self.search_frame(ctx),
            Msg::DownloadTrace => {
                if let (Some(f), Some(tl)) = (&self.session.run_file, &self.session.tl) {
                    let text = crate::trace_file::export(f, tl);
                    export::download_text(
                        &format!("{}.json", self.file_stem()),
                        "application/json",
                        &text,
                    );
                }
            }
            Msg::DownloadSvg | Msg::DownloadPng => {
                let png = matches!(msg, Msg::DownloadPng);
                let pic = self
                    .root_ref
                    .cast::<Element>()
                    .and_then(|r| export::picture_svg(&r));
                let stem = self.file_stem();
                self.export_note = None;
                match pic {
                    None => self.export_note = Some(("error", self.t(text::T::NoPicture).into())),
                    Some((svg, _, _)) if !png => {
                        export::download_text(&format!("{}.svg", stem), "image/svg+xml", &svg)
                    }
                    Some((svg, w, h)) => export::download_png(
                        format!("{}.png", stem),
                        &svg,
                        w,
                        h,
                        ctx.link().callback(Msg::PngDone),
                    ),
                }
            }
            Msg::PngDone(r) => {
                self.export_note = r
                    .is_err()
                    .then(|| ("error", self.t(text::T::PngNeedsBlob).to_string()));
            }
            Msg::OpenTrace(file) => {
                let link = ctx.link().clone();
                self.reader_run = self.session.run_id();
                self.reader = Some(gloo::file::callbacks::read_as_text(
                    &gloo::file::File::from(file),
                    move |r| link.send_message(Msg::TraceText(r.map_err(|e| e.to_string()))),
                ));
            }
            Msg::TraceText(r) => {
                self.reader = None;
                // Read for the run it was opened on: another one on screen now keeps its place.
                if self.reader_run != self.session.run_id() {
                    return false;
                }
                match r.and_then(|t| crate::trace_file::prepare(&t)) {
                    Ok((trace, timeline)) => self.load_imported(trace, timeline),
                    Err(e) => self.export_note = Some(("error", e)),
                }
            }
            Msg::CompareKey(k) => self.compare_key = k,
            Msg::Compare => self.compare_start(),
            _ => return false,
        }
        true
    }

    /// Flips the chosen setting of the run's file and builds the other run: the same seed and
    /// actions, at this run's step; compares the two once (bounded).
    fn compare_start(&mut self) {
        let (Some(file), Some(tl)) = (&self.session.run_file, &self.session.tl) else {
            return;
        };
        self.side = None;
        let flipped = crate::sim::compare::flip(file, &self.compare_key)
            .and_then(|f| Scenario::from_file(&f.file).map(|s| (f, s)));
        match flipped {
            Err(e) => self.compare_error = Some(e),
            Ok((f, right)) => {
                self.compare_error = None;
                self.side = Some(self.side_by_side(f.key, f.from, f.to, right, tl));
            }
        }
    }

    fn side_by_side(
        &self,
        key: &'static str,
        from: String,
        to: String,
        right: Scenario,
        tl: &Timeline,
    ) -> sidebyside::SideBySide {
        let cmp = crate::sim::compare::compare(
            tl.scenario.clone(),
            right.clone(),
            tl.seed,
            &tl.actions,
            sidebyside::COMPARE_STEPS,
        );
        // Each divergent event phrased from what the comparison read of it.
        let d = cmp.divergence.as_ref();
        let lines = d.map_or((None, None), |d| {
            (
                d.left
                    .as_ref()
                    .map(|e| sidebyside::event_line(e, d.left_append)),
                d.right
                    .as_ref()
                    .map(|e| sidebyside::event_line(e, d.right_append)),
            )
        });
        let mut other = Timeline::with_actions(right, tl.seed, tl.actions.clone())
            .with_checkpoint_budget(crate::sim::limits::TWIN_CHECKPOINT_BUDGET_BYTES);
        other.seek(tl.step_index());
        sidebyside::SideBySide {
            key,
            from,
            to,
            right: other,
            cmp,
            actions: tl.actions.clone(),
            lines,
        }
    }

    /// Keeps the flipped run at the main run's step; a new action of the reader's (which the
    /// other run must replay too) recomputes the comparison. True when something changed.
    fn sync_side(&mut self) -> bool {
        let (Some(side), Some(tl)) = (&mut self.side, &self.session.tl) else {
            return false;
        };
        if side.actions != tl.actions {
            let right = side.right.scenario.clone();
            let (key, from, to) = (side.key, side.from.clone(), side.to.clone());
            let fresh = self.side_by_side(key, from, to, right, tl);
            self.side = Some(fresh);
            return true;
        }
        let here = tl.step_index();
        if side.right.step_index() != here
            && !(side.right.sim.is_done() && here > side.right.step_index())
        {
            side.right.seek(here);
            return true;
        }
        false
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = Options;

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
            session: Session::new(),
            job_frame: None,
            job_slice: search::FIRST_SLICE,
            job_note: None,
            reader_run: 0,
            send,
            onkeydown,
            seed_text: String::new(),
            playing: false,
            turbo: false,
            frame: None,
            last_ts: None,
            carry: 0.0,
            speed: SPEED_DEFAULT,
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
            json_gen: 0,
            show_json: false,
            json_error: None,
            show_polling: false,
            stage_width: 640.0,
            stage_ref: NodeRef::default(),
            step_stamp: 0.0,
            _resize_listener: None,
            pause_at_beats: true,
            opts: ctx.props().clone(),
            link: ctx.link().clone(),
            loading: None,
            embed_host: crate::embed_code::Host::default(),
            embed_base: widget::remembered_base(),
            pending: None,
            visible: false,
            notice: ctx.props().notice.clone(),
            shared: None,
            autoplayed: false,
            resume: false,
            told_step: None,
            told_verdicts: Vec::new(),
            _visible_listener: None,
            search_form: search::SearchForm::default(),
            searching: None,
            search_result: None,
            root_ref: NodeRef::default(),
            export_note: None,
            reader: None,
            compare_key: crate::sim::compare::FLIPS[0].to_string(),
            side: None,
            compare_error: None,
        };
        let o = ctx.props().clone();
        app.lang = o.embed.lang;
        if let Some(bits) = o.embed.panels {
            app.panels = bits;
        } else if o.embed.widget {
            app.panels = Panel::Logs.bit() | Panel::Verdicts.bit() | Panel::Topology.bit();
            if o.embed.controls == Controls::Full {
                app.panels |= Panel::Belief.bit() | Panel::Events.bit();
            }
        }
        app.restore(&o);
        if let (true, Some(host)) = (o.embed.widget, &o.host) {
            // static/boot.js watches each widget (IntersectionObserver, visibilitychange) and
            // dispatches `eoscope:visible` with detail true or false on its element.
            let link = ctx.link().clone();
            app._visible_listener = Some(gloo::events::EventListener::new(
                host,
                "eoscope:visible",
                move |e| {
                    let v = js_sys::Reflect::get(e, &"detail".into())
                        .ok()
                        .and_then(|d| d.as_bool())
                        .unwrap_or(false);
                    link.send_message(Msg::Visible(v));
                },
            ));
        }
        // A resized window re-measures the stage (after the next render).
        let link = ctx.link().clone();
        app._resize_listener = Some(gloo::events::EventListener::new(
            &gloo::utils::window(),
            "resize",
            move |_| link.send_message(Msg::Resized),
        ));
        app.session.follow_cursor();
        app.request_job_frame(ctx);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        let redraw = self.handle(ctx, msg);
        // The story's cursor follows the run wherever it went (it stays on a beat it was put on).
        self.session.follow_cursor();
        // A far seek, a trace import or the look-ahead goes on in slices, one per animation frame.
        self.request_job_frame(ctx);
        // Side by side follows the main run's step (and its actions).
        (FULL && self.sync_side()) || redraw
    }

    fn rendered(&mut self, ctx: &Context<Self>, _first_render: bool) {
        self.tell_host();
        // The stage is drawn at its real width, so its text stays readable on a phone.
        if let Some(el) = self.stage_ref.cast::<HtmlElement>() {
            let w = el.client_width() as f64;
            if w > 0.0 && (w - self.stage_width).abs() > 2.0 {
                self.stage_width = w;
                ctx.link().send_message(Msg::Resized);
            }
        }
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
            .session
            .tl
            .as_ref()
            .map(|_| self.narration())
            .unwrap_or_default();
        let body = match &self.session.tl {
            None => html! {},
            Some(tl) => {
                let main = html! {
                    <>
                        { self.panel(Panel::Logs, "panel-logs", logview::view(self, tl)) }
                        if FULL {
                            { self.panel(Panel::Compare, "panel-compare", sidebyside::view(self, tl)) }
                        }
                        { self.panel(Panel::Faults, "panel-faults", html! {
                            <faults::FaultPalette lang={self.lang} nodes={std::rc::Rc::new(controls::nodes(tl))}
                                armed={self.session.armed} send={self.send.clone()} />
                        }) }
                        { self.panel(Panel::Belief, "panel-belief", panels::belief(self, tl)) }
                        { self.panel(Panel::Consumers, "panel-consumers", panels::consumers(self, tl)) }
                        { self.panel(Panel::SpaceTime, "panel-spacetime", spacetime::view(self, tl)) }
                        { self.panel(Panel::Coordinator, "panel-coordinator", panels::coordinator(self, tl)) }
                    </>
                };
                let side = html! {
                    <>
                        { self.panel(Panel::Verdicts, "panel-verdicts", panels::verdicts(self, tl)) }
                        if FULL {
                            { self.panel(Panel::Search, "panel-search", search::view(self)) }
                            { self.panel(Panel::Settings, "panel-settings", settings::view(self, tl)) }
                        }
                        { self.panel(Panel::Events, "panel-events", panels::events(self, tl)) }
                    </>
                };
                html! {
                    <>
                        { stage::view(self, tl) }
                        if self.opts.embed.controls != Controls::None {
                            { controls::playback(self, tl) }
                        }
                        <div class="cols">
                            <div class="col col-main">{ main }</div>
                            <div class="col col-side">{ side }</div>
                        </div>
                    </>
                }
            }
        };
        // The stage is always drawn, with the timers on it: no chip for either.
        let toggles = Panel::ALL.iter().filter(|p| !matches!(p, Panel::Topology | Panel::Timers)).map(|p| {
            let p = *p;
            let on = self.shows(p);
            html! {
                <button type="button" class={classes!("chip", on.then_some("on"))} aria-pressed={on.to_string()}
                    onclick={send.reform(move |_| Msg::TogglePanel(p))}>{ text::panel_label(self.lang, p) }</button>
            }
        });
        let widget = self.opts.embed.widget;
        let full = self.opts.embed.controls == Controls::Full;
        // A trace file dropped anywhere on the app opens it (the app's own page only).
        let files = |e: &DragEvent| e.data_transfer().and_then(|d| d.files());
        let ondragover = (!widget && FULL).then(|| {
            Callback::from(move |e: DragEvent| {
                if e.data_transfer()
                    .is_some_and(|d| d.types().includes(&"Files".into(), 0))
                {
                    e.prevent_default();
                }
            })
        });
        let ondrop = (!widget && FULL).then(|| {
            let send = send.clone();
            Callback::from(move |e: DragEvent| {
                if let Some(file) = files(&e).and_then(|f| f.get(0)) {
                    e.prevent_default();
                    send.emit(Msg::OpenTrace(file));
                }
            })
        });
        html! {
            <div class={classes!("eoscope", widget.then_some("eoscope-embedded"))} tabindex="0" onkeydown={self.onkeydown.clone()}
                ref={self.root_ref.clone()} {ondragover} {ondrop}
                aria-label={self.t(text::T::AppLabel)} lang={self.lang.code()}>
                if !widget {
                    <header class="top">
                        <div class="brand">
                            <h1>{ "eoscope" }</h1>
                            <span class="tagline">{ self.t(text::T::Tagline) }</span>
                        </div>
                        { controls::picker(self) }
                    </header>
                } else if full {
                    <header class="top">{ controls::picker(self) }</header>
                }
                if let Some(e) = &self.notice {
                    <p class="error notice" role="alert">{ e }{ self.t(text::T::NoticeSuffix) }</p>
                }
                if let Some(e) = &self.session.load_error {
                    <p class="error" role="alert">{ e }</p>
                }
                if self.loading.is_some() {
                    <p class="loading" role="status">{ self.t(text::T::Loading) }</p>
                }
                if let Some(p) = self.session.progress() {
                    <p class="job" role="status">{ text::going_to(self.lang, p.target, p.done * 100 / p.total.max(1)) }{ " " }
                        <button type="button" class="small job-cancel" onclick={send.reform(|_| Msg::JobCancel)}>{ self.t(text::T::Cancel) }</button></p>
                } else if let Some(n) = &self.job_note {
                    <p class="job" role="status">{ n }</p>
                }
                { narration }
                if full && FULL {
                    <nav class="toggles" aria-label={self.t(text::T::ShowPanels)}>{ for toggles }</nav>
                    { self.share_box() }
                }
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
            <section class={classes!("panel", class)} aria-label={text::panel_label(self.lang, p)}>
                <h2>{ text::panel_label(self.lang, p) }</h2>
                { content }
            </section>
        }
    }

    fn share_box(&self) -> Html {
        let send = &self.send;
        use text::T;
        let note = self.shared.as_ref().map(|s| {
            let status = match (s.what, s.copied) {
                (Made::NoFile, _) => self.t(T::ShareNone),
                (Made::Edited, _) => self.t(T::ShareEdited),
                (_, Some(true)) => self.t(T::Copied),
                (_, Some(false)) => self.t(T::NoClipboard),
                (_, None) => "",
            };
            let label = self.t(if s.what == Made::Link { T::LinkLabel } else { T::EmbedLabel });
            let embed = s.what == Made::Embed;
            let hosts = crate::embed_code::Host::ALL.map(|h| {
                html! { <option value={h.id()} selected={h == self.embed_host}>{ h.name() }</option> }
            });
            let on_host = send.reform(|e: Event| {
                let id = e
                    .target_dyn_into::<web_sys::HtmlSelectElement>()
                    .map(|s| s.value())
                    .unwrap_or_default();
                Msg::EmbedHost(crate::embed_code::Host::from_id(&id).unwrap_or_default())
            });
            let on_base = send.reform(|e: InputEvent| {
                Msg::EmbedBase(
                    e.target_dyn_into::<web_sys::HtmlInputElement>()
                        .map(|i| i.value())
                        .unwrap_or_default(),
                )
            });
            html! {
                <div class="share-out">
                    if embed {
                        <div class="embed-for">
                            <label><span class="label">{ self.t(T::EmbedFor) }</span>
                                <select class="embed-host" onchange={on_host}>{ for hosts }</select></label>
                            <label><span class="label">{ self.t(T::EmbedBase) }</span>
                                <input type="text" class="embed-base" value={self.embed_base.clone()} oninput={on_base} spellcheck="false" /></label>
                        </div>
                        <label><span class="label">{ label }</span>
                            <textarea class="share-text" readonly=true rows="4" value={s.text.clone()} aria-label={label} /></label>
                    } else if s.what == Made::Link {
                        <label><span class="label">{ label }</span>
                            <input type="text" class="share-text" readonly=true value={s.text.clone()} aria-label={label} /></label>
                    }
                    <span class="share-status" role="status">{ status }</span>
                </div>
            }
        });
        html! {
            <div class="share">
                if !self.opts.embed.widget {
                    <button type="button" class="small" onclick={send.reform(|_| Msg::CopyLink)}>{ self.t(T::CopyLink) }</button>
                }
                <button type="button" class="small" onclick={send.reform(|_| Msg::CopyEmbed)}>{ self.t(T::CopyEmbed) }</button>
                { self.export_box() }
                { note.unwrap_or_default() }
            </div>
        }
    }

    /// Download the trace or the picture; open a trace (also by dropping it on the app).
    fn export_box(&self) -> Html {
        let send = &self.send;
        let lang = self.lang;
        let t = |k| text::t(lang, k);
        let on_file = {
            let send = send.clone();
            Callback::from(move |e: Event| {
                let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() else {
                    return;
                };
                let file = input.files().and_then(|f| f.get(0));
                // The same file can be opened again.
                input.set_value("");
                if let Some(f) = file {
                    send.emit(Msg::OpenTrace(f));
                }
            })
        };
        // Folded into one summary so the first screenful stays short on a phone.
        html! {
            <>
                <details class="export-menu">
                <summary class="small">{ t(text::T::ExportMenu) }</summary>
                <div class="export-buttons">
                <button type="button" class="small" onclick={send.reform(|_| Msg::DownloadTrace)}>{ t(text::T::DownloadTrace) }</button>
                if !self.opts.embed.widget {
                    <label class="small button file-button" title={t(text::T::DropTraceHint)}>
                        { t(text::T::OpenTrace) }
                        <input type="file" class="file-input" accept=".json,application/json" onchange={on_file}
                            aria-label={t(text::T::OpenTrace)} />
                    </label>
                }
                <button type="button" class="small" onclick={send.reform(|_| Msg::DownloadSvg)}>{ t(text::T::DownloadSvg) }</button>
                <button type="button" class="small" onclick={send.reform(|_| Msg::DownloadPng)}>{ t(text::T::DownloadPng) }</button>
                </div>
                </details>
                if let Some((class, t)) = &self.export_note {
                    <p class={classes!("export-note", *class, "inline")} role={if *class == "error" { "alert" } else { "status" }}>{ t }</p>
                }
            </>
        }
    }

    fn narration(&self) -> Html {
        let Some(f) = &self.session.draft else {
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
        use text::T;
        if self.session.wheel.is_some() {
            return html! {
                <div class="narration wheel" lang={lang}>
                    <p><strong>{ self.t(T::HaveWheel) }</strong>{ " — " }
                        <button type="button" class="small" onclick={send.reform(|_| Msg::BackToStory)}>{ self.t(T::BackToStory) }</button></p>
                </div>
            };
        }
        let story_title = html! { <h2 class="story-title">{ pick(&f.title) }</h2> };
        let back = |label: T| {
            html! {
                <button type="button" class="small" onclick={send.reform(|_| Msg::BackToOriginal)}>{ self.t(label) }</button>
            }
        };
        // The reader changed what the story is about: say so instead of telling another run.
        match &self.session.telling {
            Telling::Untold(keys) if !self.session.story.is_empty() => {
                return html! {
                    <div class="narration changed" lang={lang} role="status">
                        { story_title }
                        <p class="banner">{ text::untold(self.lang, keys) }{ " " }{ back(T::BackToStory) }</p>
                    </div>
                };
            }
            Telling::Edited if !self.session.story.is_empty() => {
                return html! {
                    <div class="narration changed" lang={lang} role="status">
                        { story_title }
                        <p class="banner">{ self.t(T::StoryEdited) }{ " " }{ back(T::BackToStory) }</p>
                    </div>
                };
            }
            _ => {}
        }
        let at = self
            .session
            .current_beat()
            .and_then(|_| self.session.cursor.at());
        let n = self.session.story.len();
        let go = |k: Option<(usize, u64)>| k.map(|(i, _)| send.reform(move |_| Msg::GoBeat(i)));
        let prev = go(self.session.cursor.prev(&self.session.story));
        let next = go(self.session.cursor.next(&self.session.story));
        html! {
            <div class="narration" lang={lang}>
                { story_title }
                // The beat shown, and every other one as an invisible spacer in the same grid cell
                // (its text in attributes, drawn by CSS: not in the DOM's text, not read aloud),
                // so the narration is as tall as the longest beat and the page does not move.
                <div class="beat-stack">
                    <div class="beat current">
                        if let (Some(i), Some(b)) = (at, self.session.current_beat()) {
                            <p class="beat-head"><span class="beat-no">{ format!("{} / {}", i + 1, n) }</span>{ " " }<strong>{ pick(&b.title) }</strong></p>
                            <p class="beat-text" aria-live="polite">{ pick(&b.narration) }</p>
                        } else {
                            <p class="beat-text">{ pick(&f.description) }</p>
                        }
                    </div>
                    { for self.session.story.iter().enumerate().filter(|(k, _)| Some(*k) != at).map(|(k, b)| html! {
                        <div class="beat-spacer" aria-hidden="true">
                            <p class="sp-head" data-no={format!("{} / {}", k + 1, n)} data-title={pick(&b.title)}></p>
                            <p class="sp-text" data-text={pick(&b.narration)}></p>
                        </div>
                    }) }
                    if at.is_some() {
                        <div class="beat-spacer" aria-hidden="true"><p class="sp-text" data-text={pick(&f.description)}></p></div>
                    }
                </div>
                if n > 0 {
                    <div class="beat-nav">
                        <button type="button" class="small" disabled={prev.is_none()} onclick={prev.unwrap_or_default()}>{ self.t(T::PrevBeat) }</button>
                        <button type="button" class="small" disabled={next.is_none()} onclick={next.unwrap_or_default()}>{ self.t(T::NextBeat) }</button>
                        if self.opts.embed.controls == Controls::Full {
                            <button type="button" class="small take-wheel" title={self.t(T::TakeWheelTitle)} onclick={send.reform(|_| Msg::TakeWheel)}>{ self.t(T::TakeWheel) }</button>
                        }
                    </div>
                }
            </div>
        }
    }
}
