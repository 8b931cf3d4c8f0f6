//! Indents compact JSON as serde_json's pretty printer does (two spaces, `"key": value`, empty
//! `[]` and `{}` kept on one line). Writing compact JSON and indenting it here, instead of calling
//! `serde_json::to_string_pretty`, spares the wasm a second copy of every type's `Serialize`
//! (one per formatter).

/// `compact`: JSON as `serde_json::to_string` writes it (no whitespace outside strings).
pub fn pretty(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() + compact.len() / 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    let mut chars = compact.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c => out.push(c),
        }
    }
    out
}

/// The most compact JSON [`pretty_if_small`] indents: a larger file stays on one line, so the
/// editor never holds (and lays out) several megabytes of indentation.
pub const PRETTY_MAX_BYTES: usize = 256 << 10;

/// [`pretty`] for compact JSON up to [`PRETTY_MAX_BYTES`]; larger JSON as it is.
pub fn pretty_if_small(compact: String) -> String {
    if compact.len() > PRETTY_MAX_BYTES {
        compact
    } else {
        pretty(&compact)
    }
}

#[cfg(test)]
mod tests {
    use super::pretty;

    #[test]
    fn indents_as_serde_json_does() {
        let v: serde_json::Value = serde_json::from_str(
            r#"{"a":[1,{"b":"x,y:{}[]\"q\\"},[],{}],"c":{"d":null,"e":true,"f":-1.5}}"#,
        )
        .unwrap();
        let compact = serde_json::to_string(&v).unwrap();
        assert_eq!(pretty(&compact), serde_json::to_string_pretty(&v).unwrap());
    }

    #[test]
    fn a_large_text_stays_compact() {
        let small = r#"{"a":[1,2]}"#.to_string();
        assert_eq!(super::pretty_if_small(small.clone()), pretty(&small));
        let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(super::PRETTY_MAX_BYTES));
        assert_eq!(super::pretty_if_small(big.clone()), big);
    }
}
