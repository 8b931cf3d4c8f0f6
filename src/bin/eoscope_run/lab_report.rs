//! What the runner adds to the core's report for a Kafka engineer (native only, so the wasm
//! build never links it): every attempt of every send with its answer, the raw client's
//! exchanges, each marker's coordinator epoch, every replica's log and producer state,
//! `__transaction_state` records in full, pending transactional offsets; and the trace's
//! JSON-lines form (`eoscope-trace` version 1).

use eoscope::sim::log::{PartitionLog, RecordBatch};
use eoscope::sim::message::Message;
use eoscope::sim::types::NodeId;
use eoscope::sim::world::{Sim, TraceEvent};
use serde_json::{json, Map, Value};

/// The version of the `--trace` JSON-lines format (README, "The runner").
pub const TRACE_VERSION: u32 = 1;

fn err(e: &eoscope::sim::errors::Errors) -> Value {
    json!(e.name())
}

fn batch(b: &RecordBatch) -> Value {
    let mut v = json!({
        "base_offset": b.base_offset.0,
        "last_offset": b.last_offset().0,
        "producer_id": b.producer_id.0,
        "producer_epoch": b.producer_epoch.0,
        "base_sequence": b.base_sequence.0,
        "transactional": b.is_transactional,
    });
    match b.control {
        Some(c) => {
            v["control"] = json!(c);
            v["coordinator_epoch"] = json!(b.coordinator_epoch);
        }
        None => {
            let (first, n) = (b.first_record.0, b.record_count);
            v["values"] = if n <= 1 {
                json!(format!("v{}", first))
            } else {
                json!(format!("v{}..v{}", first, first + n - 1))
            };
        }
    }
    v
}

/// `ProducerStateManager`'s entries: pid → epoch, the cached batches' sequence ranges, the
/// coordinator epoch of the last marker, the open transaction's first offset.
fn producer_state(log: &PartitionLog) -> Value {
    let mut m = Map::new();
    for (pid, e) in log.producer_state() {
        m.insert(
            pid.0.to_string(),
            json!({
                "producer_epoch": e.producer_epoch.0,
                "batches": e.batch_metadata.iter().map(|b| json!({
                    "first_seq": b.first_seq, "last_seq": b.last_seq,
                    "first_offset": b.first_offset.0, "last_offset": b.last_offset.0,
                })).collect::<Vec<_>>(),
                "last_sequence": e.batch_metadata.back().map_or(-1, |b| b.last_seq),
                "coordinator_epoch": e.coordinator_epoch,
                "current_txn_first_offset": e.current_txn_first_offset.map(|o| o.0),
                "last_timestamp": e.last_timestamp.0,
            }),
        );
    }
    Value::Object(m)
}

/// A request or answer of the raw client, field by field.
fn message(m: &Message) -> Value {
    match m {
        Message::ProduceRequest { tp, batch: b, .. } => json!({
            "api": "Produce", "partition": tp.to_string(), "producer_id": b.producer_id.0,
            "producer_epoch": b.producer_epoch.0, "base_sequence": b.base_sequence.0,
            "record_count": b.record_count, "transactional": b.is_transactional,
            "transaction_version": b.transaction_version,
        }),
        Message::ProduceResponse { result, .. } => match result {
            Ok(i) => {
                json!({"error": "NONE", "base_offset": i.base_offset.0, "last_offset": i.last_offset.0, "duplicate": i.duplicate})
            }
            Err(e) => json!({"error": err(e)}),
        },
        Message::AddPartitionsToTxnRequest {
            producer_id,
            producer_epoch,
            partitions,
            ..
        } => json!({
            "api": "AddPartitionsToTxn", "producer_id": producer_id.0, "producer_epoch": producer_epoch.0,
            "partitions": partitions.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        }),
        Message::EndTxnRequest {
            producer_id,
            producer_epoch,
            commit,
            ..
        } => json!({
            "api": "EndTxn", "producer_id": producer_id.0, "producer_epoch": producer_epoch.0,
            "result": if *commit { "COMMIT" } else { "ABORT" },
        }),
        Message::WriteTxnMarkersRequest {
            producer_id,
            producer_epoch,
            coordinator_epoch,
            result,
            transaction_version,
            partitions,
            ..
        } => json!({
            "api": "WriteTxnMarkers", "producer_id": producer_id.0, "producer_epoch": producer_epoch.0,
            "coordinator_epoch": coordinator_epoch, "result": result, "transaction_version": transaction_version,
            "partitions": partitions.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        }),
        Message::AddPartitionsToTxnResponse { error, .. } => {
            json!({"error": error.as_ref().map_or(json!("NONE"), err)})
        }
        Message::EndTxnResponse {
            error,
            producer_id_and_epoch,
            ..
        } => json!({
            "error": error.as_ref().map_or(json!("NONE"), err),
            "producer_id_and_epoch": producer_id_and_epoch.map(|(p, e)| json!([p.0, e.0])),
        }),
        Message::WriteTxnMarkersResponse { results, .. } => json!({
            "errors": results.iter().map(|(tp, e)| (tp.to_string(), e.as_ref().map_or(json!("NONE"), err))).collect::<Map<_, _>>(),
        }),
        other => json!({"summary": other.summary()}),
    }
}

