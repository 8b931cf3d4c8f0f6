#![cfg(not(target_arch = "wasm32"))]
//! A widget's options (`src/embed_options.rs`): the `data-` attributes, the iframe's URL query and
//! `eoscope.mount`'s JSON. A panic in wasm would take down every widget on the page, so arbitrary
//! input must give options or one clear sentence: never a panic, never markup in the message.
//! Valid options survive a round trip through attributes, the query and JSON, and the usual
//! mistakes get the exact messages the widgets show (the e2e tests check some of them too).
//! Case counts come from `PROPTEST_CASES` (default 1000 per property); the seed is fixed
//! (20261125) unless `PROPTEST_RNG_SEED` gives another, so CI is repeatable.

mod common;

use eoscope::embed_options::{
    from_attributes, from_json, panel_id, query_pairs, raw_from_pairs, validate, Controls,
    EmbedOptions, Lang, Panel, RawOptions, ATTRS, MAX_HEIGHT, MAX_START_STEP, MIN_HEIGHT,
    SCENARIOS,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Options from attributes given as `(name, value)`, the way `from_element` reads an element.
fn attrs(pairs: &[(&str, &str)]) -> Result<EmbedOptions, String> {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    from_attributes(|name| map.get(name).cloned(), "data-", Lang::En)
}

fn attr_error(name: &str, value: &str) -> String {
    match attrs(&[("data-eoscope", "txn-commit"), (name, value)]) {
        Ok(o) => panic!("{}={:?} was accepted: {:?}", name, value, o),
        Err(e) => e,
    }
}

/// `decodeURIComponent` for the tests: `%XX` escapes of UTF-8, `None` for a bad one.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|c| {
            if c.is_ascii_alphanumeric() || b"-_.~,".contains(&c) {
                (c as char).to_string()
            } else {
                format!("%{:02X}", c)
            }
        })
        .collect()
}

/// What every message must be: one short sentence of text, nothing a page could take for markup.
fn check_message(e: &str) -> Result<(), TestCaseError> {
    prop_assert!(!e.trim().is_empty(), "an empty message");
    prop_assert!(
        !e.contains('<') && !e.contains('>'),
        "markup in the message: {}",
        e
    );
    prop_assert!(
        !e.chars().any(char::is_control),
        "a control character in {:?}",
        e
    );
    prop_assert!(e.chars().count() <= 400, "a message too long: {}", e);
    Ok(())
}

/// What every accepted set of options must satisfy.
fn check_options(o: &EmbedOptions) -> Result<(), TestCaseError> {
    prop_assert!(o.scenario < SCENARIOS.len());
    prop_assert!(o.step.is_none_or(|s| s <= MAX_START_STEP));
    prop_assert!(o
        .height
        .is_none_or(|h| (MIN_HEIGHT..=MAX_HEIGHT).contains(&h)));
    let all = Panel::ALL.iter().fold(0, |acc, p| acc | p.bit());
    prop_assert!(o.panels.is_none_or(|b| b & !all == 0));
    prop_assert!(o.widget);
    Ok(())
}

/// Values near the valid ones as often as random text: digits, ids, white space, markup, huge
/// numbers, Korean, control characters.
fn arb_value() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,60}",
        any::<String>(),
        "[0-9]{0,25}",
        "[ \t\n]{0,2}-?[0-9]{1,8}(px|\\.5|e3)?[ \t\n]{0,2}",
        "(en|ko|fr|EN|ko-KR| en )",
        "(full|minimal|none|some|Full)",
        "(true|false||maybe|TRUE)",
        prop::collection::vec(
            "(logs|verdicts|topology|belief|consumers|coordinator|spacetime|timers|events|settings|faults|nope|<b>x</b>| |)",
            0..6
        )
        .prop_map(|v| v.join(",")),
        prop::sample::select(SCENARIOS.iter().map(|s| s.0.to_string()).collect::<Vec<_>>()),
        "m=1\\.[A-Za-z0-9_-]{0,80}",
        "<(img|script|b)[^>]{0,20}>",
        "[가-힣]{0,10}",
    ]
}

/// Attribute names: eoscope's own, others a page may carry, and junk.
fn arb_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(ATTRS.to_vec()).prop_map(String::from),
        "[a-z-]{0,12}",
        ".{0,12}",
    ]
}

