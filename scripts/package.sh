#!/usr/bin/env bash
# Builds the packaged binary once (profile `packaged`: see Cargo.toml) and writes the npm packages
# and the wheel around it into target/dist/ (packaging/build.py; packaging/README.md says what each
# holds). Nothing is published from here.
#   bash scripts/package.sh               build, then package
#   bash scripts/package.sh --prebuilt B  package the binary B (the release workflow's builds)
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
revision=${TALKATIVE_EMULATOR_REVISION:-$(git rev-parse --short=12 HEAD 2>/dev/null || true)}
binary=target/packaged/talkative-emulator
if [[ "${1:-}" == "--prebuilt" ]]; then
  binary=$2
else
  TALKATIVE_EMULATOR_REVISION=$revision cargo build --profile packaged --locked --bin talkative-emulator
fi
# The size the issue holds the packaged binary to: 15 MB.
size=$(stat -c %s "$binary")
if (( size > 15000000 )); then
  echo "error: $binary is $size bytes, over the 15 MB the packaged binary may take" >&2
  exit 1
fi
rm -rf target/dist
python3 packaging/build.py --binary "linux-x64=$binary" --version "$version" --revision "$revision" --out target/dist
