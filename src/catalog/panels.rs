//! The panels' composed lines: the sink table's heading, a consumer card.

use super::Lang;
use crate::sim::producer::SendStatus;

/// The sink table's heading line: how it writes, what its key is, how many rows.
pub fn sink_line(
    lang: Lang,
    idempotent: bool,
    key_is_record: bool,
    rows: impl std::fmt::Display,
) -> String {
    let key = if key_is_record {
        "record"
    } else {
        "topic-partition-offset"
    };
    match lang {
        Lang::En => format!(
            " · {} · key {} · {} rows",
            if idempotent {
                "idempotent (upsert)"
            } else {
                "insert every record"
            },
            key,
            rows
        ),
        Lang::Ko => format!(
            " · {} · 키 {} · {}행",
            if idempotent {
                "멱등 (upsert)"
            } else {
                "레코드마다 insert"
            },
            key,
            rows
        ),
    }
}

/// " 2 value(s) twice" beside the sink table's heading.
pub fn values_twice_text(lang: Lang, n: impl std::fmt::Display) -> String {
    say!(lang, " {} value(s) twice", " 두 번 들어간 값 {}개", n)
}

/// A consumer card's line: state, isolation level, commit mode, group, records processed.
pub fn consumer_card_line(
    lang: Lang,
    state: impl std::fmt::Display,
    isolation: &str,
    commit: &str,
    group: &str,
    processed: impl std::fmt::Display,
) -> String {
    say!(
        lang,
        " · {} · isolation.level={} · commit {} · group {} · {} processed",
        " · {} · isolation.level={} · 커밋 {} · 그룹 {} · {}건 처리",
        state,
        isolation,
        commit,
        group,
        processed
    )
}

/// The stage's line under a producer for its sends still waiting for an answer, the oldest
/// first ("pending: v0 v1", "v0..v9" for a batch of ten); empty when it waits for none.
pub fn awaiting_line(lang: Lang, sends: &[(u32, u32)]) -> String {
    const SHOWN: usize = 3;
    if sends.is_empty() {
        return String::new();
    }
    let mut values: Vec<String> = sends
        .iter()
        .take(SHOWN)
        .map(|&(first, count)| {
            if count > 1 {
                format!("v{first}..v{}", first + count - 1)
            } else {
                format!("v{first}")
            }
        })
        .collect();
    if sends.len() > SHOWN {
        values.push(format!("+{}", sends.len() - SHOWN));
    }
    format!(
        "{} {}",
        super::tr(lang, "pending:", "대기 중:"),
        values.join(" ")
    )
}

/// What the producer believes of one send (the belief table's cell).
pub fn belief_text(lang: Lang, s: &SendStatus) -> String {
    match (lang, s) {
        (Lang::En, SendStatus::Pending) => "pending…".into(),
        (Lang::Ko, SendStatus::Pending) => "대기 중…".into(),
        (Lang::En, SendStatus::Acked(Some(o))) => format!("acked @ {}", o.0),
        (Lang::Ko, SendStatus::Acked(Some(o))) => format!("ack 받음 @ {}", o.0),
        (Lang::En, SendStatus::Acked(None)) => "acked (offset unknown, acks=0)".into(),
        (Lang::Ko, SendStatus::Acked(None)) => "ack 받음 (오프셋 모름, acks=0)".into(),
        (Lang::En, SendStatus::Failed(e)) => format!("failed: {}", e),
        (Lang::Ko, SendStatus::Failed(e)) => format!("실패: {}", e),
        (Lang::En, SendStatus::Unknown) => "unknown (crashed before the answer)".into(),
        (Lang::Ko, SendStatus::Unknown) => "모름 (응답 전에 크래시)".into(),
    }
}

/// The log's side when the record was not found in the batches scanned.
pub fn not_in_last_batches_text(lang: Lang, n: usize) -> String {
    say!(
        lang,
        "not in the last {} batches",
        "마지막 배치 {}개 안에는 없음",
        n
    )
}

/// One copy of a record in the log: "@3", or "@3 (aborted)".
pub fn copy_at_text(lang: Lang, offset: u64, aborted: bool) -> String {
    match (lang, aborted) {
        (Lang::En | Lang::Ko, false) => format!("@{}", offset),
        (Lang::En, true) => format!("@{} (aborted)", offset),
        (Lang::Ko, true) => format!("@{} (중단됨)", offset),
    }
}

/// A producer card's line: state, producer id and epoch, session, idempotence and acks.
pub fn producer_card_line(
    lang: Lang,
    state: &str,
    pid_epoch: Option<(i64, i16)>,
    session: u32,
    idempotence: bool,
    acks: &str,
) -> String {
    let ids = match (lang, pid_epoch) {
        (Lang::En, None) => "no producer id".to_string(),
        (Lang::Ko, None) => "프로듀서 ID 없음".to_string(),
        (Lang::En, Some((p, e))) => format!("pid {} epoch {}", p, e),
        (Lang::Ko, Some((p, e))) => format!("pid {} 에포크 {}", p, e),
    };
    say!(
        lang,
        " · {} · {} · session {} · enable.idempotence={} acks={}",
        " · {} · {} · 세션 {} · enable.idempotence={} acks={}",
        state,
        ids,
        session,
        idempotence,
        acks
    )
}

/// "3 earlier sends not shown".
pub fn earlier_sends_text(lang: Lang, n: usize) -> String {
    say!(
        lang,
        "{} earlier sends not shown",
        "이전 전송 {}건은 보이지 않음",
        n
    )
}

/// A processed record's chip title: what, where, when, and whether it was processed again.
pub fn processed_title(
    lang: Lang,
    record: u32,
    tp: impl std::fmt::Display,
    offset: u64,
    tick: u64,
    again: bool,
    same_value: bool,
) -> String {
    let (en, ko) = if again {
        (" — processed again", " — 다시 처리함")
    } else if same_value {
        (
            " — the same value again (another offset)",
            " — 같은 값을 다시 처리함 (다른 오프셋)",
        )
    } else {
        ("", "")
    };
    match lang {
        Lang::En => format!(
            "v{} from {} offset {} at t={} ms{}",
            record, tp, offset, tick, en
        ),
        Lang::Ko => format!(
            "v{} · {} 오프셋 {} · t={} ms{}",
            record, tp, offset, tick, ko
        ),
    }
}

/// The states a transaction state may also come from, beside the drawing's tree: "↩ from Empty".
pub fn fsm_from_text(lang: Lang, from: &str) -> String {
    say!(lang, "↩ from {}", "↩ 이전 상태: {}", from)
}

/// "orders-tx in Ongoing" in the state machine's label.
pub fn txn_in_state_text(lang: Lang, txn: &str, state: &str) -> String {
    say!(lang, "{} in {}", "{}: {}", txn, state)
}

/// A transaction's line under the state machine: ": Ongoing · pid 1 epoch 0 · partitions: …".
pub fn txn_line(lang: Lang, state: &str, pid: i64, epoch: i16, partitions: &str) -> String {
    say!(
        lang,
        ": {} · pid {} epoch {} · partitions: {}",
        ": {} · pid {} 에포크 {} · 파티션: {}",
        state,
        pid,
        epoch,
        partitions
    )
}
