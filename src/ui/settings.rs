//! The settings panel: Kafka's config keys verbatim, per client, and the version preset. Edits go
//! to a draft `ScenarioFile` that the core validates at once (Kafka's own messages, inline); the
//! draft is applied by re-running from the start, or to one client now (a recorded intervention).

use super::controls::{input_value, select_value};
use super::{App, Msg};
use crate::catalog::{self as text, Lang, T};
use crate::sim::config::{self, KafkaVersion, RawConfig};
use crate::sim::scenario::ClusterSpec;
use crate::sim::timeline::Timeline;
use crate::sim::types::NodeId;
use serde_json::Value;
use web_sys::Event;
use yew::prelude::*;

/// The topic and cluster settings the panel offers (applied by re-running from the start).
const CLUSTER_SETTINGS: &[&str] = &[
    "brokers",
    "partitions",
    "replication.factor",
    "min.insync.replicas",
    "unclean.leader.election.enable",
    "eligible.leader.replicas.version",
];

fn cluster_value(c: &ClusterSpec, key: &str) -> String {
    match key {
        "brokers" => c.brokers.to_string(),
        "partitions" => c.partitions.to_string(),
        "replication.factor" => c.replication_factor.to_string(),
        "min.insync.replicas" => c.min_insync_replicas.to_string(),
        "unclean.leader.election.enable" => c.unclean_leader_election_enable.to_string(),
        // Empty: the version's default (the select shows it).
        "eligible.leader.replicas.version" => c
            .eligible_leader_replicas_version
            .map(|n| n.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// How a setting is edited.
enum Kind {
    /// A choice among Kafka's values (plus "default").
    Choice(&'static [&'static str]),
    /// A whole number.
    Number,
    /// A string.
    Text,
}

const PRODUCER_SETTINGS: &[(&str, Kind)] = &[
    ("enable.idempotence", Kind::Choice(&["true", "false"])),
    ("acks", Kind::Choice(&["all", "1", "0"])),
    ("retries", Kind::Number),
    ("max.in.flight.requests.per.connection", Kind::Number),
    ("request.timeout.ms", Kind::Number),
    ("delivery.timeout.ms", Kind::Number),
    ("transactional.id", Kind::Text),
    ("transaction.timeout.ms", Kind::Number),
];

const CONSUMER_SETTINGS: &[(&str, Kind)] = &[
    (
        "isolation.level",
        Kind::Choice(&["read_uncommitted", "read_committed"]),
    ),
    ("enable.auto.commit", Kind::Choice(&["true", "false"])),
    ("auto.commit.interval.ms", Kind::Number),
    (
        "auto.offset.reset",
        Kind::Choice(&["latest", "earliest", "none"]),
    ),
    ("group.protocol", Kind::Choice(&["classic", "consumer"])),
    ("session.timeout.ms", Kind::Number),
    ("heartbeat.interval.ms", Kind::Number),
    ("max.poll.interval.ms", Kind::Number),
    ("group.instance.id", Kind::Text),
];

const COMMIT_MODES: &[&str] = &[
    "auto",
    "after_processing",
    "before_processing",
    "transactional",
];

/// The value a control shows for a raw value.
fn shown(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(other) => other.to_string(),
    }
}

/// The raw value a control's text stands for: booleans and numbers as JSON, `acks` as a string.
fn parsed(key: &str, kind: &Kind, s: &str) -> Option<Value> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    Some(match kind {
        Kind::Choice(_) if s == "true" || s == "false" => Value::Bool(s == "true"),
        Kind::Number => s
            .parse::<u64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(s.to_string())),
        _ if key == "acks" => Value::String(s.to_string()),
        _ => Value::String(s.to_string()),
    })
}

