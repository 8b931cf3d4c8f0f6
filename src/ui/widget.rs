//! The app's options (the full page, an inline widget, the iframe, the JS API) and where they
//! come from: `data-` attributes, the URL's query (`embed.html`), the URL's fragment (a shared
//! moment, `#m=1.…`) or `eoscope.mount(element, options)`. Every source goes through the same
//! validation ([`validate`]) and every error is a plain sentence that the app shows as a text node
//! beside the default story. Nothing here panics on input: a panic in wasm would stop every widget
//! on the page, since they share one module instance.
//!
//! The glue to the page (custom events, the clipboard, inline height) goes through `js_sys::Reflect`
//! so it needs no web-sys feature beyond the ones the app already has.

use super::{App, Lang, Panel, SCENARIOS};
use crate::share::{self, Moment};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

/// Which controls a widget shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Controls {
    /// Everything, as on the app's own page.
    #[default]
    Full,
    /// Narration and playback only.
    Minimal,
    /// Narration only: the widget plays when it scrolls into view and stops at the story's beats.
    None,
}

/// The options of one app instance, validated.
#[derive(Clone, Debug, Properties)]
pub struct Options {
    /// Index into `SCENARIOS`.
    pub scenario: usize,
    pub moment: Option<Moment>,
    pub step: Option<u64>,
    pub seed: Option<u64>,
    pub lang: Lang,
    /// Panels shown (a bit set of `Panel`); `None` = the default for the mode.
    pub panels: Option<u32>,
    pub controls: Controls,
    /// A widget's height in CSS pixels (it scrolls inside).
    pub height: Option<u32>,
    /// An inline widget or the iframe (not the app's own page).
    pub widget: bool,
    /// Start playing when the widget scrolls into view.
    pub autoplay: bool,
    /// The element the app is mounted in: custom events are dispatched on it.
    pub host: Option<Element>,
    /// A problem with the options; the app shows it and runs the default story.
    pub notice: Option<String>,
}

/// A root component's options never change after mounting: no deep comparison needed (and none
/// compiled in).
impl PartialEq for Options {
    fn eq(&self, _: &Self) -> bool {
        false
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            scenario: 0,
            moment: None,
            step: None,
            seed: None,
            lang: Lang::En,
            panels: None,
            controls: Controls::Full,
            height: None,
            widget: false,
            autoplay: false,
            host: None,
            notice: None,
        }
    }
}

/// Options as given, before validation: the `data-` attributes, the iframe's query and the JS
/// API all become this. Unknown keys are refused (the JS API's `deny_unknown_fields`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOptions {
    pub scenario: Option<String>,
    pub step: Option<u64>,
    pub lang: Option<String>,
    /// Panel ids (`logs`, `verdicts`…), comma-separated.
    pub panels: Option<String>,
    pub controls: Option<String>,
    pub height: Option<u32>,
    pub seed: Option<u64>,
    pub moment: Option<String>,
    pub autoplay: Option<bool>,
}

pub const MAX_START_STEP: u64 = 1_000_000;
const MIN_HEIGHT: u32 = 120;
const MAX_HEIGHT: u32 = 4_000;

/// A value quoted in a message: at most 40 characters, control characters dropped. The message is
/// rendered as text, never markup.
pub fn clip(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// A panel's id in `data-panels`.
pub fn panel_id(p: Panel) -> &'static str {
    match p {
        Panel::Topology => "topology",
        Panel::Logs => "logs",
        Panel::Belief => "belief",
        Panel::Consumers => "consumers",
        Panel::Coordinator => "coordinator",
        Panel::SpaceTime => "spacetime",
        Panel::Timers => "timers",
        Panel::Verdicts => "verdicts",
        Panel::Events => "events",
        Panel::Settings => "settings",
        Panel::Faults => "faults",
        Panel::Search => "search",
        Panel::Compare => "compare",
    }
}

pub fn scenario_index(id: &str) -> Option<usize> {
    SCENARIOS.iter().position(|(sid, _, _)| *sid == id)
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    match s.trim() {
        "en" => Ok(Lang::En),
        "ko" => Ok(Lang::Ko),
        other => Err(format!(
            "the language must be en or ko, not `{}`",
            clip(other)
        )),
    }
}

/// The language of the page (`<html lang>`): Korean for `ko…`, English otherwise.
pub fn page_lang() -> Lang {
    let lang = gloo::utils::document()
        .document_element()
        .and_then(|e| e.get_attribute("lang"))
        .unwrap_or_default();
    if lang.to_ascii_lowercase().starts_with("ko") {
        Lang::Ko
    } else {
        Lang::En
    }
}

