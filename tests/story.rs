//! The story rules (`src/story.rs`): every beat reachable and held, variants chosen by the
//! knobs in effect, and no shipped beat that claims a verdict the run does not have there.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use eoscope::embed_options::SCENARIOS;
use eoscope::sim::checker::{Property, Verdict};
use eoscope::sim::compare;
use eoscope::sim::scenario::{Beat, BeatVariant, ScenarioFile};
use eoscope::sim::world::Sim;
use eoscope::sim::Scenario;
use eoscope::story::{self, Cursor, Knob, StoryBeat};
use std::collections::{BTreeMap, BTreeSet};

fn beat_at(step: u64) -> StoryBeat {
    StoryBeat {
        source: 0,
        step,
        tick: None,
        title: BTreeMap::new(),
        narration: BTreeMap::new(),
        highlight: vec![],
        variant: false,
    }
}

/// Plays a story the way the UI does: `hold_next` before each step, `arrive` after it.
fn play_stops(beats: &[StoryBeat], end: u64) -> Vec<usize> {
    let mut c = Cursor::default();
    let mut step = 0;
    c.follow(beats, step);
    let mut seen: Vec<usize> = c.at().into_iter().collect();
    loop {
        if c.hold_next(beats, step) {
            seen.push(c.at().unwrap());
            continue;
        }
        if step == end {
            break;
        }
        step += 1;
        if c.arrive(beats, step) {
            seen.push(c.at().unwrap());
        }
    }
    seen
}

#[test]
fn two_beats_at_one_step_are_both_shown_by_play_next_and_previous() {
    let beats = vec![beat_at(0), beat_at(7), beat_at(7), beat_at(9)];
    assert_eq!(play_stops(&beats, 12), vec![0, 1, 2, 3]);
    let mut c = Cursor::default();
    c.follow(&beats, 0);
    let mut visited = vec![c.at().unwrap()];
    while let Some((i, step)) = c.next(&beats) {
        c.set(i, &beats);
        c.follow(&beats, step); // seeking there must not move the cursor off it
        visited.push(c.at().unwrap());
    }
    assert_eq!(visited, vec![0, 1, 2, 3]);
    let mut back = vec![];
    while let Some((i, step)) = c.prev(&beats) {
        c.set(i, &beats);
        c.follow(&beats, step);
        back.push(c.at().unwrap());
    }
    assert_eq!(back, vec![2, 1, 0]);
}

#[test]
fn stepping_onto_a_shared_step_shows_its_first_beat_and_past_it_the_last() {
    let beats = vec![beat_at(0), beat_at(7), beat_at(7), beat_at(9)];
    let mut c = Cursor::default();
    c.follow(&beats, 7);
    assert_eq!(c.at(), Some(1));
    c.follow(&beats, 8);
    assert_eq!(c.at(), Some(2));
    c.follow(&beats, 3);
    assert_eq!(c.at(), Some(0));
}

#[test]
fn the_clock_reads_the_beat_tick_when_nothing_happens_before_it() {
    let mut b = beat_at(4);
    b.tick = Some(40);
    let beats = vec![b];
    let mut c = Cursor::default();
    c.follow(&beats, 4);
    assert_eq!(c.clock(&beats, 4, 35), 40);
    assert_eq!(c.clock(&beats, 5, 45), 45);
}

fn text(en: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("en".to_string(), en.to_string())])
}

#[test]
fn a_variant_whose_knob_holds_replaces_the_beat_and_keeps_its_place() {
    let beats = vec![
        Beat {
            step: Some(1),
            title: text("base"),
            variants: vec![BeatVariant {
                when: BTreeMap::from([("enable.idempotence".into(), "true".into())]),
                step: Some(3),
                title: text("flipped"),
                ..Default::default()
            }],
            ..Default::default()
        },
        Beat {
            step: Some(2),
            title: text("second"),
            ..Default::default()
        },
    ];
    let knob = |now: &str| Knob {
        key: "enable.idempotence",
        original: "false".into(),
        now: now.into(),
    };
    let base = story::resolve(&beats, &[knob("false")], &|_| 0, 10);
    assert_eq!(
        base.iter()
            .map(|b| (b.step, b.title["en"].as_str()))
            .collect::<Vec<_>>(),
        vec![(1, "base"), (2, "second")]
    );
    let flipped = story::resolve(&beats, &[knob("true")], &|_| 0, 10);
    // The second beat may not stop before the first one.
    assert_eq!(
        flipped
            .iter()
            .map(|b| (b.step, b.title["en"].as_str(), b.variant))
            .collect::<Vec<_>>(),
        vec![(3, "flipped", true), (3, "second", false)]
    );
}

/// Runs `file` and returns the verdicts at each of `steps`.
fn verdicts_at(file: &ScenarioFile, steps: &[u64]) -> Vec<BTreeMap<&'static str, bool>> {
    let scenario = Scenario::from_file(file).unwrap();
    let mut sim = Sim::new(scenario, Some(file.seed));
    let mut out = vec![];
    for &s in steps {
        while sim.world.step < s && sim.step() {}
        out.push(
            Property::ALL
                .iter()
                .filter_map(|p| match sim.world.checker.verdicts.get(p) {
                    Some(Verdict::Pass) => Some((p.name(), true)),
                    Some(Verdict::Fail { .. }) => Some((p.name(), false)),
                    _ => None,
                })
                .collect(),
        );
    }
    out
}