fn control(
    lang: Lang,
    key: &'static str,
    kind: &Kind,
    value: Option<&Value>,
    effective: String,
    on: Callback<Option<Value>>,
) -> Html {
    let current = shown(value);
    match kind {
        Kind::Choice(options) => {
            let options: &'static [&'static str] = options;
            let onchange = on.reform(move |e: Event| {
                let v = select_value(&e).unwrap_or_default();
                parsed(key, &Kind::Choice(options), &v)
            });
            html! {
                <select onchange={onchange}>
                    <option value="" selected={current.is_empty()}>{ text::default_text(lang, &effective, false) }</option>
                    { for options.iter().map(|o| html! { <option value={*o} selected={current == *o}>{ *o }</option> }) }
                </select>
            }
        }
        Kind::Number | Kind::Text => {
            let number = matches!(kind, Kind::Number);
            let onchange = on.reform(move |e: Event| {
                let v = input_value(&e).unwrap_or_default();
                parsed(key, if number { &Kind::Number } else { &Kind::Text }, &v)
            });
            html! {
                <input type="text" inputmode={if number { "numeric" } else { "text" }} value={current} placeholder={text::default_text(lang, &effective, true)} onchange={onchange} />
            }
        }
    }
}

/// What a producer setting resolves to under the draft (Kafka's defaults and overrides applied).
fn producer_effective(raw: &RawConfig, version: Option<KafkaVersion>, key: &str) -> String {
    let Some(v) = version else { return "?".into() };
    let Ok(c) = config::producer_config(raw, v) else {
        return "?".into();
    };
    match key {
        "enable.idempotence" => c.enable_idempotence.to_string(),
        "acks" => c.acks.name().into(),
        "retries" => c.retries.to_string(),
        "max.in.flight.requests.per.connection" => c.max_in_flight.to_string(),
        "request.timeout.ms" => c.request_timeout_ms.to_string(),
        "delivery.timeout.ms" => c.delivery_timeout_ms.to_string(),
        "transactional.id" => c.transactional_id.unwrap_or_else(|| "none".into()),
        "transaction.timeout.ms" => c.transaction_timeout_ms.to_string(),
        _ => String::new(),
    }
}

fn consumer_effective(raw: &RawConfig, version: Option<KafkaVersion>, key: &str) -> String {
    let Some(Ok(c)) = version.map(|v| config::consumer_config_for(raw, v)) else {
        return "?".into();
    };
    match key {
        "isolation.level" => c.isolation_level.name().into(),
        "enable.auto.commit" => c.enable_auto_commit.to_string(),
        "auto.commit.interval.ms" => c.auto_commit_interval_ms.to_string(),
        "auto.offset.reset" => c.auto_offset_reset.name().into(),
        "group.protocol" => match c.group_protocol {
            config::GroupProtocol::Classic => "classic".into(),
            config::GroupProtocol::Consumer => "consumer".into(),
        },
        "session.timeout.ms" => c.session_timeout_ms.to_string(),
        "heartbeat.interval.ms" => c.heartbeat_interval_ms.to_string(),
        "max.poll.interval.ms" => c.max_poll_interval_ms.to_string(),
        _ => String::new(),
    }
}

