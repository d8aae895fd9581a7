#!/usr/bin/env python3
"""Builds fuzz/corpus/<target>/ from the vendored test corpus (tests/data), so every fuzz run
starts from the hostile inputs the test suite already knows. Run from anywhere; idempotent."""

import base64
import hashlib
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
OUT = ROOT / "fuzz" / "corpus"


def write(target: str, content: bytes) -> None:
    folder = OUT / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(content).hexdigest()).write_bytes(content)


def b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


jws = json.loads((DATA / "wycheproof" / "json_web_signature_test.json").read_text())
for group in jws["testGroups"]:
    for test in group["tests"]:
        token = test["jws"]
        write("verify_token", token.encode())
        parts = token.split(".")
        for part in parts[:2]:
            try:
                decoded = b64url_decode(part)
            except Exception:
                continue
            write("strict_json", decoded)
            write("payload", decoded)

pems = json.loads((DATA / "wycheproof" / "ecdh_secp256r1_pem_test.json").read_text())
for group in pems["testGroups"]:
    for test in group["tests"]:
        write("signing_key", test["public"].encode())
for path in sorted((DATA / "keys").glob("*.pem")):
    write("signing_key", path.read_bytes())

article = [{"label": "email", "data": "a@b.c", "type": "string"}]
for sample in [
    article,
    article * 2,
    [{"label": "email", "data": "a@b.c", "type": "string", "extra": 1}],
    {"iss": "joe"},
]:
    text = json.dumps(sample).encode()
    write("payload", text)
    write("strict_json", text)
write("strict_json", b'{"alg":"ES256","alg":"none"}')
write("strict_json", b'["\\ud800"]')
write("strict_json", b"[" * 200 + b"]" * 200)
# Found by this target: serde_json's Value refuses its private marker as a first member name.
write("strict_json", b'[{"$serde_json::private::RawValue": 1}]')

for label in ["email", "Email", "em\u200bail", " email", "e\u0301mail", "a" * 256, ""]:
    write("unsigned_label", label.encode())

for target in sorted(p.name for p in OUT.iterdir()):
    print(f"{target}: {len(list((OUT / target).iterdir()))} seeds")
