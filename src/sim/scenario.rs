//! The scenario file format (`eoscope/scenario@1`): what authors write and the runner, the app
//! and the tests load. Later pieces (stories, search, export) extend it; they never replace it.
//!
//! Parsing never panics: every problem is a message naming the key, the value and what is allowed.

use super::config::{self, CommitMode, ConsumerConfig, KafkaVersion, ProducerConfig, RawConfig};
use super::message::MessageKind;
use super::types::NodeId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const FORMAT: &str = "eoscope/scenario@1";

/// Text in several languages: `{"en": "...", "ko": "..."}`; `en` is required.
pub type Localized = BTreeMap<String, String>;

/// The file as written.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub format: String,
    #[serde(default)]
    pub id: String,
    pub title: Localized,
    #[serde(default)]
    pub description: Localized,
    /// Kafka version preset (`KafkaVersion`: `"2.4"`, `"3.5"`, `"3.9"`, `"4.0"`…`"4.3"`); a file
    /// without one is on the newest release, 4.3.
    #[serde(default = "newest_version")]
    pub version: String,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub cluster: ClusterSpec,
    pub producers: Vec<ProducerSpec>,
    #[serde(default)]
    pub consumers: Vec<ConsumerSpec>,
    #[serde(default)]
    pub schedule: Vec<ScheduleSpec>,
    /// Expected verdicts by property name: `"pass"` or `"fail"`.
    #[serde(default)]
    pub expect: BTreeMap<String, String>,
    /// Steps a story stops at (filled by the stories; carried through untouched by the core).
    #[serde(default)]
    pub beats: Vec<Beat>,
    /// Settings a reader may flip inside the widget (Kafka keys from `compare::FLIPS`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub knobs: Vec<String>,
    #[serde(default)]
    pub limits: LimitsSpec,
}

/// The version of a scenario file that names none: the newest release the model knows.
fn newest_version() -> String {
    super::config::KafkaVersion::V4_3.name().to_string()
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    #[serde(default = "one")]
    pub brokers: u8,
    #[serde(default = "one")]
    pub partitions: u8,
    #[serde(default = "one", rename = "output.partitions")]
    pub output_partitions: u8,
    /// One-way latency of every link, in ms.
    #[serde(default = "five", rename = "network.latency.ms")]
    pub latency_ms: u64,
    /// Extra random latency, 0..jitter ms, from the seeded PRNG (links stay FIFO).
    #[serde(default, rename = "network.jitter.ms")]
    pub jitter_ms: u64,
    /// `replication.factor` of `orders` and `orders-out` (at most the number of brokers).
    #[serde(default = "one", rename = "replication.factor")]
    pub replication_factor: u8,
    #[serde(default = "one", rename = "min.insync.replicas")]
    pub min_insync_replicas: u8,
    #[serde(default, rename = "unclean.leader.election.enable")]
    pub unclean_leader_election_enable: bool,
    #[serde(default = "lag_max", rename = "replica.lag.time.max.ms")]
    pub replica_lag_time_max_ms: u64,
    #[serde(default = "fetch_wait", rename = "replica.fetch.wait.max.ms")]
    pub replica_fetch_wait_max_ms: u64,
    /// KIP-890 part 1 (brokers 3.6+, default true): a leader verifies with the coordinator that a
    /// transactional write's partition is in the transaction.
    #[serde(
        default,
        rename = "transaction.partition.verification.enable",
        skip_serializing_if = "Option::is_none"
    )]
    pub transaction_partition_verification_enable: Option<bool>,
    /// The KRaft feature `eligible.leader.replicas.version` (KIP-966 part 1): 1 tracks eligible
    /// leader replicas, 0 does not. 4.0+; default 0 on 4.0 and 1 from 4.1 (new clusters).
    #[serde(
        default,
        rename = "eligible.leader.replicas.version",
        skip_serializing_if = "Option::is_none"
    )]
    pub eligible_leader_replicas_version: Option<u8>,
    /// `transaction.max.timeout.ms` (default 900000; `TransactionStateManagerConfig`).
    #[serde(
        default,
        rename = "transaction.max.timeout.ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub transaction_max_timeout_ms: Option<u64>,
    /// `producer.id.expiration.ms` (3.4+, default 86400000; `ProducerStateManager`).
    #[serde(
        default,
        rename = "producer.id.expiration.ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub producer_id_expiration_ms: Option<u64>,
    #[serde(
        default,
        rename = "producer.id.expiration.check.interval.ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub producer_id_expiration_check_interval_ms: Option<u64>,
    /// `transactional.id.expiration.ms` (default 604800000; `TransactionStateManager`).
    #[serde(
        default,
        rename = "transactional.id.expiration.ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub transactional_id_expiration_ms: Option<u64>,
    #[serde(
        default,
        rename = "transaction.remove.expired.transaction.cleanup.interval.ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub transactional_id_cleanup_interval_ms: Option<u64>,
}

fn lag_max() -> u64 {
    30_000
}
fn fetch_wait() -> u64 {
    500
}

fn one() -> u8 {
    1
}
fn five() -> u64 {
    5
}

impl Default for ClusterSpec {
    fn default() -> Self {
        ClusterSpec {
            brokers: 1,
            partitions: 1,
            output_partitions: 1,
            latency_ms: 5,
            jitter_ms: 0,
            replication_factor: 1,
            min_insync_replicas: 1,
            unclean_leader_election_enable: false,
            replica_lag_time_max_ms: lag_max(),
            replica_fetch_wait_max_ms: fetch_wait(),
            transaction_partition_verification_enable: None,
            eligible_leader_replicas_version: None,
            transaction_max_timeout_ms: None,
            producer_id_expiration_ms: None,
            producer_id_expiration_check_interval_ms: None,
            transactional_id_expiration_ms: None,
            transactional_id_cleanup_interval_ms: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerSpec {
    /// Kafka producer configs by their own keys.
    #[serde(default)]
    pub config: RawConfig,
    /// What the application does, in order.
    #[serde(default)]
    pub script: Vec<Op>,
    /// The lab: the coordinator already holds this producer's `transactional.id` at epoch N−1
    /// (as after N earlier sessions), so `initTransactions()` returns epoch N — epoch exhaustion
    /// without 32k restarts. 1 to 32766.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_epoch: Option<i16>,
}

/// One step of a producer application's script.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Op {
    /// Wait until this tick.
    At(u64),
    /// `send()` `batches` batches of `records` records each to a partition (asynchronous).
    Send(SendOp),
    /// `initTransactions()` (blocks until done).
    InitTransactions {},
    /// `beginTransaction()`.
    Begin {},
    /// `commitTransaction()` (blocks until done).
    Commit {},
    /// `abortTransaction()` (blocks until done).
    Abort {},
    /// `flush()`: wait until every send has completed.
    Flush {},
    /// The lab's raw client: a Produce request as written (pid, epoch, sequence, flags), to the
    /// partition's leader, outside the producer client's bookkeeping. Waits for its answer (or
    /// `request.timeout.ms`).
    RawProduce(RawProduceOp),
    /// A raw AddPartitionsToTxn to the transaction coordinator (transactions v1, a client's).
    RawAddPartitionsToTxn(RawTxnOp),
    /// A raw EndTxn to the transaction coordinator.
    RawEndTxn(RawTxnOp),
    /// A raw WriteTxnMarkers to a broker: a rogue (or stale) coordinator.
    RawWriteTxnMarkers(RawMarkersOp),
}

impl Op {
    /// Records this step creates (numbered per producer at load).
    pub fn record_count(&self) -> u64 {
        match self {
            Op::Send(s) => s.records as u64 * s.batches as u64,
            Op::RawProduce(r) => r.records as u64,
            _ => 0,
        }
    }
}

/// `raw_produce`: `producer_id`/`producer_epoch` default to the producer client's own.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawProduceOp {
    #[serde(default)]
    pub partition: u8,
    #[serde(default)]
    pub producer_id: Option<i64>,
    #[serde(default)]
    pub producer_epoch: Option<i16>,
    #[serde(default)]
    pub base_sequence: i32,
    #[serde(default = "one_u32")]
    pub records: u32,
    #[serde(default)]
    pub transactional: bool,
    /// The request's `transactional.id` (needed with `transactional`).
    #[serde(default)]
    pub transactional_id: Option<String>,
    /// Produce v12 from a transactions-v2 client (the leader adds the partition itself).
    #[serde(default)]
    pub transaction_version: Option<u8>,
}

/// `raw_add_partitions_to_txn` (with `partitions`) and `raw_end_txn` (with `commit`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTxnOp {
    pub transactional_id: String,
    #[serde(default)]
    pub producer_id: Option<i64>,
    #[serde(default)]
    pub producer_epoch: Option<i16>,
    #[serde(default)]
    pub partitions: Vec<u8>,
    #[serde(default)]
    pub commit: bool,
}

