//! Side by side: the same run twice — same seed, same user actions at the same steps — with one
//! setting flipped, and where the two first part.
//!
//! Runs are compared two ways. *Step by step*: the first step whose trace entries differ (often
//! early and dull: with `enable.idempotence=true` the producer first asks for a producer id).
//! *By outcome*: the sequence of things that decide a guarantee — appends, deduplicated retries,
//! refusals, markers, acks, failed sends, records processed, sink writes, committed offsets,
//! coordinator transitions, elections. Each run's first outcome the other run never has is where
//! it parts; those two are what the side-by-side view highlights and explains ("here the broker
//! wrote the retry again; there it recognised it as a duplicate").

use super::config::{Acks, IsolationLevel};
use super::effects::Note;
use super::scenario::ScenarioFile;
use super::timeline::UserAction;
use super::types::ProducerId;
pub use super::vocabulary::FLIPS;
use super::world::{Sim, Trace, TraceEvent, TraceKind};
use super::Scenario;
use serde_json::Value;
use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

/// A scenario file with one setting flipped, and the two values (as Kafka writes them).
#[derive(Clone, Debug)]
pub struct Flipped {
    pub file: ScenarioFile,
    pub key: &'static str,
    pub from: String,
    pub to: String,
}

fn bool_text(b: bool) -> String {
    b.to_string()
}

/// Flips `key` in `file`: on every producer (producer keys), every consumer (consumer keys) or
/// the topic (cluster keys). The value flipped is the one in effect (defaults included), and the
/// flipped file must still be valid — Kafka refuses some pairs (`enable.idempotence=false` with a
/// `transactional.id`), and so does the message returned then.
pub fn flip(file: &ScenarioFile, key: &str) -> Result<Flipped, String> {
    let Some(key) = FLIPS.iter().copied().find(|k| *k == key) else {
        return Err(format!("side by side cannot flip `{}`", clip(key)));
    };
    let scenario = Scenario::from_file(file)?;
    let mut out = file.clone();
    let (from, to) = match key {
        "enable.idempotence" | "acks" | "max.in.flight.requests.per.connection" => {
            let Some((p, _)) = scenario.producers.first() else {
                return Err("this scenario has no producer to change".into());
            };
            let (from, to, value) = match key {
                "enable.idempotence" => {
                    let b = p.enable_idempotence;
                    (bool_text(b), bool_text(!b), Value::Bool(!b))
                }
                "acks" => {
                    let to = if p.acks == Acks::All { "1" } else { "all" };
                    (p.acks.name().to_string(), to.to_string(), Value::from(to))
                }
                _ => {
                    let to = if p.max_in_flight == 1 { 5 } else { 1 };
                    (p.max_in_flight.to_string(), to.to_string(), Value::from(to))
                }
            };
            for spec in &mut out.producers {
                spec.config.insert(key.to_string(), value.clone());
            }
            (from, to)
        }
        "isolation.level" | "enable.auto.commit" => {
            let Some(c) = scenario.consumers.first() else {
                return Err("this scenario has no consumer to change".into());
            };
            let (from, to, value) = if key == "isolation.level" {
                let to = match c.cfg.isolation_level {
                    IsolationLevel::ReadCommitted => IsolationLevel::ReadUncommitted,
                    IsolationLevel::ReadUncommitted => IsolationLevel::ReadCommitted,
                };
                (
                    c.cfg.isolation_level.name().to_string(),
                    to.name().to_string(),
                    Value::from(to.name()),
                )
            } else {
                let b = c.cfg.enable_auto_commit;
                (bool_text(b), bool_text(!b), Value::Bool(!b))
            };
            for spec in &mut out.consumers {
                spec.config.insert(key.to_string(), value.clone());
                // The commit mode follows `enable.auto.commit` unless the file chose one.
                if key == "enable.auto.commit" && spec.commit.as_deref() == Some("auto") {
                    spec.commit = None;
                }
            }
            (from, to)
        }
        "group.protocol" => {
            let Some(c) = scenario.consumers.first() else {
                return Err("this scenario has no consumer to change".into());
            };
            let (from, to) = match c.cfg.group_protocol {
                super::config::GroupProtocol::Classic => ("classic", "consumer"),
                super::config::GroupProtocol::Consumer => ("consumer", "classic"),
            };
            for spec in &mut out.consumers {
                spec.config.insert(key.to_string(), Value::from(to));
            }
            (from.to_string(), to.to_string())
        }
        // The last release of transactions v1 against today's (KAFKA_EOS.md §D): where the two
        // protocols part for the same seed and faults.
        "version" => {
            let to = match out.version.as_str() {
                "3.9" => "4.3",
                "4.3" => "3.9",
                other => {
                    return Err(format!(
                        "side by side flips `version` between 3.9 and 4.3; this scenario is on {}",
                        clip(other)
                    ))
                }
            };
            let from = std::mem::replace(&mut out.version, to.to_string());
            (from, to.to_string())
        }
        "min.insync.replicas" => {
            let now = out.cluster.min_insync_replicas;
            let to = if now <= 1 { 2 } else { 1 };
            out.cluster.min_insync_replicas = to;
            (now.to_string(), to.to_string())
        }
        _ => {
            let now = out.cluster.unclean_leader_election_enable;
            out.cluster.unclean_leader_election_enable = !now;
            (bool_text(now), bool_text(!now))
        }
    };
    Scenario::from_file(&out).map_err(|e| format!("with {}={}: {}", key, to, e))?;
    Ok(Flipped {
        file: out,
        key,
        from,
        to,
    })
}

