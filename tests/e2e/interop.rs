//! Tokens made by tools and libraries other than ours verify, with keys made exactly as the
//! Talkative article says. These need openssl, python3 with PyJWT + jwcrypto, and node with
//! `jose` (tests/interop/); `scripts/test.sh` installs them, and a missing one fails the test.

use std::path::Path;

use serde_json::json;
use talkative_emulator::domain::SigningKey;
use talkative_emulator::jws::{self, KeyEntry, KeyRing, Stage};

use crate::helpers::{
    article_key_pair, b64, code, der_to_raw, items, openssl_sign, read, run, spawn_app,
};

const PYTHON_HINT: &str =
    "Run `pip install -r tests/interop/requirements.txt` (scripts/test.sh does).";
const NODE_HINT: &str = "Run `npm ci --prefix tests/interop` (scripts/test.sh does).";

fn interop_script(name: &str) -> String {
    format!("{}/tests/interop/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs a signer script with the payload on stdin; returns its output lines.
fn sign_with(program: &str, script: &str, dir: &Path, payload: &str, hint: &str) -> Vec<String> {
    std::fs::write(dir.join("payload.json"), payload).unwrap();
    let command = format!(
        "{program} {} ec_private.pem < payload.json",
        interop_script(script)
    );
    let out = run("sh", &["-c", &command], dir, hint);
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn openssl_cli_signature_verifies_after_der_to_raw_conversion() {
    let app = spawn_app().await;
    let dir = article_key_pair();
    app.add_key("openssl", &read(dir.path(), "ec_public.pem"))
        .await;

    let input = format!(
        "{}.{}",
        b64(br#"{"alg":"ES256"}"#),
        b64(items(&[("email", "a@b.c")]).to_string().as_bytes())
    );
    let der = openssl_sign(dir.path(), &input);

    let raw_token = format!("{input}.{}", b64(&der_to_raw(&der)));
    let verdict = app.verify(Some(&raw_token), json!([])).await;
    assert_eq!(verdict["signature"]["status"], "valid", "{verdict}");
    assert_eq!(verdict["accepted"][0]["data"], "a@b.c");

    let der_token = format!("{input}.{}", b64(&der));
    let verdict = app.verify(Some(&der_token), json!([])).await;
    assert_eq!(code(&verdict), "der_signature");
    assert!(
        verdict["signature"]["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("R||S")
    );
}

#[tokio::test]
async fn independent_libraries_tokens_verify() {
    let app = spawn_app().await;
    let dir = article_key_pair();
    let key = app
        .add_key("libraries", &read(dir.path(), "ec_public.pem"))
        .await;
    let payload = items(&[("email", "a@b.c"), ("name", "Ünïcödé \"quoted\"")]).to_string();

    let signers = [
        ("python3", "sign_pyjwt.py", PYTHON_HINT),
        ("python3", "sign_jwcrypto.py", PYTHON_HINT),
        ("node", "sign_jose.mjs", NODE_HINT),
    ];
    for (program, script, hint) in signers {
        let lines = sign_with(program, script, dir.path(), &payload, hint);
        let verdict = app.verify(Some(&lines[0]), json!([])).await;
        assert_eq!(
            verdict["signature"]["status"], "valid",
            "{script}: {verdict}"
        );
        assert_eq!(
            verdict["accepted"][1]["data"], "Ünïcödé \"quoted\"",
            "{script}"
        );
        if let Some(thumbprint) = lines.get(1) {
            assert_eq!(
                &key["fingerprint"], thumbprint,
                "{script} computes another RFC 7638 thumbprint"
            );
        }
    }
}

/// RFC 7515 appendix A.3: the ES256 example token and key.
const RFC7515_A3_TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
const RFC7515_A3_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7
6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==
-----END PUBLIC KEY-----";

#[tokio::test]
async fn rfc7515_a3_signature_verifies_and_its_claims_payload_is_explained() {
    // Engine level: the signature check passes; only the payload (JWT claims, not an array) fails.
    let key = SigningKey::parse_pem(RFC7515_A3_PEM).unwrap();
    let ring = KeyRing::new(vec![KeyEntry::new(uuid::Uuid::nil(), "", &key, true)]);
    let failure = jws::verify(RFC7515_A3_TOKEN, &ring).unwrap_err();
    assert_eq!(failure.stage, Stage::Payload);
    // A one-byte change to the signed input fails at the signature instead.
    let tampered = RFC7515_A3_TOKEN.replacen("eyJpc3Mi", "eyJpc3Ni", 1);
    assert_eq!(
        jws::verify(&tampered, &ring).unwrap_err().stage,
        Stage::Signature
    );

    // Through the server: the same, with the hint that Talkative wants an array.
    let app = spawn_app().await;
    app.add_key("rfc", RFC7515_A3_PEM).await;
    let verdict = app.verify(Some(RFC7515_A3_TOKEN), json!([])).await;
    assert_eq!(code(&verdict), "invalid_payload");
    assert_eq!(verdict["signature"]["failedAt"], "payload");
    assert!(
        verdict["signature"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("claims object")
    );
}
