//! The requests and responses that travel between nodes: a closed enum, one variant per Kafka
//! API the model uses, named as Kafka names them.

use super::config::{Acks, IsolationLevel};
use super::errors::Errors;
use super::log::{AbortedTxn, AppendInfo, BatchToAppend, ControlType, RecordBatch};
use super::types::{Offset, ProducerEpoch, ProducerId, TopicPartition};
use serde::Serialize;

/// Correlation id of a request, unique per sending client.
pub type CorrelationId = u32;

/// Index of a `transactional.id` in the scenario's table (the name is kept there).
pub type TxnIdx = u8;
/// Index of a `group.id` in the scenario's table.
pub type GroupIdx = u8;
/// A group member's id, given by the coordinator (KIP-394: `MEMBER_ID_REQUIRED`); empty before.
pub type MemberId = String;

/// A consumer's `group.instance.id` (KIP-345) as requests carry it; `None` for a dynamic member.
/// `None` hashes to nothing, so runs without static members keep the trace digests they had
/// before the field existed.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct InstanceId(pub Option<String>);

impl InstanceId {
    pub fn is_none(&self) -> bool {
        self.0.is_none()
    }
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl std::hash::Hash for InstanceId {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        if let Some(id) = &self.0 {
            id.hash(h);
        }
    }
}

/// What `consumer.groupMetadata()` returns and offset commits carry (KIP-447): the generation
/// and member id of the last completed join, and the `group.instance.id`; `-1` and `""` before any.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct GroupMember {
    pub generation_id: i32,
    pub member_id: MemberId,
    #[serde(skip_serializing_if = "InstanceId::is_none")]
    pub group_instance_id: InstanceId,
}

