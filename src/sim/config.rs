//! Settings by Kafka's own config keys, Kafka's validation of them, and version presets
//! (`../shared/KAFKA_EOS.md` §A1 and §C).

use super::log::LogRules;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A Kafka version the model can behave as. Named by exact version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum KafkaVersion {
    /// 2.4: the seed post's era. Idempotence off and `acks=1` by default; brokers answer
    /// `UNKNOWN_PRODUCER_ID` to a producer they have no state for; stale epochs are `PRODUCER_FENCED`.
    #[serde(rename = "2.4")]
    V2_4,
    /// 3.5: the last release without transaction verification (KIP-890 part 1 is on by default
    /// from 3.6): a late produce can open a transaction the coordinator knows nothing of.
    #[serde(rename = "3.5")]
    V3_5,
    /// 3.9: idempotence on and `acks=all` by default (3.0+, KAFKA-13598 fixed in 3.2); KIP-360 broker
    /// and client rules; transactions v1.
    #[serde(rename = "3.9")]
    V3_9,
    /// 4.0: transactions v2 (KIP-890 part 2) by default: no AddPartitionsToTxn from the client,
    /// the epoch goes up at every EndTxn; `max.in.flight.requests.per.connection` > 5 with
    /// idempotence is a ConfigException. Modelled as 4.0.1+ (KAFKA-19367's single bump).
    /// Simplification: `linger.ms` (default 5 since KIP-1030) has no counterpart (a send step is
    /// one batch), and KIP-939's `transaction.two.phase.commit.enable` (unreleased API) is absent.
    #[serde(rename = "4.0")]
    V4_0,
    /// 4.1: KIP-1050 error classes; a lower epoch is refused before the coordinator round trip
    /// (KAFKA-18042); a TV2 producer with no state starts at sequence 0 (KAFKA-18202).
    #[serde(rename = "4.1")]
    V4_1,
    /// 4.2: KIP-1228: a TV2 marker needs an epoch above the partition's (KAFKA-19999).
    #[serde(rename = "4.2")]
    V4_2,
    /// 4.3: the newest release (4.3.1); the default for a new scenario.
    #[serde(rename = "4.3")]
    V4_3,
}

impl KafkaVersion {
    pub const ALL: [KafkaVersion; 7] = [
        KafkaVersion::V2_4,
        KafkaVersion::V3_5,
        KafkaVersion::V3_9,
        KafkaVersion::V4_0,
        KafkaVersion::V4_1,
        KafkaVersion::V4_2,
        KafkaVersion::V4_3,
    ];

