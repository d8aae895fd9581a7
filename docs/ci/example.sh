#!/usr/bin/env bash
# A CI job that tests a chat page end to end against the emulator, as docs/ci.md explains:
# start the emulator from a config file, open the page in headless Chromium (written as
# Talkative's widget examples write theirs, with the emulator's origin in its loader import; it
# starts a chat), wait for the emulator to have seen it, assert what the agent would see, add
# data from the "backend" through the Core API and read the interaction back as the backend
# would, and end the chat as the agent would. The test command runs this very script (tests/e2e/ci_example.rs).
#
# Needs: the talkative-emulator binary (TALKATIVE_EMULATOR, default: on PATH), chromium,
# python3, curl. Exits non-zero, saying why, when anything is not as expected.
set -euo pipefail

emulator=${TALKATIVE_EMULATOR:-talkative-emulator}
chromium=${CHROMIUM:-chromium}
work=$(mktemp -d)
finish() {
  local status=$?
  # On failure, say what the emulator and the browser said: the first thing to read in CI.
  if [ "$status" -ne 0 ]; then
    echo "--- emulator.log (last 40 lines)" >&2; tail -n 40 "$work/emulator.log" >&2 2>/dev/null || true
    echo "--- chromium.log (last 20 lines)" >&2; tail -n 20 "$work/chromium.log" >&2 2>/dev/null || true
  fi
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
  exit "$status"
}
trap finish EXIT
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

# The Core API key your backend's tests use: a token CI knows, from the environment.
[[api_keys]]
name = "ci backend"
token_env = "CORE_API_TOKEN"
TOML
export CORE_API_TOKEN="ci-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

# 2. Start the emulator and wait until it answers.
"$emulator" --config emulator.toml --bind "127.0.0.1:$emu_port" \
  --database-url "sqlite://$work/emulator.db" 2> emulator.log &
for _ in $(seq 100); do curl -fs "$emu/health" >/dev/null && break; sleep 0.1; done
curl -fs "$emu/health" >/dev/null || { cat emulator.log >&2; echo "the emulator did not start" >&2; exit 1; }

# 3. What your backend would render: a token signed with the private key, in a page that loads
#    the chat widget as Talkative's examples do, from the emulator's origin instead of
#    Talkative's. Once the widget is in standby it passes the data and starts a chat. (The
#    config UUID is your Talkative one: the emulator gives a UUID it does not know its default
#    config, which has a `start-chat` action on an online queue.)
token=$(echo '[{"name":"email","label":"Email","data":"ada@example.com","type":"string"}]' \
  | "$emulator" sign --key ec_private.pem)
