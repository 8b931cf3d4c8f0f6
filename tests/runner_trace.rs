#![cfg(not(target_arch = "wasm32"))]
//! `eoscope-run --trace`: the trace as JSON lines in the documented, versioned format
//! (`eoscope-trace` version 1), and the report's sections for a Kafka engineer.

mod common;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

fn runner() -> Command {
    Command::new(env!("CARGO_BIN_EXE_eoscope-run"))
}

#[test]
fn every_trace_line_is_json_after_a_versioned_header_and_the_end_line_carries_the_reports_digest() {
    let path = common::shipped_path("txn-commit");
    let out = runner().arg(&path).arg("--trace").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {}: {}", e, l)))
        .collect();
    assert_eq!(lines[0]["format"], "eoscope-trace");
    assert_eq!(lines[0]["version"], 1);
    assert_eq!(lines[0]["scenario"], "txn-commit");
    let events = &lines[1..lines.len() - 1];
    assert!(events.len() > 20);
    for e in events {
        assert!(e["step"].is_u64() && e["tick"].is_u64(), "{}", e);
        assert!(e["event"].is_string(), "{}", e);
        // No Rust Debug text: node ids are Kafka-style names, facts are named.
        let s = e.to_string();
        assert!(
            !s.contains("Producer(") && !s.contains("Broker(") && !s.contains("Some("),
            "{}",
            s
        );
        if e["event"] == "fact" {
            assert!(e["fact"].is_string(), "{}", e);
        }
    }
    assert!(events.iter().any(|e| e["event"] == "sent"
        && e["from"] == "producer-0"
        && e["kind"] == "EndTxnRequest"));
    assert!(events
        .iter()
        .any(|e| e["fact"] == "MarkerWritten" && e["tp"] == "orders-0"));
    let end = lines.last().unwrap();
    assert_eq!(end["end"], true);
    assert_eq!(end["trace_events"].as_u64().unwrap() as usize, events.len());
    // The same run's report has the same digest.
    let report: Value =
        serde_json::from_slice(&runner().arg(&path).output().unwrap().stdout).unwrap();
    assert_eq!(end["trace_digest"], report["trace_digest"]);
    assert_eq!(end["verdicts"], report["verdicts"]);
}

#[test]
fn a_reader_that_closes_the_pipe_after_one_line_ends_the_runner_quietly() {
    // `eoscope-run --trace FILE | head -1`: the runner sees EPIPE and exits 0, without a panic.
    for args in [vec!["--trace"], vec![]] {
        let mut child = runner()
            .arg(common::shipped_path("consume-transform-produce"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty());
        // The pipe's read end is dropped here, as `head -1` exits.
        let status = child.wait().unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(!err.contains("panicked"), "{}", err);
        assert!(status.success(), "{:?} {}", status, err);
    }
}

#[test]
fn the_shell_pipe_to_head_exits_cleanly() {
    let cmd = format!(
        "set -o pipefail; '{}' '{}' --trace | head -1",
        env!("CARGO_BIN_EXE_eoscope-run"),
        common::shipped_path("consume-transform-produce")
    );
    let out = Command::new("bash").arg("-c").arg(&cmd).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["version"], 1);
}

#[test]
fn the_report_shows_attempts_markers_replicas_producer_state_and_transaction_state_in_full() {
    let out = runner()
        .arg(common::shipped_path("txn-commit"))
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let send = &r["producers"][0]["sends"][0];
    assert_eq!(send["attempts"][0]["answer"]["error"], "NONE");
    assert_eq!(send["attempts"][0]["answer"]["base_offset"], 0);
    assert_eq!(send["attempts"][0]["base_sequence"], 0);
    let p0 = &r["partitions"][0];
    let marker = p0["batches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["control"] == "COMMIT")
        .unwrap();
    assert_eq!(marker["coordinator_epoch"], 0);
    let replica = &p0["replicas"][0];
    assert_eq!(replica["role"], "leader");
    let state = replica["producer_state"].as_object().unwrap();
    let (_, entry) = state.iter().next().unwrap();
    assert_eq!(entry["producer_epoch"], 0);
    assert_eq!(entry["current_txn_first_offset"], Value::Null);
    let record = &r["transaction_coordinator"]["__transaction_state"][1];
    assert_eq!(record["state"], "Ongoing");
    assert_eq!(record["transaction_timeout_ms"], 60000);
    assert_eq!(record["last_producer_epoch"], -1);
    assert!(r["pending_transactional_offsets"].is_array());
}