    pub fn parse(s: &str) -> Result<KafkaVersion, String> {
        KafkaVersion::ALL
            .iter()
            .copied()
            .find(|v| v.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown version `{}`; allowed: {}",
                    s.chars().take(40).collect::<String>(),
                    KafkaVersion::ALL
                        .iter()
                        .map(|v| format!("`{}`", v.name()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }

    pub fn name(self) -> &'static str {
        match self {
            KafkaVersion::V2_4 => "2.4",
            KafkaVersion::V3_5 => "3.5",
            KafkaVersion::V3_9 => "3.9",
            KafkaVersion::V4_0 => "4.0",
            KafkaVersion::V4_1 => "4.1",
            KafkaVersion::V4_2 => "4.2",
            KafkaVersion::V4_3 => "4.3",
        }
    }

    /// The finalized `transaction.version` feature of a cluster on this release: 2 from 4.0
    /// (new 4.x clusters start at 2; `TransactionVersion.java`), 1 before.
    pub fn transaction_version(self) -> u8 {
        if self >= KafkaVersion::V4_0 {
            2
        } else {
            1
        }
    }

    /// Does this release have `transaction.partition.verification.enable`, and its default?
    /// 3.6+: yes, true (KIP-890 part 1; upgrade.html 3.6.0).
    pub fn has_transaction_verification(self) -> bool {
        self >= KafkaVersion::V3_9
    }

    /// Is this release at least `other`?
    pub fn at_least(self, other: KafkaVersion) -> bool {
        self >= other
    }

    /// The broker-side rules that differ by version (labels of `KAFKA_EOS.md` §C).
    pub fn log_rules(self) -> LogRules {
        match self {
            KafkaVersion::V2_4 => LogRules {
                unknown_producer_accepts_any_sequence: false,
                stale_epoch_is_invalid_producer_epoch: false,
            },
            _ => LogRules {
                unknown_producer_accepts_any_sequence: true,
                stale_epoch_is_invalid_producer_epoch: true,
            },
        }
    }

    /// The transactions-v2 rules of this release's brokers (§D1.14–15).
    pub fn txn_rules(self) -> super::log::TxnRules {
        super::log::TxnRules {
            tv2_stateless_needs_sequence_zero: self.at_least(KafkaVersion::V4_1),
            tv2_marker_needs_higher_epoch: self.at_least(KafkaVersion::V4_2),
        }
    }

    /// 3.7+ (KAFKA-15583): the high watermark does not advance while the ISR is below `min.insync.replicas`.
    pub fn hw_holds_below_min_isr(self) -> bool {
        self >= KafkaVersion::V3_9
    }

    /// Does this release have the `eligible.leader.replicas.version` feature (KIP-966 part 1)?
    /// 4.0+ (`EligibleLeaderReplicasVersion`; `docs/operations/eligible-leader-replicas.md`).
    pub fn has_eligible_leader_replicas(self) -> bool {
        self >= KafkaVersion::V4_0
    }

    /// The feature's level on a new cluster of this release: 0 on 4.0, 1 from 4.1 ("ELR is
    /// enabled by default on new clusters starting 4.1"; `ELRV_1` bootstraps with `IBP_4_1_IV0`).
    pub fn default_eligible_leader_replicas_version(self) -> u8 {
        u8::from(self >= KafkaVersion::V4_1)
    }

    /// 2.5+ (KIP-360): on a real sequence gap the idempotent client bumps its epoch locally;
    /// ≤2.4 it asks for a new producer id.
    pub fn client_bumps_epoch_locally(self) -> bool {
        self != KafkaVersion::V2_4
    }

    fn default_idempotence(self) -> bool {
        self != KafkaVersion::V2_4
    }

    fn default_acks(self) -> Acks {
        match self {
            KafkaVersion::V2_4 => Acks::Leader,
            _ => Acks::All,
        }
    }
}

/// The producer's `acks`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Acks {
    /// `acks=0`: no response; the offset is unknown and retries have no effect.
    #[serde(rename = "0")]
    None,
    /// `acks=1`: the leader answers after its own append.
    #[serde(rename = "1")]
    Leader,
    /// `acks=all` (`-1`): the leader answers when the high watermark passes the batch.
    #[serde(rename = "all")]
    All,
}

impl Acks {
    pub fn name(self) -> &'static str {
        match self {
            Acks::None => "0",
            Acks::Leader => "1",
            Acks::All => "all",
        }
    }
}

/// The consumer's `isolation.level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IsolationLevel {
    /// Reads up to the high watermark: everything, including aborted and open transactional data.
    ReadUncommitted,
    /// Reads up to the last stable offset, skipping aborted batches.
    ReadCommitted,
}

impl IsolationLevel {
    pub fn name(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "read_uncommitted",
            IsolationLevel::ReadCommitted => "read_committed",
        }
    }
}

/// A producer's resolved configuration.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ProducerConfig {
    pub enable_idempotence: bool,
    pub acks: Acks,
    pub retries: u32,
    pub max_in_flight: u32,
    pub request_timeout_ms: u64,
    pub retry_backoff_ms: u64,
    pub delivery_timeout_ms: u64,
    pub transactional_id: Option<String>,
    pub transaction_timeout_ms: u64,
    /// Why default idempotence was turned off, when it was (Kafka logs this as a warning).
    pub idempotence_note: Option<String>,
}

