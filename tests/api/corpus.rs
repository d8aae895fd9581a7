//! The vendored hostile-input corpus (tests/data/wycheproof, see its README): Wycheproof's ES256
//! JWS groups through the running server, and every secp256r1 public key of Wycheproof's ECDH
//! vectors through the key parser and the upload API. Each case: the expected outcome and code,
//! answered with a status the API documents, never a 500.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::json;
use talkative_emulator::domain::SigningKey;

use crate::helpers::{code, spawn_app};

const JWS_VECTORS: &str = include_str!("../data/wycheproof/json_web_signature_test.json");
const PEM_VECTORS: &str = include_str!("../data/wycheproof/ecdh_secp256r1_pem_test.json");

#[derive(Deserialize)]
struct JwsFile {
    #[serde(rename = "numberOfTests")]
    number_of_tests: usize,
    #[serde(rename = "testGroups")]
    groups: Vec<JwsGroup>,
}

#[derive(Deserialize)]
struct JwsGroup {
    public: Jwk,
    tests: Vec<JwsTest>,
}

#[derive(Deserialize)]
struct Jwk {
    kid: String,
    crv: String,
    x: String,
    y: String,
}

#[derive(Deserialize)]
struct JwsTest {
    #[serde(rename = "tcId")]
    tc_id: u32,
    comment: String,
    jws: String,
    result: String,
}

/// The vector's public JWK as the SPKI PEM a customer would paste.
fn jwk_to_pem(jwk: &Jwk) -> String {
    assert_eq!(jwk.crv, "P-256");
    // SubjectPublicKeyInfo prefix for id-ecPublicKey / prime256v1, then the uncompressed point.
    let mut der = vec![
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
    ];
    der.extend(URL_SAFE_NO_PAD.decode(&jwk.x).unwrap());
    der.extend(URL_SAFE_NO_PAD.decode(&jwk.y).unwrap());
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(der)
    )
}

/// What each vector must produce: the stage the diagnosis stops at and its code. "valid" vectors
/// sign the bytes `foo`, which is not interaction data, so a correct verifier passes every
/// signature check and stops at the payload.
fn expected(tc_id: u32) -> (&'static str, &'static str) {
    match tc_id {
        18 | 378 => ("payload", "invalid_payload"),
        19 | 22 | 23 | 32 => ("signature", "signature_mismatch"),
        20 => ("signature", "invalid_signature_length"),
        21 | 24 | 27 | 29 => ("segments", "invalid_segments"),
        25 => ("keyId", "unknown_key_id"),
        // An empty header segment is zero bytes of valid base64url, which are not a JSON object
        // (28 also lacks the signature, checked later).
        26 | 28 => ("header", "invalid_header"),
        30 => ("absent", "empty_signed_interaction_data"),
        31 => ("algorithm", "unsupported_algorithm"),
        379..=384 => ("signature", "invalid_signature_length"),
        // r or s zero or n: refused before any curve arithmetic.
        386..=390 | 393 | 394 | 397..=401 => ("signature", "signature_out_of_range"),
        // In range but not a signature of these bytes.
        391 | 392 | 395 | 396 => ("signature", "signature_mismatch"),
        other => panic!("no expectation for tc {other}"),
    }
}

