//! Every sentence the UI writes about the simulation, in one place (English for now), so a Korean
//! table can be added beside it. The core hands over structured data; this module phrases it.

use crate::sim::checker::{Detail, ExpectedBecause, Property};
use crate::sim::effects::Note;
use crate::sim::world::{DropReason, LinkState, TraceKind};

/// The language (defined beside the option parser, which needs it natively).
pub use crate::embed_options::Lang;

/// What a property promises, in one line.
pub fn property_summary(p: Property) -> &'static str {
    match p {
        Property::NoDuplicateInLog => "Each record is in the log at most once.",
        Property::NoLostAck => "Every acknowledged record is in the log.",
        Property::OrderPerPartition => "A producer's records keep their order in a partition.",
        Property::ConsumerNoDuplicate => "No consumer processes an offset twice.",
        Property::ConsumerNoLoss => "Consumers process every record they should read.",
        Property::SinkExactlyOnce => "The sink holds every record exactly once.",
        Property::NoAbortedRead => "read_committed never sees aborted records.",
        Property::NoUncommittedRead => "read_committed never sees records of an open transaction.",
        Property::EndToEndExactlyOnce => "Every input record is in the output exactly once.",
        Property::TransactionAtomicity => "A transaction ends the same way on every partition.",
        Property::CoordinatorTransitionsValid => {
            "The coordinator only makes transitions Kafka allows."
        }
        // Properties the core adds before this module describes them.
        #[allow(unreachable_patterns)]
        _ => "",
    }
}

/// Why a property failed, in one sentence.
pub fn violation(d: &Detail) -> String {
    match d {
        Detail::DuplicateInLog { record, tp, offset, copies } => {
            format!("v{} is in {} {} times: it was written again at offset {}.", record.0, tp, copies, offset.0)
        }
        Detail::LostAck { record, producer } => format!("{} saw v{} acknowledged, but the log does not hold it.", producer, record.0),
        Detail::OutOfOrder { record, tp, offset, after } => {
            format!("v{} landed at offset {} of {}, after v{}, which was sent later.", record.0, offset.0, tp, after.0)
        }
        Detail::ConsumerDuplicate { consumer, record, tp, offset } => {
            format!("consumer-{} processed v{} ({} offset {}) twice.", consumer, record.0, tp, offset.0)
        }
        Detail::ConsumerLoss { consumer, record, tp, offset } => {
            format!("consumer-{} never processed v{} ({} offset {}).", consumer, record.0, tp, offset.0)
        }
        Detail::SinkDuplicate { consumer, record } => format!("The sink of consumer-{} holds v{} more than once.", consumer, record.0),
        Detail::SinkLoss { consumer, record } => format!("The sink of consumer-{} is missing v{}.", consumer, record.0),
        Detail::AbortedRead { consumer, record, tp, offset } => {
            format!("consumer-{} processed v{} ({} offset {}) from an aborted transaction.", consumer, record.0, tp, offset.0)
        }
        Detail::UncommittedRead { consumer, record, tp, offset } => {
            format!("consumer-{} processed v{} ({} offset {}) before its transaction committed.", consumer, record.0, tp, offset.0)
        }
        Detail::OutputDuplicate { record, tp, offset } => format!("v{} is in the output {} more than once (again at offset {}).", record.0, tp, offset.0),
        Detail::OutputLoss { record } => format!("v{} never reached the output topic.", record.0),
        Detail::PartialTransaction { tp, producer_id, first_offset } => format!(
            "Producer id {}'s transaction is still open on {} from offset {}, though its coordinator completed it.",
            producer_id.0, tp, first_offset.0
        ),
        Detail::MixedOutcome { producer_id, tp } => format!("Producer id {}'s transaction ended differently on {} than elsewhere.", producer_id.0, tp),
        Detail::InvalidTransition { from, to } => format!("The coordinator moved from {} to {}, which Kafka does not allow.", from.name(), to.name()),
        #[allow(unreachable_patterns)]
        other => format!("{:?}", other),
    }
}