/// A valid set of options, and the attribute values that say it.
fn arb_valid() -> impl Strategy<Value = (EmbedOptions, Vec<(String, String)>)> {
    (
        0..SCENARIOS.len(),
        prop::option::of(0..=MAX_START_STEP),
        prop::option::of(prop::bool::ANY),
        prop::option::of(prop::collection::vec(0..Panel::ALL.len(), 0..5)),
        prop::option::of(0..3usize),
        prop::option::of(MIN_HEIGHT..=MAX_HEIGHT),
        prop::option::of(any::<u64>()),
        prop::option::of(prop::bool::ANY),
    )
        .prop_map(
            |(scenario, step, ko, panels, controls, height, seed, autoplay)| {
                let mut v: Vec<(String, String)> =
                    vec![("scenario".into(), SCENARIOS[scenario].0.into())];
                let mut o = EmbedOptions {
                    scenario,
                    widget: true,
                    ..EmbedOptions::default()
                };
                if let Some(s) = step {
                    o.step = Some(s);
                    v.push(("step".into(), s.to_string()));
                }
                if let Some(k) = ko {
                    o.lang = if k { Lang::Ko } else { Lang::En };
                    v.push(("lang".into(), o.lang.code().into()));
                }
                if let Some(ps) = panels {
                    o.panels = Some(ps.iter().fold(0, |acc, i| acc | Panel::ALL[*i].bit()));
                    let ids: Vec<&str> = ps.iter().map(|i| panel_id(Panel::ALL[*i])).collect();
                    v.push(("panels".into(), ids.join(",")));
                }
                if let Some(c) = controls {
                    let (c, id) = [
                        (Controls::Full, "full"),
                        (Controls::Minimal, "minimal"),
                        (Controls::None, "none"),
                    ][c];
                    o.controls = c;
                    v.push(("controls".into(), id.into()));
                }
                if let Some(h) = height {
                    o.height = Some(h);
                    v.push(("height".into(), h.to_string()));
                }
                if let Some(s) = seed {
                    o.seed = Some(s);
                    v.push(("seed".into(), s.to_string()));
                }
                if let Some(a) = autoplay {
                    o.autoplay = a;
                    v.push(("autoplay".into(), a.to_string()));
                }
                (o, v)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: common::proptest_cases(), rng_seed: common::proptest_seed(), failure_persistence: None, ..ProptestConfig::default() })]

    /// Any value in any of the widget's attributes gives options or a clear message, never a panic.
    #[test]
    fn arbitrary_attribute_values_give_options_or_a_clear_message(
        values in prop::collection::vec(prop::option::of(arb_value()), ATTRS.len()),
    ) {
        let map: BTreeMap<String, String> = ATTRS
            .iter()
            .zip(&values)
            .filter_map(|(a, v)| {
                let name = if *a == "scenario" { "data-eoscope".to_string() } else { format!("data-{}", a) };
                v.clone().map(|v| (name, v))
            })
            .collect();
        match from_attributes(|n| map.get(n).cloned(), "data-", Lang::Ko) {
            Ok(o) => check_options(&o)?,
            Err(e) => check_message(&e)?,
        }
    }

    /// Arbitrary (name, value) pairs, as attributes (other names ignored) or as a query (other
    /// names refused), then validated: options or a message.
    #[test]
    fn arbitrary_attribute_pairs_give_options_or_a_clear_message(
        pairs in prop::collection::vec((arb_name(), arb_value()), 0..12),
        widget in prop::bool::ANY,
    ) {
        for prefix in ["data-", ""] {
            match raw_from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), prefix) {
                Ok(raw) => match validate(raw, widget, Lang::En) {
                    Ok(o) => {
                        prop_assert_eq!(o.widget, widget);
                        prop_assert!(o.scenario < SCENARIOS.len());
                    }
                    Err(e) => check_message(&e)?,
                },
                Err(e) => check_message(&e)?,
            }
        }
    }

    /// Any URL query (the iframe's `embed.html?…`), escapes included, gives options or a message.
    #[test]
    fn an_arbitrary_url_query_gives_options_or_a_clear_message(
        q in prop_oneof![
            ".{0,200}",
            prop::collection::vec((arb_name(), arb_value()), 0..8).prop_map(|p| {
                p.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect::<Vec<_>>().join("&")
            }),
            "[?&=%0-9A-Fa-z+]{0,80}",
        ],
    ) {
        match query_pairs(&q, percent_decode) {
            Ok(pairs) => match raw_from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), "") {
                Ok(raw) => match validate(raw, true, Lang::En) {
                    Ok(o) => check_options(&o)?,
                    Err(e) => check_message(&e)?,
                },
                Err(e) => check_message(&e)?,
            },
            Err(e) => check_message(&e)?,
        }
    }

    /// Any JSON (or not) handed to `eoscope.mount` gives options or a message.
    #[test]
    fn arbitrary_mount_options_give_options_or_a_clear_message(
        text in prop_oneof![
            ".{0,120}",
            prop::collection::btree_map(arb_name(), prop_oneof![
                arb_value().prop_map(serde_json::Value::from),
                any::<i64>().prop_map(serde_json::Value::from),
                any::<f64>().prop_map(serde_json::Value::from),
                any::<bool>().prop_map(serde_json::Value::from),
                Just(serde_json::Value::Null),
            ], 0..6).prop_map(|m| serde_json::Value::Object(m.into_iter().collect()).to_string()),
        ],
    ) {
        match from_json(&text, Lang::En) {
            Ok(o) => check_options(&o)?,
            Err(e) => check_message(&e)?,
        }
    }

    /// Valid options written as attributes, as a query and as JSON come back the same.
    #[test]
    fn valid_options_survive_attributes_the_query_and_json((want, values) in arb_valid()) {
        let map: BTreeMap<String, String> = values
            .iter()
            .map(|(k, v)| (if k == "scenario" { "data-eoscope".to_string() } else { format!("data-{}", k) }, v.clone()))
            .collect();
        prop_assert_eq!(from_attributes(|n| map.get(n).cloned(), "data-", Lang::En), Ok(want.clone()));

        let query = format!("?{}", values.iter().map(|(k, v)| format!("{}={}", k, percent_encode(v))).collect::<Vec<_>>().join("&"));
        let pairs = query_pairs(&query, percent_decode).map_err(TestCaseError::fail)?;
        let raw = raw_from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), "").map_err(TestCaseError::fail)?;
        prop_assert_eq!(validate(raw.clone(), true, Lang::En), Ok(want.clone()));

        let mut json = serde_json::Map::new();
        for (k, v) in &values {
            let value = match k.as_str() {
                "step" | "height" | "seed" => serde_json::Value::from(v.parse::<u64>().unwrap_or(0)),
                "autoplay" => serde_json::Value::from(v == "true"),
                _ => serde_json::Value::from(v.clone()),
            };
            json.insert(k.clone(), value);
        }
        let text = serde_json::Value::Object(json).to_string();
        prop_assert_eq!(from_json(&text, Lang::En), Ok(want));
        let back: RawOptions = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, raw);
    }
}

