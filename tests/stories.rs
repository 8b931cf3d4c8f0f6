#![cfg(not(target_arch = "wasm32"))]
//! The guided stories: every shipped scenario's `beats` are checked against the run they narrate.
//! A beat has a title and a narration in English and Korean, lands on a moment the run reaches
//! (a `tick`: the state after every event at or before it, as `eoscope-run --until-tick`, and a
//! tick where something happens, so the clock shows it; or a `step`), comes after the beat before
//! it, highlights only things the scenario has (its nodes, its partitions, the checker's
//! properties) and shows only panels the app knows. The Korean text uses the glossary's term
//! wherever the English text uses the glossary's English term (`static/glossary.json`), so one
//! concept has one Korean name across the stories.

mod common;
use common::uses_word;

use eoscope::sim::checker::Property;
use eoscope::sim::scenario::{Beat, ScenarioFile};
use eoscope::sim::{Scenario, Sim};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The panels a beat may show. The app's show/hide chips (`ui::Panel`) have no string ids yet;
/// these are the ids the stories use, one per chip (`log` is `Panel::Logs`, `spacetime` is
/// `Panel::SpaceTime`, the others by their name).
const PANELS: [&str; 11] = [
    "log",
    "topology",
    "belief",
    "consumers",
    "coordinator",
    "spacetime",
    "timers",
    "events",
    "verdicts",
    "settings",
    "faults",
];

/// The files of PRODUCT.md §6's stories 1, 2, 3, 5, 6 and 8, told first and in full.
const FIRST_STORIES: [&str; 8] = [
    "lost-ack-no-idempotence",
    "lost-ack-idempotence",
    "consumer-crash-before-commit",
    "consumer-commit-before-processing",
    "idempotent-sink",
    "txn-commit",
    "txn-abort-two-readers",
    "txn-zombie-fencing",
];

/// The files of stories 4, 7, 9 and 10, the hanging transaction and transactions v2 (issue 13),
/// and the three consumer-group stories.
const OTHER_STORIES: [&str; 9] = [
    "max-in-flight-reordering",
    "txn-open-stalls-lso",
    "txn-timeout",
    "consume-transform-produce",
    "txn-hanging",
    "txn-v2-epochs",
    "group-zombie-fenced",
    "group-rebalance-duplicates",
    "group-stuck-unstable-offsets",
];

/// Story 11: `acks=1` and a leader failover lose an acknowledged record; `acks=all` doesn't.
const STORY_ELEVEN: [&str; 2] = ["acks1-leader-failover", "acksall-leader-failover"];

/// The other replication scenarios: `min.insync.replicas`, a retry deduplicated by a new leader,
/// an unclean leader election.
const REPLICATION_STORIES: [&str; 3] = [
    "min-isr-refuses-writes",
    "failover-idempotent-retry",
    "unclean-election-loses-data",
];

/// A narration is one to three short sentences: this bounds it loosely.
const MAX_NARRATION_CHARS: usize = 460;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Glossary {
    format: String,
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    terms: Vec<Term>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Term {
    en: String,
    ko: String,
    #[serde(default)]
    #[allow(dead_code)]
    note: String,
    /// `"ui"`: a word of the app's own text only (`tests/catalog.rs`), not of the narration.
    #[serde(default)]
    scope: String,
    /// Another sense of the English word, with its own Korean word (`tests/catalog.rs`).
    #[serde(default)]
    #[allow(dead_code)]
    other: Option<serde_json::Value>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shipped() -> Vec<(String, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("static/scenarios"))
        .expect("static/scenarios exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let stem = p
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let text = std::fs::read_to_string(&p).expect("scenario readable");
            (stem, text)
        })
        .collect()
}

fn glossary() -> Glossary {
    let text = std::fs::read_to_string(root().join("static/glossary.json"))
        .expect("static/glossary.json exists");
    serde_json::from_str(&text).expect("static/glossary.json parses")
}

fn file(name: &str, text: &str) -> ScenarioFile {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{}: {}", name, e))
}

