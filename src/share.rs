//! Shareable moments: the state that matters (scenario, seed, the user's actions, the step, the
//! language) as a short URL fragment, `#m=1.<base64url JSON>`, and back.
//!
//! Decoding takes text from anywhere (a link someone sent), so it validates everything — the
//! version, the alphabet, the length, every key and every number — and answers with a message,
//! never a panic and never text that could become markup (identifiers are `[a-z0-9-]` only).
//! Pure Rust: tested natively with arbitrary input.

use crate::sim::config::RawConfig;
use crate::sim::scenario::FaultAction;
use crate::sim::timeline::UserAction;
use crate::sim::types::NodeId;
use serde_json::{json, Map, Value};

/// The fragment's version prefix.
pub const VERSION: &str = "1";
/// Longest fragment accepted (characters after `#`).
pub const MAX_FRAGMENT_LEN: usize = 8_192;
const MAX_STEP: u64 = 100_000_000;

/// A moment of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moment {
    /// The shipped scenario's id (`lost-ack-no-idempotence`).
    pub scenario: String,
    pub seed: Option<u64>,
    pub step: u64,
    /// `en` or `ko`.
    pub lang: String,
    /// The user's actions, by the step after which they were applied.
    pub actions: Vec<(u64, UserAction)>,
    /// The scenario's scripted faults left out (a search's counterexample brings its own).
    pub without_schedule: bool,
    /// The author's own scenario file, by URL (`scenario` is then empty).
    pub src: Option<String>,
}

/// Longest `src` accepted.
pub const MAX_SRC_LEN: usize = 1_024;

/// Checks the URL of an author's scenario file (`src="scenarios/my-abort.json"`): a relative
/// path, a path from the site's root, or an http(s) URL — which the browser then also requires to
/// be on the page's own origin (the strict CSP's `connect-src 'self'`). The characters are those
/// of a URL with no quotes, spaces or angle brackets, so the value can go back into an attribute,
/// a link or a message as it is.
pub fn check_src(s: &str) -> Result<String, String> {
    let t = s.trim();
    let like =
        "`src` must be the URL of a scenario file on this site, like scenarios/my-abort.json";
    if t.is_empty() || t.len() > MAX_SRC_LEN {
        return Err(format!("{} (at most {} characters)", like, MAX_SRC_LEN));
    }
    let ok_char = |b: u8| b.is_ascii_graphic() && !b"\"'<>`\\{}|^".contains(&b);
    if !t.bytes().all(ok_char) {
        return Err(format!("{}: it has a character a URL cannot hold", like));
    }
    if t.starts_with("//") {
        return Err(format!("{}: `//host/…` names another site", like));
    }
    let scheme_end = t.find(['/', '?', '#']);
    if let Some(colon) = t.find(':') {
        if scheme_end.is_none_or(|e| colon < e) {
            let scheme = t[..colon].to_ascii_lowercase();
            if scheme != "http" && scheme != "https" {
                return Err(format!(
                    "{}: `{}:` is not http or https",
                    like,
                    clip(&scheme)
                ));
            }
        }
    }
    Ok(t.to_string())
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn node_name(n: NodeId) -> String {
    n.to_string()
}

/// What carries recorded actions: it decides what they may hold and names a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carrier {
    /// A link (`#m=1.…`): message and node faults. Settings changes are left out: they would
    /// need arbitrary values in the URL.
    Link,
    /// A trace file (`src/trace_file.rs`): those, plus settings applied to a running client.
    TraceFile,
}

impl Carrier {
    fn name(self) -> &'static str {
        match self {
            Carrier::Link => "the link",
            Carrier::TraceFile => "the trace file",
        }
    }

    fn max_actions(self) -> usize {
        match self {
            Carrier::Link => 256,
            Carrier::TraceFile => 4_096,
        }
    }
}

