#!/usr/bin/env bash
# The test command (README): installs what the end-to-end tests drive, then runs every test:
# unit tests, the hermetic suite (tests/api), the end-to-end suite (tests/e2e: Chromium, PHP,
# Node, Python; never skipped here), benches and examples in test mode, and the package tests
# (packaging/tests/run.sh: the npm packages and the wheel built, installed into fresh projects
# and driven by Playwright, pytest and Selenium). Idempotent.
# Plain `cargo test` runs everything but tests/e2e, with only the Rust toolchain and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
cargo test --all-targets "$@"
cargo test --test e2e "$@"
bash packaging/tests/run.sh