fn with_knobs(file: &ScenarioFile, flipped: &BTreeSet<String>) -> ScenarioFile {
    let mut out = file.clone();
    for k in flipped {
        out = compare::flip(&out, k).unwrap().file;
    }
    out
}

fn knob_sets(file: &ScenarioFile) -> Vec<BTreeSet<String>> {
    let mut sets = vec![BTreeSet::new()];
    for k in &file.knobs {
        let more: Vec<_> = sets
            .iter()
            .map(|s| {
                let mut s = s.clone();
                s.insert(k.clone());
                s
            })
            .collect();
        sets.extend(more);
    }
    sets
}

#[test]
fn no_shipped_beat_names_a_verdict_the_run_does_not_have_at_that_beat() {
    let mut checked = 0;
    for (id, _, _) in SCENARIOS {
        let original = common::shipped_file(id);
        for flipped in knob_sets(&original) {
            let file = with_knobs(&original, &flipped);
            let knobs = story::knobs(&original, &file);
            if story::telling(&original, &file) != story::Telling::Told {
                continue; // the UI shows "you changed …" instead of these beats
            }
            let scenario = Scenario::from_file(&file).unwrap();
            let mut preview = Sim::new(scenario, Some(file.seed));
            preview.run(200_000);
            let beats = story::tell(&file, &knobs, &preview);
            let steps: Vec<u64> = beats.iter().map(|b| b.step).collect();
            for (b, verdicts) in beats.iter().zip(verdicts_at(&file, &steps)) {
                let en = b.narration.get("en").cloned().unwrap_or_default();
                for (prop, passes) in story::claimed_verdicts(&en) {
                    checked += 1;
                    assert_eq!(
                        verdicts.get(prop),
                        Some(&passes),
                        "{id} with {flipped:?}, beat {} (step {}): the narration says {prop} {}, \
                         the run says {:?}",
                        b.source + 1,
                        b.step,
                        if passes { "passes" } else { "fails" },
                        verdicts.get(prop)
                    );
                }
            }
        }
    }
    assert!(
        checked >= 5,
        "only {checked} claims checked: the scan finds nothing"
    );
}

#[test]
fn every_shipped_beat_is_reached_by_play_in_order() {
    for (id, _, _) in SCENARIOS {
        let original = common::shipped_file(id);
        for flipped in knob_sets(&original) {
            let file = with_knobs(&original, &flipped);
            let knobs = story::knobs(&original, &file);
            let mut preview = Sim::new(Scenario::from_file(&file).unwrap(), Some(file.seed));
            preview.run(200_000);
            let beats = story::tell(&file, &knobs, &preview);
            assert_eq!(beats.len(), file.beats.len(), "{id}: a beat has no step");
            let all: Vec<usize> = (0..beats.len()).collect();
            assert_eq!(
                play_stops(&beats, preview.world.step),
                all,
                "{id} {flipped:?}"
            );
        }
    }
}

#[test]
fn claimed_verdicts_reads_fails_and_passes() {
    assert_eq!(
        story::claimed_verdicts("so no_duplicate_in_log fails, and sink_exactly_once passes."),
        vec![("no_duplicate_in_log", false), ("sink_exactly_once", true)]
    );
    assert!(story::claimed_verdicts("no_lost_ack is about acks").is_empty());
}

#[test]
fn a_knob_that_is_not_a_flippable_setting_is_refused_with_its_name() {
    let mut f = common::shipped_file("lost-ack-no-idempotence");
    f.knobs = vec!["linger.ms".into()];
    let e = Scenario::from_file(&f).unwrap_err();
    assert!(e.contains("`knobs[0]`: `linger.ms`"), "{e}");
}

#[test]
fn a_flipped_knob_the_story_has_no_telling_for_is_untold_and_other_edits_are_edited() {
    let mut original = common::shipped_file("lost-ack-no-idempotence");
    original.knobs = vec!["enable.idempotence".into(), "acks".into()];
    let flip = |f: &ScenarioFile, k: &str| compare::flip(f, k).unwrap().file;
    assert_eq!(story::telling(&original, &original), story::Telling::Told);
    let idem = flip(&original, "enable.idempotence");
    assert_eq!(story::telling(&original, &idem), story::Telling::Told);
    let acks = flip(&original, "acks");
    assert_eq!(
        story::telling(&original, &acks),
        story::Telling::Untold(vec!["acks"])
    );
    // Flipped and flipped back is the story again.
    assert_eq!(
        story::telling(&original, &flip(&idem, "enable.idempotence")),
        story::Telling::Told
    );
    let mut edited = original.clone();
    edited.producers[0]
        .config
        .insert("request.timeout.ms".into(), serde_json::json!(3000));
    assert_eq!(story::telling(&original, &edited), story::Telling::Edited);
}

#[test]
fn no_shipped_story_speaks_of_a_source_its_reader_never_saw() {
    // A widget may sit in anybody's post: "the seed", "the post" or 원문 mean nothing there.
    let words = ["seed", "the post", "post's", "원문"];
    for (id, _, _) in SCENARIOS {
        let f = common::shipped_file(id);
        let mut texts: Vec<&String> = f.title.values().chain(f.description.values()).collect();
        for b in &f.beats {
            texts.extend(b.title.values().chain(b.narration.values()));
            for v in &b.variants {
                texts.extend(v.title.values().chain(v.narration.values()));
            }
        }
        for t in texts {
            let lower = t.to_lowercase();
            for w in words {
                assert!(!lower.contains(w), "{id}: {w:?} in {t:?}");
            }
        }
    }
}
