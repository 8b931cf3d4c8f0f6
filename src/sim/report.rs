//! The runner's output: a run's final state as JSON (`eoscope/report@1`), and the comparison of
//! the checker's verdicts with the scenario's expected ones.

use super::checker::{Property, Verdict};
use super::producer::SendStatus;
use super::txn_coordinator::TxnPartition;
use super::types::NodeId;
use super::world::Sim;
use serde_json::{json, Value};

fn values(first: u32, count: u32) -> String {
    if count <= 1 {
        format!("v{}", first)
    } else {
        format!("v{}..v{}", first, first + count - 1)
    }
}

/// The final state of a run.
pub fn report(sim: &Sim) -> Value {
    let w = &sim.world;
    let s = &w.scenario;
    let partitions: Vec<Value> = w
        .topology
        .all_partitions()
        .filter_map(|tp| {
            let log = w.log(tp)?;
            Some(json!({
                "partition": tp.to_string(),
                "leader": NodeId::Broker(w.topology.leader(tp)).to_string(),
                "log_end_offset": log.log_end_offset().0,
                "high_watermark": log.high_watermark().0,
                "last_stable_offset": log.last_stable_offset().0,
                "batches": log.batches().iter().map(|b| {
                    let mut v = json!({
                        "base_offset": b.base_offset.0,
                        "last_offset": b.last_offset().0,
                        "producer_id": b.producer_id.0,
                        "producer_epoch": b.producer_epoch.0,
                        "base_sequence": b.base_sequence.0,
                        "transactional": b.is_transactional,
                    });
                    match b.control {
                        Some(c) => v["control"] = json!(c),
                        None => v["values"] = json!(values(b.first_record.0, b.record_count)),
                    }
                    v
                }).collect::<Vec<_>>(),
                "aborted_transactions": log.aborted_txns().iter().map(|a| json!({"producer_id": a.producer_id.0, "first_offset": a.first_offset.0, "last_offset": a.last_offset.0})).collect::<Vec<_>>(),
            }))
        })
        .collect();
    let producers: Vec<Value> = w
        .producers
        .iter()
        .map(|p| {
            let c = &p.client;
            json!({
                "node": NodeId::Producer(p.idx).to_string(),
                "enable.idempotence": c.cfg.enable_idempotence,
                "acks": c.cfg.acks.name(),
                "transactional.id": c.cfg.transactional_id,
                "producer_id": c.producer_id.0,
                "producer_epoch": c.producer_epoch.0,
                "state": c.state.name(),
                "sessions": p.session,
                "alive": p.alive,
                "stopped_with": p.halted.map(|e| e.name()),
                "sends_total": c.sends_total,
                "sends": c.sends.iter().map(|(_, tp, first, n, status)| {
                    let mut v = json!({"partition": tp.to_string(), "values": values(first.0, *n)});
                    match status {
                        SendStatus::Pending => v["status"] = json!("pending"),
                        SendStatus::Unknown => v["status"] = json!("unknown"),
                        SendStatus::Acked(o) => { v["status"] = json!("acked"); v["offset"] = json!(o.map(|o| o.0 as i64).unwrap_or(-1)); }
                        SendStatus::Failed(e) => { v["status"] = json!("failed"); v["error"] = json!(e.name()); }
                    }
                    v
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let consumers: Vec<Value> = w
        .consumers
        .iter()
        .map(|c| {
            let mut v = json!({
                "node": NodeId::Consumer(c.idx).to_string(),
                "group.id": c.setup.cfg.group_id,
                "isolation.level": c.setup.cfg.isolation_level.name(),
                "commit": c.setup.mode,
                "alive": c.alive,
                "stopped_with": c.halted.map(|e| e.name()),
                "generation_id": c.member.generation_id,
                "member_id": c.member.member_id,
                "assignment": c.assignment.iter().map(|tp| tp.to_string()).collect::<Vec<_>>(),
                "positions": c.positions.iter().map(|(tp, o)| (tp.to_string(), json!(o.0))).collect::<serde_json::Map<_, _>>(),
                "processed_total": c.processed_total,
                "processed": c.processed.iter().map(|p| format!("{}@{} v{}", p.tp, p.offset.0, p.record.0)).collect::<Vec<_>>(),
                "sink": c.setup.sink.map(|sink| json!({
                    "idempotent": sink.idempotent,
                    "key": if sink.key_is_record { "record" } else { "topic-partition-offset" },
                    "row_count": c.sink.row_count,
                    "rows": c.sink.rows.iter().map(|r| format!("v{} ({}@{})", r.record.0, r.tp, r.offset.0)).collect::<Vec<_>>(),
                })),
            });
            // Only for static members, so the reports of runs without one are unchanged.
            if let Some(id) = &c.setup.cfg.group_instance_id {
                v["group.instance.id"] = json!(id);
            }
            v
        })
        .collect();
    let txn_name = |t: u8| {
        s.transactional_ids
            .get(t as usize)
            .cloned()
            .unwrap_or_default()
    };
    let part_name = |p: &TxnPartition| match p {
        TxnPartition::Data(tp) => tp.to_string(),
        TxnPartition::Offsets(g) => format!(
            "__consumer_offsets ({})",
            s.group_ids.get(*g as usize).cloned().unwrap_or_default()
        ),
    };
    let coordinator = w
        .brokers
        .get(w.topology.txn_coordinator() as usize)
        .and_then(|b| b.txn_coordinator.as_ref().map(|tc| (b.id, tc)))
        .filter(|(_, tc)| !tc.log.is_empty())
        .map(|(id, tc)| {
            json!({
                "broker": NodeId::Broker(id).to_string(),
                "coordinator_epoch": tc.coordinator_epoch,
                "transactions": tc.txns.iter().map(|(t, m)| json!({
                    "transactional.id": txn_name(*t),
                    "producer_id": m.producer_id.0,
                    "producer_epoch": m.producer_epoch.0,
                    "state": m.state.name(),
                    "partitions": m.topic_partitions.iter().map(part_name).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "__transaction_state": tc.log.iter().map(|r| json!({
                    "tick": r.tick.0,
                    "transactional.id": txn_name(r.txn),
                    "producer_id": r.producer_id.0,
                    "producer_epoch": r.producer_epoch.0,
                    "state": r.state.name(),
                    "partitions": r.partitions.iter().map(part_name).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        });
    let offsets = w
        .brokers
        .get(w.topology.group_coordinator() as usize)
        .and_then(|b| b.group_coordinator.as_ref())
        .map(|gc| {
            gc.committed
                .iter()
                .map(|((g, tp), o)| {
                    (
                        format!(
                            "{} {}",
                            s.group_ids.get(*g as usize).cloned().unwrap_or_default(),
                            tp
                        ),
                        json!(o.0),
                    )
                })
                .collect::<serde_json::Map<_, _>>()
        });
    // The groups as their coordinator knows them (classic protocol).
    let groups = w
        .brokers
        .get(w.topology.group_coordinator() as usize)
        .and_then(|b| b.group_coordinator.as_ref())
        .map(|gc| {
            gc.groups
                .groups
                .iter()
                .map(|(g, group)| {
                    (
                        s.group_ids.get(*g as usize).cloned().unwrap_or_default(),
                        json!({
                            "state": group.state.name(),
                            "generation_id": group.generation_id,
                            "protocol": super::group_coordinator::ASSIGNOR,
                            "leader": group.leader,
                            "members": group.members.values().map(|m| json!({
                                "member_id": m.member_id,
                                "client": m.client.to_string(),
                                "assignment": m.assignment.iter().map(|tp| tp.to_string()).collect::<Vec<_>>(),
                            })).collect::<Vec<_>>(),
                        }),
                    )
                })
                .collect::<serde_json::Map<_, _>>()
        });
    let mut out = json!({
        "format": "eoscope/report@1",
        "scenario": s.id,
        "version": s.version.name(),
        "seed": s.seed,
        "steps": w.step,
        "tick": w.now.0,
        "settled": w.is_settled(),
        "partitions": partitions,
        "producers": producers,
        "consumers": consumers,
        "transaction_coordinator": coordinator,
        "committed_offsets": offsets,
        "groups": groups,
        "verdicts": verdicts(sim),
        "expectations": expectation_mismatches(sim),
    });
    if sim.trace.enabled {
        out["trace_digest"] = json!(format!("{:016x}", sim.trace.digest));
        out["trace_events"] = json!(sim.trace.total);
    }
    out
}

/// The verdicts by property name.
pub fn verdicts(sim: &Sim) -> Value {
    let mut map = serde_json::Map::new();
    for (p, v) in &sim.world.checker.verdicts {
        let value = match v {
            Verdict::Pass => json!("pass"),
            Verdict::NotApplicable => json!("n/a"),
            Verdict::Fail { first, count } => json!({
                "verdict": "fail",
                "count": count,
                "expected_because": first.expected,
                "first": { "step": first.step, "tick": first.tick.0, "detail": first.detail },
            }),
        };
        map.insert(p.name().to_string(), value);
    }
    Value::Object(map)
}

/// Properties whose verdict differs from the scenario's `expect`, as sentences.
pub fn expectation_mismatches(sim: &Sim) -> Vec<String> {
    let mut out = Vec::new();
    for (name, pass) in &sim.world.scenario.expect {
        let Some(p) = Property::parse(name) else {
            continue;
        };
        let verdict = sim
            .world
            .checker
            .verdicts
            .get(&p)
            .cloned()
            .unwrap_or(Verdict::NotApplicable);
        if verdict.passed() != *pass {
            out.push(format!(
                "{}: expected {}, got {}",
                name,
                if *pass { "pass" } else { "fail" },
                if verdict.passed() { "pass" } else { "fail" }
            ));
        }
    }
    out
}