/// How the consumer application commits its offsets. Not a Kafka key: it names what the
/// application code does around `poll()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// `enable.auto.commit=true`: positions are committed every `auto.commit.interval.ms`.
    Auto,
    /// `commitSync()` after processing each poll's records: at-least-once.
    AfterProcessing,
    /// `commitSync()` before processing: at-most-once.
    BeforeProcessing,
    /// Consume–transform–produce: records go to the output topic and offsets are committed with
    /// `sendOffsetsToTransaction` in the same transaction: exactly-once.
    Transactional,
}

impl CommitMode {
    pub fn parse(s: &str) -> Result<CommitMode, String> {
        match s {
            "auto" => Ok(CommitMode::Auto),
            "after_processing" => Ok(CommitMode::AfterProcessing),
            "before_processing" => Ok(CommitMode::BeforeProcessing),
            "transactional" => Ok(CommitMode::Transactional),
            other => Err(format!(
                "unknown commit mode `{}`; allowed: `auto`, `after_processing`, `before_processing`, `transactional`",
                other
            )),
        }
    }
}

/// A consumer's resolved configuration.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ConsumerConfig {
    pub group_id: String,
    pub isolation_level: IsolationLevel,
    pub enable_auto_commit: bool,
    pub auto_commit_interval_ms: u64,
    pub max_poll_records: u32,
    pub fetch_max_wait_ms: u64,
    pub request_timeout_ms: u64,
    pub retry_backoff_ms: u64,
    /// `auto.offset.reset`: where a member starts on a partition with no committed offset.
    pub auto_offset_reset: AutoOffsetReset,
    /// `group.protocol`: `classic` (JoinGroup/SyncGroup) or `consumer` (KIP-848).
    pub group_protocol: GroupProtocol,
    /// `session.timeout.ms`: the coordinator removes a member it has not heard from for this long.
    pub session_timeout_ms: u64,
    /// `heartbeat.interval.ms`: how often the heartbeat thread reports to the coordinator.
    pub heartbeat_interval_ms: u64,
    /// `max.poll.interval.ms`: the longest the application may go between polls before the
    /// heartbeat thread leaves the group; also the rebalance timeout of JoinGroup.
    pub max_poll_interval_ms: u64,
    /// `group.instance.id` (KIP-345, default null): a static member, which keeps its partitions
    /// across a restart within `session.timeout.ms` and never sends LeaveGroup.
    pub group_instance_id: Option<String>,
}

/// The consumer's `group.protocol` (`GroupProtocol`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupProtocol {
    /// JoinGroup/SyncGroup/Heartbeat, generations, a client-side assignor (the default in every release).
    Classic,
    /// KIP-848 (GA in 4.0, a preview in 3.7–3.9): ConsumerGroupHeartbeat, member epochs, a
    /// server-side assignor, members reconciled one by one.
    Consumer,
}

/// The consumer's `auto.offset.reset` (`ConsumerConfig`, `OffsetResetStrategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoOffsetReset {
    /// Start at the end: the log end a `ListOffsets(LATEST)` answers (Kafka's default).
    Latest,
    /// Start at the log start offset.
    Earliest,
    /// No reset: `poll()` throws `NoOffsetForPartitionException`.
    None,
}

impl AutoOffsetReset {
    pub fn name(self) -> &'static str {
        match self {
            AutoOffsetReset::Latest => "latest",
            AutoOffsetReset::Earliest => "earliest",
            AutoOffsetReset::None => "none",
        }
    }
}

/// The broker's `group.min.session.timeout.ms` and `group.max.session.timeout.ms` defaults.
pub const GROUP_MIN_SESSION_TIMEOUT_MS: u64 = 6_000;
pub const GROUP_MAX_SESSION_TIMEOUT_MS: u64 = 1_800_000;

/// Every key a producer accepts, for validation and "did you mean".
pub const PRODUCER_KEYS: &[&str] = &[
    "enable.idempotence",
    "acks",
    "retries",
    "max.in.flight.requests.per.connection",
    "request.timeout.ms",
    "retry.backoff.ms",
    "delivery.timeout.ms",
    "transactional.id",
    "transaction.timeout.ms",
];

