//! The verify contract: enforcement, allowlist, provenance, and the shape of the verdict.

use serde_json::{Value, json};

use crate::helpers::{TestSigner, code, items, pairs, sources, spawn_app, spawn_app_with};

#[tokio::test]
async fn without_keys_enforcement_is_off_and_unsigned_passes() {
    let app = spawn_app().await;
    let verdict = app.verify(None, items(&[("email", "a@b.c")])).await;
    assert_eq!(verdict["enforcement"], "off");
    assert_eq!(verdict["signature"]["status"], "absent");
    assert_eq!(verdict["signature"]["error"], Value::Null);
    assert_eq!(
        sources(&verdict["accepted"]),
        pairs(&[("email", "unsigned_not_enforced")])
    );
    assert!(verdict["id"].as_str().unwrap().len() == 36);
}

#[tokio::test]
async fn signed_data_verifies_and_wins_over_unsigned() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    let key = app.add_key("backend", &signer.public_pem()).await;
    app.add_field("page").await;
    let token = signer.sign_items(&items(&[("email", "a@b.c"), ("name", "Ann")]));

    let verdict = app
        .verify(
            Some(&token),
            items(&[
                ("email", "spoof@evil"),
                ("page", "/pricing"),
                ("coupon", "FREE"),
            ]),
        )
        .await;
    assert_eq!(verdict["enforcement"], "on");
    assert_eq!(verdict["signature"]["status"], "valid");
    assert_eq!(verdict["signature"]["keyId"], key["id"]);
    assert_eq!(verdict["signature"]["keyName"], "backend");
    assert_eq!(
        sources(&verdict["accepted"]),
        pairs(&[
            ("email", "signed"),
            ("name", "signed"),
            ("page", "unsigned_allowlisted")
        ])
    );
    assert_eq!(
        sources(&verdict["rejected"]),
        pairs(&[
            ("email", "overridden_by_signed"),
            ("coupon", "not_allowlisted")
        ])
    );
    assert_eq!(verdict["accepted"][0]["data"], "a@b.c");
    assert_eq!(verdict["rejected"][0]["source"], "unsigned");
}

#[tokio::test]
async fn allowlist_match_is_exact_and_case_sensitive() {
    let app = spawn_app().await;
    app.add_key("k", &TestSigner::generate().public_pem()).await;
    app.add_field("email").await;
    let verdict = app
        .verify(
            None,
            items(&[
                ("Email", "x"),
                ("email ", "x"),
                ("em\u{200B}ail", "x"),
                ("email", "ok"),
            ]),
        )
        .await;
    assert_eq!(
        sources(&verdict["accepted"]),
        pairs(&[("email", "unsigned_allowlisted")])
    );
    assert_eq!(verdict["rejected"].as_array().unwrap().len(), 3);
    assert!(
        sources(&verdict["rejected"])
            .iter()
            .all(|(_, why)| why == "not_allowlisted")
    );
}

#[tokio::test]
async fn invalid_signature_drops_every_signed_item() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("k", &signer.public_pem()).await;
    let other = TestSigner::generate();
    let token = other.sign_items(&items(&[("email", "a@b.c"), ("plan", "gold")]));
    let verdict = app.verify(Some(&token), json!([])).await;
    assert_eq!(verdict["signature"]["status"], "invalid");
    assert_eq!(code(&verdict), "signature_mismatch");
    assert_eq!(verdict["signature"]["failedAt"], "signature");
    assert_eq!(verdict["signature"]["header"]["alg"], "ES256");
    assert_eq!(verdict["accepted"], json!([]));
    assert_eq!(
        sources(&verdict["rejected"]),
        pairs(&[
            ("email", "invalid_signature"),
            ("plan", "invalid_signature")
        ])
    );
}

