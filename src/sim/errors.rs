//! Kafka's error codes, by the names Kafka's `Errors` enum gives them (`org.apache.kafka.common.protocol.Errors`).

use serde::{Deserialize, Serialize};

/// The errors the model can return. Only those Kafka returns in the modelled paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Errors {
    /// A data batch's sequence does not follow the last one the leader has for this producer.
    OutOfOrderSequenceNumber,
    /// A data batch or marker carries an epoch older than the leader's (2.7+; `PRODUCER_FENCED` before).
    InvalidProducerEpoch,
    /// A request from a producer whose epoch was bumped by another instance (coordinator responses).
    ProducerFenced,
    /// The leader has no state for this producer and the sequence is not 0 (brokers ≤ 2.4).
    UnknownProducerId,
    /// The request is not valid in the transaction's current state.
    InvalidTxnState,
    /// The coordinator is completing a transition for this `transactional.id`; retry.
    ConcurrentTransactions,
    /// The producer id does not belong to this `transactional.id`.
    InvalidProducerIdMapping,
    /// A marker from a coordinator older than the one the partition has seen.
    TransactionCoordinatorFenced,
    /// `transaction.timeout.ms` is larger than the broker's `transaction.max.timeout.ms`.
    InvalidTransactionTimeout,
    /// The broker that should answer is not available (crashed, or the coordinator is loading).
    CoordinatorNotAvailable,
    /// The partition's leader is not available (its broker crashed).
    NotLeaderOrFollower,
    /// `acks=all` and fewer in-sync replicas than `min.insync.replicas`: refused before the append.
    NotEnoughReplicas,
    /// `acks=all`: appended, but the ISR fell below `min.insync.replicas` before it was replicated.
    NotEnoughReplicasAfterAppend,
    /// A replica fetch carried another leader epoch.
    FencedLeaderEpoch,
    /// The client gave up waiting (`request.timeout.ms`); the connection is closed.
    RequestTimedOut,
    /// The connection closed before an answer came (the broker went down): `NetworkException`.
    NetworkException,
    /// The batch spent longer than `delivery.timeout.ms` unacknowledged (client-side `TimeoutException`).
    DeliveryTimeout,
    /// The group has pending transactional offsets for the partition (OffsetFetch with `requireStable`).
    UnstableOffsetCommit,
    /// The transaction was aborted before this batch was sent (`TransactionAbortedException`).
    TransactionAborted,
    /// The transaction can still be aborted and retried (3.8+; KIP-890's verification answers it
    /// for a partition not in the transaction; 4.1's KIP-1050 wraps abortable errors in it).
    TransactionAbortable,
    /// A commit carried a generation the group has moved past (`GroupMetadataManager`, KIP-447).
    IllegalGeneration,
    /// A request from a member the group does not have (it left, or its session expired).
    UnknownMemberId,
    /// The group is rebalancing: the member must rejoin (Heartbeat, SyncGroup).
    RebalanceInProgress,
    /// KIP-394: a new member gets its id in this error and joins again with it.
    MemberIdRequired,
    /// KIP-848: a heartbeat with an epoch the member does not have; it must rejoin with epoch 0.
    FencedMemberEpoch,
    /// KIP-848: an offset commit with a member epoch other than the member's (OffsetCommit v9+;
    /// TxnOffsetCommit gets ILLEGAL_GENERATION instead).
    StaleMemberEpoch,
    /// The application's commit failed because the consumer is no longer in the group's
    /// generation (`CommitFailedException`, client-side).
    #[serde(rename = "CommitFailedException")]
    CommitFailed,
    /// `auto.offset.reset=none` and no committed offset (`NoOffsetForPartitionException`, client-side).
    #[serde(rename = "NoOffsetForPartitionException")]
    NoOffsetForPartition,
    /// KIP-345: a request from a static member whose `group.instance.id` is now mapped to another
    /// member id (a newer instance joined with it): the old one is fenced (`ClassicGroup.validateMember`).
    FencedInstanceId,
    /// KIP-848: a member joins with a `group.instance.id` another member still holds (that one
    /// has not left with epoch -2) (`GroupMetadataManager.throwIfInstanceIdIsUnreleased`).
    UnreleasedInstanceId,
}

