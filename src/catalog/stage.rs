//! The stage's words: its nodes' status lines, messages in flight, losses and timers.

use super::Lang;
use crate::sim::world::DropReason;

/// Under the stage: how many messages in flight it leaves out.
pub fn more_in_flight_text(lang: Lang, hidden: usize) -> String {
    match lang {
        Lang::En => format!(
            "{} more message{} in flight not drawn (idle fetch polls or no room).",
            hidden,
            if hidden == 1 { "" } else { "s" }
        ),
        Lang::Ko => format!(
            "그리지 않은 전송 중 메시지 {}개 (빈 페치 폴링 또는 자리 부족).",
            hidden
        ),
    }
}

/// A story's switch: "Flip acks and run the story again with the same faults".
pub fn knob_title(lang: Lang, key: &str) -> String {
    say!(
        lang,
        "Flip {} and run the story again with the same faults",
        "{} 값을 바꾸고 같은 장애로 스토리를 다시 실행합니다",
        key
    )
}

/// A partition cell on a broker: "offset 3: v1", with " (aborted)".
pub fn stage_cell_title(lang: Lang, offset: u64, label: &str, aborted: bool) -> String {
    match (lang, aborted) {
        (Lang::En, false) => format!("offset {}: {}", offset, label),
        (Lang::En, true) => format!("offset {}: {} (aborted)", offset, label),
        (Lang::Ko, false) => format!("오프셋 {}: {}", offset, label),
        (Lang::Ko, true) => format!("오프셋 {}: {} (중단됨)", offset, label),
    }
}

/// A message in flight for a screen reader (and its tooltip).
pub fn token_label(lang: Lang, kind: &str, id: u64, from: &str, to: &str, summary: &str) -> String {
    say!(
        lang,
        "{} #{} from {} to {}: {}. Press Enter to act on it.",
        "{} #{} ({} → {}): {}. Enter 키로 이 메시지에 장애를 넣습니다.",
        kind,
        id,
        from,
        to,
        summary
    )
}

/// Why a message vanished, beside its ✕ on the stage (shorter than the event log's reason).
pub fn loss_text(lang: Lang, r: DropReason) -> &'static str {
    let (en, ko) = match r {
        DropReason::Fault => ("lost", "유실"),
        DropReason::ConnectionBroken => ("lost: the connection broke", "유실: 연결이 끊김"),
        DropReason::Partitioned => ("lost: the link is cut", "유실: 링크가 끊김"),
        DropReason::DropRate => ("lost (random drop rate)", "유실(무작위 유실률)"),
        DropReason::ReceiverDown => ("lost: nobody to receive it", "유실: 받을 노드가 없음"),
        DropReason::SenderCrashed => ("lost: its sender crashed", "유실: 보낸 노드가 크래시됨"),
    };
    super::tr(lang, en, ko)
}

/// A timer's ring: "request.timeout.ms (orders-tx): 1200 ms left".
pub fn timer_text(lang: Lang, key: &str, what: &str, ms_left: f64) -> String {
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(" ({})", what)
    };
    say!(
        lang,
        "{}{}: {} ms left",
        "{}{}: {} ms 남음",
        key,
        what,
        ms_left
    )
}

/// A classic group on the group coordinator: "Stable gen 2" (Kafka's generation id, abbreviated
/// so it fits the node).
pub fn group_gen_text(lang: Lang, state: &str, generation: i32) -> String {
    say!(lang, "{} gen {}", "{} 제너레이션 {}", state, generation)
}

/// A consumer's first line: its isolation level, and its generation when it is in one.
pub fn consumer_gen_text(lang: Lang, isolation: &str, generation: i32) -> String {
    say!(
        lang,
        "{} · gen {}",
        "{} · 제너레이션 {}",
        isolation,
        generation
    )
}

/// A consumer's second line: its sink's rows, or how many records it processed.
pub fn consumer_stage_line(lang: Lang, sink: Option<(u64, bool)>, processed: u64) -> String {
    let upsert = |idempotent: bool| if idempotent { " (upsert)" } else { "" };
    match (lang, sink) {
        (Lang::En, Some((rows, i))) => format!("sink: {} rows{}", rows, upsert(i)),
        (Lang::Ko, Some((rows, i))) => format!("싱크: {}행{}", rows, upsert(i)),
        (Lang::En, None) => format!("processed {}", processed),
        (Lang::Ko, None) => format!("처리 {}건", processed),
    }
}

/// The inspector, when the message chosen has arrived or vanished meanwhile.
pub fn no_longer_in_flight_text(lang: Lang, id: u64) -> String {
    say!(
        lang,
        "Message #{} is no longer in flight.",
        "#{} 메시지는 이제 전송 중이 아닙니다.",
        id
    )
}