#[tokio::test]
async fn wycheproof_jws_es256_vectors_get_their_codes() {
    let file: JwsFile = serde_json::from_str(JWS_VECTORS).unwrap();
    let app = spawn_app().await;
    let mut seen = 0;
    for group in &file.groups {
        // The key is stored under the vectors' kid as its name, so "kid-ec-sign" selects it.
        let key = app
            .add_key(&group.public.kid, &jwk_to_pem(&group.public))
            .await;
        for test in &group.tests {
            let (stage, expected_code) = expected(test.tc_id);
            let verdict = app.verify(Some(&test.jws), json!([])).await;
            let what = format!("tc {} ({})", test.tc_id, test.comment);
            assert_eq!(
                verdict["accepted"],
                json!([]),
                "{what}: nothing may be accepted"
            );
            if stage == "absent" {
                assert_eq!(verdict["signature"]["status"], "absent", "{what}");
                assert_eq!(verdict["warnings"][0]["code"], expected_code, "{what}");
            } else {
                assert_eq!(verdict["signature"]["status"], "invalid", "{what}");
                assert_eq!(verdict["signature"]["failedAt"], stage, "{what}: {verdict}");
                assert_eq!(code(&verdict), expected_code, "{what}: {verdict}");
            }
            // Only the vectors Wycheproof calls valid get past the signature.
            assert_eq!(test.result == "valid", stage == "payload", "{what}");
            if test.tc_id == 32 {
                assert!(
                    verdict["warnings"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|w| w["code"] == "embedded_key_ignored"),
                    "{what}: {verdict}"
                );
            }
            seen += 1;
        }
        app.delete(&format!(
            "/api/v1/signing-keys/{}",
            key["id"].as_str().unwrap()
        ))
        .await;
    }
    assert_eq!(seen, file.number_of_tests);
    assert_eq!(seen, 38, "the vendored subset changed; update the README");
}

#[derive(Deserialize)]
struct PemFile {
    #[serde(rename = "numberOfTests")]
    number_of_tests: usize,
    #[serde(rename = "testGroups")]
    groups: Vec<PemGroup>,
}

#[derive(Deserialize)]
struct PemGroup {
    tests: Vec<PemTest>,
}

#[derive(Deserialize)]
struct PemTest {
    #[serde(rename = "tcId")]
    tc_id: u32,
    comment: String,
    flags: Vec<String>,
    public: String,
    result: String,
}

fn pem_tests() -> (usize, Vec<PemTest>) {
    let file: PemFile = serde_json::from_str(PEM_VECTORS).unwrap();
    let tests = file.groups.into_iter().flat_map(|g| g.tests).collect();
    (file.number_of_tests, tests)
}

/// Every public key parses or is refused as Wycheproof says, with the code for its defect.
#[test]
fn wycheproof_p256_public_keys_parse_or_are_refused_with_their_code() {
    let (count, tests) = pem_tests();
    assert_eq!(tests.len(), count);
    let mut refused_by_flag: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
    let (mut valid, mut invalid) = (0, 0);
    for test in &tests {
        let what = format!("tc {} ({}; {:?})", test.tc_id, test.comment, test.flags);
        let outcome = SigningKey::parse_pem(&test.public);
        match test.result.as_str() {
            "valid" => {
                assert!(outcome.is_ok(), "{what} must parse: {outcome:?}");
                valid += 1;
            }
            "invalid" => {
                let problem = outcome.expect_err(&what);
                let flag = test.flags[0].clone();
                *refused_by_flag
                    .entry(flag)
                    .or_default()
                    .entry(problem.code.as_str())
                    .or_default() += 1;
                invalid += 1;
            }
            // Lenient encodings: strict parsing refuses them all (see below), but with a code.
            "acceptable" => {
                if let Err(problem) = outcome {
                    assert!(!problem.message.is_empty(), "{what}");
                }
            }
            other => panic!("{what}: unknown result {other}"),
        }
    }
    assert_eq!((valid, invalid), (330, 52));
    // A key labelled P-256 whose point is not on P-256 is an invalid public key: off-curve
    // points, a malformed point encoding, and points on the twist (Wycheproof files those under
    // WrongCurve). A key on another curve, or with explicit ("unnamed") curve parameters, however
    // close to P-256, is an unsupported curve.
    let expected = json!({
        "InvalidCompressedPublic": { "invalid_public_key": 1 },
        "InvalidCurveAttack": { "invalid_public_key": 16 },
        "InvalidEncoding": { "invalid_public_key": 1 },
        "LargeCofactor": { "unsupported_curve": 1 },
        "ModifiedGroup": { "unsupported_curve": 2 },
        "ModifiedPrime": { "unsupported_curve": 1 },
        "ModifiedPublicPoint": { "invalid_public_key": 2 },
        "NegativeCofactor": { "unsupported_curve": 1 },
        "NoCofactor": { "unsupported_curve": 1 },
        "WeakPublicKey": { "unsupported_curve": 1 },
        "WrongCurve": { "invalid_public_key": 6, "unsupported_curve": 17 },
        "WrongOrder": { "unsupported_curve": 2 },
    });
    assert_eq!(serde_json::to_value(&refused_by_flag).unwrap(), expected);
}