pub fn view(app: &App, tl: &Timeline) -> Html {
    let Some(f) = &app.session.draft else {
        return html! {};
    };
    let send = &app.send;
    let version = KafkaVersion::parse(&f.version).ok();
    let error_at = |group: &str, key: &str| -> Html {
        match (&app.session.draft_error, &app.session.last_edit) {
            (Some(e), Some((g, k))) if g == group && *k == key => {
                html! { <p class="error inline" role="alert">{ e }</p> }
            }
            _ => html! {},
        }
    };
    let apply_result = |node: NodeId| -> Html {
        match &app.session.apply_result {
            Some((n, r)) if *n == node => {
                let (class, role) = if r.is_ok() {
                    ("ok", "status")
                } else {
                    ("error", "alert")
                };
                let said = text::apply_result(app.lang, &node.to_string(), r);
                html! { <p class={classes!(class, "inline")} {role}>{ said }</p> }
            }
            _ => html! {},
        }
    };
    let running = |node: NodeId| tl.sim.world.is_alive(node);
    let producers = f.producers.iter().enumerate().map(|(i, p)| {
        let group = format!("producer-{}", i);
        let node = NodeId::Producer(i as u8);
        let note = version.and_then(|v| config::producer_config(&p.config, v).ok()).and_then(|c| c.idempotence_note);
        let rows = PRODUCER_SETTINGS.iter().map(|(key, kind)| {
            let key: &'static str = key;
            let on = send.reform(move |v: Option<Value>| Msg::SetProducer(i, key, v));
            html! {
                <div class="setting">
                    <label>
                        <span class="key"><code>{ key }</code>
                            if key == "acks" && f.cluster.replication_factor <= 1 { <span class="caveat">{ app.t(T::NoFollower) }</span> }
                        </span>
                        { control(app.lang, key, kind, p.config.get(key), producer_effective(&p.config, version, key), on) }
                    </label>
                    { error_at(&group, key) }
                </div>
            }
        });
        html! {
            <fieldset class="client">
                <legend>{ group.clone() }</legend>
                { for rows }
                if let Some(n) = note { <p class="note">{ n }</p> }
                <button type="button" class="small" disabled={app.session.draft_error.is_some() || !running(node)} title={app.t(T::ApplyProducerTitle)}
                    onclick={send.reform(move |_| Msg::ApplyNow(node))}>{ text::apply_now_text(app.lang, &group) }</button>
                { apply_result(node) }
            </fieldset>
        }
    });
    let consumers = f.consumers.iter().enumerate().map(|(i, c)| {
        let group = format!("consumer-{}", i);
        let node = NodeId::Consumer(i as u8);
        let rows = CONSUMER_SETTINGS.iter().map(|(key, kind)| {
            let key: &'static str = key;
            let on = send.reform(move |v: Option<Value>| Msg::SetConsumer(i, key, v));
            html! {
                <div class="setting">
                    <label>
                        <span class="key"><code>{ key }</code></span>
                        { control(app.lang, key, kind, c.config.get(key), consumer_effective(&c.config, version, key), on) }
                    </label>
                    { error_at(&group, key) }
                </div>
            }
        });
        let commit = c.commit.clone().unwrap_or_default();
        let on_commit = send.reform(move |e: Event| Msg::SetCommit(i, select_value(&e).filter(|s| !s.is_empty())));
        html! {
            <fieldset class="client">
                <legend>{ group.clone() }</legend>
                { for rows }
                <div class="setting">
                    <label>
                        <span class="key">{ app.t(T::CommitMode) }<span class="caveat">{ app.t(T::WhatTheAppDoes) }</span></span>
                        <select onchange={on_commit}>
                            <option value="" selected={commit.is_empty()}>{ app.t(T::DefaultFromAutoCommit) }</option>
                            { for COMMIT_MODES.iter().map(|m| html! { <option value={*m} selected={commit == *m}>{ *m }</option> }) }
                        </select>
                    </label>
                    { error_at(&group, "commit") }
                </div>
                <button type="button" class="small" disabled={app.session.draft_error.is_some() || !running(node)} title={app.t(T::ApplyConsumerTitle)}
                    onclick={send.reform(move |_| Msg::ApplyNow(node))}>{ text::apply_now_text(app.lang, &group) }</button>
                { apply_result(node) }
            </fieldset>
        }
    });
    let on_version = send.reform(|e: Event| Msg::SetVersion(select_value(&e).unwrap_or_default()));
    html! {
        <div class="settings">
            <div class="setting">
                <label>
                    <span class="key">{ app.t(T::VersionPreset) }</span>
                    <select onchange={on_version}>
                        { for KafkaVersion::ALL.iter().map(|v| html! { <option value={v.name()} selected={f.version == v.name()}>{ v.name() }</option> }) }
                    </select>
                </label>
                { error_at("cluster", "version") }
                if let Some(v) = version {
                    <ul class="caveats" aria-label={app.t(T::VersionCaveats)}>
                        { for text::version_caveats(app.lang, v).into_iter().map(|c| html! { <li>{ c }</li> }) }
                    </ul>
                }
            </div>
            <fieldset class="cluster">
                <legend>{ app.t(T::TopicCluster) }<span class="caveat">{ app.t(T::RerunToApply) }</span></legend>
                { for CLUSTER_SETTINGS.iter().map(|key| {
                    let key: &'static str = key;
                    let value = cluster_value(&f.cluster, key);
                    let control = if key == "unclean.leader.election.enable" {
                        let onchange = send.reform(move |e: Event| Msg::SetCluster(key, select_value(&e).unwrap_or_default()));
                        html! {
                            <select onchange={onchange}>
                                { for ["false", "true"].iter().map(|o| html! { <option value={*o} selected={value == *o}>{ *o }</option> }) }
                            </select>
                        }
                    } else if key == "eligible.leader.replicas.version" {
                        // KIP-966's feature level: the release's default, or 0/1 (refused before 4.0 by the core).
                        let onchange = send.reform(move |e: Event| Msg::SetCluster(key, select_value(&e).unwrap_or_default()));
                        let effective = KafkaVersion::parse(&f.version)
                            .map(|v| v.default_eligible_leader_replicas_version().to_string())
                            .unwrap_or_else(|_| "0".into());
                        html! {
                            <select onchange={onchange}>
                                <option value="" selected={value.is_empty()}>{ text::default_text(app.lang, &effective, false) }</option>
                                { for ["0", "1"].iter().map(|o| html! { <option value={*o} selected={value == *o}>{ *o }</option> }) }
                            </select>
                        }
                    } else {
                        let onchange = send.reform(move |e: Event| Msg::SetCluster(key, input_value(&e).unwrap_or_default()));
                        html! { <input type="text" inputmode="numeric" value={value} onchange={onchange} /> }
                    };
                    html! {
                        <div class="setting">
                            <label><span class="key"><code>{ key }</code></span>{ control }</label>
                            { error_at("cluster", key) }
                        </div>
                    }
                }) }
            </fieldset>
            <div class="clients">
                { for producers }
                { for consumers }
            </div>
            if let Some(e) = &app.session.draft_error {
                if app.session.last_edit.is_none() { <p class="error" role="alert">{ e }</p> }
            }
            <div class="apply">
                <button type="button" class="primary" disabled={app.session.draft_error.is_some()} onclick={send.reform(|_| Msg::Rerun)}>{ app.t(T::RerunWithSettings) }</button>
                <span class="hint">{ app.t(T::SameSeed) }</span>
            </div>
            { json_editor(app) }
        </div>
    }
}

fn json_editor(app: &App) -> Html {
    let send = &app.send;
    let open = app.show_json;
    html! {
        <div class="json">
            <button type="button" class="small" aria-expanded={open.to_string()} onclick={send.reform(move |_| Msg::ShowJson(!open))}>
                { app.t(if open { T::HideJson } else { T::EditJson }) }</button>
            if open {
                // Uncontrolled: the text is set when the textarea is built (again when the app
                // writes a new text, `json_gen`), never read back and compared on each render.
                <textarea key={app.json_gen.to_string()} aria-label={app.t(T::JsonLabel)} rows="14" spellcheck="false" defaultvalue={app.json_text.clone()}
                    oninput={send.reform(|e: InputEvent| Msg::JsonText(e.target_dyn_into::<web_sys::HtmlTextAreaElement>().map(|t| t.value()).unwrap_or_default()))} />
                <button type="button" class="small load-json" onclick={send.reform(|_| Msg::LoadJson)}>{ app.t(T::LoadJson) }</button>
                if let Some(e) = &app.json_error { <p class="error inline" role="alert">{ e }</p> }
            }
        </div>
    }
}
