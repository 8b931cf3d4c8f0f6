//! A producer application: a script of `send`, `initTransactions`, `beginTransaction`,
//! `commitTransaction`… driving one producer client, and what it does after a crash.

use super::config::ProducerConfig;
use super::effects::{Note, Out, Timer};
use super::errors::Errors;
use super::message::TxnIdx;
use super::producer::{ClientCtx, ClientState, ProducerClient, SendStatus, MAX_QUEUED_BATCHES};
use super::scenario::Op;
use super::types::{RecordId, Tick, TopicId, TopicPartition};
use serde::Serialize;

/// What the application is blocked on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Wait {
    Nothing,
    Until(Tick),
    /// `initTransactions()` has not returned.
    Init,
    /// `commitTransaction()` has not returned.
    Commit,
    /// `abortTransaction()` has not returned; `retry` replays the transaction afterwards.
    Abort {
        retry: bool,
    },
    /// `flush()` has not returned.
    Flush,
    /// `send()` blocks: the accumulator is full (a simplified `buffer.memory`).
    Buffer,
}

/// Give up on a transaction after this many aborted attempts.
const MAX_TXN_ATTEMPTS: u32 = 5;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ProducerNode {
    pub idx: u8,
    pub alive: bool,
    pub incarnation: u32,
    /// Client sessions so far (a restart opens a new one with a new producer id or epoch).
    pub session: u32,
    pub client: ProducerClient,
    pub pc: usize,
    /// Index of the next batch within a `send` step that sends several.
    pub sub: u32,
    pub waiting: Wait,
    /// The script position of the open transaction's `begin`, to replay it after an abort or a crash.
    pub txn_begin: Option<usize>,
    pub txn_attempts: u32,
    /// After a restart, the position up to which unacknowledged sends are replayed.
    pub resend: Option<(usize, u32, usize, u32)>,
    /// The first record id of each script step (records are numbered per producer at load).
    pub op_first_record: Vec<u32>,
    /// The application's durable memory of which of its records were acknowledged.
    pub acked: Vec<u64>,
    pub first_record: u32,
    pub halted: Option<Errors>,
}

impl ProducerNode {
    pub fn new(
        idx: u8,
        cfg: ProducerConfig,
        txn: Option<TxnIdx>,
        script: &[Op],
        first_record: u32,
    ) -> Self {
        let mut next = first_record;
        let op_first_record = script
            .iter()
            .map(|op| {
                let here = next;
                if let Op::Send(s) = op {
                    next += s.records * s.batches;
                }
                here
            })
            .collect();
        let total = (next - first_record) as usize;
        ProducerNode {
            idx,
            alive: true,
            incarnation: 0,
            session: 1,
            client: ProducerClient::new(cfg, txn),
            pc: 0,
            sub: 0,
            waiting: Wait::Nothing,
            txn_begin: None,
            txn_attempts: 0,
            resend: None,
            op_first_record,
            acked: vec![0; total.div_ceil(64)],
            first_record,
            halted: None,
        }
    }

