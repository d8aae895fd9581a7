//! A customer's ES256 verification key: by construction a valid P-256 public key, nothing else.
//!
//! Everything a person might paste into the Signing Keys page goes through [`SigningKey::parse_pem`],
//! and each way it can be wrong has its own [`Code`] and a hint that says how to get it right.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::der::asn1::ObjectIdentifier as Oid;
use p256::pkcs8::spki::SubjectPublicKeyInfoRef;
use p256::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};

use super::pem::{PemError, parse_blocks};
use crate::domain::problem::{Code, Problem};

const ID_EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const PRIME256V1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");

/// Named curves people actually generate by mistake, so the error can name them.
const OTHER_CURVES: &[(Oid, &str)] = &[
    (Oid::new_unwrap("1.3.132.0.34"), "secp384r1 (P-384)"),
    (Oid::new_unwrap("1.3.132.0.35"), "secp521r1 (P-521)"),
    (Oid::new_unwrap("1.3.132.0.10"), "secp256k1"),
    (Oid::new_unwrap("1.3.132.0.33"), "secp224r1 (P-224)"),
    (Oid::new_unwrap("1.2.840.10045.3.1.1"), "prime192v1 (P-192)"),
    (Oid::new_unwrap("1.3.36.3.3.2.8.1.1.7"), "brainpoolP256r1"),
];

const OTHER_KEY_TYPES: &[(Oid, &str)] = &[
    (Oid::new_unwrap("1.2.840.113549.1.1.1"), "RSA"),
    (Oid::new_unwrap("1.2.840.113549.1.1.10"), "RSA-PSS"),
    (Oid::new_unwrap("1.3.101.112"), "Ed25519"),
    (Oid::new_unwrap("1.3.101.113"), "Ed448"),
    (Oid::new_unwrap("1.3.101.110"), "X25519"),
    (Oid::new_unwrap("1.3.101.111"), "X448"),
    (Oid::new_unwrap("1.2.840.10040.4.1"), "DSA"),
];

const GENERATE_HINT: &str = "Generate a key pair as Talkative documents: `openssl ecparam -genkey -name prime256v1 -noout -out ec_private.pem` then `openssl ec -in ec_private.pem -pubout -out ec_public.pem`, and paste the whole of ec_public.pem.";

/// A P-256 public key that verifies ES256 signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
    public: p256::PublicKey,
    fingerprint: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

impl SigningKey {
    /// Parses what a user pasted. Never echoes the input back: it may be a private key.
    pub fn parse_pem(text: &str) -> Result<Self, Problem> {
        let trimmed = text.trim();
        if trimmed.starts_with('{') {
            return Err(reject_jwk(trimmed));
        }
        if trimmed.starts_with("ssh-") || trimmed.starts_with("ecdsa-sha2-") {
            return Err(Problem::new(
                Code::InvalidPem,
                "This is an OpenSSH public key, not a PEM public key.",
                "Talkative needs an ECDSA P-256 key in PEM (SubjectPublicKeyInfo) form. "
                    .to_owned()
                    + GENERATE_HINT,
            ));
        }
        let blocks = parse_blocks(trimmed).map_err(pem_problem)?;
        if let Some(private) = blocks.iter().find(|b| b.label.contains("PRIVATE KEY")) {
            return Err(private_key_problem(&private.label));
        }
        let mut public_blocks = blocks.iter().filter(|b| b.label == "PUBLIC KEY");
        let Some(block) = public_blocks.next() else {
            return Err(wrong_block_problem(&blocks[0].label));
        };
        if public_blocks.next().is_some() {
            return Err(Problem::new(
                Code::InvalidPem,
                "The text holds more than one public key.",
                "Paste one key at a time; each key gets its own entry and fingerprint.",
            ));
        }
        Self::from_spki_der(&block.der)
    }