/// Strict DER: Wycheproof's "acceptable" ASN.1 variants (long-form lengths, trailing bytes,
/// indefinite lengths…) are all refused, and so are explicit curve parameters.
#[test]
fn lenient_asn1_encodings_are_refused() {
    let (_, tests) = pem_tests();
    let mut accepted = Vec::new();
    for test in tests.iter().filter(|t| t.result == "acceptable") {
        if SigningKey::parse_pem(&test.public).is_ok() {
            accepted.push((test.tc_id, test.comment.clone(), test.flags.clone()));
        }
    }
    // The compressed point (tc 2) is the one "acceptable" encoding we take: it is the same key.
    assert_eq!(
        accepted.iter().map(|a| a.0).collect::<Vec<_>>(),
        vec![2],
        "{accepted:?}"
    );
}

/// The refused keys through the upload API: each a 422 with the parser's code; none stored.
#[tokio::test]
async fn invalid_wycheproof_keys_are_refused_by_the_api() {
    let (_, tests) = pem_tests();
    let app = spawn_app().await;
    let mut checked = 0;
    for test in tests.iter().filter(|t| t.result != "valid") {
        let Err(problem) = SigningKey::parse_pem(&test.public) else {
            continue;
        };
        let (status, body) = app
            .post(
                "/api/v1/signing-keys",
                &json!({ "name": format!("tc {}", test.tc_id), "pem": test.public }),
            )
            .await;
        assert_eq!(status, 422, "tc {}: {body}", test.tc_id);
        assert_eq!(code(&body), problem.code.as_str(), "tc {}", test.tc_id);
        checked += 1;
    }
    assert!(checked > 250, "only {checked} refused keys");
    let (_, keys) = app.get("/api/v1/signing-keys").await;
    assert_eq!(
        keys,
        json!({ "signingKeys": [] }),
        "a refused key was stored"
    );
}

/// Tink / RFC 8725 style look-alikes of an allowlisted label: the allowlist is an exact,
/// case-sensitive match, so none of them passes unsigned.
#[tokio::test]
async fn lookalikes_of_an_allowlisted_label_are_not_allowlisted() {
    let app = spawn_app().await;
    app.add_key("k", &crate::helpers::TestSigner::generate().public_pem())
        .await;
    app.add_field("email").await;
    let lookalikes = [
        "Email",
        "EMAIL",
        "em\u{200B}ail", // zero-width space
        "em\u{200D}ail", // zero-width joiner
        "\u{FEFF}email", // byte order mark
        "em\u{00AD}ail", // soft hyphen
        "em\u{2060}ail", // word joiner
        "\u{0435}mail",  // Cyrillic ie
        "ema\u{0131}l",  // dotless i
        "\u{FF45}mail",  // fullwidth e
        "e\u{0301}mail", // combining acute
        "email\u{0000}", // NUL
        "email\t",       // trailing tab
        "e\u{202E}liam", // right-to-left override
    ];
    let unsigned: Vec<_> = lookalikes
        .iter()
        .map(|label| json!({ "label": label, "data": "spoof", "type": "string" }))
        .chain([json!({ "label": "email", "data": "real", "type": "string" })])
        .collect();
    let verdict = app.verify(None, json!(unsigned)).await;
    assert_eq!(
        verdict["accepted"],
        json!([{ "label": "email", "data": "real", "type": "string", "source": "unsigned_allowlisted", "matchedOn": "label" }])
    );
    let rejected = verdict["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), lookalikes.len());
    for (entry, label) in rejected.iter().zip(lookalikes) {
        assert_eq!(entry["label"], label);
        assert_eq!(entry["reason"]["code"], "not_allowlisted", "{label:?}");
    }
}
