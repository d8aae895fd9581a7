use serde_json::json;

use crate::helpers::{FormSession, TestApp, code, set_cookie, spawn_app};

#[tokio::test]
async fn add_list_and_remove_labels() {
    let app = spawn_app().await;
    app.add_field("email").await;
    app.add_field("Customer ID").await;
    let (status, body) = app.get("/api/v1/unsigned-fields").await;
    assert_eq!(status, 200);
    let labels: Vec<&str> = body["unsignedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Customer ID", "email"]);

    let (status, _) = app.delete("/api/v1/unsigned-fields/Customer%20ID").await;
    assert_eq!(status, 204);
    let (status, body) = app.delete("/api/v1/unsigned-fields/Customer%20ID").await;
    assert_eq!((status, code(&body)), (404, "unsigned_field_not_found"));
}

#[tokio::test]
async fn labels_with_url_special_characters_round_trip() {
    let app = spawn_app().await;
    for (label, encoded) in [
        ("a/b", "a%2Fb"),
        ("100%", "100%25"),
        ("x+y", "x%2By"),
        ("ünï", "%C3%BC%6E%C3%AF"),
        ("q?#", "q%3F%23"),
    ] {
        app.add_field(label).await;
        let (status, body) = app
            .delete(&format!("/api/v1/unsigned-fields/{encoded}"))
            .await;
        assert_eq!(status, 204, "{label}: {body}");
    }
    let (_, body) = app.get("/api/v1/unsigned-fields").await;
    assert_eq!(body["unsignedFields"], json!([]));
}

#[tokio::test]
async fn duplicates_conflict_and_bad_labels_are_422() {
    let app = spawn_app().await;
    app.add_field("email").await;
    let (status, body) = app
        .post("/api/v1/unsigned-fields", &json!({ "label": "email" }))
        .await;
    assert_eq!((status, code(&body)), (409, "already_allowlisted"));
    // Case differs: a different label, allowed.
    app.add_field("Email").await;

    for (description, label) in [
        ("empty", String::new()),
        ("too long", "x".repeat(256)),
        ("control character", "a\nb".to_owned()),
        ("surrounding space", "email ".to_owned()),
        ("zero-width space", "em\u{200B}ail".to_owned()),
    ] {
        let (status, body) = app
            .post("/api/v1/unsigned-fields", &json!({ "label": label }))
            .await;
        assert_eq!(status, 422, "{description}: {body}");
        assert_eq!(code(&body), "invalid_label", "{description}");
    }
    let (status, body) = app
        .post("/api/v1/unsigned-fields", &json!({ "label": 3 }))
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_request"));
}

#[tokio::test]
async fn the_api_adds_a_doubtful_label_and_says_why_it_is_doubtful() {
    let app = spawn_app().await;
    app.add_field("email").await;
    let (status, body) = app
        .post("/api/v1/unsigned-fields", &json!({"label": "Email"}))
        .await;
    assert_eq!(status, 201);
    assert_eq!(body["label"], "Email");
    let codes: Vec<&str> = body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["lookalike_label", "identity_label"]);
    assert!(
        body["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("“email”")
    );
    let (_, plain) = app
        .post("/api/v1/unsigned-fields", &json!({"label": "utm_source"}))
        .await;
    assert_eq!(plain["warnings"], json!([]));
}

#[tokio::test]
async fn the_portal_asks_before_allowing_a_doubtful_label_and_can_undo_a_removal() {
    let app = spawn_app().await;
    app.add_field("email").await;
    let session = FormSession::open(&app, "/unsigned-fields").await;

    // Asked, not added.
    let asked = session
        .submit(&app, "/unsigned-fields", &[("label", "Email")])
        .await;
    assert_eq!(asked.status(), 200);
    let html = asked.text().await.unwrap();
    assert!(html.contains("id=\"form-doubts\"") && html.contains("lookalike_label"));
    assert!(html.contains("name=\"confirm\" value=\"Email\""));
    assert_eq!(labels(&app).await, ["email"]);

    // A confirmation for another label does not cover this one.
    let stale = session
        .submit(
            &app,
            "/unsigned-fields",
            &[("label", "E-mail"), ("confirm", "Email")],
        )
        .await;
    assert_eq!(stale.status(), 200);
    assert_eq!(labels(&app).await, ["email"]);

    let confirmed = session
        .submit(
            &app,
            "/unsigned-fields",
            &[("label", "Email"), ("confirm", "Email")],
        )
        .await;
    assert_eq!(confirmed.status(), 303);
    assert_eq!(labels(&app).await, ["Email", "email"]);

    // A plain label is added at once.
    let plain = session
        .submit(&app, "/unsigned-fields", &[("label", "page")])
        .await;
    assert_eq!(plain.status(), 303);

    // Removing offers an undo that puts it back without asking again.
    let removed = session
        .submit(&app, "/unsigned-fields/remove", &[("label", "email")])
        .await;
    assert_eq!(removed.status(), 303);
    let (flash, _) = set_cookie(&removed, "te_flash").unwrap();
    let page = session
        .client
        .get(app.url("/unsigned-fields"))
        .header(
            reqwest::header::COOKIE,
            format!("{}; {flash}", session.cookies()),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Undo: allow"), "{page}");
    assert!(page.contains("<input type=\"hidden\" name=\"confirm\" value=\"email\">"));
    assert_eq!(labels(&app).await, ["Email", "page"]);
    let undone = session
        .submit(
            &app,
            "/unsigned-fields",
            &[("label", "email"), ("confirm", "email")],
        )
        .await;
    assert_eq!(undone.status(), 303);
    assert_eq!(labels(&app).await, ["Email", "email", "page"]);
}

async fn labels(app: &TestApp) -> Vec<String> {
    let (_, body) = app.get("/api/v1/unsigned-fields").await;
    let mut labels: Vec<String> = body["unsignedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap().to_owned())
        .collect();
    labels.sort();
    labels
}

/// The page says what an entry must equal, as the server matches: the item's `name` by default,
/// its `label` with `--unsigned-field-match label` (#31: it said "label" while matching names).
#[tokio::test]
async fn the_page_names_the_member_items_are_matched_on() {
    let by_name = spawn_app().await;
    let html = by_name.html("/unsigned-fields").await;
    assert!(
        html.contains("unless its <code>name</code> (its\n<code>label</code> when it has no name) is listed here"),
        "{html}"
    );
    let by_label = crate::helpers::spawn_app_with(|settings| {
        settings.unsigned_field_match = talkative_emulator::domain::ItemMember::Label;
    })
    .await;
    let html = by_label.html("/unsigned-fields").await;
    assert!(
        html.contains("unless its <code>label</code> is listed here"),
        "{html}"
    );
}