/// Adds the lab's sections to `report(sim)`'s JSON.
pub fn extend(sim: &Sim, out: &mut Value) {
    let w = &sim.world;
    let s = &w.scenario;
    // Each send's attempts, and the raw client's exchanges.
    for (i, p) in w.producers.iter().enumerate() {
        let c = &p.client;
        if let Some(sends) = out["producers"][i]["sends"].as_array_mut() {
            for (v, send) in sends.iter_mut().zip(c.sends.iter()) {
                v["attempts"] = json!(c.attempts.0.iter().filter(|a| a.send_no == send.0).map(|a| {
                    let mut x = json!({"sent_tick": a.sent.0, "producer_epoch": a.producer_epoch.0, "base_sequence": a.base_sequence.0});
                    match &a.answer {
                        None => x["answer"] = Value::Null,
                        Some((t, Ok(info))) => x["answer"] = json!({"tick": t.0, "error": "NONE", "base_offset": info.base_offset.0, "duplicate": info.duplicate}),
                        Some((t, Err(e))) => x["answer"] = json!({"tick": t.0, "error": err(e)}),
                    }
                    x
                }).collect::<Vec<_>>());
            }
        }
        if !p.raw.is_empty() {
            out["producers"][i]["raw"] = json!(p
                .raw
                .iter()
                .map(|x| json!({
                    "script_step": x.step,
                    "sent_tick": x.sent.0,
                    "to": x.to.to_string(),
                    "request": message(&x.request),
                    "answer": x.answer.as_ref().map(|(t, m)| {
                        let mut a = message(m);
                        a["tick"] = json!(t.0);
                        a
                    }),
                }))
                .collect::<Vec<_>>());
        }
    }
    // Every replica of every partition: its log (markers with their coordinator epoch) and its
    // producer state.
    if let Some(parts) = out["partitions"].as_array_mut() {
        for v in parts.iter_mut() {
            let Some(name) = v["partition"].as_str().map(String::from) else {
                continue;
            };
            let Some(tp) = w
                .topology
                .all_partitions()
                .find(|tp| tp.to_string() == name)
            else {
                continue;
            };
            if let (Some(log), Some(out)) = (w.log(tp), v["batches"].as_array_mut()) {
                for (x, b) in out.iter_mut().zip(log.batches().iter()) {
                    if b.control.is_some() {
                        x["coordinator_epoch"] = json!(b.coordinator_epoch);
                    }
                }
            }
            v["replicas"] = json!(w
                .brokers
                .iter()
                .filter_map(|b| b.partitions.get(&tp).map(|log| (b, log)))
                .map(|(b, log)| json!({
                    "broker": NodeId::Broker(b.id).to_string(),
                    "role": if b.replicas.get(&tp).is_some_and(|r| r.is_leader) { "leader" } else { "follower" },
                    "alive": b.alive,
                    "log_end_offset": log.log_end_offset().0,
                    "high_watermark": log.high_watermark().0,
                    "last_stable_offset": log.last_stable_offset().0,
                    "batches": log.batches().iter().map(batch).collect::<Vec<_>>(),
                    "producer_state": producer_state(log),
                }))
                .collect::<Vec<_>>());
        }
    }
    // __transaction_state in full, and the pending transactional offsets.
    let txn_name = |t: u8| {
        s.transactional_ids
            .get(t as usize)
            .cloned()
            .unwrap_or_default()
    };
    if let Some(tc) = w
        .brokers
        .get(w.topology.txn_coordinator() as usize)
        .and_then(|b| b.txn_coordinator.as_ref())
    {
        let coordinator = out
            .get_mut("transaction_coordinator")
            .filter(|v| v.is_object());
        let Some(coordinator) = coordinator else {
            return extend_offsets(sim, out);
        };
        if let Some(records) = coordinator["__transaction_state"].as_array_mut() {
            for (v, r) in records.iter_mut().zip(tc.log.iter()) {
                v["last_producer_epoch"] = json!(r.last_producer_epoch.0);
                v["transaction_timeout_ms"] = json!(r.txn_timeout_ms);
                v["txn_start_tick"] = json!(r.txn_start.0);
                if r.state == eoscope::sim::txn_coordinator::TransactionState::Dead {
                    v["tombstone"] = json!(true);
                }
            }
        }
        if let Some(txns) = coordinator["transactions"].as_array_mut() {
            for (v, (t, m)) in txns.iter_mut().zip(tc.txns.iter()) {
                debug_assert_eq!(v["transactional.id"], json!(txn_name(*t)));
                v["last_producer_epoch"] = json!(m.last_producer_epoch.0);
                v["transaction_timeout_ms"] = json!(m.txn_timeout_ms);
                v["txn_start_tick"] = json!(m.txn_start.0);
            }
        }
    }
    extend_offsets(sim, out);
}