#[tokio::test]
async fn key_changes_are_seen_by_the_next_verify() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    let token = signer.sign_items(&items(&[("email", "a@b.c")]));

    let verdict = app.verify(Some(&token), json!([])).await;
    assert_eq!(code(&verdict), "no_signing_keys");

    let key = app.add_key("k", &signer.public_pem()).await;
    let path = format!("/api/v1/signing-keys/{}", key["id"].as_str().unwrap());
    assert_eq!(
        app.verify(Some(&token), json!([])).await["signature"]["status"],
        "valid"
    );

    app.patch(&path, &json!({ "active": false })).await;
    let verdict = app.verify(Some(&token), items(&[("x", "y")])).await;
    assert_eq!(code(&verdict), "no_signing_keys");
    assert_eq!(verdict["enforcement"], "off");

    app.patch(&path, &json!({ "active": true })).await;
    assert_eq!(
        app.verify(Some(&token), json!([])).await["signature"]["status"],
        "valid"
    );

    app.delete(&path).await;
    assert_eq!(
        code(&app.verify(Some(&token), json!([])).await),
        "no_signing_keys"
    );
}

#[tokio::test]
async fn kid_selects_a_key_by_id_fingerprint_or_name() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    let key = app.add_key("k", &signer.public_pem()).await;
    let other = app
        .add_key("other", &TestSigner::generate().public_pem())
        .await;
    let payload = items(&[("a", "b")]).to_string();
    let with_kid =
        |kid: &Value| signer.token(&json!({ "alg": "ES256", "kid": kid }).to_string(), &payload);
    for kid in [&key["id"], &key["fingerprint"], &key["name"]] {
        let verdict = app.verify(Some(&with_kid(kid)), json!([])).await;
        assert_eq!(verdict["signature"]["status"], "valid", "kid {kid}");
        assert_eq!(verdict["signature"]["keyId"], key["id"]);
    }
    assert_eq!(
        code(&app.verify(Some(&with_kid(&json!("nope"))), json!([])).await),
        "unknown_key_id"
    );
    // kid pins the key: the right signature under another key's kid does not verify.
    let token = with_kid(&other["id"]);
    assert_eq!(
        code(&app.verify(Some(&token), json!([])).await),
        "signature_mismatch"
    );
    app.patch(
        &format!("/api/v1/signing-keys/{}", other["id"].as_str().unwrap()),
        &json!({ "active": false }),
    )
    .await;
    assert_eq!(
        code(&app.verify(Some(&token), json!([])).await),
        "key_inactive"
    );
    // Names need not be unique: every active key of that name is tried.
    let namesake = TestSigner::generate();
    let second = app.add_key("k", &namesake.public_pem()).await;
    let token = namesake.token(&json!({ "alg": "ES256", "kid": "k" }).to_string(), &payload);
    let verdict = app.verify(Some(&token), json!([])).await;
    assert_eq!(verdict["signature"]["status"], "valid", "{verdict}");
    assert_eq!(verdict["signature"]["keyId"], second["id"]);
}

#[tokio::test]
async fn warnings_for_odd_but_accepted_input() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("k", &signer.public_pem()).await;
    let token = signer.token(
        r#"{"alg":"ES256","jwk":{"kty":"EC"}}"#,
        r#"[{"label":"n","data":"1","type":"number"}]"#,
    );
    let verdict = app.verify(Some(&token), json!([])).await;
    assert_eq!(verdict["signature"]["status"], "valid");
    let warnings: Vec<&str> = verdict["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(warnings, ["embedded_key_ignored", "non_string_type"]);

    let verdict = app.verify(Some(""), json!([])).await;
    assert_eq!(verdict["signature"]["status"], "absent");
    assert_eq!(
        verdict["warnings"][0]["code"],
        "empty_signed_interaction_data"
    );
}

