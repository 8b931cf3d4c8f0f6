#![cfg(not(target_arch = "wasm32"))]
//! The session: every operation the UI performs on a run, natively (issue #11 item 1), with the
//! bugs found on the way — "Apply now" back to Kafka's default, commit-mode edits, faults that
//! change nothing — and the sliced seeks and trace imports (#17 item 3), and the run id an
//! answer that arrives later is checked against (#17 item 6).

mod common;

use eoscope::session::{Finished, Mark, MessageFault, Refusal, Session, Unlinkable, SEEK_AT_ONCE};
use eoscope::sim::message::MessageKind;
use eoscope::sim::scenario::{FaultAction, MessageMatch, ScenarioFile};
use eoscope::sim::timeline::UserAction;
use eoscope::sim::types::NodeId;
use serde_json::{json, Value};

const PRODUCER: NodeId = NodeId::Producer(0);
const BROKER: NodeId = NodeId::Broker(0);

/// A session on shipped story `name` (its index in the picker), as the UI loads it.
fn story(name: &str) -> Session {
    let i = eoscope::embed_options::SCENARIOS
        .iter()
        .position(|s| s.0 == name)
        .expect("a shipped story");
    let mut s = Session::new();
    s.load_text(Some(i), &common::shipped_text(name), None)
        .expect("the shipped file parses");
    s
}

/// A run long enough that going to its end simulates more than `SEEK_AT_ONCE` steps.
fn long_file() -> ScenarioFile {
    let mut v: Value = serde_json::from_str(&common::shipped_text("lost-ack-idempotence")).unwrap();
    v["producers"][0]["script"] =
        json!([{ "send": { "partition": 0, "records": 1, "batches": 12000 } }]);
    v["schedule"] = json!([]);
    v["beats"] = json!([]);
    eoscope::sim::scenario::parse_file(&v.to_string()).expect("the long file parses")
}

fn long_run() -> Session {
    let mut s = Session::new();
    let f = long_file();
    assert!(s.load(f.clone(), f.seed), "{:?}", s.load_error);
    s
}

fn digest(s: &Session) -> u64 {
    s.tl.as_ref().unwrap().sim.trace.digest
}

#[test]
fn loading_a_story_builds_a_run_with_its_preview_beats_and_a_new_run_id() {
    let mut s = story("lost-ack-no-idempotence");
    let first = s.run_id();
    assert_eq!(s.step_index(), 0);
    assert!(s.preview.done, "the story ends within the look-ahead");
    assert!(s.preview.end > 10);
    assert!(
        s.preview.marks.iter().any(|(_, m)| *m == Mark::Fault),
        "the scripted lost ack is marked"
    );
    assert!(!s.story.is_empty(), "the beats are told for this run");
    assert!(s.step());
    assert_eq!(s.run_id(), first, "stepping is the same run");
    s.load_text(
        Some(0),
        &common::shipped_text("lost-ack-no-idempotence"),
        Some(9),
    )
    .unwrap();
    assert_eq!(s.run_id(), first + 1, "loading builds another run");
    assert_eq!(s.tl.as_ref().unwrap().seed, 9);
}

#[test]
fn a_file_that_does_not_parse_leaves_the_run_on_screen() {
    let mut s = story("lost-ack-no-idempotence");
    s.step();
    let (id, step) = (s.run_id(), s.step_index());
    let e = s.load_text(None, "{ not json", None).unwrap_err();
    assert!(!e.is_empty());
    assert_eq!((s.run_id(), s.step_index()), (id, step));
}

#[test]
fn a_fault_that_changes_nothing_is_neither_recorded_nor_marked() {
    let mut s = story("lost-ack-no-idempotence");
    s.step();
    assert!(s.act(UserAction::Fault(FaultAction::Crash(PRODUCER))));
    let marks = s.preview.marks.clone();
    assert!(
        !s.act(UserAction::Fault(FaultAction::Crash(PRODUCER))),
        "a node already down"
    );
    assert!(!s.act(UserAction::Fault(FaultAction::Drop(MessageMatch {
        kind: None,
        from: None,
        to: None,
        nth: 0,
    }))));
    assert!(
        !s.act(UserAction::Fault(FaultAction::Restart(BROKER))),
        "a broker that is up"
    );
    assert!(
        !s.act(UserAction::Fault(FaultAction::Heal(PRODUCER, BROKER))),
        "a link that is healthy"
    );
    assert_eq!(s.tl.as_ref().unwrap().actions.len(), 1);
    assert_eq!(s.preview.marks, marks);
    assert!(s.act(UserAction::Fault(FaultAction::Restart(PRODUCER))));
    assert_eq!(s.tl.as_ref().unwrap().actions.len(), 2);
}

