// Signs the JSON array on stdin with `jose` (ES256) using the PEM private key named on the
// command line, and prints the public key's RFC 7638 thumbprint on a second line.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CompactSign, calculateJwkThumbprint, exportJWK } from 'jose';

const privateKey = createPrivateKey(readFileSync(process.argv[2]));
const payload = readFileSync(0);
const token = await new CompactSign(payload)
  .setProtectedHeader({ alg: 'ES256' })
  .sign(privateKey);
const thumbprint = await calculateJwkThumbprint(await exportJWK(createPublicKey(privateKey)));
console.log(token);
console.log(thumbprint);
