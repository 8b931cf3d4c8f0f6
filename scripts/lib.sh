# Shared helpers for scripts/*.sh. Source it; don't run it.
# shellcheck shell=bash

# The repository root, whatever the caller's working directory.
EOSCOPE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Pinned tool versions. wasm-bindgen's is read from Cargo.lock (see wasm_bindgen_version).
TRUNK_VERSION="0.21.14"
BINARYEN_MAJOR="132" # npm binaryen@132.0.0, pinned in package.json; Trunk.toml says version_132

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() {
    printf '\033[1;31merror:\033[0m %s\n' "$*" >&2
    exit 1
}

# Time limits (seconds) for network installs, so a missing registry fails instead of hanging.
# Override with the environment variable of the same name.
: "${EOSCOPE_TIMEOUT_RUSTUP:=900}"
: "${EOSCOPE_TIMEOUT_CARGO_INSTALL:=2700}" # trunk compiles ~6 min cold on 2 idle cores
: "${EOSCOPE_TIMEOUT_NPM:=600}"
: "${EOSCOPE_TIMEOUT_APT_UPDATE:=300}"
: "${EOSCOPE_TIMEOUT_APT_INSTALL:=1200}"

# Fail fast on a dead network instead of cargo's long retry loop.
export CARGO_NET_RETRY="${CARGO_NET_RETRY:-3}"
export CARGO_HTTP_TIMEOUT="${CARGO_HTTP_TIMEOUT:-60}"

# with_timeout SECONDS WHAT CMD...: runs CMD, dies with a clear message on timeout or failure.
with_timeout() {
    local secs="$1" what="$2"
    shift 2
    local rc=0
    timeout --kill-after=30 "$secs" "$@" || rc=$?
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        die "$what: gave up after ${secs}s (is the package registry reachable?). Command: $*"
    elif [ "$rc" -ne 0 ]; then
        die "$what: failed with exit code $rc. Command: $*"
    fi
}

# SUDO: the prefix that runs a command as root: nothing when we are root, else `sudo -n`.
# (An array, not a function, so `timeout` can run it.)
root_prefix() {
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        die "installing system packages needs root: not root, and no password-less sudo (run 'sudo true' first, or install them yourself)"
    fi
}

# Puts cargo's bin dir and the project's npm binaries (wasm-opt from binaryen@132) first on PATH.
# node_modules/.bin must come before any system wasm-opt: older ones can't read wasm-bindgen's output.
setup_path() {
    local cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
    case ":$PATH:" in *":$cargo_bin:"*) ;; *) PATH="$cargo_bin:$PATH" ;; esac
    PATH="$EOSCOPE_ROOT/node_modules/.bin:$PATH"
    export PATH
}

# The wasm-bindgen version Cargo.lock resolved; wasm-bindgen-cli must be exactly this.
wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
        "$EOSCOPE_ROOT/Cargo.lock"
}
