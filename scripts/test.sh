#!/usr/bin/env bash
# Installs whatever is missing (scripts/setup.sh --browser), then runs every test layer:
#   lint    cargo fmt --check; cargo clippy -D warnings    (natively and for wasm32, all targets)
#   native  cargo test                                     (the core and its tests, on the host)
#   wasm    cargo test --target wasm32-unknown-unknown --test web
#                                                          (tests/web.rs, headless Chromium)
#   build   trunk build --release                          (dist/, as it would be deployed: the full
#                                                          app and the reader's build)
#   size    node scripts/size-report.mjs                   (wasm+JS+CSS gzip within the budget)
#   e2e     node --test tests/e2e/                         (dist/ under a strict CSP, Playwright)
# Every layer runs even when an earlier one failed (size and e2e need build); the script ends
# with a summary and exits 1 if any layer failed.
#
# Usage: bash scripts/test.sh [LAYER...]     (default: all, in the order above)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$EOSCOPE_ROOT"

all_layers=(lint native wasm build size e2e)
layers=("$@")
[ "${#layers[@]}" -gt 0 ] || layers=("${all_layers[@]}")
for l in "${layers[@]}"; do
    case " ${all_layers[*]} " in *" $l "*) ;; *) die "unknown layer '$l' (choose from: ${all_layers[*]})" ;; esac
done

bash scripts/setup.sh --browser
setup_path

# wasm-bindgen-test-runner: use Chromium through ChromeDriver, give a slow machine time.
CHROMEDRIVER="$(command -v chromedriver)"
export CHROMEDRIVER
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

run_lint() {
    cargo fmt --all -- --check &&
        cargo clippy --all-targets -- -D warnings &&
        cargo clippy --target wasm32-unknown-unknown --all-targets -- -D warnings &&
        cargo clippy --target wasm32-unknown-unknown --bin eoscope --no-default-features -- -D warnings
}
run_native() { cargo test; }
run_wasm() { cargo test --target wasm32-unknown-unknown --test web --test determinism; }
run_build() { trunk build --release; }
run_size() { node scripts/size-report.mjs dist; }
run_e2e() { node --test --test-concurrency=1 tests/e2e/; }

results=()
passed=0
failed=0
build_ok=1
for layer in "${layers[@]}"; do
    say "test layer: $layer"
    start=$SECONDS
    if { [ "$layer" = size ] || [ "$layer" = e2e ]; } && [ "$build_ok" -eq 0 ]; then
        status="FAILED (no release build)"
    elif "run_$layer"; then
        status=ok
    else
        status=FAILED
    fi
    [ "$layer" = build ] && [ "$status" != ok ] && build_ok=0
    if [ "$status" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    results+=("$(printf '%-7s %-26s %4ss' "$layer" "$status" $((SECONDS - start)))")
done

echo
echo "test layers (scripts/test.sh):"
printf '  %s\n' "${results[@]}"
echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