/// Every key a consumer accepts.
pub const CONSUMER_KEYS: &[&str] = &[
    "group.id",
    "isolation.level",
    "enable.auto.commit",
    "auto.commit.interval.ms",
    "max.poll.records",
    "fetch.max.wait.ms",
    "request.timeout.ms",
    "retry.backoff.ms",
    "auto.offset.reset",
    "group.protocol",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "max.poll.interval.ms",
    "group.instance.id",
];

/// The broker's `transaction.max.timeout.ms` default.
pub const TRANSACTION_MAX_TIMEOUT_MS: u64 = 900_000;

/// A raw settings map as it appears in a scenario file.
pub type RawConfig = BTreeMap<String, Value>;

pub(crate) fn check_keys(raw: &RawConfig, allowed: &[&str], whose: &str) -> Result<(), String> {
    for key in raw.keys() {
        if !allowed.contains(&key.as_str()) {
            // Kafka itself only logs "was supplied but isn't a known config"; eoscope refuses, so a typo never goes unnoticed.
            return Err(match did_you_mean(key, allowed) {
                Some(s) => format!("unknown {} config `{}`; did you mean `{}`?", whose, key, s),
                None => format!(
                    "unknown {} config `{}`; allowed: {}",
                    whose,
                    key,
                    allowed.join(", ")
                ),
            });
        }
    }
    Ok(())
}

/// The closest allowed key by edit distance, if it is close enough to be a typo.
pub fn did_you_mean<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, k)| *d <= 3.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn get_bool(raw: &RawConfig, key: &str) -> Result<Option<bool>, String> {
    match raw.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" || s == "false" => Ok(Some(s == "true")),
        Some(v) => Err(format!("`{}` must be true or false, not {}", key, short(v))),
    }
}

fn get_u64(raw: &RawConfig, key: &str, min: u64, max: u64) -> Result<Option<u64>, String> {
    let n = match raw.get(key) {
        None => return Ok(None),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse::<u64>().ok(),
        Some(_) => None,
    };
    match n {
        Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(format!(
            "`{}` must be a whole number from {} to {}, not {}",
            key,
            min,
            max,
            raw.get(key).map(short).unwrap_or_default()
        )),
    }
}

fn get_string(raw: &RawConfig, key: &str) -> Result<Option<String>, String> {
    match raw.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 64 => Ok(Some(s.clone())),
        Some(v) => Err(format!(
            "`{}` must be a non-empty string of at most 64 characters, not {}",
            key,
            short(v)
        )),
    }
}

/// A value shortened for an error message.
pub fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