fn clip(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() && *c != '<' && *c != '>')
        .take(60)
        .collect()
}

/// Where two runs first part by outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// The first outcome that differs in each run (`None`: that run has no more outcomes).
    pub left: Option<TraceEvent>,
    pub right: Option<TraceEvent>,
    /// For a divergent append, what it wrote, read from its run's log as it happened (so the
    /// view can say "orders-0 appends v0 again at offset 2" without replaying the run).
    pub left_append: Option<AppendFacts>,
    pub right_append: Option<AppendFacts>,
    /// How many outcomes the runs share before it.
    pub common: usize,
}

/// What an append wrote: its first record, where, and whether the log already held that record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppendFacts {
    pub first_record: u32,
    pub base_offset: u64,
    pub again: bool,
}

/// Two runs compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// The first step whose trace entries differ (`None`: the traces are identical).
    pub first_step: Option<u64>,
    /// The first outcome that differs (`None`: the same outcomes in the same order).
    pub divergence: Option<Divergence>,
    /// Steps each run took (to its end or to the step limit).
    pub left_steps: u64,
    pub right_steps: u64,
}

/// An outcome with what may legitimately differ between the runs masked: producer ids and
/// epochs (idempotence off means no producer id at all), and where in the log's batch list an
/// append landed is kept (that *is* the outcome).
fn outcome(kind: &TraceKind) -> Option<Note> {
    let TraceKind::Fact(note) = kind else {
        return None;
    };
    let masked = match note {
        Note::ProducerIdChanged { .. } => return None,
        // Group membership is how partitions reach a consumer; a different assignment shows in
        // what each consumer processes.
        Note::GroupStateChanged { .. }
        | Note::GroupMemberRemoved { .. }
        | Note::StaticMemberReplaced { .. }
        | Note::GroupJoined { .. }
        | Note::GroupLeft { .. } => return None,
        Note::MarkerWritten {
            tp,
            offset,
            commit,
            first_offset,
            ..
        } => Note::MarkerWritten {
            tp: *tp,
            producer_id: ProducerId(0),
            offset: *offset,
            commit: *commit,
            first_offset: *first_offset,
        },
        Note::TxnTransition { txn, from, to, .. } => Note::TxnTransition {
            txn: *txn,
            from: *from,
            to: *to,
            producer_id: ProducerId(0),
            epoch: 0,
        },
        other => other.clone(),
    };
    Some(masked)
}

/// The index of the first outcome in `mine` that `theirs` does not have (as many times).
fn first_unmatched(mine: &[u64], theirs: &[u64]) -> Option<usize> {
    let mut left: BTreeMap<u64, usize> = BTreeMap::new();
    for n in theirs {
        *left.entry(*n).or_default() += 1;
    }
    mine.iter().position(|n| match left.get_mut(n) {
        Some(c) if *c > 0 => {
            *c -= 1;
            false
        }
        _ => true,
    })
}

/// An outcome as compared, hashed: the masked note, and for an append the records it holds (the
/// note only says where in the log the batch went; v1 there instead of v0 is another outcome).
/// Only hashes are kept (8 bytes an outcome, not a trace entry's ~160: the largest file's twin
/// runs stay within the memory budget, #17); SipHash with std's fixed keys, so a collision could
/// only hide a difference. The two events where the runs part are found again by a replay.
fn outcome_hash(note: &Note, records: Option<(u32, u32)>) -> u64 {
    let mut h = DefaultHasher::new();
    (note, records).hash(&mut h);
    h.finish()
}

/// One of the two runs, stepped in lockstep with the other.
struct Side {
    sim: Sim,
    steps: u64,
    /// This step's trace entries (for the step-by-step comparison).
    fresh: Vec<TraceEvent>,
    outcomes: Vec<u64>,
    /// The outcome to keep whole when it comes (by index), and that outcome once it came (with
    /// what it wrote, for an append).
    wanted: Option<usize>,
    found: Option<(TraceEvent, Option<AppendFacts>)>,
}

