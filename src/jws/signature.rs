//! ES256 signature checks: the 64-byte R||S shape RFC 7518 §3.4 demands, the scalar range, and
//! the elliptic-curve verification itself (aws-lc, roughly 5× faster than pure-Rust p256 here).

use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, ParsedPublicKey};

use crate::domain::SigningKey;
use crate::domain::problem::{Code, Problem};

/// The order n of the P-256 group, big-endian.
const P256_ORDER: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

/// A signing key parsed once into aws-lc's form, so the hot path does no key decoding.
///
/// It verifies DER signatures, which we encode from R||S on the stack ([`der_from_fixed`]):
/// aws-lc verifies DER natively, and aws-lc-rs's own R||S path converts through two bignums and
/// a heap-allocated DER buffer on every call (~1% of the verify endpoint's CPU).
#[derive(Clone)]
pub struct VerifyingKey(ParsedPublicKey);

impl VerifyingKey {
    pub fn new(key: &SigningKey) -> Self {
        let parsed = ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, key.uncompressed_point())
            .expect("a SigningKey is always a valid P-256 point");
        Self(parsed)
    }

    /// True if this key made `signature` over `signing_input`. The signature must already be
    /// parsed (see [`parse_signature`]).
    pub fn verifies(&self, signing_input: &[u8], signature: &[u8; 64]) -> bool {
        let der = der_from_fixed(signature);
        self.0.verify_sig(signing_input, der.as_bytes()).is_ok()
    }
}

/// `SEQUENCE { INTEGER r, INTEGER s }` in DER: at most 2 + 2 × (2 + 33) bytes.
struct DerSignature {
    bytes: [u8; 72],
    len: usize,
}

impl DerSignature {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The canonical DER form of a 64-byte R||S signature: each scalar without leading zero bytes
/// (keeping one byte for a zero scalar), with a 0x00 in front when its top bit is set so it
/// stays positive. Lengths never reach 128, so every length is one byte.
fn der_from_fixed(fixed: &[u8; 64]) -> DerSignature {
    let mut bytes = [0u8; 72];
    let mut len = 2;
    for scalar in [&fixed[..32], &fixed[32..]] {
        let first = scalar.iter().position(|b| *b != 0).unwrap_or(31);
        let digits = &scalar[first..];
        let sign_pad = usize::from(digits[0] & 0x80 != 0);
        bytes[len] = 0x02;
        bytes[len + 1] = (sign_pad + digits.len()) as u8;
        len += 2 + sign_pad;
        bytes[len..len + digits.len()].copy_from_slice(digits);
        len += digits.len();
    }
    bytes[0] = 0x30;
    bytes[1] = (len - 2) as u8;
    DerSignature { bytes, len }
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerifyingKey(P-256)")
    }
}

/// Checks a JWS signature's shape before any curve arithmetic: exactly 64 bytes, r and s in [1, n-1].
pub fn parse_signature(signature: &[u8]) -> Result<&[u8; 64], Problem> {
    let Ok(fixed) = <&[u8; 64]>::try_from(signature) else {
        return Err(wrong_length(signature));
    };
    let (r, s) = fixed.split_at(32);
    for (name, scalar) in [("r", r), ("s", s)] {
        if scalar.iter().all(|b| *b == 0) || scalar >= &P256_ORDER[..] {
            return Err(Problem::new(
                Code::SignatureOutOfRange,
                format!("The signature's {name} value is zero or not below the P-256 group order."),
                "No valid ECDSA signature has r or s outside [1, n-1]; this token was forged or corrupted (cf. CVE-2022-21449, the \"psychic signature\").",
            ));
        }
    }
    Ok(fixed)
}

/// The whole check for one key, as the server applies it: shape, range, then the curve.
pub fn verify_es256(
    key: &VerifyingKey,
    signing_input: &[u8],
    signature: &[u8],
) -> Result<(), Problem> {
    let fixed = parse_signature(signature)?;
    if key.verifies(signing_input, fixed) {
        Ok(())
    } else {
        Err(mismatch())
    }
}

pub fn mismatch() -> Problem {
    Problem::new(
        Code::SignatureMismatch,
        "The signature does not verify with any stored signing key, active or inactive, nor with any deleted in the last 30 days.",
        "Either the token was changed after it was signed (what is signed is exactly its header and payload as sent, joined by a dot: any change, even whitespace, breaks it), or it was signed with a private key whose public half was never uploaded: compare your backend's key with those on the Signing Keys page.",
    )
}

fn wrong_length(signature: &[u8]) -> Problem {
    if is_der_ecdsa_signature(signature) {
        return Problem::new(
            Code::DerSignature,
            format!(
                "The signature is {} bytes of ASN.1 DER (SEQUENCE of two INTEGERs), the format of `openssl dgst -sign` and PHP's openssl_sign().",
                signature.len()
            ),
            "JWS ES256 needs the raw 64-byte R||S form (RFC 7518 §3.4): take r and s from the DER, left-pad each to 32 bytes, concatenate. JOSE libraries (jose, PyJWT, jwcrypto, firebase/php-jwt) do this for you.",
        );
    }
    let hint = match signature.len() {
        0 => {
            "The signature part is empty: the token is unsigned. Sign it with your EC private key using ES256."
        }
        32 => {
            "32 bytes is an HMAC-SHA256 (HS256) signature size; Talkative needs ES256 with your EC private key."
        }
        96 => {
            "96 bytes is an ES384 (P-384) signature size; generate a prime256v1 key and sign with ES256."
        }
        132 => {
            "132 bytes is an ES512 (P-521) signature size; generate a prime256v1 key and sign with ES256."
        }
        256 | 384 | 512 => {
            "That is an RSA signature size; Talkative needs ES256 with a P-256 EC key."
        }
        _ => {
            "An ES256 signature is exactly 64 bytes (r and s, 32 bytes each), base64url-encoded to 86 characters."
        }
    };
    Problem::new(
        Code::InvalidSignatureLength,
        format!(
            "The signature is {} bytes; ES256 signatures are exactly 64.",
            signature.len()
        ),
        hint,
    )
}

