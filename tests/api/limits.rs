//! Size limits on what one verification may carry: items per list, field lengths, header size.
//! Each is refused with its own code, in the verdict for signed data and as a 422 for the
//! request's own unsigned data.

use serde_json::{Value, json};

use crate::helpers::{TestSigner, code, spawn_app};

fn many(count: usize) -> Value {
    Value::Array(
        (0..count)
            .map(|i| json!({ "label": format!("f{i}"), "data": "x", "type": "string" }))
            .collect(),
    )
}

#[tokio::test]
async fn signed_payloads_over_the_limits_are_refused_at_the_payload() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("k", &signer.public_pem()).await;

    let at_limit = app
        .verify(Some(&signer.sign_items(&many(100))), json!([]))
        .await;
    assert_eq!(at_limit["signature"]["status"], "valid", "{at_limit}");
    assert_eq!(at_limit["accepted"].as_array().unwrap().len(), 100);

    let long_data =
        json!([{ "label": "note", "data": "d".repeat(8 * 1024 + 1), "type": "string" }]);
    let long_label = json!([{ "label": "l".repeat(256), "data": "", "type": "string" }]);
    for (items, expected) in [
        (many(101), "too_many_items"),
        (long_data, "item_too_large"),
        (long_label, "item_too_large"),
    ] {
        let verdict = app
            .verify(Some(&signer.sign_items(&items)), json!([]))
            .await;
        assert_eq!(code(&verdict), expected, "{verdict}");
        assert_eq!(verdict["signature"]["failedAt"], "payload");
        assert_eq!(verdict["accepted"], json!([]));
        // Refused as a whole: nothing of an oversized payload is taken.
        assert!(
            verdict["rejected"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["reason"]["code"] == "invalid_signature")
        );
    }
}

#[tokio::test]
async fn oversized_headers_are_refused_before_parsing() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("k", &signer.public_pem()).await;
    let header = json!({ "alg": "ES256", "x": "p".repeat(4 * 1024) }).to_string();
    let token = signer.token(&header, &json!([]).to_string());
    let verdict = app.verify(Some(&token), json!([])).await;
    assert_eq!(code(&verdict), "header_too_large");
    assert_eq!(verdict["signature"]["failedAt"], "header");
}

#[tokio::test]
async fn unsigned_data_over_the_limits_is_a_422() {
    let app = spawn_app().await;
    let long_type = json!([{ "label": "a", "data": "", "type": "t".repeat(65) }]);
    for (unsigned, expected) in [(many(101), "too_many_items"), (long_type, "item_too_large")] {
        let (status, body) = app
            .post("/api/v1/verify", &json!({ "interactionData": unsigned }))
            .await;
        assert_eq!((status, code(&body)), (422, expected), "{body}");
        assert!(
            body["error"]["hint"]
                .as_str()
                .is_some_and(|h| !h.is_empty())
        );
    }
    // Nothing was recorded for a refused request.
    let (_, log) = app.get("/api/v1/interactions").await;
    assert_eq!(log["interactions"], json!([]), "{log}");
}