#[test]
fn a_selected_message_can_be_dropped_once_and_is_then_deselected() {
    let mut s = story("lost-ack-no-idempotence");
    while s.tl.as_ref().unwrap().sim.world.net.in_flight.is_empty() {
        assert!(s.step());
    }
    let id = *s
        .tl
        .as_ref()
        .unwrap()
        .sim
        .world
        .net
        .in_flight
        .keys()
        .next()
        .unwrap();
    s.selected = Some(id);
    assert!(s.on_selected(MessageFault::Drop));
    assert_eq!(s.selected, None);
    assert!(!s.on_selected(MessageFault::Drop), "nothing selected");
    assert!(s
        .preview
        .marks
        .iter()
        .any(|(st, m)| *m == Mark::Action && *st == s.step_index()));
}

#[test]
fn an_armed_fault_drops_the_first_matching_message_and_disarms() {
    let mut s = story("lost-ack-no-idempotence");
    s.arm(Some(MessageMatch {
        kind: Some(MessageKind::parse("ProduceResponse").unwrap()),
        from: None,
        to: Some(PRODUCER),
        nth: 0,
    }));
    while s.armed.is_some() {
        assert!(s.step(), "the armed fault found its message before the end");
    }
    let tl = s.tl.as_ref().unwrap();
    assert!(matches!(
        tl.actions.last(),
        Some((_, UserAction::DropMessage(_)))
    ));
}

/// Issue #11: choosing "default" removed the key from the draft, and "Apply now" only looked at
/// keys still present, so a setting could never go back to Kafka's default.
#[test]
fn apply_now_puts_a_setting_back_to_kafkas_default() {
    let mut s = story("lost-ack-no-idempotence");
    s.step();
    assert!(s.tl.as_ref().unwrap().sim.world.producer_configs[0].contains_key("request.timeout.ms"));
    // Both together: Kafka refuses delivery.timeout.ms below request.timeout.ms + linger.ms.
    s.set_producer(0, "request.timeout.ms", None);
    assert!(s.draft_error.is_some());
    s.set_producer(0, "delivery.timeout.ms", None);
    assert_eq!(s.draft_error, None);
    let change = s.apply_now(PRODUCER).expect("applied");
    assert_eq!(change.get("request.timeout.ms"), Some(&Value::Null));
    assert_eq!(change.get("delivery.timeout.ms"), Some(&Value::Null));
    let w = &s.tl.as_ref().unwrap().sim.world;
    assert!(
        !w.producer_configs[0].contains_key("request.timeout.ms"),
        "the producer runs with Kafka's default again"
    );
    assert_eq!(s.apply_now(PRODUCER), Err(Refusal::NothingToApply));
}

#[test]
fn apply_now_refuses_what_kafka_refuses_and_records_nothing() {
    let mut s = story("lost-ack-no-idempotence");
    s.step();
    // Kafka's ProducerConfig: idempotence needs acks=all (ConfigException).
    s.set_producer(0, "enable.idempotence", Some(json!(true)));
    s.set_producer(0, "acks", Some(json!("1")));
    let before = s.tl.as_ref().unwrap().actions.len();
    match s.apply_now(PRODUCER) {
        Err(Refusal::Rejected(e)) => assert!(e.contains("acks"), "{}", e),
        other => panic!("expected a rejection, got {:?}", other),
    }
    assert_eq!(s.tl.as_ref().unwrap().actions.len(), before);
    assert!(matches!(
        s.apply_result,
        Some((PRODUCER, Err(Refusal::Rejected(_))))
    ));
}

#[test]
fn apply_now_applies_a_changed_setting_and_records_it() {
    let mut s = story("lost-ack-no-idempotence");
    s.step();
    s.set_producer(0, "request.timeout.ms", Some(json!(2000)));
    let change = s.apply_now(PRODUCER).expect("applied");
    assert_eq!(change.get("request.timeout.ms"), Some(&json!(2000)));
    let tl = s.tl.as_ref().unwrap();
    assert_eq!(
        tl.sim.world.producer_configs[0]["request.timeout.ms"],
        json!(2000)
    );
    assert!(matches!(
        tl.actions.last(),
        Some((_, UserAction::Fault(FaultAction::SetConfig { .. })))
    ));
}

