//! Shared vocabulary: types more than one module speaks of, kept out of the node modules so
//! that no two files in `src/sim` import each other. Each is re-exported from its old place
//! (`txn_coordinator::TransactionState`, `group_coordinator::GroupState`,
//! `replication::ReplicationConfig`, `compare::FLIPS`).

use serde::Serialize;

/// `TransactionState`, with Kafka's ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum TransactionState {
    Empty,
    Ongoing,
    PrepareCommit,
    PrepareAbort,
    CompleteCommit,
    CompleteAbort,
    Dead,
    /// Only ever a pending state, never persisted.
    PrepareEpochFence,
}

impl TransactionState {
    pub const ALL: [TransactionState; 8] = [
        TransactionState::Empty,
        TransactionState::Ongoing,
        TransactionState::PrepareCommit,
        TransactionState::PrepareAbort,
        TransactionState::CompleteCommit,
        TransactionState::CompleteAbort,
        TransactionState::Dead,
        TransactionState::PrepareEpochFence,
    ];

    /// The valid previous states (`TransactionState.validPreviousStates`, transactions v1).
    pub fn valid_previous_states(self) -> &'static [TransactionState] {
        use TransactionState::*;
        match self {
            Empty => &[Empty, CompleteCommit, CompleteAbort],
            Ongoing => &[Ongoing, Empty, CompleteCommit, CompleteAbort],
            PrepareCommit => &[Ongoing],
            // Transactions v2 adds Empty and Complete*: an abort with nothing open bumps the epoch
            // (TransactionState.java in 4.x lists them; transactions v1 never takes them).
            PrepareAbort => &[
                Ongoing,
                PrepareEpochFence,
                Empty,
                CompleteCommit,
                CompleteAbort,
            ],
            CompleteCommit => &[PrepareCommit],
            CompleteAbort => &[PrepareAbort],
            Dead => &[Empty, CompleteAbort, CompleteCommit],
            PrepareEpochFence => &[Ongoing],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TransactionState::Empty => "Empty",
            TransactionState::Ongoing => "Ongoing",
            TransactionState::PrepareCommit => "PrepareCommit",
            TransactionState::PrepareAbort => "PrepareAbort",
            TransactionState::CompleteCommit => "CompleteCommit",
            TransactionState::CompleteAbort => "CompleteAbort",
            TransactionState::Dead => "Dead",
            TransactionState::PrepareEpochFence => "PrepareEpochFence",
        }
    }
}

/// The classic group states (`ClassicGroupState`; Dead is not modelled).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum GroupState {
    /// No members; committed offsets remain.
    Empty,
    /// Waiting for every member to (re)join, up to the rebalance timeout.
    PreparingRebalance,
    /// Joined: waiting for the leader's SyncGroup with the assignment.
    CompletingRebalance,
    /// Every member has its assignment and heartbeats.
    Stable,
}

impl GroupState {
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
        }
    }
}

/// The broker and topic settings of replication, by Kafka's keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ReplicationConfig {
    /// `min.insync.replicas`.
    pub min_insync_replicas: u8,
    /// `replica.lag.time.max.ms`.
    pub replica_lag_time_max_ms: u64,
    /// `replica.fetch.wait.max.ms`.
    pub replica_fetch_wait_max_ms: u64,
    /// 3.7+ (KAFKA-15583): the HW does not advance while the ISR is below `min.insync.replicas`.
    pub hw_holds_below_min_isr: bool,
}

/// The settings side by side can flip, by Kafka's key.
pub const FLIPS: &[&str] = &[
    "enable.idempotence",
    "acks",
    "max.in.flight.requests.per.connection",
    "isolation.level",
    "enable.auto.commit",
    "min.insync.replicas",
    "unclean.leader.election.enable",
    "group.protocol",
    "version",
];
