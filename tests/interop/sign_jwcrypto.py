"""Signs the JSON array on stdin with jwcrypto (ES256) using the PEM private key named on the command line.
Also prints the key's RFC 7638 thumbprint on a second line."""
import json
import sys

from jwcrypto import jwk, jws

with open(sys.argv[1], "rb") as f:
    key = jwk.JWK.from_pem(f.read())
token = jws.JWS(sys.stdin.buffer.read())
token.add_signature(key, None, json.dumps({"alg": "ES256"}))
print(token.serialize(compact=True))
print(key.thumbprint())
