//! The App's own parts of the page around the panels: a panel's frame, the share and export
//! boxes, and the narration of the beat on screen.

use super::*;

impl App {
    pub(super) fn panel(&self, p: Panel, class: &'static str, content: Html) -> Html {
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

    pub(super) fn share_box(&self) -> Html {
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
    pub(super) fn export_box(&self) -> Html {
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

    pub(super) fn narration(&self) -> Html {
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
