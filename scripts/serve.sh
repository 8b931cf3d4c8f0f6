#!/usr/bin/env bash
# Installs whatever is missing (scripts/setup.sh), then serves the app with live reload at
# http://127.0.0.1:8080 (address and port are in Trunk.toml's [serve]). Extra arguments go to
# `trunk serve`, e.g. `bash scripts/serve.sh --release`.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$EOSCOPE_ROOT"

bash scripts/setup.sh
setup_path
say "trunk serve on http://127.0.0.1:8080"
# A dist folder of its own, so a running dev server and the tests (dist/) never clobber each other.
exec trunk serve --dist target/serve-dist "$@"