/// Validates options. `widget`: an inline widget or the iframe (other defaults than the full app).
pub fn validate(raw: RawOptions, widget: bool, default_lang: Lang) -> Result<Options, String> {
    let mut o = Options {
        widget,
        autoplay: widget,
        lang: default_lang,
        ..Options::default()
    };
    if let Some(id) = &raw.scenario {
        let id = id.trim();
        if !id.is_empty() {
            o.scenario = scenario_index(id)
                .ok_or_else(|| format!("there is no shipped scenario named `{}`", clip(id)))?;
        }
    }
    if let Some(m) = &raw.moment {
        let m = m.trim();
        let m = m.strip_prefix('#').unwrap_or(m);
        let moment = share::decode(m)?;
        o.scenario = scenario_index(&moment.scenario).ok_or_else(|| {
            format!(
                "the moment's scenario `{}` is not one eoscope ships",
                clip(&moment.scenario)
            )
        })?;
        o.lang = parse_lang(&moment.lang)?;
        o.moment = Some(moment);
    }
    if let Some(s) = raw.step {
        if s > MAX_START_STEP {
            return Err(format!(
                "the step must be at most {}, not {}",
                MAX_START_STEP, s
            ));
        }
        o.step = Some(s);
    }
    if let Some(l) = &raw.lang {
        o.lang = parse_lang(l)?;
    }
    if let Some(p) = &raw.panels {
        let mut bits = 0u32;
        for item in p.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let panel = Panel::ALL
                .iter()
                .find(|p| panel_id(**p) == item)
                .ok_or_else(|| {
                    format!(
                        "unknown panel `{}` (panels: {})",
                        clip(item),
                        Panel::ALL.map(panel_id).join(", ")
                    )
                })?;
            bits |= panel.bit();
        }
        o.panels = Some(bits);
    }
    if let Some(c) = &raw.controls {
        o.controls = match c.trim() {
            "full" => Controls::Full,
            "minimal" => Controls::Minimal,
            "none" => Controls::None,
            other => {
                return Err(format!(
                    "controls must be full, minimal or none, not `{}`",
                    clip(other)
                ))
            }
        };
    }
    if let Some(h) = raw.height {
        if !(MIN_HEIGHT..=MAX_HEIGHT).contains(&h) {
            return Err(format!(
                "the height must be between {} and {} pixels, not {}",
                MIN_HEIGHT, MAX_HEIGHT, h
            ));
        }
        o.height = Some(h);
    }
    o.seed = raw.seed;
    if let Some(a) = raw.autoplay {
        o.autoplay = a;
    }
    Ok(o)
}

fn parse_num<T: std::str::FromStr>(key: &str, v: &str) -> Result<T, String> {
    let t = v.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{} must be a whole number, not `{}`", key, clip(v)));
    }
    t.parse::<T>()
        .map_err(|_| format!("{} is out of range: `{}`", key, clip(v)))
}

fn parse_bool(key: &str, v: &str) -> Result<bool, String> {
    match v.trim() {
        "true" | "" => Ok(true),
        "false" => Ok(false),
        other => Err(format!(
            "{} must be true or false, not `{}`",
            key,
            clip(other)
        )),
    }
}

/// Options from `(name, value)` pairs: `data-` attributes without the prefix, or a URL query.
/// `scenario` is `data-eoscope` itself.
pub fn raw_from_pairs<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    prefix: &str,
) -> Result<RawOptions, String> {
    let mut r = RawOptions::default();
    for (k, v) in pairs {
        let key = format!("{}{}", prefix, k);
        match k {
            "scenario" => r.scenario = Some(v.to_string()),
            "step" => r.step = Some(parse_num(&key, v)?),
            "lang" => r.lang = Some(v.to_string()),
            "panels" => r.panels = Some(v.to_string()),
            "controls" => r.controls = Some(v.to_string()),
            "height" => r.height = Some(parse_num(&key, v)?),
            "seed" => r.seed = Some(parse_num(&key, v)?),
            "moment" => r.moment = Some(v.to_string()),
            "autoplay" => r.autoplay = Some(parse_bool(&key, v)?),
            other => {
                if prefix.is_empty() {
                    return Err(format!("unknown option `{}`", clip(other)));
                }
            }
        }
    }
    Ok(r)
}

const ATTRS: [&str; 9] = [
    "scenario", "step", "lang", "panels", "controls", "height", "seed", "moment", "autoplay",
];

