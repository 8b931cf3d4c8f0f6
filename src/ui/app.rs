//! The App as a Yew component: `create` (options, listeners, the first run), `update` (one message,
//! then the story's cursor, the next job slice and side by side), `rendered` (measures the stage,
//! keeps followed scrollers at their end) and `view` (the page's layout of panels).

use super::update::key_msg;
use super::*;

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
