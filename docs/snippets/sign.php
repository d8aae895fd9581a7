<?php
// Sign interaction data for Talkative with PHP's openssl extension (no library needed).
// Usage: php sign.php ec_private.pem  (prints the compact JWS)

function base64url(string $bytes): string {
    return rtrim(strtr(base64_encode($bytes), '+/', '-_'), '=');
}

// openssl_sign() returns an ASN.1 DER signature; JWS ES256 needs the raw 64-byte R||S.
function der_to_raw(string $der): string {
    $offset = 2;                                   // SEQUENCE tag and length
    $raw = '';
    for ($i = 0; $i < 2; $i++) {                   // INTEGER r, then INTEGER s
        $length = ord($der[$offset + 1]);
        $integer = substr($der, $offset + 2, $length);
        $integer = ltrim($integer, "\x00");        // DER adds a 0x00 when the top bit is set
        $raw .= str_pad($integer, 32, "\x00", STR_PAD_LEFT);
        $offset += 2 + $length;
    }
    return $raw;
}

$interactionData = [
    ['label' => 'email', 'data' => 'ann@example.com', 'type' => 'string'],
    ['label' => 'name', 'data' => 'Ann Example', 'type' => 'string'],
];
$header = base64url(json_encode(['alg' => 'ES256']));
$payload = base64url(json_encode($interactionData, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE));
$input = "$header.$payload";

$key = openssl_pkey_get_private(file_get_contents($argv[1] ?? 'ec_private.pem'));
openssl_sign($input, $derSignature, $key, OPENSSL_ALGO_SHA256) or exit(1);
echo $input . '.' . base64url(der_to_raw($derSignature)), "\n";