impl GroupMember {
    /// No group management: generation -1, no member id (`JoinGroupRequest.UNKNOWN_GENERATION_ID`).
    pub fn none() -> GroupMember {
        GroupMember {
            generation_id: -1,
            member_id: String::new(),
            group_instance_id: InstanceId(None),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Message {
    /// Produce (one partition per request; a simplification of Kafka's multi-partition requests).
    ProduceRequest {
        corr: CorrelationId,
        tp: TopicPartition,
        batch: BatchToAppend,
        acks: Acks,
    },
    ProduceResponse {
        corr: CorrelationId,
        tp: TopicPartition,
        result: Result<AppendInfo, Errors>,
    },
    /// InitProducerId: idempotent producers (no `transactional.id`) and `initTransactions()`.
    InitProducerIdRequest {
        corr: CorrelationId,
        txn: Option<TxnIdx>,
        transaction_timeout_ms: u64,
        /// KIP-360 (InitProducerId v3+): the (pid, epoch) the client has, to bump its epoch
        /// after an error; `NONE`/`NONE` when it has none (a first `initTransactions()`).
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
    },
    InitProducerIdResponse {
        corr: CorrelationId,
        result: Result<(ProducerId, ProducerEpoch), Errors>,
    },
    /// From a client (transactions v1), or from a partition leader on a producer's behalf:
    /// KIP-890's verification (`verify_only`, 3.6+) or transactions v2's implicit add.
    AddPartitionsToTxnRequest {
        corr: CorrelationId,
        txn: TxnIdx,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        partitions: Vec<TopicPartition>,
        verify_only: bool,
    },
    AddPartitionsToTxnResponse {
        corr: CorrelationId,
        error: Option<Errors>,
    },
    /// AddOffsetsToTxn: adds the group's `__consumer_offsets` partition to the transaction.
    AddOffsetsToTxnRequest {
        corr: CorrelationId,
        txn: TxnIdx,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        group: GroupIdx,
    },
    AddOffsetsToTxnResponse {
        corr: CorrelationId,
        error: Option<Errors>,
    },
    /// TxnOffsetCommit: offsets pending in a transaction, sent to the group coordinator.
    TxnOffsetCommitRequest {
        corr: CorrelationId,
        group: GroupIdx,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        offsets: Vec<(TopicPartition, Offset)>,
        /// The consumer's group metadata (TxnOffsetCommit v3+, KIP-447).
        member: GroupMember,
    },
    TxnOffsetCommitResponse {
        corr: CorrelationId,
        error: Option<Errors>,
    },
    EndTxnRequest {
        corr: CorrelationId,
        txn: TxnIdx,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        commit: bool,
    },
    EndTxnResponse {
        corr: CorrelationId,
        error: Option<Errors>,
        /// EndTxn v5 (transactions v2): the producer id and epoch to use next (KAFKA-14562).
        producer_id_and_epoch: Option<(ProducerId, ProducerEpoch)>,
    },
    /// WriteTxnMarkers from the transaction coordinator to a partition leader.
    WriteTxnMarkersRequest {
        corr: CorrelationId,
        txn: TxnIdx,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        coordinator_epoch: i32,
        result: ControlType,
        /// WriteTxnMarkers v2 (KIP-1228, 4.2+) says which transaction version wrote the marker.
        transaction_version: u8,
        partitions: Vec<TopicPartition>,
        /// The group whose pending offsets the marker completes, when `__consumer_offsets` is in the transaction.
        group: Option<GroupIdx>,
    },
    WriteTxnMarkersResponse {
        corr: CorrelationId,
        txn: TxnIdx,
        results: Vec<(TopicPartition, Option<Errors>)>,
        group: Option<(GroupIdx, Option<Errors>)>,
    },
    /// Fetch from one partition, bounded by the high watermark or the LSO per `isolation.level`.
    FetchRequest {
        corr: CorrelationId,
        tp: TopicPartition,
        offset: Offset,
        isolation: IsolationLevel,
        max_records: u32,
    },
    FetchResponse {
        corr: CorrelationId,
        tp: TopicPartition,
        result: Result<FetchedData, Errors>,
    },
    OffsetCommitRequest {
        corr: CorrelationId,
        group: GroupIdx,
        offsets: Vec<(TopicPartition, Offset)>,
        /// The committing member's generation and member id.
        member: GroupMember,
    },
    OffsetCommitResponse {
        corr: CorrelationId,
        error: Option<Errors>,
    },
    /// OffsetFetch with `requireStable=true`, as the consumer sends it (KIP-447).
    OffsetFetchRequest {
        corr: CorrelationId,
        group: GroupIdx,
        partitions: Vec<TopicPartition>,
    },
    OffsetFetchResponse {
        corr: CorrelationId,
        result: Result<Vec<(TopicPartition, Option<Offset>)>, Errors>,
    },
    /// ListOffsets for the latest offset (`auto.offset.reset=latest`), by isolation level.
    ListOffsetsRequest {
        corr: CorrelationId,
        tp: TopicPartition,
        isolation: IsolationLevel,
    },
    ListOffsetsResponse {
        corr: CorrelationId,
        tp: TopicPartition,
        result: Result<Offset, Errors>,
    },
    /// JoinGroup (classic protocol): `rebalance_timeout_ms` is the member's `max.poll.interval.ms`.
    JoinGroupRequest {
        corr: CorrelationId,
        group: GroupIdx,
        member_id: MemberId,
        /// KIP-345 (JoinGroup v5+): a static member joins with it and no MEMBER_ID_REQUIRED.
        #[serde(skip_serializing_if = "InstanceId::is_none")]
        group_instance_id: InstanceId,
        session_timeout_ms: u64,
        rebalance_timeout_ms: u64,
    },
    /// The leader gets every member (it runs the assignor); the others get none.
    JoinGroupResponse {
        corr: CorrelationId,
        error: Option<Errors>,
        generation_id: i32,
        member_id: MemberId,
        leader: MemberId,
        members: Vec<MemberId>,
    },
    /// SyncGroup: the leader sends the assignment; every member gets its own share.
    SyncGroupRequest {
        corr: CorrelationId,
        group: GroupIdx,
        member: GroupMember,
        assignments: Vec<(MemberId, Vec<TopicPartition>)>,
    },
    SyncGroupResponse {
        corr: CorrelationId,
        error: Option<Errors>,
        assignment: Vec<TopicPartition>,
    },
    HeartbeatRequest {
        corr: CorrelationId,
        group: GroupIdx,
        member: GroupMember,
    },
    HeartbeatResponse {
        corr: CorrelationId,
        error: Option<Errors>,
    },
    LeaveGroupRequest {
        corr: CorrelationId,
        group: GroupIdx,
        member_id: MemberId,
    },
    LeaveGroupResponse {
        corr: CorrelationId,
        error: Option<Errors>,
    },
    /// ConsumerGroupHeartbeat (KIP-848, `group.protocol=consumer`): joins (epoch 0), heartbeats and
    /// acknowledges revocations (the partitions it still owns), or leaves (epoch -1).
    ConsumerGroupHeartbeatRequest {
        corr: CorrelationId,
        group: GroupIdx,
        member_id: MemberId,
        /// KIP-848's `instanceId` (a static member); it leaves with epoch -2 and keeps its assignment.
        #[serde(skip_serializing_if = "InstanceId::is_none")]
        instance_id: InstanceId,
        member_epoch: i32,
        rebalance_timeout_ms: u64,
        owned: Vec<TopicPartition>,
    },
    ConsumerGroupHeartbeatResponse {
        corr: CorrelationId,
        error: Option<Errors>,
        member_id: MemberId,
        member_epoch: i32,
        heartbeat_interval_ms: u64,
        assignment: Vec<TopicPartition>,
    },
    /// A follower fetching from its partition's leader (Fetch with a replica id).
    ReplicaFetchRequest {
        corr: CorrelationId,
        tp: TopicPartition,
        offset: Offset,
        leader_epoch: i32,
    },
    ReplicaFetchResponse {
        corr: CorrelationId,
        tp: TopicPartition,
        result: Result<ReplicaData, Errors>,
    },
}

/// What a follower's fetch returns: batches to copy and the leader's high watermark.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ReplicaData {
    pub batches: Vec<RecordBatch>,
    pub high_watermark: Offset,
    pub leader_epoch: i32,
}

/// What a fetch returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct FetchedData {
    pub batches: Vec<RecordBatch>,
    /// Aborted transactions overlapping the fetched range (read_committed only).
    pub aborted: Vec<AbortedTxn>,
    pub high_watermark: Offset,
    pub last_stable_offset: Offset,
}

/// The kind of a message, for addressing faults ("the 2nd ProduceResponse on a link") and for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum MessageKind {
    ProduceRequest,
    ProduceResponse,
    InitProducerIdRequest,
    InitProducerIdResponse,
    AddPartitionsToTxnRequest,
    AddPartitionsToTxnResponse,
    AddOffsetsToTxnRequest,
    AddOffsetsToTxnResponse,
    TxnOffsetCommitRequest,
    TxnOffsetCommitResponse,
    EndTxnRequest,
    EndTxnResponse,
    WriteTxnMarkersRequest,
    WriteTxnMarkersResponse,
    FetchRequest,
    FetchResponse,
    OffsetCommitRequest,
    OffsetCommitResponse,
    OffsetFetchRequest,
    OffsetFetchResponse,
    ReplicaFetchRequest,
    ReplicaFetchResponse,
    ListOffsetsRequest,
    ListOffsetsResponse,
    JoinGroupRequest,
    JoinGroupResponse,
    SyncGroupRequest,
    SyncGroupResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    LeaveGroupRequest,
    LeaveGroupResponse,
    ConsumerGroupHeartbeatRequest,
    ConsumerGroupHeartbeatResponse,
}

