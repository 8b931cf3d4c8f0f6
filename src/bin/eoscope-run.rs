//! `eoscope-run`: the headless runner (filled in by the core issue).
fn main() {
    eprintln!("eoscope-run: not implemented yet");
    std::process::exit(2);
}
