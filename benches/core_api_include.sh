#!/usr/bin/env bash
# What `include=interactionData` costs the Core API's list (issue #29): the release server with
# 1,000 interactions of five items each, `GET /api/core/v1/interactions?per_page=100` with and
# without the include, driven by wrk for DURATION each; prints req/s, the server's CPU per
# request, and with ÷ without. BEFORE_BIN names another build to measure the same way in the
# same run (the two lists on each build are measured back to back, so the ratio is the figure
# to compare).
#
#   bash benches/core_api_include.sh
#   BEFORE_BIN=/tmp/before/talkative-emulator bash benches/core_api_include.sh
#
# Needs wrk (Debian package `wrk`, installed when run as root), curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
PORT=${PORT:-18094}
INTERACTIONS=${INTERACTIONS:-1000}

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null; else echo "install wrk" >&2; exit 1; fi
fi
cargo build --release --quiet --bin talkative-emulator
tmp=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  wait 2>/dev/null; rm -rf "$tmp"
}
trap cleanup EXIT
ticks_per_second=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

cat > "$tmp/seed.py" <<'PY'
import json, sys, urllib.request
base, count = sys.argv[1], int(sys.argv[2])
def post(path, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())
token = post("/api/v1/api-keys", {"name": "bench"})["token"]
items = [{"name": f"n{i}", "label": f"Label {i}", "type": "string", "data": "value " * 5}
         for i in range(5)]
for _ in range(count):
    post("/api/ecs/v1/interactions", {"configUuid": "00000000-0000-4000-8000-000000000001",
                                      "action": "start-chat", "interactionData": items})
print(token)
PY

measure() {
  local name=$1 binary=$2
  rm -f "$tmp"/bench.db*
  DATABASE_URL="sqlite://$tmp/bench.db" RUST_LOG=warn "$binary" --bind "127.0.0.1:$PORT" \
    --core-api-rate-limit 0 &
  server=$!
  until curl -sf "http://127.0.0.1:$PORT/health" >/dev/null; do sleep 0.01; done
  local token
  token=$(python3 "$tmp/seed.py" "http://127.0.0.1:$PORT" "$INTERACTIONS")
  printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$token" > "$tmp/auth.lua"
  local results=()
  for query in "per_page=100" "per_page=100&include=interactionData"; do
    local url="http://127.0.0.1:$PORT/api/core/v1/interactions?$query"
    curl -sf -H "Authorization: Bearer $token" "$url" >/dev/null
    wrk -t1 -c4 -d2s -s "$tmp/auth.lua" "$url" >/dev/null
    local before_ticks after_ticks
    before_ticks=$(cpu_ticks "$server")
    wrk -t1 -c4 -d"$DURATION" -s "$tmp/auth.lua" "$url" > "$tmp/wrk.txt"
    after_ticks=$(cpu_ticks "$server")
    local rps total
    rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.txt")
    total=$(awk '/requests in/ {print $1}' "$tmp/wrk.txt")
    local cpu_ms
    cpu_ms=$(python3 -c "print('%.2f' % (($after_ticks - $before_ticks) * 1e3 / $ticks_per_second / $total))")
    echo "$name: ?$query: $rps req/s, server CPU $cpu_ms ms a request"
    results+=("$cpu_ms")
  done
  python3 -c "print('$name: with include / without: %.2f (server CPU per request)' % (${results[1]} / ${results[0]}))"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

measure "this build" ./target/release/talkative-emulator
if [ -n "${BEFORE_BIN:-}" ]; then
  measure "before" "$BEFORE_BIN"
fi