/// Issue #11: a commit-mode edit was invisible to "Apply now" ("nothing to apply").
#[test]
fn apply_now_says_a_commit_mode_change_needs_a_rerun() {
    let mut s = story("lost-ack-no-idempotence");
    s.set_commit(0, Some("before_processing".into()));
    assert_eq!(
        s.apply_now(NodeId::Consumer(0)),
        Err(Refusal::RerunOnly("commit"))
    );
    assert!(s.rerun(None), "a re-run applies it");
    assert_eq!(
        s.apply_now(NodeId::Consumer(0)),
        Err(Refusal::NothingToApply)
    );
}

#[test]
fn taking_the_wheel_and_going_back_rebuilds_the_story_exactly() {
    let mut s = story("lost-ack-no-idempotence");
    for _ in 0..6 {
        s.step();
    }
    let (step, d) = (s.step_index(), digest(&s));
    assert!(s.take_wheel());
    assert!(!s.take_wheel(), "once");
    assert_eq!(s.current_beat(), None, "with the wheel, no beat is told");
    s.act(UserAction::Fault(FaultAction::Crash(BROKER)));
    s.step();
    let id = s.run_id();
    assert!(s.back_to_story());
    assert!(s.run_id() > id);
    assert_eq!((s.step_index(), digest(&s)), (step, d));
    assert!(
        s.tl.as_ref().unwrap().actions.is_empty(),
        "the reader's own actions go"
    );
    assert!(s.moment("en").is_ok(), "the story can be linked again");
}

#[test]
fn flipping_a_knob_keeps_the_beat_and_the_readers_actions_even_at_step_0() {
    let mut s = story("lost-ack-no-idempotence");
    // An action before the first step: a re-run must still apply it.
    assert!(s.act(UserAction::Fault(FaultAction::DropRate {
        from: Some(PRODUCER),
        to: Some(BROKER),
        per_mille: 1,
    })));
    let beats = s.story.len();
    assert!(beats >= 3);
    s.go_beat(2);
    let beat_step = s.story[2].step;
    assert_eq!(s.cursor.at(), Some(2));
    s.flip_knob("enable.idempotence").unwrap();
    let tl = s.tl.as_ref().unwrap();
    assert_eq!(
        tl.sim.world.net.drop_rates,
        vec![(Some(PRODUCER), Some(BROKER), 1)]
    );
    assert_eq!(s.cursor.at(), Some(2), "on the same beat");
    assert_eq!(s.step_index(), s.story[2].step);
    assert_eq!(
        s.tl.as_ref().unwrap().sim.world.producer_configs[0].get("enable.idempotence"),
        Some(&json!(true))
    );
    assert_eq!(
        s.moment("en").err(),
        Some(Unlinkable::Edited),
        "a link names the story's own settings"
    );
    s.back_to_original();
    assert_eq!(s.step_index(), beat_step);
    assert!(s.shipped_settings);
}

#[test]
fn a_link_names_only_a_run_it_can_bring_back() {
    let mut s = story("lost-ack-no-idempotence");
    s.step();
    let m = s.moment("ko").expect("a shipped story at a step");
    assert_eq!(
        (m.scenario.as_str(), m.step, m.lang.as_str()),
        ("lost-ack-no-idempotence", 1, "ko")
    );
    s.set_producer(0, "acks", Some(json!("all")));
    assert!(s.rerun(None));
    assert_eq!(s.moment("en").err(), Some(Unlinkable::Edited));
    let f = s.draft.clone().unwrap();
    assert!(s.load_edited(f));
    assert_eq!(s.moment("en").err(), Some(Unlinkable::NoFile));
}

#[test]
fn restoring_a_moment_replays_its_actions_and_goes_to_its_step() {
    let mut s = story("lost-ack-no-idempotence");
    for _ in 0..3 {
        s.step();
    }
    s.act(UserAction::Fault(FaultAction::Crash(BROKER)));
    for _ in 0..4 {
        s.step();
    }
    let m = s.moment("en").unwrap();
    let d = digest(&s);
    let mut t = story("lost-ack-no-idempotence");
    t.restore(Some(&m), None);
    assert_eq!((t.step_index(), digest(&t)), (m.step, d));
    // A hostile step stays within the run.
    let mut u = story("lost-ack-no-idempotence");
    u.restore(None, Some(u64::MAX));
    assert_eq!(u.step_index(), u.preview.end);
}

