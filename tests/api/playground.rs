//! The playground over plain HTTP: it verifies exactly what the API verifies, its live preview
//! records nothing, and the sample makes a working key and token. (Typing in a real browser is
//! in `tests/e2e/browser.rs`.)

use reqwest::header::{COOKIE, LOCATION};
use serde_json::{Value, json};

use crate::helpers::{FormSession, TestApp, TestSigner, items, set_cookie, spawn_app};

async fn preview(app: &TestApp, session: &FormSession, token: &str, unsigned: &str) -> String {
    let response = session
        .submit(
            app,
            "/playground/preview",
            &[("token", token), ("unsigned", unsigned)],
        )
        .await;
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

async fn recorded_count(app: &TestApp) -> usize {
    app.list_all("").await.0.len()
}

#[tokio::test]
async fn the_playground_answers_what_the_api_answers_for_a_token_with_a_trailing_newline() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    let clean = signer.sign_items(&crate::helpers::items(&[("email", "a@b.c")]));
    let cases = [
        ("as signed", clean.clone(), "valid", None),
        (
            "with a trailing newline, as `$(…)` leaves it",
            format!("{clean}\n"),
            "invalid",
            Some("invalid_base64url"),
        ),
        (
            "with a leading space",
            format!(" {clean}"),
            "invalid",
            Some("invalid_base64url"),
        ),
    ];
    let session = FormSession::open(&app, "/playground").await;
    for (description, token, status, code) in cases {
        let api = app.verify(Some(&token), serde_json::json!([])).await;
        assert_eq!(api["signature"]["status"], status, "API, {description}");
        if let Some(code) = code {
            assert_eq!(
                api["signature"]["error"]["code"], code,
                "API, {description}"
            );
            let hint = api["signature"]["error"]["hint"].as_str().unwrap();
            assert!(
                hint.contains("surrounding whitespace"),
                "{description}: {hint}"
            );
        }
        let run = session
            .submit(&app, "/playground", &[("token", &token), ("unsigned", "")])
            .await;
        assert_eq!(run.status(), 303, "{description}");
        let result = run.headers()[LOCATION].to_str().unwrap().to_owned();
        let page = session.get(&app, &result).await.text().await.unwrap();
        let (_, recorded) = app
            .get(&format!(
                "/api/v1/interactions/{}",
                result.trim_start_matches("/playground/")
            ))
            .await;
        assert_eq!(
            recorded["verdict"]["signature"], api["signature"],
            "playground and API disagree, {description}"
        );
        if let Some(code) = code {
            assert!(
                page.contains(code) && page.contains("surrounding whitespace"),
                "{description}"
            );
        }
    }
}

#[tokio::test]
async fn the_live_preview_checks_like_verify_and_records_nothing() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    app.add_field("page").await;
    let token = signer.sign_items(&items(&[("email", "a@b.c")]));
    let session = FormSession::open(&app, "/playground").await;

    let valid = preview(
        &app,
        &session,
        &token,
        r#"[{"label":"page","data":"/p","type":"string"}]"#,
    )
    .await;
    assert!(
        valid.contains("signature valid; 2 accepted, 0 dropped"),
        "{valid}"
    );
    assert!(valid.contains("id=\"not-recorded\""));
    assert!(valid.contains("<strong class=\"key-name\">backend</strong>"));
    // Decoded and highlighted: keys and strings classed, the segments coloured by position.
    assert!(
        valid.contains("<span class=\"j-key\">&#34;label&#34;</span>")
            || valid.contains("<span class=\"j-key\">&quot;label&quot;</span>"),
        "{valid}"
    );
    assert!(valid.contains("<span class=\"seg-signature\">"));
    // A fragment for the page's result panel, not a page.
    assert!(!valid.contains("<html"));

    let newline = preview(&app, &session, &format!("{token}\n"), "").await;
    assert!(
        newline.contains("signature invalid: invalid_base64url"),
        "{newline}"
    );
    assert!(newline.contains("surrounding whitespace"));

    let bad_json = preview(&app, &session, &token, "[{").await;
    assert!(bad_json.contains("invalid_request") && bad_json.contains("not valid JSON"));
    let empty = preview(&app, &session, "", "").await;
    assert!(empty.contains("id=\"waiting\""));

    assert_eq!(
        recorded_count(&app).await,
        0,
        "a preview is not an interaction"
    );
    let key = &app.get("/api/v1/signing-keys").await.1["signingKeys"][0];
    assert_eq!(
        key["lastUsedAt"],
        json!(null),
        "a preview does not use a key"
    );
}