/// Why the current settings make a violation expected.
pub fn expected_because(e: ExpectedBecause) -> &'static str {
    match e {
        ExpectedBecause::IdempotenceOff => "enable.idempotence=false: Kafka documents that retries may then write duplicates.",
        ExpectedBecause::AcrossProducerSessions => "Idempotence deduplicates within one producer session; a restarted producer is a new one.",
        ExpectedBecause::AcksZero => "acks=0: the producer never learns whether a write happened.",
        ExpectedBecause::ReorderingAllowed => "Without idempotence, max.in.flight.requests.per.connection > 1 and retries can reorder.",
        ExpectedBecause::AtLeastOnce => "Committing after processing is at-least-once.",
        ExpectedBecause::AtMostOnce => "Committing before processing is at-most-once.",
        ExpectedBecause::NonIdempotentSink => "The sink inserts every record, so duplicates upstream reach it.",
        ExpectedBecause::SinkKeyedByOffset => "The sink is keyed by offset, and a duplicate in the log has another offset.",
        ExpectedBecause::ReadUncommitted => "read_uncommitted reads aborted and open transactional records by design.",
        ExpectedBecause::AcksOne => "acks=1: the leader answers before any follower has the record, so a failover can lose it.",
        ExpectedBecause::UncleanElection => "unclean.leader.election.enable=true: a replica outside the ISR may become leader without the committed records.",
        #[allow(unreachable_patterns)]
        _ => "Kafka does not promise this property with these settings.",
    }
}

fn reason(r: DropReason) -> &'static str {
    match r {
        DropReason::Fault => "a fault",
        DropReason::DropRate => "the random drop rate",
        DropReason::Partitioned => "a network partition",
        DropReason::ReceiverDown => "its receiver is down",
        DropReason::SenderCrashed => "its sender crashed",
        DropReason::ConnectionBroken => {
            "its connection broke (an earlier message on it was lost, or a node restarted)"
        }
        // The core may learn new reasons (a broken connection) before this module names them.
        #[allow(unreachable_patterns)]
        _ => "a network fault",
    }
}

/// Is this trace entry a fault (for the marks on the timeline)?
pub fn is_fault(k: &TraceKind) -> bool {
    matches!(
        k,
        TraceKind::Dropped { .. }
            | TraceKind::Duplicated { .. }
            | TraceKind::Delayed { .. }
            | TraceKind::Crashed { .. }
            | TraceKind::Restarted { .. }
            | TraceKind::Link { .. }
            | TraceKind::DropRate { .. }
            | TraceKind::ConfigChanged { .. }
            | TraceKind::ConfigRejected { .. }
    )
}

/// Is this trace entry only the consumers' polling (hidden from the event log unless asked for)?
pub fn is_polling(k: &TraceKind) -> bool {
    match k {
        TraceKind::Sent { kind, summary, .. } => is_poll(kind.name(), summary),
        TraceKind::Delivered { kind, .. } => {
            kind.name().contains("Fetch") && !kind.name().starts_with("Offset")
        }
        _ => false,
    }
}

/// A fetch (a consumer's, or a follower's from its leader) or a fetch response that brought
/// nothing: the background hum of polling. By name, so new fetch kinds of the core count too.
pub fn is_poll(kind: &str, summary: &str) -> bool {
    let fetch = kind.contains("Fetch") && !kind.starts_with("Offset");
    fetch
        && (kind.ends_with("Request")
            || summary.ends_with(" 0 batches")
            || summary.contains(" 0 batches,"))
}

/// One event-log line.
pub fn trace_line(k: &TraceKind) -> String {
    match k {
        TraceKind::Sent {
            id,
            from,
            to,
            kind,
            summary,
            ..
        } => format!("{} → {}: {} #{} ({})", from, to, kind.name(), id, summary),
        TraceKind::Delivered { id, to, kind, .. } => {
            format!("{} #{} arrives at {}", kind.name(), id, to)
        }
        TraceKind::Dropped {
            id,
            from,
            to,
            kind,
            reason: r,
        } => format!(
            "✕ {} #{} {} → {} is lost: {}",
            kind.name(),
            id,
            from,
            to,
            reason(*r)
        ),
        TraceKind::Duplicated { id, copy } => {
            format!("⑂ #{} will arrive twice (copy #{})", id, copy)
        }
        TraceKind::Delayed { id, ms } => format!("⏱ #{} delayed by {} ms", id, ms),
        TraceKind::Crashed { node } => format!("💥 {} crashed", node),
        TraceKind::Restarted { node } => format!("↻ {} restarted", node),
        TraceKind::Link { a, b, state } => match state {
            LinkState::Healthy => format!("link {} ↔ {} healed", a, b),
            LinkState::Partitioned => format!("link {} ↔ {} partitioned", a, b),
            LinkState::Held => format!("link {} ↔ {} held", a, b),
            #[allow(unreachable_patterns)]
            other => format!("link {} ↔ {} {:?}", a, b, other),
        },
        TraceKind::DropRate {
            from,
            to,
            per_mille,
        } => format!(
            "drop rate {}‰ on {} → {}",
            per_mille,
            from.map_or("any".to_string(), |n| n.to_string()),
            to.map_or("any".to_string(), |n| n.to_string())
        ),
        TraceKind::ConfigChanged { node, config } => {
            format!("{} restarts with {}", node, config_text(config))
        }
        TraceKind::ConfigRejected { node, error } => {
            format!("{}: settings rejected: {}", node, error)
        }
        TraceKind::ScheduleNote { text } => format!("▶ {}", text),
        TraceKind::Fact(n) => note_line(n),
        #[allow(unreachable_patterns)]
        other => format!("{:?}", other),
    }
}