#[test]
fn a_moment_naming_a_node_the_scenario_lacks_is_refused_with_its_message() {
    let mut s = story("lost-ack-no-idempotence");
    let mut m = s.moment("en").unwrap();
    m.actions = vec![(
        0,
        UserAction::Fault(FaultAction::Crash(NodeId::Producer(9))),
    )];
    s.restore(Some(&m), None);
    let e = s.load_error.clone().expect("refused");
    assert!(e.contains("producer-9"), "{}", e);
    assert!(s.tl.as_ref().unwrap().actions.is_empty());
}

#[test]
fn a_far_seek_goes_in_slices_with_progress_and_arrives_where_a_direct_seek_does() {
    let mut s = long_run();
    let target = 3 * SEEK_AT_ONCE;
    assert!(!s.seek(target), "too far for one go");
    let p = s.progress().expect("a job");
    assert_eq!((p.done, p.total, p.target), (0, target, target));
    let mut slices = 0;
    let mut last = 0;
    let finished = loop {
        slices += 1;
        if let Some(f) = s.work(1_000) {
            break f;
        }
        let p = s.progress().unwrap();
        assert!(p.done > last && p.done < p.total, "{:?}", p);
        last = p.done;
    };
    assert_eq!(finished, Finished::Arrived { step: target });
    assert_eq!(slices, 15);
    assert_eq!(s.progress(), None);
    let mut direct = long_run();
    direct.tl.as_mut().unwrap().seek(target);
    assert_eq!(digest(&s), digest(&direct));
}

#[test]
fn a_far_seek_back_restarts_from_a_checkpoint_and_can_be_cancelled() {
    let mut s = long_run();
    assert!(!s.seek(4 * SEEK_AT_ONCE));
    s.finish_job();
    // Near: at once (a checkpoint is close behind).
    assert!(s.seek(4 * SEEK_AT_ONCE - 10));
    s.seek(3 * SEEK_AT_ONCE);
    s.step_back();
    assert_eq!(s.step_index(), 3 * SEEK_AT_ONCE - 1);
    // A step or another seek replaces a job; Cancel stops it where it is.
    let mut t = long_run();
    assert!(!t.seek(4 * SEEK_AT_ONCE));
    t.work(2_000);
    assert_eq!(t.cancel(), Some(Finished::Cancelled { step: 2_000 }));
    assert_eq!(t.cancel(), None);
    assert!(!t.seek(4 * SEEK_AT_ONCE));
    t.step();
    assert_eq!(t.progress(), None, "stepping cancels the seek");
}

#[test]
fn a_far_beat_is_reached_through_a_job_that_puts_the_cursor_on_it() {
    let mut s = story("lost-ack-no-idempotence");
    let last = s.story.len() - 1;
    assert!(s.go_beat(last), "a story's beats are near");
    assert_eq!(s.cursor.at(), Some(last));
    assert!(s.go_beat(0));
    assert_eq!(s.cursor.at(), Some(0));
}

#[test]
fn an_imported_trace_replays_to_its_step_in_slices_and_checks_its_digest() {
    let mut s = long_run();
    let target = 2 * SEEK_AT_ONCE + 7;
    s.seek(target);
    s.finish_job();
    let text = eoscope::trace_file::export(s.run_file.as_ref().unwrap(), s.tl.as_ref().unwrap());
    let (trace, tl) = eoscope::trace_file::prepare(&text).unwrap();
    let mut t = story("lost-ack-no-idempotence");
    let id = t.run_id();
    assert!(t.import(trace, tl));
    assert!(
        t.run_id() > id,
        "another run: a search or fetch of the old one is dropped"
    );
    assert_eq!(t.picked, None, "no link names an imported trace");
    assert!(t.progress().is_some());
    let mut end = None;
    while end.is_none() {
        end = t.work(3_000);
    }
    assert_eq!(
        end,
        Some(Finished::Imported {
            step: target,
            digest_matches: true
        })
    );
    assert_eq!(digest(&t), digest(&s));
}