    fn is_acked(&self, r: u32) -> bool {
        let i = (r - self.first_record) as usize;
        self.acked
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Remembers the application's acknowledged records (it reads them off the notes).
    pub fn learn(&mut self, notes: &[Note]) {
        for n in notes {
            if let Note::Acked {
                node,
                first_record,
                count,
                ..
            } = n
            {
                if *node == super::types::NodeId::Producer(self.idx) {
                    for r in first_record.0..first_record.0 + count {
                        let i = (r - self.first_record) as usize;
                        if let Some(w) = self.acked.get_mut(i / 64) {
                            *w |= 1 << (i % 64);
                        }
                    }
                }
            }
        }
    }

    /// Is the application finished and the client idle?
    pub fn is_idle(&self, script_len: usize) -> bool {
        !self.alive
            || self.halted.is_some()
            || (self.pc >= script_len
                && self.resend.is_none()
                && self.waiting == Wait::Nothing
                && self.client.is_idle())
    }

    pub fn crash(&mut self) {
        self.alive = false;
        self.incarnation += 1;
        for s in self.client.sends.iter_mut() {
            if s.4 == SendStatus::Pending {
                s.4 = SendStatus::Unknown;
            }
        }
    }

    /// A restart: a new client session. A transactional application calls `initTransactions()`
    /// (fencing its previous self) and replays the open transaction; a plain one resends every
    /// record it had not seen acknowledged, as an application replaying its source would.
    pub fn restart(&mut self, cfg: ProducerConfig, script: &[Op], ctx: &ClientCtx, out: &mut Out) {
        let txn = self.client.txn;
        let mut fresh = ProducerClient::new(cfg, txn);
        fresh.sends = std::mem::take(&mut self.client.sends);
        fresh.sends_total = self.client.sends_total;
        self.client = fresh;
        self.alive = true;
        self.session += 1;
        self.halted = None;
        self.waiting = Wait::Nothing;
        if self.client.is_transactional() {
            let initialised = script[..self.pc.min(script.len())]
                .iter()
                .any(|op| matches!(op, Op::InitTransactions {}));
            if let Some(begin) = self.txn_begin {
                self.pc = begin;
                self.sub = 0;
            }
            if initialised {
                let _ = self.client.init_transactions(ctx, out);
                self.waiting = Wait::Init;
            }
        } else {
            self.client.start(ctx, out);
            if self.pc > 0 || self.sub > 0 {
                self.resend = Some((0, 0, self.pc, self.sub));
            }
        }
        self.advance(script, ctx, out);
    }

    /// Runs the script as far as it can go now; then a transactional client's Sender takes
    /// what the application's burst of calls left for it (see `ProducerClient::send`).
    pub fn advance(&mut self, script: &[Op], ctx: &ClientCtx, out: &mut Out) {
        self.run_script(script, ctx, out);
        if self.alive && self.client.is_transactional() {
            self.client.drain(ctx, out);
        }
    }

    fn run_script(&mut self, script: &[Op], ctx: &ClientCtx, out: &mut Out) {
        if !self.alive || self.halted.is_some() {
            return;
        }
        for _ in 0..10_000 {
            if !self.unblocked(ctx, out) {
                return;
            }
            if let Some(cursor) = self.resend {
                self.resend_step(cursor, script, ctx, out);
                continue;
            }
            let Some(op) = script.get(self.pc) else {
                return;
            };
            match op {
                Op::At(t) => {
                    if ctx.now.0 < *t {
                        self.waiting = Wait::Until(Tick(*t));
                        out.timer(Tick(*t), Timer::Wake);
                        return;
                    }
                    self.pc += 1;
                }
                Op::Send(s) => {
                    if self.client.queued_batches() >= MAX_QUEUED_BATCHES {
                        self.waiting = Wait::Buffer;
                        return;
                    }
                    let first = self.op_first_record.get(self.pc).copied().unwrap_or(0)
                        + self.sub * s.records;
                    let tp = TopicPartition {
                        topic: TopicId::Input,
                        partition: s.partition,
                    };
                    let result = self.client.send(tp, RecordId(first), s.records, ctx, out);
                    self.sub += 1;
                    if self.sub >= s.batches {
                        self.sub = 0;
                        self.pc += 1;
                    }
                    if result.is_err() && self.client.is_transactional() {
                        self.abort_and_retry(ctx, out);
                    }
                }
                Op::InitTransactions {} => {
                    self.pc += 1;
                    if self.client.init_transactions(ctx, out).is_ok() {
                        self.waiting = Wait::Init;
                    }
                }
                Op::Begin {} => {
                    if self.txn_begin != Some(self.pc) {
                        self.txn_attempts = 0;
                    }
                    self.txn_begin = Some(self.pc);
                    self.pc += 1;
                    if let Err(e) = self.client.begin_transaction() {
                        self.halt(e, ctx, out);
                    }
                }
                Op::Commit {} => {
                    self.pc += 1;
                    match self.client.commit_transaction(ctx, out) {
                        Ok(()) => self.waiting = Wait::Commit,
                        Err(_) => self.abort_and_retry(ctx, out),
                    }
                }
                Op::Abort {} => {
                    self.pc += 1;
                    self.txn_begin = None;
                    if self.client.abort_transaction(ctx, out).is_ok() {
                        self.waiting = Wait::Abort { retry: false };
                    }
                }
                Op::Flush {} => {
                    self.pc += 1;
                    self.waiting = Wait::Flush;
                }
            }
        }
    }

    /// Checks whether what the application waits for has happened.
    fn unblocked(&mut self, ctx: &ClientCtx, out: &mut Out) -> bool {
        let state = self.client.state;
        if state == ClientState::FatalError {
            // PRODUCER_FENCED and other fatal errors: the application closes the producer.
            let e = self.client.last_error.unwrap_or(Errors::ProducerFenced);
            self.halt(e, ctx, out);
            return false;
        }
        match self.waiting {
            Wait::Nothing => true,
            Wait::Until(t) => {
                if ctx.now >= t {
                    self.waiting = Wait::Nothing;
                    true
                } else {
                    false
                }
            }
            Wait::Init => self.clear_when(state == ClientState::Ready),
            Wait::Commit => {
                if state == ClientState::AbortableError {
                    self.abort_and_retry(ctx, out);
                    return false;
                }
                let done = self.clear_when(state == ClientState::Ready);
                if done {
                    self.txn_begin = None;
                }
                done
            }
            Wait::Abort { retry } => {
                let done = self.clear_when(state == ClientState::Ready);
                if done && retry {
                    if let Some(begin) = self.txn_begin {
                        self.pc = begin;
                        self.sub = 0;
                    }
                }
                done
            }
            Wait::Flush => self.clear_when(self.client.pending_batches() == 0),
            Wait::Buffer => self.clear_when(self.client.queued_batches() < MAX_QUEUED_BATCHES),
        }
    }

    fn clear_when(&mut self, cond: bool) -> bool {
        if cond {
            self.waiting = Wait::Nothing;
        }
        cond
    }

    /// A failed transaction: `abortTransaction()`, then run it again (the usual application loop).
    fn abort_and_retry(&mut self, ctx: &ClientCtx, out: &mut Out) {
        self.txn_attempts += 1;
        if self.txn_attempts > MAX_TXN_ATTEMPTS {
            self.halt(
                self.client.last_error.unwrap_or(Errors::TransactionAborted),
                ctx,
                out,
            );
            return;
        }
        match self.client.abort_transaction(ctx, out) {
            Ok(()) => self.waiting = Wait::Abort { retry: true },
            Err(e) => self.halt(e, ctx, out),
        }
    }

    fn halt(&mut self, e: Errors, ctx: &ClientCtx, out: &mut Out) {
        if self.halted.is_none() {
            self.halted = Some(e);
            out.note(Note::ClientError {
                node: ctx.node,
                error: e,
                what: "application stopped",
            });
        }
    }

    fn resend_step(
        &mut self,
        cursor: (usize, u32, usize, u32),
        script: &[Op],
        ctx: &ClientCtx,
        out: &mut Out,
    ) {
        let (mut pc, mut sub, end_pc, end_sub) = cursor;
        while (pc, sub) < (end_pc, end_sub) {
            let Some(op) = script.get(pc) else { break };
            let Op::Send(s) = op else {
                pc += 1;
                sub = 0;
                continue;
            };
            let first = self.op_first_record.get(pc).copied().unwrap_or(0) + sub * s.records;
            let (next_pc, next_sub) = if sub + 1 >= s.batches {
                (pc + 1, 0)
            } else {
                (pc, sub + 1)
            };
            let missing = (first..first + s.records).any(|r| !self.is_acked(r));
            if missing {
                if self.client.queued_batches() >= MAX_QUEUED_BATCHES {
                    self.waiting = Wait::Buffer;
                    self.resend = Some((pc, sub, end_pc, end_sub));
                    return;
                }
                let tp = TopicPartition {
                    topic: TopicId::Input,
                    partition: s.partition,
                };
                let _ = self.client.send(tp, RecordId(first), s.records, ctx, out);
                self.resend = Some((next_pc, next_sub, end_pc, end_sub));
                return;
            }
            pc = next_pc;
            sub = next_sub;
        }
        self.resend = None;
    }
}
