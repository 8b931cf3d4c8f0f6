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