/// The group coordinator's pending transactional offsets (`GroupMetadata.pendingTransactionalOffsetCommits`).
fn extend_offsets(sim: &Sim, out: &mut Value) {
    let w = &sim.world;
    let group_name = |g: u8| {
        w.scenario
            .group_ids
            .get(g as usize)
            .cloned()
            .unwrap_or_default()
    };
    if let Some(gc) = w
        .brokers
        .get(w.topology.group_coordinator() as usize)
        .and_then(|b| b.group_coordinator.as_ref())
    {
        out["pending_transactional_offsets"] = json!(gc
            .pending_txn
            .iter()
            .map(|((g, pid), offsets)| json!({
                "group.id": group_name(*g),
                "producer_id": pid.0,
                "offsets": offsets.iter().map(|(tp, o)| (tp.to_string(), json!(o.0))).collect::<Map<_, _>>(),
            }))
            .collect::<Vec<_>>());
    }
}

/// `{"producer": 0}` (serde's form of a node id) → `"producer-0"`, everywhere in `v`.
fn node_names(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.len() == 1 {
                let (k, x) = m
                    .iter()
                    .next()
                    .map(|(k, x)| (k.clone(), x.clone()))
                    .unwrap_or_default();
                if let (Some(prefix), Some(n)) = (
                    match k.as_str() {
                        "producer" => Some("producer"),
                        "broker" => Some("broker"),
                        "consumer" => Some("consumer"),
                        _ => None,
                    },
                    x.as_u64(),
                ) {
                    *v = json!(format!("{}-{}", prefix, n));
                    return;
                }
            }
            for x in m.values_mut() {
                node_names(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(node_names),
        _ => {}
    }
}

/// One trace entry as a JSON line: `step`, `tick`, `event` (snake_case), the event's fields; a
/// fact is `"event": "fact"` with `"fact"` its name (Kafka-style CamelCase) and its fields.
pub fn trace_line(e: &TraceEvent) -> Value {
    let mut line = json!({"step": e.step, "tick": e.tick.0});
    let mut what = serde_json::to_value(&e.what).unwrap_or(Value::Null);
    node_names(&mut what);
    if let Value::Object(m) = what {
        let fact = m.get("event").is_some_and(|v| v == "fact");
        for (k, v) in m {
            match v {
                Value::Object(fields) if fact && k != "event" => {
                    line["fact"] = json!(k);
                    for (fk, fv) in fields {
                        line[fk] = fv;
                    }
                }
                v => line[k] = v,
            }
        }
    }
    line
}