/// `raw_write_txn_markers`: to `to` (default: the leader of the first partition).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMarkersOp {
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub producer_id: Option<i64>,
    #[serde(default)]
    pub producer_epoch: Option<i16>,
    #[serde(default)]
    pub coordinator_epoch: i32,
    #[serde(default)]
    pub commit: bool,
    pub partitions: Vec<u8>,
    #[serde(default = "one_u8")]
    pub transaction_version: u8,
}

fn one_u8() -> u8 {
    1
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SendOp {
    #[serde(default)]
    pub partition: u8,
    #[serde(default = "one_u32")]
    pub records: u32,
    #[serde(default = "one_u32")]
    pub batches: u32,
}

fn one_u32() -> u32 {
    1
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerSpec {
    #[serde(default)]
    pub config: RawConfig,
    /// `auto`, `after_processing`, `before_processing` or `transactional`. Defaults to `auto`
    /// when `enable.auto.commit` is true (Kafka's default) and `after_processing` otherwise.
    #[serde(default)]
    pub commit: Option<String>,
    #[serde(default)]
    pub sink: Option<SinkSpec>,
    /// For `transactional`: the output producer's config (it needs a `transactional.id`).
    #[serde(default)]
    pub output: Option<RawConfig>,
    /// The tick the application starts at (default 0): a consumer joining its group mid-run.
    #[serde(default)]
    pub start_at: Option<u64>,
    /// Consume–transform–produce: the transactions (counted from 1) the application aborts
    /// instead of committing; it then seeks back to the committed offsets and runs them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub abort_transactions: Vec<u32>,
    /// Time the application spends on each polled batch between `poll()` and its next step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SinkSpec {
    /// Upsert by a unique key instead of inserting every record.
    #[serde(default)]
    pub idempotent: bool,
    /// `topic-partition-offset` (default) or `record` (a key inside the record).
    #[serde(default)]
    pub key: Option<String>,
}

/// A fault or an intervention. Exactly one action; `at` (a tick) and/or `on` (a message match).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    #[serde(default)]
    pub at: Option<u64>,
    /// For `crash`: crash the node at the moment this message is sent (it never leaves).
    #[serde(default)]
    pub on: Option<MatchSpec>,
    #[serde(default)]
    pub drop: Option<MatchSpec>,
    #[serde(default)]
    pub duplicate: Option<MatchSpec>,
    #[serde(default)]
    pub delay: Option<DelaySpec>,
    #[serde(default)]
    pub crash: Option<String>,
    #[serde(default)]
    pub restart: Option<String>,
    #[serde(default)]
    pub partition: Option<[String; 2]>,
    #[serde(default)]
    pub heal: Option<[String; 2]>,
    #[serde(default)]
    pub hold: Option<[String; 2]>,
    #[serde(default)]
    pub release: Option<[String; 2]>,
    #[serde(default)]
    pub drop_rate: Option<DropRateSpec>,
    /// An intervention: restart a client with changed settings (`{"node": "producer-0", "config": {...}}`).
    #[serde(default)]
    pub set: Option<SetSpec>,
    /// Hold a consumer application between `poll()` and processing (`{"node": "consumer-0", "ms": 40000}`).
    #[serde(default)]
    pub pause: Option<PauseSpec>,
    /// Broker error injection: the nth matching request delivered to a broker is answered with
    /// this error instead of being handled (`{"kind", "from", "to", "nth", "error"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inject: Option<InjectSpec>,
    /// Free text shown in the event log.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InjectSpec {
    #[serde(flatten)]
    pub what: MatchSpec,
    /// Kafka's error name, e.g. `NOT_LEADER_OR_FOLLOWER`.
    pub error: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PauseSpec {
    pub node: String,
    pub ms: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    /// Which matching message, counting from 1 (default 1).
    #[serde(default)]
    pub nth: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DelaySpec {
    #[serde(flatten)]
    pub what: MatchSpec,
    pub ms: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DropRateSpec {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    /// Probability of dropping each message, in thousandths.
    pub per_mille: u32,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SetSpec {
    pub node: String,
    pub config: RawConfig,
}

/// A step a story stops at, with narration per language.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Beat {
    /// Stop once the simulation reaches this tick...
    #[serde(default)]
    pub tick: Option<u64>,
    /// ...or this step.
    #[serde(default)]
    pub step: Option<u64>,
    #[serde(default)]
    pub title: Localized,
    #[serde(default)]
    pub narration: Localized,
    /// What to highlight: node names (`producer-0`), partitions (`orders-0`), properties.
    #[serde(default)]
    pub highlight: Vec<String>,
    /// Which panels to show at this beat.
    #[serde(default)]
    pub panels: Vec<String>,
    /// Other tellings of this beat for a run whose knobs differ: the first whose `when` holds
    /// replaces the fields it sets (`src/story.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<BeatVariant>,
}

/// A beat as told when the settings in effect match `when` (knob key -> value as Kafka writes it).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BeatVariant {
    pub when: BTreeMap<String, String>,
    #[serde(default)]
    pub tick: Option<u64>,
    #[serde(default)]
    pub step: Option<u64>,
    #[serde(default)]
    pub title: Localized,
    #[serde(default)]
    pub narration: Localized,
    #[serde(default)]
    pub highlight: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSpec {
    #[serde(default = "max_steps")]
    pub max_steps: u64,
    #[serde(default = "max_ticks")]
    pub max_ticks: u64,
}

fn max_steps() -> u64 {
    1_000_000
}
fn max_ticks() -> u64 {
    3_600_000
}

impl Default for LimitsSpec {
    fn default() -> Self {
        LimitsSpec {
            max_steps: max_steps(),
            max_ticks: max_ticks(),
        }
    }
}

// ---- the validated form the world is built from ----

/// A message pattern: which kind, on which link, the nth such message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct MessageMatch {
    pub kind: Option<MessageKind>,
    pub from: Option<NodeId>,
    pub to: Option<NodeId>,
    pub nth: u32,
}

impl MessageMatch {
    /// Whether a message of `kind` from `from` to `to` is one this names (any `nth`).
    pub fn matches(&self, kind: MessageKind, from: NodeId, to: NodeId) -> bool {
        self.kind.is_none_or(|k| k == kind)
            && self.from.is_none_or(|f| f == from)
            && self.to.is_none_or(|t| t == to)
    }
}

/// What a schedule entry does.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum FaultAction {
    /// Drop a message (a lost request or a lost response: the lost ack).
    Drop(MessageMatch),
    /// Deliver a message twice.
    Duplicate(MessageMatch),
    /// Deliver a message `ms` later than its latency would.
    Delay(MessageMatch, u64),
    Crash(NodeId),
    Restart(NodeId),
    /// Drop everything between two nodes, both ways, until healed.
    Partition(NodeId, NodeId),
    Heal(NodeId, NodeId),
    /// Hold messages between two nodes (both ways) until released.
    Hold(NodeId, NodeId),
    Release(NodeId, NodeId),
    /// Drop each message on matching links with this probability (thousandths).
    DropRate {
        from: Option<NodeId>,
        to: Option<NodeId>,
        per_mille: u32,
    },
    /// Restart a client with changed settings (an intervention).
    SetConfig {
        node: NodeId,
        config: RawConfig,
    },
    /// The consumer application's next batch waits `ms` between `poll()` and processing (a long
    /// GC pause, a slow downstream call): past `max.poll.interval.ms` it drops out of its group.
    Pause(NodeId, u64),
    /// The matching request, when it reaches its broker, is answered with this error instead of
    /// being handled (matched at delivery: a request lost on the way is not counted).
    Inject(MessageMatch, super::errors::Errors),
}

/// When a schedule entry applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Trigger {
    /// At this tick.
    At(u64),
    /// When a matching message is sent, at or after `after` (message faults, and crashes `on` a message).
    OnSend { what: MessageMatch, after: u64 },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ScheduleEntry {
    pub trigger: Trigger,
    pub action: FaultAction,
    pub note: Option<String>,
}

/// A consumer as the world runs it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ConsumerSetup {
    pub cfg: ConsumerConfig,
    pub mode: CommitMode,
    pub sink: Option<SinkSetup>,
    pub output: Option<ProducerConfig>,
    /// When the application starts (a consumer joining mid-run); 0 = at once.
    pub start_at: u64,
    /// Consume–transform–produce transactions (from 1) to abort instead of commit.
    pub abort_transactions: Vec<u32>,
    /// Processing time per polled batch (0: none).
    pub processing_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct SinkSetup {
    pub idempotent: bool,
    /// True: keyed by a key inside the record; false: by topic-partition-offset.
    pub key_is_record: bool,
}

/// A validated scenario.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Scenario {
    pub id: String,
    pub title: Localized,
    pub version: KafkaVersion,
    pub seed: u64,
    pub brokers: u8,
    pub partitions: u8,
    pub output_partitions: u8,
    pub latency_ms: u64,
    pub jitter_ms: u64,
    pub replication_factor: u8,
    pub replication: super::vocabulary::ReplicationConfig,
    pub unclean_leader_election_enable: bool,
    /// `transaction.partition.verification.enable` as resolved for the version.
    pub transaction_partition_verification: bool,
    /// `eligible.leader.replicas.version` ≥ 1 as resolved for the version (KIP-966).
    pub eligible_leader_replicas: bool,
    /// The broker settings of `cluster` (timeouts and expirations).
    pub broker: super::topology::BrokerSettings,
    pub producers: Vec<(ProducerConfig, Vec<Op>)>,
    pub consumers: Vec<ConsumerSetup>,
    /// The settings as written, by Kafka key (interventions change them and validate again).
    pub producer_raw: Vec<RawConfig>,
    pub consumer_raw: Vec<RawConfig>,
    pub schedule: Vec<ScheduleEntry>,
    pub expect: BTreeMap<String, bool>,
    pub max_steps: u64,
    pub max_ticks: u64,
    /// The lab's `initial_epoch` per producer (`None`: none).
    pub initial_epochs: Vec<Option<i16>>,
    /// `transactional.id`s and `group.id`s, indexed by the numbers messages carry.
    pub transactional_ids: Vec<String>,
    pub group_ids: Vec<String>,
}

use super::limits;
/// The most records a scenario may create (measured bytes per record: `limits`).
pub use super::limits::MAX_RECORDS;

/// Reads a scenario file's text as written, before validation: the one reader for the runner,
/// the editor and an opened file, so they accept the same files. A UTF-8 byte order mark is
/// skipped; a file over `limits::MAX_FILE_BYTES` is refused before it is parsed; a JSON error
/// names the key it is in ("`cluster.brokers`: invalid value: integer `300`, expected a whole number 0 to 255 …"; `Scenario::from_json` prefixes "scenario file: ").
pub fn parse_file(text: &str) -> Result<ScenarioFile, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() > limits::MAX_FILE_BYTES {
        return Err(format!(
            "the file is {} bytes; at most {}",
            text.len(),
            limits::MAX_FILE_BYTES
        ));
    }
    // The top level is an object: say so plainly (serde would read an array as the fields in
    // order, "`[0]`: invalid type: integer `1`, expected a string").
    let not = match text.trim_start().chars().next() {
        None => Some("an empty text"),
        Some('[') => Some("an array"),
        Some('"') => Some("a string"),
        Some(c) if c == '-' || c.is_ascii_digit() => Some("a number"),
        _ => None,
    };
    if let Some(not) = not {
        return Err(format!(
            "a scenario file is a JSON object, {{\"format\": \"eoscope/scenario@1\", …}}, not {}",
            not
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        let what = e
            .to_string()
            .replace(
                "expected struct ScenarioFile",
                "expected a scenario file (a JSON object)",
            )
            .replace("expected u8", "expected a whole number 0 to 255")
            .replace("expected u32", "expected a whole number 0 to 4294967295")
            .replace(
                "expected u64",
                "expected a whole number 0 to 18446744073709551615",
            );
        // A syntax error says so (serde's "expected value at line 1 column 1" alone doesn't).
        let what = match e.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                format!("not valid JSON: {}", what)
            }
            _ => what,
        };
        let key = key_at(text, e.line(), e.column());
        // A whole-number key with a validated range says that range, as the validator would.
        if let (Some(key), Some((_, lo, hi)), Some(value)) = (
            &key,
            key.as_deref().and_then(range_of),
            refused_number(&what),
        ) {
            return format!("`{}` must be {} to {}, not {}", key, lo, hi, value);
        }
        match key {
            Some(key) => format!("`{}`: {}", key, what),
            None => what,
        }
    })
}

