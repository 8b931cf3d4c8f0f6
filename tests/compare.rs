#![cfg(not(target_arch = "wasm32"))]
//! Side by side: one setting flipped, the same seed and actions, and where the runs part.

mod common;

use eoscope::sim::compare::{compare, flip, AppendFacts, Comparison};
use eoscope::sim::effects::Note;
use eoscope::sim::world::TraceKind;
use eoscope::sim::Scenario;

fn side_by_side(name: &str, key: &str) -> Comparison {
    let file = common::shipped_file(name);
    let flipped = flip(&file, key).unwrap();
    let left = Scenario::from_file(&file).unwrap();
    let right = Scenario::from_file(&flipped.file).unwrap();
    let seed = left.seed;
    compare(left, right, seed, &[], 20_000)
}

fn note(k: &Option<eoscope::sim::world::TraceEvent>) -> Option<&Note> {
    match k.as_ref().map(|e| &e.what) {
        Some(TraceKind::Fact(n)) => Some(n),
        _ => None,
    }
}

#[test]
fn flipping_idempotence_on_the_lost_ack_story_parts_where_the_retry_is_deduplicated() {
    let file = common::shipped_file("lost-ack-no-idempotence");
    let f = flip(&file, "enable.idempotence").unwrap();
    assert_eq!((f.from.as_str(), f.to.as_str()), ("false", "true"));
    let c = side_by_side("lost-ack-no-idempotence", "enable.idempotence");
    // The traces differ from the first step: with idempotence the producer first asks for an id.
    assert_eq!(c.first_step, Some(1));
    let d = c.divergence.expect("the runs part");
    // Without idempotence the retry of v0 is appended again (the third batch, after v1); with it,
    // it is recognised. v1's append is in both runs, before the retry in one and after in the
    // other: timing alone is not where they part.
    assert!(
        matches!(note(&d.left), Some(Note::Appended { batch_index: 2, .. })),
        "{:?}",
        d.left
    );
    assert!(
        matches!(note(&d.right), Some(Note::Deduplicated { base_offset, .. }) if base_offset.0 == 0),
        "{:?}",
        d.right
    );
    // What the view phrases ("orders-0 appends v0 again at offset 2"), read as it happened.
    assert_eq!(
        (d.left_append, d.right_append),
        (
            Some(AppendFacts {
                first_record: 0,
                base_offset: 2,
                again: true
            }),
            None
        )
    );
    // Shared before it: v0's append, its processing, the sink write and the offset commit
    // (v0's ack is the one lost, in both).
    assert_eq!(d.common, 4);
}

#[test]
fn flipping_isolation_level_parts_where_read_uncommitted_reads_an_aborted_record() {
    let c = side_by_side("txn-abort-two-readers", "isolation.level");
    let d = c.divergence.expect("the runs part");
    let (l, r) = (note(&d.left), note(&d.right));
    // One side processes a record the other never sees.
    assert!(
        matches!(l, Some(Note::Processed { .. })) || matches!(r, Some(Note::Processed { .. })),
        "{:?} / {:?}",
        d.left,
        d.right
    );
}

#[test]
fn the_same_settings_on_both_sides_never_part() {
    let file = common::shipped_file("txn-commit");
    let s = Scenario::from_file(&file).unwrap();
    let seed = s.seed;
    let c = compare(s.clone(), s, seed, &[], 20_000);
    assert_eq!(c.first_step, None);
    assert_eq!(c.divergence, None);
    assert_eq!(c.left_steps, c.right_steps);
    assert!(c.left_steps > 10);
}

#[test]
fn flipping_twice_is_the_original_run() {
    let mut flipped = Vec::new();
    for key in eoscope::sim::compare::FLIPS {
        let file = common::shipped_file("consumer-crash-before-commit");
        let Ok(once) = flip(&file, key) else { continue };
        flipped.push(*key);
        let twice = flip(&once.file, key).unwrap();
        assert_eq!(
            (twice.from.as_str(), twice.to.as_str()),
            (once.to.as_str(), once.from.as_str())
        );
        let a = Scenario::from_file(&file).unwrap();
        let b = Scenario::from_file(&twice.file).unwrap();
        let seed = a.seed;
        let c = compare(a, b, seed, &[], 20_000);
        assert_eq!(c.first_step, None, "{}", key);
    }
    // Not vacuous: RF=1 refuses min.insync.replicas=2, and the file's after_processing commits need
    // enable.auto.commit=false; the others flip.
    assert_eq!(
        flipped,
        [
            "enable.idempotence",
            "acks",
            "max.in.flight.requests.per.connection",
            "isolation.level",
            "unclean.leader.election.enable",
            "group.protocol",
            "version"
        ]
    );
}

