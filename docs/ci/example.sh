#!/usr/bin/env bash
# A CI job that tests a chat page end to end against the emulator, as docs/ci.md explains:
# start the emulator from a config file, open the page in headless Chromium (it starts a chat
# through the emulator's widget shim), wait for the emulator to have seen it, and assert what the
# agent would see. The test command runs this very script (tests/e2e/ci_example.rs).
#
# Needs: the talkative-emulator binary (TALKATIVE_EMULATOR, default: on PATH), chromium,
# python3, curl. Exits non-zero, saying why, when anything is not as expected.
set -euo pipefail

emulator=${TALKATIVE_EMULATOR:-talkative-emulator}
chromium=${CHROMIUM:-chromium}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
emu_port=$(free_port)
page_port=$(free_port)
emu="http://127.0.0.1:$emu_port"

# 1. The key pair your backend signs with (in a real job: a test key kept with the tests), and
#    the emulator's config: that key, and the one label the page may send unsigned.
"$emulator" keygen --out-dir "$work" >/dev/null
cat > emulator.toml <<TOML
unsigned_fields = ["page"]

[[signing_keys]]
name = "ci backend"
pem_file = "ec_public.pem"
TOML

# 2. Start the emulator and wait until it answers.
"$emulator" --config emulator.toml --bind "127.0.0.1:$emu_port" \
  --database-url "sqlite://$work/emulator.db" 2> emulator.log &
for _ in $(seq 100); do curl -fs "$emu/health" >/dev/null && break; sleep 0.1; done
curl -fs "$emu/health" >/dev/null || { cat emulator.log >&2; echo "the emulator did not start" >&2; exit 1; }

# 3. What your backend would render: a token signed with the private key, in a page that loads
#    the widget shim from the emulator instead of Talkative's widget.
token=$(echo '[{"label":"email","data":"ada@example.com","type":"string"}]' \
  | "$emulator" sign --key ec_private.pem)
cat > index.html <<HTML
<!doctype html><meta charset="utf-8"><title>Checkout</title>
<script src="$emu/static/talkative-engage.js"></script>
<script>
  TalkativeEngageApi.startChat({
    signedInteractionData: "$token",
    interactionData: [
      {label: "page", data: "/checkout", type: "string"},
      {label: "coupon", data: "FREE100", type: "string"}
    ]
  });
</script>
HTML
python3 -m http.server "$page_port" --bind 127.0.0.1 >/dev/null 2>&1 &

# 4. Note where the log stands, open the page in a real browser, and wait (no sleep) for the
#    emulator to have seen the chat that carried an email.
since=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
"$chromium" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --virtual-time-budget=5000 --dump-dom "http://127.0.0.1:$page_port/index.html" >/dev/null 2>&1 &
answer=$(curl -fs "$emu/api/v1/interactions?wait=20s&after=$since&label=email")

# 5. Assert the agent view: the signed email, the allowlisted page, the coupon dropped.
ANSWER="$answer" python3 - <<'PY'
import json, os, sys
found = json.loads(os.environ["ANSWER"])["interactions"]
if len(found) != 1:
    sys.exit(f"expected one interaction carrying an email, got {len(found)}")
verdict = found[0]["verdict"]
seen = {item["label"]: item["source"] for item in verdict["accepted"]}
dropped = {item["label"]: item["reason"]["code"] for item in verdict["rejected"]}
expect = ({"email": "signed", "page": "unsigned_allowlisted"}, {"coupon": "not_allowlisted"})
if (seen, dropped) != expect:
    sys.exit(f"the agent would see {seen}, dropped {dropped}; expected {expect}")
print(f"ok: {verdict['signature']['status']} signature from key "
      f"{verdict['signature']['keyName']!r}; agent sees {sorted(seen)}; dropped {sorted(dropped)}")
PY