#[test]
fn no_attribute_but_the_scenario_gives_the_widget_defaults() {
    let o = attrs(&[("data-eoscope", "txn-commit")]).unwrap();
    assert_eq!(o.scenario, 7);
    assert_eq!(SCENARIOS[o.scenario].0, "txn-commit");
    assert_eq!(o.lang, Lang::En);
    assert_eq!(o.controls, Controls::Full);
    // A widget waits on its first beat until the reader presses Play.
    assert!(o.widget && !o.autoplay);
    assert_eq!(
        (o.step, o.panels, o.height, o.seed),
        (None, None, None, None)
    );
    // An empty data-eoscope is the default story; the page's language is the default language.
    let o = from_attributes(
        |n| (n == "data-eoscope").then(String::new),
        "data-",
        Lang::Ko,
    )
    .unwrap();
    assert_eq!((o.scenario, o.lang), (0, Lang::Ko));
}

#[test]
fn attributes_are_read_with_surrounding_white_space_and_other_data_attributes_ignored() {
    let o = attrs(&[
        ("data-eoscope", " txn-commit "),
        ("data-step", " 12 "),
        ("data-lang", "ko "),
        ("data-panels", " logs , verdicts,, "),
        ("data-controls", " minimal"),
        ("data-autoplay", ""),
        ("data-other", "anything <b>"),
    ])
    .unwrap();
    assert_eq!(o.step, Some(12));
    assert_eq!(o.lang, Lang::Ko);
    assert_eq!(o.panels, Some(Panel::Logs.bit() | Panel::Verdicts.bit()));
    assert_eq!(o.controls, Controls::Minimal);
    assert!(
        o.autoplay,
        "an empty data-autoplay means true, as a boolean attribute does"
    );
}

#[test]
fn an_unknown_panel_is_named_with_the_list_of_panels() {
    assert_eq!(
        attr_error("data-panels", "logs,nope"),
        "unknown panel `nope` (panels: logs, verdicts, topology, belief, consumers, coordinator, spacetime, timers, events, settings, faults, search, compare)"
    );
}

#[test]
fn a_bad_step_says_what_a_step_must_be() {
    assert_eq!(
        attr_error("data-step", "abc"),
        "data-step must be a whole number from 0 to 1000000, not `abc`"
    );
    assert_eq!(
        attr_error("data-step", "-5"),
        "data-step must be a whole number from 0 to 1000000, not `-5`"
    );
    assert_eq!(
        attr_error("data-step", "99999999999999999999999"),
        "data-step must be a whole number from 0 to 1000000, not `99999999999999999999999`"
    );
    assert_eq!(
        attr_error("data-step", "5000000"),
        "data-step must be a whole number from 0 to 1000000, not `5000000`"
    );
}

#[test]
fn a_bad_language_says_en_or_ko() {
    assert_eq!(
        attr_error("data-lang", "fr"),
        "the language must be en or ko, not `fr`"
    );
    assert_eq!(
        attr_error("data-lang", "<b>ko</b>"),
        "the language must be en or ko, not `‹b›ko‹/b›`"
    );
}

