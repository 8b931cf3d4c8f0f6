//! The app's options (the full page, an inline widget, the iframe, the JS API) and where they
//! come from: `data-` attributes, the URL's query (`embed.html`), the URL's fragment (a shared
//! moment, `#m=1.…`) or `eoscope.mount(element, options)`. Every source goes through the same
//! validation ([`validate`]) and every error is a plain sentence that the app shows as a text node
//! beside the default story. Nothing here panics on input: a panic in wasm would stop every widget
//! on the page, since they share one module instance.
//!
//! The glue to the page (custom events, the clipboard, inline height) goes through `js_sys::Reflect`
//! so it needs no web-sys feature beyond the ones the app already has.

use super::{App, Lang};
use crate::embed_options::{self as eo, clip_long};
pub use crate::embed_options::{
    clip, panel_id, scenario_index, Controls, EmbedOptions, RawOptions, MAX_START_STEP,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

/// The options of one app instance: the validated [`EmbedOptions`] (parsed natively, in
/// `src/embed_options.rs`) plus what only the page has.
#[derive(Clone, Debug, Properties)]
pub struct Options {
    pub embed: EmbedOptions,
    /// The element the app is mounted in: custom events are dispatched on it.
    pub host: Option<Element>,
    /// A problem with the options; the app shows it and runs the default story.
    pub notice: Option<String>,
    /// The author's scenario file written inside the element (`<script type="application/json">`).
    pub inline: Option<String>,
}

/// A root component's options never change after mounting: no deep comparison needed (and none
/// compiled in).
impl PartialEq for Options {
    fn eq(&self, _: &Self) -> bool {
        false
    }
}

impl From<EmbedOptions> for Options {
    fn from(embed: EmbedOptions) -> Self {
        Options {
            embed,
            host: None,
            notice: None,
            inline: None,
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        EmbedOptions::default().into()
    }
}

/// The language of the page (`<html lang>`): Korean for `ko…`, English otherwise.
pub fn page_lang() -> Lang {
    let lang = gloo::utils::document()
        .document_element()
        .and_then(|e| e.get_attribute("lang"))
        .unwrap_or_default();
    eo::lang_of_page(&lang)
}

/// Validates options. `widget`: an inline widget or the iframe (other defaults than the full app).
pub fn validate(raw: RawOptions, widget: bool, default_lang: Lang) -> Result<Options, String> {
    eo::validate(raw, widget, default_lang).map(Options::from)
}

/// Options from an element's attributes: `<eoscope-widget scenario=… step=…>` or
/// `<div data-eoscope=… data-step=…>`, and the scenario file written inside it, if any. With the
/// message of a refused option, the options are the author's layout only ([`eo::fallback`]).
pub fn from_element(el: &Element) -> (Options, Option<String>) {
    let prefix = if el.tag_name().eq_ignore_ascii_case("eoscope-widget") {
        ""
    } else {
        "data-"
    };
    let lang = page_lang();
    let attr = |name: &str| el.get_attribute(name);
    let (embed, mut err) = match eo::from_attributes(attr, prefix, lang) {
        Ok(o) => (o, None),
        Err(e) => (eo::fallback_from_attributes(attr, prefix, lang), Some(e)),
    };
    let named = embed.src.is_some()
        || attr(&format!("{}scenario", prefix)).is_some()
        || (prefix == "data-" && attr("data-eoscope").is_some_and(|s| !s.trim().is_empty()));
    let mut o = Options::from(embed);
    // A `<script type="application/json">` child holds a scenario file: not executed, so a strict
    // CSP allows it, and its text is never markup.
    o.inline = el
        .query_selector(":scope > script[type='application/json']")
        .ok()
        .flatten()
        .and_then(|s| s.text_content());
    if o.inline.is_some() && named && err.is_none() {
        o.inline = None;
        err = Some("give `scenario`, `src` or a scenario file inside the element, not two".into());
    }
    (o, err)
}

/// Options from a URL query (`embed.html?scenario=…&step=…`), or the message of a refused one
/// with the layout the query asked for.
pub fn from_query(search: &str) -> (Options, Option<String>) {
    let lang = page_lang();
    let pairs = match eo::query_pairs(search, |s| {
        js_sys::decode_uri_component(s)
            .ok()
            .and_then(|j| j.as_string())
    }) {
        Ok(p) => p,
        Err(e) => return (eo::fallback(std::iter::empty(), true, lang).into(), Some(e)),
    };
    let pairs = || pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    match eo::raw_from_pairs(pairs(), "").and_then(|raw| eo::validate(raw, true, lang)) {
        Ok(o) => (o.into(), None),
        Err(e) => (eo::fallback(pairs(), true, lang).into(), Some(e)),
    }
}

/// Options from `eoscope.mount(element, options)`'s object: a plain object whose own keys are
/// option names and whose values are strings, finite numbers or booleans (boot.js checks the same
/// before calling, and throws a `TypeError`). Read key by key into the pairs the attributes give,
/// so one parser validates both, and an unknown key is refused.
pub fn from_js(options: JsValue) -> Result<Options, String> {
    if options.is_undefined() || options.is_null() {
        return validate(RawOptions::default(), true, page_lang());
    }
    let bad = |e: &str| format!("eoscope.mount: bad options: {}", e);
    let plain = options.is_object()
        && !js_sys::Array::is_array(&options)
        && options.dyn_ref::<js_sys::Function>().is_none()
        && {
            let proto = js_sys::Object::get_prototype_of(&options);
            proto.is_null() || proto == js_sys::Object::get_prototype_of(&js_sys::Object::new())
        };
    if !plain {
        return Err(bad(
            "the options must be a plain object, like {scenario: 'txn-commit'}",
        ));
    }
    let object: &js_sys::Object = options.unchecked_ref();
    let mut pairs = Vec::new();
    for key in js_sys::Object::keys(object).iter() {
        let k = key.as_string().unwrap_or_default();
        let v = js_sys::Reflect::get(object, &key).unwrap_or(JsValue::UNDEFINED);
        let text = if let Some(s) = v.as_string() {
            s
        } else if let Some(b) = v.as_bool() {
            b.to_string()
        } else if let Some(n) = v.as_f64() {
            // As JavaScript writes it (`String(n)` for the integers an option takes).
            if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e21 {
                format!("{:.0}", n)
            } else {
                format!("{}", n)
            }
        } else {
            return Err(bad(&format!(
                "`{}` must be a string, a number or a boolean",
                eo::clip(&k)
            )));
        };
        pairs.push((k, text));
    }
    let raw = eo::raw_from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), "")
        .map_err(|e| bad(&e))?;
    validate(raw, true, page_lang()).map_err(|e| bad(&e))
}

