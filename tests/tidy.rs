//! Architecture invariants, checked on the source text (rust-analyzer style):
//! - Architecture Invariant: `src/sim` knows nothing of the web: no yew, web-sys, gloo,
//!   wasm-bindgen or js-sys.
//! - Architecture Invariant: `src/sim` is deterministic: no wall clock, no OS randomness, no
//!   `HashMap`/`HashSet` (their iteration order differs per process).
//! - Architecture Invariant: the stage's and the story's logic (`src/stage.rs`, `src/story.rs`)
//!   and the catalog of words (`src/catalog`) are as pure as the core, so they are tested natively.
//! - Architecture Invariant: no user-visible literal in `src/ui` outside the catalog: every word
//!   a person reads is phrased in `src/catalog`, in both languages (`tests/catalog.rs`).
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_core_and_the_stage_logic_import_no_web_crate_read_no_clock_and_iterate_no_hash_map() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src/sim"), &mut files);
    files.push(root.join("src/stage.rs"));
    files.push(root.join("src/story.rs"));
    rust_files(&root.join("src/catalog"), &mut files);
    assert!(files.len() > 20, "the scan found {} files", files.len());
    let banned = [
        "yew::",
        "web_sys",
        "gloo",
        "wasm_bindgen",
        "js_sys",
        "SystemTime",
        "Instant::",
        "HashMap",
        "HashSet",
        "thread_rng",
        "getrandom",
    ];
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for b in banned {
                assert!(
                    !code.contains(b),
                    "{}:{}: `{}` in the pure core: {}",
                    f.display(),
                    n + 1,
                    b,
                    line.trim()
                );
            }
        }
    }
}

/// The modules of `src/sim` one file names (`super::NAME` or `crate::sim::NAME`, `super::super::NAME`
/// from a file's own test module), comments aside.
fn sim_imports(text: &str, modules: &[String], me: &str) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        for prefix in ["super::", "crate::sim::"] {
            let mut rest = code;
            while let Some(i) = rest.find(prefix) {
                // `crate::sim::` also ends in `sim::`, not `super::`: no double count.
                let mut tail = &rest[i + prefix.len()..];
                while let Some(t) = tail.strip_prefix("super::") {
                    tail = t;
                }
                let name: String = tail
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name != me && modules.contains(&name) {
                    found.insert(name);
                }
                rest = &rest[i + prefix.len()..];
            }
        }
    }
    found
}

/// Architecture Invariant: no two files of `src/sim` import each other. Shared vocabulary lives
/// in `vocabulary.rs` and `broker_state.rs`, not in a node module that imports its users.
#[test]
fn no_two_sim_modules_import_each_other() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sim");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    let modules: Vec<String> = files
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|m| m != "mod")
        .collect();
    assert!(
        modules.len() > 20,
        "the scan found {} modules",
        modules.len()
    );
    let imports: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = files
        .iter()
        .map(|p| {
            let me = p.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(p).unwrap();
            let found = sim_imports(&text, &modules, &me);
            (me, found)
        })
        .collect();
    // The scan sees imports (a sanity check on the parser, not on the layout).
    assert!(
        imports["world"].contains("broker"),
        "{:?}",
        imports["world"]
    );
    let mut cycles = Vec::new();
    for (a, uses) in &imports {
        for b in uses {
            if a < b && imports.get(b).is_some_and(|u| u.contains(a)) {
                cycles.push(format!("{a}.rs <-> {b}.rs"));
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "files in src/sim that import each other: {}",
        cycles.join(", ")
    );
}

/// No merge left its conflict markers in a file of the repository (they once reached the README).
#[test]
fn no_file_holds_merge_conflict_markers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![
        root.join("README.md"),
        root.join("Cargo.toml"),
        root.join("Trunk.toml"),
        root.join("index.html"),
    ];
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    for d in ["src", "static", "tests", "scripts", ".ci"] {
        walk(&root.join(d), &mut files);
    }
    let mut found = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            if line.starts_with("<<<<<<< ") || line.starts_with(">>>>>>> ") || line == "=======" {
                found.push(format!(
                    "{}:{}",
                    f.strip_prefix(root).unwrap_or(&f).display(),
                    i + 1
                ));
            }
        }
    }
    assert!(found.is_empty(), "conflict markers at {:?}", found);
}

/// The string literals of one line of Rust, with the code before each (comments aside).
fn line_literals(line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    let mut cur: Option<(usize, String)> = None;
    while let Some((j, c)) = chars.next() {
        match (&mut cur, c) {
            (None, '/') if line[j..].starts_with("//") => break,
            (None, '\'') if line[j..].starts_with("'\"'") => {
                chars.next();
                chars.next();
            }
            (None, '"') => cur = Some((j, String::new())),
            (Some((_, s)), '\\') => {
                if let Some((_, n)) = chars.next() {
                    s.push(n);
                }
            }
            (Some((start, s)), '"') => {
                out.push((line[..*start].to_string(), std::mem::take(s)));
                cur = None;
            }
            (Some((_, s)), c) => s.push(c),
            (None, _) => {}
        }
    }
    out
}

