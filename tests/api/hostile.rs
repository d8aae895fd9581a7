//! Hostile and malformed tokens (RFC 8725 attacks, encoding tricks, forged signatures): each is
//! refused with its own code, answered 200 with a verdict, and never lets a signed item through.

use aws_lc_rs::hmac;
use serde_json::json;

use crate::helpers::{TestSigner, b64, code, items, spawn_app};

const P256_ORDER_HEX: &str = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The labels a token's payload segment carries, read independently of the engine: exactly
/// three segments, the middle one canonical base64url of a JSON array of items. Empty otherwise.
fn payload_items(token: &str) -> Vec<String> {
    use base64::Engine;
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Item {
        label: String,
        #[allow(dead_code)]
        data: String,
        #[serde(rename = "type")]
        #[allow(dead_code)]
        kind: String,
    }
    let segments: Vec<&str> = token.split('.').collect();
    if segments.len() != 3 || token.len() > 64 * 1024 {
        return Vec::new();
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segments[1])
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Vec<Item>>(&bytes).ok())
        .map(|items| items.into_iter().map(|i| i.label).collect())
        .unwrap_or_default()
}

fn with_signature(header: &str, payload: &str, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64(header.as_bytes()),
        b64(payload.as_bytes()),
        b64(signature)
    )
}

