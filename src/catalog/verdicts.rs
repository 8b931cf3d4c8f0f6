//! The verdicts: what each property promises, why it failed, why the settings allow it.

use super::Lang;
use crate::sim::checker::{Detail, ExpectedBecause, Property};

/// What a property promises, in one line.
pub fn property_summary(lang: Lang, p: Property) -> &'static str {
    let (en, ko) = match p {
        Property::NoDuplicateInLog => (
            "Each record is in the log at most once.",
            "각 레코드는 로그에 많아야 한 번 있다.",
        ),
        Property::NoLostAck => (
            "Every acknowledged record is in the log.",
            "ack를 받은 레코드는 모두 로그에 있다.",
        ),
        Property::OrderPerPartition => (
            "A producer's records keep their order in a partition.",
            "한 프로듀서의 레코드는 파티션 안에서 보낸 순서를 지킨다.",
        ),
        Property::ConsumerNoDuplicate => (
            "No consumer processes an offset twice.",
            "어떤 컨슈머도 같은 오프셋을 두 번 처리하지 않는다.",
        ),
        Property::ConsumerNoLoss => (
            "Consumers process every record they should read.",
            "컨슈머는 읽어야 할 레코드를 모두 처리한다.",
        ),
        Property::SinkExactlyOnce => (
            "The sink holds every record exactly once.",
            "싱크에는 모든 레코드가 정확히 한 번 있다.",
        ),
        Property::NoAbortedRead => (
            "read_committed never sees aborted records.",
            "read_committed는 중단된 트랜잭션의 레코드를 보지 않는다.",
        ),
        Property::NoUncommittedRead => (
            "read_committed never sees records of an open transaction.",
            "read_committed는 아직 열려 있는 트랜잭션의 레코드를 보지 않는다.",
        ),
        Property::EndToEndExactlyOnce => (
            "Every input record is in the output exactly once.",
            "모든 입력 레코드가 출력에 정확히 한 번 있다.",
        ),
        Property::TransactionAtomicity => (
            "A transaction ends the same way on every partition.",
            "트랜잭션은 모든 파티션에서 같은 결과로 끝난다.",
        ),
        Property::CoordinatorTransitionsValid => (
            "The coordinator only makes transitions Kafka allows.",
            "코디네이터는 Kafka가 허용하는 상태 전이만 한다.",
        ),
        // Properties the core adds before this module describes them.
    };
    match lang {
        Lang::En => en,
        Lang::Ko => ko,
    }
}

/// Why a property failed, in one sentence.
pub fn violation(lang: Lang, d: &Detail) -> String {
    if lang == Lang::Ko {
        return violation_ko(d);
    }
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
    }
}

/// " (3 violations)" after a violation's sentence.
pub fn violation_count_text(lang: Lang, count: u64) -> String {
    say!(lang, " ({} violations)", " (위반 {}건)", count)
}

