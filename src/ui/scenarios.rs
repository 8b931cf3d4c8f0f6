//! The shipped scenarios. The default story (the first) is embedded in the wasm, so the app and
//! every widget can always fall back to it at once; the others are fetched on demand from
//! `scenarios/ID.json` next to `boot.js` (trunk copies `static/scenarios/` into `dist/`), which
//! keeps ~29 KB gzip of JSON out of the bundle. A fetch is same-origin, so the strict CSP
//! (`connect-src` falls back to `default-src 'self'`) allows it. Order: the guided stories as
//! `PRODUCT.md` §6 tells them.

/// The default story's file, embedded.
pub const DEFAULT_SCENARIO: &str =
    include_str!("../../static/scenarios/lost-ack-no-idempotence.json");

/// (id, English title, Korean title) of every shipped scenario, for the picker without fetching.
/// The titles are copies of each file's `title`; the e2e test `widget.test.mjs` checks they agree.
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
        "The seed's simple solution: a sink keyed by topic-partition-offset",
        "원문의 간단한 해결책: 토픽-파티션-오프셋을 키로 쓰는 싱크",
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
];

/// The embedded text of scenario `i`, if it is embedded.
pub fn embedded(i: usize) -> Option<&'static str> {
    (i == 0).then_some(DEFAULT_SCENARIO)
}

/// Where the app's files are: the directory of the `boot.js` that loaded it, else the page's.
pub fn base_url() -> String {
    let doc = gloo::utils::document();
    let src = doc
        .query_selector("script[src$='boot.js']")
        .ok()
        .flatten()
        .and_then(|s| js_sys::Reflect::get(&s, &"src".into()).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| super::widget::location().0);
    let src = src.split(['?', '#']).next().unwrap_or_default();
    match src.rfind('/') {
        Some(i) => src[..=i].to_string(),
        None => String::new(),
    }
}
