#!/usr/bin/env bash
# The test command (README): installs what the interop tests sign with, then runs every test.
# Idempotent; safe to run on a fresh machine or again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "missing $1: $2" >&2; exit 1; }; }
need openssl "install the openssl package"
need python3 "install Python 3"
need node "install Node.js 18+"
need npm "install npm"

# Independent JOSE implementations (PyJWT, jwcrypto, jose) for the interop tests.
PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
  -r tests/interop/requirements.txt
npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error >/dev/null

cargo test --all-targets "$@"