    /// A public key pasted as PEM or as a public JWK (`{"kty":"EC","crv":"P-256","x","y"}`):
    /// what the playground checks a token against without storing it. A private JWK (with
    /// `d`) is refused as a private PEM is.
    pub fn parse_pem_or_jwk(text: &str) -> Result<Self, Problem> {
        let trimmed = text.trim();
        if !trimmed.starts_with('{') {
            return Self::parse_pem(trimmed);
        }
        let problem = |message: String| {
            Problem::new(
                Code::InvalidPublicKey,
                message,
                "Paste a public P-256 JWK such as {\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"…\",\"y\":\"…\"}, or the PEM public key.",
            )
        };
        let value = crate::encoding::strict_json::parse(trimmed.as_bytes())
            .map_err(|e| problem(format!("The JWK is not valid JSON: {e}.")))?;
        let Some(jwk) = value.as_object() else {
            return Err(problem("The JWK is not a JSON object.".to_owned()));
        };
        if jwk.contains_key("d") {
            return Err(private_key_problem("JWK"));
        }
        let member = |name: &str| jwk.get(name).and_then(|v| v.as_str());
        match member("kty") {
            Some("EC") => {}
            Some(other) => {
                return Err(Problem::new(
                    Code::UnsupportedKeyType,
                    format!("This is a {other:?} JWK; ES256 needs an EC key on P-256."),
                    GENERATE_HINT,
                ));
            }
            None => return Err(problem("The JWK has no \"kty\".".to_owned())),
        }
        match member("crv") {
            Some("P-256") => {}
            other => {
                return Err(Problem::new(
                    Code::UnsupportedCurve,
                    format!(
                        "This EC JWK is on {}; ES256 requires P-256.",
                        other.map_or("no named curve".to_owned(), |c| format!("{c:?}"))
                    ),
                    GENERATE_HINT,
                ));
            }
        }
        let coordinate = |name: &str| {
            let text =
                member(name).ok_or_else(|| problem(format!("The JWK has no \"{name}\".")))?;
            let bytes = crate::encoding::base64url::decode(text)
                .map_err(|e| problem(format!("The JWK's \"{name}\" {}.", e.describe())))?;
            if bytes.len() != 32 {
                return Err(problem(format!(
                    "The JWK's \"{name}\" is {} bytes; a P-256 coordinate is 32.",
                    bytes.len()
                )));
            }
            Ok(bytes)
        };
        let mut point = vec![0x04];
        point.extend(coordinate("x")?);
        point.extend(coordinate("y")?);
        Self::from_sec1_bytes(&point)
    }

    /// Parses a DER SubjectPublicKeyInfo, naming the curve or key type when it is not P-256.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Problem> {
        let spki = SubjectPublicKeyInfoRef::try_from(der).map_err(|_| {
            Problem::new(
                Code::InvalidPem,
                "The PEM block is labelled PUBLIC KEY but its content is not a valid SubjectPublicKeyInfo.",
                "The file may be truncated or edited. ".to_owned() + GENERATE_HINT,
            )
        })?;
        let algorithm = spki.algorithm.oid;
        if algorithm != ID_EC_PUBLIC_KEY {
            let name = OTHER_KEY_TYPES
                .iter()
                .find(|(oid, _)| *oid == algorithm)
                .map_or_else(
                    || format!("algorithm {algorithm}"),
                    |(_, n)| (*n).to_owned(),
                );
            return Err(Problem::new(
                Code::UnsupportedKeyType,
                format!(
                    "This is a {name} public key; Talkative signed interaction data uses ECDSA P-256 (ES256)."
                ),
                GENERATE_HINT,
            ));
        }
        let curve = spki.algorithm.parameters_oid().map_err(|_| {
            Problem::new(
                Code::UnsupportedCurve,
                "The EC key uses explicit curve parameters instead of a named curve.",
                "Use the named curve prime256v1 (P-256). ".to_owned() + GENERATE_HINT,
            )
        })?;
        if curve != PRIME256V1 {
            let name = OTHER_CURVES
                .iter()
                .find(|(oid, _)| *oid == curve)
                .map_or_else(|| format!("curve {curve}"), |(_, n)| (*n).to_owned());
            return Err(Problem::new(
                Code::UnsupportedCurve,
                format!("This EC key is on {name}; ES256 requires prime256v1 (P-256, secp256r1)."),
                GENERATE_HINT,
            ));
        }
        let point = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(invalid_point)?;
        Self::from_sec1_bytes(point)
    }

    /// A key from its SEC1 point encoding (uncompressed `04 || X || Y`, or compressed).
    pub fn from_sec1_bytes(point: &[u8]) -> Result<Self, Problem> {
        let public = p256::PublicKey::from_sec1_bytes(point).map_err(|_| invalid_point())?;
        let fingerprint = jwk_thumbprint(&public);
        Ok(Self {
            public,
            fingerprint,
        })
    }

    /// RFC 7638 JWK SHA-256 thumbprint, base64url: the same value `jose` and `jwcrypto` compute.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Canonical SPKI PEM (uncompressed point, LF line endings): what we store and show.
    pub fn to_pem(&self) -> String {
        self.public
            .to_public_key_pem(LineEnding::LF)
            .expect("encoding a valid P-256 key as SPKI cannot fail")
    }

    /// `04 || X || Y`, the form aws-lc verifies with.
    pub fn uncompressed_point(&self) -> Vec<u8> {
        self.public.to_encoded_point(false).as_bytes().to_vec()
    }
}

