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

/// Does `text` use `term` as a word (case-insensitive, plural allowed)? A term inside an
/// identifier doesn't count: `producer-0`, `enable.idempotence`, `no_duplicate_in_log`,
/// `transactional.id`, `read_committed`. The glossary tests of stories and of the catalog share it.
pub fn uses_word(text: &str, term: &str) -> bool {
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let term: Vec<char> = term.to_lowercase().chars().collect();
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    let n = term.len();
    (0..text.len().saturating_sub(n - 1)).any(|i| {
        if text[i..i + n] != term[..] {
            return false;
        }
        if i > 0 && (ident(text[i - 1]) || text[i - 1] == '.') {
            return false;
        }
        let mut j = i + n;
        for suffix in ["es", "s"] {
            let suffix: Vec<char> = suffix.chars().collect();
            let k = j + suffix.len();
            if text.get(j..k) == Some(&suffix[..]) && text.get(k).is_none_or(|&c| !ident(c)) {
                j = k;
                break;
            }
        }
        match text.get(j) {
            None => true,
            Some(&c) if ident(c) => false,
            Some(&'.') => !text.get(j + 1).is_some_and(|c| c.is_alphanumeric()),
            Some(_) => true,
        }
    })
}