/// Where a beat stops: (steps taken, tick), on a fresh run of the scenario.
fn position(scenario: &Scenario, beat: &Beat) -> (u64, u64) {
    let mut sim = Sim::new(scenario.clone(), None);
    match (beat.tick, beat.step) {
        (Some(t), _) => {
            sim.run_until_tick(t);
            (sim.world.step, t)
        }
        (None, Some(s)) => {
            sim.run(s);
            (sim.world.step, sim.now().0)
        }
        (None, None) => (0, 0),
    }
}

#[test]
fn the_glossary_has_one_korean_term_per_english_term() {
    let g = glossary();
    assert_eq!(g.format, "eoscope/glossary@1");
    assert!(g.terms.len() >= 5, "the glossary has its terms");
    let mut seen = std::collections::BTreeSet::new();
    for t in &g.terms {
        assert!(
            !t.en.trim().is_empty() && !t.ko.trim().is_empty(),
            "empty glossary term {:?} / {:?}",
            t.en,
            t.ko
        );
        assert!(seen.insert(t.en.to_lowercase()), "{} is twice", t.en);
    }
    for (en, ko) in [
        ("idempotence", "멱등성"),
        ("transaction", "트랜잭션"),
        ("commit marker", "커밋 마커"),
        ("offset commit", "오프셋 커밋"),
        ("isolation level", "격리 수준"),
        ("ISR", "ISR"),
        ("high watermark", "하이 워터마크"),
        ("follower", "팔로워"),
        ("leader election", "리더 선출"),
    ] {
        assert!(
            g.terms.iter().any(|t| t.en == en && t.ko == ko),
            "the glossary names {} {}",
            en,
            ko
        );
    }
}

#[test]
fn a_word_inside_an_identifier_is_not_a_use_of_the_term() {
    assert!(uses_word("The producer retries.", "producer"));
    assert!(uses_word("two transactions, one aborted", "transaction"));
    assert!(uses_word("EndTxn(COMMIT) then", "commit"));
    assert!(!uses_word("producer-0 sends", "producer"));
    assert!(!uses_word("set enable.idempotence=true", "idempotence"));
    assert!(!uses_word("no_duplicate_in_log fails", "duplicate"));
    assert!(!uses_word("transactional.id orders-tx", "transaction"));
    assert!(!uses_word("read_committed reads", "commit"));
    assert!(!uses_word("it was recorded", "record"));
    assert!(uses_word("ends the log.", "log"));
}