fn jwk_thumbprint(public: &p256::PublicKey) -> String {
    let point = public.to_encoded_point(false);
    let x = URL_SAFE_NO_PAD.encode(point.x().expect("uncompressed point has x"));
    let y = URL_SAFE_NO_PAD.encode(point.y().expect("uncompressed point has y"));
    // RFC 7638 §3.2: required members only, lexicographic order, no whitespace.
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

fn invalid_point() -> Problem {
    Problem::new(
        Code::InvalidPublicKey,
        "The key is labelled P-256 but its point is not on the curve (or is the point at infinity).",
        "The key is corrupt or was built by hand. ".to_owned() + GENERATE_HINT,
    )
}

fn private_key_problem(label: &str) -> Problem {
    let form = private_key_form(label);
    Problem::new(
        Code::PrivateKeyNotAccepted,
        format!("This is {form}. It was not stored."),
        "Upload only the public half, ec_public.pem (`openssl ec -in ec_private.pem -pubout -out ec_public.pem`). \
         The private key belongs on your backend only: since it has been pasted elsewhere, consider it exposed and generate a new pair.",
    )
}

/// Why `text`, pasted where a signed token goes (the playground's token box, the verify
/// endpoint's `signedInteractionData`, the widget's `setSignedInteractionData`), is a private
/// key instead, or `None`. A token is three base64url parts joined by dots; a private key in any
/// form people paste (PEM of any label, a JWK with `d`, bare base64 of a SEC1 or PKCS #8 DER)
/// never is, so this costs nothing on a token that could verify. The caller refuses the request
/// and keeps no copy of it: no log entry, no echo in the answer or the form.
pub fn private_key_in_token(text: &str) -> Option<Problem> {
    let trimmed = text.trim();
    let form = if trimmed.contains("PRIVATE KEY-----") {
        let label = trimmed
            .split("-----BEGIN ")
            .nth(1)
            .and_then(|rest| rest.split_once("-----"))
            .map_or("PRIVATE KEY", |(label, _)| label);
        private_key_form(label)
    } else if trimmed.starts_with('{') {
        let value = crate::encoding::strict_json::parse(trimmed.as_bytes()).ok()?;
        value.as_object()?.get("d")?;
        "a private JWK"
    } else if trimmed.contains('.') {
        return None;
    } else {
        let compact: String = trimmed.split_whitespace().collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .ok()?;
        if p256::SecretKey::from_sec1_der(&der).is_ok() {
            "a SEC1 EC private key (base64 DER)"
        } else if p256::SecretKey::from_pkcs8_der(&der).is_ok() {
            "a PKCS#8 private key (base64 DER)"
        } else {
            return None;
        }
    };
    Some(Problem::new(
        Code::PrivateKeyNotAccepted,
        format!(
            "This is {form}, not a signed token. It was not recorded, and is not repeated here."
        ),
        "Sign the interaction data with it on your backend and pass the token that makes (three \
         base64url parts joined by dots). A private key pasted anywhere but your backend is \
         exposed: rotate it (make a new pair, upload the new ec_public.pem, then delete the old \
         key on the Signing Keys page).",
    ))
}

fn private_key_form(label: &str) -> &'static str {
    match label {
        "EC PRIVATE KEY" => "a SEC1 EC private key",
        "PRIVATE KEY" => "a PKCS#8 private key",
        "ENCRYPTED PRIVATE KEY" => "an encrypted PKCS#8 private key",
        "OPENSSH PRIVATE KEY" => "an OpenSSH private key",
        "RSA PRIVATE KEY" => "an RSA private key",
        "JWK" => "a private JWK",
        _ => "a private key",
    }
}

