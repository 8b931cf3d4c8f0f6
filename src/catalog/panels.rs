//! The panels' composed lines: the sink table's heading, a consumer card.

use super::Lang;

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
    match lang {
        Lang::En => format!(" {} value(s) twice", n),
        Lang::Ko => format!(" 두 번 들어간 값 {}개", n),
    }
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
    match lang {
        Lang::En => format!(
            " · {} · isolation.level={} · commit {} · group {} · {} processed",
            state, isolation, commit, group, processed
        ),
        Lang::Ko => format!(
            " · {} · isolation.level={} · 커밋 {} · 그룹 {} · {}건 처리",
            state, isolation, commit, group, processed
        ),
    }
}
