//! The broker's bookkeeping for replication and KIP-890 verification: the types `Broker` holds
//! and `replication.rs` and `verification.rs` handle. They live here, not in those modules,
//! because those modules add methods to `Broker` (they import `broker`) while `Broker` holds
//! these (it would import them back). Re-exported from `replication` and `verification`.

use super::config::Acks;
use super::log::{AppendInfo, BatchToAppend};
use super::message::{CorrelationId, Message};
use super::types::{map_of, set_of, NodeId, Offset, Tick, TopicPartition};
use super::vecmap::{VecMap, VecSet};
use serde::Serialize;

/// Replica fetch correlation ids are tagged, apart from the coordinator's marker requests.
pub const REPLICA_CORR_BIT: CorrelationId = 1 << 30;
/// Correlation ids of the leader's AddPartitionsToTxn requests.
pub const ADD_CORR_BIT: CorrelationId = 1 << 29;

/// A replica's role. A leader also tracks its followers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ReplicaState {
    pub is_leader: bool,
    pub leader_epoch: i32,
    /// Leader only: the in-sync replicas (itself included).
    pub isr: VecSet<u8>,
    /// Leader only: each follower's log end offset, from its last fetch.
    pub follower_leo: VecMap<u8, Offset>,
    /// Leader only: when each follower last caught up with the leader's LEO.
    pub caught_up_at: VecMap<u8, Tick>,
    /// Follower only: the fetch in flight to the leader.
    pub fetch_in_flight: Option<CorrelationId>,
}

impl ReplicaState {
    pub fn new(is_leader: bool, replicas: &[u8], me: u8) -> ReplicaState {
        ReplicaState {
            is_leader,
            leader_epoch: 0,
            // `set_of`/`map_of`, not `collect()`: see their comment (bundle size).
            isr: if is_leader {
                set_of(replicas.iter().copied())
            } else {
                VecSet::new()
            },
            follower_leo: map_of(
                replicas
                    .iter()
                    .filter(|r| **r != me)
                    .map(|r| (*r, Offset(0))),
            ),
            caught_up_at: map_of(replicas.iter().filter(|r| **r != me).map(|r| (*r, Tick(0)))),
            fetch_in_flight: None,
        }
    }
}

/// An `acks=all` produce waiting for replication (`DelayedProduce`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct DelayedProduce {
    pub to: NodeId,
    pub corr: CorrelationId,
    pub tp: TopicPartition,
    pub info: AppendInfo,
}

/// A WriteTxnMarkers answer waiting until the HW passes every marker it wrote.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct DelayedMarkers {
    pub to: NodeId,
    pub response: Message,
    pub waiting_for: Vec<(TopicPartition, Offset)>,
}

/// A follower's fetch waiting at the leader for new data.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ParkedReplicaFetch {
    pub follower: u8,
    pub corr: CorrelationId,
    pub tp: TopicPartition,
    pub offset: Offset,
}

/// A produce request parked while the coordinator is asked about its partition.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PendingAdd {
    pub from: NodeId,
    pub corr: CorrelationId,
    pub tp: TopicPartition,
    pub batch: BatchToAppend,
    pub acks: Acks,
    /// The AddPartitionsToTxn in flight for it (none while it waits for a retry).
    pub add_corr: Option<CorrelationId>,
    pub coordinator: u8,
    pub first_try: Tick,
    pub retry_at: Option<Tick>,
}
