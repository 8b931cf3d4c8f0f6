#!/usr/bin/env bash
# Benchmarks (not tests): simulation speed natively, and peak memory of a 1,000,000-record run.
#   bash scripts/bench.sh            all cases
#   bash scripts/bench.sh WORD       only the cases whose name contains WORD
#   bash scripts/bench.sh wasm       the same run natively and in headless Chromium (tests/speed_wasm.rs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "${1:-}" = wasm ]; then
    # shellcheck source=scripts/lib.sh
    source scripts/lib.sh
    setup_path
    CHROMEDRIVER="$(command -v chromedriver)"
    export CHROMEDRIVER WASM_BINDGEN_TEST_TIMEOUT=300
    cargo test -q --profile bench --test speed_wasm -- --ignored --nocapture 2>&1 | grep "^speed"
    cargo test --profile bench --target wasm32-unknown-unknown --test speed_wasm -- --include-ignored 2>&1 | grep "speed in the browser"
    exit 0
fi
cargo bench -q --bench sim --no-run
cargo bench -q --bench sim -- "$@"
if [ "$#" -eq 0 ] && [ -x /usr/bin/time ]; then
    bin=$(ls -t target/release/deps/sim-* | grep -v '\.d$' | head -n 1)
    echo
    echo "peak memory of one 1,000,000-record run (1 partition, batches of 100):"
    /usr/bin/time -v "$bin" memory 2>&1 | grep -E "records/s|Maximum resident set size|Elapsed"
    echo "peak memory of one 1,000,000-record run (1 partition, batches of 1):"
    /usr/bin/time -v "$bin" memory1 2>&1 | grep -E "records/s|Maximum resident set size|Elapsed"
fi