/// Resolves a producer's settings as `ProducerConfig.postProcessAndValidateIdempotenceConfigs` does.
pub fn producer_config(raw: &RawConfig, version: KafkaVersion) -> Result<ProducerConfig, String> {
    check_keys(raw, PRODUCER_KEYS, "producer")?;
    let explicit_idempotence = get_bool(raw, "enable.idempotence")?;
    let explicit_acks = match raw.get("acks") {
        None => None,
        Some(v) => Some(match v {
            Value::String(s) if s == "all" || s == "-1" => Acks::All,
            Value::String(s) if s == "1" => Acks::Leader,
            Value::String(s) if s == "0" => Acks::None,
            Value::Number(n) if n.as_i64() == Some(-1) => Acks::All,
            Value::Number(n) if n.as_i64() == Some(1) => Acks::Leader,
            Value::Number(n) if n.as_i64() == Some(0) => Acks::None,
            other => {
                return Err(format!(
                    "`acks` must be \"all\", \"-1\", \"1\" or \"0\", not {}",
                    short(other)
                ))
            }
        }),
    };
    let explicit_retries = get_u64(raw, "retries", 0, i32::MAX as u64)?;
    let max_in_flight =
        get_u64(raw, "max.in.flight.requests.per.connection", 1, 100)?.unwrap_or(5) as u32;
    let request_timeout_ms = get_u64(raw, "request.timeout.ms", 1, 3_600_000)?.unwrap_or(30_000);
    let retry_backoff_ms = get_u64(raw, "retry.backoff.ms", 0, 3_600_000)?.unwrap_or(100);
    let delivery_timeout_ms =
        get_u64(raw, "delivery.timeout.ms", 1, 86_400_000)?.unwrap_or(120_000);
    let transactional_id = get_string(raw, "transactional.id")?;
    let transaction_timeout_ms =
        get_u64(raw, "transaction.timeout.ms", 1, 86_400_000)?.unwrap_or(60_000);

    // KafkaProducer: delivery.timeout.ms must be at least linger.ms + request.timeout.ms.
    if delivery_timeout_ms < request_timeout_ms {
        return Err(format!(
            "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms ({} < {})",
            delivery_timeout_ms, request_timeout_ms
        ));
    }
    if transactional_id.is_some() && explicit_idempotence == Some(false) {
        return Err("Cannot set a transactional.id without also enabling idempotence.".into());
    }
    // A transactional.id implies idempotence; explicit wins over the version's default.
    let wanted =
        explicit_idempotence.unwrap_or(transactional_id.is_some() || version.default_idempotence());
    let user_set_idempotence = explicit_idempotence == Some(true) || transactional_id.is_some();
    // With idempotence on and acks not set, the producer uses acks=all (2.x overrode it; 3.0+ defaults to it).
    let acks = explicit_acks.unwrap_or(if wanted {
        Acks::All
    } else {
        version.default_acks()
    });
    let retries = explicit_retries.unwrap_or(i32::MAX as u64) as u32;

    let mut conflict = None;
    if acks != Acks::All {
        conflict = Some((
            "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.",
            format!("acks is set to {}, not set to 'all'", acks.name()),
        ));
    } else if retries == 0 {
        conflict = Some((
            "Must set retries to non-zero when using the idempotent producer.",
            "retries is set to 0".into(),
        ));
    } else if max_in_flight > 5 {
        conflict = Some((
            "To use the idempotent producer, max.in.flight.requests.per.connection must be set to at most 5.",
            format!("max.in.flight.requests.per.connection is set to {}, greater than 5", max_in_flight),
        ));
    }
    let mut idempotence_note = None;
    // 4.0+: max.in.flight.requests.per.connection > 5 is an error even when idempotence is on
    // only by default (ProducerConfig.postProcessAndValidateIdempotenceConfigs, upgrade.md 4.0.0).
    let in_flight_is_fatal = version.at_least(KafkaVersion::V4_0)
        && conflict
            .as_ref()
            .is_some_and(|(e, _)| e.starts_with("To use the idempotent producer"));
    let enable_idempotence = match (wanted, conflict) {
        (true, Some((error, _))) if user_set_idempotence || in_flight_is_fatal => {
            return Err(error.into())
        }
        // 3.0.1+/3.2+: default idempotence with a conflicting setting is silently turned off.
        (true, Some((_, why))) => {
            idempotence_note = Some(format!("Idempotence will be disabled because {}.", why));
            false
        }
        (wanted, _) => wanted,
    };
    // A transaction.timeout.ms above the broker's transaction.max.timeout.ms is accepted here, as
    // KafkaProducer accepts it: InitProducerId answers INVALID_TRANSACTION_TIMEOUT (txn_coordinator.rs).
    Ok(ProducerConfig {
        enable_idempotence,
        acks,
        retries,
        max_in_flight,
        request_timeout_ms,
        retry_backoff_ms,
        delivery_timeout_ms,
        transactional_id,
        transaction_timeout_ms,
        idempotence_note,
    })
}

/// Resolves a consumer's settings for a version: `session.timeout.ms` defaults to 10000 before
/// 3.0 and 45000 from 3.0 on (KIP-735).
pub fn consumer_config_for(
    raw: &RawConfig,
    version: KafkaVersion,
) -> Result<ConsumerConfig, String> {
    let consumer_protocol = matches!(raw.get("group.protocol"), Some(Value::String(s)) if s.eq_ignore_ascii_case("consumer"));
    if version == KafkaVersion::V2_4 && consumer_protocol {
        return Err("`group.protocol=consumer` (KIP-848) needs Kafka 3.7 or later (a preview until 4.0); version 2.4 has only the classic protocol".into());
    }
    if version == KafkaVersion::V2_4 && !raw.contains_key("session.timeout.ms") {
        let mut raw = raw.clone();
        raw.insert("session.timeout.ms".into(), Value::from(10_000u64));
        return consumer_config(&raw);
    }
    consumer_config(raw)
}

