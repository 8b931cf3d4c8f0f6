//! The partition logs' and the space-time diagram's words: a cell's detail, a partition's
//! heading, the marks on a lane.

use super::Lang;

/// A control batch's detail: "orders-0 offset 4: COMMIT marker · PID 1 · epoch 0 · coordinator
/// epoch 0" (`ids` ends with " · ").
pub fn marker_detail(
    lang: Lang,
    tp: impl std::fmt::Display,
    offset: u64,
    name: &str,
    ids: &str,
    coordinator_epoch: impl std::fmt::Display,
) -> String {
    say!(
        lang,
        "{} offset {}: {} marker · {}coordinator epoch {}",
        "{} 오프셋 {}: {} 마커 · {}코디네이터 에포크 {}",
        tp,
        offset,
        name,
        ids,
        coordinator_epoch
    )
}

/// After a data cell's detail: who sent it.
pub fn from_producer_text(lang: Lang, producer: usize) -> String {
    say!(
        lang,
        " · from producer-{}",
        " · 보낸 곳: producer-{}",
        producer
    )
}

/// After a data cell's detail: the record is in the log more than once.
pub fn duplicate_detail(lang: Lang, record: u32, copies: u8) -> String {
    say!(
        lang,
        " · DUPLICATE: v{} is in the log {} times",
        " · 중복: 로그에 v{} 레코드가 {}번 있다",
        record,
        copies
    )
}

/// A partition whose leader holds no log for it.
pub fn no_log_text(lang: Lang, tp: impl std::fmt::Display, leader: u8) -> String {
    say!(
        lang,
        "{}: its leader broker-{} has no log",
        "{}: 리더 broker-{}에 로그가 없음",
        tp,
        leader
    )
}

/// A lane's mark: "producer-0 crashed at step 12" (`restarted`: "… restarted at step 14").
pub fn lane_mark_text(
    lang: Lang,
    node: impl std::fmt::Display,
    restarted: bool,
    step: u64,
) -> String {
    match (lang, restarted) {
        (Lang::En, false) => format!("{} crashed at step {}", node, step),
        (Lang::En, true) => format!("{} restarted at step {}", node, step),
        (Lang::Ko, false) => format!("{}: 스텝 {}에서 크래시", node, step),
        (Lang::Ko, true) => format!("{}: 스텝 {}에서 재시작", node, step),
    }
}

/// After an arrow's title: the message was lost, or is still in flight.
pub fn arrow_state_text(lang: Lang, lost: bool, flying: bool) -> &'static str {
    if lost {
        super::tr(lang, " (lost)", " (유실)")
    } else if flying {
        super::tr(lang, " (in flight)", " (전송 중)")
    } else {
        ""
    }
}
