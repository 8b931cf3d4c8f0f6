//! A widget's options as text, parsed and validated: the `data-` attributes, the iframe's URL query
//! (once unescaped), a shared moment and `eoscope.mount(element, options)` all end here. Pure and
//! compiled natively (like `share.rs`), so `tests/widget_options.rs` can feed it arbitrary input:
//! nothing here panics, and every error is one plain sentence that the app shows as a text node
//! beside the default story (a panic in wasm would stop every widget on the page, since they share
//! one module instance).
//!
//! It also holds the plain types the options need: the language, the panels and their ids, and the
//! table of shipped scenarios. `src/ui` re-exports them and adds the page glue (`ui/widget.rs`).

use crate::share::{self, Moment};
use serde::Deserialize;

/// The user interface's language: scenario titles, narration and the app's own labels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    Ko,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }
}

/// The panels that can be shown or hidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Topology,
    Logs,
    Belief,
    Consumers,
    Coordinator,
    SpaceTime,
    Timers,
    Verdicts,
    Events,
    Settings,
    Faults,
    Search,
    Compare,
}

impl Panel {
    pub const ALL: [Panel; 13] = [
        Panel::Logs,
        Panel::Verdicts,
        Panel::Topology,
        Panel::Belief,
        Panel::Consumers,
        Panel::Coordinator,
        Panel::SpaceTime,
        Panel::Timers,
        Panel::Events,
        Panel::Settings,
        Panel::Faults,
        Panel::Search,
        Panel::Compare,
    ];

    /// The panel's bit in a set of panels (`Options::panels`).
    pub fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A panel's id in `data-panels`.
pub fn panel_id(p: Panel) -> &'static str {
    match p {
        Panel::Topology => "topology",
        Panel::Logs => "logs",
        Panel::Belief => "belief",
        Panel::Consumers => "consumers",
        Panel::Coordinator => "coordinator",
        Panel::SpaceTime => "spacetime",
        Panel::Timers => "timers",
        Panel::Verdicts => "verdicts",
        Panel::Events => "events",
        Panel::Settings => "settings",
        Panel::Faults => "faults",
        Panel::Search => "search",
        Panel::Compare => "compare",
    }
}