impl MessageKind {
    pub const ALL: [MessageKind; 34] = [
        MessageKind::ProduceRequest,
        MessageKind::ProduceResponse,
        MessageKind::InitProducerIdRequest,
        MessageKind::InitProducerIdResponse,
        MessageKind::AddPartitionsToTxnRequest,
        MessageKind::AddPartitionsToTxnResponse,
        MessageKind::AddOffsetsToTxnRequest,
        MessageKind::AddOffsetsToTxnResponse,
        MessageKind::TxnOffsetCommitRequest,
        MessageKind::TxnOffsetCommitResponse,
        MessageKind::EndTxnRequest,
        MessageKind::EndTxnResponse,
        MessageKind::WriteTxnMarkersRequest,
        MessageKind::WriteTxnMarkersResponse,
        MessageKind::FetchRequest,
        MessageKind::FetchResponse,
        MessageKind::OffsetCommitRequest,
        MessageKind::OffsetCommitResponse,
        MessageKind::OffsetFetchRequest,
        MessageKind::OffsetFetchResponse,
        MessageKind::ReplicaFetchRequest,
        MessageKind::ReplicaFetchResponse,
        MessageKind::ListOffsetsRequest,
        MessageKind::ListOffsetsResponse,
        MessageKind::JoinGroupRequest,
        MessageKind::JoinGroupResponse,
        MessageKind::SyncGroupRequest,
        MessageKind::SyncGroupResponse,
        MessageKind::HeartbeatRequest,
        MessageKind::HeartbeatResponse,
        MessageKind::LeaveGroupRequest,
        MessageKind::LeaveGroupResponse,
        MessageKind::ConsumerGroupHeartbeatRequest,
        MessageKind::ConsumerGroupHeartbeatResponse,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MessageKind::ProduceRequest => "ProduceRequest",
            MessageKind::ProduceResponse => "ProduceResponse",
            MessageKind::InitProducerIdRequest => "InitProducerIdRequest",
            MessageKind::InitProducerIdResponse => "InitProducerIdResponse",
            MessageKind::AddPartitionsToTxnRequest => "AddPartitionsToTxnRequest",
            MessageKind::AddPartitionsToTxnResponse => "AddPartitionsToTxnResponse",
            MessageKind::AddOffsetsToTxnRequest => "AddOffsetsToTxnRequest",
            MessageKind::AddOffsetsToTxnResponse => "AddOffsetsToTxnResponse",
            MessageKind::TxnOffsetCommitRequest => "TxnOffsetCommitRequest",
            MessageKind::TxnOffsetCommitResponse => "TxnOffsetCommitResponse",
            MessageKind::EndTxnRequest => "EndTxnRequest",
            MessageKind::EndTxnResponse => "EndTxnResponse",
            MessageKind::WriteTxnMarkersRequest => "WriteTxnMarkersRequest",
            MessageKind::WriteTxnMarkersResponse => "WriteTxnMarkersResponse",
            MessageKind::FetchRequest => "FetchRequest",
            MessageKind::FetchResponse => "FetchResponse",
            MessageKind::OffsetCommitRequest => "OffsetCommitRequest",
            MessageKind::OffsetCommitResponse => "OffsetCommitResponse",
            MessageKind::OffsetFetchRequest => "OffsetFetchRequest",
            MessageKind::OffsetFetchResponse => "OffsetFetchResponse",
            MessageKind::ReplicaFetchRequest => "ReplicaFetchRequest",
            MessageKind::ReplicaFetchResponse => "ReplicaFetchResponse",
            MessageKind::ListOffsetsRequest => "ListOffsetsRequest",
            MessageKind::ListOffsetsResponse => "ListOffsetsResponse",
            MessageKind::JoinGroupRequest => "JoinGroupRequest",
            MessageKind::JoinGroupResponse => "JoinGroupResponse",
            MessageKind::SyncGroupRequest => "SyncGroupRequest",
            MessageKind::SyncGroupResponse => "SyncGroupResponse",
            MessageKind::HeartbeatRequest => "HeartbeatRequest",
            MessageKind::HeartbeatResponse => "HeartbeatResponse",
            MessageKind::LeaveGroupRequest => "LeaveGroupRequest",
            MessageKind::LeaveGroupResponse => "LeaveGroupResponse",
            MessageKind::ConsumerGroupHeartbeatRequest => "ConsumerGroupHeartbeatRequest",
            MessageKind::ConsumerGroupHeartbeatResponse => "ConsumerGroupHeartbeatResponse",
        }
    }

    pub fn parse(s: &str) -> Option<MessageKind> {
        MessageKind::ALL.iter().copied().find(|k| k.name() == s)
    }

    pub fn is_response(self) -> bool {
        self.name().ends_with("Response")
    }
}