#[test]
fn a_counterexample_is_a_run_of_its_own_with_its_actions_marked() {
    let mut s = story("lost-ack-no-idempotence");
    let mut file = s.draft.clone().unwrap();
    file.schedule.clear();
    let id = s.run_id();
    let actions = vec![(2, UserAction::CrashFor(BROKER, 500))];
    assert!(s.load_counterexample(file, 7, &actions, 5));
    assert!(s.run_id() > id);
    assert_eq!(s.step_index(), 5);
    assert!(
        s.beats.is_empty(),
        "the story's beats belong to the scripted run"
    );
    assert!(s.preview.marks.contains(&(2, Mark::Action)));
    let m = s.moment("en").unwrap();
    assert!(m.without_schedule);
}

#[test]
fn draft_edits_are_validated_and_a_rerun_uses_them() {
    let mut s = story("lost-ack-no-idempotence");
    s.set_cluster("replication.factor", "7");
    assert!(s.draft_error.is_some(), "more replicas than brokers");
    assert_eq!(
        s.last_edit,
        Some(("cluster".to_string(), "replication.factor"))
    );
    assert!(!s.rerun(None));
    s.set_cluster("replication.factor", "1");
    s.set_version("3.9".into());
    assert_eq!(s.draft_error, None);
    let id = s.run_id();
    assert!(s.rerun(Some(5)));
    assert!(s.run_id() > id);
    assert!(!s.shipped_settings);
    assert_eq!(s.tl.as_ref().unwrap().seed, 5);
}

/// Found by the session monkey: going back to the story took the draft (with edits not yet
/// applied) for the run's file, so an exported trace named settings the run never had.
#[test]
fn going_back_to_the_story_keeps_the_runs_own_file_not_the_edited_draft() {
    let mut s = story("lost-ack-no-idempotence");
    s.step();
    let file = s.run_file.clone();
    s.set_producer(0, "acks", Some(json!("all")));
    assert!(s.take_wheel());
    assert!(s.back_to_story());
    assert_eq!(s.run_file, file);
    let text = eoscope::trace_file::export(s.run_file.as_ref().unwrap(), s.tl.as_ref().unwrap());
    assert!(eoscope::trace_file::import(&text).unwrap().digest_matches);
}

/// Issue #11: the look-ahead ran 20,000 steps on every click that changed the run. Now every
/// shipped story's look-ahead ends at once (its beats are known at the first frame), and a long
/// run's goes on in idle slices until it has looked as far as before.
#[test]
fn every_storys_look_ahead_ends_at_once_and_a_long_runs_goes_on_in_slices() {
    for (id, _, _) in eoscope::embed_options::SCENARIOS {
        let s = story(id);
        assert!(s.preview.done && !s.busy(), "{}", id);
    }
    let mut s = long_run();
    assert!(!s.preview.done);
    assert_eq!(s.preview.end, eoscope::session::PREVIEW_AT_ONCE);
    assert!(s.busy());
    let mut slices = 0;
    while s.work(2_000) != Some(Finished::Looked) {
        slices += 1;
    }
    assert_eq!(slices, 8);
    assert_eq!(s.preview.end, eoscope::session::PREVIEW_STEPS);
    assert!(!s.busy());
    // A seek is done before the look-ahead goes on.
    s.act(UserAction::Fault(FaultAction::Crash(BROKER)));
    assert!(s.busy());
    assert!(!s.seek(3 * SEEK_AT_ONCE));
    assert_eq!(
        s.work(u64::MAX),
        Some(Finished::Arrived {
            step: 3 * SEEK_AT_ONCE
        })
    );
    assert_eq!(s.work(u64::MAX), Some(Finished::Looked));
}

/// Found by the session monkey: going back to the story rebuilt the run without replaying the
/// actions at step 0, so its trace differed from the story's and an exported trace from it did
/// not import with its digest.
#[test]
fn going_back_to_the_story_replays_its_actions_at_step_0() {
    let mut s = story("lost-ack-no-idempotence");
    assert!(s.act(UserAction::Fault(FaultAction::DropRate {
        from: None,
        to: None,
        per_mille: 500,
    })));
    for _ in 0..5 {
        s.step();
    }
    let d = digest(&s);
    assert!(s.take_wheel());
    s.step();
    assert!(s.back_to_story());
    assert_eq!(digest(&s), d);
    let text = eoscope::trace_file::export(s.run_file.as_ref().unwrap(), s.tl.as_ref().unwrap());
    assert!(eoscope::trace_file::import(&text).unwrap().digest_matches);
}