/// The value serde refused for a whole-number field ("invalid value: integer `300`, expected a
/// whole number 0 to 255" → "300"; a string keeps its quotes), if that is what it refused.
fn refused_number(what: &str) -> Option<String> {
    if !what.contains("expected a whole number") {
        return None;
    }
    let (_, rest) = what.split_once(": ")?;
    if let Some((_, v)) = rest.split_once('`') {
        return v.split_once('`').map(|(v, _)| v.to_string());
    }
    // "invalid type: string \"two\", expected …", "invalid type: boolean `true`", "null"…
    let (kind, _) = rest.split_once(", expected")?;
    Some(kind.trim_start_matches("string ").to_string())
}

/// The key path (`producers[0].script[2].send.records`) at a line and column of JSON text.
fn key_at(text: &str, line: usize, column: usize) -> Option<String> {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let end = (start + column).min(text.len());
    // Each open container: an object's current key, or an array's index.
    let mut path: Vec<(Option<String>, Option<usize>)> = Vec::new();
    let mut string: Option<String> = None;
    let mut last = String::new();
    let mut escaped = false;
    for c in text.get(..end)?.chars() {
        if let Some(s) = string.as_mut() {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => last = string.take().unwrap_or_default(),
                _ if s.len() < 200 => s.push(c),
                _ => {}
            }
            continue;
        }
        match c {
            '"' => string = Some(String::new()),
            '{' => path.push((None, None)),
            '[' => path.push((None, Some(0))),
            '}' | ']' => {
                path.pop();
            }
            ':' => {
                if let Some(top) = path.last_mut() {
                    top.0 = Some(std::mem::take(&mut last));
                }
            }
            ',' => match path.last_mut() {
                Some((_, Some(i))) => *i += 1,
                Some((k, None)) => *k = None,
                None => {}
            },
            _ => {}
        }
    }
    let mut out = String::new();
    for (key, index) in &path {
        match (key, index) {
            (_, Some(i)) => out.push_str(&format!("[{}]", i)),
            (Some(k), None) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&truncate(k));
            }
            (None, None) => {}
        }
    }
    (!out.is_empty()).then_some(out)
}

