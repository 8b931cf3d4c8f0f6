//! The App's operations on the run: picking, fetching and loading a scenario, playback, restoring
//! a shared moment, telling the host page, the search's and the long jobs' animation frames.
//! Each is a thin step over the `Session`, which holds the meaning and is tested natively.

use super::*;

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
    pub(super) fn with_session<R>(&mut self, op: impl FnOnce(&mut Session) -> R) -> R {
        let before = self.session.run_id();
        let r = op(&mut self.session);
        if self.session.run_id() != before {
            self.on_new_run();
        }
        r
    }

    pub(super) fn on_new_run(&mut self) {
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

    pub(super) fn pick(&mut self, i: usize) {
        self.pick_seeded(i, None)
    }

    /// Loads shipped scenario `i`: at once when it is embedded, else after fetching its file
    /// (`Msg::Fetched`); the current run stays on screen meanwhile.
    pub(super) fn pick_seeded(&mut self, i: usize, seed: Option<u64>) {
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
    pub(super) fn fetch(&mut self, what: Fetch, url: &str, seed: Option<u64>) {
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
    pub(super) fn load_own(&mut self, o: &Options, seed: Option<u64>) -> bool {
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

    pub(super) fn load_own_text(&mut self, own: OwnFile, text: &str, seed: Option<u64>) {
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
    pub(super) fn fall_back(&mut self, message: String) {
        if self.session.tl.is_none() {
            self.pick(0);
        }
        self.session.load_error = Some(message);
    }

    /// Loads a scenario file's text: shipped story `i`, or (`None`) the author's own.
    pub(super) fn load_text(&mut self, i: Option<usize>, text: &str, seed: Option<u64>) {
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

    pub(super) fn stop(&mut self) {
        self.playing = false;
        self.turbo = false;
        self.frame = None;
        self.last_ts = None;
    }

    pub(super) fn request_frame(&mut self, ctx: &Context<Self>) {
        if self.frame.is_none() {
            let link = ctx.link().clone();
            self.frame = Some(request_animation_frame(move |ts| {
                link.send_message(Msg::Frame(ts))
            }));
        }
    }

    /// Goes to `step`: at once, or in slices (a job, with its progress line) when far.
    pub(super) fn seek(&mut self, step: u64) {
        self.session.seek(step);
    }

    pub(super) fn take_wheel(&mut self) {
        if self.session.tl.is_some() && self.session.wheel.is_none() {
            self.stop();
            self.session.take_wheel();
        }
    }

    /// Goes to beat `i` of the story (several beats can share a step).
    pub(super) fn go_beat(&mut self, i: usize) {
        self.stop();
        self.session.go_beat(i);
    }

    /// Flips one of the story's knobs: the same seed, faults and actions, the same beat.
    pub(super) fn flip_knob(&mut self, key: &'static str) {
        if let Err(e) = self.with_session(|s| s.flip_knob(key)) {
            self.session.load_error = Some(e);
        }
    }

    /// Loads what the options ask for: a shared moment (the scenario, the seed, the actions replayed
    /// at their steps, then the step), or a scenario at a step.
    pub(super) fn restore(&mut self, o: &Options) {
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

    pub(super) fn finish_restore(&mut self, o: &Options) {
        let (moment, step) = (o.embed.moment.as_ref(), o.embed.step);
        self.with_session(|s| s.restore(moment, step));
    }

    /// "Copy embed code" for what is on screen: the moment (so the step, faults and language),
    /// the story or the author's `src`, the panels shown (the workbench's own — settings, search,
    /// side by side — left out), minimal controls, no autoplay. `None` when no link could name
    /// the run; the base path's message when it is not one.
    pub(super) fn embed_text(&self) -> Option<String> {
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

    pub(super) fn refresh_embed_text(&mut self) {
        let text = self.embed_text();
        if let (Some(s), Some(t)) = (&mut self.shared, text) {
            if s.what == Made::Embed {
                s.text = t;
                s.copied = None;
            }
        }
    }

    pub(super) fn on_visible(&mut self, ctx: &Context<Self>) {
        if self.session.tl.is_none() {
            return;
        }
        if self.resume || (self.opts.embed.autoplay && !self.autoplayed && !self.session.at_end()) {
            self.autoplayed = true;
            self.resume = false;
            self.start_playing(ctx);
        }
    }

    pub(super) fn start_playing(&mut self, ctx: &Context<Self>) {
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
    pub(super) fn tell_host(&mut self) {
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
    pub(super) fn search_start(&mut self, ctx: &Context<Self>) {
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

    pub(super) fn request_search_frame(&mut self, ctx: &Context<Self>) {
        if let Some(r) = &mut self.searching {
            let link = ctx.link().clone();
            r.frame = Some(request_animation_frame(move |_| {
                link.send_message(Msg::SearchFrame)
            }));
        }
    }

    /// One slice of the search (timed, and the next one sized to the budget). Redraws the
    /// progress a few times a second, and the result when it ends.
    pub(super) fn search_frame(&mut self, ctx: &Context<Self>) -> bool {
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
    pub(super) fn file_stem(&self) -> String {
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
    pub(super) fn load_imported(
        &mut self,
        trace: crate::trace_file::TraceFile,
        timeline: Timeline,
    ) {
        self.export_note = None;
        self.with_session(|s| s.import(trace, timeline));
    }

    /// One slice of the far seek, trace import or look-ahead under way, sized to the frame budget.
    pub(super) fn job_frame(&mut self, ctx: &Context<Self>) {
        self.job_frame = None;
        let t0 = search::now();
        let done = self.session.work(self.job_slice);
        self.job_slice = search::adapt(self.job_slice, search::now() - t0);
        match done {
            None => self.request_job_frame(ctx),
            Some(f) => self.job_finished(f),
        }
    }

    pub(super) fn request_job_frame(&mut self, ctx: &Context<Self>) {
        if self.session.busy() && self.job_frame.is_none() {
            let link = ctx.link().clone();
            self.job_frame = Some(request_animation_frame(move |_| {
                link.send_message(Msg::JobFrame)
            }));
        }
    }

    pub(super) fn job_finished(&mut self, f: Finished) {
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