/// (id, English title, Korean title) of every shipped scenario, for the picker without fetching.
/// The titles are copies of each file's `title`; the e2e test `widget.test.mjs` checks they agree.
/// Order: the guided stories as `PRODUCT.md` §6 tells them; the first is the default story.
pub const SCENARIOS: &[(&str, &str, &str)] = &[
    (
        "lost-ack-no-idempotence",
        "A lost ack and a retry write a duplicate",
        "유실된 ack와 재시도가 중복을 만든다",
    ),
    (
        "lost-ack-idempotence",
        "Idempotence: the retry is recognised and not written again",
        "멱등성: 재시도를 알아보고 다시 기록하지 않는다",
    ),
    (
        "producer-restart-duplicate",
        "A restarted producer is a new session: idempotence can't help",
        "재시작한 프로듀서는 새 세션이다: 멱등성도 막지 못한다",
    ),
    (
        "max-in-flight-reordering",
        "Retries reorder records without idempotence",
        "멱등성이 없으면 재시도가 순서를 바꾼다",
    ),
    (
        "consumer-crash-before-commit",
        "A consumer crashes after processing, before its offset commit",
        "컨슈머가 처리 후 오프셋 커밋 전에 죽는다",
    ),
    (
        "consumer-commit-before-processing",
        "Committing before processing loses records on a crash",
        "처리 전에 커밋하면 장애 시 레코드를 잃는다",
    ),
    (
        "idempotent-sink",
        "A simple solution: a sink keyed by topic-partition-offset",
        "간단한 해결책: 토픽-파티션-오프셋을 키로 쓰는 싱크",
    ),
    (
        "txn-commit",
        "A transaction that commits: two-phase commit and markers",
        "커밋되는 트랜잭션: 2단계 커밋과 마커",
    ),
    (
        "txn-abort-two-readers",
        "An aborted transaction, read both ways",
        "중단된 트랜잭션을 두 격리 수준으로 읽기",
    ),
    (
        "txn-open-stalls-lso",
        "An open transaction holds the last stable offset back",
        "열린 트랜잭션이 LSO를 붙잡는다",
    ),
    (
        "txn-zombie-fencing",
        "Zombie fencing: a new instance with the same transactional.id",
        "좀비 펜싱: 같은 transactional.id의 새 인스턴스",
    ),
    (
        "txn-timeout",
        "A transaction that times out is aborted by the coordinator",
        "시간 초과된 트랜잭션은 코디네이터가 중단한다",
    ),
    (
        "txn-coordinator-failover",
        "The coordinator crashes between PrepareCommit and the markers",
        "코디네이터가 PrepareCommit과 마커 사이에 죽는다",
    ),
    (
        "txn-coordinator-moves",
        "The coordinator moves: a new leader of __transaction_state finishes the commit",
        "코디네이터가 옮겨 간다: __transaction_state의 새 리더가 커밋을 마무리한다",
    ),
    (
        "consume-transform-produce",
        "Consume–transform–produce through a crash: exactly once end to end",
        "장애를 견디는 consume–transform–produce: 종단 간 정확히 한 번",
    ),
    (
        "acks1-leader-failover",
        "acks=1: a leader failover loses an acknowledged record",
        "acks=1: 리더 장애 조치가 확인받은 레코드를 잃는다",
    ),
    (
        "acksall-leader-failover",
        "acks=all: the same failover loses nothing",
        "acks=all: 같은 장애 조치에도 잃는 것이 없다",
    ),
    (
        "failover-idempotent-retry",
        "A retry after a failover is deduplicated by the new leader",
        "장애 조치 후의 재시도를 새 리더가 중복으로 알아본다",
    ),
    (
        "min-isr-refuses-writes",
        "Fewer in-sync replicas than min.insync.replicas: acks=all writes are refused",
        "ISR이 min.insync.replicas보다 작으면 acks=all 쓰기를 거절한다",
    ),
    (
        "unclean-election-loses-data",
        "An unclean leader election loses committed records",
        "언클린 리더 선출이 커밋된 레코드를 잃는다",
    ),
    (
        "txn-hanging",
        "A hanging transaction: a late write after the abort holds the LSO forever",
        "매달린 트랜잭션: 중단 뒤에 늦게 도착한 쓰기가 LSO를 영영 붙잡는다",
    ),
    (
        "txn-v2-epochs",
        "Transactions v2 (Kafka 4.3): the epoch climbs at every commit and fences the zombie",
        "트랜잭션 v2(Kafka 4.3): 커밋할 때마다 에포크가 올라 좀비를 펜싱한다",
    ),
    (
        "group-zombie-fenced",
        "KIP-447: a zombie after a rebalance is fenced by its group generation",
        "KIP-447: 리밸런스 뒤의 좀비는 그룹 제너레이션으로 펜싱된다",
    ),
    (
        "group-rebalance-duplicates",
        "A rebalance without exactly-once processes records twice",
        "정확히 한 번 없이 리밸런스하면 레코드를 두 번 처리한다",
    ),
    (
        "group-stuck-unstable-offsets",
        "A stuck group: UNSTABLE_OFFSET_COMMIT until the transaction ends",
        "멈춘 그룹: 트랜잭션이 끝날 때까지 UNSTABLE_OFFSET_COMMIT",
    ),
];

/// The index in [`SCENARIOS`] of a shipped scenario's id.
pub fn scenario_index(id: &str) -> Option<usize> {
    SCENARIOS.iter().position(|(sid, _, _)| *sid == id)
}

/// Which controls a widget shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Controls {
    /// Everything, as on the app's own page.
    #[default]
    Full,
    /// Narration and playback only.
    Minimal,
    /// Narration only: the widget plays when it scrolls into view and stops at the story's beats.
    None,
}

/// Options as given, before validation: the `data-` attributes, the iframe's query and the JS
/// API all become this. Unknown keys are refused (the JS API's `deny_unknown_fields`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOptions {
    pub scenario: Option<String>,
    pub step: Option<u64>,
    pub lang: Option<String>,
    /// Panel ids (`logs`, `verdicts`…), comma-separated.
    pub panels: Option<String>,
    pub controls: Option<String>,
    pub height: Option<u32>,
    pub seed: Option<u64>,
    pub moment: Option<String>,
    pub autoplay: Option<bool>,
    /// The settings a reader may flip on the stage, comma-separated (replaces the story's own).
    pub knobs: Option<String>,
    /// The URL of the author's own scenario file (same origin), instead of `scenario`.
    pub src: Option<String>,
}

