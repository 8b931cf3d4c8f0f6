//! Helpers the native test files share (`mod common;` in each). Not every file uses every one.
#![allow(dead_code)]

use eoscope::sim::scenario::ScenarioFile;

/// Property tests run a fixed seed, so a run that passed passes again in CI;
/// `PROPTEST_RNG_SEED=<n>` explores others.
pub fn proptest_seed() -> proptest::test_runner::RngSeed {
    match std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(n) => proptest::test_runner::RngSeed::Fixed(n),
        None => proptest::test_runner::RngSeed::Fixed(20_261_125),
    }
}

/// Cases per property: `PROPTEST_CASES`, else 1,000.
pub fn proptest_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

/// The path of a shipped scenario file, `static/scenarios/NAME.json`.
pub fn shipped_path(name: &str) -> String {
    format!(
        "{}/static/scenarios/{}.json",
        env!("CARGO_MANIFEST_DIR"),
        name
    )
}

/// A shipped scenario file's text.
pub fn shipped_text(name: &str) -> String {
    std::fs::read_to_string(shipped_path(name)).unwrap()
}

/// A shipped scenario file, parsed.
pub fn shipped_file(name: &str) -> ScenarioFile {
    serde_json::from_str(&shipped_text(name)).unwrap()
}