fn wrong_block_problem(label: &str) -> Problem {
    let (code, message) = match label {
        "RSA PUBLIC KEY" => (
            Code::UnsupportedKeyType,
            "This is an RSA public key; Talkative signed interaction data uses ECDSA P-256 (ES256).".to_owned(),
        ),
        "CERTIFICATE" => (
            Code::InvalidPem,
            "This is an X.509 certificate, not a public key.".to_owned(),
        ),
        "EC PARAMETERS" => (
            Code::InvalidPem,
            "This block holds only curve parameters, no key.".to_owned(),
        ),
        other => (
            Code::InvalidPem,
            format!("Expected a PEM block labelled PUBLIC KEY, found one labelled {other}."),
        ),
    };
    Problem::new(code, message, GENERATE_HINT)
}

fn pem_problem(error: PemError) -> Problem {
    let message = match error {
        PemError::NoBlock => {
            "No PEM block found: the text has no -----BEGIN PUBLIC KEY----- line.".to_owned()
        }
        PemError::Unterminated { label } => {
            format!("The {label} block has no matching -----END {label}----- line.")
        }
        PemError::MismatchedEnd { begin, end } => {
            format!("A block begins as {begin} but ends as {end}.")
        }
        PemError::BadBase64 { label } => {
            format!("The body of the {label} block is not valid base64.")
        }
    };
    Problem::new(
        Code::InvalidPem,
        message,
        "Paste the whole of ec_public.pem, including the BEGIN and END lines. ".to_owned()
            + GENERATE_HINT,
    )
}

