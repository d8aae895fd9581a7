#!/usr/bin/env bash
# The package tests: builds target/dist (scripts/package.sh), installs the npm packages into a
# fresh npm project and the wheel into a fresh virtual environment, as a user would, from those
# files and the public registries only, and runs, against a production page that imports the
# widget from https://eu.engage.app unchanged (shop.html):
#   - node:test + Playwright (playwright-core, Debian's Chromium) through routeTalkative,
#   - pytest + Playwright for Python through route_talkative and the plugin's fixture,
#   - Selenium + chromedriver through the TLS listener (--tls-bind, --host-resolver-rules),
#   - `talkative-emulator exec` and `npx talkative-emulator --version`.
# scripts/test.sh runs it, so CI does. Needs Chromium, chromedriver, Node.js and Python 3
# (scripts/install-test-deps.sh installs them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

step() {
  local started=$SECONDS
  echo "-- $*"
  "$@"
  echo "-- $* took $((SECONDS - started)) s"
}

step bash scripts/package.sh
dist="$root/target/dist"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
binary="$root/target/packaged/talkative-emulator"

work=$(mktemp -d "${TMPDIR:-/tmp}/talkative-emulator-package-tests.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The shop's workspace: its page, the emulator's config, the backend's key and the token it signs.
shop="$work/shop"
mkdir -p "$shop/keys"
cp "$here/shop.html" "$here/emulator.toml" "$shop/"
"$binary" keygen --out-dir "$shop/keys" >/dev/null
token=$(printf '%s' '[{"name":"email","label":"Email Address","data":"ann@example.com","type":"string"}]' \
  | "$binary" sign --key "$shop/keys/ec_private.pem")
export PACKAGE_TEST_WORKSPACE="$shop" SHOP_SIGNED_TOKEN="$token"

# npm: a fresh project, both tarballs (the platform package satisfies the main package's optional
# dependency, so nothing is fetched for it), playwright-core from the registry.
node_project="$work/node"
mkdir -p "$node_project"
cp "$here/package.json" "$here/node/shop.test.mjs" "$here/node/types.ts" "$here/node/tsconfig.json" "$node_project/"
(
  cd "$node_project"
  step npm install --no-audit --no-fund --loglevel=error \
    "$dist/talkative-emulator-linux-x64-$version.tgz" "$dist/talkative-emulator-$version.tgz"
  printed=$(npx --no-install talkative-emulator --version)
  [[ "$printed" == "talkative-emulator $version"* ]] || { echo "npx talkative-emulator --version printed: $printed" >&2; exit 1; }
  echo "npx talkative-emulator --version: $printed"
  # The TypeScript types, compiled against a test that uses the whole API.
  step npx --no-install tsc -p tsconfig.json
  step node --test --test-reporter=spec shop.test.mjs
)

# PyPI: a fresh virtual environment, the wheel, pytest, Playwright and Selenium from the registry.
venv="$work/venv"
python3 -m venv "$venv"
step env PIP_ROOT_USER_ACTION=ignore "$venv/bin/pip" install --quiet --disable-pip-version-check \
  "$dist"/talkative_emulator-"$version"-*.whl -r "$here/requirements.txt"
printed=$("$venv/bin/talkative-emulator" --version)
[[ "$printed" == "talkative-emulator $version"* ]] || { echo "talkative-emulator --version printed: $printed" >&2; exit 1; }
echo "talkative-emulator --version (from the wheel): $printed"
cp "$here/python/test_shop.py" "$here/python/pytest.ini" "$shop/"
(
  cd "$shop"
  # The venv's bin on PATH, as `activate` puts it: the tests run `talkative-emulator` by name.
  step env PATH="$venv/bin:$PATH" "$venv/bin/python" -m pytest -p no:cacheprovider -v test_shop.py
)
