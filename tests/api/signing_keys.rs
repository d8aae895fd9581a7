use serde_json::json;

use crate::helpers::{TestSigner, code, pem, spawn_app};

fn key_file(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/data/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[tokio::test]
async fn upload_list_and_fingerprint() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    let created = app.add_key("backend", &signer.public_pem()).await;
    assert_eq!(created["name"], "backend");
    assert_eq!(created["active"], true);
    assert_eq!(created["lastUsedAt"], serde_json::Value::Null);
    assert_eq!(created["fingerprint"].as_str().unwrap().len(), 43);
    assert_eq!(created["publicKeyPem"], signer.public_pem());

    let (status, list) = app.get("/api/v1/signing-keys").await;
    assert_eq!(status, 200);
    assert_eq!(list["signingKeys"].as_array().unwrap().len(), 1);
    assert_eq!(list["signingKeys"][0]["id"], created["id"]);
}

#[tokio::test]
async fn every_bad_key_gets_its_own_code() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    // A P-256 point with y changed: parses as SPKI, but is off the curve.
    let mut spki = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        signer
            .public_pem()
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>(),
    )
    .unwrap();
    let last = spki.len() - 1;
    spki[last] ^= 1;
    let off_curve = pem("PUBLIC KEY", &spki);

    let cases = [
        ("garbage", "hello".to_owned(), "invalid_pem"),
        (
            "truncated",
            signer.public_pem()[..80].to_owned(),
            "invalid_pem",
        ),
        (
            "pkcs8 private key",
            signer.private_pkcs8_pem(),
            "private_key_not_accepted",
        ),
        (
            "sec1 private key",
            key_file("sec1_private.pem"),
            "private_key_not_accepted",
        ),
        (
            "private key after EC PARAMETERS",
            key_file("with_params_private.pem"),
            "private_key_not_accepted",
        ),
        (
            "secp384r1",
            key_file("secp384r1_public.pem"),
            "unsupported_curve",
        ),
        (
            "secp256k1",
            key_file("secp256k1_public.pem"),
            "unsupported_curve",
        ),
        ("rsa", key_file("rsa_public.pem"), "unsupported_key_type"),
        (
            "ed25519",
            key_file("ed25519_public.pem"),
            "unsupported_key_type",
        ),
        ("point off curve", off_curve, "invalid_public_key"),
    ];
    for (description, input, expected) in cases {
        let (status, body) = app
            .post(
                "/api/v1/signing-keys",
                &json!({ "name": "k", "pem": input }),
            )
            .await;
        assert_eq!(status, 422, "{description}: {body}");
        assert_eq!(code(&body), expected, "{description}: {body}");
        assert!(
            !body["error"]["hint"].as_str().unwrap().is_empty(),
            "{description}"
        );
    }
    // Nothing was stored by any of them.
    let (_, list) = app.get("/api/v1/signing-keys").await;
    assert_eq!(list["signingKeys"], json!([]));
}

#[tokio::test]
async fn private_key_is_not_stored_or_echoed() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    let private = signer.private_pkcs8_pem();
    let body_line = private.lines().nth(1).unwrap();
    let (status, body) = app
        .post("/api/v1/signing-keys", &json!({ "pem": private }))
        .await;
    assert_eq!(status, 422);
    assert_eq!(code(&body), "private_key_not_accepted");
    assert!(body["error"]["hint"].as_str().unwrap().contains("exposed"));
    assert!(!body.to_string().contains(body_line), "private key echoed");
}

#[tokio::test]
async fn duplicate_key_is_refused() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("first", &signer.public_pem()).await;
    // The same key with CRLF line endings is still the same key.
    let crlf = signer.public_pem().replace('\n', "\r\n");
    let (status, body) = app
        .post(
            "/api/v1/signing-keys",
            &json!({ "name": "again", "pem": crlf }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(code(&body), "duplicate_key");
}

#[tokio::test]
async fn bad_request_shapes_are_400() {
    let app = spawn_app().await;
    let cases = [
        ("missing pem", json!({ "name": "x" })),
        ("pem not a string", json!({ "pem": 5 })),
        ("unknown field", json!({ "pem": "x", "private": true })),
        ("not an object", json!(["pem"])),
    ];
    for (description, body) in cases {
        let (status, response) = app.post("/api/v1/signing-keys", &body).await;
        assert_eq!(status, 400, "{description}: {response}");
        assert_eq!(code(&response), "invalid_request", "{description}");
    }
    let (status, response) = app
        .post_raw("/api/v1/signing-keys", "application/json", "{not json")
        .await;
    assert_eq!((status, code(&response)), (400, "invalid_request"));
    let (status, response) = app
        .post(
            "/api/v1/signing-keys",
            &json!({ "name": "a\u{0}b", "pem": TestSigner::generate().public_pem() }),
        )
        .await;
    assert_eq!((status, code(&response)), (422, "invalid_key_name"));
}

#[tokio::test]
async fn deactivate_rename_and_delete() {
    let app = spawn_app().await;
    let key = app.add_key("k", &TestSigner::generate().public_pem()).await;
    let path = format!("/api/v1/signing-keys/{}", key["id"].as_str().unwrap());

    let (status, body) = app
        .patch(&path, &json!({ "active": false, "name": "old" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], false);
    assert_eq!(body["name"], "old");

    let (status, body) = app.patch(&path, &json!({ "active": "no" })).await;
    assert_eq!((status, code(&body)), (400, "invalid_request"));

    let (status, _) = app.delete(&path).await;
    assert_eq!(status, 204);
    let (status, body) = app.delete(&path).await;
    assert_eq!((status, code(&body)), (404, "signing_key_not_found"));
    let (status, body) = app
        .patch(
            "/api/v1/signing-keys/not-a-uuid",
            &json!({ "active": true }),
        )
        .await;
    assert_eq!((status, code(&body)), (404, "signing_key_not_found"));
}
