#!/usr/bin/env bash
# Installs what building switchboard needs on a fresh Debian machine:
# cmake (QuickJS-ng's WebAssembly interpreter is built with it) and
# libsimde-dev (its SIMD headers, which its build would otherwise download).
set -euo pipefail
if command -v cmake >/dev/null 2>&1 && [ -d /usr/include/simde ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "switchboard setup: installing cmake and libsimde-dev" >&2
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq cmake libsimde-dev >/dev/null
