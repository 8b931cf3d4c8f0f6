//! What handlers return: the messages they send, the timers they set, and the facts the checker
//! and the trace need. Handlers never touch the network or another node; the world does.

use super::errors::Errors;
use super::message::{CorrelationId, Message, TxnIdx};
use super::types::{NodeId, Offset, ProducerId, RecordId, Tick, TopicPartition};
use super::vocabulary::TransactionState;
use serde::Serialize;

/// A timer a node sets for itself. Timers of a crashed incarnation are ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Timer {
    /// `request.timeout.ms` passed for a request still in flight.
    RequestTimeout(CorrelationId),
    /// A backoff (`retry.backoff.ms`) or a scripted wait ended: look at the queue again.
    Wake,
    /// A parked fetch reached `fetch.max.wait.ms` (broker).
    FetchDeadline(CorrelationId, NodeId),
    /// `auto.commit.interval.ms` passed (consumer).
    AutoCommit,
    /// The coordinator's `transaction.abort.timed.out.transaction.cleanup.interval.ms` check.
    TxnTimeoutCheck,
    /// A leader's periodic ISR check (every `replica.lag.time.max.ms` / 2, `ReplicaManager.maybeShrinkIsr`).
    IsrCheck,
    /// Followers fetch again after a failed fetch.
    ReplicaFetchRetry,
    /// A group's session or rebalance deadline may have passed (group coordinator).
    GroupDeadline(u8),
    /// The consumer's heartbeat thread sends its next Heartbeat (`heartbeat.interval.ms`).
    Heartbeat,
    /// `max.poll.interval.ms` after the last poll: if the application has still not polled, the
    /// heartbeat thread leaves the group.
    PollTimeout,
    /// A processing pause (a scenario `pause`) ends.
    ProcessingDone,
    /// `producer.id.expiration.check.interval.ms`: the broker drops expired producer ids.
    ProducerIdExpirationCheck,
    /// `transaction.remove.expired.transaction.cleanup.interval.ms`: the coordinator drops
    /// expired transactional ids.
    TransactionalIdExpirationCheck,
}

/// Facts a handler reports: they feed the checker and the event log.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Note {
    /// A data batch was appended to a partition (index into the leader's log).
    Appended {
        tp: TopicPartition,
        batch_index: usize,
    },
    /// A retry was recognised as a duplicate and answered with the original offsets.
    Deduplicated {
        tp: TopicPartition,
        base_offset: Offset,
    },
    /// The leader refused a batch.
    Rejected { tp: TopicPartition, error: Errors },
    /// A marker was written: the transaction's records on `tp` are now committed or aborted.
    MarkerWritten {
        tp: TopicPartition,
        producer_id: ProducerId,
        offset: Offset,
        commit: bool,
        first_offset: Option<Offset>,
    },
    /// A producer saw its send acknowledged (`offset` is -1 for `acks=0`).
    Acked {
        node: NodeId,
        tp: TopicPartition,
        first_record: RecordId,
        count: u32,
        offset: Option<Offset>,
    },
    /// A producer's send failed for good.
    SendFailed {
        node: NodeId,
        tp: TopicPartition,
        first_record: RecordId,
        count: u32,
        error: Errors,
    },
    /// A consumer application processed a record.
    Processed {
        consumer: u8,
        tp: TopicPartition,
        offset: Offset,
        record: RecordId,
    },
    /// The consumer's sink wrote (or, idempotently, overwrote) a row.
    SinkWrite {
        consumer: u8,
        record: RecordId,
        inserted: bool,
    },
    /// Offsets became committed for a group (plain or transactional).
    OffsetsCommitted {
        group: u8,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    /// The transaction coordinator wrote a transition to `__transaction_state`.
    TxnTransition {
        txn: TxnIdx,
        from: TransactionState,
        to: TransactionState,
        producer_id: ProducerId,
        epoch: i16,
    },
    /// A client's transaction completed as seen by the application (commitTransaction returned).
    TxnCommittedByClient { node: NodeId },
    /// The controller elected a leader (`unclean`: Kafka's `ElectionResult.unclean`, the ISR
    /// forced to the new leader; `from`: the ISR, the ELR, the last known leader or any replica).
    LeaderElected {
        tp: TopicPartition,
        leader: Option<u8>,
        leader_epoch: i32,
        unclean: bool,
        from: super::elr::ElectedFrom,
    },
    /// A replica dropped records its new leader does not have.
    Truncated {
        tp: TopicPartition,
        broker: u8,
        to: Offset,
    },
    /// A leader changed the ISR.
    IsrChanged { tp: TopicPartition, isr: Vec<u8> },
    /// A client changed its producer id or epoch.
    ProducerIdChanged {
        node: NodeId,
        producer_id: ProducerId,
        epoch: i16,
    },
    /// A client restarted (a new producer session).
    ClientRestarted { node: NodeId },
    /// The group coordinator moved a group to another state (classic protocol).
    GroupStateChanged {
        group: u8,
        from: super::vocabulary::GroupState,
        to: super::vocabulary::GroupState,
        generation_id: i32,
    },
    /// The group coordinator removed a member (session expired, or it did not rejoin in time).
    GroupMemberRemoved {
        group: u8,
        member_id: String,
        reason: &'static str,
    },
    /// A consumer completed a join: its generation, member id and assigned partitions.
    GroupJoined {
        consumer: u8,
        generation_id: i32,
        member_id: String,
        assignment: Vec<TopicPartition>,
    },
    /// A consumer left its group or gave its partitions up to rejoin.
    GroupLeft {
        consumer: u8,
        member_id: String,
        reason: &'static str,
    },
    /// A broker dropped a producer id's state (`producer.id.expiration.ms`).
    ProducerIdExpired {
        broker: u8,
        tp: TopicPartition,
        producer_id: ProducerId,
    },
    /// A scenario's injected error answered a request instead of the broker.
    ErrorInjected {
        node: NodeId,
        kind: super::message::MessageKind,
        error: Errors,
    },
    /// A client error the application sees (fenced, abortable, fatal).
    ClientError {
        node: NodeId,
        error: Errors,
        what: &'static str,
    },
    /// The controller changed a partition's eligible leader replicas (KIP-966).
    ElrChanged { tp: TopicPartition, elr: Vec<u8> },
    // New variants go last: the trace digest hashes a note's variant index.
    /// KIP-345: a member joined with a `group.instance.id` the group knew and took over the old
    /// member's assignment under a new member id; the old id is fenced (FENCED_INSTANCE_ID).
    StaticMemberReplaced {
        group: u8,
        group_instance_id: String,
        old_member_id: String,
        new_member_id: String,
    },
}

/// The output of one handler call.
#[derive(Debug, Default)]
pub struct Out {
    pub sends: Vec<(NodeId, Message)>,
    pub timers: Vec<(Tick, Timer)>,
    pub notes: Vec<Note>,
    /// Connections the node closes (a client gave up on a request: Kafka's `NetworkClient` disconnects).
    pub disconnects: Vec<NodeId>,
}

impl Out {
    pub fn send(&mut self, to: NodeId, msg: Message) {
        self.sends.push((to, msg));
    }
    pub fn timer(&mut self, at: Tick, t: Timer) {
        self.timers.push((at, t));
    }
    pub fn note(&mut self, n: Note) {
        self.notes.push(n);
    }
    /// Closes this node's connection to `peer`; the next message opens a new one.
    pub fn disconnect(&mut self, peer: NodeId) {
        self.disconnects.push(peer);
    }
    pub fn clear(&mut self) {
        self.disconnects.clear();
        self.sends.clear();
        self.timers.clear();
        self.notes.clear();
    }
}
