use crate::helpers::spawn_app;

#[tokio::test]
async fn health_answers_200() {
    let app = spawn_app().await;
    let (status, body) = app.get("/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn unknown_api_route_is_a_json_404() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/v1/nope").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn database_file_is_created_and_migrated_on_start() {
    let app = spawn_app().await;
    assert!(app.db_dir.path().join("test.db").exists());
    let (status, body) = app.get("/api/v1/signing-keys").await;
    assert_eq!(status, 200);
    assert_eq!(body["signingKeys"], serde_json::json!([]));
}