pub fn config_text(c: &crate::sim::config::RawConfig) -> String {
    c.iter()
        .map(|(k, v)| format!("{}={}", k, v))
        .collect::<Vec<_>>()
        .join(", ")
}

fn note_line(n: &Note) -> String {
    match n {
        Note::Appended { tp, batch_index } => format!("{} appends batch #{}", tp, batch_index),
        Note::Deduplicated { tp, base_offset } => format!(
            "{}: duplicate recognised, answered with offset {}",
            tp, base_offset.0
        ),
        Note::Rejected { tp, error } => format!("{} rejects a batch: {}", tp, error),
        Note::MarkerWritten {
            tp, offset, commit, ..
        } => format!(
            "{} {} marker at offset {}",
            tp,
            if *commit { "COMMIT" } else { "ABORT" },
            offset.0
        ),
        Note::Acked {
            node,
            tp,
            first_record,
            count,
            offset,
        } => match offset {
            Some(o) => format!(
                "{} learns v{}{} is at {} offset {}",
                node,
                first_record.0,
                more(*count),
                tp,
                o.0
            ),
            None => format!(
                "{} considers v{}{} sent (acks=0)",
                node,
                first_record.0,
                more(*count)
            ),
        },
        Note::SendFailed {
            node,
            first_record,
            count,
            error,
            ..
        } => format!(
            "{}: send of v{}{} failed: {}",
            node,
            first_record.0,
            more(*count),
            error
        ),
        Note::Processed {
            consumer,
            tp,
            offset,
            record,
        } => format!(
            "consumer-{} processes v{} ({} offset {})",
            consumer, record.0, tp, offset.0
        ),
        Note::SinkWrite {
            consumer,
            record,
            inserted,
        } => {
            format!(
                "consumer-{}'s sink {} v{}",
                consumer,
                if *inserted { "inserts" } else { "overwrites" },
                record.0
            )
        }
        Note::OffsetsCommitted { offsets, .. } => format!(
            "offsets committed: {}",
            offsets
                .iter()
                .map(|(tp, o)| format!("{}={}", tp, o.0))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Note::TxnTransition {
            from,
            to,
            producer_id,
            epoch,
            ..
        } => {
            format!(
                "coordinator: {} → {} (pid {} epoch {})",
                from.name(),
                to.name(),
                producer_id.0,
                epoch
            )
        }
        Note::TxnCommittedByClient { node } => format!("{}: commitTransaction() returned", node),
        Note::ProducerIdChanged {
            node,
            producer_id,
            epoch,
        } => format!("{} now has pid {} epoch {}", node, producer_id.0, epoch),
        Note::ClientRestarted { node } => format!("{} starts a new session", node),
        Note::ClientError { node, error, what } => format!("{}: {} ({})", node, error, what),
        Note::LeaderElected {
            tp,
            leader,
            leader_epoch,
            unclean,
        } => match leader {
            Some(l) => format!(
                "{}: broker-{} is the new leader (leader epoch {}){}",
                tp,
                l,
                leader_epoch,
                if *unclean {
                    ", an UNCLEAN election"
                } else {
                    ""
                }
            ),
            None => format!("{}: no replica can lead; the partition is offline", tp),
        },
        Note::Truncated { tp, broker, to } => format!(
            "{}: broker-{} truncates its log to offset {}",
            tp, broker, to.0
        ),
        Note::IsrChanged { tp, isr } => format!(
            "{}: ISR is now {{{}}}",
            tp,
            isr.iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        // Facts the core learns before this module phrases them.
        #[allow(unreachable_patterns)]
        other => format!("{:?}", other),
    }
}

fn more(count: u32) -> String {
    if count > 1 {
        format!("..+{}", count - 1)
    } else {
        String::new()
    }
}