fn reject_jwk(text: &str) -> Problem {
    let is_private = crate::encoding::strict_json::parse(text.as_bytes())
        .ok()
        .and_then(|v| v.as_object().map(|o| o.contains_key("d")))
        .unwrap_or(false);
    if is_private {
        return private_key_problem("JWK");
    }
    Problem::new(
        Code::InvalidPem,
        "This looks like JSON (a JWK?), not a PEM public key.",
        "The Signing Keys page takes PEM, as in Talkative. ".to_owned() + GENERATE_HINT,
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    // RFC 7515 appendix A.3 key, as SPKI PEM (x = f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU,
    // y = x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0).
    pub const RFC7515_A3_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7
6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==
-----END PUBLIC KEY-----";

    #[test]
    fn a_private_key_where_a_token_goes_is_named_in_every_form_people_paste() {
        use p256::pkcs8::EncodePrivateKey;
        let secret = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
        let sec1_pem = secret.to_sec1_pem(LineEnding::LF).unwrap().to_string();
        let pkcs8_pem = secret.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
        let base64 = |der: &[u8]| base64::engine::general_purpose::STANDARD.encode(der);
        let sec1_der = base64(&secret.to_sec1_der().unwrap());
        let pkcs8_der = base64(secret.to_pkcs8_der().unwrap().as_bytes());
        let jwk = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#;
        for (pasted, form) in [
            (sec1_pem.as_str(), "a SEC1 EC private key"),
            (&format!("  {pkcs8_pem}\n"), "a PKCS#8 private key"),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----",
                "an OpenSSH private key",
            ),
            (jwk, "a private JWK"),
            (&sec1_der, "a SEC1 EC private key (base64 DER)"),
            (&pkcs8_der, "a PKCS#8 private key (base64 DER)"),
        ] {
            let problem = private_key_in_token(pasted).expect(form);
            assert_eq!(problem.code, Code::PrivateKeyNotAccepted, "{form}");
            assert!(problem.message.contains(form), "{}", problem.message);
            assert!(!problem.message.contains("MHcCAQEE"), "never echoed");
            assert!(problem.hint.contains("rotate"), "{}", problem.hint);
        }
        // Tokens, broken tokens, a public key and plain text are not private keys.
        for not_private in [
            "eyJhbGciOiJFUzI1NiJ9.W10.c2ln",
            "",
            "not a token",
            RFC7515_A3_PEM,
            r#"{"kty":"EC","crv":"P-256"}"#,
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
        ] {
            assert_eq!(private_key_in_token(not_private), None, "{not_private}");
        }
    }

    #[test]
    fn a_public_jwk_is_the_same_key_as_its_pem_and_a_private_one_is_refused() {
        let jwk = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
        assert_eq!(
            SigningKey::parse_pem_or_jwk(jwk).unwrap(),
            SigningKey::parse_pem(RFC7515_A3_PEM).unwrap()
        );
        assert_eq!(
            SigningKey::parse_pem_or_jwk(RFC7515_A3_PEM).unwrap(),
            SigningKey::parse_pem(RFC7515_A3_PEM).unwrap()
        );
        for (text, code) in [
            (
                r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#,
                Code::PrivateKeyNotAccepted,
            ),
            (
                r#"{"kty":"RSA","n":"x","e":"AQAB"}"#,
                Code::UnsupportedKeyType,
            ),
            (
                r#"{"kty":"EC","crv":"P-384","x":"a","y":"b"}"#,
                Code::UnsupportedCurve,
            ),
            (
                r#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#,
                Code::InvalidPublicKey,
            ),
            (r#"{"kty":"EC","crv":"P-256""#, Code::InvalidPublicKey),
        ] {
            assert_eq!(
                SigningKey::parse_pem_or_jwk(text).unwrap_err().code,
                code,
                "{text}"
            );
        }
    }

    #[test]
    fn parses_spki_and_normalizes() {
        let key = SigningKey::parse_pem(RFC7515_A3_PEM).unwrap();
        assert_eq!(key.to_pem().trim(), RFC7515_A3_PEM);
        assert_eq!(key.uncompressed_point().len(), 65);
        assert_eq!(key.fingerprint().len(), 43);
        // Parsing our own output gives the same key.
        assert_eq!(SigningKey::parse_pem(&key.to_pem()).unwrap(), key);
    }

    #[test]
    fn thumbprint_follows_rfc7638_member_order() {
        let key = SigningKey::parse_pem(RFC7515_A3_PEM).unwrap();
        let canonical = r#"{"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
        assert_eq!(key.fingerprint(), URL_SAFE_NO_PAD.encode(digest.as_ref()));
    }

    #[test]
    fn rejects_with_specific_codes() {
        let cases: &[(&str, &str, Code)] = &[
            ("garbage", "not pem", Code::InvalidPem),
            ("empty", "", Code::InvalidPem),
            (
                "sec1 private",
                "-----BEGIN EC PRIVATE KEY-----\nAQID\n-----END EC PRIVATE KEY-----",
                Code::PrivateKeyNotAccepted,
            ),
            (
                "pkcs8 private",
                "-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----",
                Code::PrivateKeyNotAccepted,
            ),
            (
                "private jwk",
                r#"{"kty":"EC","crv":"P-256","x":"a","y":"b","d":"c"}"#,
                Code::PrivateKeyNotAccepted,
            ),
            ("public jwk", r#"{"kty":"EC"}"#, Code::InvalidPem),
            (
                "ssh",
                "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY= me@host",
                Code::InvalidPem,
            ),
            (
                "certificate",
                "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----",
                Code::InvalidPem,
            ),
            (
                "public key body not spki",
                "-----BEGIN PUBLIC KEY-----\nAQID\n-----END PUBLIC KEY-----",
                Code::InvalidPem,
            ),
        ];
        for (description, input, code) in cases {
            let problem = SigningKey::parse_pem(input).expect_err(description);
            assert_eq!(problem.code, *code, "{description}: {problem}");
            assert!(!problem.hint.is_empty(), "{description} has no hint");
        }
    }

    #[test]
    fn private_key_is_never_echoed() {
        let secret_body = "MHcCAQEEIBx6Kp0aSECRETSECRETSECRETSECRETSECRETSECRETSECREToAoGCCqGSM49";
        let input =
            format!("-----BEGIN EC PRIVATE KEY-----\n{secret_body}\n-----END EC PRIVATE KEY-----");
        let problem = SigningKey::parse_pem(&input).unwrap_err();
        assert!(!problem.message.contains("SECRET") && !problem.hint.contains("SECRET"));
    }

    #[test]
    fn rejects_point_off_curve() {
        let mut point = SigningKey::parse_pem(RFC7515_A3_PEM)
            .unwrap()
            .uncompressed_point();
        point[64] ^= 1;
        assert_eq!(
            SigningKey::from_sec1_bytes(&point).unwrap_err().code,
            Code::InvalidPublicKey
        );
    }
}
