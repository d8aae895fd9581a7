#!/usr/bin/env bash
# start() to ready, in Node and Python, against a bare spawn of the same binary (`--version`,
# which does no more than exec and exit) measured in the same run: the figure is the ratio, and
# the absolute median for the 300 ms target. Uses the packaged binary (scripts/package.sh) through
# TALKATIVE_EMULATOR_BINARY and the packages' own code from packaging/. Each start makes a fresh
# database (migrations included) and each stop is graceful, as in a test run.
#   bash benches/start.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-30}
binary=${TALKATIVE_EMULATOR_BINARY:-$PWD/target/packaged/talkative-emulator}
[ -x "$binary" ] || { echo "build it first: bash scripts/package.sh" >&2; exit 1; }
export TALKATIVE_EMULATOR_BINARY="$binary"

node - "$rounds" <<'JS'
const { spawnSync } = require('node:child_process');
const { start } = require('./packaging/npm/talkative-emulator/lib/index.js');
const rounds = Number(process.argv[2]);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
(async () => {
  const bare = [], ready = [], stopped = [];
  for (let i = 0; i < rounds; i++) {
    let t = process.hrtime.bigint();
    spawnSync(process.env.TALKATIVE_EMULATOR_BINARY, ['--version']);
    bare.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    const emulator = await start();
    ready.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await emulator.stop();
    stopped.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const m = median(ready), b = median(bare);
  console.log(`node   start() to ready: median ${m.toFixed(1)} ms (max ${Math.max(...ready).toFixed(1)}), ` +
    `stop() ${median(stopped).toFixed(1)} ms; bare spawn ${b.toFixed(1)} ms; ratio ${(m / b).toFixed(1)}x, ${rounds} rounds`);
})();
JS

PYTHONPATH=packaging/python python3 - "$rounds" <<'PY'
import statistics, subprocess, sys, time, os
import talkative_emulator
rounds = int(sys.argv[1])
bare, ready, stopped = [], [], []
for _ in range(rounds):
    t = time.perf_counter(); subprocess.run([os.environ["TALKATIVE_EMULATOR_BINARY"], "--version"], capture_output=True)
    bare.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter(); emu = talkative_emulator.start()
    ready.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter(); emu.stop()
    stopped.append((time.perf_counter() - t) * 1000)
m, b = statistics.median(ready), statistics.median(bare)
print(f"python start() to ready: median {m:.1f} ms (max {max(ready):.1f}), stop() {statistics.median(stopped):.1f} ms; "
      f"bare spawn {b:.1f} ms; ratio {m / b:.1f}x, {rounds} rounds")
PY
