//! Architecture invariants, checked on the source text (rust-analyzer style):
//! - Architecture Invariant: `src/sim` knows nothing of the web: no yew, web-sys, gloo,
//!   wasm-bindgen or js-sys.
//! - Architecture Invariant: `src/sim` is deterministic: no wall clock, no OS randomness, no
//!   `HashMap`/`HashSet` (their iteration order differs per process).
//! - Architecture Invariant: the stage's and the story's logic (`src/stage.rs`, `src/story.rs`)
//!   are as pure as the core, so they are tested natively.
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