/// How many words of prose a literal holds: runs of two or more letters, placeholders and
/// identifiers aside (`enable.idempotence`, `eoscope:step`, `image/png`), and Kafka's names in
/// capitals (`COMMIT`, `LSO`) too.
fn prose_words(lit: &str) -> usize {
    let mut plain = String::new();
    let mut depth = 0;
    for c in lit.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            c if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    plain
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| ".,:;!?()'`…".contains(c)))
        .filter(|w| {
            w.chars().count() >= 2
                && w.chars().all(|c| c.is_ascii_alphabetic())
                && !w.chars().all(|c| c.is_ascii_uppercase())
                && *w != "eoscope"
        })
        .count()
}

/// Is this a user-visible literal? Korean is always; English prose of two words or more is,
/// except a CSS class list; a single word is when it is a text node of `html!` (`>{ "word" }`)
/// or the value of an attribute a person reads (`title`, `aria-label`, `placeholder`, `alt`).
fn user_visible(before: &str, lit: &str) -> bool {
    if lit.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c)) {
        return true;
    }
    if before.contains("class=") || before.contains("classes!(") {
        return false;
    }
    let words = prose_words(lit);
    let b = before.trim_end();
    let arrow = b.ends_with("=>") || b.ends_with("->");
    let text_node = b.ends_with(">{") || b.ends_with("> {") || (b.ends_with('>') && !arrow);
    let attribute = [
        "title=",
        "aria-label=",
        "aria-valuetext=",
        "placeholder=",
        "alt=",
    ]
    .iter()
    .any(|a| b.ends_with(a) || b.trim_end_matches('{').trim_end().ends_with(a));
    words >= 2 || (words == 1 && (text_node || attribute))
}

#[test]
fn the_tidy_scan_sees_user_text_and_not_identifiers() {
    let v = |line: &str| line_literals(line).iter().any(|(b, l)| user_visible(b, l));
    assert!(v(r#"<p>{ "No sends yet." }</p>"#));
    assert!(v(r#"<span>{ "position" }</span>"#));
    assert!(v(r#"<div aria-label="Records processed, oldest first">"#));
    assert!(v(r#"<p title={"held"}>"#));
    assert!(v(r#"format!("{} crashed at step {}", node, step)"#));
    assert!(v(r#"Lang::Ko => format!("스텝 {}", step),"#));
    assert!(!v(r#"<p class="muted small">"#));
    assert!(!v(r#"classes!("sbs-run", this.then_some("this"))"#));
    assert!(!v(r#"format!("LEO {} · HW {} · LSO {}", leo, hw, lso)"#));
    assert!(!v(r#"e.key() == "ArrowLeft" // Step back"#));
    assert!(!v(
        r#"download_text(&format!("{}.json", stem), "application/json", &t)"#
    ));
    assert!(!v(r#"SendStatus::Pending => "pending","#));
}

/// Error details that stay English, as the native parsers' messages they join do (the
/// options', the link's and the trace file's, `src/embed_options.rs`, `src/share.rs`,
/// `src/trace_file.rs`) and as the browser's own do: they follow a translated lead-in
/// (`T::CouldNotLoad`, `T::ScenarioFilePrefix`) in the notice, or go to the page's JavaScript
/// as the `eoscope.mount` API's errors. The list may only shrink.
const ENGLISH_ERROR_DETAILS: [&str; 9] = [
    "give `scenario`, `src` or a scenario file inside the element, not two",
    "eoscope.mount: bad options: {}",
    "the options must be a plain object, like {scenario: 'txn-commit'}",
    "`{}` must be a string, a number or a boolean",
    "this element already holds an eoscope",
    "the request failed",
    "this browser cannot fetch",
    "the response is not text",
    "`src` {} is not on this site: eoscope fetches a scenario file only from the page's own origin",
];

#[test]
fn no_user_visible_literal_in_the_ui_outside_the_catalog() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src/ui"), &mut files);
    files.sort();
    assert!(files.len() >= 10, "the scan found {} files", files.len());
    let mut found = Vec::new();
    let mut allowed = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            for (before, lit) in line_literals(line) {
                if !user_visible(&before, &lit) {
                    continue;
                }
                if ENGLISH_ERROR_DETAILS.contains(&lit.as_str()) {
                    allowed.push(lit);
                    continue;
                }
                found.push(format!(
                    "{}:{}: {:?}",
                    f.strip_prefix(root).unwrap_or(f).display(),
                    n + 1,
                    lit
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "user-visible literals outside src/catalog (phrase them there, in both languages):\n{}",
        found.join("\n")
    );
    for e in ENGLISH_ERROR_DETAILS {
        assert!(
            allowed.iter().any(|a| a == e),
            "{:?} is no longer in src/ui: take it off the list",
            e
        );
    }
}