/// The options of a widget whose options were refused entirely (`err`): the default story, never
/// autoplaying.
pub fn refused(widget: bool) -> Options {
    EmbedOptions {
        widget,
        lang: page_lang(),
        ..EmbedOptions::default()
    }
    .into()
}

/// Mounts an app into `el` with `options`; `err`, a refused option, is shown above the default
/// story (in the author's layout, which `options` then holds). Returns the error, if any. An
/// element is mounted once.
pub fn mount_into(
    el: Element,
    options: Options,
    err: Option<String>,
    widget: bool,
) -> Option<String> {
    if el.get_attribute("data-eoscope-mounted").is_some() {
        return Some("this element already holds an eoscope".into());
    }
    let _ = el.set_attribute("data-eoscope-mounted", "");
    let mut o = options;
    if let Some(e) = &err {
        // The message says the default story is shown: so it is, whatever else was named.
        o.notice = Some(e.clone());
        o.embed.scenario = 0;
        o.embed.autoplay = false;
        o.embed.moment = None;
        o.embed.src = None;
        o.inline = None;
    }
    o.host = Some(el.clone());
    if widget {
        let class = el.get_attribute("class").unwrap_or_default();
        if !class.split_whitespace().any(|c| c == "eoscope-widget") {
            let _ = el.set_attribute("class", format!("{} eoscope-widget", class).trim());
        }
        if let Some(h) = o.embed.height {
            set_style(&el, "height", &format!("{}px", h));
        }
    }
    el.set_text_content(None);
    let handle = yew::Renderer::<App>::with_root_and_props(el.clone(), o).render();
    MOUNTED.with(|m| m.borrow_mut().push((el, handle)));
    err
}

thread_local! {
    /// Every mounted instance, so an element removed from the page (or remounted after its
    /// attributes changed) can be stopped and freed.
    static MOUNTED: std::cell::RefCell<Vec<(Element, yew::AppHandle<App>)>> = const {
        std::cell::RefCell::new(Vec::new())
    };
}

