#!/usr/bin/env bash
# What one interaction's size costs (issue #28, §2): the release server under the appends that
# took the build before #28 to 721 MiB of RSS and seconds per append. Two floods, each on a fresh
# database, against this build and, when BEFORE_BIN names one, another build in the same run:
#
# 1. Six clients at once, each starting a chat and appending 100 items of 2.4 KB at a time until
#    the interaction is full (at most APPENDS times): the server's peak RSS.
# 2. One chat taking APPENDS_SMALL one-item appends (20 names, overriding each other): the server's
#    CPU time per append over the first tenth and the last tenth of them. Flat when an append
#    costs a lookup per item; growing when it reads everything the interaction holds.
#
#   bash benches/append_flood.sh
#   BEFORE_BIN=/tmp/before/talkative-emulator bash benches/append_flood.sh
#
# A build without a limit on what one interaction holds takes seconds per append near the end of
# flood 1; BEFORE_APPENDS (60) caps its flood 1, which still shows where its memory goes.
#
# Needs python3 and curl. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

APPENDS=${APPENDS:-400}
APPENDS_SMALL=${APPENDS_SMALL:-990}
BEFORE_APPENDS=${BEFORE_APPENDS:-60}
PORT=${PORT:-18093}

cargo build --release --quiet --bin talkative-emulator
tmp=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  wait 2>/dev/null; rm -rf "$tmp"
}
trap cleanup EXIT

cat > "$tmp/flood.py" <<'PY'
import json, os, sys, threading, time, urllib.request, urllib.error

base, pid, appends, appends_small = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
CONFIG = "00000000-0000-4000-8000-000000000001"

def post(path, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=600) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"null")

def items(prefix, count, size):
    return [{"name": f"{prefix}{i}", "label": f"{prefix} {i}", "type": "string", "data": "x" * size}
            for i in range(count)]

def cpu_ticks():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])

def peak_rss_mib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024

def start():
    status, started = post("/api/ecs/v1/interactions",
                           {"configUuid": CONFIG, "action": "start-chat"})
    assert status == 201, started
    return started["interaction"]["uuid"]

# 1. Six clients, 100 items of 2.4 KB an append, until full.
answered = {"ok": 0, "full": 0}
def client(n):
    uuid = start()
    for a in range(appends):
        status, _ = post(f"/api/ecs/v1/interactions/{uuid}/interaction-data",
                         {"interactionData": items(f"c{n}a{a}-", 100, 2400)})
        if status == 409:
            answered["full"] += 1
            return
        answered["ok"] += 1
t0 = time.time()
threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
for t in threads: t.start()
for t in threads: t.join()
print(f"flood 1: {answered['ok']} appends of 100 x 2.4 KB taken, {answered['full']} clients "
      f"told interaction_full, {time.time() - t0:.1f} s; peak RSS {peak_rss_mib()} MiB")

# 2. One chat, one-item appends: CPU per append, first tenth against last tenth.
uuid = start()
tenth = max(1, appends_small // 10)
spans = []
for a in range(appends_small):
    if a % tenth == 0:
        spans.append((a, cpu_ticks()))
    status, answer = post(f"/api/ecs/v1/interactions/{uuid}/interaction-data",
                          {"interactionData": items(f"k{a % 20}", 1, 200)})
    if status != 200:
        print(f"flood 2 stopped at append {a}: {status} {answer}")
        break
spans.append((a + 1, cpu_ticks()))
ticks = os.sysconf("SC_CLK_TCK")
per = [(b - a_) and (t2 - t1) * 1e6 / ticks / (b - a_) for (a_, t1), (b, t2) in zip(spans, spans[1:])]
print("flood 2: server CPU per one-item append, by tenth of the interaction's life (µs): "
      + ", ".join(f"{p:.0f}" for p in per))
print(f"flood 2: last tenth / first tenth: {per[-1] / per[0]:.2f}; peak RSS {peak_rss_mib()} MiB")
PY

run() {
  local name=$1 binary=$2 appends=$3
  rm -f "$tmp"/flood.db*
  DATABASE_URL="sqlite://$tmp/flood.db" RUST_LOG=warn "$binary" --bind "127.0.0.1:$PORT" &
  server=$!
  until curl -sf "http://127.0.0.1:$PORT/health" >/dev/null; do sleep 0.01; done
  echo "== $name ($binary)"
  python3 "$tmp/flood.py" "http://127.0.0.1:$PORT" "$server" "$appends" "$APPENDS_SMALL"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

run "this build" ./target/release/talkative-emulator "$APPENDS"
if [ -n "${BEFORE_BIN:-}" ]; then
  run "before" "$BEFORE_BIN" "$BEFORE_APPENDS"
fi
