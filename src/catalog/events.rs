//! The event log: one sentence per trace entry, and which entries are faults or polling.

use super::Lang;
use crate::sim::effects::Note;
use crate::sim::elr::ElectedFrom;
use crate::sim::world::{DropReason, LinkState, TraceKind};

/// Why a message was lost.
pub fn drop_reason(lang: Lang, r: DropReason) -> &'static str {
    let (en, ko) = match r {
        DropReason::Fault => ("a fault", "장애 주입"),
        DropReason::DropRate => ("the random drop rate", "무작위 유실률"),
        DropReason::Partitioned => ("a network partition", "네트워크 분할"),
        DropReason::ReceiverDown => ("its receiver is down", "받는 노드가 크래시 상태"),
        DropReason::SenderCrashed => ("its sender crashed", "보낸 노드가 크래시됨"),
        DropReason::ConnectionBroken => (
            "its connection broke (an earlier message on it was lost, or a node restarted)",
            "연결이 끊어짐 (그 연결의 앞선 메시지가 유실됐거나 노드가 재시작함)",
        ),
    };
    super::tr(lang, en, ko)
}

/// The core's own short phrases in its notes (`Note::ClientError`'s `what`, the reasons of
/// `Note::GroupLeft` and `Note::GroupMemberRemoved`), in the reader's language. The core hands
/// them over as `&'static str`; each one it writes is listed here (`tests/catalog.rs` greps the
/// core for them), and one the catalog does not know yet shows as the core wrote it.
pub fn core_phrase(lang: Lang, s: &'static str) -> &'static str {
    let ko = match s {
        "abortable" => "중단 가능한 오류",
        "fatal" => "치명적 오류",
        "application stopped" => "애플리케이션 정지",
        "CommitFailedException" => "CommitFailedException",
        "CommitFailedException, abortable" => "CommitFailedException, 중단 가능한 오류",
        "FencedInstanceIdException, abortable" => "FencedInstanceIdException, 중단 가능한 오류",
        "UnreleasedInstanceIdException; application stopped" => {
            "UnreleasedInstanceIdException; 애플리케이션 정지"
        }
        "FencedInstanceIdException; application stopped" => {
            "FencedInstanceIdException; 애플리케이션 정지"
        }
        "auto.offset.reset=none; application stopped" => {
            "auto.offset.reset=none; 애플리케이션 정지"
        }
        "fenced from the group; partitions lost" => "그룹에서 펜싱됨; 파티션을 잃음",
        "not in the group's current generation" => "그룹의 현재 제너레이션에 속하지 않음",
        "revokes its partitions to rejoin" => "다시 참여하려고 파티션을 내놓음",
        "consumer poll timeout has expired" => "컨슈머 poll 타임아웃이 지남",
        "consumer poll timeout has expired (a static member: no LeaveGroup)" => {
            "컨슈머 poll 타임아웃이 지남 (정적 멤버: LeaveGroup 없음)"
        }
        "consumer poll timeout has expired (a static member: epoch -2)" => {
            "컨슈머 poll 타임아웃이 지남 (정적 멤버: 에포크 -2)"
        }
        "session timeout expired" => "세션 타임아웃이 지남",
        "did not rejoin within the rebalance timeout" => {
            "리밸런스 타임아웃 안에 다시 참여하지 않음"
        }
        "did not revoke within the rebalance timeout" => {
            "리밸런스 타임아웃 안에 파티션을 내놓지 않음"
        }
        // A string, not an enum: a phrase the core adds before the catalog lists it.
        other => other,
    };
    super::tr(lang, s, ko)
}

/// Is this trace entry only the consumers' polling (hidden from the event log unless asked for)?
pub fn is_polling(k: &TraceKind) -> bool {
    if let TraceKind::Sent { kind, summary, .. } = k {
        return is_poll(kind.name(), summary);
    }
    matches!(k, TraceKind::Delivered { kind, .. }
        if kind.name().contains("Fetch") && !kind.name().starts_with("Offset"))
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
pub fn trace_line(lang: Lang, k: &TraceKind) -> String {
    match k {
        TraceKind::Sent {
            id,
            from,
            to,
            kind,
            summary,
            ..
        } => format!("{} → {}: {} #{} ({})", from, to, kind.name(), id, summary),
        TraceKind::Delivered { id, to, kind, .. } => say!(
            lang,
            "{} #{} arrives at {}",
            "{} #{} 도착: {}",
            kind.name(),
            id,
            to
        ),
        TraceKind::Dropped {
            id,
            from,
            to,
            kind,
            reason,
        } => say!(
            lang,
            "✕ {} #{} {} → {} is lost: {}",
            "✕ {} #{} {} → {} 유실: {}",
            kind.name(),
            id,
            from,
            to,
            drop_reason(lang, *reason)
        ),
        TraceKind::Duplicated { id, copy } => say!(
            lang,
            "⑂ #{} will arrive twice (copy #{})",
            "⑂ #{} 메시지가 두 번 도착합니다 (사본 #{})",
            id,
            copy
        ),
        TraceKind::Delayed { id, ms } => say!(
            lang,
            "⏱ #{} delayed by {} ms",
            "⏱ #{} 메시지 {} ms 지연",
            id,
            ms
        ),
        TraceKind::Crashed { node } => say!(lang, "💥 {} crashed", "💥 {} 크래시", node),
        TraceKind::Restarted { node } => say!(lang, "↻ {} restarted", "↻ {} 재시작", node),
        TraceKind::Link { a, b, state } => match state {
            LinkState::Healthy => say!(lang, "link {} ↔ {} healed", "링크 {} ↔ {} 복구", a, b),
            LinkState::Partitioned => say!(
                lang,
                "link {} ↔ {} partitioned",
                "링크 {} ↔ {} 네트워크 분할",
                a,
                b
            ),
            LinkState::Held => say!(lang, "link {} ↔ {} held", "링크 {} ↔ {} 보류", a, b),
        },
        TraceKind::DropRate {
            from,
            to,
            per_mille,
        } => {
            let any = super::tr(lang, "any", "모든 노드");
            say!(
                lang,
                "drop rate {}‰ on {} → {}",
                "유실률 {}‰: {} → {}",
                per_mille,
                from.map_or(any.to_string(), |n| n.to_string()),
                to.map_or(any.to_string(), |n| n.to_string())
            )
        }
        TraceKind::ConfigChanged { node, config } => say!(
            lang,
            "{} restarts with {}",
            "{}: {} 설정으로 재시작",
            node,
            config_text(config)
        ),
        TraceKind::ConfigRejected { node, error } => say!(
            lang,
            "{}: settings rejected: {}",
            "{}: 설정 거부: {}",
            node,
            error
        ),
        // The scenario file's own words (its `note` steps), as its author wrote them.
        TraceKind::ScheduleNote { text } => format!("▶ {}", text),
        TraceKind::Fact(n) => note_line(lang, n),
    }
}

/// A raw config as `key=value, key=value` (Kafka's keys, verbatim in both languages).
pub fn config_text(c: &crate::sim::config::RawConfig) -> String {
    c.iter()
        .map(|(k, v)| format!("{}={}", k, v))
        .collect::<Vec<_>>()
        .join(", ")
}

fn ids(v: &[u8]) -> String {
    v.iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// How a leader was chosen, after "broker-1 is the new leader (leader epoch 3)".
fn elected_from(lang: Lang, from: ElectedFrom, unclean: bool) -> &'static str {
    let (en, ko) = match from {
        ElectedFrom::Elr => (
            ", from the eligible leader replicas (ELR): it holds every record below the HW",
            ", ELR(리더 자격이 있는 복제본)에서 선출: HW 아래의 레코드를 모두 가지고 있음",
        ),
        ElectedFrom::LastKnownLeader => (
            ", the last known leader (ISR and ELR empty; Kafka counts it as unclean)",
            ", 마지막으로 알려진 리더 (ISR과 ELR이 비어 있음; Kafka는 언클린 리더 선출로 봄)",
        ),
        ElectedFrom::Isr | ElectedFrom::AnyReplica | ElectedFrom::NoLeader if unclean => {
            (", an UNCLEAN election", ", 언클린 리더 선출")
        }
        ElectedFrom::Isr | ElectedFrom::AnyReplica | ElectedFrom::NoLeader => ("", ""),
    };
    super::tr(lang, en, ko)
}

fn note_line(lang: Lang, n: &Note) -> String {
    match n {
        Note::Appended { tp, batch_index } => say!(
            lang,
            "{} appends batch #{}",
            "{}: 배치 #{} 추가",
            tp,
            batch_index
        ),
        Note::Deduplicated { tp, base_offset } => say!(
            lang,
            "{}: duplicate recognised, answered with offset {}",
            "{}: 중복을 알아보고 오프셋 {}(으)로 응답",
            tp,
            base_offset.0
        ),
        Note::Rejected { tp, error } => say!(
            lang,
            "{} rejects a batch: {}",
            "{}: 배치 거부: {}",
            tp,
            error
        ),
        Note::MarkerWritten {
            tp, offset, commit, ..
        } => say!(
            lang,
            "{} {} marker at offset {}",
            "{}: 오프셋 {2}에 {1} 마커",
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
            Some(o) => say!(
                lang,
                "{} learns v{}{} is at {} offset {}",
                "{}: v{}{} 레코드가 {} 오프셋 {}에 있음을 알게 됨",
                node,
                first_record.0,
                more(*count),
                tp,
                o.0
            ),
            None => say!(
                lang,
                "{} considers v{}{} sent (acks=0)",
                "{}: v{}{} 레코드를 보낸 것으로 간주 (acks=0)",
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
        } => say!(
            lang,
            "{}: send of v{}{} failed: {}",
            "{}: v{}{} 레코드 전송 실패: {}",
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
        } => say!(
            lang,
            "consumer-{} processes v{} ({} offset {})",
            "consumer-{}: v{} 레코드 처리 ({} 오프셋 {})",
            consumer,
            record.0,
            tp,
            offset.0
        ),
        Note::SinkWrite {
            consumer,
            record,
            inserted,
        } => match inserted {
            true => say!(
                lang,
                "consumer-{}'s sink inserts v{}",
                "consumer-{}의 싱크: v{} 레코드 삽입",
                consumer,
                record.0
            ),
            false => say!(
                lang,
                "consumer-{}'s sink overwrites v{}",
                "consumer-{}의 싱크: v{} 레코드 덮어쓰기",
                consumer,
                record.0
            ),
        },
        Note::OffsetsCommitted { offsets, .. } => say!(
            lang,
            "offsets committed: {}",
            "오프셋 커밋: {}",
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
        } => say!(
            lang,
            "coordinator: {} → {} (pid {} epoch {})",
            "코디네이터: {} → {} (pid {} 에포크 {})",
            from.name(),
            to.name(),
            producer_id.0,
            epoch
        ),
        Note::TxnCommittedByClient { node } => say!(
            lang,
            "{}: commitTransaction() returned",
            "{}: commitTransaction() 반환",
            node
        ),
        Note::ProducerIdChanged {
            node,
            producer_id,
            epoch,
        } => say!(
            lang,
            "{} now has pid {} epoch {}",
            "{}: 이제 pid {} 에포크 {}",
            node,
            producer_id.0,
            epoch
        ),
        Note::ClientRestarted { node } => say!(
            lang,
            "{} starts a new session",
            "{}: 새 세션 시작",
            node
        ),
        Note::ClientError { node, error, what } => {
            format!("{}: {} ({})", node, error, core_phrase(lang, what))
        }
        Note::LeaderElected {
            tp,
            leader,
            leader_epoch,
            unclean,
            from,
        } => match leader {
            Some(l) => say!(
                lang,
                "{}: broker-{} is the new leader (leader epoch {}){}",
                "{}: broker-{} 새 리더 (리더 에포크 {}){}",
                tp,
                l,
                leader_epoch,
                elected_from(lang, *from, *unclean)
            ),
            None => say!(
                lang,
                "{}: no replica can lead; the partition is offline",
                "{}: 리더가 될 수 있는 복제본이 없음; 파티션 오프라인",
                tp
            ),
        },
        Note::ElrChanged { tp, elr } => say!(
            lang,
            "{}: eligible leader replicas (ELR) are now {{{}}}",
            "{}: 이제 ELR(리더 자격이 있는 복제본) = {{{}}}",
            tp,
            ids(elr)
        ),
        Note::Truncated { tp, broker, to } => say!(
            lang,
            "{}: broker-{} truncates its log to offset {}",
            "{}: broker-{} 로그를 오프셋 {}까지 잘라내기",
            tp,
            broker,
            to.0
        ),
        Note::IsrChanged { tp, isr } => say!(
            lang,
            "{}: ISR is now {{{}}}",
            "{}: 이제 ISR = {{{}}}",
            tp,
            ids(isr)
        ),
        Note::GroupStateChanged {
            group,
            from,
            to,
            generation_id,
        } => say!(
            lang,
            "group coordinator: group {} {} → {} (generation {})",
            "그룹 코디네이터: 그룹 {} {} → {} (제너레이션 {})",
            group,
            from.name(),
            to.name(),
            generation_id
        ),
        Note::GroupMemberRemoved {
            group,
            member_id,
            reason,
        } => say!(
            lang,
            "group coordinator: removes member {} from group {}: {}",
            "그룹 코디네이터: 그룹 {1}에서 멤버 {0} 제거: {2}",
            short_member(lang, member_id),
            group,
            core_phrase(lang, reason)
        ),
        Note::GroupJoined {
            consumer,
            generation_id,
            member_id,
            assignment,
        } => {
            let assigned = if assignment.is_empty() {
                super::tr(lang, "no partition", "파티션 없음").to_string()
            } else {
                assignment
                    .iter()
                    .map(|tp| tp.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            say!(
                lang,
                "consumer-{} joined as {} in generation {}, assigned {}",
                "consumer-{}: 제너레이션 {2}에 {1} 멤버로 참여, 할당: {3}",
                consumer,
                short_member(lang, member_id),
                generation_id,
                assigned
            )
        }
        Note::GroupLeft {
            consumer,
            member_id,
            reason,
        } => say!(
            lang,
            "consumer-{} ({}) leaves its partitions: {}",
            "consumer-{} ({}): 파티션을 내놓음: {}",
            consumer,
            short_member(lang, member_id),
            core_phrase(lang, reason)
        ),
        Note::ProducerIdExpired {
            broker,
            tp,
            producer_id,
        } => say!(
            lang,
            "{}: broker-{} drops pid {}'s state (producer.id.expiration.ms)",
            "{}: broker-{} pid {}의 상태를 버림 (producer.id.expiration.ms)",
            tp,
            broker,
            producer_id.0
        ),
        Note::ErrorInjected { node, kind, error } => say!(
            lang,
            "⚠ injected: {} answers {} with {}",
            "⚠ 주입된 오류: {}: {} 요청에 {} 응답",
            node,
            kind.name(),
            error
        ),
        Note::StaticMemberReplaced {
            group_instance_id,
            old_member_id,
            new_member_id,
            ..
        } => say!(
            lang,
            "group.instance.id {0}: {1} takes over {2}'s partitions without a rebalance; {2} is fenced (FENCED_INSTANCE_ID)",
            "group.instance.id {0}: {1} 멤버가 리밸런스 없이 {2} 멤버의 파티션을 넘겨받음; {2} 멤버는 펜싱됨 (FENCED_INSTANCE_ID)",
            group_instance_id,
            short_member(lang, new_member_id),
            short_member(lang, old_member_id)
        ),
    }
}

/// A member id as the event log shows it: its first 12 characters (Kafka's are a client id and a
/// UUID).
fn short_member(lang: Lang, id: &str) -> String {
    if id.is_empty() {
        return super::tr(lang, "(no member id)", "(멤버 ID 없음)").into();
    }
    let short: String = id.chars().take(12).collect();
    if short.len() < id.len() {
        format!("{}…", short)
    } else {
        short
    }
}

/// "..+2" after a batch's first record: how many more it holds.
fn more(count: u32) -> String {
    if count > 1 {
        format!("..+{}", count - 1)
    } else {
        String::new()
    }
}