#[tokio::test]
async fn hostile_tokens_are_refused_with_their_code() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    let public_pem = signer.public_pem();
    app.add_key("k", &public_pem).await;
    let attacker = TestSigner::generate();

    let payload = items(&[("email", "victim@example.com")]).to_string();
    let es256 = r#"{"alg":"ES256"}"#;
    let valid = signer.token(es256, &payload);
    let input = |header: &str| format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let hs256_input = input(r#"{"alg":"HS256"}"#);
    let hmac_key = hmac::Key::new(hmac::HMAC_SHA256, public_pem.as_bytes());
    let hs256 = format!(
        "{hs256_input}.{}",
        b64(hmac::sign(&hmac_key, hs256_input.as_bytes()).as_ref())
    );
    let mut n_then_one = hex(P256_ORDER_HEX);
    n_then_one.extend([0u8; 31].iter().chain([1u8].iter()));
    let mut one_then_n = [0u8; 31].to_vec();
    one_then_n.push(1);
    one_then_n.extend(hex(P256_ORDER_HEX));
    let stray_bits = {
        // The last of 86 characters carries 4 unused bits; setting one keeps the bytes but not the encoding.
        let last = valid.chars().last().unwrap();
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let index = alphabet.find(last).unwrap() | 1;
        format!("{}{}", &valid[..valid.len() - 1], &alphabet[index..=index])
    };
    let attacker_jwk_header = json!({ "alg": "ES256", "jwk": attacker.public_jwk() }).to_string();
    let non_utf8 = {
        let input = format!("{}.{}", b64(es256.as_bytes()), b64(&[0xff, 0xfe]));
        format!("{input}.{}", b64(&signer.sign_raw(input.as_bytes())))
    };
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));

    let cases: Vec<(&str, String, &str)> = vec![
        (
            "alg none, empty signature",
            format!("{}.", input(r#"{"alg":"none"}"#)),
            "unsupported_algorithm",
        ),
        (
            "alg None",
            format!("{}.", input(r#"{"alg":"None"}"#)),
            "unsupported_algorithm",
        ),
        (
            "alg es256 lowercase",
            signer.token(r#"{"alg":"es256"}"#, &payload),
            "unsupported_algorithm",
        ),
        (
            "HS256 keyed with the public key",
            hs256,
            "unsupported_algorithm",
        ),
        (
            "RS256",
            signer.token(r#"{"alg":"RS256"}"#, &payload),
            "unsupported_algorithm",
        ),
        (
            "ES384",
            signer.token(r#"{"alg":"ES384"}"#, &payload),
            "unsupported_algorithm",
        ),
        (
            "missing alg",
            signer.token(r#"{"typ":"JWT"}"#, &payload),
            "invalid_header",
        ),
        (
            "alg not a string",
            signer.token(r#"{"alg":["ES256"]}"#, &payload),
            "invalid_header",
        ),
        (
            "duplicate alg",
            signer.token(r#"{"alg":"ES256","alg":"none"}"#, &payload),
            "invalid_header",
        ),
        (
            "header not JSON",
            signer.token("alg=ES256", &payload),
            "invalid_header",
        ),
        (
            "header an array",
            signer.token(r#"["ES256"]"#, &payload),
            "invalid_header",
        ),
        (
            "header lone surrogate",
            signer.token(r#"{"alg":"ES256","x":"\ud800"}"#, &payload),
            "invalid_header",
        ),
        (
            "kid not a string",
            signer.token(r#"{"alg":"ES256","kid":1}"#, &payload),
            "invalid_header",
        ),
        (
            "embedded attacker jwk",
            attacker.token(&attacker_jwk_header, &payload),
            "signature_mismatch",
        ),
        (
            "jku pointing elsewhere",
            attacker.token(
                r#"{"alg":"ES256","jku":"https://evil.example/keys"}"#,
                &payload,
            ),
            "signature_mismatch",
        ),
        (
            "x5c chain",
            attacker.token(r#"{"alg":"ES256","x5c":["MIIB"]}"#, &payload),
            "signature_mismatch",
        ),
        (
            "crit",
            signer.token(r#"{"alg":"ES256","crit":["exp"],"exp":1}"#, &payload),
            "unsupported_header",
        ),
        (
            "b64 false",
            signer.token(r#"{"alg":"ES256","b64":false,"crit":["b64"]}"#, &payload),
            "unsupported_header",
        ),
        (
            "b64 without crit",
            signer.token(r#"{"alg":"ES256","b64":false}"#, &payload),
            "unsupported_header",
        ),
        (
            "padding on signature",
            format!("{valid}=="),
            "invalid_base64url",
        ),
        (
            "padding on header",
            valid.replacen('.', "=.", 1),
            "invalid_base64url",
        ),
        (
            "standard alphabet +",
            valid.replacen('.', "+.", 1),
            "invalid_base64url",
        ),
        (
            "trailing newline",
            format!("{valid}\n"),
            "invalid_base64url",
        ),
        (
            "non-ASCII character",
            valid.replacen('.', "é.", 1),
            "invalid_base64url",
        ),
        ("stray bits", stray_bits, "invalid_base64url"),
        (
            // Zero bytes is valid base64url; what is wrong is that they are not a JSON object.
            "empty header",
            format!(".{}", &valid[valid.find('.').unwrap() + 1..]),
            "invalid_header",
        ),
        ("two segments", input(es256), "invalid_segments"),
        ("four segments", format!("{valid}.e30"), "invalid_segments"),
        (
            "five segments (JWE)",
            "a.b.c.d.e".to_owned(),
            "invalid_segments",
        ),
        ("plain JSON", payload.clone(), "invalid_segments"),
        (
            "psychic r=s=0",
            with_signature(es256, &payload, &[0u8; 64]),
            "signature_out_of_range",
        ),
        (
            "r = n",
            with_signature(es256, &payload, &n_then_one),
            "signature_out_of_range",
        ),
        (
            "s = n",
            with_signature(es256, &payload, &one_then_n),
            "signature_out_of_range",
        ),
        (
            "DER signature",
            format!(
                "{}.{}",
                input(es256),
                b64(&signer.sign_der(input(es256).as_bytes()))
            ),
            "der_signature",
        ),
        (
            "63-byte signature",
            with_signature(es256, &payload, &[1u8; 63]),
            "invalid_signature_length",
        ),
        (
            "empty signature",
            format!("{}.", input(es256)),
            "invalid_signature_length",
        ),
        (
            "signed by another key",
            attacker.token(es256, &payload),
            "signature_mismatch",
        ),
        (
            "payload swapped after signing",
            format!(
                "{}.{}.{}",
                b64(es256.as_bytes()),
                b64(items(&[("email", "attacker@evil")]).to_string().as_bytes()),
                valid.rsplit('.').next().unwrap()
            ),
            "signature_mismatch",
        ),
        (
            "header reserialized after signing",
            format!(
                "{}.{}",
                b64(br#"{ "alg":"ES256"}"#),
                valid.split_once('.').unwrap().1
            ),
            "signature_mismatch",
        ),
        (
            "oversize token",
            signer.token(es256, &"x".repeat(70 * 1024)),
            "token_too_large",
        ),
        (
            "payload an object",
            signer.token(es256, r#"{"email":"a@b.c"}"#),
            "invalid_payload",
        ),
        (
            "payload item missing type",
            signer.token(es256, r#"[{"label":"a","data":"b"}]"#),
            "invalid_payload",
        ),
        (
            "payload duplicate member",
            signer.token(
                es256,
                r#"[{"label":"a","label":"b","data":"","type":"string"}]"#,
            ),
            "invalid_payload",
        ),
        (
            "payload deeply nested",
            signer.token(es256, &deep),
            "invalid_payload",
        ),
        ("payload not UTF-8", non_utf8, "invalid_payload"),
    ];

    for (description, token, expected) in cases {
        let (status, verdict) = app
            .post("/api/v1/verify", &json!({ "signedInteractionData": token }))
            .await;
        assert_eq!(status, 200, "{description}: {verdict}");
        assert_eq!(
            verdict["signature"]["status"], "invalid",
            "{description}: {verdict}"
        );
        assert_eq!(code(&verdict), expected, "{description}: {verdict}");
        assert_eq!(
            verdict["accepted"],
            json!([]),
            "{description} let data through"
        );
        let error = &verdict["signature"]["error"];
        assert!(
            !error["message"].as_str().unwrap().is_empty()
                && !error["hint"].as_str().unwrap().is_empty(),
            "{description}"
        );
        // Whatever the stage that refused the signature, items the payload carried are listed
        // as dropped, so "something dropped" finds every such interaction.
        let rejected: Vec<_> = verdict["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["label"].clone(), i["reason"]["code"].clone()))
            .collect();
        let expected_rejected: Vec<_> = payload_items(&token)
            .iter()
            .map(|label| (json!(label), json!("invalid_signature")))
            .collect();
        assert_eq!(rejected, expected_rejected, "{description}: {verdict}");
    }
    // The genuine token still verifies after all that.
    let verdict = app.verify(Some(&valid), json!([])).await;
    assert_eq!(verdict["signature"]["status"], "valid");
}

/// A signature that verified is credited to its key even when the payload it signed is refused,
/// so the user sees that only the payload is wrong; a signature that did not verify names none.
#[tokio::test]
async fn the_key_that_verified_is_named_even_when_the_payload_is_refused() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    let key = app.add_key("backend", &signer.public_pem()).await;
    let es256 = r#"{"alg":"ES256"}"#;
    for payload in [
        r#"{"email":"a@b.c"}"#,
        r#"[{"label":"a","data":"b"}]"#,
        "not json",
    ] {
        let verdict = app
            .verify(Some(&signer.token(es256, payload)), json!([]))
            .await;
        assert_eq!(code(&verdict), "invalid_payload", "{verdict}");
        assert_eq!(verdict["signature"]["status"], "invalid");
        assert_eq!(
            verdict["signature"]["keyId"], key["id"],
            "{payload}: {verdict}"
        );
        assert_eq!(verdict["signature"]["failedAt"], "payload");
    }
    let forged = TestSigner::generate().token(es256, r#"{"email":"a@b.c"}"#);
    let verdict = app.verify(Some(&forged), json!([])).await;
    assert_eq!(code(&verdict), "signature_mismatch");
    assert_eq!(verdict["signature"]["keyId"], json!(null));
}

/// Found by the strict_json fuzz target: serde_json (with its raw_value feature) treats the member
/// name `$serde_json::private::RawValue` as a private marker and refuses to read it back into a
/// `Value`. A header carrying it must not break the log and playground pages that show the
/// decoded header later.
#[tokio::test]
async fn serde_json_private_marker_in_a_header_is_just_a_name() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("k", &signer.public_pem()).await;
    // serde_json only looks for the marker as the first member of an object.
    let header = r#"{"$serde_json::private::RawValue":1,"alg":"ES256"}"#;
    let token = signer.token(header, &items(&[("email", "a@b.c")]).to_string());
    // Read as text: this test binary's serde_json has the same feature, so `Value` would choke
    // here exactly as the pages did.
    let response = app
        .client
        .post(app.url("/api/v1/verify"))
        .json(&json!({ "signedInteractionData": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let verdict = response.text().await.unwrap();
    assert!(verdict.contains(r#""status":"valid""#), "{verdict}");
    assert!(verdict.contains(r#""header":{"$serde_json::private::RawValue":1,"alg":"ES256"}"#));
    let id = &verdict[r#"{"id":""#.len()..r#"{"id":""#.len() + 36];

    let stored = app
        .client
        .get(app.url(&format!("/api/v1/interactions/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(stored.status(), 200);
    for page in [format!("/interactions/{id}"), format!("/playground/{id}")] {
        let response = app.client.get(app.url(&page)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{page}");
        let html = response.text().await.unwrap();
        assert!(html.contains("$serde_json::private::RawValue"), "{page}");
    }
}