/// Recognises `SEQUENCE { INTEGER r, INTEGER s }` in DER, as produced for P-256 (8 to 72 bytes).
fn is_der_ecdsa_signature(bytes: &[u8]) -> bool {
    fn integer(rest: &[u8]) -> Option<&[u8]> {
        let (&tag, rest) = rest.split_first()?;
        let (&len, rest) = rest.split_first()?;
        let len = usize::from(len);
        if tag != 0x02 || len == 0 || len > 33 || rest.len() < len {
            return None;
        }
        Some(&rest[len..])
    }
    let [0x30, len, body @ ..] = bytes else {
        return false;
    };
    if usize::from(*len) != body.len() {
        return false;
    }
    integer(body)
        .and_then(integer)
        .is_some_and(<[u8]>::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_der() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01];
        assert!(is_der_ecdsa_signature(&der));
        assert_eq!(parse_signature(&der).unwrap_err().code, Code::DerSignature);
        assert!(!is_der_ecdsa_signature(&[
            0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01
        ]));
        assert!(!is_der_ecdsa_signature(&[0u8; 70]));
    }

    #[test]
    fn rejects_scalars_out_of_range() {
        let zero = [0u8; 64];
        assert_eq!(
            parse_signature(&zero).unwrap_err().code,
            Code::SignatureOutOfRange
        );
        let mut r_is_n = [1u8; 64];
        r_is_n[..32].copy_from_slice(&P256_ORDER);
        assert_eq!(
            parse_signature(&r_is_n).unwrap_err().code,
            Code::SignatureOutOfRange
        );
        let mut s_above_n = [1u8; 64];
        s_above_n[32..].copy_from_slice(&[0xFF; 32]);
        assert_eq!(
            parse_signature(&s_above_n).unwrap_err().code,
            Code::SignatureOutOfRange
        );
        let mut just_below = [1u8; 64];
        just_below[..32].copy_from_slice(&P256_ORDER);
        just_below[31] -= 1;
        assert!(parse_signature(&just_below).is_ok());
    }

    /// Reads `SEQUENCE { INTEGER r, INTEGER s }` back into R||S, insisting on minimal,
    /// positive integers (what DER requires and aws-lc checks).
    fn fixed_from_canonical_der(der: &[u8]) -> [u8; 64] {
        assert!(is_der_ecdsa_signature(der), "{der:02x?}");
        let mut fixed = [0u8; 64];
        let mut rest = &der[2..];
        for half in fixed.chunks_mut(32) {
            let len = usize::from(rest[1]);
            let digits = &rest[2..2 + len];
            assert!(digits[0] & 0x80 == 0, "negative integer in {der:02x?}");
            if len > 1 {
                assert!(
                    digits[0] != 0 || digits[1] & 0x80 != 0,
                    "non-minimal integer in {der:02x?}"
                );
            }
            let digits = if digits[0] == 0 && len > 1 {
                &digits[1..]
            } else {
                digits
            };
            half[32 - digits.len()..].copy_from_slice(digits);
            rest = &rest[2 + len..];
        }
        fixed
    }

    #[test]
    fn der_encoding_is_canonical_and_round_trips() {
        let mut cases = vec![[0x01; 64], [0xFF; 64], [0x7F; 64], [0x80; 64]];
        let mut small = [0u8; 64];
        small[31] = 1;
        small[63] = 0x80;
        cases.push(small);
        let mut leading_zeros = [0x42; 64];
        leading_zeros[..5].fill(0);
        leading_zeros[32..34].fill(0);
        leading_zeros[34] = 0x90;
        cases.push(leading_zeros);
        for fixed in cases {
            let der = der_from_fixed(&fixed);
            assert_eq!(fixed_from_canonical_der(der.as_bytes()), fixed);
        }
        assert_eq!(der_from_fixed(&[0xFF; 64]).as_bytes().len(), 72);
        assert_eq!(
            der_from_fixed(&small).as_bytes(),
            [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80]
        );
    }

    proptest::proptest! {
        #[test]
        fn any_fixed_signature_round_trips_through_der(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 64)
        ) {
            let fixed: [u8; 64] = bytes.try_into().unwrap();
            proptest::prop_assert_eq!(fixed_from_canonical_der(der_from_fixed(&fixed).as_bytes()), fixed);
        }
    }

    #[test]
    fn names_common_wrong_lengths() {
        for len in [0, 32, 63, 65, 96, 132, 256] {
            assert_eq!(
                parse_signature(&vec![7u8; len]).unwrap_err().code,
                Code::InvalidSignatureLength,
                "length {len}"
            );
        }
    }
}
