#!/usr/bin/env bash
# Installs what building switchboard needs on a fresh Debian machine:
# cmake (QuickJS-ng's WebAssembly interpreter is built with it) and
# libsimde-dev (its SIMD headers, which its build would otherwise download),
# and patch (scripts/real-apps.sh applies the apps' FIX-2.43.patch files).
set -euo pipefail
if command -v cmake >/dev/null 2>&1 && [ -d /usr/include/simde ] && command -v patch >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "switchboard setup: installing cmake, libsimde-dev and patch" >&2
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq cmake libsimde-dev patch >/dev/null
