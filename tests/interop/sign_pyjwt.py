"""Signs the JSON array on stdin with PyJWT (ES256) using the PEM private key named on the command line."""
import sys

import jwt

with open(sys.argv[1], "rb") as f:
    key = f.read()
payload = sys.stdin.buffer.read()
# PyJWS signs raw bytes, so the payload stays the JSON array Talkative expects (not a claims set).
print(jwt.api_jws.encode(payload, key, algorithm="ES256"))
