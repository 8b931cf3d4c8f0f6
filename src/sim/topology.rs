//! Where things live: which broker leads each partition and hosts each coordinator.
//!
//! Simplification (labelled in the UI): one replica per partition, so the leader is fixed by the
//! partition index; `__transaction_state` and `__consumer_offsets` each have one partition, led by
//! the last broker (Kafka hashes the `transactional.id`/`group.id` over 50 partitions each).

use super::types::{TopicId, TopicPartition};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Topology {
    pub brokers: u8,
    /// Partitions of the input topic (`orders`).
    pub partitions: u8,
    /// Partitions of the output topic (`orders-out`), used by consume–transform–produce.
    pub output_partitions: u8,
}

impl Topology {
    pub fn leader(&self, tp: TopicPartition) -> u8 {
        let shift = match tp.topic {
            TopicId::Input => 0,
            TopicId::Output => 1,
        };
        ((tp.partition as u16 + shift) % self.brokers.max(1) as u16) as u8
    }

    /// The broker leading `__transaction_state` (the transaction coordinator).
    pub fn txn_coordinator(&self) -> u8 {
        self.brokers.saturating_sub(1)
    }

    /// The broker leading `__consumer_offsets` (the group coordinator).
    pub fn group_coordinator(&self) -> u8 {
        self.brokers.saturating_sub(1)
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