impl Side {
    fn new(scenario: Scenario, seed: u64) -> Side {
        Side {
            sim: Sim::with_trace(scenario, Some(seed), Trace::new(true, usize::MAX)),
            steps: 0,
            fresh: Vec::new(),
            outcomes: Vec::new(),
            wanted: None,
            found: None,
        }
    }

    /// Applies the actions due at this step, then steps. Returns false at the end.
    fn advance(&mut self, actions: &[(u64, UserAction)], max_steps: u64) -> bool {
        let here = self.sim.world.step;
        for (_, a) in actions.iter().filter(|(s, _)| *s == here) {
            self.sim.apply_user_action(a);
        }
        let moved = here < max_steps && self.sim.step();
        self.fresh.clear();
        self.fresh.extend(self.sim.trace.events.drain(..));
        for e in &self.fresh {
            if let Some(note) = outcome(&e.what) {
                let records = match &note {
                    Note::Appended { tp, batch_index } => self
                        .sim
                        .world
                        .log(*tp)
                        .and_then(|l| l.batches().get(*batch_index))
                        .map(|b| (b.first_record.0, b.record_count)),
                    _ => None,
                };
                if self.wanted == Some(self.outcomes.len()) {
                    self.found = Some((e.clone(), self.append_facts(&note)));
                }
                self.outcomes.push(outcome_hash(&note, records));
            }
        }
        if moved {
            self.steps = self.sim.world.step;
        }
        moved
    }

    /// What the append `note` names wrote, in this run's log now.
    fn append_facts(&self, note: &Note) -> Option<AppendFacts> {
        let Note::Appended { tp, batch_index } = note else {
            return None;
        };
        let batches = self.sim.world.log(*tp)?.batches();
        let b = batches.get(*batch_index)?;
        Some(AppendFacts {
            first_record: b.first_record.0,
            base_offset: b.base_offset.0,
            again: batches
                .iter()
                .take(*batch_index)
                .any(|x| !x.is_control() && x.first_record == b.first_record),
        })
    }

    /// Outcome number `i` of this run, replayed from the start (`None`: the run has no such one).
    fn replay_outcome(
        scenario: Scenario,
        seed: u64,
        actions: &[(u64, UserAction)],
        max_steps: u64,
        i: usize,
    ) -> Option<(TraceEvent, Option<AppendFacts>)> {
        let mut side = Side::new(scenario, seed);
        side.wanted = Some(i);
        while side.found.is_none() && side.advance(actions, max_steps) {}
        side.found
    }
}

/// Runs `left` and `right` with the same seed and the same user actions (by step, as a
/// `Timeline` records them), each to its end or `max_steps`, and compares them.
pub fn compare(
    left: Scenario,
    right: Scenario,
    seed: u64,
    actions: &[(u64, UserAction)],
    max_steps: u64,
) -> Comparison {
    let mut a = Side::new(left.clone(), seed);
    let mut b = Side::new(right.clone(), seed);
    let mut first_step = None;
    let (mut a_on, mut b_on) = (true, true);
    while a_on || b_on {
        if a_on {
            a_on = a.advance(actions, max_steps);
        } else {
            a.fresh.clear();
        }
        if b_on {
            b_on = b.advance(actions, max_steps);
        } else {
            b.fresh.clear();
        }
        if first_step.is_none() {
            let same = a.fresh.len() == b.fresh.len()
                && a.fresh.iter().zip(&b.fresh).all(|(x, y)| x.what == y.what);
            if !same || a_on != b_on {
                first_step = Some(a.sim.world.step.min(b.sim.world.step));
            }
        }
    }
    let common = a
        .outcomes
        .iter()
        .zip(&b.outcomes)
        .take_while(|(x, y)| x == y)
        .count();
    // Where they part, per run: its first outcome the other run never has (matched as a multiset,
    // so timing alone does not count: v1 appended before or after v0's retry is the same append);
    // if every outcome has a match and only their order differs, the first one out of order.
    let divergence = (common < a.outcomes.len().max(b.outcomes.len())).then(|| {
        let at = |mine: &[u64], theirs: &[u64]| {
            let at = first_unmatched(mine, theirs).unwrap_or(common);
            (at < mine.len()).then_some(at)
        };
        let (at_a, at_b) = (at(&a.outcomes, &b.outcomes), at(&b.outcomes, &a.outcomes));
        // The runs are gone from memory before their replays begin (one run at a time).
        drop((a.sim, b.sim));
        let event = |s: Scenario, at: Option<usize>| {
            at.and_then(|i| Side::replay_outcome(s, seed, actions, max_steps, i))
        };
        let (left, left_append) = event(left, at_a).unzip();
        let (right, right_append) = event(right, at_b).unzip();
        Divergence {
            left,
            right,
            left_append: left_append.flatten(),
            right_append: right_append.flatten(),
            common,
        }
    });
    Comparison {
        first_step,
        divergence,
        left_steps: a.steps,
        right_steps: b.steps,
    }
}
