#!/usr/bin/env bash
# Installs whatever eoscope needs and is missing, skipping what is already there at the right
# version (so a second run takes seconds):
#   - the wasm32-unknown-unknown Rust target
#   - trunk 0.21.14 (cargo install --locked)
#   - wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock (wasm-bindgen and
#     wasm-bindgen-test-runner)
#   - npm dev packages from package-lock.json: binaryen@132.0.0 (wasm-opt for trunk) and
#     playwright-core (end-to-end tests); Node.js and npm from apt if they are missing
#   - with --browser: Debian's chromium, chromium-driver, fonts-noto-cjk (the browser tests) and hugo
#     (the static site the embedding tests build)
# Every network install runs under a time limit and fails with a message instead of hanging.
#
# Usage: bash scripts/setup.sh [--browser]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$EOSCOPE_ROOT"

browser=0
for arg in "$@"; do
    case "$arg" in
        --browser) browser=1 ;;
        -h | --help)
            sed -n '2,13p' "$0"
            exit 0
            ;;
        *) die "unknown argument: $arg (usage: bash scripts/setup.sh [--browser])" ;;
    esac
done

setup_path
started=$SECONDS

# ---- Rust itself: can't be installed from here, only checked. --------------------------------
command -v cargo >/dev/null 2>&1 && command -v rustc >/dev/null 2>&1 ||
    die "cargo/rustc not found on PATH: install a Rust toolchain with rustup first (rust-version $(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml))"

# ---- Debian packages: Node.js/npm when absent; the browser, its driver and CJK fonts ----------
apt_wanted=()
command -v node >/dev/null 2>&1 || apt_wanted+=(nodejs)
command -v npm >/dev/null 2>&1 || apt_wanted+=(npm)
if [ "$browser" -eq 1 ]; then
    apt_wanted+=(chromium chromium-driver fonts-noto-cjk hugo)
fi
apt_missing=()
for pkg in "${apt_wanted[@]}"; do
    if command -v dpkg-query >/dev/null 2>&1; then
        [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)" = installed ] || apt_missing+=("$pkg")
    else
        apt_missing+=("$pkg")
    fi
done
if [ "${#apt_missing[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 ||
        die "missing system packages (${apt_missing[*]}) and no apt-get to install them: install them yourself (Chromium at /usr/bin/chromium, or set CHROMIUM=/path)"
    root_prefix
    say "apt-get install ${apt_missing[*]}"
    with_timeout "$EOSCOPE_TIMEOUT_APT_UPDATE" "apt-get update" \
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    with_timeout "$EOSCOPE_TIMEOUT_APT_INSTALL" "apt-get install ${apt_missing[*]}" \
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${apt_missing[@]}"
fi
if [ "$browser" -eq 1 ]; then
    chromium_bin="${CHROMIUM:-/usr/bin/chromium}"
    [ -x "$chromium_bin" ] || die "no Chromium at $chromium_bin (set CHROMIUM=/path/to/chromium)"
    command -v chromedriver >/dev/null 2>&1 || die "chromedriver not on PATH"
    chromium_major="$("$chromium_bin" --version 2>/dev/null | grep -o '[0-9]\+\.' | head -1 | tr -d .)"
    driver_major="$(chromedriver --version 2>/dev/null | grep -o '[0-9]\+\.' | head -1 | tr -d .)"
    [ -n "$chromium_major" ] && [ "$chromium_major" = "$driver_major" ] ||
        die "Chromium ($chromium_major) and ChromeDriver ($driver_major) differ in major version: install both from the same source"
fi

# ---- npm dev packages (wasm-opt from binaryen, playwright-core) ------------------------------
node_major="$(node --version | sed 's/^v\([0-9]*\).*/\1/')"
[ "$node_major" -ge 18 ] || die "Node.js $(node --version) is too old: need 18 or newer"
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp=node_modules/.eoscope-package-lock.sha256
if [ -x node_modules/.bin/wasm-opt ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
    : # node_modules matches package-lock.json
else
    say "npm ci (binaryen@${BINARYEN_MAJOR}, playwright-core)"
    with_timeout "$EOSCOPE_TIMEOUT_NPM" "npm ci" npm ci --no-audit --no-fund --loglevel=error
    echo "$lock_sum" >"$stamp"
fi
wasm_opt_version="$(wasm-opt --version 2>/dev/null || true)"
case "$wasm_opt_version" in
    *"version ${BINARYEN_MAJOR}"*) ;;
    *) die "wasm-opt on PATH ($(command -v wasm-opt || echo none)) says '${wasm_opt_version}', want version ${BINARYEN_MAJOR} from node_modules/.bin (run: rm -rf node_modules && bash scripts/setup.sh)" ;;