/// Korean for `violation`. A node or a record (`producer-0`, `v3`) never takes a particle
/// directly — whether it is 이 or 가 depends on how the reader says the digit — so the sentences
/// say "v3 레코드가" or put the node first with a colon.
fn violation_ko(d: &Detail) -> String {
    match d {
        Detail::DuplicateInLog { record, tp, offset, copies } => {
            format!("{}에 v{} 레코드가 {}번 있다: 오프셋 {}에 다시 기록됐다.", tp, record.0, copies, offset.0)
        }
        Detail::LostAck { record, producer } => format!("{}: v{} 레코드의 ack를 받았지만, 로그에는 그 레코드가 없다.", producer, record.0),
        Detail::OutOfOrder { record, tp, offset, after } => {
            format!("v{} 레코드가 {}의 오프셋 {}에, 나중에 보낸 v{} 뒤에 기록됐다.", record.0, tp, offset.0, after.0)
        }
        Detail::ConsumerDuplicate { consumer, record, tp, offset } => {
            format!("consumer-{}: v{} 레코드({} 오프셋 {})를 두 번 처리했다.", consumer, record.0, tp, offset.0)
        }
        Detail::ConsumerLoss { consumer, record, tp, offset } => {
            format!("consumer-{}: v{} 레코드({} 오프셋 {})를 끝내 처리하지 않았다.", consumer, record.0, tp, offset.0)
        }
        Detail::SinkDuplicate { consumer, record } => format!("consumer-{}의 싱크에 v{} 레코드가 두 번 이상 있다.", consumer, record.0),
        Detail::SinkLoss { consumer, record } => format!("consumer-{}의 싱크에 v{} 레코드가 없다.", consumer, record.0),
        Detail::AbortedRead { consumer, record, tp, offset } => {
            format!("consumer-{}: 중단된 트랜잭션의 v{} 레코드({} 오프셋 {})를 처리했다.", consumer, record.0, tp, offset.0)
        }
        Detail::UncommittedRead { consumer, record, tp, offset } => {
            format!("consumer-{}: 트랜잭션이 커밋되기 전에 v{} 레코드({} 오프셋 {})를 처리했다.", consumer, record.0, tp, offset.0)
        }
        Detail::OutputDuplicate { record, tp, offset } => format!("출력 {}에 v{} 레코드가 두 번 이상 있다(오프셋 {}에 다시).", tp, record.0, offset.0),
        Detail::OutputLoss { record } => format!("v{} 레코드가 출력 토픽에 끝내 도달하지 않았다.", record.0),
        Detail::PartialTransaction { tp, producer_id, first_offset } => format!(
            "프로듀서 ID {}의 트랜잭션은 코디네이터가 끝냈는데도 {}에서 오프셋 {}부터 아직 열려 있다.",
            producer_id.0, tp, first_offset.0
        ),
        Detail::MixedOutcome { producer_id, tp } => format!("프로듀서 ID {}의 트랜잭션이 {}에서 다른 파티션과 다르게 끝났다.", producer_id.0, tp),
        Detail::InvalidTransition { from, to } => format!("코디네이터가 {}에서 {} 상태로 넘어갔다. Kafka가 허용하지 않는 전이다.", from.name(), to.name()),
    }
}

/// Why the current settings make a violation expected.
pub fn expected_because(lang: Lang, e: ExpectedBecause) -> &'static str {
    let (en, ko) = match e {
        ExpectedBecause::IdempotenceOff => ("enable.idempotence=false: Kafka documents that retries may then write duplicates.", "enable.idempotence=false: 이때는 재시도가 중복을 기록할 수 있다고 Kafka 문서가 밝힌다."),
        ExpectedBecause::AcrossProducerSessions => ("Idempotence deduplicates within one producer session; a restarted producer is a new one.", "멱등성은 한 프로듀서 세션 안에서만 중복을 걸러 낸다. 재시작한 프로듀서는 새 세션이다."),
        ExpectedBecause::AcksZero => ("acks=0: the producer never learns whether a write happened.", "acks=0: 프로듀서는 기록이 됐는지 끝내 알지 못한다."),
        ExpectedBecause::ReorderingAllowed => ("Without idempotence, max.in.flight.requests.per.connection > 1 and retries can reorder.", "멱등성 없이 max.in.flight.requests.per.connection > 1이면 재시도가 순서를 바꿀 수 있다."),
        ExpectedBecause::AtLeastOnce => ("Committing after processing is at-least-once.", "처리한 뒤에 커밋하면 at-least-once다."),
        ExpectedBecause::AtMostOnce => ("Committing before processing is at-most-once.", "처리하기 전에 커밋하면 at-most-once다."),
        ExpectedBecause::NonIdempotentSink => ("The sink inserts every record, so duplicates upstream reach it.", "싱크가 모든 레코드를 삽입하므로, 앞단의 중복이 그대로 들어온다."),
        ExpectedBecause::SinkKeyedByOffset => ("The sink is keyed by offset, and a duplicate in the log has another offset.", "싱크의 키가 오프셋인데, 로그의 중복 레코드는 다른 오프셋을 가진다."),
        ExpectedBecause::ReadUncommitted => ("read_uncommitted reads aborted and open transactional records by design.", "read_uncommitted는 원래 중단됐거나 아직 열린 트랜잭션의 레코드도 읽는다."),
        ExpectedBecause::AcksOne => ("acks=1: the leader answers before any follower has the record, so a failover can lose it.", "acks=1: 팔로워가 레코드를 받기 전에 리더가 응답하므로, 장애 조치 때 잃을 수 있다."),
        ExpectedBecause::UncleanElection => ("unclean.leader.election.enable=true: a replica outside the ISR may become leader without the committed records.", "unclean.leader.election.enable=true: ISR 밖의 복제본이 커밋된 레코드 없이 리더가 될 수 있다."),
    };
    match lang {
        Lang::En => en,
        Lang::Ko => ko,
    }
}