#[tokio::test]
async fn malformed_requests_are_400_and_oversized_413() {
    let app = spawn_app().await;
    let cases = [
        ("token not a string", json!({ "signedInteractionData": 5 })),
        (
            "interactionData not an array",
            json!({ "interactionData": {} }),
        ),
        (
            "item missing data",
            json!({ "interactionData": [{ "label": "a", "type": "string" }] }),
        ),
        (
            "item data a number",
            json!({ "interactionData": [{ "label": "a", "data": 1, "type": "string" }] }),
        ),
        ("unknown top-level field", json!({ "signedData": "x" })),
    ];
    for (description, body) in cases {
        let (status, response) = app.post("/api/v1/verify", &body).await;
        assert_eq!(status, 400, "{description}: {response}");
        assert_eq!(code(&response), "invalid_request", "{description}");
        assert!(!response["error"]["hint"].as_str().unwrap().is_empty());
    }
    let (status, response) = app
        .post(
            "/api/v1/verify",
            &json!({ "interactionData": [{ "label": "a", "type": "string" }] }),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        response["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Item 0 of interactionData has no \"data\"")
    );

    for (description, content_type, body) in [
        ("not json", "application/json", "{".to_owned()),
        (
            "duplicate member",
            "application/json",
            r#"{"interactionData":[],"interactionData":[]}"#.to_owned(),
        ),
        (
            "form encoded",
            "application/x-www-form-urlencoded",
            "a=b".to_owned(),
        ),
    ] {
        let (status, response) = app.post_raw("/api/v1/verify", content_type, body).await;
        assert_eq!(
            (status, code(&response)),
            (400, "invalid_request"),
            "{description}"
        );
    }
    let huge = format!(
        r#"{{"signedInteractionData":"{}"}}"#,
        "a".repeat(300 * 1024)
    );
    let (status, response) = app
        .post_raw("/api/v1/verify", "application/json", huge)
        .await;
    assert_eq!((status, code(&response)), (413, "payload_too_large"));
}

#[tokio::test]
async fn repeated_labels_keep_the_first_and_extra_members_are_warned() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("k", &signer.public_pem()).await;
    app.add_field("page").await;
    let token = signer.token(
        r#"{"alg":"ES256"}"#,
        r#"[{"label":"id","data":"1","type":"string"},{"label":"id","data":"2","type":"string","note":"x"}]"#,
    );
    let verdict = app
        .verify(
            Some(&token),
            json!([
                { "label": "page", "data": "/a", "type": "string" },
                { "label": "page", "data": "/b", "type": "string", "extra": true }
            ]),
        )
        .await;
    assert_eq!(
        sources(&verdict["accepted"]),
        pairs(&[("id", "signed"), ("page", "unsigned_allowlisted")])
    );
    assert_eq!(verdict["accepted"][0]["data"], "1");
    assert_eq!(verdict["accepted"][1]["data"], "/a");
    assert_eq!(
        sources(&verdict["rejected"]),
        pairs(&[("id", "duplicate_label"), ("page", "duplicate_label")])
    );
    let warnings: Vec<&str> = verdict["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(warnings, ["unknown_item_field", "unknown_item_field"]);
}

