//! The shipped scenarios. The default story (the first) is embedded in the wasm, so the app and
//! every widget can always fall back to it at once; the others are fetched on demand from
//! `scenarios/ID.json` next to `boot.js` (trunk copies `static/scenarios/` into `dist/`), which
//! keeps ~29 KB gzip of JSON out of the bundle. A fetch is same-origin, so the strict CSP
//! (`connect-src` falls back to `default-src 'self'`) allows it. Order: the guided stories as
//! `PRODUCT.md` §6 tells them.

/// The default story's file, embedded.
pub const DEFAULT_SCENARIO: &str =
    include_str!("../../static/scenarios/lost-ack-no-idempotence.json");

/// The table of shipped scenarios (id, English and Korean title) lives beside the option parser,
/// which needs it natively.
pub use crate::embed_options::SCENARIOS;

/// The embedded text of scenario `i`, if it is embedded.
pub fn embedded(i: usize) -> Option<&'static str> {
    (i == 0).then_some(DEFAULT_SCENARIO)
}

/// Where the app's files are: the directory of the `boot.js` that loaded it, else the page's.
pub fn base_url() -> String {
    let doc = gloo::utils::document();
    let src = doc
        .query_selector("script[src$='boot.js']")
        .ok()
        .flatten()
        .and_then(|s| js_sys::Reflect::get(&s, &"src".into()).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| super::widget::location().0);
    let src = src.split(['?', '#']).next().unwrap_or_default();
    match src.rfind('/') {
        Some(i) => src[..=i].to_string(),
        None => String::new(),
    }
}