/// An action as `carrier` writes it, `{"at": STEP, "drop": ID}`…; `None` when it cannot carry it
/// (a link carries no `set_config`; message-matching faults are a schedule's, never recorded).
pub(crate) fn action_to_json(step: u64, a: &UserAction, carrier: Carrier) -> Option<Value> {
    let v = match a {
        UserAction::DropMessage(id) => json!({"drop": id}),
        UserAction::DuplicateMessage(id) => json!({"duplicate": id}),
        UserAction::DelayMessage(id, ms) => json!({"delay": id, "ms": ms}),
        UserAction::CrashFor(n, ms) => json!({"crash_for": node_name(*n), "ms": ms}),
        UserAction::Fault(FaultAction::Crash(n)) => json!({"crash": node_name(*n)}),
        UserAction::Fault(FaultAction::Restart(n)) => json!({"restart": node_name(*n)}),
        UserAction::Fault(FaultAction::Partition(a, b)) => {
            json!({"partition": [node_name(*a), node_name(*b)]})
        }
        UserAction::Fault(FaultAction::Heal(a, b)) => {
            json!({"heal": [node_name(*a), node_name(*b)]})
        }
        UserAction::Fault(FaultAction::Hold(a, b)) => {
            json!({"hold": [node_name(*a), node_name(*b)]})
        }
        UserAction::Fault(FaultAction::Release(a, b)) => {
            json!({"release": [node_name(*a), node_name(*b)]})
        }
        UserAction::Fault(FaultAction::DropRate {
            from,
            to,
            per_mille,
        }) => {
            let mut v = json!({"drop_rate": per_mille});
            if let Some(f) = from {
                v["from"] = json!(node_name(*f));
            }
            if let Some(t) = to {
                v["to"] = json!(node_name(*t));
            }
            v
        }
        UserAction::Fault(FaultAction::Pause(n, ms)) => json!({"pause": node_name(*n), "ms": ms}),
        UserAction::Fault(FaultAction::SetConfig { node, config })
            if carrier == Carrier::TraceFile =>
        {
            json!({"set_config": node_name(*node), "config": config})
        }
        _ => return None,
    };
    let mut v = v;
    v["at"] = json!(step);
    Some(v)
}

/// Encodes a moment as a fragment (without the `#`). Actions the format cannot carry are left out.
pub fn encode(m: &Moment) -> String {
    let actions: Vec<Value> = m
        .actions
        .iter()
        .filter_map(|(s, a)| action_to_json(*s, a, Carrier::Link))
        .collect();
    let mut v = json!({"t": m.step, "l": m.lang, "a": actions});
    match &m.src {
        Some(src) => v["u"] = json!(src),
        None => v["s"] = json!(m.scenario),
    }
    if let Some(seed) = m.seed {
        v["r"] = json!(seed);
    }
    if m.without_schedule {
        v["n"] = json!(1);
    }
    format!(
        "m={}.{}",
        VERSION,
        base64url_encode(v.to_string().as_bytes())
    )
}

/// Decodes a fragment (with or without the leading `#`).
pub fn decode(fragment: &str) -> Result<Moment, String> {
    let f = fragment.strip_prefix('#').unwrap_or(fragment);
    if f.len() > MAX_FRAGMENT_LEN {
        return Err(format!(
            "the link's moment is too long ({} characters; at most {})",
            f.len(),
            MAX_FRAGMENT_LEN
        ));
    }
    let Some(rest) = f.strip_prefix("m=") else {
        return Err("the link has no moment (it should start with #m=)".into());
    };
    let Some((version, payload)) = rest.split_once('.') else {
        return Err("the link's moment has no version".into());
    };
    if version != VERSION {
        return Err(format!(
            "the link's moment has version {}; this eoscope reads version {}",
            clip(version),
            VERSION
        ));
    }
    let bytes = base64url_decode(payload).ok_or("the link's moment is not valid base64url")?;
    let text =
        String::from_utf8(bytes).map_err(|_| "the link's moment is not UTF-8 text".to_string())?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|_| "the link's moment is not valid JSON".to_string())?;
    let Value::Object(obj) = v else {
        return Err("the link's moment is not a JSON object".into());
    };
    for k in obj.keys() {
        if !["s", "u", "t", "l", "a", "r", "n"].contains(&k.as_str()) {
            return Err(format!(
                "the link's moment has an unknown key `{}`",
                clip(k)
            ));
        }
    }
    let src = match obj.get("u") {
        None => None,
        Some(Value::String(u)) => Some(check_src(u).map_err(|e| format!("the link's {}", e))?),
        Some(_) => return Err("the link's `src` must be text".into()),
    };
    let scenario = match obj.get("s") {
        Some(Value::String(s)) if is_ident(s) && src.is_none() => s.clone(),
        None if src.is_some() => String::new(),
        _ => {
            return Err(
                "the link's scenario name is missing or not of the form lower-case-words".into(),
            )
        }
    };
    let step = num(&obj, "t", MAX_STEP, "the link")?.unwrap_or(0);
    let seed = num(&obj, "r", u64::MAX, "the link")?;
    let without_schedule = num(&obj, "n", 1, "the link")? == Some(1);
    let lang = match obj.get("l") {
        None => "en".to_string(),
        Some(Value::String(s)) if s == "en" || s == "ko" => s.clone(),
        Some(_) => return Err("the link's language must be en or ko".into()),
    };
    let actions = parse_actions(obj.get("a"), step, Carrier::Link)?;
    Ok(Moment {
        scenario,
        seed,
        step,
        lang,
        actions,
        without_schedule,
        src,
    })
}