impl Errors {
    /// The errors a broker can answer and a scenario may `inject`: Kafka's error codes, not the
    /// client-side exceptions (`DELIVERY_TIMEOUT`, `NETWORK_EXCEPTION`, `CommitFailedException`…).
    pub const INJECTABLE: [Errors; 23] = [
        Errors::OutOfOrderSequenceNumber,
        Errors::InvalidProducerEpoch,
        Errors::ProducerFenced,
        Errors::UnknownProducerId,
        Errors::InvalidTxnState,
        Errors::ConcurrentTransactions,
        Errors::InvalidProducerIdMapping,
        Errors::TransactionCoordinatorFenced,
        Errors::InvalidTransactionTimeout,
        Errors::CoordinatorNotAvailable,
        Errors::NotLeaderOrFollower,
        Errors::NotEnoughReplicas,
        Errors::NotEnoughReplicasAfterAppend,
        Errors::FencedLeaderEpoch,
        Errors::RequestTimedOut,
        Errors::UnstableOffsetCommit,
        Errors::TransactionAbortable,
        Errors::IllegalGeneration,
        Errors::UnknownMemberId,
        Errors::RebalanceInProgress,
        Errors::MemberIdRequired,
        Errors::FencedMemberEpoch,
        Errors::StaleMemberEpoch,
    ];

    /// Kafka's name for the error, as it appears in logs and in the UI.
    pub fn name(self) -> &'static str {
        match self {
            Errors::OutOfOrderSequenceNumber => "OUT_OF_ORDER_SEQUENCE_NUMBER",
            Errors::InvalidProducerEpoch => "INVALID_PRODUCER_EPOCH",
            Errors::ProducerFenced => "PRODUCER_FENCED",
            Errors::UnknownProducerId => "UNKNOWN_PRODUCER_ID",
            Errors::InvalidTxnState => "INVALID_TXN_STATE",
            Errors::ConcurrentTransactions => "CONCURRENT_TRANSACTIONS",
            Errors::InvalidProducerIdMapping => "INVALID_PRODUCER_ID_MAPPING",
            Errors::TransactionCoordinatorFenced => "TRANSACTION_COORDINATOR_FENCED",
            Errors::InvalidTransactionTimeout => "INVALID_TRANSACTION_TIMEOUT",
            Errors::CoordinatorNotAvailable => "COORDINATOR_NOT_AVAILABLE",
            Errors::NotLeaderOrFollower => "NOT_LEADER_OR_FOLLOWER",
            Errors::NotEnoughReplicas => "NOT_ENOUGH_REPLICAS",
            Errors::NotEnoughReplicasAfterAppend => "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
            Errors::FencedLeaderEpoch => "FENCED_LEADER_EPOCH",
            Errors::RequestTimedOut => "REQUEST_TIMED_OUT",
            Errors::NetworkException => "NETWORK_EXCEPTION",
            Errors::DeliveryTimeout => "DELIVERY_TIMEOUT",
            Errors::UnstableOffsetCommit => "UNSTABLE_OFFSET_COMMIT",
            Errors::TransactionAborted => "TRANSACTION_ABORTED",
            Errors::TransactionAbortable => "TRANSACTION_ABORTABLE",
            Errors::IllegalGeneration => "ILLEGAL_GENERATION",
            Errors::UnknownMemberId => "UNKNOWN_MEMBER_ID",
            Errors::RebalanceInProgress => "REBALANCE_IN_PROGRESS",
            Errors::MemberIdRequired => "MEMBER_ID_REQUIRED",
            Errors::FencedMemberEpoch => "FENCED_MEMBER_EPOCH",
            Errors::StaleMemberEpoch => "STALE_MEMBER_EPOCH",
            Errors::CommitFailed => "CommitFailedException",
            Errors::NoOffsetForPartition => "NoOffsetForPartitionException",
            Errors::FencedInstanceId => "FENCED_INSTANCE_ID",
            Errors::UnreleasedInstanceId => "UNRELEASED_INSTANCE_ID",
        }
    }

    /// Retriable errors: the producer tries the batch again (`RetriableException` subclasses).
    pub fn is_retriable(self) -> bool {
        matches!(
            self,
            Errors::OutOfOrderSequenceNumber
                | Errors::ConcurrentTransactions
                | Errors::CoordinatorNotAvailable
                | Errors::NotLeaderOrFollower
                | Errors::NotEnoughReplicas
                | Errors::NotEnoughReplicasAfterAppend
                | Errors::FencedLeaderEpoch
                | Errors::RequestTimedOut
                | Errors::NetworkException
                | Errors::UnknownProducerId
                | Errors::UnstableOffsetCommit
        )
    }
}

impl std::fmt::Display for Errors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
