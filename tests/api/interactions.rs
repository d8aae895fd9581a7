use serde_json::json;

use crate::helpers::{TestSigner, code, items, spawn_app, spawn_app_with};

#[tokio::test]
async fn every_verify_is_recorded_newest_first() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    let key = app.add_key("k", &signer.public_pem()).await;
    let first = app.verify(None, items(&[("a", "1")])).await;
    let second = app
        .verify(Some(&signer.sign_items(&items(&[("b", "2")]))), json!([]))
        .await;

    let (status, body) = app.get("/api/v1/interactions").await;
    assert_eq!(status, 200);
    let list = body["interactions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], second["id"]);
    assert_eq!(list[1]["id"], first["id"]);
    assert_eq!(list[0]["verdict"], second);
    assert_eq!(list[0]["status"], "valid");
    assert_eq!(list[1]["request"]["interactionData"][0]["label"], "a");

    let (status, one) = app
        .get(&format!(
            "/api/v1/interactions/{}",
            first["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(one["verdict"], first);

    // The key's last use was recorded.
    let (_, keys) = app.get("/api/v1/signing-keys").await;
    assert_eq!(keys["signingKeys"][0]["id"], key["id"]);
    assert!(keys["signingKeys"][0]["lastUsedAt"].is_string());
}

#[tokio::test]
async fn filters_and_unknown_ids() {
    let app = spawn_app().await;
    app.add_key("k", &TestSigner::generate().public_pem()).await;
    app.verify(Some("not.a.token"), json!([])).await;
    app.verify(None, items(&[("x", "y")])).await;
    app.verify(None, json!([])).await;

    let (_, invalid) = app.get("/api/v1/interactions?status=invalid").await;
    assert_eq!(invalid["interactions"].as_array().unwrap().len(), 1);
    let (_, dropped) = app.get("/api/v1/interactions?rejected=true").await;
    assert_eq!(dropped["interactions"].as_array().unwrap().len(), 1);
    let (_, limited) = app.get("/api/v1/interactions?limit=2").await;
    assert_eq!(limited["interactions"].as_array().unwrap().len(), 2);

    let (status, body) = app.get("/api/v1/interactions?status=bogus").await;
    assert_eq!((status, code(&body)), (400, "invalid_request"));
    let (status, body) = app.get("/api/v1/interactions?limit=-1").await;
    assert_eq!((status, code(&body)), (400, "invalid_request"));
    let (status, body) = app
        .get(&format!("/api/v1/interactions/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    let (status, _) = app.get("/api/v1/interactions/zzz").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn retention_keeps_only_the_newest() {
    let app = spawn_app_with(|s| s.interaction_retention = 3).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let verdict = app.verify(None, items(&[("n", &i.to_string())])).await;
        ids.push(verdict["id"].clone());
    }
    let (_, body) = app.get("/api/v1/interactions?limit=500").await;
    let kept: Vec<_> = body["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(kept, [ids[4].clone(), ids[3].clone(), ids[2].clone()]);
}

#[tokio::test]
async fn concurrent_verifies_are_all_recorded_in_batches() {
    let app = spawn_app().await;
    // 203 = 128 + 64 + 8 + 2 + 1: exercises every multi-row INSERT size the recorder uses.
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..203 {
        let (client, url) = (app.client.clone(), app.url("/api/v1/verify"));
        calls.spawn(async move {
            let body = json!({ "interactionData": items(&[("n", &i.to_string())]) });
            let verdict: serde_json::Value = client
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            verdict["id"].clone()
        });
    }
    let mut sent = calls.join_all().await;
    let (_, body) = app.get("/api/v1/interactions?limit=500").await;
    let mut recorded: Vec<_> = body["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(recorded.len(), 203);
    sent.sort_by_key(|v| v.to_string());
    recorded.sort_by_key(|v| v.to_string());
    assert_eq!(sent, recorded);
}