impl Message {
    /// The answer a broker gives this request when it fails with `error` (a scenario's
    /// `inject`): the response of the same API with that error code, for every partition it
    /// names. `None` for a response, and for a produce with `acks=0` (no answer is ever sent).
    pub fn error_response(&self, error: Errors) -> Option<Message> {
        let e = Some(error);
        Some(match self {
            Message::ProduceRequest { corr, tp, acks, .. } => {
                if *acks == Acks::None {
                    return None;
                }
                Message::ProduceResponse {
                    corr: *corr,
                    tp: *tp,
                    result: Err(error),
                }
            }
            Message::InitProducerIdRequest { corr, .. } => Message::InitProducerIdResponse {
                corr: *corr,
                result: Err(error),
            },
            Message::AddPartitionsToTxnRequest { corr, .. } => {
                Message::AddPartitionsToTxnResponse {
                    corr: *corr,
                    error: e,
                }
            }
            Message::AddOffsetsToTxnRequest { corr, .. } => Message::AddOffsetsToTxnResponse {
                corr: *corr,
                error: e,
            },
            Message::TxnOffsetCommitRequest { corr, .. } => Message::TxnOffsetCommitResponse {
                corr: *corr,
                error: e,
            },
            Message::EndTxnRequest { corr, .. } => Message::EndTxnResponse {
                corr: *corr,
                error: e,
                producer_id_and_epoch: None,
            },
            Message::WriteTxnMarkersRequest {
                corr,
                txn,
                partitions,
                group,
                ..
            } => Message::WriteTxnMarkersResponse {
                corr: *corr,
                txn: *txn,
                results: partitions.iter().map(|tp| (*tp, e)).collect(),
                group: group.map(|g| (g, e)),
            },
            Message::FetchRequest { corr, tp, .. } => Message::FetchResponse {
                corr: *corr,
                tp: *tp,
                result: Err(error),
            },
            Message::OffsetCommitRequest { corr, .. } => Message::OffsetCommitResponse {
                corr: *corr,
                error: e,
            },
            Message::OffsetFetchRequest { corr, .. } => Message::OffsetFetchResponse {
                corr: *corr,
                result: Err(error),
            },
            Message::ListOffsetsRequest { corr, tp, .. } => Message::ListOffsetsResponse {
                corr: *corr,
                tp: *tp,
                result: Err(error),
            },
            Message::JoinGroupRequest {
                corr, member_id, ..
            } => Message::JoinGroupResponse {
                corr: *corr,
                error: e,
                generation_id: -1,
                member_id: member_id.clone(),
                leader: String::new(),
                members: Vec::new(),
            },
            Message::SyncGroupRequest { corr, .. } => Message::SyncGroupResponse {
                corr: *corr,
                error: e,
                assignment: Vec::new(),
            },
            Message::HeartbeatRequest { corr, .. } => Message::HeartbeatResponse {
                corr: *corr,
                error: e,
            },
            Message::LeaveGroupRequest { corr, .. } => Message::LeaveGroupResponse {
                corr: *corr,
                error: e,
            },
            Message::ConsumerGroupHeartbeatRequest {
                corr,
                member_id,
                member_epoch,
                ..
            } => Message::ConsumerGroupHeartbeatResponse {
                corr: *corr,
                error: e,
                member_id: member_id.clone(),
                member_epoch: *member_epoch,
                heartbeat_interval_ms: 0,
                assignment: Vec::new(),
            },
            Message::ReplicaFetchRequest { corr, tp, .. } => Message::ReplicaFetchResponse {
                corr: *corr,
                tp: *tp,
                result: Err(error),
            },
            _ => return None,
        })
    }

