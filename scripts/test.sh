#!/usr/bin/env bash
# The test command (README): installs what the interop tests sign with, then runs every test.
# Idempotent; safe to run on a fresh machine or again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "missing $1: $2" >&2; exit 1; }; }
# Browser tests drive Debian's Chromium through chromedriver; the PHP signing snippet needs
# php-cli. Install them when we can.
if ! command -v chromedriver >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ] || ! command -v php >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver php-cli >/dev/null
  else
    echo "missing chromium/chromedriver/php: apt-get install chromium chromium-driver php-cli" >&2; exit 1
  fi
fi
need openssl "install the openssl package"
need php "install php-cli"
need python3 "install Python 3"
need node "install Node.js 18+"
need npm "install npm"

# Independent JOSE implementations (PyJWT, jwcrypto, jose) for the interop tests.
PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
  -r tests/interop/requirements.txt
npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error >/dev/null

cargo test --all-targets "$@"
