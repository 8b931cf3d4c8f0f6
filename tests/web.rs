//! The UI in a real browser (headless Chromium, through wasm-bindgen-test-runner and
//! ChromeDriver): `cargo test --target wasm32-unknown-unknown --test web`. Each test mounts the
//! app into an element of its own, never into `document.body`, which holds the runner's output.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use eoscope::ui;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh `<div>` appended to the body, for one test's app.
fn container() -> Element {
    let document = gloo::utils::document();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div
}

/// Yew renders asynchronously: wait (up to 2 s) until `ready` holds.
async fn wait_until(what: &str, ready: impl Fn() -> bool) {
    for _ in 0..200 {
        if ready() {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
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

#[wasm_bindgen_test]
async fn append_a_batch_adds_a_cell_and_moves_the_log_end() {
    let root = container();
    let app = ui::mount(root.clone());

    wait_until("the first render", || count(&root, "button.append") == 1).await;
    assert_eq!(count(&root, ".partition .cell"), 0);
    assert!(
        text(&root, ".offsets").contains("log end offset 0"),
        "got {:?}",
        text(&root, ".offsets")
    );

    let button = root.query_selector("button.append").unwrap().unwrap();
    let button: HtmlElement = button.dyn_into().unwrap();
    assert_eq!(button.text_content().as_deref(), Some("Append a batch"));
    button.click();

    wait_until("the cell", || count(&root, ".partition .cell") == 1).await;
    assert_eq!(text(&root, ".partition .cell"), "v0");
    assert!(
        text(&root, ".offsets").contains("log end offset 1"),
        "got {:?}",
        text(&root, ".offsets")
    );

    app.destroy();
    root.remove();
}
