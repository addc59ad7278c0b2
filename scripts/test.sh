#!/usr/bin/env bash
# The test command: installs what a fresh machine lacks, then runs every test
# (unit, CLI and sandbox integration, and manifest parity against the real
# `twenty dev:build`).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/switchboard-target}"
scripts/setup.sh
SWITCHBOARD_PEERS="$(scripts/install-test-peers.sh)"
SWITCHBOARD_TWENTY_SDK="$SWITCHBOARD_PEERS/node_modules"
export SWITCHBOARD_PEERS SWITCHBOARD_TWENTY_SDK SWITCHBOARD_REQUIRE_PEERS=1
cargo test --release "$@"
