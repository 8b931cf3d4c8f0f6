#![cfg(not(target_arch = "wasm32"))]
//! The catalog (`src/catalog`): every word a person reads, in both languages.
//!
//! - Every label and every sentence the shipped stories make the catalog say has English and
//!   Korean; the Korean is not a copy of the English (unless it is only Kafka's own words).
//! - One Korean word per concept: where the English uses a term of `static/glossary.json`, the
//!   Korean uses that term's Korean word (or the other sense the glossary names for it).
//! - No Korean particle whose form depends on the word before it is glued to a placeholder (a
//!   number or a name filled in: the rule, below at [`VARIABLE_PARTICLES`]).
//! - No wildcard arm in the catalog's matches: a new variant of the core's enums is a compile
//!   error there until it is phrased.
//! - Every short phrase the core writes into its notes has a Korean phrase.

mod common;
use common::uses_word;

use eoscope::catalog::{self as text, Lang, T};
use eoscope::embed_options::Panel;
use eoscope::sim::checker::{ExpectedBecause, Property};
use eoscope::sim::config::KafkaVersion;
use eoscope::sim::world::{DropReason, TraceKind};
use eoscope::sim::{Scenario, Sim};
use serde::Deserialize;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[derive(Deserialize)]
struct Glossary {
    terms: Vec<Term>,
}

#[derive(Deserialize)]
struct Term {
    en: String,
    ko: String,
    /// Another sense of the English word, with its own Korean word ("partition" the verb of the
    /// fault palette is a network partition, 네트워크 분할).
    #[serde(default)]
    other: Option<Other>,
}

#[derive(Deserialize)]
struct Other {
    ko: String,
}

fn glossary() -> Vec<Term> {
    let text = std::fs::read_to_string(root().join("static/glossary.json")).unwrap();
    serde_json::from_str::<Glossary>(&text).unwrap().terms
}

fn hangul(c: char) -> bool {
    ('\u{ac00}'..='\u{d7a3}').contains(&c)
}

/// Is this text only Kafka's and eoscope's own words (config keys, API and state names, node
/// names, numbers and symbols), which stay verbatim in both languages?
fn verbatim(en: &str) -> bool {
    const OWN: [&str; 14] = [
        "COMMIT", "ABORT", "HW", "LSO", "LEO", "ISR", "ELR", "PID", "pid", "ms", "t", "eoscope",
        "ack", "acks",
    ];
    en.split(|c: char| !(c.is_alphanumeric() || "._-=".contains(c)))
        .filter(|w| w.chars().any(|c| c.is_alphabetic()))
        .all(|w| {
            OWN.contains(&w)
                || w.contains(['.', '_', '-', '='])
                || w.chars().any(|c| c.is_ascii_digit())
                // An API or state name: CamelCase.
                || (w.chars().next().is_some_and(|c| c.is_uppercase())
                    && w.chars().skip(1).any(|c| c.is_uppercase()))
        })
}

/// The checks every (English, Korean) pair of the catalog passes; problems go to `out`.
fn check(what: &str, en: &str, ko: &str, glossary: &[Term], out: &mut Vec<String>) {
    if en.trim().is_empty() && ko.trim().is_empty() {
        return; // An empty suffix (no " (held)" here) is empty in both.
    }
    if en.trim().is_empty() || ko.trim().is_empty() {
        out.push(format!(
            "{}: one language is empty: {:?} / {:?}",
            what, en, ko
        ));
        return;
    }
    if !ko.chars().any(hangul) && !verbatim(en) && en == ko {
        out.push(format!("{}: the Korean is the English: {:?}", what, en));
    }
    // Kafka's names in capitals (COMMIT, ABORT, EndTxn(COMMIT)) are not the glossary's words.
    let mut plain = String::new();
    let mut run = String::new();
    for c in en.chars().chain(std::iter::once(' ')) {
        if c.is_alphabetic() {
            run.push(c);
            continue;
        }
        let caps = run.chars().count() >= 2 && run.chars().all(|c| c.is_uppercase());
        plain.push_str(if caps { " " } else { &run });
        run.clear();
        plain.push(c);
    }
    let en = plain.as_str();
    for t in glossary {
        // A Korean word in Latin letters (LEO, ISR, at-least-once) may also be spelled out.
        if !t.ko.chars().any(hangul) || !uses_word(en, &t.en) {
            continue;
        }
        // A longer term that holds this one decides ("transaction coordinator").
        let longer = glossary
            .iter()
            .any(|u| u.en.len() > t.en.len() && uses_word(&u.en, &t.en) && uses_word(en, &u.en));
        let other = t.other.as_ref().is_some_and(|o| ko.contains(&o.ko));
        if !longer && !ko.contains(&t.ko) && !other {
            out.push(format!(
                "{}: the English says {:?}, the Korean lacks {:?}: {:?}",
                what, t.en, t.ko, ko
            ));
        }
    }
}