/// Transactions v1 (3.9) against v2 (4.3, KIP-890 part 2) on the TV2 story: in 3.9 the client
/// sends AddPartitionsToTxn before its first write to a partition; in 4.3 it sends none (the
/// partition leader adds the partition), so the runs part at the first transactional request.
#[test]
fn flipping_version_parts_where_transactions_v2_needs_no_add_partitions_from_the_client() {
    let file = common::shipped_file("txn-v2-epochs");
    let f = flip(&file, "version").unwrap();
    assert_eq!((f.from.as_str(), f.to.as_str()), ("4.3", "3.9"));
    let adds = |file: &eoscope::sim::scenario::ScenarioFile| {
        let trace = eoscope::sim::world::Trace::new(true, 1_000_000);
        let mut sim =
            eoscope::sim::world::Sim::with_trace(Scenario::from_file(file).unwrap(), None, trace);
        sim.run(20_000);
        sim.trace
            .events
            .iter()
            .filter(|e| {
                matches!(
                    &e.what,
                    TraceKind::Sent {
                        kind: eoscope::sim::message::MessageKind::AddPartitionsToTxnRequest,
                        from: eoscope::sim::types::NodeId::Producer(_),
                        ..
                    }
                )
            })
            .count()
    };
    assert_eq!(adds(&file), 0, "4.3: no AddPartitionsToTxn from the client");
    assert!(adds(&f.file) > 0, "3.9: the client adds its partitions");
    let c = side_by_side("txn-v2-epochs", "version");
    // The protocols part at step 3 (the first transactional request); the outcomes (appends,
    // markers, reads) are the same in both, only the way there differs.
    assert_eq!((c.first_step, &c.divergence), (Some(3), &None), "{:?}", c);
    assert_eq!((c.left_steps, c.right_steps), (58, 66));
    // Only 3.9 and 4.3 flip.
    let old = common::shipped_file("lost-ack-no-idempotence");
    assert_eq!(
        flip(&old, "version").unwrap_err(),
        format!(
            "side by side flips `version` between 3.9 and 4.3; this scenario is on {}",
            old.version
        )
    );
}

#[test]
fn flips_kafka_refuses_are_refused_with_kafkas_reason() {
    let e = flip(&common::shipped_file("txn-commit"), "enable.idempotence").unwrap_err();
    assert!(e.starts_with("with enable.idempotence=false: "), "{}", e);
    assert!(e.contains("transactional.id"), "{}", e);
    let e = flip(&common::shipped_file("txn-commit"), "linger.ms<script>").unwrap_err();
    assert_eq!(e, "side by side cannot flip `linger.msscript`");
}

#[test]
fn the_runner_prints_where_the_runs_part() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_eoscope-run"))
        .arg(common::shipped_path("lost-ack-no-idempotence"))
        .args(["--flip", "enable.idempotence"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "eoscope/compare@1");
    assert_eq!(
        (v["left"].as_str(), v["right"].as_str()),
        (Some("false"), Some("true"))
    );
    assert_eq!(v["traces_differ_from_step"], 1);
    assert_eq!(v["divergence"]["outcomes_in_common"], 4);
    assert_eq!(v["divergence"]["left"]["step"], 26);
    assert!(v["divergence"]["left"]["what"]["Appended"].is_object());
    assert_eq!(v["divergence"]["right"]["step"], 28);
    assert_eq!(
        v["divergence"]["right"]["what"]["Deduplicated"]["base_offset"],
        0
    );
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_eoscope-run"))
        .arg(common::shipped_path("txn-commit"))
        .args(["--flip", "enable.idempotence"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("with enable.idempotence=false"));
}