    /// The background hum of polling: a fetch (a consumer's or a follower's), or a fetch
    /// response that brought nothing. The one rule the drawings use to leave it out.
    /// The error a response answers with, if any (the first, for WriteTxnMarkers): a request
    /// refused, which the stage draws as refused.
    pub fn error(&self) -> Option<Errors> {
        use Message as M;
        match self {
            M::ProduceResponse { result, .. } => result.as_ref().err().copied(),
            M::InitProducerIdResponse { result, .. } => result.as_ref().err().copied(),
            M::FetchResponse { result, .. } => result.as_ref().err().copied(),
            M::OffsetFetchResponse { result, .. } => result.as_ref().err().copied(),
            M::ListOffsetsResponse { result, .. } => result.as_ref().err().copied(),
            M::ReplicaFetchResponse { result, .. } => result.as_ref().err().copied(),
            M::AddPartitionsToTxnResponse { error, .. }
            | M::AddOffsetsToTxnResponse { error, .. }
            | M::TxnOffsetCommitResponse { error, .. }
            | M::EndTxnResponse { error, .. }
            | M::OffsetCommitResponse { error, .. }
            | M::JoinGroupResponse { error, .. }
            | M::SyncGroupResponse { error, .. }
            | M::HeartbeatResponse { error, .. }
            | M::LeaveGroupResponse { error, .. }
            | M::ConsumerGroupHeartbeatResponse { error, .. } => *error,
            M::WriteTxnMarkersResponse { results, .. } => results.iter().find_map(|(_, e)| *e),
            _ => None,
        }
    }