fn report(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_label_is_in_both_languages_with_the_glossary_words() {
    let g = glossary();
    let mut problems = Vec::new();
    for k in T::ALL {
        let (en, ko) = (text::t(Lang::En, *k), text::t(Lang::Ko, *k));
        check(&format!("T::{:?}", k), en, ko, &g, &mut problems);
    }
    for p in Panel::ALL {
        let (en, ko) = (
            text::panel_label(Lang::En, p),
            text::panel_label(Lang::Ko, p),
        );
        check(&format!("panel {:?}", p), en, ko, &g, &mut problems);
    }
    report(problems);
}

/// Every value of the small enums the catalog phrases. The match makes a new variant a compile
/// error here too, so the list can't fall behind.
fn drop_reasons() -> Vec<DropReason> {
    let all = vec![
        DropReason::Fault,
        DropReason::DropRate,
        DropReason::Partitioned,
        DropReason::ReceiverDown,
        DropReason::SenderCrashed,
        DropReason::ConnectionBroken,
    ];
    for r in &all {
        match r {
            DropReason::Fault
            | DropReason::DropRate
            | DropReason::Partitioned
            | DropReason::ReceiverDown
            | DropReason::SenderCrashed
            | DropReason::ConnectionBroken => {}
        }
    }
    all
}

fn expected_becauses() -> Vec<ExpectedBecause> {
    use ExpectedBecause as E;
    let all = vec![
        E::IdempotenceOff,
        E::AcrossProducerSessions,
        E::AcksZero,
        E::ReorderingAllowed,
        E::AtLeastOnce,
        E::AtMostOnce,
        E::NonIdempotentSink,
        E::SinkKeyedByOffset,
        E::ReadUncommitted,
        E::AcksOne,
        E::UncleanElection,
    ];
    for e in &all {
        match e {
            E::IdempotenceOff
            | E::AcrossProducerSessions
            | E::AcksZero
            | E::ReorderingAllowed
            | E::AtLeastOnce
            | E::AtMostOnce
            | E::NonIdempotentSink
            | E::SinkKeyedByOffset
            | E::ReadUncommitted
            | E::AcksOne
            | E::UncleanElection => {}
        }
    }
    all
}

#[test]
fn every_verdict_reason_and_caveat_is_in_both_languages() {
    let g = glossary();
    let mut problems = Vec::new();
    let mut pair = |what: String, en: &str, ko: &str| check(&what, en, ko, &g, &mut problems);
    for p in Property::ALL {
        let (en, ko) = (
            text::property_summary(Lang::En, p),
            text::property_summary(Lang::Ko, p),
        );
        pair(format!("property_summary {:?}", p), en, ko);
    }
    for e in expected_becauses() {
        let (en, ko) = (
            text::expected_because(Lang::En, e),
            text::expected_because(Lang::Ko, e),
        );
        pair(format!("expected_because {:?}", e), en, ko);
    }
    for r in drop_reasons() {
        pair(
            format!("drop_reason {:?}", r),
            text::drop_reason(Lang::En, r),
            text::drop_reason(Lang::Ko, r),
        );
        pair(
            format!("loss_text {:?}", r),
            text::loss_text(Lang::En, r),
            text::loss_text(Lang::Ko, r),
        );
    }
    for v in KafkaVersion::ALL {
        let (en, ko) = (
            text::version_caveats(Lang::En, v),
            text::version_caveats(Lang::Ko, v),
        );
        assert_eq!(en.len(), ko.len(), "{:?}: as many caveats in both", v);
        for (e, k) in en.iter().zip(&ko) {
            pair(format!("version_caveats {:?}", v), e, k);
        }
    }
    report(problems);
}

/// The shipped scenarios, each run to its end: every event-log line and every violation they
/// produce, phrased in both languages.
#[test]
fn every_event_and_violation_of_the_shipped_stories_is_in_both_languages() {
    let g = glossary();
    let mut problems = Vec::new();
    let mut kinds = std::collections::BTreeSet::new();
    let mut dir: Vec<_> = std::fs::read_dir(root().join("static/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    dir.sort();
    for path in dir {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let json = std::fs::read_to_string(&path).unwrap();
        let scenario = Scenario::from_json(&json).unwrap_or_else(|e| panic!("{}: {}", name, e));
        let mut sim = Sim::new(scenario, None);
        sim.trace.limit = usize::MAX;
        sim.run(u64::MAX);
        sim.finish();
        for e in &sim.trace.events {
            let (en, ko) = (
                text::trace_line(Lang::En, &e.what),
                text::trace_line(Lang::Ko, &e.what),
            );
            let kind = match &e.what {
                TraceKind::Fact(n) => format!("{:?}", n)
                    .split([' ', '{', '('])
                    .next()
                    .unwrap()
                    .to_string(),
                k => format!("{:?}", k)
                    .split([' ', '{', '('])
                    .next()
                    .unwrap()
                    .to_string(),
            };
            // A message as sent is the wire's own shorthand (Kafka's API and field names), and a
            // scenario's note is its author's: both verbatim.
            let own = matches!(
                e.what,
                TraceKind::Sent { .. } | TraceKind::ScheduleNote { .. }
            );
            if own {
                continue;
            }
            if en == ko
                && !matches!(
                    e.what,
                    TraceKind::Fact(eoscope::sim::effects::Note::ClientError { .. })
                )
            {
                problems.push(format!(
                    "{}: {}: the Korean is the English: {}",
                    name, kind, en
                ));
            }
            check(&format!("{}: {}", name, kind), &en, &ko, &g, &mut problems);
            kinds.insert(kind);
        }
        for v in &sim.world.checker.violations {
            let (en, ko) = (
                text::violation(Lang::En, &v.detail),
                text::violation(Lang::Ko, &v.detail),
            );
            check(
                &format!("{}: violation {:?}", name, v.property),
                &en,
                &ko,
                &g,
                &mut problems,
            );
        }
    }
    problems.dedup();
    // The stories reach most of the log's kinds of line (the rest are checked by their phrasing
    // rules below, on the source).
    assert!(kinds.len() >= 25, "the stories reach {:?}", kinds);
    report(problems);
}

/// Every short phrase the core writes into a note (`what: "…"`, `reason: "…"`, the phrases of
/// `abortable_with`) has a Korean phrase in `catalog::core_phrase`.
#[test]
fn every_phrase_the_core_writes_into_a_note_has_a_korean_phrase() {
    let mut phrases = Vec::new();
    for entry in std::fs::read_dir(root().join("src/sim")).unwrap() {
        let path = entry.unwrap().path();
        let src = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = src.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let l = line.trim();
            // `what: "…"`, `reason: "…"`, and the arms of a `what: match …` / `reason: match …`.
            let field = ["what: \"", "reason: \""].iter().any(|f| l.starts_with(f));
            let arm = l.contains("=> \"")
                && lines[i.saturating_sub(12)..i]
                    .iter()
                    .any(|p| p.contains("what: match") || p.contains("reason: match"));
            let lone = l.starts_with('"')
                && lines[i.saturating_sub(12)..i].iter().any(|p| {
                    p.contains("what: match")
                        || p.contains("reason: match")
                        || p.contains("abortable_with(")
                });
            let call = l.contains("abortable_with(") && l.contains('"');
            if field || arm || lone || call {
                if let Some(s) = l.split('"').nth(1) {
                    phrases.push(s.to_string());
                }
            }
        }
    }
    assert!(
        phrases.len() >= 15,
        "the core's phrases are found: {:?}",
        phrases
    );
    let mut missing = Vec::new();
    for p in &phrases {
        let s: &'static str = Box::leak(p.clone().into_boxed_str());
        let ko = text::core_phrase(Lang::Ko, s);
        if ko == s && !verbatim(s) {
            missing.push(p.clone());
        }
        assert_eq!(text::core_phrase(Lang::En, s), s);
    }
    assert!(missing.is_empty(), "no Korean phrase for {:?}", missing);
}

/// The Korean particles whose form depends on the word before it: 을/를, 이/가, 은/는, 와/과,
/// 으로/로 (and their compounds). Whether a number or a name takes 이 or 가 depends on how the
/// reader says it (3 is 삼, v3 is 브이삼, producer-0 is 영 or 제로), so the catalog never glues one
/// to a placeholder, with or without a space. (A number written out in the text, "4.0은", is
/// read by its author, who chose the form; a placeholder may be any value.) **The rule**: rephrase so that an
/// invariant particle follows (에, 에서, 의, 까지, 부터, 도, 만), or a counter noun (`{}개`, `{}번`,
/// `{}건`, `스텝 {}` after the noun: "스텝 {}에서"), or write both forms: `{}(으)로`, `{}을(를)`.
const VARIABLE_PARTICLES: [&str; 20] = [
    "을",
    "를",
    "이",
    "가",
    "은",
    "는",
    "와",
    "과",
    "로",
    "으로",
    "로는",
    "으로는",
    "로서",
    "으로서",
    "이나",
    "나",
    "와는",
    "과는",
    "이라는",
    "라는",
];

/// The string literals of a Rust source, comments aside (enough for the catalog's files).
fn literals(src: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in src.lines().enumerate() {
        let mut chars = line.char_indices().peekable();
        let mut cur: Option<String> = None;
        while let Some((j, c)) = chars.next() {
            match (&mut cur, c) {
                (None, '/') if line[j..].starts_with("//") => break,
                (None, '\'') => {
                    // A char literal ('"' included) or a lifetime.
                    if line[j..].starts_with("'\"'") {
                        chars.next();
                        chars.next();
                    }
                }
                (None, '"') => cur = Some(String::new()),
                (Some(s), '\\') => {
                    if let Some((_, n)) = chars.next() {
                        s.push('\\');
                        s.push(n);
                    }
                }
                (Some(s), '"') => {
                    out.push((i + 1, std::mem::take(s)));
                    cur = None;
                }
                (Some(s), c) => s.push(c),
                (None, _) => {}
            }
        }
        if let Some(s) = cur {
            // A literal that goes on to the next line: judged on its first line.
            out.push((i + 1, s));
        }
    }
    out
}

/// Where `ko` glues a variable particle to a placeholder.
fn glued_particles(ko: &str) -> Vec<String> {
    let chars: Vec<char> = ko.chars().collect();
    let mut out = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        let after_placeholder = c == '}' && !(i + 1 < chars.len() && chars[i + 1] == '}');
        if !after_placeholder {
            continue;
        }
        let mut j = i + 1;
        while j < chars.len() && chars[j] == ' ' {
            j += 1;
        }
        let word: String = chars[j..].iter().take_while(|c| hangul(**c)).collect();
        if VARIABLE_PARTICLES.contains(&word.as_str()) {
            let from = i.saturating_sub(8);
            out.push(
                chars[from..(j + word.chars().count()).min(chars.len())]
                    .iter()
                    .collect(),
            );
        }
    }
    out
}

#[test]
fn the_particle_rule_catches_what_it_should() {
    assert!(!glued_particles("스텝 {}로 가기").is_empty());
    assert!(!glued_particles("스텝 {} 로 가기").is_empty());
    assert!(!glued_particles("{}를 {} ms 동안").is_empty());
    assert!(!glued_particles("{}={}이 {:?}가").is_empty());
    assert!(glued_particles("{}번 스텝으로 이동").is_empty());
    assert!(glued_particles("오프셋 {}(으)로 응답").is_empty());
    assert!(glued_particles("스텝 {}에서 깨집니다").is_empty());
    assert!(glued_particles("상태 {}개 탐색").is_empty());
    assert!(glued_particles("{} 이전").is_empty());
    assert!(glued_particles("{{{}}}").is_empty());
}

#[test]
fn no_korean_particle_is_glued_to_a_placeholder() {
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(root().join("src/catalog")).unwrap() {
        let path = entry.unwrap().path();
        let src = std::fs::read_to_string(&path).unwrap();
        for (line, lit) in literals(&src) {
            if !lit.chars().any(hangul) {
                continue;
            }
            for g in glued_particles(&lit) {
                problems.push(format!(
                    "{}:{}: {:?}",
                    path.file_name().unwrap().to_string_lossy(),
                    line,
                    g
                ));
            }
        }
    }
    report(problems);
}

/// Architecture Invariant: the catalog's matches have no wildcard arm (`_ =>`, `_ if`, `(_, …)`),
/// so the compiler names every variant that is not phrased yet. The one exception is a string:
/// `core_phrase` matches the core's `&'static str` phrases and must let an unknown one through.
#[test]
fn the_catalog_has_no_wildcard_arm() {
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(root().join("src/catalog")).unwrap() {
        let path = entry.unwrap().path();
        let src = std::fs::read_to_string(&path).unwrap();
        for (i, line) in src.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            let Some(arm) = code.split("=>").next().filter(|_| code.contains("=>")) else {
                continue;
            };
            let wild = arm
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == "_");
            if wild {
                problems.push(format!(
                    "{}:{}: {}",
                    path.file_name().unwrap().to_string_lossy(),
                    i + 1,
                    line.trim()
                ));
            }
        }
    }
    report(problems);
}