#[test]
fn an_unknown_story_is_named_and_markup_in_it_is_defused() {
    assert_eq!(
        attr_error("data-eoscope", "no-such-story"),
        "there is no shipped scenario named `no-such-story`"
    );
    assert_eq!(
        attr_error("data-eoscope", "<img src=x onerror=alert(1)>"),
        "there is no shipped scenario named `‹img src=x onerror=alert(1)›`"
    );
}

#[test]
fn a_height_out_of_range_or_with_a_unit_is_refused() {
    assert_eq!(
        attr_error("data-height", "10"),
        "data-height must be a whole number from 120 to 4000, not `10`"
    );
    assert_eq!(
        attr_error("data-height", "100000"),
        "data-height must be a whole number from 120 to 4000, not `100000`"
    );
    assert_eq!(
        attr_error("data-height", "12px"),
        "data-height must be a whole number from 120 to 4000, not `12px`"
    );
    assert_eq!(
        attr_error("data-height", "99999999999"),
        "data-height must be a whole number from 120 to 4000, not `99999999999`"
    );
}

#[test]
fn bad_controls_seed_and_autoplay_say_what_is_allowed() {
    assert_eq!(
        attr_error("data-controls", "some"),
        "controls must be full, minimal or none, not `some`"
    );
    assert_eq!(
        attr_error("data-seed", "x"),
        "data-seed must be a whole number from 0 to 18446744073709551615, not `x`"
    );
    assert_eq!(
        attr_error("data-autoplay", "maybe"),
        "data-autoplay must be true or false, not `maybe`"
    );
}

#[test]
fn a_long_value_is_quoted_clipped_to_40_characters() {
    let long = "x".repeat(100);
    assert_eq!(
        attr_error("data-lang", &long),
        format!("the language must be en or ko, not `{}…`", "x".repeat(40))
    );
    let e = attr_error("data-lang", "a\u{0}b\nc\u{7f}");
    assert_eq!(e, "the language must be en or ko, not `abc`");
}

#[test]
fn a_bad_moment_attribute_gets_the_links_message() {
    assert_eq!(
        attr_error("data-moment", "m=1"),
        "the link's moment has no version"
    );
    assert_eq!(
        attr_error("data-moment", "hello"),
        "the link has no moment (it should start with #m=)"
    );
}

#[test]
fn the_query_refuses_unknown_options_and_bad_escapes() {
    let pairs = query_pairs("?scenario=txn-commit&bogus=1", percent_decode).unwrap();
    assert_eq!(
        raw_from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), ""),
        Err("unknown option `bogus`".into())
    );
    assert_eq!(
        query_pairs("?step=%zz", percent_decode),
        Err("the address's option `%zz` is badly escaped".into())
    );
    assert_eq!(
        query_pairs(&format!("?moment={}", "A".repeat(10_000)), percent_decode),
        Err("the address's options are too long".into())
    );
    // `+` is a space, as in a form-encoded query.
    let pairs = query_pairs("?lang=+ko+&panels=logs%2Cverdicts", percent_decode).unwrap();
    assert_eq!(
        pairs,
        vec![
            ("lang".to_string(), " ko ".to_string()),
            ("panels".to_string(), "logs,verdicts".to_string())
        ]
    );
}

#[test]
fn the_js_api_refuses_unknown_keys_and_wrong_types() {
    let e = from_json(r#"{"bogus":1}"#, Lang::En).unwrap_err();
    assert!(
        e.starts_with("eoscope.mount: bad options: unknown field `bogus`"),
        "{}",
        e
    );
    let e = from_json(r#"{"step":"x"}"#, Lang::En).unwrap_err();
    assert!(
        e.starts_with("eoscope.mount: bad options: invalid type"),
        "{}",
        e
    );
    let e = from_json(r#"{"<script>":1}"#, Lang::En).unwrap_err();
    assert!(!e.contains('<') && !e.contains('>'), "{}", e);
    let o = from_json(r#"{"scenario":"txn-commit","step":12,"lang":"ko","panels":"logs,verdicts","controls":"minimal","autoplay":false}"#, Lang::En).unwrap();
    assert_eq!(
        (o.scenario, o.step, o.lang, o.autoplay),
        (7, Some(12), Lang::Ko, false)
    );
}

#[test]
fn data_knobs_lists_the_settings_a_reader_may_flip_and_refuses_others_by_name() {
    let o = attrs(&[
        ("data-eoscope", "txn-commit"),
        ("data-knobs", " isolation.level , acks,acks"),
    ])
    .unwrap();
    assert_eq!(o.knobs, Some(vec!["isolation.level", "acks"]));
    let e = attr_error("data-knobs", "linger.ms");
    assert!(
        e.starts_with("unknown knob `linger.ms` (knobs: enable.idempotence, acks, "),
        "{e}"
    );
}