esac

# ---- rustfmt and clippy (the lint layer) --------------------------------------------------------
for comp in rustfmt clippy; do
    tool=$([ "$comp" = rustfmt ] && echo fmt || echo clippy)
    if ! cargo "$tool" --version >/dev/null 2>&1; then
        command -v rustup >/dev/null 2>&1 || die "cargo $tool is missing and there is no rustup to add $comp"
        say "rustup component add $comp"
        with_timeout "$EOSCOPE_TIMEOUT_RUSTUP" "rustup component add $comp" rustup component add "$comp"
    fi
done

# ---- The wasm32 target -------------------------------------------------------------------------
if [ ! -d "$(rustc --print sysroot)/lib/rustlib/wasm32-unknown-unknown" ]; then
    command -v rustup >/dev/null 2>&1 ||
        die "the wasm32-unknown-unknown target is missing and there is no rustup to add it"
    say "rustup target add wasm32-unknown-unknown"
    with_timeout "$EOSCOPE_TIMEOUT_RUSTUP" "rustup target add wasm32-unknown-unknown" \
        rustup target add wasm32-unknown-unknown
fi

# ---- trunk ---------------------------------------------------------------------------------------
if [ "$(trunk --version 2>/dev/null || true)" != "trunk ${TRUNK_VERSION}" ]; then
    say "cargo install trunk ${TRUNK_VERSION} (takes ~6 minutes on 2 cores)"
    (cd "$HOME" && with_timeout "$EOSCOPE_TIMEOUT_CARGO_INSTALL" "cargo install trunk" \
        cargo install trunk --version "$TRUNK_VERSION" --locked --force)
    [ "$(trunk --version 2>/dev/null || true)" = "trunk ${TRUNK_VERSION}" ] ||
        die "installed trunk, but 'trunk --version' says '$(trunk --version 2>&1 || true)' (is ${CARGO_HOME:-~/.cargo}/bin first on PATH?)"
fi

# ---- wasm-bindgen-cli, exactly Cargo.lock's wasm-bindgen --------------------------------------
wbg="$(wasm_bindgen_version)"
[ -n "$wbg" ] || die "no wasm-bindgen in Cargo.lock"
grep -q "^wasm_bindgen = \"${wbg}\"" Trunk.toml ||
    die "Cargo.lock has wasm-bindgen ${wbg} but Trunk.toml's [tools] wasm_bindgen differs: make them equal (and the '=${wbg}' pin in Cargo.toml)"
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen ${wbg}" ] ||
    [ "$(wasm-bindgen-test-runner --version 2>/dev/null || true)" != "wasm-bindgen-test-runner ${wbg}" ]; then
    say "cargo install wasm-bindgen-cli ${wbg} (takes ~2 minutes)"
    # Without --locked: its lock file asks for a webpki-roots version the registry may not serve.
    (cd "$HOME" && with_timeout "$EOSCOPE_TIMEOUT_CARGO_INSTALL" "cargo install wasm-bindgen-cli" \
        cargo install wasm-bindgen-cli --version "$wbg" --force)
    [ "$(wasm-bindgen --version 2>/dev/null || true)" = "wasm-bindgen ${wbg}" ] ||
        die "installed wasm-bindgen-cli, but 'wasm-bindgen --version' says '$(wasm-bindgen --version 2>&1 || true)'"
fi

say "tools ready in $((SECONDS - started))s: $(trunk --version), wasm-bindgen ${wbg}, wasm-opt ${BINARYEN_MAJOR}, node $(node --version)$([ "$browser" -eq 1 ] && echo ", chromium ${chromium_major}")"
