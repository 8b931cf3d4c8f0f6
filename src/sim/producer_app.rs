//! A producer application: a script of `send`, `initTransactions`, `beginTransaction`,
//! `commitTransaction`… driving one producer client, and what it does after a crash.

use super::config::ProducerConfig;
use super::effects::{Note, Out, Timer};
use super::errors::Errors;
use super::log::{BatchToAppend, ControlType};
use super::message::{CorrelationId, Message, TxnIdx};
use super::producer::{
    ClientCtx, ClientState, ProducerClient, SendStatus, CLIENT_CORR_BIT, MAX_QUEUED_BATCHES,
};
use super::scenario::Op;
use super::scenario::{RawMarkersOp, RawProduceOp, RawTxnOp};
use super::types::{NodeId, ProducerEpoch, ProducerId, Sequence};
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
    /// A raw request's answer (the lab's scripted raw client), until `request.timeout.ms`.
    Raw {
        corr: CorrelationId,
        until: Tick,
    },
}

/// Correlation ids of the lab's raw requests (the client's carry `CLIENT_CORR_BIT`).
pub const RAW_CORR_BIT: CorrelationId = 1 << 30;

/// One raw request of the script and its answer (none if it timed out or was lost).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct RawExchange {
    pub step: usize,
    pub sent: Tick,
    pub to: NodeId,
    pub request: Message,
    pub answer: Option<(Tick, Message)>,
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
    /// The script's raw requests and their answers, in order.
    pub raw: Vec<RawExchange>,
    /// The scenario's `transactional.id` table (raw steps name ids by string).
    pub txn_ids: Vec<String>,
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
                next += op.record_count() as u32;
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
            raw: Vec::new(),
            txn_ids: Vec::new(),
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
                Op::RawProduce(r) => {
                    let first = self.op_first_record.get(self.pc).copied().unwrap_or(0);
                    let (to, msg) = self.raw_produce(r, first, ctx);
                    self.send_raw(to, msg, ctx, out);
                }
                Op::RawAddPartitionsToTxn(r) => {
                    let (to, msg) = self.raw_txn(r, false, ctx);
                    self.send_raw(to, msg, ctx, out);
                }
                Op::RawEndTxn(r) => {
                    let (to, msg) = self.raw_txn(r, true, ctx);
                    self.send_raw(to, msg, ctx, out);
                }
                Op::RawWriteTxnMarkers(r) => {
                    let (to, msg) = self.raw_markers(r, ctx);
                    self.send_raw(to, msg, ctx, out);
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
            Wait::Raw { corr, until } => {
                let answered = self
                    .raw
                    .iter()
                    .any(|x| x.answer.is_some() && raw_corr(&x.request) == Some(corr));
                self.clear_when(answered || ctx.now >= until)
            }
            Wait::Buffer => self.clear_when(self.client.queued_batches() < MAX_QUEUED_BATCHES),
        }
    }

    // ---- the lab's raw client ----

    /// The pid and epoch a raw step names, or the client's own.
    fn ids(&self, pid: Option<i64>, epoch: Option<i16>) -> (ProducerId, ProducerEpoch) {
        (
            pid.map_or(self.client.producer_id, ProducerId),
            epoch.map_or(self.client.producer_epoch, ProducerEpoch),
        )
    }

    fn raw_corr(&self) -> CorrelationId {
        RAW_CORR_BIT | self.raw.len() as CorrelationId
    }

    fn raw_produce(&self, r: &RawProduceOp, first: u32, ctx: &ClientCtx) -> (u8, Message) {
        let (producer_id, producer_epoch) = self.ids(r.producer_id, r.producer_epoch);
        let tp = TopicPartition {
            topic: TopicId::Input,
            partition: r.partition,
        };
        let txn = r
            .transactional_id
            .as_ref()
            .and_then(|t| txn_index(&self.txn_ids, t));
        let tv = r.transaction_version.unwrap_or(if r.transactional {
            ctx.topology.features.transaction_version
        } else {
            1
        });
        let msg = Message::ProduceRequest {
            corr: self.raw_corr(),
            tp,
            batch: BatchToAppend {
                producer_id,
                producer_epoch,
                base_sequence: Sequence(r.base_sequence),
                record_count: r.records,
                is_transactional: r.transactional,
                first_record: RecordId(first),
                transactional_id: txn,
                transaction_version: tv,
            },
            acks: super::config::Acks::All,
        };
        (ctx.topology.leader(tp), msg)
    }

    fn raw_txn(&self, r: &RawTxnOp, end: bool, ctx: &ClientCtx) -> (u8, Message) {
        let (producer_id, producer_epoch) = self.ids(r.producer_id, r.producer_epoch);
        let txn = txn_index(&self.txn_ids, &r.transactional_id).unwrap_or(0);
        let corr = self.raw_corr();
        let msg = if end {
            Message::EndTxnRequest {
                corr,
                txn,
                producer_id,
                producer_epoch,
                commit: r.commit,
            }
        } else {
            Message::AddPartitionsToTxnRequest {
                corr,
                txn,
                producer_id,
                producer_epoch,
                partitions: r.partitions.iter().map(|p| input(*p)).collect(),
                verify_only: false,
            }
        };
        (ctx.topology.txn_coordinator(), msg)
    }

    fn raw_markers(&self, r: &RawMarkersOp, ctx: &ClientCtx) -> (u8, Message) {
        let (producer_id, producer_epoch) = self.ids(r.producer_id, r.producer_epoch);
        let partitions: Vec<TopicPartition> = r.partitions.iter().map(|p| input(*p)).collect();
        let to = match r.to.as_deref().and_then(NodeId::parse) {
            Some(NodeId::Broker(b)) => b,
            _ => ctx
                .topology
                .leader(partitions.first().copied().unwrap_or(input(0))),
        };
        let msg = Message::WriteTxnMarkersRequest {
            corr: self.raw_corr(),
            txn: 0,
            producer_id,
            producer_epoch,
            coordinator_epoch: r.coordinator_epoch,
            result: if r.commit {
                ControlType::Commit
            } else {
                ControlType::Abort
            },
            transaction_version: r.transaction_version,
            partitions,
            group: None,
        };
        (to, msg)
    }

    /// Sends a raw request and waits for its answer, at most `request.timeout.ms`.
    fn send_raw(&mut self, broker: u8, msg: Message, ctx: &ClientCtx, out: &mut Out) {
        let corr = self.raw_corr();
        let until = ctx.now.plus(self.client.cfg.request_timeout_ms);
        out.send(NodeId::Broker(broker), msg.clone());
        out.timer(until, Timer::Wake);
        self.raw.push(RawExchange {
            step: self.pc,
            sent: ctx.now,
            to: NodeId::Broker(broker),
            request: msg,
            answer: None,
        });
        self.pc += 1;
        self.waiting = Wait::Raw { corr, until };
    }

    /// Takes the answer to a raw request; false when `msg` answers the client instead.
    pub fn on_raw_answer(&mut self, msg: &Message, now: Tick) -> bool {
        let Some(corr) =
            raw_corr(msg).filter(|c| c & RAW_CORR_BIT != 0 && c & CLIENT_CORR_BIT == 0)
        else {
            return false;
        };
        if let Some(x) = self
            .raw
            .iter_mut()
            .find(|x| x.answer.is_none() && raw_corr(&x.request) == Some(corr))
        {
            x.answer = Some((now, msg.clone()));
        }
        true
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

/// The correlation id of the requests and answers the raw client uses.
fn raw_corr(msg: &Message) -> Option<CorrelationId> {
    match msg {
        Message::ProduceRequest { corr, .. }
        | Message::ProduceResponse { corr, .. }
        | Message::AddPartitionsToTxnRequest { corr, .. }
        | Message::AddPartitionsToTxnResponse { corr, .. }
        | Message::EndTxnRequest { corr, .. }
        | Message::EndTxnResponse { corr, .. }
        | Message::WriteTxnMarkersRequest { corr, .. }
        | Message::WriteTxnMarkersResponse { corr, .. } => Some(*corr),
        _ => None,
    }
}

fn input(partition: u8) -> TopicPartition {
    TopicPartition {
        topic: TopicId::Input,
        partition,
    }
}

/// A `transactional.id`'s index in the scenario's table (scenario.rs put every raw one there).
fn txn_index(txn_ids: &[String], name: &str) -> Option<TxnIdx> {
    txn_ids.iter().position(|t| t == name).map(|i| i as TxnIdx)
}