/// The options of one app instance, validated (the UI adds the host element and the notice).
#[derive(Clone, Debug, PartialEq)]
pub struct EmbedOptions {
    /// Index into [`SCENARIOS`].
    pub scenario: usize,
    pub moment: Option<Moment>,
    pub step: Option<u64>,
    pub seed: Option<u64>,
    pub lang: Lang,
    /// Panels shown (a bit set of [`Panel::bit`]); `None` = the default for the mode.
    pub panels: Option<u32>,
    pub controls: Controls,
    /// A widget's height in CSS pixels (it scrolls inside).
    pub height: Option<u32>,
    /// An inline widget or the iframe (not the app's own page).
    pub widget: bool,
    /// The knobs on the stage, when the author chose them (else the story's own).
    pub knobs: Option<Vec<&'static str>>,
    /// Start playing when the widget scrolls into view. Off by default: a widget waits on its
    /// story's first beat until the reader presses Play, so the setup is read.
    pub autoplay: bool,
    /// The author's own scenario file, by URL (checked by [`share::check_src`]; the browser also
    /// refuses one on another origin): it replaces `scenario`.
    pub src: Option<String>,
}

impl Default for EmbedOptions {
    fn default() -> Self {
        EmbedOptions {
            scenario: 0,
            moment: None,
            step: None,
            seed: None,
            lang: Lang::En,
            panels: None,
            controls: Controls::Full,
            height: None,
            widget: false,
            autoplay: false,
            knobs: None,
            src: None,
        }
    }
}

pub const MAX_START_STEP: u64 = 1_000_000;
pub const MIN_HEIGHT: u32 = 120;
pub const MAX_HEIGHT: u32 = 4_000;

/// The names `data-eoscope` / `data-…` attributes and the iframe's query use, `scenario` first
/// (it is `data-eoscope` itself).
pub const ATTRS: [&str; 11] = [
    "scenario", "step", "lang", "panels", "controls", "height", "seed", "moment", "autoplay",
    "knobs", "src",
];

/// A value quoted in a message: at most 40 characters, control characters dropped, `<` and `>`
/// shown as `‹` and `›`. The message is rendered as text, never markup; it carries none either.
pub fn clip(s: &str) -> String {
    let mut out: String = s
        .chars()
        .filter(|c| !c.is_control())
        .map(no_angle)
        .take(40)
        .collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// `en` or `ko` (surrounding white space ignored).
pub fn parse_lang(s: &str) -> Result<Lang, String> {
    match s.trim() {
        "en" => Ok(Lang::En),
        "ko" => Ok(Lang::Ko),
        other => Err(format!(
            "the language must be en or ko, not `{}`",
            clip(other)
        )),
    }
}

/// The language of a page from its `<html lang>`: Korean for `ko…`, English otherwise.
pub fn lang_of_page(html_lang: &str) -> Lang {
    if html_lang.to_ascii_lowercase().starts_with("ko") {
        Lang::Ko
    } else {
        Lang::En
    }
}

/// Validates options. `widget`: an inline widget or the iframe (other defaults than the full app).
pub fn validate(raw: RawOptions, widget: bool, default_lang: Lang) -> Result<EmbedOptions, String> {
    let mut o = EmbedOptions {
        widget,
        lang: default_lang,
        ..EmbedOptions::default()
    };
    if let Some(id) = &raw.scenario {
        let id = id.trim();
        if !id.is_empty() {
            o.scenario = scenario_index(id)
                .ok_or_else(|| format!("there is no shipped scenario named `{}`", clip(id)))?;
        }
    }
    if let Some(src) = &raw.src {
        o.src = Some(share::check_src(src)?);
        if raw
            .scenario
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty())
        {
            return Err(
                "give `scenario` (a shipped story) or `src` (your own file), not both".into(),
            );
        }
    }
    if let Some(m) = &raw.moment {
        let m = m.trim();
        let m = m.strip_prefix('#').unwrap_or(m);
        let moment = share::decode(m)?;
        match &moment.src {
            Some(src) => o.src = Some(src.clone()),
            None => {
                o.scenario = scenario_index(&moment.scenario).ok_or_else(|| {
                    format!(
                        "the moment's scenario `{}` is not one eoscope ships",
                        clip(&moment.scenario)
                    )
                })?
            }
        }
        o.lang = parse_lang(&moment.lang)?;
        o.moment = Some(moment);
    }
    if let Some(s) = raw.step {
        if s > MAX_START_STEP {
            return Err(format!(
                "the step must be at most {}, not {}",
                MAX_START_STEP, s
            ));
        }
        o.step = Some(s);
    }
    if let Some(l) = &raw.lang {
        o.lang = parse_lang(l)?;
    }
    if let Some(p) = &raw.panels {
        let mut bits = 0u32;
        for item in p.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let panel = Panel::ALL
                .iter()
                .find(|p| panel_id(**p) == item)
                .ok_or_else(|| {
                    format!(
                        "unknown panel `{}` (panels: {})",
                        clip(item),
                        Panel::ALL.map(panel_id).join(", ")
                    )
                })?;
            bits |= panel.bit();
        }
        o.panels = Some(bits);
    }
    if let Some(c) = &raw.controls {
        o.controls = match c.trim() {
            "full" => Controls::Full,
            "minimal" => Controls::Minimal,
            "none" => Controls::None,
            other => {
                return Err(format!(
                    "controls must be full, minimal or none, not `{}`",
                    clip(other)
                ))
            }
        };
    }
    if let Some(h) = raw.height {
        if !(MIN_HEIGHT..=MAX_HEIGHT).contains(&h) {
            return Err(format!(
                "the height must be between {} and {} pixels, not {}",
                MIN_HEIGHT, MAX_HEIGHT, h
            ));
        }
        o.height = Some(h);
    }
    o.seed = raw.seed;
    if let Some(a) = raw.autoplay {
        o.autoplay = a;
    }
    if let Some(k) = &raw.knobs {
        let mut knobs: Vec<&'static str> = Vec::new();
        for item in k.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let knob = crate::sim::compare::FLIPS
                .iter()
                .copied()
                .find(|f| *f == item)
                .ok_or_else(|| {
                    format!(
                        "unknown knob `{}` (knobs: {})",
                        clip(item),
                        crate::sim::compare::FLIPS.join(", ")
                    )
                })?;
            if !knobs.contains(&knob) {
                knobs.push(knob);
            }
        }
        if knobs.len() > 4 {
            return Err("at most 4 knobs".into());
        }
        o.knobs = Some(knobs);
    }
    Ok(o)
}