    pub fn is_idle_poll(&self) -> bool {
        match self {
            Message::FetchRequest { .. } | Message::ReplicaFetchRequest { .. } => true,
            Message::FetchResponse { result, .. } => {
                result.as_ref().is_ok_and(|d| d.batches.is_empty())
            }
            Message::ReplicaFetchResponse { result, .. } => {
                result.as_ref().is_ok_and(|d| d.batches.is_empty())
            }
            _ => false,
        }
    }

    pub fn kind(&self) -> MessageKind {
        match self {
            Message::ProduceRequest { .. } => MessageKind::ProduceRequest,
            Message::ProduceResponse { .. } => MessageKind::ProduceResponse,
            Message::InitProducerIdRequest { .. } => MessageKind::InitProducerIdRequest,
            Message::InitProducerIdResponse { .. } => MessageKind::InitProducerIdResponse,
            Message::AddPartitionsToTxnRequest { .. } => MessageKind::AddPartitionsToTxnRequest,
            Message::AddPartitionsToTxnResponse { .. } => MessageKind::AddPartitionsToTxnResponse,
            Message::AddOffsetsToTxnRequest { .. } => MessageKind::AddOffsetsToTxnRequest,
            Message::AddOffsetsToTxnResponse { .. } => MessageKind::AddOffsetsToTxnResponse,
            Message::TxnOffsetCommitRequest { .. } => MessageKind::TxnOffsetCommitRequest,
            Message::TxnOffsetCommitResponse { .. } => MessageKind::TxnOffsetCommitResponse,
            Message::EndTxnRequest { .. } => MessageKind::EndTxnRequest,
            Message::EndTxnResponse { .. } => MessageKind::EndTxnResponse,
            Message::WriteTxnMarkersRequest { .. } => MessageKind::WriteTxnMarkersRequest,
            Message::WriteTxnMarkersResponse { .. } => MessageKind::WriteTxnMarkersResponse,
            Message::FetchRequest { .. } => MessageKind::FetchRequest,
            Message::FetchResponse { .. } => MessageKind::FetchResponse,
            Message::OffsetCommitRequest { .. } => MessageKind::OffsetCommitRequest,
            Message::OffsetCommitResponse { .. } => MessageKind::OffsetCommitResponse,
            Message::OffsetFetchRequest { .. } => MessageKind::OffsetFetchRequest,
            Message::OffsetFetchResponse { .. } => MessageKind::OffsetFetchResponse,
            Message::ReplicaFetchRequest { .. } => MessageKind::ReplicaFetchRequest,
            Message::ReplicaFetchResponse { .. } => MessageKind::ReplicaFetchResponse,
            Message::ListOffsetsRequest { .. } => MessageKind::ListOffsetsRequest,
            Message::ListOffsetsResponse { .. } => MessageKind::ListOffsetsResponse,
            Message::JoinGroupRequest { .. } => MessageKind::JoinGroupRequest,
            Message::JoinGroupResponse { .. } => MessageKind::JoinGroupResponse,
            Message::SyncGroupRequest { .. } => MessageKind::SyncGroupRequest,
            Message::SyncGroupResponse { .. } => MessageKind::SyncGroupResponse,
            Message::HeartbeatRequest { .. } => MessageKind::HeartbeatRequest,
            Message::HeartbeatResponse { .. } => MessageKind::HeartbeatResponse,
            Message::LeaveGroupRequest { .. } => MessageKind::LeaveGroupRequest,
            Message::LeaveGroupResponse { .. } => MessageKind::LeaveGroupResponse,
            Message::ConsumerGroupHeartbeatRequest { .. } => {
                MessageKind::ConsumerGroupHeartbeatRequest
            }
            Message::ConsumerGroupHeartbeatResponse { .. } => {
                MessageKind::ConsumerGroupHeartbeatResponse
            }
        }
    }

