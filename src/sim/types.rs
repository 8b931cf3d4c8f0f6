//! Newtypes for ids and quantities, so an offset can never be passed as a sequence.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Simulated time. 1 tick = 1 simulated millisecond, so Kafka's `*.ms` settings mean what they say.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Tick(pub u64);

impl Tick {
    pub fn plus(self, ms: u64) -> Tick {
        Tick(self.0.saturating_add(ms))
    }
}

/// A position in a partition log.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Offset(pub u64);

/// Kafka's producer id (`-1` = none, as `RecordBatch.NO_PRODUCER_ID`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProducerId(pub i64);

impl ProducerId {
    pub const NONE: ProducerId = ProducerId(-1);
    pub fn is_none(self) -> bool {
        self.0 < 0
    }
}

/// Kafka's producer epoch (`-1` = none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProducerEpoch(pub i16);

impl ProducerEpoch {
    pub const NONE: ProducerEpoch = ProducerEpoch(-1);
    pub fn next(self) -> ProducerEpoch {
        ProducerEpoch(self.0.saturating_add(1))
    }
}

/// Per-(producer, partition) sequence number (`-1` = `RecordBatch.NO_SEQUENCE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sequence(pub i32);

impl Sequence {
    pub const NONE: Sequence = Sequence(-1);
}

/// A record's identity in the simulation: every record the workload creates gets the next one.
/// The record's value is shown as `v{n}`; an idempotent sink can key on it (a key inside the record).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordId(pub u32);

/// A partition of a topic, by index. Serialized as Kafka writes it: `orders-0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartition {
    pub topic: TopicId,
    pub partition: u8,
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic.name(), self.partition)
    }
}

/// The topics the model knows. Internal topics are visible, as in the product's views.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicId {
    /// The topic producers write to (`orders` in the stories).
    Input,
    /// The output topic of consume–transform–produce.
    Output,
}

impl TopicId {
    pub fn name(self) -> &'static str {
        match self {
            TopicId::Input => "orders",
            TopicId::Output => "orders-out",
        }
    }
}

/// Every node that sends or receives messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeId {
    Producer(u8),
    Broker(u8),
    Consumer(u8),
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeId::Producer(i) => write!(f, "producer-{}", i),
            NodeId::Broker(i) => write!(f, "broker-{}", i),
            NodeId::Consumer(i) => write!(f, "consumer-{}", i),
        }
    }
}

impl NodeId {
    /// Parses `producer-0`, `broker-1`, `consumer-0`.
    pub fn parse(s: &str) -> Option<NodeId> {
        let (kind, n) = s.rsplit_once('-')?;
        let n: u8 = n.parse().ok()?;
        match kind {
            "producer" => Some(NodeId::Producer(n)),
            "broker" => Some(NodeId::Broker(n)),
            "consumer" => Some(NodeId::Consumer(n)),
            _ => None,
        }
    }
}

impl Serialize for TopicPartition {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A set built by inserting (a `VecSet` or a `BTreeSet`, as the context asks). `collect()` into a
/// BTree sorts the items first, and every type sorted that way costs the wasm bundle a few KB of
/// sort code (`scripts/size-report.mjs`).
pub fn set_of<T, S: Default + Extend<T>>(items: impl IntoIterator<Item = T>) -> S {
    let mut set = S::default();
    set.extend(items);
    set
}

/// A map built by inserting (see `set_of`); a repeated key keeps its last value, as `collect()`
/// does.
pub fn map_of<K, V, M: Default + Extend<(K, V)>>(items: impl IntoIterator<Item = (K, V)>) -> M {
    let mut map = M::default();
    map.extend(items);
    map
}