/// Options from an element's `data-eoscope` and `data-…` attributes.
pub fn from_element(el: &Element) -> Result<Options, String> {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(id) = el.get_attribute("data-eoscope") {
        pairs.push(("scenario", id));
    }
    for a in ATTRS.iter().skip(1) {
        if let Some(v) = el.get_attribute(&format!("data-{}", a)) {
            pairs.push((a, v));
        }
    }
    let raw = raw_from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())), "data-")?;
    validate(raw, true, page_lang())
}

/// Options from a URL query (`embed.html?scenario=…&step=…`).
pub fn from_query(search: &str) -> Result<Options, String> {
    let q = search.strip_prefix('?').unwrap_or(search);
    if q.len() > share::MAX_FRAGMENT_LEN + 1_000 {
        return Err("the address's options are too long".into());
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for part in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let dec = |s: &str| -> Result<String, String> {
            js_sys::decode_uri_component(&s.replace('+', " "))
                .ok()
                .and_then(|j| j.as_string())
                .ok_or_else(|| format!("the address's option `{}` is badly escaped", clip(s)))
        };
        pairs.push((dec(k)?, dec(v)?));
    }
    let raw = raw_from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), "")?;
    validate(raw, true, page_lang())
}

/// Options from `eoscope.mount(element, options)`'s object.
pub fn from_js(options: JsValue) -> Result<Options, String> {
    let raw: RawOptions = if options.is_undefined() || options.is_null() {
        RawOptions::default()
    } else {
        // JSON.stringify, then serde_json (already in the bundle): serde-wasm-bindgen's
        // deserializer cost ~10 KB gzip, which the size budget has no room for.
        let text = js_sys::JSON::stringify(&options)
            .ok()
            .and_then(|t| t.as_string())
            .ok_or("eoscope.mount: the options are not a plain object")?;
        serde_json::from_str(&text)
            .map_err(|e| format!("eoscope.mount: bad options: {}", clip_long(&e.to_string())))?
    };
    validate(raw, true, page_lang())
}

fn clip_long(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(160).collect()
}

/// Mounts an app into `el` with `options` (or, for an error, the default story with the error
/// shown). Returns the error, if any. An element is mounted once.
pub fn mount_into(el: Element, options: Result<Options, String>, widget: bool) -> Option<String> {
    if el.get_attribute("data-eoscope-mounted").is_some() {
        return Some("this element already holds an eoscope".into());
    }
    let _ = el.set_attribute("data-eoscope-mounted", "");
    let (mut o, err) = match options {
        Ok(o) => (o, None),
        Err(e) => (
            Options {
                widget,
                autoplay: false,
                lang: page_lang(),
                notice: Some(e.clone()),
                ..Options::default()
            },
            Some(e),
        ),
    };
    o.host = Some(el.clone());
    if widget {
        let class = el.get_attribute("class").unwrap_or_default();
        if !class.split_whitespace().any(|c| c == "eoscope-widget") {
            let _ = el.set_attribute("class", format!("{} eoscope-widget", class).trim());
        }
        if let Some(h) = o.height {
            set_style(&el, "height", &format!("{}px", h));
        }
    }
    el.set_text_content(None);
    yew::Renderer::<App>::with_root_and_props(el, o).render();
    err
}

/// `el.style.setProperty(name, value)`: the CSSOM, which a `style-src 'self'` policy allows.
fn set_style(el: &Element, name: &str, value: &str) {
    if let Ok(style) = js_sys::Reflect::get(el, &"style".into()) {
        if let Ok(f) = js_sys::Reflect::get(&style, &"setProperty".into()) {
            if let Ok(f) = f.dyn_into::<js_sys::Function>() {
                let _ = f.call2(&style, &name.into(), &value.into());
            }
        }
    }
}

/// Dispatches `new CustomEvent(name, {detail, bubbles: true})` on `el`.
pub fn dispatch(el: &Element, name: &str, detail: &JsValue) {
    let Ok(ctor) = js_sys::Reflect::get(&gloo::utils::window(), &"CustomEvent".into()) else {
        return;
    };
    let Ok(ctor) = ctor.dyn_into::<js_sys::Function>() else {
        return;
    };
    let init = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&init, &"detail".into(), detail);
    let _ = js_sys::Reflect::set(&init, &"bubbles".into(), &true.into());
    let args = js_sys::Array::of2(&name.into(), &init);
    if let Ok(ev) = js_sys::Reflect::construct(&ctor, &args) {
        if let Ok(ev) = ev.dyn_into::<web_sys::Event>() {
            let _ = el.dispatch_event(&ev);
        }
    }
}