    /// A short human summary, for the event log and the drawing's labels.
    pub fn summary(&self) -> String {
        match self {
            Message::ProduceRequest { tp, batch, .. } => {
                let last = batch.first_record.0 + batch.record_count - 1;
                let seq = if batch.base_sequence.0 >= 0 {
                    format!(" seq {}", batch.base_sequence.0)
                } else {
                    String::new()
                };
                if batch.record_count == 1 {
                    format!("Produce {} v{}{}", tp, batch.first_record.0, seq)
                } else {
                    format!("Produce {} v{}..v{}{}", tp, batch.first_record.0, last, seq)
                }
            }
            Message::ProduceResponse { tp, result, .. } => match result {
                Ok(a) if a.duplicate => format!("{} ok offset {} (duplicate)", tp, a.base_offset.0),
                Ok(a) => format!("{} ok offset {}", tp, a.base_offset.0),
                Err(e) => format!("{} {}", tp, e),
            },
            Message::InitProducerIdRequest {
                txn,
                producer_id,
                producer_epoch,
                ..
            } => match txn {
                Some(_) if !producer_id.is_none() => format!(
                    "InitProducerId (transactional) pid {} epoch {}",
                    producer_id.0, producer_epoch.0
                ),
                Some(_) => "InitProducerId (transactional)".into(),
                None => "InitProducerId".into(),
            },
            Message::InitProducerIdResponse { result, .. } => match result {
                Ok((pid, e)) => format!("pid {} epoch {}", pid.0, e.0),
                Err(e) => e.to_string(),
            },
            Message::AddPartitionsToTxnRequest {
                partitions,
                verify_only,
                ..
            } => {
                format!(
                    "AddPartitionsToTxn {}{}",
                    if *verify_only { "verifyOnly " } else { "" },
                    partitions
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
            Message::AddOffsetsToTxnRequest { .. } => "AddOffsetsToTxn".into(),
            Message::TxnOffsetCommitRequest { offsets, .. } => {
                format!("TxnOffsetCommit {}", offsets_summary(offsets))
            }
            Message::EndTxnRequest { commit, .. } => {
                format!("EndTxn {}", if *commit { "COMMIT" } else { "ABORT" })
            }
            Message::WriteTxnMarkersRequest {
                result, partitions, ..
            } => format!(
                "WRITETXNMARKERS {} {}",
                match result {
                    ControlType::Commit => "COMMIT",
                    ControlType::Abort => "ABORT",
                },
                partitions
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
                    .to_uppercase()
            ),
            Message::FetchRequest { tp, offset, .. } => format!("Fetch {} from {}", tp, offset.0),
            Message::FetchResponse { tp, result, .. } => match result {
                Ok(d) => format!("{} {} batches", tp, d.batches.len()),
                Err(e) => format!("{} {}", tp, e),
            },
            Message::OffsetCommitRequest { offsets, .. } => {
                format!("OffsetCommit {}", offsets_summary(offsets))
            }
            Message::ReplicaFetchRequest { tp, offset, .. } => {
                format!("ReplicaFetch {} from {}", tp, offset.0)
            }
            Message::ReplicaFetchResponse { tp, result, .. } => match result {
                Ok(d) => format!(
                    "{} {} batches, HW {}",
                    tp,
                    d.batches.len(),
                    d.high_watermark.0
                ),
                Err(e) => format!("{} {}", tp, e),
            },
            Message::OffsetFetchRequest { .. } => "OffsetFetch".into(),
            Message::ListOffsetsRequest { tp, .. } => format!("ListOffsets {} latest", tp),
            Message::ListOffsetsResponse { tp, result, .. } => match result {
                Ok(o) => format!("{} offset {}", tp, o.0),
                Err(e) => format!("{} {}", tp, e),
            },
            Message::JoinGroupRequest {
                member_id,
                group_instance_id,
                ..
            } => match (member_id.is_empty(), group_instance_id.as_deref()) {
                (true, None) => "JoinGroup (new member)".into(),
                (true, Some(i)) => format!("JoinGroup (static member {})", i),
                (false, None) => format!("JoinGroup {}", member_id),
                (false, Some(i)) => format!("JoinGroup {} (static member {})", member_id, i),
            },
            Message::JoinGroupResponse {
                error: Some(e),
                member_id,
                ..
            } => {
                if member_id.is_empty() {
                    e.to_string()
                } else {
                    format!("{} ({})", e, member_id)
                }
            }
            Message::JoinGroupResponse {
                generation_id,
                member_id,
                leader,
                ..
            } => format!(
                "generation {} {}{}",
                generation_id,
                member_id,
                if member_id == leader { " (leader)" } else { "" }
            ),
            Message::SyncGroupRequest {
                member,
                assignments,
                ..
            } => {
                if assignments.is_empty() {
                    format!("SyncGroup generation {}", member.generation_id)
                } else {
                    format!(
                        "SyncGroup generation {} range: {}",
                        member.generation_id,
                        assignments
                            .iter()
                            .map(|(m, a)| format!("{}={}", m, partitions_summary(a)))
                            .collect::<Vec<_>>()
                            .join(" ")
                    )
                }
            }
            Message::SyncGroupResponse {
                error: None,
                assignment,
                ..
            } => format!("assigned {}", partitions_summary(assignment)),
            Message::HeartbeatRequest { member, .. } => {
                format!("Heartbeat generation {}", member.generation_id)
            }
            Message::LeaveGroupRequest { member_id, .. } => format!("LeaveGroup {}", member_id),
            Message::ConsumerGroupHeartbeatRequest {
                member_id,
                member_epoch,
                owned,
                ..
            } => match *member_epoch {
                0 if member_id.is_empty() => "ConsumerGroupHeartbeat (join)".into(),
                0 => format!("ConsumerGroupHeartbeat {} (join)", member_id),
                -1 => format!("ConsumerGroupHeartbeat {} (leave)", member_id),
                -2 => format!(
                    "ConsumerGroupHeartbeat {} (static member leaves)",
                    member_id
                ),
                e => format!(
                    "ConsumerGroupHeartbeat {} epoch {} owns {}",
                    member_id,
                    e,
                    partitions_summary(owned)
                ),
            },
            Message::ConsumerGroupHeartbeatResponse { error: Some(e), .. } => e.to_string(),
            Message::ConsumerGroupHeartbeatResponse {
                member_id,
                member_epoch,
                assignment,
                ..
            } => format!(
                "{} epoch {} assigned {}",
                member_id,
                member_epoch,
                partitions_summary(assignment)
            ),
            Message::OffsetFetchResponse { result, .. } => match result {
                Ok(v) => format!(
                    "committed {}",
                    v.iter()
                        .map(|(tp, o)| format!(
                            "{}={}",
                            tp,
                            o.map_or("none".into(), |o| o.0.to_string())
                        ))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                Err(e) => e.to_string(),
            },
            Message::AddPartitionsToTxnResponse { error, .. }
            | Message::AddOffsetsToTxnResponse { error, .. }
            | Message::TxnOffsetCommitResponse { error, .. }
            | Message::EndTxnResponse { error, .. }
            | Message::SyncGroupResponse { error, .. }
            | Message::HeartbeatResponse { error, .. }
            | Message::LeaveGroupResponse { error, .. }
            | Message::OffsetCommitResponse { error, .. } => {
                error.map_or("ok".into(), |e| e.to_string())
            }
            Message::WriteTxnMarkersResponse { results, .. } => {
                if results.iter().all(|(_, e)| e.is_none()) {
                    "markers written".into()
                } else {
                    "marker errors".into()
                }
            }
        }
    }
}

fn partitions_summary(partitions: &[TopicPartition]) -> String {
    if partitions.is_empty() {
        return "nothing".into();
    }
    partitions
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn offsets_summary(offsets: &[(TopicPartition, Offset)]) -> String {
    offsets
        .iter()
        .map(|(tp, o)| format!("{}={}", tp, o.0))
        .collect::<Vec<_>>()
        .join(" ")
}