#[test]
fn every_beat_is_bilingual_ordered_reached_and_names_what_the_scenario_has() {
    let properties: Vec<&str> = Property::ALL.iter().map(|p| p.name()).collect();
    let mut problems = Vec::new();
    for (name, text) in shipped() {
        let f = file(&name, &text);
        if f.beats.is_empty() {
            continue;
        }
        let scenario = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{}: {}", name, e));
        let mut full = Sim::new(scenario.clone(), None);
        full.run(u64::MAX);
        full.finish();
        let (end_step, end_tick) = (full.world.step, full.now().0);
        let mut names: Vec<String> = properties.iter().map(|p| p.to_string()).collect();
        names.extend((0..f.producers.len()).map(|i| format!("producer-{}", i)));
        names.extend((0..f.consumers.len()).map(|i| format!("consumer-{}", i)));
        names.extend((0..f.cluster.brokers).map(|i| format!("broker-{}", i)));
        names.extend((0..f.cluster.partitions).map(|i| format!("orders-{}", i)));
        names.extend((0..f.cluster.output_partitions).map(|i| format!("orders-out-{}", i)));
        let mut previous: Option<(u64, u64)> = None;
        for (i, beat) in f.beats.iter().enumerate() {
            let at = format!("{} beat {}", name, i + 1);
            for (what, text) in [("title", &beat.title), ("narration", &beat.narration)] {
                for lang in ["en", "ko"] {
                    if text.get(lang).is_none_or(|s| s.trim().is_empty()) {
                        problems.push(format!("{}: no {} {}", at, lang, what));
                    }
                }
            }
            for (lang, s) in &beat.narration {
                if s.chars().count() > MAX_NARRATION_CHARS {
                    problems.push(format!("{}: the {} narration is too long", at, lang));
                }
            }
            match (beat.tick, beat.step) {
                (Some(t), None) if t > end_tick => problems.push(format!(
                    "{}: tick {} is after the run's end (tick {})",
                    at, t, end_tick
                )),
                (None, Some(s)) if s > end_step => problems.push(format!(
                    "{}: step {} is after the run's end (step {})",
                    at, s, end_step
                )),
                (Some(_), None) | (None, Some(_)) => {}
                _ => problems.push(format!("{}: needs exactly one of tick and step", at)),
            }
            let here = position(&scenario, beat);
            if let Some(t) = beat.tick {
                // The clock shows the last event's tick: a beat lands on a tick where something
                // happens, so the reader sees the moment the narration names.
                let mut sim = Sim::new(scenario.clone(), None);
                sim.run_until_tick(t);
                if sim.now().0 != t {
                    problems.push(format!(
                        "{}: nothing happens at tick {} (the clock would show {})",
                        at,
                        t,
                        sim.now().0
                    ));
                }
            }
            if previous.is_some_and(|p| p >= here) {
                problems.push(format!(
                    "{}: (step, tick) {:?} does not come after the beat before it {:?}",
                    at,
                    here,
                    previous.unwrap_or_default()
                ));
            }
            previous = Some(here);
            for h in &beat.highlight {
                if !names.contains(h) {
                    problems.push(format!("{}: highlights unknown {:?}", at, h));
                }
            }
            for p in &beat.panels {
                if !PANELS.contains(&p.as_str()) {
                    problems.push(format!("{}: unknown panel {:?}", at, p));
                }
            }
            if beat.panels.is_empty() {
                problems.push(format!("{}: shows no panel", at));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_korean_narration_uses_the_glossary_terms() {
    let g = glossary();
    let mut problems = Vec::new();
    for (name, text) in shipped() {
        let f = file(&name, &text);
        for (i, beat) in f.beats.iter().enumerate() {
            let side = |lang: &str| {
                format!(
                    "{} {}",
                    beat.title.get(lang).map(String::as_str).unwrap_or(""),
                    beat.narration.get(lang).map(String::as_str).unwrap_or("")
                )
            };
            let (en, ko) = (side("en"), side("ko"));
            for t in g.terms.iter().filter(|t| t.scope != "ui") {
                if uses_word(&en, &t.en) && !ko.contains(&t.ko) {
                    problems.push(format!(
                        "{} beat {}: the English says {:?}; the Korean lacks {:?}",
                        name,
                        i + 1,
                        t.en,
                        t.ko
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_shipped_scenario_tells_its_story() {
    // The beats test skips a file without beats; this keeps a new scenario from going untold.
    let untold: Vec<String> = shipped()
        .into_iter()
        .filter(|(name, text)| file(name, text).beats.is_empty())
        .map(|(name, _)| name)
        .collect();
    assert!(untold.is_empty(), "scenarios without beats: {:?}", untold);
}

#[test]
fn each_story_is_told_in_at_least_its_minimum_number_of_beats() {
    let all = shipped();
    let stories = FIRST_STORIES
        .iter()
        .map(|s| (*s, 4))
        .chain(OTHER_STORIES.iter().map(|s| (*s, 3)))
        .chain(STORY_ELEVEN.iter().map(|s| (*s, 5)))
        .chain(REPLICATION_STORIES.iter().map(|s| (*s, 4)));
    for (story, least) in stories {
        let (_, text) = all
            .iter()
            .find(|(n, _)| n == story)
            .unwrap_or_else(|| panic!("{} is shipped", story));
        let f = file(story, text);
        assert!(
            f.beats.len() >= least,
            "{} has {} beats, needs at least {}",
            story,
            f.beats.len(),
            least
        );
    }
}
