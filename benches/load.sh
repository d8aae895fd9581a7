#!/usr/bin/env bash
# Load test for POST /api/v1/verify, the endpoint CI pipelines hit, with interaction recording on
# (it always is). Prints req/s, p50/p99 latency, server peak RSS, cold start, and two ratios
# against baselines measured in the same run: `openssl speed -multi 2 ecdsap256` verify/s (the
# hardware), and a bare actix-web + aws-lc endpoint (examples/bare_verify_endpoint.rs: the least
# an HTTP verifier can do) driven the same way. Also the server's CPU time per request (user +
# system, from /proc), which moves far less with the machine's other load than req/s does.
#
#   bash benches/load.sh                     # 60 s at 64 connections (about 1 M verifications)
#   DURATION=20s CONNECTIONS=64 bash benches/load.sh
#   EMULATOR_BIN=/tmp/old/talkative-emulator bash benches/load.sh   # another build, for an A/B
#
# Needs wrk (Debian package `wrk`, installed when run as root), openssl, python3, curl.
# Traffic goes to 127.0.0.1 only, and wrk stops after DURATION.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-60s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-18090}
BARE_PORT=${BARE_PORT:-18091}
BARE_DURATION=${BARE_DURATION:-20s}

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null; else echo "install wrk" >&2; exit 1; fi
fi

cargo build --release --quiet --bin talkative-emulator --example bare_verify_endpoint
emulator=${EMULATOR_BIN:-./target/release/talkative-emulator}
tmp=$(mktemp -d)
server=""
bare=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  [ -n "$bare" ] && kill "$bare" 2>/dev/null
  wait 2>/dev/null; rm -rf "$tmp"
}
trap cleanup EXIT

# CPU seconds (user + system) a process has used so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)
# Microseconds of CPU per request, from two cpu_ticks readings and a request count.
cpu_us_per_request() { python3 -c "print('%.1f' % (($2 - $1) * 1e6 / $ticks_per_second / $3))"; }

# A key pair made as Talkative's article says, and a ~200-byte signed payload.
openssl ecparam -genkey -name prime256v1 -noout -out "$tmp/ec_private.pem"
openssl ec -in "$tmp/ec_private.pem" -pubout -out "$tmp/ec_public.pem" 2>/dev/null
payload='[{"label":"email","data":"ann@example.com","type":"string"},{"label":"name","data":"Ann Example","type":"string"},{"label":"customer_id","data":"C-0042","type":"string"}]'
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
input="$(printf '%s' '{"alg":"ES256"}' | b64url).$(printf '%s' "$payload" | b64url)"
printf '%s' "$input" | openssl dgst -sha256 -sign "$tmp/ec_private.pem" -out "$tmp/sig.der"
sig=$(python3 - "$tmp/sig.der" <<'PY'
import base64, sys
der = open(sys.argv[1], "rb").read()
# SEQUENCE { INTEGER r, INTEGER s } -> 32-byte big-endian r || s
i = 2; out = b""
for _ in range(2):
    n = der[i + 1]; out += der[i + 2:i + 2 + n].lstrip(b"\0").rjust(32, b"\0"); i += 2 + n
print(base64.urlsafe_b64encode(out).decode().rstrip("="))
PY
)
token="$input.$sig"
body="{\"signedInteractionData\":\"$token\",\"interactionData\":[{\"label\":\"page\",\"data\":\"/pricing\",\"type\":\"string\"},{\"label\":\"coupon\",\"data\":\"FREE\",\"type\":\"string\"}]}"
cat > "$tmp/verify.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$body'
LUA

echo "== openssl speed -multi 2 ecdsap256 (the hardware baseline, same run)"
openssl_verify=$(openssl speed -multi 2 -seconds 5 ecdsap256 2>/dev/null | awk '/256 bits ecdsa/ {print $NF}' | tail -1)
echo "openssl verify/s: $openssl_verify"

