//! The Yew front end (wasm only). It draws the core's state and drives it only through the
//! core's public API: the UI decides *when* to step and *which* fault a click means; the core
//! decides *what happens*.
//!
//! Wiring: [`App`] (defined here, with its messages [`Msg`]) owns the [`Session`] (the run, its
//! story and every operation on it, native and tested in `tests/session.rs`). `app.rs` is the
//! App as a component, `update.rs` handles each message, `run.rs` holds its operations on the
//! run and `chrome.rs` the parts around the panels. Most panels are still functions of `&App`;
//! the stage (`stage.rs`) and the fault palette (`faults.rs`) are function components with
//! small props and state of their own. All emit `Msg`s through one dispatch callback built once
//! in `create`. The animation frame is a handle that cancels on drop, so nothing runs while
//! paused or while the tab is hidden (browsers don't run animation frames there). No globals, no
//! document-level listeners: keys are handled on the app's root element, so several instances
//! can share a page.

mod app;
mod chrome;
mod controls;
mod export;
mod faults;
mod logview;
mod panels;
mod run;
pub mod scenarios;
mod search;
mod settings;
mod sidebyside;
mod spacetime;
mod stage;
mod update;
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
