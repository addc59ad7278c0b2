#!/usr/bin/env bash
# Builds switchboard (first build: several minutes) and runs the example
# app's `greet` function, then checks the app and prints its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/switchboard-target}"
scripts/setup.sh
cargo build --release
BIN="$CARGO_TARGET_DIR/release/switchboard"
"$BIN" check examples/hello-crm
"$BIN" run examples/hello-crm greet --payload '{"name":"Ada","tone":"excited"}'