/// Resolves a consumer's settings (`ConsumerConfig` defaults, 3.0 and later).
pub fn consumer_config(raw: &RawConfig) -> Result<ConsumerConfig, String> {
    check_keys(raw, CONSUMER_KEYS, "consumer")?;
    let isolation_level = match raw.get("isolation.level") {
        None => IsolationLevel::ReadUncommitted,
        Some(Value::String(s)) if s == "read_uncommitted" => IsolationLevel::ReadUncommitted,
        Some(Value::String(s)) if s == "read_committed" => IsolationLevel::ReadCommitted,
        Some(v) => {
            return Err(format!(
                "`isolation.level` must be \"read_uncommitted\" or \"read_committed\", not {}",
                short(v)
            ))
        }
    };
    let auto_offset_reset = match raw.get("auto.offset.reset") {
        None => AutoOffsetReset::Latest,
        Some(Value::String(s)) if s == "latest" => AutoOffsetReset::Latest,
        Some(Value::String(s)) if s == "earliest" => AutoOffsetReset::Earliest,
        Some(Value::String(s)) if s == "none" => AutoOffsetReset::None,
        Some(v) => {
            return Err(format!(
                "`auto.offset.reset` must be \"latest\", \"earliest\" or \"none\", not {}",
                short(v)
            ))
        }
    };
    let group_protocol = match raw.get("group.protocol") {
        None => GroupProtocol::Classic,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("classic") => GroupProtocol::Classic,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("consumer") => {
            // ConsumerConfig.CONSUMER_PROTOCOL_UNSUPPORTED_CONFIGS: the broker owns these (group.consumer.*).
            let set: Vec<&str> = ["heartbeat.interval.ms", "session.timeout.ms"]
                .into_iter()
                .filter(|k| raw.contains_key(*k))
                .collect();
            if !set.is_empty() {
                return Err(format!(
                    "{} cannot be set when group.protocol=CONSUMER",
                    set.join(", ")
                ));
            }
            GroupProtocol::Consumer
        }
        Some(v) => {
            return Err(format!(
                "`group.protocol` must be \"classic\" or \"consumer\", not {}",
                short(v)
            ))
        }
    };
    // 45000 since 3.0 (KIP-735); 10000 before.
    let session_timeout_ms = get_u64(raw, "session.timeout.ms", 1, 3_600_000)?.unwrap_or(45_000);
    let heartbeat_interval_ms =
        get_u64(raw, "heartbeat.interval.ms", 1, 3_600_000)?.unwrap_or(3_000);
    let max_poll_interval_ms =
        get_u64(raw, "max.poll.interval.ms", 1, 86_400_000)?.unwrap_or(300_000);
    // Heartbeat (AbstractCoordinator): "Heartbeat must be set lower than the session timeout".
    if heartbeat_interval_ms >= session_timeout_ms {
        return Err(format!(
            "Heartbeat must be set lower than the session timeout (heartbeat.interval.ms {} >= session.timeout.ms {})",
            heartbeat_interval_ms, session_timeout_ms
        ));
    }
    if !(GROUP_MIN_SESSION_TIMEOUT_MS..=GROUP_MAX_SESSION_TIMEOUT_MS).contains(&session_timeout_ms)
    {
        // Kafka accepts the config and fails JoinGroup; eoscope reports it up front.
        return Err(format!(
            "session.timeout.ms ({}) is outside the broker's group.min.session.timeout.ms ({}) to group.max.session.timeout.ms ({}): JoinGroup would fail with INVALID_SESSION_TIMEOUT",
            session_timeout_ms, GROUP_MIN_SESSION_TIMEOUT_MS, GROUP_MAX_SESSION_TIMEOUT_MS
        ));
    }
    let (session_timeout_ms, heartbeat_interval_ms) = match group_protocol {
        GroupProtocol::Classic => (session_timeout_ms, heartbeat_interval_ms),
        // The broker's group.consumer.session.timeout.ms and group.consumer.heartbeat.interval.ms.
        GroupProtocol::Consumer => (45_000, 5_000),
    };
    let group_instance_id = get_string(raw, "group.instance.id")?;
    if let Some(id) = &group_instance_id {
        // ConsumerConfig → JoinGroupRequest.validateGroupInstanceId (Topic.validate's rules).
        if let Some(why) = invalid_instance_id(id) {
            return Err(format!("Group instance id is invalid: {}", why));
        }
    }
    Ok(ConsumerConfig {
        group_id: get_string(raw, "group.id")?.unwrap_or_else(|| "orders-app".into()),
        isolation_level,
        enable_auto_commit: get_bool(raw, "enable.auto.commit")?.unwrap_or(true),
        auto_commit_interval_ms: get_u64(raw, "auto.commit.interval.ms", 1, 3_600_000)?
            .unwrap_or(5_000),
        max_poll_records: get_u64(raw, "max.poll.records", 1, 100_000)?.unwrap_or(500) as u32,
        fetch_max_wait_ms: get_u64(raw, "fetch.max.wait.ms", 0, 60_000)?.unwrap_or(500),
        request_timeout_ms: get_u64(raw, "request.timeout.ms", 1, 3_600_000)?.unwrap_or(30_000),
        retry_backoff_ms: get_u64(raw, "retry.backoff.ms", 0, 3_600_000)?.unwrap_or(100),
        auto_offset_reset,
        group_protocol,
        session_timeout_ms,
        heartbeat_interval_ms,
        max_poll_interval_ms,
        group_instance_id,
    })
}

