// Sign interaction data for Talkative with Node.js and `jose` (npm install jose).
// Usage: node sign.mjs ec_private.pem  (prints the compact JWS)
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CompactSign } from 'jose';

const interactionData = [
  { label: 'email', data: 'ann@example.com', type: 'string' },
  { label: 'name', data: 'Ann Example', type: 'string' },
];
// createPrivateKey reads the SEC1 key `openssl ecparam` writes (jose's importPKCS8 would not).
const key = createPrivateKey(readFileSync(process.argv[2] ?? 'ec_private.pem'));
const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(interactionData)))
  .setProtectedHeader({ alg: 'ES256' })
  .sign(key); // jose emits the raw R||S signature JWS requires
console.log(token);
