//! The App's messages: `handle` (every build) and `handle_full` (the full app's panels), and what
//! a key on the app's root means.

use super::*;

impl App {
    /// One message; true when the view must be redrawn.
    pub(super) fn handle(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
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
    pub(super) fn handle_full(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
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
}

/// Whether a message makes a share link (a key never does).
fn msg_is_link(m: &Msg) -> bool {
    matches!(m, Msg::CopyLink)
}

/// What a key on the app root means, if anything. Form controls keep their own keys.
pub(super) fn key_msg(e: &KeyboardEvent) -> Option<Msg> {
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
