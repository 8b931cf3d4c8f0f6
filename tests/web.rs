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

/// The index of the scenario with this id in the picker.
fn scenario_index(id: &str) -> String {
    ui::SCENARIOS
        .iter()
        .position(|(i, _)| *i == id)
        .unwrap_or_else(|| panic!("no scenario {id}"))
        .to_string()
}

const NO_DUPLICATE: &str = "li.verdict[data-property=no_duplicate_in_log]";

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
    let root = container();
    let app = ui::mount(root.clone());
    wait_until("the first render", || count(&root, ".partition") == 1).await;
    choose(
        &root,
        ".picker select",
        &scenario_index("lost-ack-no-idempotence"),
    );
    settle().await;

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
    let root = container();
    let app = ui::mount(root.clone());
    wait_until("the first render", || count(&root, ".partition") == 1).await;
    choose(
        &root,
        ".picker select",
        &scenario_index("lost-ack-no-idempotence"),
    );
    settle().await;

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
    let root = container();
    let app = ui::mount(root.clone());
    wait_until("the first render", || count(&root, ".partition") == 1).await;
    choose(
        &root,
        ".picker select",
        &scenario_index("lost-ack-no-idempotence"),
    );
    settle().await;

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

    app.destroy();
    root.remove();
}