fn clip(s: &str) -> String {
    // Only letters and digits go back into a message, so nothing from the link becomes markup.
    let t: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || *c == '.')
        .take(24)
        .collect();
    if t.is_empty() {
        "(unreadable)".into()
    } else {
        t
    }
}

fn num(obj: &Map<String, Value>, key: &str, max: u64, whose: &str) -> Result<Option<u64>, String> {
    match obj.get(key) {
        None => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if n <= max => Ok(Some(n)),
            _ => Err(format!(
                "{}'s `{}` must be a whole number up to {}",
                whose, key, max
            )),
        },
    }
}

fn node(v: Option<&Value>, whose: &str) -> Result<NodeId, String> {
    match v {
        Some(Value::String(s)) if is_ident(s) => {
            NodeId::parse(s).ok_or_else(|| format!("{} names no node `{}`", whose, clip(s)))
        }
        _ => Err(format!("{}'s action names a node badly", whose)),
    }
}

fn pair(v: Option<&Value>, whose: &str) -> Result<(NodeId, NodeId), String> {
    match v {
        Some(Value::Array(x)) if x.len() == 2 => {
            Ok((node(x.first(), whose)?, node(x.get(1), whose)?))
        }
        _ => Err(format!("{}'s action needs two nodes", whose)),
    }
}

/// A list of actions as `carrier` holds them: at most its number, in step order, none after `step`.
pub(crate) fn parse_actions(
    v: Option<&Value>,
    step: u64,
    carrier: Carrier,
) -> Result<Vec<(u64, UserAction)>, String> {
    let whose = carrier.name();
    let actions = match v {
        None => Vec::new(),
        Some(Value::Array(items)) if items.len() <= carrier.max_actions() => items
            .iter()
            .map(|a| parse_action(a, carrier))
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(format!(
                "{}'s actions must be a list of at most {}",
                whose,
                carrier.max_actions()
            ))
        }
    };
    if actions.windows(2).any(|w| w[0].0 > w[1].0) || actions.iter().any(|(s, _)| *s > step) {
        return Err(format!(
            "{}'s actions are out of order or after its step",
            whose
        ));
    }
    Ok(actions)
}

