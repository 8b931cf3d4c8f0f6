//! The UI in a real browser (headless Chromium, through wasm-bindgen-test-runner and
//! ChromeDriver): `cargo test --target wasm32-unknown-unknown --test web`. Each test mounts the
//! app into an element of its own, never into `document.body`, which holds the runner's output.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use eoscope::ui;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh `<div>` appended to the body, for one test's app.
fn container() -> Element {
    let document = gloo::utils::document();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div
}

/// Yew renders asynchronously: wait (up to 5 s) until `ready` holds.
async fn wait_until(what: &str, ready: impl Fn() -> bool) {
    for _ in 0..500 {
        if ready() {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Lets Yew finish the renders already scheduled.
async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(50)).await;
}

fn text(root: &Element, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

fn click(root: &Element, selector: &str) {
    let el: HtmlElement = root
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .dyn_into()
        .unwrap();
    el.click();
}

/// Chooses an option of a `<select>` as a person would (the value, then a `change` event).
fn choose(root: &Element, selector: &str, value: &str) {
    let select: HtmlSelectElement = root
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .dyn_into()
        .unwrap();
    select.set_value(value);
    let event = web_sys::Event::new("change").unwrap();
    select.dispatch_event(&event).unwrap();
}

/// `new KeyboardEvent("keydown", {key, bubbles: true})`, built through JS reflection.
fn key_event(key: &str) -> web_sys::Event {
    let window = gloo::utils::window();
    let ctor: js_sys::Function = js_sys::Reflect::get(&window, &"KeyboardEvent".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"key".into(), &key.into()).unwrap();
    js_sys::Reflect::set(&init, &"bubbles".into(), &true.into()).unwrap();
    let args = js_sys::Array::of2(&"keydown".into(), &init);
    js_sys::Reflect::construct(&ctor, &args)
        .unwrap()
        .dyn_into()
        .unwrap()
}

/// The index of the scenario with this id in the picker.
fn scenario_index(id: &str) -> String {
    ui::SCENARIOS
        .iter()
        .position(|(i, _, _)| *i == id)
        .unwrap_or_else(|| panic!("no scenario {id}"))
        .to_string()
}

const NO_DUPLICATE: &str = "li.verdict[data-property=no_duplicate_in_log]";

/// The app mounted in a fresh element, with shipped scenario `id` picked.
async fn mount_story(id: &str) -> (Element, yew::AppHandle<ui::App>) {
    let root = container();
    let app = ui::mount(root.clone());
    wait_until("the first render", || count(&root, ".partition") == 1).await;
    choose(&root, ".picker select", &scenario_index(id));
    settle().await;
    (root, app)
}

#[wasm_bindgen_test]
async fn lost_ack_without_idempotence_shows_a_duplicate_and_a_failed_verdict() {
    let root = container();
    let app = ui::mount(root.clone());
    wait_until("the first render", || count(&root, ".partition") == 1).await;

    choose(
        &root,
        ".picker select",
        &scenario_index("lost-ack-no-idempotence"),
    );
    settle().await;
    assert!(
        text(&root, ".narration").contains("lost ack"),
        "narration: {:?}",
        text(&root, ".narration")
    );
    assert_eq!(count(&root, ".cell.dup"), 0, "no duplicate at the start");

    click(&root, "button[aria-label='Run to the end']");
    wait_until("the end of the run", || {
        text(&root, ".playback .status").contains("finished")
    })
    .await;

    assert!(
        count(&root, ".cell.dup") >= 2,
        "both copies of v0 are marked as duplicates"
    );
    assert!(
        text(&root, ".cell.dup").contains("v0"),
        "got {:?}",
        text(&root, ".cell.dup")
    );
    let verdict = root
        .query_selector(NO_DUPLICATE)
        .unwrap()
        .expect("the no_duplicate_in_log verdict");
    assert!(
        verdict.class_name().split_whitespace().any(|c| c == "fail"),
        "classes: {:?}",
        verdict.class_name()
    );
    assert!(text(&root, NO_DUPLICATE).contains("expected with these settings"));

    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn idempotence_on_makes_the_duplicate_go_away() {
    let (root, app) = mount_story("lost-ack-no-idempotence").await;

    // The first producer setting is enable.idempotence.
    choose(&root, ".panel-settings fieldset.client select", "true");
    settle().await;
    assert_eq!(
        count(&root, ".panel-settings .error"),
        0,
        "enable.idempotence=true is valid here: {}",
        text(&root, ".panel-settings .error")
    );
    click(&root, "button.primary");
    settle().await;
    click(&root, "button[aria-label='Run to the end']");
    wait_until("the end of the run", || {
        text(&root, ".playback .status").contains("finished")
    })
    .await;

    assert_eq!(count(&root, ".cell.dup"), 0);
    let verdict = root
        .query_selector(NO_DUPLICATE)
        .unwrap()
        .expect("the verdict");
    assert!(
        verdict.class_name().split_whitespace().any(|c| c == "pass"),
        "classes: {:?}",
        verdict.class_name()
    );

    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn step_back_restores_the_earlier_picture_exactly() {
    let (root, app) = mount_story("lost-ack-no-idempotence").await;

    for _ in 0..12 {
        click(&root, "button[aria-label='Step forward']");
        settle().await;
    }
    let before = root.inner_html();
    assert!(
        text(&root, ".step-no").contains("step 12"),
        "got {:?}",
        text(&root, ".step-no")
    );
    for _ in 0..5 {
        click(&root, "button[aria-label='Step forward']");
        settle().await;
    }
    assert_ne!(
        root.inner_html(),
        before,
        "stepping forward changes the picture"
    );
    for _ in 0..5 {
        click(&root, "button[aria-label='Step back']");
        settle().await;
    }
    assert_eq!(
        root.inner_html(),
        before,
        "five steps back is the picture of five steps ago"
    );

    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn a_bad_setting_shows_kafkas_message_inline() {
    let (root, app) = mount_story("lost-ack-no-idempotence").await;

    // enable.idempotence=true with acks=1 is what Kafka refuses.
    let selects = root
        .query_selector_all(".panel-settings fieldset.client select")
        .unwrap();
    let acks: HtmlSelectElement = selects.item(1).unwrap().dyn_into().unwrap();
    acks.set_value("1");
    acks.dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    settle().await;
    choose(&root, ".panel-settings fieldset.client select", "true");
    settle().await;
    assert!(
        text(&root, ".panel-settings .error")
            .contains("Must set acks to all in order to use the idempotent producer"),
        "got {:?}",
        text(&root, ".panel-settings .error")
    );

    // A topic setting the cluster can't hold: the core's message, at that setting.
    let rf: web_sys::HtmlInputElement = root
        .query_selector_all(".panel-settings fieldset.cluster input")
        .unwrap()
        .item(2)
        .unwrap()
        .dyn_into()
        .unwrap();
    rf.set_value("3");
    rf.dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    settle().await;
    assert!(
        text(&root, ".panel-settings fieldset.cluster .error").contains("replication.factor"),
        "got {:?}",
        text(&root, ".panel-settings .error")
    );

    app.destroy();
    root.remove();
}

/// The perf scenario of `tests/e2e/perf.test.mjs` and the closing notes: one idempotent producer
/// sending `batches` one-record batches, and one consumer.
fn speed_scenario(batches: u32) -> String {
    format!(
        r#"{{"format": "eoscope/scenario@1", "id": "speed", "title": {{"en": "speed"}}, "version": "3.9",
            "producers": [{{"config": {{"request.timeout.ms": 1000}}, "script": [{{"send": {{"partition": 0, "records": 1, "batches": {batches}}}}}]}}],
            "consumers": [{{"config": {{"enable.auto.commit": false}}, "commit": "after_processing"}}]}}"#
    )
}

/// Not a gate: prints the core's speed in wasm (with its trace on, as the app runs it), to set
/// beside `eoscope-run` on the same file natively (see the README's figures).
#[wasm_bindgen_test]
fn simulation_speed_in_wasm() {
    use eoscope::sim::{Scenario, Sim};
    let scenario = Scenario::from_json(&speed_scenario(20_000)).expect("the speed scenario");
    let started = js_sys::Date::now();
    let mut sim = Sim::new(scenario, None);
    let mut steps = 0u64;
    while sim.step() {
        steps += 1;
    }
    let ms = (js_sys::Date::now() - started).max(1.0);
    console_log!(
        "perf: wasm core, 20,000 one-record batches + a consumer: {} steps (trace digest {:016x}) in {:.0} ms = {:.0} steps/s",
        steps,
        sim.trace.digest,
        ms,
        steps as f64 / ms * 1000.0
    );
    assert!(steps > 0);
}

#[wasm_bindgen_test]
async fn two_instances_on_one_page_are_independent() {
    let (a, b) = (container(), container());
    let (app_a, app_b) = (ui::mount(a.clone()), ui::mount(b.clone()));
    wait_until("both first renders", || {
        count(&a, ".partition") == 1 && count(&b, ".partition") == 1
    })
    .await;
    for _ in 0..3 {
        click(&a, "button[aria-label='Step forward']");
        settle().await;
    }
    assert!(
        text(&a, ".step-no").contains("step 3"),
        "a: {:?}",
        text(&a, ".step-no")
    );
    assert!(
        text(&b, ".step-no").contains("step 0"),
        "b: {:?}",
        text(&b, ".step-no")
    );
    // A key pressed inside one instance moves only that one.
    let root_b: HtmlElement = b
        .query_selector(".eoscope")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    root_b.dispatch_event(&key_event("ArrowRight")).unwrap();
    settle().await;
    assert!(
        text(&b, ".step-no").contains("step 1"),
        "b: {:?}",
        text(&b, ".step-no")
    );
    assert!(
        text(&a, ".step-no").contains("step 3"),
        "a: {:?}",
        text(&a, ".step-no")
    );
    app_a.destroy();
    app_b.destroy();
    a.remove();
    b.remove();
}

/// `eoscope.mount`'s options are read key by key (`ui::widget::from_js`): hostile JavaScript values give
/// options or a message (no markup in it), never a panic, which would take down every widget.
#[wasm_bindgen_test]
fn hostile_mount_options_give_options_or_a_message() {
    let values = [
        "undefined",
        "null",
        "42",
        "'txn-commit'",
        "[]",
        "[1, 2]",
        "({})",
        "({bogus: 1})",
        "({step: 'x'})",
        "({step: -1})",
        "({step: 1e300})",
        "({step: 12.5})",
        "({height: NaN})",
        "({scenario: '<script>alert(1)</script>'})",
        "({panels: 5})",
        "({panels: 'logs,<b>'})",
        "({lang: {}})",
        "({autoplay: 'yes'})",
        "({seed: 18446744073709551616})",
        "({moment: 'm=1.%%%'})",
        "(() => 1)",
        "Symbol('x')",
        "new Map([['scenario', 'txn-commit']])",
        "({scenario: 'txn-commit', step: 12, lang: 'ko', panels: 'logs,verdicts', controls: 'minimal', autoplay: false})",
    ];
    let mut accepted = Vec::new();
    for src in values {
        let v = js_sys::eval(src).unwrap();
        match ui::widget::from_js(v) {
            Ok(_) => accepted.push(src),
            Err(e) => assert!(!e.is_empty() && !e.contains('<'), "{}: {}", src, e),
        }
    }
    assert_eq!(
        accepted,
        vec![
            "undefined",
            "null",
            "({})",
            "({scenario: 'txn-commit', step: 12, lang: 'ko', panels: 'logs,verdicts', controls: 'minimal', autoplay: false})"
        ]
    );
    // A refusal names the option.
    let msg = |src: &str| ui::widget::from_js(js_sys::eval(src).unwrap()).unwrap_err();
    assert!(msg("({height: NaN})").contains("height must be a whole number"));
    assert!(msg("({bogus: 1})").contains("unknown option `bogus`"));
    assert!(msg("({lang: {}})").contains("`lang` must be a string, a number or a boolean"));
    assert!(msg("new Map([['scenario', 'txn-commit']])").contains("plain object"));
}
