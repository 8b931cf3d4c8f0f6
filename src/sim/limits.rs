//! Memory budgets, and the caps on scenario files derived from them, in one place.
//!
//! One wasm instance (every widget on a page) gets `INSTANCE_BUDGET_BYTES`. It holds, at worst,
//! a search (`SEARCH_BUDGET_BYTES`), a timeline's checkpoints (`CHECKPOINT_BUDGET_BYTES`), a
//! side-by-side twin's (`TWIN_CHECKPOINT_BUDGET_BYTES`) and four runs of the scenario (the run
//! on screen, the preview, and either a comparison's two runs while it is computed, which keep
//! their outcomes as hashes, or the twin after it), each within `RUN_BUDGET_BYTES` by the caps on
//! records and batches below: 64 + 32 + 16 + 4 × 36 = 256 MiB.
//!
//! Measured natively with `/usr/bin/time -v` (peak RSS) on `eoscope-run --no-trace`, one
//! producer sending 1,000,000 records to one partition, a consumer committing after
//! processing into a sink (`scripts/bench.sh`'s model):
//! - in batches of 100 (10,000 batches): 45 MB, so ~45 bytes per record (the checker's
//!   per-record facts are ~20 of them: `log_copies`, `acked`, `first_writer`, a sink row);
//! - in batches of 1 (1,000,000 batches): 552 MB, so ~550 bytes per batch (the accumulator
//!   holds every batch of a `send` until it drains, then the log and the producer state).
//!
//! The search's bytes per state (`sim_bytes` of each run it queues, plus `SEEN_ENTRY_BYTES` per
//! world hash) were checked against its peak RSS on the heaviest search the UI allows (the
//! shipped `txn-timeout` story, goal `any`, 2 faults, 200,000 states, depth 400): see
//! `tests/memory.rs` and the commit that added this file.

use super::world::Sim;

/// Everything one wasm instance may hold.
pub const INSTANCE_BUDGET_BYTES: usize = 256 << 20;
/// What a search's frontier and visited set may take (the default of `Bounds::max_bytes`).
pub const SEARCH_BUDGET_BYTES: usize = 64 << 20;
/// What a timeline's checkpoints may take together.
pub const CHECKPOINT_BUDGET_BYTES: usize = 32 << 20;
/// What the checkpoints of a side-by-side twin may take (its seeks are rarer than the main run's).
pub const TWIN_CHECKPOINT_BUDGET_BYTES: usize = CHECKPOINT_BUDGET_BYTES / 2;
/// What one run of the largest accepted scenario may take.
pub const RUN_BUDGET_BYTES: usize = 36 << 20;

/// Measured (above): peak bytes per record and per batch of a whole run.
pub const BYTES_PER_RECORD: u64 = 45;
pub const BYTES_PER_BATCH: u64 = 550;

/// The most records a scenario may send: 400,000 × 45 B = 18 MB, half a run's budget.
pub const MAX_RECORDS: u64 = 400_000;
/// The most batches a scenario may send: 32,000 × 550 B = 17.6 MB, the other half.
pub const MAX_BATCHES: u64 = 32_000;
/// `limits.max_steps` and `limits.max_ticks` (a day of simulated time: every duration a file
/// can add to the clock is at most an hour, so no tick arithmetic can overflow).
pub const MAX_STEPS: u64 = 100_000_000;
pub const MAX_TICKS: u64 = 86_400_000;
/// The largest scenario file (the shipped ones are under 20 KB).
pub const MAX_FILE_BYTES: usize = 1 << 20;
/// Lists a file may hold.
pub const MAX_SCRIPT_STEPS: usize = 10_000;
pub const MAX_SCHEDULE_ENTRIES: usize = 1_000;
pub const MAX_BEATS: usize = 200;
pub const MAX_HIGHLIGHTS: usize = 32;
/// Text lengths, in characters: titles (the scenario's and each beat's), and longer text
/// (the description, narration, a schedule entry's note).
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 2_000;

/// One world hash in the search's visited set (a `BTreeSet<u64>` entry with its node's share).
pub const SEEN_ENTRY_BYTES: usize = 24;

/// An estimate of the heap a clone of this run takes, in bytes: its checker's per-record facts,
/// its logs, its events and messages, its trace, and a fixed part for the nodes.
pub fn sim_bytes(sim: &Sim) -> usize {
    let w = &sim.world;
    let batches: usize = w.partition_logs().map(|l| l.batches().len()).sum();
    let records = w.checker.setup.total_records as usize;
    unchunked_bytes(sim) + records * CHECKER_BYTES_PER_RECORD + batches * LOG_BYTES_PER_BATCH
}

/// What keeping `sim` beside `older`, an earlier clone of the same run, costs: the parts kept
/// in shared chunks (`chunked::Chunked`: the checker's per-record facts, the logs' batches) are
/// measured, counting only the chunks `older` does not share; the rest as `sim_bytes` estimates.
/// Over a run's successive clones, the sum counts every shared chunk once.
pub fn sim_bytes_beyond(sim: &Sim, older: Option<&Sim>) -> usize {
    let mut older_logs = older.map(|o| o.world.partition_logs());
    let logs: usize = sim
        .world
        .partition_logs()
        .map(|l| {
            let o = older_logs.as_mut().and_then(|it| it.next());
            l.batches().bytes_beyond(o.map(|o| o.batches()))
        })
        .sum();
    let checker = sim
        .world
        .checker
        .bytes_beyond(older.map(|o| &o.world.checker));
    unchunked_bytes(sim) + checker + logs
}

/// The part of `sim_bytes` that is not kept in shared chunks.
fn unchunked_bytes(sim: &Sim) -> usize {
    let w = &sim.world;
    let sent: usize = w.producers.iter().map(|p| p.op_first_record.len()).sum();
    FIXED_SIM_BYTES
        + sent * 16
        + w.events.len() * EVENT_BYTES
        + w.net.in_flight.len() * MESSAGE_BYTES
        + sim.trace.events.len() * TRACE_ENTRY_BYTES
}

const FIXED_SIM_BYTES: usize = 16 << 10;
const CHECKER_BYTES_PER_RECORD: usize = 20;
const LOG_BYTES_PER_BATCH: usize = 96;
const EVENT_BYTES: usize = 64;
const MESSAGE_BYTES: usize = 256;
const TRACE_ENTRY_BYTES: usize = 160;
