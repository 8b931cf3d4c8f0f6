#![cfg(not(target_arch = "wasm32"))]
//! Every shipped scenario runs through the `eoscope-run` binary, as an author would run it: the
//! exit code says the checker's verdicts match the file's `expect`, and the printed final state
//! must equal the checked-in golden output byte for byte (`tests/golden/<name>.json`).
//! After an intended change of behaviour: `UPDATE_GOLDEN=1 cargo test --test scenarios`, then
//! read the diff of `tests/golden/` before committing it.

use std::path::Path;
use std::process::Command;

#[test]
fn every_shipped_scenario_matches_its_expectations_and_golden_output() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<_> = std::fs::read_dir(dir.join("static/scenarios"))
        .expect("static/scenarios exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 14,
        "expected the shipped scenarios, found {}",
        names.len()
    );
    // The wasm determinism test replays each shipped scenario too: it must list them all.
    let determinism =
        std::fs::read_to_string(dir.join("tests/determinism.rs")).expect("tests/determinism.rs");
    for path in &names {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        assert!(
            determinism.contains(&format!("\"{}\"", stem)),
            "add \"{}\" to SHIPPED in tests/determinism.rs",
            stem
        );
    }
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for path in &names {
        let out = Command::new(env!("CARGO_BIN_EXE_eoscope-run"))
            .arg(path)
            .output()
            .expect("runner starts");
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if out.status.code() != Some(0) {
            failures.push(format!(
                "{}: exit {:?}: {}",
                stem,
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let golden = dir.join("tests/golden").join(format!("{}.json", stem));
        if update {
            std::fs::write(&golden, &out.stdout).expect("golden written");
            continue;
        }
        match std::fs::read(&golden) {
            Ok(expected) if expected == out.stdout => {}
            Ok(_) => failures.push(format!(
                "{}: output differs from {} (UPDATE_GOLDEN=1 to accept, then read the diff)",
                stem,
                golden.display()
            )),
            Err(_) => failures.push(format!("{}: no golden file {}", stem, golden.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_runner_reports_a_bad_file_with_exit_code_2_and_a_message() {
    let dir = std::env::temp_dir().join(format!("eoscope-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"format": "eoscope/scenario@1", "title": {"en": "x"}, "version": "3.9", "producers": [{"config": {"ack": "all"}}]}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_eoscope-run"))
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("unknown producer config `ack`; did you mean `acks`?"));
}

#[test]
fn the_runner_exits_1_when_verdicts_differ_from_the_expected_ones() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(dir.join("static/scenarios/lost-ack-idempotence.json")).unwrap();
    let flipped = text.replace(
        r#""no_duplicate_in_log": "pass""#,
        r#""no_duplicate_in_log": "fail""#,
    );
    assert_ne!(text, flipped);
    let tmp = std::env::temp_dir().join(format!("eoscope-flip-{}.json", std::process::id()));
    std::fs::write(&tmp, flipped).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_eoscope-run"))
        .arg(&tmp)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("no_duplicate_in_log: expected fail, got pass"));
}