#[tokio::test]
async fn verify_is_readable_from_any_origin_including_errors() {
    let app = spawn_app().await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/verify"))
        .header("Origin", "http://shop.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        preflight.headers()["access-control-allow-headers"],
        "Content-Type, X-Talkative-Emulator-Source"
    );
    for body in [json!({}), json!({ "interactionData": 5 })] {
        let response = app
            .client
            .post(app.url("/api/v1/verify"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["access-control-allow-origin"],
            "*",
            "{body}"
        );
    }
    // Management routes are not opened to other origins.
    let keys = app
        .client
        .get(app.url("/api/v1/signing-keys"))
        .send()
        .await
        .unwrap();
    assert!(keys.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_verdict_names_its_key_as_it_was_called_when_it_verified() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    let key = app.add_key("staging", &signer.public_pem()).await;
    let token = signer.sign_items(&items(&[("email", "a@b.c")]));
    let before = app.verify(Some(&token), json!([])).await;
    assert_eq!(before["signature"]["keyName"], "staging");

    let id = key["id"].as_str().unwrap();
    let (status, _) = app
        .patch(
            &format!("/api/v1/signing-keys/{id}"),
            &json!({"name": "production"}),
        )
        .await;
    assert_eq!(status, 200);
    let after = app.verify(Some(&token), json!([])).await;
    assert_eq!(after["signature"]["keyName"], "production");
    let (_, recorded) = app
        .get(&format!(
            "/api/v1/interactions/{}",
            before["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(recorded["verdict"]["signature"]["keyName"], "staging");

    let unsigned = app.verify(None, json!([])).await;
    assert_eq!(unsigned["signature"]["keyName"], json!(null));
}

/// Items as Talkative's widget examples send them: `{name, label, type, data}`. The name is the
/// key (once it was dropped with a warning, and the display label matched instead).
fn named(name: &str, label: &str, data: &str) -> serde_json::Value {
    json!({ "name": name, "label": label, "type": "string", "data": data })
}

#[tokio::test]
async fn named_items_are_matched_and_merged_on_their_name() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    app.add_field("email").await;

    let verdict = app
        .verify(
            None,
            json!([
                named("email", "Email Address", "a@b.c"),
                named("account", "Account", "42")
            ]),
        )
        .await;
    assert_eq!(verdict["accepted"][0]["name"], "email");
    assert_eq!(verdict["accepted"][0]["label"], "Email Address");
    assert_eq!(verdict["accepted"][0]["matchedOn"], "name");
    assert_eq!(verdict["rejected"][0]["name"], "account");
    assert_eq!(verdict["rejected"][0]["reason"]["code"], "not_allowlisted");
    let codes: Vec<&str> = verdict["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"unknown_item_field"), "{verdict}");
    // Its label "Email Address" is not listed, but it passed on its name: nothing to act on.
    assert!(codes.is_empty(), "{verdict}");

    // Signed data wins over unsigned data with the same name, whatever their labels.
    let token = signer.sign_items(&json!([named("email", "E-mail", "signed@b.c")]));
    let verdict = app
        .verify(
            Some(&token),
            json!([named("email", "Email Address", "spoof@b.c")]),
        )
        .await;
    assert_eq!(verdict["accepted"][0]["data"], "signed@b.c");
    assert_eq!(verdict["accepted"][0]["name"], "email");
    assert_eq!(
        verdict["rejected"][0]["reason"]["code"],
        "overridden_by_signed"
    );

    // The log filters on names too.
    let (_, by_name) = app.get("/api/v1/interactions?name=email").await;
    assert_eq!(by_name["interactions"].as_array().unwrap().len(), 2);
    let (_, by_label) = app.get("/api/v1/interactions?label=email").await;
    assert_eq!(
        by_label["interactions"],
        json!([]),
        "no item is labelled email"
    );
}

#[tokio::test]
async fn the_unsigned_fields_page_can_be_matched_on_labels_instead() {
    let app = spawn_app_with(|s| {
        s.unsigned_field_match = talkative_emulator::domain::ItemMember::Label;
    })
    .await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    app.add_field("Email Address").await;
    let verdict = app
        .verify(None, json!([named("email", "Email Address", "a@b.c")]))
        .await;
    assert_eq!(verdict["accepted"][0]["matchedOn"], "label");
    assert_eq!(
        verdict["warnings"],
        json!([]),
        "passed: nothing to warn about"
    );
    // Listed by the name only while labels are matched: dropped, and the warning says the name
    // would have let it through.
    let verdict = app
        .verify(None, json!([named("account", "Account number", "42")]))
        .await;
    assert_eq!(verdict["rejected"][0]["reason"]["code"], "not_allowlisted");
    assert_eq!(
        verdict["warnings"],
        json!([]),
        "neither member listed: nothing to say"
    );
    app.add_field("account").await;
    let verdict = app
        .verify(None, json!([named("account", "Account number", "42")]))
        .await;
    assert_eq!(verdict["warnings"][0]["code"], "name_label_disagree");
    assert!(
        verdict["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("--unsigned-field-match name"),
        "{verdict}"
    );
}

#[tokio::test]
async fn only_the_portals_own_pages_are_recorded_as_the_demo() {
    // The probe of December 2026: any page could label its arrivals as the portal's demo by
    // sending the shim's source header. A page on another origin is recorded as the widget.
    let app = spawn_app().await;
    let own_origin = app.address.clone();
    for (origin, claimed, recorded) in [
        (Some("http://evil.example"), "demo", "widget"),
        (Some("http://evil.example"), "widget", "widget"),
        (Some(own_origin.as_str()), "demo", "demo"),
        (None, "demo", "demo"),
        (Some("http://evil.example"), "playground", "api"),
        (Some("http://evil.example"), "core_api", "api"),
    ] {
        let mut request = app
            .client
            .post(app.url("/api/v1/verify"))
            .header("X-Talkative-Emulator-Source", claimed)
            .json(&json!({ "interactionData": items(&[("page", "/")]) }));
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let verdict: Value = response.json().await.unwrap();
        let id = verdict["id"].as_str().unwrap();
        let (status, row) = app.get(&format!("/api/v1/interactions/{id}")).await;
        assert_eq!(status, 200);
        assert_eq!(row["source"], recorded, "{origin:?} claiming {claimed}");
    }
}

/// A token signed by a stored key that was deactivated is refused, as before, but says which key
/// signed it; one no stored key verifies says so, and what the two likely causes are (#31).
#[tokio::test]
async fn a_refused_token_names_the_inactive_key_that_signed_it_or_says_no_stored_key_did() {
    let app = spawn_app().await;
    let current = TestSigner::generate();
    let retired = TestSigner::generate();
    app.add_key("php backend 2026-12", &current.public_pem())
        .await;
    let old = app
        .add_key("php backend 2026-06", &retired.public_pem())
        .await;
    let old_path = format!("/api/v1/signing-keys/{}", old["id"].as_str().unwrap());
    app.patch(&old_path, &json!({ "active": false })).await;

    let by_retired = retired.sign_items(&items(&[("email", "a@b.c")]));
    let verdict = app.verify(Some(&by_retired), json!([])).await;
    assert_eq!(code(&verdict), "key_inactive", "{verdict}");
    let message = verdict["signature"]["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("\"php backend 2026-06\"") && message.contains("inactive"),
        "{message}"
    );
    assert!(
        verdict["signature"]["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("Reactivate")
    );
    assert_eq!(
        verdict["accepted"],
        json!([]),
        "refused all the same: {verdict}"
    );
    assert!(
        message.contains(", deactivated 20"),
        "says since when: {message}"
    );

    // Deleted, its public half is kept 30 days to say the same: never to verify.
    app.delete(&old_path).await;
    let verdict = app.verify(Some(&by_retired), json!([])).await;
    assert_eq!(code(&verdict), "key_deleted", "{verdict}");
    let message = verdict["signature"]["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("\"php backend 2026-06\"") && message.contains("deleted 20"),
        "{message}"
    );
    assert_eq!(verdict["accepted"], json!([]));
    // Uploaded again, it verifies again (and is named as the stored key).
    app.add_key("php backend 2026-06 again", &retired.public_pem())
        .await;
    assert_eq!(
        app.verify(Some(&by_retired), json!([])).await["signature"]["status"],
        "valid"
    );

    let by_stranger = TestSigner::generate().sign_items(&items(&[("email", "a@b.c")]));
    let verdict = app.verify(Some(&by_stranger), json!([])).await;
    assert_eq!(code(&verdict), "signature_mismatch");
    assert!(
        verdict["signature"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("active or inactive"),
        "{verdict}"
    );
    assert!(
        verdict["signature"]["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("never uploaded"),
        "{verdict}"
    );

    // Only the ten newest inactive keys are tried: the message says so when there are more.
    let oldest = TestSigner::generate();
    for n in 0..11 {
        // At most ten may be active: each is deactivated as it is added.
        let public = if n == 0 {
            oldest.public_pem()
        } else {
            TestSigner::generate().public_pem()
        };
        let key = app.add_key(&format!("spare {n}"), &public).await;
        let path = format!("/api/v1/signing-keys/{}", key["id"].as_str().unwrap());
        app.patch(&path, &json!({ "active": false })).await;
    }
    let verdict = app
        .verify(Some(&oldest.sign_items(&items(&[("a", "b")]))), json!([]))
        .await;
    assert_eq!(code(&verdict), "signature_mismatch");
    assert!(
        verdict["signature"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("older ones are not tried"),
        "{verdict}"
    );
}