impl Scenario {
    /// Parses and validates a scenario file.
    pub fn from_json(text: &str) -> Result<Scenario, String> {
        let file = parse_file(text).map_err(|e| format!("scenario file: {}", e))?;
        Scenario::from_file(&file)
    }

    pub fn from_file(f: &ScenarioFile) -> Result<Scenario, String> {
        if f.format != FORMAT {
            return Err(format!(
                "`format` must be \"{}\", not \"{}\"",
                FORMAT,
                truncate(&f.format)
            ));
        }
        if !f.title.contains_key("en") {
            return Err("`title` needs an \"en\" entry".into());
        }
        check_texts(f)?;
        let version = KafkaVersion::parse(&f.version).map_err(|e| format!("`version`: {}", e))?;
        let c = &f.cluster;
        checked("cluster.brokers", c.brokers.into())?;
        checked("cluster.partitions", c.partitions.into())?;
        checked("cluster.output.partitions", c.output_partitions.into())?;
        if c.replication_factor == 0 || c.replication_factor > c.brokers {
            return Err(format!(
                "`cluster.replication.factor` must be 1 to the number of brokers ({}), not {}",
                c.brokers, c.replication_factor
            ));
        }
        if c.min_insync_replicas == 0 || c.min_insync_replicas > c.replication_factor {
            return Err(format!(
                "`cluster.min.insync.replicas` must be 1 to `replication.factor` ({}), not {}",
                c.replication_factor, c.min_insync_replicas
            ));
        }
        checked("cluster.replica.lag.time.max.ms", c.replica_lag_time_max_ms)?;
        checked(
            "cluster.replica.fetch.wait.max.ms",
            c.replica_fetch_wait_max_ms,
        )?;
        checked("cluster.network.latency.ms", c.latency_ms)?;
        checked("cluster.network.jitter.ms", c.jitter_ms)?;
        checked("limits.max_steps", f.limits.max_steps)?;
        checked("limits.max_ticks", f.limits.max_ticks)?;
        let transaction_partition_verification =
            match (c.transaction_partition_verification_enable, version.has_transaction_verification()) {
                (Some(true), false) => {
                    return Err(format!(
                        "`cluster.transaction.partition.verification.enable` does not exist before Kafka 3.6 (version {})",
                        version.name()
                    ))
                }
                (Some(v), _) => v,
                (None, default) => default,
            };
        // `kafka-features.sh`/`kafka-storage.sh format --feature eligible.leader.replicas.version=N`:
        // levels 0 and 1 (`EligibleLeaderReplicasVersion.fromFeatureLevel`); 4.0+ only.
        let eligible_leader_replicas = match c.eligible_leader_replicas_version {
            Some(n) if n > 1 => {
                return Err(format!(
                    "`cluster.eligible.leader.replicas.version` must be 0 or 1, not {}",
                    n
                ))
            }
            Some(1) if !version.has_eligible_leader_replicas() => {
                return Err(format!(
                    "`cluster.eligible.leader.replicas.version` does not exist before Kafka 4.0 (version {}): eligible leader replicas (KIP-966) arrived in 4.0",
                    version.name()
                ))
            }
            Some(n) => n == 1,
            None => version.default_eligible_leader_replicas_version() == 1,
        };
        let broker = broker_settings(c, version)?;
        at_most("producers", f.producers.len() as u64, 4)?;
        at_most("consumers", f.consumers.len() as u64, 4)?;
        at_most(
            "schedule",
            f.schedule.len() as u64,
            limits::MAX_SCHEDULE_ENTRIES as u64,
        )?;
        let mut transactional_ids: Vec<String> = Vec::new();
        let mut producers = Vec::new();
        // Sums that only saturate: no file can overflow them.
        let mut records: u64 = 0;
        let mut batches: u64 = 0;
        for (i, p) in f.producers.iter().enumerate() {
            let cfg = config::producer_config(&p.config, version)
                .map_err(|e| format!("producer-{}: {}", i, e))?;
            if let Some(t) = &cfg.transactional_id {
                if !transactional_ids.contains(t) {
                    transactional_ids.push(t.clone());
                }
            }
            if p.script.len() > limits::MAX_SCRIPT_STEPS {
                return Err(format!(
                    "`producers[{}].script` holds {} steps; at most {}",
                    i,
                    p.script.len(),
                    limits::MAX_SCRIPT_STEPS
                ));
            }
            for (j, op) in p.script.iter().enumerate() {
                check_raw_op(op, c, &mut transactional_ids)
                    .map_err(|e| format!("producer-{} script step {}: {}", i, j, e))?;
                if let Op::RawProduce(r) = op {
                    records += r.records as u64;
                }
                if let Op::Send(s) = op {
                    let at = |key: &str| format!("producers[{}].script[{}].send.{}", i, j, key);
                    if s.partition >= c.partitions {
                        return Err(format!(
                            "`{}` must be 0 to {} (the topic has {} partitions), not {}",
                            at("partition"),
                            c.partitions - 1,
                            c.partitions,
                            s.partition
                        ));
                    }
                    checked(&at("records"), s.records.into())?;
                    checked(&at("batches"), s.batches.into())?;
                    batches = batches.saturating_add(s.batches as u64);
                    records = records.saturating_add(s.records as u64 * s.batches as u64);
                    if records > MAX_RECORDS {
                        return Err(format!(
                            "`{}`: the scripts send more than {} records in all (`records` × `batches`, summed over every send)",
                            at("batches"),
                            MAX_RECORDS
                        ));
                    }
                    if batches > limits::MAX_BATCHES {
                        return Err(format!(
                            "`{}`: the scripts send more than {} batches in all (summed over every send)",
                            at("batches"),
                            limits::MAX_BATCHES
                        ));
                    }
                }
                let transactional_op = matches!(
                    op,
                    Op::InitTransactions {} | Op::Begin {} | Op::Commit {} | Op::Abort {}
                );
                if transactional_op && cfg.transactional_id.is_none() {
                    return Err(format!(
                        "`producers[{}].script[{}]`: transactions need a `transactional.id` in `producers[{}].config`",
                        i, j, i
                    ));
                }
            }
            if let Some(e) = p.initial_epoch {
                if cfg.transactional_id.is_none() {
                    return Err(format!(
                        "producer-{}: `initial_epoch` needs a `transactional.id` (an idempotent producer always starts at epoch 0)",
                        i
                    ));
                }
                if !(1..=i16::MAX - 1).contains(&e) {
                    return Err(format!(
                        "producer-{}: `initial_epoch` must be 1 to 32766, not {}",
                        i, e
                    ));
                }
            }
            producers.push((cfg, p.script.clone()));
        }
        let mut group_ids: Vec<String> = Vec::new();
        let mut consumers = Vec::new();
        for (i, cs) in f.consumers.iter().enumerate() {
            let cfg = config::consumer_config_for(&cs.config, version)
                .map_err(|e| format!("consumer-{}: {}", i, e))?;
            if !group_ids.contains(&cfg.group_id) {
                group_ids.push(cfg.group_id.clone());
            }
            let mode = match &cs.commit {
                Some(m) => CommitMode::parse(m).map_err(|e| format!("consumer-{}: {}", i, e))?,
                None if cfg.enable_auto_commit => CommitMode::Auto,
                None => CommitMode::AfterProcessing,
            };
            if mode == CommitMode::Auto && !cfg.enable_auto_commit {
                return Err(format!(
                    "consumer-{}: `consumers[{}].commit` `auto` needs `enable.auto.commit` true",
                    i, i
                ));
            }
            if mode != CommitMode::Auto
                && cfg.enable_auto_commit
                && cs.config.contains_key("enable.auto.commit")
            {
                return Err(format!(
                    "consumer-{}: `consumers[{}].commit` `{:?}` needs `enable.auto.commit` false",
                    i, i, mode
                ));
            }
            let output = match (&cs.output, mode) {
                (Some(raw), CommitMode::Transactional) => {
                    let pc = config::producer_config(raw, version)
                        .map_err(|e| format!("consumer-{} output: {}", i, e))?;
                    let Some(t) = &pc.transactional_id else {
                        return Err(format!("consumer-{} output: consume–transform–produce needs a `transactional.id`", i));
                    };
                    if !transactional_ids.contains(t) {
                        transactional_ids.push(t.clone());
                    }
                    Some(pc)
                }
                (None, CommitMode::Transactional) => {
                    return Err(format!(
                    "consumer-{}: commit mode `transactional` needs an `output` producer config",
                    i
                ))
                }
                (Some(_), _) => {
                    return Err(format!(
                        "consumer-{}: `output` is only used with commit mode `transactional`",
                        i
                    ))
                }
                (None, _) => None,
            };
            let sink = match &cs.sink {
                None => None,
                Some(s) => Some(SinkSetup {
                    idempotent: s.idempotent,
                    key_is_record: match s.key.as_deref() {
                        None | Some("topic-partition-offset") => false,
                        Some("record") => true,
                        Some(other) => return Err(format!("consumer-{}: sink `key` must be \"topic-partition-offset\" or \"record\", not \"{}\"", i, truncate(other))),
                    },
                }),
            };
            let mut cfg = cfg;
            if mode != CommitMode::Auto {
                cfg.enable_auto_commit = false;
            }
            let start_at = cs.start_at.unwrap_or(0);
            if start_at > f.limits.max_ticks {
                return Err(format!(
                    "consumer-{}: `start_at` {} is after `limits.max_ticks` ({})",
                    i, start_at, f.limits.max_ticks
                ));
            }
            if !cs.abort_transactions.is_empty() && mode != CommitMode::Transactional {
                return Err(format!(
                    "consumer-{}: `abort_transactions` needs commit mode `transactional`",
                    i
                ));
            }
            if cs.abort_transactions.contains(&0) {
                return Err(format!(
                    "consumer-{}: `abort_transactions` counts transactions from 1",
                    i
                ));
            }
            let processing_ms = cs.processing_ms.unwrap_or(0);
            checked(&format!("consumers[{}].processing_ms", i), processing_ms)?;
            consumers.push(ConsumerSetup {
                cfg,
                mode,
                sink,
                output,
                start_at,
                abort_transactions: cs.abort_transactions.clone(),
                processing_ms,
            });
        }
        let nodes = Nodes {
            brokers: c.brokers,
            producers: producers.len() as u8,
            consumers: consumers.len() as u8,
        };
        let schedule = f
            .schedule
            .iter()
            .enumerate()
            .map(|(i, s)| parse_entry(s, &nodes).map_err(|e| format!("schedule[{}]: {}", i, e)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut expect = BTreeMap::new();
        for (k, v) in &f.expect {
            if super::checker::Property::parse(k).is_none() {
                return Err(format!(
                    "`expect`: unknown property `{}`; allowed: {}",
                    truncate(k),
                    super::checker::Property::ALL
                        .iter()
                        .map(|p| p.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            let pass = match v.as_str() {
                "pass" => true,
                "fail" => false,
                other => {
                    return Err(format!(
                        "`expect.{}` must be \"pass\" or \"fail\", not \"{}\"",
                        k,
                        truncate(other)
                    ))
                }
            };
            expect.insert(k.clone(), pass);
        }
        check_story(f)?;
        Ok(Scenario {
            id: f.id.clone(),
            title: f.title.clone(),
            version,
            seed: f.seed,
            brokers: c.brokers,
            partitions: c.partitions,
            output_partitions: c.output_partitions,
            latency_ms: c.latency_ms,
            jitter_ms: c.jitter_ms,
            replication_factor: c.replication_factor,
            replication: super::vocabulary::ReplicationConfig {
                min_insync_replicas: c.min_insync_replicas,
                replica_lag_time_max_ms: c.replica_lag_time_max_ms,
                replica_fetch_wait_max_ms: c.replica_fetch_wait_max_ms,
                hw_holds_below_min_isr: version.hw_holds_below_min_isr(),
            },
            unclean_leader_election_enable: c.unclean_leader_election_enable,
            transaction_partition_verification,
            eligible_leader_replicas,
            broker,
            producers,
            consumers,
            producer_raw: f.producers.iter().map(|p| p.config.clone()).collect(),
            consumer_raw: f.consumers.iter().map(|c| c.config.clone()).collect(),
            schedule,
            expect,
            max_steps: f.limits.max_steps,
            max_ticks: f.limits.max_ticks,
            initial_epochs: f.producers.iter().map(|p| p.initial_epoch).collect(),
            transactional_ids,
            group_ids,
        })
    }
}

/// A raw step's partitions, node and ids must exist; its `transactional.id` joins the table.
fn check_raw_op(op: &Op, c: &ClusterSpec, txn_ids: &mut Vec<String>) -> Result<(), String> {
    let partition = |p: u8| {
        if p >= c.partitions {
            Err(format!(
                "partition {} does not exist (the topic has {})",
                p, c.partitions
            ))
        } else {
            Ok(())
        }
    };
    let mut txn = |t: &str| {
        if t.is_empty() {
            return Err("`transactional_id` must not be empty".to_string());
        }
        if !txn_ids.iter().any(|x| x == t) {
            txn_ids.push(t.to_string());
        }
        Ok(())
    };
    match op {
        Op::RawProduce(r) => {
            partition(r.partition)?;
            if r.records == 0 || r.records > 10_000 {
                return Err("`raw_produce.records` must be 1 to 10000".into());
            }
            if r.base_sequence < -1 {
                return Err("`raw_produce.base_sequence` must be -1 (none) to 2147483647".into());
            }
            if r.transaction_version.is_some_and(|v| !(1..=2).contains(&v)) {
                return Err("`raw_produce.transaction_version` must be 1 or 2".into());
            }
            match (&r.transactional_id, r.transactional) {
                (Some(t), _) => txn(t)?,
                (None, true) => {
                    return Err("`raw_produce` with `transactional: true` needs a `transactional_id` (a transactional Produce carries it)".into())
                }
                (None, false) => {}
            }
        }
        Op::RawAddPartitionsToTxn(r) => {
            txn(&r.transactional_id)?;
            if r.partitions.is_empty() {
                return Err(
                    "`raw_add_partitions_to_txn.partitions` must name at least one partition"
                        .into(),
                );
            }
            r.partitions.iter().try_for_each(|p| partition(*p))?;
        }
        Op::RawEndTxn(r) => txn(&r.transactional_id)?,
        Op::RawWriteTxnMarkers(r) => {
            if r.partitions.is_empty() {
                return Err(
                    "`raw_write_txn_markers.partitions` must name at least one partition".into(),
                );
            }
            r.partitions.iter().try_for_each(|p| partition(*p))?;
            if !(1..=2).contains(&r.transaction_version) {
                return Err("`raw_write_txn_markers.transaction_version` must be 1 or 2".into());
            }
            if let Some(to) = &r.to {
                match NodeId::parse(to) {
                    Some(NodeId::Broker(b)) if b < c.brokers => {}
                    _ => {
                        return Err(format!(
                            "`raw_write_txn_markers.to`: `{}` is not a broker of this scenario (broker-0 to broker-{})",
                            truncate(to),
                            c.brokers - 1
                        ))
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The broker settings of `cluster`, each checked against Kafka's range for it (`KafkaConfig`).
fn broker_settings(
    c: &ClusterSpec,
    version: KafkaVersion,
) -> Result<super::topology::BrokerSettings, String> {
    let mut b = super::topology::BrokerSettings::default();
    let check = |key: &str, v: Option<u64>| -> Result<Option<u64>, String> {
        match v {
            Some(x) if x == 0 || x > i32::MAX as u64 => Err(format!(
                "`cluster.{}` must be 1 to {}, not {}",
                key,
                i32::MAX,
                x
            )),
            v => Ok(v),
        }
    };
    if let Some(v) = check("transaction.max.timeout.ms", c.transaction_max_timeout_ms)? {
        b.transaction_max_timeout_ms = v;
    }
    // KafkaConfig@3.4.0 (KIP-854): producer.id.expiration.ms is new in 3.4; before, the leader
    // expired producer ids after transactional.id.expiration.ms.
    if c.producer_id_expiration_ms.is_some() && !version.at_least(KafkaVersion::V3_5) {
        return Err(format!(
            "`cluster.producer.id.expiration.ms` does not exist before Kafka 3.4 (version {}): producer ids expire after `transactional.id.expiration.ms`",
            version.name()
        ));
    }
    b.transactional_id_expiration_ms = check(
        "transactional.id.expiration.ms",
        c.transactional_id_expiration_ms,
    )?;
    b.producer_id_expiration_ms = check("producer.id.expiration.ms", c.producer_id_expiration_ms)?;
    if !version.at_least(KafkaVersion::V3_5) {
        b.producer_id_expiration_ms = b.transactional_id_expiration_ms;
    }
    if let Some(v) = check(
        "producer.id.expiration.check.interval.ms",
        c.producer_id_expiration_check_interval_ms,
    )? {
        b.producer_id_expiration_check_interval_ms = v;
    }
    if let Some(v) = check(
        "transaction.remove.expired.transaction.cleanup.interval.ms",
        c.transactional_id_cleanup_interval_ms,
    )? {
        b.transactional_id_cleanup_interval_ms = v;
    }
    Ok(b)
}

/// Knobs must be settings side by side can flip, and a beat's variants may only name knobs.
fn check_story(f: &ScenarioFile) -> Result<(), String> {
    const MAX_KNOBS: usize = 4;
    if f.knobs.len() > MAX_KNOBS {
        return Err(format!(
            "`knobs` holds at most {} settings, not {}",
            MAX_KNOBS,
            f.knobs.len()
        ));
    }
    for (i, k) in f.knobs.iter().enumerate() {
        if !super::vocabulary::FLIPS.contains(&k.as_str()) {
            return Err(format!(
                "`knobs[{}]`: `{}` is not a setting a reader can flip (one of {})",
                i,
                truncate(k),
                super::vocabulary::FLIPS.join(", ")
            ));
        }
        if f.knobs[..i].contains(k) {
            return Err(format!("`knobs[{}]`: `{}` is listed twice", i, truncate(k)));
        }
    }
    for (b, beat) in f.beats.iter().enumerate() {
        for (v, variant) in beat.variants.iter().enumerate() {
            if variant.when.is_empty() {
                return Err(format!("`beats[{}].variants[{}].when` is empty", b, v));
            }
            if let Some(k) = variant.when.keys().find(|k| !f.knobs.contains(k)) {
                return Err(format!(
                    "`beats[{}].variants[{}].when`: `{}` is not one of the scenario's `knobs`",
                    b,
                    v,
                    truncate(k)
                ));
            }
        }
    }
    Ok(())
}

/// "`key` must be LO to HI, not V".
/// Prefixes an error with the field it is about: "`crash`: `producer-9` does not exist…".
fn field<T>(key: &str, r: Result<T, String>) -> Result<T, String> {
    r.map_err(
        |e| match e.strip_prefix('`').and_then(|r| r.split_once("`: ")) {
            Some((inner, tail)) if !inner.contains(['-', ' ']) => {
                format!("`{}.{}`: {}", key, inner, tail)
            }
            _ => format!("`{}`: {}", key, e),
        },
    )
}

fn at_most(key: &str, n: u64, max: u64) -> Result<(), String> {
    if n <= max {
        Ok(())
    } else {
        Err(format!(
            "`{}` holds at most {} entries, not {}",
            key, max, n
        ))
    }
}

fn in_range(key: &str, v: u64, lo: u64, hi: u64) -> Result<(), String> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(format!("`{}` must be {} to {}, not {}", key, lo, hi, v))
    }
}

/// The range each whole-number key accepts, in one place: the validator checks a value against
/// it, and a value serde refuses before (negative, fractional, text, beyond the field's type)
/// is reported with the same range rather than the type's ("0 to 255"). A key is matched by its
/// path without array indices, or by its end (`send.records` anywhere in a script).
const RANGES: &[(&str, u64, u64)] = &[
    ("cluster.brokers", 1, 3),
    ("cluster.partitions", 1, 8),
    ("cluster.output.partitions", 1, 8),
    // At most the number of brokers, and `replication.factor` (checked with the file's values).
    ("cluster.replication.factor", 1, 3),
    ("cluster.min.insync.replicas", 1, 3),
    ("cluster.replica.lag.time.max.ms", 1, 3_600_000),
    ("cluster.replica.fetch.wait.max.ms", 0, 60_000),
    ("cluster.network.latency.ms", 0, 60_000),
    ("cluster.network.jitter.ms", 0, 60_000),
    ("limits.max_steps", 1, limits::MAX_STEPS),
    ("limits.max_ticks", 1, limits::MAX_TICKS),
    ("send.records", 1, 10_000),
    ("send.batches", 1, limits::MAX_BATCHES),
    ("delay.ms", 0, 3_600_000),
    ("pause.ms", 1, 3_600_000),
    ("drop_rate.per_mille", 0, 1000),
    ("processing_ms", 0, 3_600_000),
];

/// The validated range of the key at `path` (`producers[0].script[2].send.records`), if it has
/// one in `RANGES`.
fn range_of(path: &str) -> Option<(&'static str, u64, u64)> {
    let mut bare = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => in_index = true,
            ']' => in_index = false,
            c if !in_index => bare.push(c),
            _ => {}
        }
    }
    RANGES.iter().copied().find(|(k, _, _)| {
        bare == *k || bare.strip_suffix(k).is_some_and(|head| head.ends_with('.'))
    })
}

/// `key`'s value checked against its range in `RANGES`.
fn checked(key: &str, v: u64) -> Result<(), String> {
    match range_of(key) {
        Some((_, lo, hi)) => in_range(key, v, lo, hi),
        None => Ok(()),
    }
}

/// Text a reader sees is capped at parse time: a title or a beat's title at
/// `limits::MAX_TITLE_CHARS` characters, a description, narration or note at `MAX_TEXT_CHARS`.
fn check_texts(f: &ScenarioFile) -> Result<(), String> {
    fn each(key: &str, text: &Localized, max: usize) -> Result<(), String> {
        for (lang, t) in text {
            let n = t.chars().count();
            if n > max {
                return Err(format!(
                    "`{}.{}` is {} characters; at most {}",
                    key,
                    truncate(lang),
                    n,
                    max
                ));
            }
        }
        Ok(())
    }
    let id_chars = f.id.chars().count();
    if id_chars > 100 {
        return Err(format!("`id` is {} characters; at most 100", id_chars));
    }
    each("title", &f.title, limits::MAX_TITLE_CHARS)?;
    each("description", &f.description, limits::MAX_TEXT_CHARS)?;
    at_most("beats", f.beats.len() as u64, limits::MAX_BEATS as u64)?;
    for (b, beat) in f.beats.iter().enumerate() {
        each(
            &format!("beats[{}].title", b),
            &beat.title,
            limits::MAX_TITLE_CHARS,
        )?;
        each(
            &format!("beats[{}].narration", b),
            &beat.narration,
            limits::MAX_TEXT_CHARS,
        )?;
        at_most(
            &format!("beats[{}].highlight", b),
            beat.highlight.len() as u64,
            limits::MAX_HIGHLIGHTS as u64,
        )?;
        at_most(
            &format!("beats[{}].variants", b),
            beat.variants.len() as u64,
            8,
        )?;
        for (v, variant) in beat.variants.iter().enumerate() {
            let at = format!("beats[{}].variants[{}]", b, v);
            each(
                &format!("{}.title", at),
                &variant.title,
                limits::MAX_TITLE_CHARS,
            )?;
            each(
                &format!("{}.narration", at),
                &variant.narration,
                limits::MAX_TEXT_CHARS,
            )?;
            let highlights = variant.highlight.as_ref().map_or(0, Vec::len) as u64;
            at_most(
                &format!("{}.highlight", at),
                highlights,
                limits::MAX_HIGHLIGHTS as u64,
            )?;
        }
    }
    for (i, s) in f.schedule.iter().enumerate() {
        let n = s.note.as_deref().map_or(0, |t| t.chars().count());
        if n > limits::MAX_TEXT_CHARS {
            return Err(format!(
                "`schedule[{}].note` is {} characters; at most {}",
                i,
                n,
                limits::MAX_TEXT_CHARS
            ));
        }
    }
    Ok(())
}

fn truncate(s: &str) -> String {
    config::short(&serde_json::Value::String(s.to_string()))
        .trim_matches('"')
        .to_string()
}

fn node(s: &str, nodes: &Nodes) -> Result<NodeId, String> {
    let n = NodeId::parse(s).ok_or_else(|| {
        format!(
            "`{}` is not a node; write producer-N, broker-N or consumer-N",
            truncate(s)
        )
    })?;
    nodes.check(n)?;
    Ok(n)
}

/// The nodes of a scenario, to refuse a name that is none of them.
#[derive(Clone, Copy, Debug)]
pub struct Nodes {
    pub brokers: u8,
    pub producers: u8,
    pub consumers: u8,
}

impl Nodes {
    pub fn of(s: &Scenario) -> Nodes {
        Nodes {
            brokers: s.brokers,
            producers: s.producers.len() as u8,
            consumers: s.consumers.len() as u8,
        }
    }

    /// `Err` names the node and the ones that exist: "`producer-9` does not exist in this
    /// scenario (producer-0 to producer-1)".
    pub fn check(&self, n: NodeId) -> Result<(), String> {
        let (kind, i, count) = match n {
            NodeId::Broker(i) => ("broker", i, self.brokers),
            NodeId::Producer(i) => ("producer", i, self.producers),
            NodeId::Consumer(i) => ("consumer", i, self.consumers),
        };
        match count {
            _ if i < count => Ok(()),
            0 => Err(format!(
                "`{}-{}` does not exist in this scenario (it has no {}s)",
                kind, i, kind
            )),
            _ => Err(format!(
                "`{}-{}` does not exist in this scenario ({}-0 to {}-{})",
                kind,
                i,
                kind,
                kind,
                count - 1
            )),
        }
    }
}

fn message_match(m: &MatchSpec, nodes: &Nodes) -> Result<MessageMatch, String> {
    let kind = match &m.kind {
        None => None,
        Some(k) => Some(MessageKind::parse(k).ok_or_else(|| {
            format!(
                "unknown message kind `{}`; allowed: {}",
                truncate(k),
                MessageKind::ALL
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?),
    };
    let nth = m.nth.unwrap_or(1);
    if nth == 0 {
        return Err(format!("`nth` must be 1 to {}, not 0", u32::MAX));
    }
    Ok(MessageMatch {
        kind,
        from: m
            .from
            .as_deref()
            .map(|s| node(s, nodes))
            .transpose()
            .map_err(|e| format!("`from`: {}", e))?,
        to: m
            .to
            .as_deref()
            .map(|s| node(s, nodes))
            .transpose()
            .map_err(|e| format!("`to`: {}", e))?,
        nth,
    })
}

fn pair(p: &[String; 2], nodes: &Nodes) -> Result<(NodeId, NodeId), String> {
    Ok((node(&p[0], nodes)?, node(&p[1], nodes)?))
}

fn parse_entry(s: &ScheduleSpec, nodes: &Nodes) -> Result<ScheduleEntry, String> {
    let mut actions = Vec::new();
    if let Some(m) = &s.drop {
        actions.push(FaultAction::Drop(field("drop", message_match(m, nodes))?));
    }
    if let Some(m) = &s.duplicate {
        actions.push(FaultAction::Duplicate(field(
            "duplicate",
            message_match(m, nodes),
        )?));
    }
    if let Some(d) = &s.delay {
        checked("delay.ms", d.ms)?;
        actions.push(FaultAction::Delay(
            field("delay", message_match(&d.what, nodes))?,
            d.ms,
        ));
    }
    if let Some(n) = &s.crash {
        actions.push(FaultAction::Crash(field("crash", node(n, nodes))?));
    }
    if let Some(n) = &s.restart {
        actions.push(FaultAction::Restart(field("restart", node(n, nodes))?));
    }
    if let Some(p) = &s.partition {
        let (a, b) = field("partition", pair(p, nodes))?;
        actions.push(FaultAction::Partition(a, b));
    }
    if let Some(p) = &s.heal {
        let (a, b) = field("heal", pair(p, nodes))?;
        actions.push(FaultAction::Heal(a, b));
    }
    if let Some(p) = &s.hold {
        let (a, b) = field("hold", pair(p, nodes))?;
        actions.push(FaultAction::Hold(a, b));
    }
    if let Some(p) = &s.release {
        let (a, b) = field("release", pair(p, nodes))?;
        actions.push(FaultAction::Release(a, b));
    }
    if let Some(r) = &s.drop_rate {
        checked("drop_rate.per_mille", r.per_mille.into())?;
        actions.push(FaultAction::DropRate {
            from: field(
                "drop_rate.from",
                r.from.as_deref().map(|x| node(x, nodes)).transpose(),
            )?,
            to: field(
                "drop_rate.to",
                r.to.as_deref().map(|x| node(x, nodes)).transpose(),
            )?,
            per_mille: r.per_mille,
        });
    }
    if let Some(set) = &s.set {
        let n = field("set.node", node(&set.node, nodes))?;
        let keys = match n {
            NodeId::Producer(_) => (config::PRODUCER_KEYS, "producer"),
            NodeId::Consumer(_) => (config::CONSUMER_KEYS, "consumer"),
            NodeId::Broker(_) => {
                return Err(format!(
                    "`set.node` changes a client's settings; `{}` is a broker",
                    n
                ))
            }
        };
        field(
            "set.config",
            config::check_keys(&set.config, keys.0, keys.1),
        )?;
        actions.push(FaultAction::SetConfig {
            node: n,
            config: set.config.clone(),
        });
    }
    if let Some(p) = &s.pause {
        let n = field("pause.node", node(&p.node, nodes))?;
        if !matches!(n, NodeId::Consumer(_)) {
            return Err("`pause` holds a consumer application; name a consumer-N".into());
        }
        checked("pause.ms", p.ms)?;
        actions.push(FaultAction::Pause(n, p.ms));
    }
    if let Some(i) = &s.inject {
        let m = message_match(&i.what, nodes)?;
        if m.kind.is_none_or(|k| k.is_response()) {
            return Err(
                "`inject.kind` must name a request kind (a broker answers it), e.g. ProduceRequest"
                    .into(),
            );
        }
        if m.to.is_some_and(|t| !matches!(t, NodeId::Broker(_))) {
            return Err("`inject.to` must be a broker-N: brokers answer requests".into());
        }
        let error = super::errors::Errors::INJECTABLE
            .iter()
            .copied()
            .find(|e| e.name() == i.error)
            .ok_or_else(|| {
                format!(
                    "`inject.error`: unknown error `{}`; allowed: {}",
                    truncate(&i.error),
                    super::errors::Errors::INJECTABLE
                        .iter()
                        .map(|e| e.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        actions.push(FaultAction::Inject(m, error));
    }
    if actions.len() != 1 {
        return Err(format!(
            "each entry needs exactly one action (drop, duplicate, delay, crash, restart, partition, heal, hold, release, drop_rate, set, pause, inject); found {}",
            actions.len()
        ));
    }
    let action = actions.remove(0);
    let message_fault = match &action {
        FaultAction::Drop(m)
        | FaultAction::Duplicate(m)
        | FaultAction::Delay(m, _)
        | FaultAction::Inject(m, _) => Some(*m),
        _ => None,
    };
    let trigger = match (message_fault, &s.on, s.at) {
        (Some(m), None, at) => Trigger::OnSend {
            what: m,
            after: at.unwrap_or(0),
        },
        (Some(_), Some(_), _) => {
            return Err("`on` is for crashes; a message fault already names its message".into())
        }
        (None, Some(on), at) => {
            if !matches!(action, FaultAction::Crash(_)) {
                return Err(
                    "`on` (at the moment a message is sent) only applies to `crash`".into(),
                );
            }
            Trigger::OnSend {
                what: field("on", message_match(on, nodes))?,
                after: at.unwrap_or(0),
            }
        }
        (None, None, Some(at)) => Trigger::At(at),
        (None, None, None) => {
            return Err("needs `at` (a tick) or, for a crash, `on` (a message)".into())
        }
    };
    Ok(ScheduleEntry {
        trigger,
        action,
        note: s.note.clone(),
    })
}
