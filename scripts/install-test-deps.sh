#!/usr/bin/env bash
# What the end-to-end tests (tests/e2e) need beyond the Rust toolchain: Chromium and chromedriver
# (browser tests), php-cli, Node.js and Python 3 (signing snippets), curl (docs/ci/example.sh),
# the JOSE libraries the interop tests compare against (PyJWT, jwcrypto, jose), axe-core (the
# accessibility tests inject it into every page), prometheus_client (Python: its OpenMetrics
# parser checks /metrics),
# openapi-spec-validator and jsonapi-pydantic (pinned, in their own virtualenv under target/: the
# OpenAPI test and the Core API's JSON:API check), and openssl
# (every suite). Installs with
# apt-get when run as root on Debian; otherwise says what is missing. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromedriver >/dev/null 2>&1 && [ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
command -v php >/dev/null 2>&1 || missing+=(php-cli)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-pip)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing: ${missing[*]} (Debian: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
  -r tests/interop/requirements.txt
# The standard OpenAPI validator, kept apart from the system's Python packages.
venv=target/openapi-venv
if [ ! -x "$venv/bin/openapi-spec-validator" ] \
  || ! cmp -s tests/openapi/requirements.txt "$venv/requirements.txt"; then
  python3 -m venv "$venv"
  PIP_ROOT_USER_ACTION=ignore "$venv/bin/pip" install --quiet --disable-pip-version-check \
    -r tests/openapi/requirements.txt
  cp tests/openapi/requirements.txt "$venv/requirements.txt"
fi
npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error >/dev/null
npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error >/dev/null
