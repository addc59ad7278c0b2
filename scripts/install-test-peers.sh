#!/usr/bin/env bash
# Installs the real peers the tests and benchmarks compare against, into a
# cache folder (default /var/tmp/switchboard-peers), once:
#   - twenty-sdk@2.43.0 (its `twenty dev:build` writes the reference manifest),
#     with twenty-client-sdk, typescript and @types/node that the build needs.
# Prints the node_modules path on stdout.
set -euo pipefail
PEERS="${1:-${SWITCHBOARD_PEERS_DIR:-/var/tmp/switchboard-peers}}"
mkdir -p "$PEERS"
marker="$PEERS/node_modules/twenty-sdk/package.json"
if [ ! -f "$marker" ] || ! grep -q '"version": "2.43.0"' "$marker"; then
  echo "installing test peers into $PEERS (npm)" >&2
  npm install --prefix "$PEERS" --no-audit --no-fund --loglevel=error \
    twenty-sdk@2.43.0 twenty-client-sdk@2.43.0 typescript@5.9 @types/node@20 >&2
fi
echo "$PEERS/node_modules"
