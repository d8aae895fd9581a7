"""Sign interaction data for Talkative with Python and PyJWT (pip install "PyJWT[crypto]").
Usage: python3 sign.py ec_private.pem  (prints the compact JWS)"""
import json
import sys

import jwt

interaction_data = [
    {"label": "email", "data": "ann@example.com", "type": "string"},
    {"label": "name", "data": "Ann Example", "type": "string"},
]
with open(sys.argv[1] if len(sys.argv) > 1 else "ec_private.pem", "rb") as f:
    key = f.read()
# jwt.encode() wants a claims dict; Talkative wants the array itself, so sign the bytes with PyJWS.
token = jwt.api_jws.encode(json.dumps(interaction_data).encode(), key, algorithm="ES256")
print(token)