/// `promise.then(on_ok, on_err)`, returning the new promise.
fn then(promise: &JsValue, on_ok: JsValue, on_err: &JsValue) -> Option<JsValue> {
    let f = js_sys::Reflect::get(promise, &"then".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    f.call2(promise, &on_ok, on_err).ok()
}

/// Calls `obj[name]()` or `obj[name](arg)`.
fn call(obj: &JsValue, name: &str, arg: Option<&JsValue>) -> Option<JsValue> {
    let f = js_sys::Reflect::get(obj, &name.into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    match arg {
        Some(a) => f.call1(obj, a).ok(),
        None => f.call0(obj).ok(),
    }
}

fn error_text(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .map(|m| clip_long(&m))
        .unwrap_or_else(|| "the request failed".into())
}

/// `fetch(url)` → the response's text, or a message (an HTTP status, a network error).
pub fn fetch_text(url: &str, done: Callback<Result<String, String>>) {
    let win: JsValue = gloo::utils::window().into();
    let Some(p) = call(&win, "fetch", Some(&url.into())) else {
        done.emit(Err("this browser cannot fetch".into()));
        return;
    };
    let on_resp = Closure::once_into_js(move |resp: JsValue| -> JsValue {
        let ok = js_sys::Reflect::get(&resp, &"ok".into())
            .ok()
            .and_then(|v| v.as_bool())
            == Some(true);
        if !ok {
            let status = js_sys::Reflect::get(&resp, &"status".into())
                .ok()
                .and_then(|v| v.as_f64())
                .unwrap_or(0.0);
            return js_sys::Promise::reject(&format!("HTTP {}", status).into()).into();
        }
        call(&resp, "text", None).unwrap_or(JsValue::UNDEFINED)
    });
    let d = done.clone();
    let on_text = Closure::once_into_js(move |t: JsValue| match t.as_string() {
        Some(t) => d.emit(Ok(t)),
        None => d.emit(Err("the response is not text".into())),
    });
    let on_err = Closure::once_into_js(move |e: JsValue| done.emit(Err(error_text(&e))));
    if let Some(p2) = then(&p, on_resp, &JsValue::UNDEFINED) {
        let _ = then(&p2, on_text, &on_err);
    }
}

/// `navigator.clipboard.writeText(text)`, calling `done(true)` when it worked and `done(false)`
/// when the page may not write to the clipboard (or there is none).
pub fn copy_text(text: &str, done: Callback<bool>) {
    let clip = js_sys::Reflect::get(&gloo::utils::window(), &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"clipboard".into()))
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null());
    let Some(p) = clip.and_then(|c| call(&c, "writeText", Some(&text.into()))) else {
        done.emit(false);
        return;
    };
    let ok = done.clone();
    let on_ok = Closure::once_into_js(move |_: JsValue| ok.emit(true));
    let on_err = Closure::once_into_js(move |_: JsValue| done.emit(false));
    if then(&p, on_ok, &on_err).is_none() {
        // `done` was moved into on_err; a promise without `then` never happens in a browser.
    }
}

/// `location.href` without its fragment, `location.hash` and `location.search`.
pub fn location() -> (String, String, String) {
    let loc = gloo::utils::window().location();
    let href = loc.href().unwrap_or_default();
    let base = href.split('#').next().unwrap_or_default().to_string();
    (
        base,
        loc.hash().unwrap_or_default(),
        loc.search().unwrap_or_default(),
    )
}

/// Where the app's files are: the directory of the page (`…/index.html` → `…/`).
pub fn app_base() -> String {
    let (base, _, _) = location();
    let no_query = base.split('?').next().unwrap_or_default();
    match no_query.rfind('/') {
        Some(i) => no_query[..=i].to_string(),
        None => no_query.to_string(),
    }
}

/// Escapes text for an HTML attribute value in double quotes (the embed snippet is text the author
/// pastes; every value in it is `[a-zA-Z0-9._=-]` already, this is belt and braces).
pub fn attr_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `eoscope.mount(element, options)` for host pages (static/boot.js puts it on `window.eoscope`):
/// mounts a widget with options validated like `data-` attributes. Returns the validation message
/// (also shown in the widget) or `undefined`.
#[wasm_bindgen(js_name = mount)]
pub fn js_mount(element: Element, options: JsValue) -> Option<String> {
    super::mount_js(element, options)
}

/// `eoscope.mountAll()`: mounts the `[data-eoscope]` elements added to the page since.
#[wasm_bindgen(js_name = mountAll)]
pub fn js_mount_all() {
    super::mount_widgets();
}
