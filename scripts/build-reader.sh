#!/usr/bin/env bash
# The reader's widget build: the app without the `full` feature (no scenario editor, settings,
# search, side by side, export/import or share dialogs), bound and optimised as trunk does the
# full one, written next to it as eoscope-reader-HASH.js / eoscope-reader-HASH_bg.wasm.
# Trunk.toml's post_build hook runs it for release builds, in trunk's staging directory:
#   bash scripts/build-reader.sh STAGING_DIR
# boot.js loads this build for pages whose widgets need nothing more (README "Two builds").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_path
out="$1"
cd "$EOSCOPE_ROOT"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Its own target dir, so switching features never invalidates trunk's build of the full app.
target="$EOSCOPE_ROOT/target/reader"
cargo build --quiet --release --target wasm32-unknown-unknown --bin eoscope \
    --no-default-features --target-dir "$target"
wasm-bindgen --target web --no-typescript --out-dir "$tmp" --out-name eoscope-reader \
    "$target/wasm32-unknown-unknown/release/eoscope.wasm"
# --low-memory-unused lets wasm-opt fold constant offsets into loads and stores, which is wrong
# only for an access that wraps around to an address under 1024. Rust's wasm32 linker puts the
# stack first ([0, 1 MiB), growing down) and the data above it, so nothing reaches low memory
# by wrapping: ~2.5 KB gzip on each build (index.html passes it to trunk's wasm-opt too).
wasm-opt -Oz --converge --low-memory-unused --output "$tmp/opt.wasm" "$tmp/eoscope-reader_bg.wasm"
hash="$(cat "$tmp/opt.wasm" "$tmp/eoscope-reader.js" | sha256sum | cut -c1-16)"
cp "$tmp/opt.wasm" "$out/eoscope-reader-${hash}_bg.wasm"
# The glue names its wasm only as a default URL; boot.js always passes the hashed one.
cp "$tmp/eoscope-reader.js" "$out/eoscope-reader-${hash}.js"
echo "eoscope-reader-${hash}"