/// `Topic.detectInvalidTopic`, which `JoinGroupRequest.validateGroupInstanceId` applies (the
/// empty string and over-long names are already refused by `get_string`).
fn invalid_instance_id(id: &str) -> Option<String> {
    if id == "." || id == ".." {
        return Some(format!("'{}' is not allowed", id));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
    {
        return Some(format!(
            "'{}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
            id
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(v: Value) -> RawConfig {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_misspelt_key_gets_a_suggestion() {
        let err = producer_config(&raw(json!({"ack": "all"})), KafkaVersion::V3_9).unwrap_err();
        assert_eq!(err, "unknown producer config `ack`; did you mean `acks`?");
    }

    #[test]
    fn default_idempotence_is_silently_disabled_by_a_conflict_on_3_9() {
        // ProducerConfig.postProcessAndValidateIdempotenceConfigs (3.0.1+/3.2+).
        let c = producer_config(&raw(json!({"acks": "1"})), KafkaVersion::V3_9).unwrap();
        assert!(!c.enable_idempotence);
        assert_eq!(
            c.idempotence_note.as_deref(),
            Some("Idempotence will be disabled because acks is set to 1, not set to 'all'.")
        );
    }

    #[test]
    fn explicit_idempotence_with_a_conflict_is_a_config_error() {
        let err = producer_config(
            &raw(json!({"enable.idempotence": true, "acks": "1"})),
            KafkaVersion::V3_9,
        )
        .unwrap_err();
        assert!(err.starts_with("Must set acks to all"), "{}", err);
    }

    #[test]
    fn version_presets_give_the_era_defaults() {
        let old = producer_config(&RawConfig::new(), KafkaVersion::V2_4).unwrap();
        assert_eq!((old.enable_idempotence, old.acks), (false, Acks::Leader));
        let new = producer_config(&RawConfig::new(), KafkaVersion::V3_9).unwrap();
        assert_eq!((new.enable_idempotence, new.acks), (true, Acks::All));
    }

    #[test]
    fn transactional_id_without_idempotence_is_refused() {
        let err = producer_config(
            &raw(json!({"transactional.id": "t", "enable.idempotence": false})),
            KafkaVersion::V3_9,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "Cannot set a transactional.id without also enabling idempotence."
        );
    }
}
