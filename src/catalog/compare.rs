//! Side by side: where two runs part.

use super::{tr, Lang};

/// Where two runs part: both divergent events, phrased as the event log does.
pub fn compare_parts(
    lang: Lang,
    step: u64,
    key: &str,
    from: &str,
    to: &str,
    left: Option<&str>,
    right: Option<&str>,
) -> String {
    let nothing = tr(lang, "nothing more happens", "더 이상 아무 일도 없습니다");
    let (l, r) = (left.unwrap_or(nothing), right.unwrap_or(nothing));
    say!(
        lang,
        "The runs part at step {}: with {}={}, {}; with {}, {}.",
        "두 실행은 스텝 {}에서 갈라집니다. {}={}이면 {}; {}이면 {}.",
        step,
        key,
        from,
        l,
        to,
        r
    )
}

pub fn compare_first_step(lang: Lang, step: u64) -> String {
    say!(
        lang,
        "Their messages already differ from step {}.",
        "두 실행의 메시지는 스텝 {}부터 이미 다릅니다.",
        step
    )
}

pub fn compare_same(lang: Lang, steps: u64) -> String {
    say!(
        lang,
        "The two runs have the same outcomes, in the same order (up to step {}).",
        "두 실행의 결과가 같은 순서로 같습니다(스텝 {}까지).",
        steps
    )
}

/// A divergent append, named by what it wrote: "orders-0 appends v0 again at offset 2".
pub fn appended_line(
    lang: Lang,
    tp: impl std::fmt::Display,
    record: u32,
    again: bool,
    offset: u64,
) -> String {
    match (lang, again) {
        (Lang::En, false) => format!("{} appends v{} at offset {}", tp, record, offset),
        (Lang::En, true) => format!("{} appends v{} again at offset {}", tp, record, offset),
        (Lang::Ko, false) => format!("{}: 오프셋 {}에 v{} 레코드 추가", tp, offset, record),
        (Lang::Ko, true) => format!("{}: 오프셋 {}에 v{} 레코드를 다시 추가", tp, offset, record),
    }
}

/// A run's step in its heading: "step 12", or "ended at step 40".
pub fn run_step_text(lang: Lang, step: u64, ended: bool) -> String {
    match (lang, ended) {
        (Lang::En, false) => format!("step {}", step),
        (Lang::En, true) => format!("ended at step {}", step),
        (Lang::Ko, false) => format!("스텝 {}", step),
        (Lang::Ko, true) => format!("스텝 {}에서 끝남", step),
    }
}

/// "7 properties pass" under a run.
pub fn properties_pass_text(lang: Lang, n: usize) -> String {
    say!(lang, "{} properties pass", "속성 {}개 통과", n)
}

/// The main run's label: "acks=all (this run)".
pub fn this_run_label(lang: Lang, key: &str, value: &str) -> String {
    say!(lang, "{}={} (this run)", "{}={} (이 실행)", key, value)
}