cat > index.html <<HTML
<!doctype html><meta charset="utf-8"><title>Checkout</title>
<script>
  window.talkativeCustomConfig = {
    events: {
      enterStandby() {
        if (window.started) return;
        window.started = true;
        talkativeApi.interactionData.setSignedInteractionData("$token");
        talkativeApi.interactionData.appendInteractionData([
          { name: "page", label: "Page", data: "/checkout", type: "string" },
          { name: "coupon", label: "Coupon", data: "FREE100", type: "string" }
        ]);
        talkativeApi.actions.triggerAction("start-chat");
      }
    }
  };
  const configUuid = "e39f9811-1111-493b-b258-e964a1e33cf4";
  import(\`$emu/api/ecs/v1/loader/\${configUuid}.js?path=\${encodeURIComponent(location.origin + location.pathname)}\`);
</script>
HTML
python3 -m http.server "$page_port" --bind 127.0.0.1 >/dev/null 2>&1 &
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$page_port/index.html" >/dev/null && break; sleep 0.1; done

# 4. Note where the log stands, open the page in a real browser, and wait (no sleep) for the
#    emulator to have seen the chat that carried an email. The browser stays open until the
#    emulator has answered (no time budget to outrun on a busy CI machine), then is closed.
since=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
"$chromium" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --user-data-dir="$work/chromium-profile" "http://127.0.0.1:$page_port/index.html" > chromium.log 2>&1 &
browser=$!
answer=$(curl -fs "$emu/api/v1/interactions?wait=60s&after=$since&name=email")
kill "$browser" 2>/dev/null || true

# 5. Assert the verdict on what the chat started with (the signed email, the allowlisted page,
#    the coupon dropped), then the interaction the agent has: what it sees, by name.
ANSWER="$answer" python3 - <<'PY'
import json, os, sys
found = json.loads(os.environ["ANSWER"])["interactions"]
if len(found) != 1:
    sys.exit(f"expected one verification carrying an email, got {len(found)}")
verdict = found[0]["verdict"]
seen = {item["name"]: item["source"] for item in verdict["accepted"]}
dropped = {item["name"]: item["reason"]["code"] for item in verdict["rejected"]}
expect = ({"email": "signed", "page": "unsigned_allowlisted"}, {"coupon": "not_allowlisted"})
if (seen, dropped) != expect:
    sys.exit(f"the agent would see {seen}, dropped {dropped}; expected {expect}")
print(f"ok: {verdict['signature']['status']} signature from key "
      f"{verdict['signature']['keyName']!r}; agent sees {sorted(seen)}; dropped {sorted(dropped)}")
PY
engagements=$(curl -fs "$emu/api/v1/engagements")
uuid=$(ENGAGEMENTS="$engagements" python3 -c '
import json, os, sys
started = json.loads(os.environ["ENGAGEMENTS"])["engagements"]
if len(started) != 1 or started[0]["state"] != "active" or started[0]["action"] != "start-chat":
    sys.exit(f"expected one active chat started by start-chat, got {started}")
print(started[0]["uuid"])')
detail=$(curl -fs "$emu/api/v1/engagements/$uuid")
DETAIL="$detail" python3 -c '
import json, os, sys
view = {item["name"]: (item["data"], item["provenance"]) for item in json.loads(os.environ["DETAIL"])["agentView"]}
expect = {"email": ("ada@example.com", "signed"), "page": ("/checkout", "allowlisted")}
if view != expect:
    sys.exit(f"the agent view is {view}; expected {expect}")
print(f"ok: interaction {sys.argv[1]} shows the agent {sorted(view)}")' "$uuid"

# 6. The backend's side, through the Core API (as on Talkative: Bearer token, JSON:API): find
#    the interaction's numeric id by the UUID the page has, add data to it (a CRM id; and an
#    email, which must not replace the signed one), then read back what the agent has.
core="$emu/api/core/v1"
auth="Authorization: Bearer $CORE_API_TOKEN"
id=$(curl -fs -H "$auth" -H "Accept: application/json" "$core/interactions?filter%5Buuid%5D=$uuid" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][0]["id"])')
for body in '{"name": "crm_id", "label": "CRM id", "data": "C-1815"}' \
            '{"name": "email", "label": "Email", "data": "someone.else@example.com"}'; do
  curl -fs -X POST -H "$auth" -H "Content-Type: application/json" -d "$body" \
    "$core/interactions/$uuid/interaction-data" >> core-writes.json
  echo >> core-writes.json
done
included=$(curl -fs -H "$auth" -H "Accept: application/json" "$core/interactions/$id?include=interactionData")
INCLUDED="$included" python3 - <<'PY'
import json, os, sys
writes = [json.loads(line)["meta"] for line in open("core-writes.json")]
if [w["applied"] for w in writes] != [True, False] or writes[1].get("code") != "overridden_by_signed":
    sys.exit(f"expected the CRM id added and the signed email kept, got {writes}")
view = {item["attributes"]["name"]: (item["attributes"]["data"], item["attributes"]["provenance"])
        for item in json.loads(os.environ["INCLUDED"])["included"]}
expect = {"email": ("ada@example.com", "signed"), "page": ("/checkout", "allowlisted"),
          "crm_id": ("C-1815", "server")}
if view != expect:
    sys.exit(f"the Core API says the agent has {view}; expected {expect}")
print(f"ok: the Core API shows the agent {sorted(view)}; the signed email was kept")
PY

# 7. End it as the agent would: the page's widget fires exitInteraction and shows its feedback
#    step (a browser test would now assert the page's reaction).
ended=$(curl -fs -X POST -H "Content-Type: application/json" "$emu/api/v1/engagements/$uuid/end")
case "$ended" in *'"state":"ended"'*) echo "ok: the agent ended it" ;; *) echo "not ended: $ended" >&2; exit 1 ;; esac