/// A whole number for option `key`, from `min` to `max`: the message names the option and its
/// range (`validate` checks the same ranges again for options that come as JSON).
fn parse_num<T: TryFrom<u64>>(key: &str, v: &str, min: u64, max: u64) -> Result<T, String> {
    let t = v.trim();
    let refused = || {
        format!(
            "{} must be a whole number from {} to {}, not `{}`",
            key,
            min,
            max,
            clip(v)
        )
    };
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused());
    }
    t.parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(refused)
}

fn parse_bool(key: &str, v: &str) -> Result<bool, String> {
    match v.trim() {
        "true" | "" => Ok(true),
        "false" => Ok(false),
        other => Err(format!(
            "{} must be true or false, not `{}`",
            key,
            clip(other)
        )),
    }
}

/// Options from `(name, value)` pairs: `data-` attributes without the prefix (`prefix` =
/// `"data-"`: other names are ignored, a page may have its own), or a URL query (`prefix` = `""`:
/// an unknown name is refused). `scenario` is `data-eoscope` itself.
pub fn raw_from_pairs<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    prefix: &str,
) -> Result<RawOptions, String> {
    let mut r = RawOptions::default();
    for (k, v) in pairs {
        let key = format!("{}{}", prefix, k);
        match k {
            "scenario" => r.scenario = Some(v.to_string()),
            "step" => r.step = Some(parse_num(&key, v, 0, MAX_START_STEP)?),
            "lang" => r.lang = Some(v.to_string()),
            "panels" => r.panels = Some(v.to_string()),
            "controls" => r.controls = Some(v.to_string()),
            "height" => r.height = Some(parse_num(&key, v, MIN_HEIGHT.into(), MAX_HEIGHT.into())?),
            "seed" => r.seed = Some(parse_num(&key, v, 0, u64::MAX)?),
            "moment" => r.moment = Some(v.to_string()),
            "autoplay" => r.autoplay = Some(parse_bool(&key, v)?),
            "knobs" => r.knobs = Some(v.to_string()),
            "src" => r.src = Some(v.to_string()),
            other => {
                if prefix.is_empty() {
                    return Err(format!("unknown option `{}`", clip(other)));
                }
            }
        }
    }
    Ok(r)
}

