//! Where things live: which brokers hold each partition, which one leads it now, and which broker
//! hosts each coordinator. This is the controller's metadata; clients read it when they send.
//!
//! Simplifications (said in the README and the UI): clients always see fresh metadata (Kafka
//! refreshes it after `NOT_LEADER_OR_FOLLOWER`); leader election by the controller is instant;
//! `__transaction_state` and `__consumer_offsets` have one partition each, placed alike (the last
//! broker first), replicated synchronously to their live replicas (Kafka hashes the
//! `transactional.id`/`group.id` over 50 partitions each, replicated like any other).

use super::config::KafkaVersion;
use super::types::{TopicId, TopicPartition};
use super::vecmap::VecMap;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Topology {
    pub brokers: u8,
    /// Partitions of the input topic (`orders`).
    pub partitions: u8,
    /// Partitions of the output topic (`orders-out`), used by consume–transform–produce.
    pub output_partitions: u8,
    /// `replication.factor` of the data topics.
    pub replication_factor: u8,
    /// The current leader of each data partition; `None` while it is offline.
    pub leaders: VecMap<TopicPartition, Option<u8>>,
    /// The leader epoch of each data partition (bumped at every election).
    pub leader_epochs: VecMap<TopicPartition, i32>,
    /// The in-sync replicas of each data partition, as the controller knows them.
    pub isr: VecMap<TopicPartition, Vec<u8>>,
    /// The eligible leader replicas of each data partition (KIP-966; `PartitionRegistration.elr`):
    /// empty unless `eligible.leader.replicas.version` is 1 and the ISR is below min ISR.
    pub elr: VecMap<TopicPartition, Vec<u8>>,
    /// The last known leader of a partition whose ISR became empty (`PartitionRegistration.lastKnownElr`
    /// as `useLastKnownLeaderInBalancedRecovery` keeps it); absent otherwise.
    pub last_known_leader: VecMap<TopicPartition, u8>,
    /// Which brokers are up, as the metadata says.
    pub live: Vec<bool>,
    /// The leader of `__transaction_state` and `__consumer_offsets` (one partition each, placed
    /// alike): the broker hosting both coordinators. `None` while no replica is up.
    pub coordinator: Option<u8>,
    /// The leader epoch of those partitions: a new coordinator's `coordinatorEpoch`.
    pub coordinator_epoch: i32,
    /// The finalized features and the brokers' release.
    pub features: Features,
}

/// What the controller's metadata says about the cluster's software: the finalized
/// `transaction.version` feature (clients learn it through ApiVersions) and the release every
/// broker runs (the model has no mixed-version clusters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Features {
    pub transaction_version: u8,
    pub release: KafkaVersion,
    /// `transaction.partition.verification.enable` (KIP-890 part 1, brokers 3.6+).
    pub verification: bool,
    /// The finalized `eligible.leader.replicas.version` is 1 (KIP-966 part 1, 4.0+; on by default
    /// for new clusters from 4.1): the controller tracks eligible leader replicas.
    pub eligible_leader_replicas: bool,
    /// The brokers' settings the lab can change (`KafkaConfig`, `TransactionStateManagerConfig`).
    pub broker: BrokerSettings,
}

/// Broker settings a scenario may set under `cluster` (Kafka's keys, defaults as Kafka's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct BrokerSettings {
    /// `transaction.max.timeout.ms` (900000): InitProducerId with a larger
    /// `transaction.timeout.ms` answers INVALID_TRANSACTION_TIMEOUT (`TransactionStateManager.validateTransactionTimeoutMs`).
    pub transaction_max_timeout_ms: u64,
    /// `producer.id.expiration.ms` (3.4+; before, `transactional.id.expiration.ms` served):
    /// `None` when the scenario leaves it at its default (a day), which no run reaches.
    pub producer_id_expiration_ms: Option<u64>,
    /// `producer.id.expiration.check.interval.ms` (600000).
    pub producer_id_expiration_check_interval_ms: u64,
    /// `transactional.id.expiration.ms`: `None` at its default (7 days).
    pub transactional_id_expiration_ms: Option<u64>,
    /// `transaction.remove.expired.transaction.cleanup.interval.ms` (3600000).
    pub transactional_id_cleanup_interval_ms: u64,
}

impl Default for BrokerSettings {
    fn default() -> Self {
        BrokerSettings {
            transaction_max_timeout_ms: super::config::TRANSACTION_MAX_TIMEOUT_MS,
            producer_id_expiration_ms: None,
            producer_id_expiration_check_interval_ms: 600_000,
            transactional_id_expiration_ms: None,
            transactional_id_cleanup_interval_ms: 3_600_000,
        }
    }
}