echo "== cold start"
t0=$(date +%s%N)
DATABASE_URL="sqlite://$tmp/load.db" RUST_LOG=warn "$emulator" --bind "127.0.0.1:$PORT" &
server=$!
until curl -sf "http://127.0.0.1:$PORT/health" >/dev/null; do sleep 0.002; done
t1=$(date +%s%N)
cold_ms=$(( (t1 - t0) / 1000000 ))
echo "cold start to first 200: ${cold_ms} ms"

jq_pem=$(python3 -c 'import json,sys; print(json.dumps({"name":"load","pem":open(sys.argv[1]).read()}))' "$tmp/ec_public.pem")
curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/signing-keys" -H 'Content-Type: application/json' -d "$jq_pem" >/dev/null
curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/unsigned-fields" -H 'Content-Type: application/json' -d '{"label":"page"}' >/dev/null
check=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/verify" -H 'Content-Type: application/json' -d "$body")
case "$check" in *'"status":"valid"'*) ;; *) echo "token does not verify: $check" >&2; exit 1;; esac

echo "== warm-up"
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$tmp/verify.lua" "http://127.0.0.1:$PORT/api/v1/verify" >/dev/null

echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION POST /api/v1/verify"
cpu_before=$(cpu_ticks "$server")
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$tmp/verify.lua" \
  "http://127.0.0.1:$PORT/api/v1/verify" | tee "$tmp/wrk.txt"

rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.txt")
p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.txt")
total=$(awk '/requests in/ {print $1}' "$tmp/wrk.txt")
cpu_us=$(cpu_us_per_request "$cpu_before" "$(cpu_ticks "$server")" "$total")
rss_kib=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
recorded=$(curl -sf "http://127.0.0.1:$PORT/api/v1/interactions?limit=1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["interactions"]))')

kill "$server"; wait "$server" 2>/dev/null || true; server=""

echo "== baseline: bare actix-web + aws-lc endpoint, wrk -t$THREADS -c$CONNECTIONS -d$BARE_DURATION"
./target/release/examples/bare_verify_endpoint "127.0.0.1:$BARE_PORT" "$tmp/ec_public.pem" &
bare=$!
until curl -sf -o /dev/null -X POST "http://127.0.0.1:$BARE_PORT/api/v1/verify" -H 'Content-Type: application/json' -d "$body"; do sleep 0.01; done
case "$(curl -sf -X POST "http://127.0.0.1:$BARE_PORT/api/v1/verify" -H 'Content-Type: application/json' -d "$body")" in
  *'"valid":true'*) ;; *) echo "the bare endpoint does not verify the token" >&2; exit 1;;
esac
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$tmp/verify.lua" "http://127.0.0.1:$BARE_PORT/api/v1/verify" >/dev/null
bare_cpu_before=$(cpu_ticks "$bare")
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$BARE_DURATION" --latency -s "$tmp/verify.lua" \
  "http://127.0.0.1:$BARE_PORT/api/v1/verify" | tee "$tmp/bare.txt"
bare_rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/bare.txt")
bare_total=$(awk '/requests in/ {print $1}' "$tmp/bare.txt")
bare_cpu_us=$(cpu_us_per_request "$bare_cpu_before" "$(cpu_ticks "$bare")" "$bare_total")

echo
echo "== summary"
echo "requests: $total in $DURATION (interaction recording on; last interaction readable: $recorded)"
echo "endpoint req/s: $rps   p50: $p50   p99: $p99"
echo "openssl verify/s (-multi 2): $openssl_verify"
echo "bare actix + aws-lc endpoint req/s: $bare_rps"
python3 -c "print('ratio endpoint/openssl: %.3f   bare/openssl: %.3f   endpoint/bare: %.3f' % ($rps / $openssl_verify, $bare_rps / $openssl_verify, $rps / $bare_rps))"
echo "server CPU per request: endpoint ${cpu_us} us, bare ${bare_cpu_us} us (bare/endpoint: $(python3 -c "print('%.3f' % ($bare_cpu_us / $cpu_us))"))"
echo "server peak RSS: $(( rss_kib / 1024 )) MiB"
echo "cold start to first 200: ${cold_ms} ms"
