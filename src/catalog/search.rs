//! Find a failure: the faults of a schedule, the search's progress and its outcome.

use super::Lang;

/// One fault of a search's schedule.
pub fn action_text(lang: Lang, step: u64, a: &crate::sim::timeline::UserAction) -> String {
    use crate::sim::timeline::UserAction as A;
    match (lang, a) {
        (Lang::En, A::DropMessage(id)) => format!("drop message #{} after step {}", id, step),
        (Lang::Ko, A::DropMessage(id)) => format!("스텝 {} 뒤 메시지 #{} 버리기", step, id),
        (Lang::En, A::DelayMessage(id, ms)) => {
            format!("delay message #{} by {} ms after step {}", id, ms, step)
        }
        (Lang::Ko, A::DelayMessage(id, ms)) => {
            format!("스텝 {} 뒤 #{} 메시지 {} ms 지연", step, id, ms)
        }
        (Lang::En, A::DuplicateMessage(id)) => {
            format!("duplicate message #{} after step {}", id, step)
        }
        (Lang::Ko, A::DuplicateMessage(id)) => format!("스텝 {} 뒤 메시지 #{} 복제", step, id),
        (Lang::En, A::CrashFor(n, ms)) => format!("crash {} for {} ms after step {}", n, ms, step),
        (Lang::Ko, A::CrashFor(n, ms)) => format!("스텝 {} 뒤 {}: {} ms 동안 크래시", step, n, ms),
        (Lang::En, A::Fault(f)) => format!("{:?} after step {}", f, step),
        (Lang::Ko, A::Fault(f)) => format!("스텝 {} 뒤 {:?}", step, f),
    }
}

/// The search's progress line.
pub fn search_progress(lang: Lang, states: u64, depth: u64, faults: u32, rate: f64) -> String {
    match lang {
        Lang::En => format!(
            "{} states explored · depth {} · {} fault{} · {:.0} states/s",
            states,
            depth,
            faults,
            if faults == 1 { "" } else { "s" },
            rate
        ),
        Lang::Ko => format!(
            "상태 {}개 탐색 · 깊이 {} · 장애 {}개 · 초당 상태 {:.0}개",
            states, depth, faults, rate
        ),
    }
}

/// What a search found: how many faults, and where.
pub fn search_found(lang: Lang, situation: bool, faults: usize, step: u64) -> String {
    match (lang, situation, faults) {
        (Lang::En, false, 0) => format!("Found without any fault: it fails at step {}.", step),
        (Lang::En, false, n) => format!(
            "Found: {} fault{} break{} it, at step {}.",
            n,
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" },
            step
        ),
        (Lang::En, true, 0) => format!("Reached without any fault, at step {}.", step),
        (Lang::En, true, n) => format!(
            "Reached with {} fault{}, at step {}.",
            n,
            if n == 1 { "" } else { "s" },
            step
        ),
        (Lang::Ko, false, 0) => format!("찾았습니다: 장애 없이 스텝 {}에서 깨집니다.", step),
        (Lang::Ko, false, n) => format!("찾았습니다: 장애 {}개로 스텝 {}에서 깨집니다.", n, step),
        (Lang::Ko, true, 0) => format!("장애 없이 스텝 {}에서 이 상황에 이릅니다.", step),
        (Lang::Ko, true, n) => format!("장애 {}개로 스텝 {}에서 이 상황에 이릅니다.", n, step),
    }
}

/// A search that found nothing up to its bounds.
pub fn search_not_found(
    lang: Lang,
    situation: bool,
    exhausted: bool,
    faults: u32,
    depth: u64,
    states: u64,
) -> String {
    match lang {
        Lang::En => format!(
            "No {} up to depth {} with {} fault{} ({} states explored){}",
            if situation {
                "such situation"
            } else {
                "violation"
            },
            depth,
            faults,
            if faults == 1 { "" } else { "s" },
            states,
            if exhausted {
                ": every schedule was tried."
            } else {
                ". The state limit stopped the search before every schedule was tried."
            }
        ),
        Lang::Ko => format!(
            "깊이 {}까지 장애 {}개로는 {} 없습니다(상태 {}개 탐색){}",
            depth,
            faults,
            if situation {
                "그런 상황이"
            } else {
                "위반이"
            },
            states,
            if exhausted {
                ". 모든 스케줄을 시도했습니다."
            } else {
                ". 상태 한도에 걸려 모든 스케줄을 시도하지는 못했습니다."
            }
        ),
    }
}

pub fn search_cancelled(lang: Lang, states: u64) -> String {
    say!(
        lang,
        "Search cancelled after {} states.",
        "상태 {}개를 탐색한 뒤 탐색을 취소했습니다.",
        states
    )
}

/// A search stopped by its memory budget (`sim::search::Outcome::MemoryBudget`).
pub fn search_memory_budget(lang: Lang, states: u64) -> String {
    match lang {
        Lang::En => crate::sim::search::memory_budget_message(states),
        Lang::Ko => format!(
            "상태 {}개에서 탐색을 멈췄습니다: 메모리 예산에 도달했습니다 — 범위를 좁히세요",
            states
        ),
    }
}