impl Features {
    pub fn of(release: KafkaVersion) -> Features {
        Features {
            transaction_version: release.transaction_version(),
            release,
            verification: release.has_transaction_verification(),
            eligible_leader_replicas: release.default_eligible_leader_replicas_version() == 1,
            broker: BrokerSettings::default(),
        }
    }

    /// Transactions v2 (KIP-890 part 2): a 4.x client uses it iff the finalized
    /// `transaction.version` is at least 2 (`TransactionManager.maybeUpdateTransactionV2Enabled`).
    pub fn tv2(self) -> bool {
        self.transaction_version >= 2
    }
}

impl Topology {
    pub fn new(
        brokers: u8,
        partitions: u8,
        output_partitions: u8,
        replication_factor: u8,
    ) -> Topology {
        let mut t = Topology {
            brokers,
            partitions,
            output_partitions,
            replication_factor: replication_factor.clamp(1, brokers.max(1)),
            leaders: VecMap::new(),
            leader_epochs: VecMap::new(),
            isr: VecMap::new(),
            elr: VecMap::new(),
            last_known_leader: VecMap::new(),
            live: vec![true; brokers as usize],
            coordinator: Some(brokers.saturating_sub(1)),
            coordinator_epoch: 0,
            features: Features::of(KafkaVersion::V3_9),
        };
        let all: Vec<TopicPartition> = t.all_partitions().collect();
        for tp in all {
            t.leaders.insert(tp, Some(t.preferred_leader(tp)));
            t.leader_epochs.insert(tp, 0);
            t.isr.insert(tp, t.replicas(tp));
        }
        t
    }

    /// The first replica: the leader when everything is healthy.
    pub fn preferred_leader(&self, tp: TopicPartition) -> u8 {
        let shift = match tp.topic {
            TopicId::Input => 0,
            TopicId::Output => 1,
        };
        ((tp.partition as u16 + shift) % self.brokers.max(1) as u16) as u8
    }

    /// The brokers holding a copy of the partition, preferred leader first.
    pub fn replicas(&self, tp: TopicPartition) -> Vec<u8> {
        let first = self.preferred_leader(tp);
        (0..self.replication_factor)
            .map(|i| ((first as u16 + i as u16) % self.brokers.max(1) as u16) as u8)
            .collect()
    }

    /// Where clients send requests for the partition: its leader, or (while it is offline) its
    /// preferred leader, whose refusal they will see.
    pub fn leader(&self, tp: TopicPartition) -> u8 {
        self.leader_of(tp)
            .unwrap_or_else(|| self.preferred_leader(tp))
    }

    pub fn leader_of(&self, tp: TopicPartition) -> Option<u8> {
        self.leaders
            .get(&tp)
            .copied()
            .unwrap_or(Some(self.preferred_leader(tp)))
    }

    /// The partition's eligible leader replicas (empty without ELR).
    pub fn elr_of(&self, tp: TopicPartition) -> &[u8] {
        self.elr.get(&tp).map_or(&[], |e| e.as_slice())
    }

    pub fn leader_epoch(&self, tp: TopicPartition) -> i32 {
        self.leader_epochs.get(&tp).copied().unwrap_or(0)
    }

    /// The `n`-th live broker, cycling (a client picking "any broker"); broker 0 if none is up.
    pub fn any_live_broker(&self, n: u32) -> u8 {
        let live: Vec<u8> = (0..self.brokers)
            .filter(|b| self.live.get(*b as usize).copied().unwrap_or(true))
            .collect();
        if live.is_empty() {
            0
        } else {
            live[(n as usize) % live.len()]
        }
    }

    /// The replicas of the internal topics' partition, its preferred leader (the last broker) first.
    pub fn internal_replicas(&self) -> Vec<u8> {
        let first = self.brokers.saturating_sub(1);
        (0..self.replication_factor)
            .map(|i| ((first as u16 + i as u16) % self.brokers.max(1) as u16) as u8)
            .collect()
    }

    /// The broker leading `__transaction_state` (the transaction coordinator).
    pub fn txn_coordinator(&self) -> u8 {
        self.coordinator.unwrap_or(self.brokers.saturating_sub(1))
    }

    /// The broker leading `__consumer_offsets` (the group coordinator).
    pub fn group_coordinator(&self) -> u8 {
        self.txn_coordinator()
    }

    pub fn topic_partitions(&self, topic: TopicId) -> impl Iterator<Item = TopicPartition> {
        let n = match topic {
            TopicId::Input => self.partitions,
            TopicId::Output => self.output_partitions,
        };
        (0..n).map(move |partition| TopicPartition { topic, partition })
    }

    pub fn all_partitions(&self) -> impl Iterator<Item = TopicPartition> + '_ {
        self.topic_partitions(TopicId::Input)
            .chain(self.topic_partitions(TopicId::Output))
    }
}