#[tokio::test]
async fn the_live_preview_needs_the_forms_csrf_token() {
    let app = spawn_app().await;
    let session = FormSession::open(&app, "/playground").await;
    let forged = session
        .post_form(
            &app,
            "/playground/preview",
            &[("csrf_token", "forged"), ("token", "a.b.c")],
        )
        .await;
    assert_eq!(forged.status(), 403);
    let missing = session
        .post_form(&app, "/playground/preview", &[("token", "a.b.c")])
        .await;
    assert_eq!(
        missing.status(),
        403,
        "no token is a refused form, not a bad one"
    );
}

/// Runs the sample; the result page's path, the flash message and the page as shown.
async fn try_sample(app: &TestApp) -> (String, String, String) {
    let session = FormSession::open(app, "/playground").await;
    let response = session.submit(app, "/playground/sample", &[]).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with("/playground/"), "{location}");
    let (flash, _) = set_cookie(&response, "te_flash").expect("a flash message");
    let page = session
        .client
        .get(app.url(&location))
        .header(COOKIE, format!("{}; {flash}", session.cookies()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let message = html
        .split("role=\"status\">")
        .nth(1)
        .and_then(|rest| rest.split("</div>").next())
        .unwrap_or_default()
        .to_owned();
    (location, message, html)
}

fn sample_keys(keys: &Value) -> Vec<&Value> {
    keys["signingKeys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["name"] == "Sample key (playground)")
        .collect()
}

#[tokio::test]
async fn a_sample_token_verifies_with_a_throwaway_key_that_the_next_sample_replaces() {
    let app = spawn_app().await;
    let (location, message, html) = try_sample(&app).await;
    assert!(message.contains("throwaway key pair"), "{message}");
    assert!(
        message.contains("turned signing on"),
        "signing was off before: {message}"
    );
    assert!(
        html.contains("signature valid; 3 accepted, 1 dropped"),
        "{html}"
    );
    assert!(html.contains("<strong class=\"key-name\">Sample key (playground)</strong>"));
    assert!(
        html.contains("not_allowlisted"),
        "the unsigned page item is dropped"
    );
    // No private key on the page (the encoder's label and placeholder name the PEM header; a
    // key itself has a line break after it).
    assert!(!html.contains("PRIVATE KEY-----\n") && !html.contains("PRIVATE KEY-----\r"));

    let keys = app.get("/api/v1/signing-keys").await.1;
    let first = sample_keys(&keys);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["active"], true);
    // The token is what the playground holds, and the API agrees with the page.
    let id = location.trim_start_matches("/playground/");
    let (_, recorded) = app.get(&format!("/api/v1/interactions/{id}")).await;
    let token = recorded["request"]["signedInteractionData"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(html.contains(&token));
    let api = app.verify(Some(&token), json!([])).await;
    assert_eq!(api["signature"]["status"], "valid");
    assert_eq!(api["signature"]["keyId"], first[0]["id"]);
    assert_eq!(api["signature"]["header"]["kid"], first[0]["id"]);

    // A key of the user's own is left alone; the previous sample key is replaced.
    let own = TestSigner::generate();
    app.add_key("backend", &own.public_pem()).await;
    let (_, message, _) = try_sample(&app).await;
    assert!(
        !message.contains("turned signing on"),
        "it was on: {message}"
    );
    let keys = app.get("/api/v1/signing-keys").await.1;
    let second = sample_keys(&keys);
    assert_eq!(second.len(), 1);
    assert_ne!(second[0]["id"], first_id(&first));
    assert_eq!(keys["signingKeys"].as_array().unwrap().len(), 2);
    let old = app.verify(Some(&token), json!([])).await;
    assert_eq!(old["signature"]["error"]["code"], "unknown_key_id");
}

fn first_id(keys: &[&Value]) -> Value {
    keys[0]["id"].clone()
}

#[tokio::test]
async fn the_sample_says_why_when_no_key_can_be_added() {
    let app = spawn_app().await;
    for i in 0..10 {
        app.add_key(&format!("k{i}"), &TestSigner::generate().public_pem())
            .await;
    }
    let session = FormSession::open(&app, "/playground").await;
    let response = session.submit(&app, "/playground/sample", &[]).await;
    assert_eq!(response.status(), 409);
    let html = response.text().await.unwrap();
    assert!(html.contains("too_many_active_keys"), "{html}");
    assert_eq!(
        app.get("/api/v1/signing-keys").await.1["signingKeys"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    assert_eq!(recorded_count(&app).await, 0);
}

/// Verify without JavaScript refuses a bad box and marks that box: the pasted key's refusal
/// under the key box, and when the unsigned data is bad too, the unsigned data's (the one the
/// refusal names) under its box, not under the key's.
#[tokio::test]
async fn a_refused_verify_marks_the_box_its_refusal_is_about() {
    let app = spawn_app().await;
    let session = FormSession::open(&app, "/playground").await;
    let marked = |html: &str, id: &str| {
        html.split(&format!("id=\"{id}\""))
            .nth(1)
            .and_then(|rest| rest.split('>').next())
            .is_some_and(|attributes| attributes.contains("aria-invalid=\"true\""))
    };
    let key_only = session
        .submit(
            &app,
            "/playground",
            &[("token", ""), ("unsigned", ""), ("key", "not a key")],
        )
        .await;
    assert_eq!(key_only.status(), 422);
    let html = key_only.text().await.unwrap();
    assert!(html.contains("invalid_pem"), "{html}");
    assert!(marked(&html, "key") && !marked(&html, "unsigned"));

    let both = session
        .submit(
            &app,
            "/playground",
            &[("token", ""), ("unsigned", "[{"), ("key", "not a key")],
        )
        .await;
    assert_eq!(both.status(), 422);
    let html = both.text().await.unwrap();
    assert!(html.contains("not valid JSON"), "{html}");
    assert!(
        marked(&html, "unsigned") && !marked(&html, "key"),
        "the unsigned data's refusal is shown under the key box"
    );
}

/// The probe of December 2026: a private key pasted into the playground's token box was taken
/// for a broken token (`invalid_segments`), recorded, and shown in full on its interaction's
/// page with a ready curl; pasted into the "check against a public key" box, it was echoed
/// back. Now it is named (`private_key_not_accepted`) wherever it is pasted, never recorded nor
/// sent back, and the hint says to rotate it. The verify endpoint and the widget refuse one too.
#[tokio::test]
async fn a_private_key_pasted_anywhere_is_refused_never_recorded_nor_echoed() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    let private = signer.private_pkcs8_pem();
    let body_of = |key: &str| key.lines().nth(1).unwrap().to_owned();
    let secret = body_of(&private);
    let session = FormSession::open(&app, "/playground").await;

    // Typing it in: the preview names it under the token box and decodes nothing.
    let panel = preview(&app, &session, &private, "").await;
    assert!(panel.contains("id=\"token-problem\""), "{panel}");
    assert!(panel.contains("private_key_not_accepted"), "{panel}");
    assert!(panel.contains("rotate"), "{panel}");
    assert!(!panel.contains(&secret[..24]), "the preview echoes the key");
    assert!(!panel.contains("id=\"decoded\""), "{panel}");

    // Verify: refused, the form comes back without it.
    let refused = session
        .submit(
            &app,
            "/playground",
            &[("token", private.as_str()), ("unsigned", ""), ("key", "")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("private_key_not_accepted"), "{page}");
    assert!(!page.contains(&secret[..24]), "the page echoes the key");

    // In the public key box: refused and cleared.
    let token = signer.sign_items(&items(&[("email", "a@b.c")]));
    let refused = session
        .submit(
            &app,
            "/playground",
            &[
                ("token", token.as_str()),
                ("unsigned", ""),
                ("key", private.as_str()),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("private_key_not_accepted"), "{page}");
    assert!(!page.contains(&secret[..24]), "the key box echoes the key");
    assert!(page.contains(&token), "the token box keeps the token");

    // The API and the widget take none either.
    let (status, verdict) = app
        .post(
            "/api/v1/verify",
            &json!({ "signedInteractionData": private }),
        )
        .await;
    assert_eq!(status, 422, "{verdict}");
    assert_eq!(verdict["error"]["code"], "private_key_not_accepted");
    assert!(!verdict.to_string().contains(&secret[..24]));
    let (status, started) = app
        .post(
            "/api/ecs/v1/interactions",
            &json!({ "configUuid": "00000000-0000-4000-8000-000000000001",
                     "action": "start-chat", "signedInteractionData": private }),
        )
        .await;
    assert_eq!(status, 422, "{started}");
    let (_, listed) = app.get("/api/v1/engagements").await;
    assert_eq!(listed["engagements"], json!([]), "nothing started");

    // Nothing of it was kept.
    assert_eq!(recorded_count(&app).await, 0);
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(app.db_dir.path()).unwrap() {
        stored.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    assert!(
        !String::from_utf8_lossy(&stored).contains(&secret[..24]),
        "the database holds the key"
    );
}
