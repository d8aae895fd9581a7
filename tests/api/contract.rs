//! The OpenAPI document as served, and the check every other test's answers go through
//! (`helpers::contract`): it refuses what does not match, so passing suites mean something.

use std::panic::{AssertUnwindSafe, catch_unwind};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{check_exchange, spawn_app, spawn_app_with};

fn refused(check: impl FnOnce()) -> String {
    let panic = catch_unwind(AssertUnwindSafe(check)).expect_err("the check let it through");
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

fn answer(method: Method, path: &str, sent: Option<&Value>, status: u16, body: &Value) {
    let sent = sent.map(|v| v.to_string().into_bytes());
    check_exchange(
        &method,
        path,
        sent.as_deref(),
        status,
        Some("application/json"),
        body.to_string().as_bytes(),
    );
}

#[tokio::test]
async fn the_server_serves_the_document_the_checks_use() {
    let app = spawn_app().await;
    let (status, served) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(&served, talkative_emulator::routes::table::api_document());
    assert_eq!(served["openapi"], "3.1.0");
    // Every route of the API's families is in it, with its method (fallbacks aside).
    for endpoint in talkative_emulator::routes::table::ROUTES {
        if endpoint.family.answers_with_pages() && endpoint.doc.is_none()
            || endpoint.path.ends_with("{tail:.*}")
        {
            continue;
        }
        let method = endpoint
            .verb
            .method()
            .unwrap()
            .as_str()
            .to_ascii_lowercase();
        assert!(
            served["paths"][endpoint.path][&method].is_object(),
            "{method} {} is not documented",
            endpoint.path
        );
    }
}

#[tokio::test]
async fn the_document_is_behind_the_password_like_the_rest_of_the_api() {
    let app = spawn_app_with(|s| {
        s.admin = Some(
            talkative_emulator::auth::AdminCredential::from_password("Correct horse 1").unwrap(),
        );
    })
    .await;
    let (status, body) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, 401, "{body}");
    let response = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .bearer_auth("Correct horse 1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[test]
fn the_check_refuses_answers_that_drift_from_the_document() {
    let verdict = json!({
        "id": "0b0e7c2e-4a8a-4b8e-9d6a-2f1f3c4d5e6f",
        "receivedAt": "2026-11-28T10:00:00.000Z",
        "enforcement": "on",
        "signature": { "status": "absent", "keyId": null, "keyName": null, "error": null },
        "accepted": [], "rejected": [], "wouldReject": [], "warnings": []
    });
    let request = json!({ "interactionData": [] });
    // As the server answers: passes.
    answer(
        Method::POST,
        "/api/v1/verify",
        Some(&request),
        200,
        &verdict,
    );

    let mut missing = verdict.clone();
    missing.as_object_mut().unwrap().remove("enforcement");
    let message = refused(|| answer(Method::POST, "/api/v1/verify", None, 200, &missing));
    assert!(message.contains("enforcement"), "{message}");

    let mut wrong_enum = verdict.clone();
    wrong_enum["signature"]["status"] = json!("maybe");
    refused(|| answer(Method::POST, "/api/v1/verify", None, 200, &wrong_enum));

    let mut bad_time = verdict.clone();
    bad_time["receivedAt"] = json!("yesterday");
    refused(|| answer(Method::POST, "/api/v1/verify", None, 200, &bad_time));

    // An error code the Code enum does not have.
    let error = json!({ "error": { "code": "no_such_code", "message": "m", "hint": "h" } });
    refused(|| answer(Method::GET, "/api/v1/signing-keys/x", None, 404, &error));

    // A status the operation does not list.
    let message = refused(|| answer(Method::GET, "/api/v1/signing-keys", None, 418, &error));
    assert!(message.contains("lists no 418"), "{message}");

    // Another content type than the documented one.
    refused(|| {
        check_exchange(
            &Method::GET,
            "/api/v1/signing-keys",
            None,
            200,
            Some("text/html"),
            b"<p>",
        )
    });

    // A request the server accepted with a member the document does not list.
    let extra = json!({ "interactionData": [], "tenant": "x" });
    let message = refused(|| answer(Method::POST, "/api/v1/verify", Some(&extra), 200, &verdict));
    assert!(message.contains("tenant"), "{message}");

    // An undocumented route must answer the error object.
    refused(|| {
        answer(
            Method::GET,
            "/api/v1/nowhere",
            None,
            404,
            &json!({ "oops": 1 }),
        )
    });
    answer(
        Method::GET,
        "/api/v1/nowhere",
        None,
        404,
        &json!({ "error": { "code": "not_found", "message": "m", "hint": "h" } }),
    );
}
