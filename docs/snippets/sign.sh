#!/bin/sh
# Sign interaction data for Talkative with the openssl CLI alone.
# Usage: sh sign.sh ec_private.pem  (prints the compact JWS)
set -eu
key=${1:-ec_private.pem}
payload='[{"label":"email","data":"ann@example.com","type":"string"},{"label":"name","data":"Ann Example","type":"string"}]'

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
input="$(printf '%s' '{"alg":"ES256"}' | b64url).$(printf '%s' "$payload" | b64url)"

# openssl dgst writes ASN.1 DER: 30 len 02 len(r) r 02 len(s) s. JWS needs r||s, 32 bytes each.
der=$(printf '%s' "$input" | openssl dgst -sha256 -sign "$key" | od -An -v -tx1 | tr -d ' \n')
integer() { # $1 = hex starting at an INTEGER; prints the integer as 64 hex digits
  len=$(printf '%d' "0x$(printf '%s' "$1" | cut -c3-4)")
  value=$(printf '%s' "$1" | cut -c5-$((4 + 2 * len)) | sed 's/^\(00\)*//')
  printf '%064s' "$value" | tr ' ' 0
}
rest=$(printf '%s' "$der" | cut -c5-)                 # skip SEQUENCE tag and length
r=$(integer "$rest")
rlen=$(printf '%d' "0x$(printf '%s' "$rest" | cut -c3-4)")
s=$(integer "$(printf '%s' "$rest" | cut -c$((5 + 2 * rlen))-)")
signature=$(printf '%s%s' "$r" "$s" | sed 's/../\\x&/g' | xargs -0 printf '%b' | b64url)
printf '%s.%s\n' "$input" "$signature"