/// The longest URL query the iframe accepts (a moment plus the other options).
pub const MAX_QUERY_LEN: usize = share::MAX_FRAGMENT_LEN + 1_000;

/// Splits a URL query (`?scenario=…&step=…`) into its raw `(name, value)` pairs, `+` read as a
/// space; `unescape` undoes the percent-escapes (the browser's `decodeURIComponent` in the app),
/// `None` for a bad escape.
pub fn query_pairs(
    search: &str,
    unescape: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, String> {
    let q = search.strip_prefix('?').unwrap_or(search);
    if q.len() > MAX_QUERY_LEN {
        return Err("the address's options are too long".into());
    }
    let mut pairs = Vec::new();
    for part in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let dec = |s: &str| -> Result<String, String> {
            unescape(&s.replace('+', " "))
                .ok_or_else(|| format!("the address's option `{}` is badly escaped", clip(s)))
        };
        pairs.push((dec(k)?, dec(v)?));
    }
    Ok(pairs)
}

/// Options from an element's attributes: `attr(name)` returns the value of attribute `name`, if
/// present. `prefix` is `"data-"` for `<div data-eoscope="ID" data-step=…>` and `""` for the custom
/// element `<eoscope-widget scenario="ID" step=…>`; one parser for both.
pub fn from_attributes(
    attr: impl Fn(&str) -> Option<String>,
    prefix: &str,
    default_lang: Lang,
) -> Result<EmbedOptions, String> {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for a in ATTRS {
        let name = match (prefix, a) {
            ("data-", "scenario") => "data-eoscope".to_string(),
            _ => format!("{}{}", prefix, a),
        };
        if let Some(v) = attr(&name) {
            pairs.push((a, v));
        }
    }
    let raw = raw_from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())), prefix)?;
    validate(raw, true, default_lang)
}

/// The options a widget keeps when its options are refused: the author's layout (`lang`,
/// `panels`, `controls`, `height`), each field that is valid on its own, so the message and the
/// default story appear in the space the author gave, not as the full app. Never autoplays.
pub fn fallback<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    widget: bool,
    default_lang: Lang,
) -> EmbedOptions {
    let mut o = EmbedOptions {
        widget,
        lang: default_lang,
        ..EmbedOptions::default()
    };
    for (k, v) in pairs {
        let Ok(raw) = raw_from_pairs(std::iter::once((k, v)), "") else {
            continue;
        };
        let layout = RawOptions {
            lang: raw.lang,
            panels: raw.panels,
            controls: raw.controls,
            height: raw.height,
            ..RawOptions::default()
        };
        if let Ok(one) = validate(layout, widget, o.lang) {
            match k {
                "lang" => o.lang = one.lang,
                "panels" => o.panels = one.panels,
                "controls" => o.controls = one.controls,
                "height" => o.height = one.height,
                _ => {}
            }
        }
    }
    o
}

/// [`fallback`] for an element's attributes (`prefix` as in [`from_attributes`]).
pub fn fallback_from_attributes(
    attr: impl Fn(&str) -> Option<String>,
    prefix: &str,
    default_lang: Lang,
) -> EmbedOptions {
    let pairs: Vec<(&str, String)> = ATTRS
        .iter()
        .filter_map(|a| attr(&format!("{}{}", prefix, a)).map(|v| (*a, v)))
        .collect();
    fallback(
        pairs.iter().map(|(k, v)| (*k, v.as_str())),
        true,
        default_lang,
    )
}

/// Options as JSON text, validated as `eoscope.mount(element, options)`'s are (the browser reads
/// the object key by key into the same pairs, `ui::widget::from_js`, tested with hostile values in
/// `tests/web.rs`): how the validation is tested natively with arbitrary input.
pub fn from_json(text: &str, default_lang: Lang) -> Result<EmbedOptions, String> {
    let raw: RawOptions = serde_json::from_str(text)
        .map_err(|e| format!("eoscope.mount: bad options: {}", clip_long(&e.to_string())))?;
    validate(raw, true, default_lang)
}

/// A longer message quoted (a parser's), control characters dropped, `<` and `>` as `‹` and `›`.
pub fn clip_long(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .map(no_angle)
        .take(160)
        .collect()
}

fn no_angle(c: char) -> char {
    match c {
        '<' => '‹',
        '>' => '›',
        c => c,
    }
}
