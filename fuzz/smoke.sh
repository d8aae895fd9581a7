#!/usr/bin/env bash
# A short run of every fuzz target from the seed corpus, so CI proves the targets still build and
# find nothing in their first seconds. Real fuzzing runs longer: see fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-10}"
# Unoptimised, without AddressSanitizer: the smoke proves the targets build and that the seeds
# and a few seconds of mutation find no panic (overflow checks on). Building every dependency
# optimised and instrumented took ~11 of CI's minutes, this ~4; a target still runs ~100k inputs
# in its 10 s. Real fuzzing (fuzz/README.md) uses the defaults: release, with ASan.
flags="${FUZZ_FLAGS:---dev --sanitizer none}"
# cargo-fuzz from its prebuilt PyPI wheel (scripts/requirements-fuzz.txt), unless one is installed.
if ! command -v cargo-fuzz >/dev/null; then
  venv=target/fuzz-tools-venv
  if [ ! -x "$venv/bin/cargo-fuzz" ]; then
    python3 -m venv "$venv"
    PIP_ROOT_USER_ACTION=ignore "$venv/bin/pip" install --quiet --disable-pip-version-check \
      --require-hashes -r scripts/requirements-fuzz.txt
  fi
  export PATH="$PWD/$venv/bin:$PATH"
fi
python3 fuzz/seed.py
# cargo-fuzz passes nightly-only flags (-Z); RUSTC_BOOTSTRAP lets the stable toolchain take them.
export RUSTC_BOOTSTRAP=1
for target in $(cargo fuzz list); do
  echo "== fuzz $target for ${seconds}s"
  log="fuzz/target/smoke-$target.log"
  mkdir -p fuzz/target
  if ! cargo fuzz run $flags "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz target $target failed; the input is in fuzz/artifacts/$target" >&2
    exit 1
  fi
  grep -E "^Done" "$log"
done
