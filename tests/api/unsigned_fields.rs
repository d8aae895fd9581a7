use serde_json::json;

use crate::helpers::{code, spawn_app};

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
