//! trunk's entry point: mounts the app into the page. Natively it only points at the runner.

#[cfg(target_arch = "wasm32")]
fn main() {
    eoscope::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "eoscope's app runs in the browser (trunk serve); the native runner is `eoscope-run`."
    );
    std::process::exit(2);
}