fn parse_action(v: &Value, carrier: Carrier) -> Result<(u64, UserAction), String> {
    let whose = carrier.name();
    let Value::Object(o) = v else {
        return Err(format!("{}'s action is not an object", whose));
    };
    let at = num(o, "at", MAX_STEP, whose)?
        .ok_or_else(|| format!("{}'s action has no step (`at`)", whose))?;
    let ms = num(o, "ms", 3_600_000, whose)?;
    let id = |k: &str| num(o, k, u64::MAX, whose);
    let keys: Vec<&str> = o
        .keys()
        .map(|k| k.as_str())
        .filter(|k| *k != "at" && *k != "ms")
        .collect();
    let action = match keys.as_slice() {
        ["drop"] => UserAction::DropMessage(id("drop")?.unwrap_or(0)),
        ["duplicate"] => UserAction::DuplicateMessage(id("duplicate")?.unwrap_or(0)),
        ["delay"] => UserAction::DelayMessage(id("delay")?.unwrap_or(0), ms.unwrap_or(0)),
        ["crash_for"] => UserAction::CrashFor(node(o.get("crash_for"), whose)?, ms.unwrap_or(1000)),
        ["crash"] => UserAction::Fault(FaultAction::Crash(node(o.get("crash"), whose)?)),
        ["restart"] => UserAction::Fault(FaultAction::Restart(node(o.get("restart"), whose)?)),
        ["partition"] => {
            let (a, b) = pair(o.get("partition"), whose)?;
            UserAction::Fault(FaultAction::Partition(a, b))
        }
        ["heal"] => {
            let (a, b) = pair(o.get("heal"), whose)?;
            UserAction::Fault(FaultAction::Heal(a, b))
        }
        ["hold"] => {
            let (a, b) = pair(o.get("hold"), whose)?;
            UserAction::Fault(FaultAction::Hold(a, b))
        }
        ["release"] => {
            let (a, b) = pair(o.get("release"), whose)?;
            UserAction::Fault(FaultAction::Release(a, b))
        }
        // A link's own rate names its ends: `{"drop_rate": 100, "from": "producer-0"}`.
        ["drop_rate", ends @ ..] if ends.iter().all(|k| *k == "from" || *k == "to") => {
            let end = |k: &str| o.get(k).map(|v| node(Some(v), whose)).transpose();
            UserAction::Fault(FaultAction::DropRate {
                from: end("from")?,
                to: end("to")?,
                per_mille: num(o, "drop_rate", 1000, whose)?.unwrap_or(0) as u32,
            })
        }
        ["pause"] => UserAction::Fault(FaultAction::Pause(
            node(o.get("pause"), whose)?,
            ms.unwrap_or(0),
        )),
        // `{"at": 12, "set_config": "producer-0", "config": {"acks": "1"}}`; the values are
        // checked when the action is applied, as the settings panel's are.
        ["config", "set_config"] if carrier == Carrier::TraceFile => {
            let bad = || format!("{} has a set_config action it cannot read", whose);
            let node = o
                .get("set_config")
                .and_then(Value::as_str)
                .and_then(NodeId::parse)
                .ok_or_else(bad)?;
            let config: RawConfig = match o.get("config") {
                Some(Value::Object(m)) if m.len() <= 32 => {
                    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
                }
                _ => return Err(bad()),
            };
            UserAction::Fault(FaultAction::SetConfig { node, config })
        }
        _ => {
            return Err(format!(
                "{} has an action this eoscope does not know",
                whose
            ))
        }
    };
    Ok((at, action))
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding (RFC 4648 §5). Twenty lines here rather than a crate: the widget's
/// size budget is tight and nothing else needs base64.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be zero padding of fewer than 8 bits (a single leftover char is invalid).
    if bits >= 6 || acc != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_survives_the_round_trip() {
        let m = Moment {
            scenario: "lost-ack-no-idempotence".into(),
            seed: Some(42),
            step: 30,
            lang: "ko".into(),
            actions: vec![
                (3, UserAction::DropMessage(7)),
                (10, UserAction::CrashFor(NodeId::Broker(0), 500)),
                (
                    12,
                    UserAction::Fault(FaultAction::Partition(
                        NodeId::Producer(0),
                        NodeId::Broker(1),
                    )),
                ),
                (
                    14,
                    UserAction::Fault(FaultAction::Hold(NodeId::Broker(0), NodeId::Broker(1))),
                ),
            ],
            without_schedule: true,
            src: None,
        };
        let f = encode(&m);
        assert!(f.starts_with("m=1.") && f.len() < 300, "{}", f);
        assert_eq!(decode(&format!("#{}", f)), Ok(m.clone()));
        // A run from the author's own file carries the file's URL instead of a story's name.
        let own = Moment {
            scenario: String::new(),
            src: Some("/posts/eos/my-abort.json".into()),
            ..m
        };
        assert_eq!(decode(&encode(&own)), Ok(own));
    }

    #[test]
    fn src_takes_same_site_urls_and_refuses_others_by_name() {
        for ok in [
            "scenarios/my-abort.json",
            "/a/b.json?v=2",
            "../x.json",
            "https://example.org/a.json",
        ] {
            assert_eq!(check_src(&format!(" {} ", ok)).as_deref(), Ok(ok));
        }
        for (bad, says) in [
            ("", "at most 1024"),
            ("javascript:alert(1)", "`javascript:` is not http or https"),
            ("data:application/json,1", "`data:` is not http or https"),
            ("//evil.example/a.json", "names another site"),
            ("a b.json", "a character a URL cannot hold"),
            ("a\"onload=\"x.json", "a character a URL cannot hold"),
            ("<script>.json", "a character a URL cannot hold"),
        ] {
            let e = check_src(bad).unwrap_err();
            assert!(
                e.starts_with("`src` must be the URL of a scenario file") && e.contains(says),
                "{}: {}",
                bad,
                e
            );
        }
        assert!(check_src(&"a".repeat(MAX_SRC_LEN + 1)).is_err());
    }

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url_encode(plain.as_bytes()), enc);
            assert_eq!(base64url_decode(enc).as_deref(), Some(plain.as_bytes()));
        }
        assert_eq!(base64url_decode("Z"), None);
        assert_eq!(base64url_decode("Zm9v+"), None);
    }

    #[test]
    fn hostile_fragments_get_a_message() {
        let script = format!(
            "m=1.{}",
            base64url_encode(br#"{"s":"<script>alert(1)</script>"}"#)
        );
        let cases = [
            "", "#", "m=", "m=1", "m=2.e30", "m=1.!!!", "m=1.Zm9v", &script,
        ];
        for c in cases {
            let e = decode(c).unwrap_err();
            assert!(!e.contains('<'), "{}", e);
        }
    }
}