/// Stops and frees the instance in `el` (its animation frames, listeners and run), if any, and
/// empties the element. True if there was one.
pub fn unmount(el: &Element) -> bool {
    let found = MOUNTED.with(|m| {
        let mut m = m.borrow_mut();
        let i = m.iter().position(|(e, _)| e == el)?;
        Some(m.swap_remove(i).1)
    });
    let Some(handle) = found else { return false };
    handle.destroy();
    let _ = el.remove_attribute("data-eoscope-mounted");
    el.set_text_content(None);
    true
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

/// `new URL(href, base)` → (origin, pathname + search), or None for a URL that does not parse.
fn url_parts(href: &str, base: &str) -> Option<(String, String)> {
    let ctor = js_sys::Reflect::get(&gloo::utils::window(), &"URL".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let url =
        js_sys::Reflect::construct(&ctor, &js_sys::Array::of2(&href.into(), &base.into())).ok()?;
    let get = |k: &str| {
        js_sys::Reflect::get(&url, &k.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    Some((
        get("origin"),
        format!("{}{}", get("pathname"), get("search")),
    ))
}

/// The author's `src` resolved against the page, as a URL from the site's root: the file must be
/// on the page's origin (or, in the sandboxed iframe, whose origin is opaque, on the origin of
/// eoscope's own files), which is also all the strict CSP's `connect-src 'self'` lets it fetch.
pub fn own_url(src: &str) -> Result<String, String> {
    let doc = gloo::utils::document();
    let page = doc
        .base_uri()
        .ok()
        .flatten()
        .unwrap_or_else(|| location().0);
    let refused = || {
        format!(
            "`src` {} is not on this site: eoscope fetches a scenario file only from the page's own origin",
            clip(src)
        )
    };
    let (origin, path) = url_parts(src, &page).ok_or_else(refused)?;
    let own = |base: &str| url_parts(base, base).map(|(o, _)| o);
    let origin_ok = own(&page).is_some_and(|o| o == origin && o != "null")
        || own(&super::scenarios::base_url()).is_some_and(|o| o == origin);
    if origin_ok {
        Ok(path)
    } else {
        Err(refused())
    }
}

const BASE_KEY: &str = "eoscope.embed-base";

fn local_storage() -> Option<JsValue> {
    // Reading `localStorage` throws in a sandboxed frame or with storage blocked.
    js_sys::Reflect::get(&gloo::utils::window(), &"localStorage".into())
        .ok()
        .filter(|s| !s.is_null() && !s.is_undefined())
}

/// Where the author's `dist/` is, for "Copy embed code": the value they last typed on this site,
/// else the path `boot.js` was loaded from (a path from the site's root, so it works on any page).
pub fn remembered_base() -> String {
    let stored = local_storage()
        .and_then(|s| call(&s, "getItem", Some(&BASE_KEY.into())))
        .and_then(|v| v.as_string());
    stored.unwrap_or_else(|| {
        let base = super::scenarios::base_url();
        url_parts(&base, &base).map_or(base, |(_, path)| path)
    })
}

/// Remembers the base path typed for "Copy embed code" (nothing happens where storage is blocked).
pub fn remember_base(base: &str) {
    if let Some(s) = local_storage() {
        if let Ok(f) = js_sys::Reflect::get(&s, &"setItem".into()) {
            if let Ok(f) = f.dyn_into::<js_sys::Function>() {
                let _ = f.call2(&s, &BASE_KEY.into(), &base.into());
            }
        }
    }
}

/// `eoscope.mount(element, options)` for host pages (static/boot.js puts it on `window.eoscope`):
/// mounts a widget with options validated like `data-` attributes. Returns the validation message
/// (also shown in the widget) or `undefined`.
#[wasm_bindgen(js_name = mount)]
pub fn js_mount(element: Element, options: JsValue) -> Option<String> {
    super::mount_js(element, options)
}

/// boot.js: mounts the widget `el` from its attributes (`<eoscope-widget>` or `data-eoscope`).
/// Returns the validation message (also shown in the widget), or `undefined`.
#[wasm_bindgen(js_name = mountElement)]
pub fn js_mount_element(el: Element) -> Option<String> {
    let (options, err) = from_element(&el);
    mount_into(el, options, err, true)
}

/// boot.js: the app's own page, `#eoscope-app` (restoring a shared moment from `#m=1.…`).
#[wasm_bindgen(js_name = mountApp)]
pub fn js_mount_app(el: Element) {
    super::mount_app(el);
}

/// boot.js: the iframe page, `#eoscope-embed`, with options from the URL's query.
#[wasm_bindgen(js_name = mountEmbed)]
pub fn js_mount_embed(el: Element) {
    let (_, _, search) = location();
    // A story's own page (`stories/ID.html`, scripts/oembed.mjs) names it in data- attributes.
    let (options, err) =
        if search.trim_start_matches('?').is_empty() && el.has_attribute("data-eoscope") {
            from_element(&el)
        } else {
            from_query(&search)
        };
    mount_into(el, options, err, true);
}

/// Aborts the instance, as a bug would (a trap: the instance is dead for every widget it serves).
/// Only for the watchdog's test (tests/e2e/element.test.mjs); nothing calls it otherwise.
#[wasm_bindgen(js_name = __abortForTests)]
pub fn abort_for_tests() {
    std::process::abort();
}

/// boot.js and `eoscope.unmount(element)`: stops and frees the instance in `element`.
#[wasm_bindgen(js_name = unmount)]
pub fn js_unmount(el: Element) -> bool {
    unmount(&el)
}
