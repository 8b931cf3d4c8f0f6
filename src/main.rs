//! trunk's entry point. In the browser it does nothing by itself: static/boot.js chooses which
//! elements to mount, when, and with which build (`eoscope::ui::widget`'s exports). Natively it
//! only points at the runner.

// Links the library for its exported functions, which nothing here calls.
#[cfg(target_arch = "wasm32")]
extern crate eoscope as _;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "eoscope's app runs in the browser (trunk serve); the native runner is `eoscope-run`."
    );
    std::process::exit(2);
}
