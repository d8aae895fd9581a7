//! Chat widget configs: the built-in default a fresh emulator has, configs added with the UUID
//! Talkative's portal shows, queues taken offline and back, and the config file's configs.

use serde_json::{Value, json};
use talkative_emulator::configuration::config_file::ConfigFile;

use crate::helpers::{FormSession, code, spawn_app, spawn_app_with};

const DEFAULT: &str = "00000000-0000-4000-8000-000000000001";
const DEFAULT_QUEUE: &str = "00000000-0000-4000-8000-000000000002";

/// A config as a page's Talkative account might have it: a chat and a video queue.
fn shop_config(uuid: &str) -> Value {
    json!({
        "uuid": uuid,
        "name": "Shop",
        "queues": [
            {"uuid": "a6adeebf-0000-4000-8000-000000000001", "name": "Chat", "status": "ONLINE"},
            {"uuid": "48320b32-0000-4000-8000-000000000002", "name": "Video", "status": "OFFLINE_BUSINESS_HOURS"}
        ],
        "actions": [
            {"reference": "start-chat", "kind": "start_chat", "queue": "a6adeebf-0000-4000-8000-000000000001"},
            {"reference": "start-video", "kind": "start_video", "queue": "48320b32-0000-4000-8000-000000000002"}
        ],
        "fields": [{"name": "email", "label": "Email Address"}]
    })
}

#[tokio::test]
async fn a_fresh_emulator_has_a_default_config_that_starts_chats_and_videos() {
    let app = spawn_app().await;
    let (status, list) = app.get("/api/v1/widget-configs").await;
    assert_eq!(status, 200);
    let configs = list["widgetConfigs"].as_array().unwrap();
    assert_eq!(configs.len(), 1);
    let default = &configs[0];
    assert_eq!(default["uuid"], DEFAULT);
    assert_eq!(default["default"], true);
    assert_eq!(default["queues"][0]["status"], "ONLINE");
    let references: Vec<&str> = default["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["reference"].as_str().unwrap())
        .collect();
    assert_eq!(references, ["start-chat", "start-video"]);
    // The default cannot be deleted: pages naming unknown configs get it.
    let (status, body) = app
        .delete(&format!("/api/v1/widget-configs/{DEFAULT}"))
        .await;
    assert_eq!((status, code(&body)), (409, "default_widget_config"));
}

#[tokio::test]
async fn configs_are_added_under_talkatives_uuid_and_queues_go_offline_and_back() {
    let app = spawn_app().await;
    let uuid = "e39f9811-0000-493b-b258-e964a1e33cf4";
    let (status, created) = app.post("/api/v1/widget-configs", &shop_config(uuid)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["uuid"], uuid);
    assert_eq!(created["default"], false);
    let (status, got) = app.get(&format!("/api/v1/widget-configs/{uuid}")).await;
    assert_eq!((status, &got), (200, &created));
    let (_, list) = app.get("/api/v1/widget-configs").await;
    assert_eq!(
        list["widgetConfigs"][0]["uuid"], DEFAULT,
        "the default first"
    );
    assert_eq!(list["widgetConfigs"][1]["uuid"], uuid);

    let queue = "a6adeebf-0000-4000-8000-000000000001";
    let path = format!("/api/v1/widget-configs/{uuid}/queues/{queue}/status");
    let (status, changed) = app
        .put(&path, &json!({ "status": "OFFLINE_NO_USERS" }))
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["queues"][0]["status"], "OFFLINE_NO_USERS");
    let (_, got) = app.get(&format!("/api/v1/widget-configs/{uuid}")).await;
    assert_eq!(
        got["queues"][0]["status"], "OFFLINE_NO_USERS",
        "it is stored"
    );
    let (status, _) = app.put(&path, &json!({ "status": "ONLINE" })).await;
    assert_eq!(status, 200);
    let (status, body) = app.put(&path, &json!({ "status": "online" })).await;
    assert_eq!((status, code(&body)), (400, "invalid_request"), "{body}");
    let (status, body) = app
        .put(
            &format!("/api/v1/widget-configs/{uuid}/queues/{DEFAULT_QUEUE}/status"),
            &json!({ "status": "ONLINE" }),
        )
        .await;
    assert_eq!((status, code(&body)), (404, "queue_not_found"));

    // The same UUID again replaces it.
    let mut renamed = shop_config(uuid);
    renamed["name"] = json!("Shop (renamed)");
    let (status, replaced) = app.post("/api/v1/widget-configs", &renamed).await;
    assert_eq!((status, &replaced["name"]), (201, &json!("Shop (renamed)")));

    let (status, _) = app.delete(&format!("/api/v1/widget-configs/{uuid}")).await;
    assert_eq!(status, 204);
    let (status, body) = app.get(&format!("/api/v1/widget-configs/{uuid}")).await;
    assert_eq!((status, code(&body)), (404, "widget_config_not_found"));
}

#[tokio::test]
async fn inconsistent_configs_are_refused_naming_what_is_wrong() {
    let app = spawn_app().await;
    let mut orphan = shop_config("5d1c8a2e-0000-4000-8000-000000000000");
    orphan["actions"][0]["queue"] = json!("00000000-0000-0000-0000-000000000000");
    let (status, body) = app.post("/api/v1/widget-configs", &orphan).await;
    assert_eq!(
        (status, code(&body)),
        (422, "invalid_widget_config"),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("which this config does not have")
    );
    let mut extra = shop_config("5d1c8a2e-0000-4000-8000-000000000000");
    extra["theme"] = json!("dark");
    let (status, body) = app.post("/api/v1/widget-configs", &extra).await;
    assert_eq!((status, code(&body)), (400, "invalid_request"), "{body}");
    let (status, body) = app
        .post("/api/v1/widget-configs", &json!({ "name": "No queues" }))
        .await;
    assert_eq!(status, 201, "a config without actions is valid: {body}");
    let (_, list) = app.get("/api/v1/widget-configs").await;
    assert_eq!(list["widgetConfigs"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_config_files_configs_are_installed_at_start_and_restored_by_reset() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("emulator.toml");
    std::fs::write(
        &file,
        r#"
[[widget_configs]]
uuid = "e39f9811-0000-493b-b258-e964a1e33cf4"
name = "CI"
queues = [{ uuid = "a6adeebf-0000-4000-8000-000000000001", name = "Chat", status = "OFFLINE_QUEUE_CAP" }]
actions = [{ reference = "start-chat", kind = "start_chat", queue = "a6adeebf-0000-4000-8000-000000000001" }]
"#,
    )
    .unwrap();
    let seed = ConfigFile::load(&file).unwrap();
    let app = spawn_app_with(|s| s.config_file = seed).await;
    let (_, list) = app.get("/api/v1/widget-configs").await;
    assert_eq!(list["widgetConfigs"][1]["name"], "CI");
    assert_eq!(
        list["widgetConfigs"][1]["queues"][0]["status"],
        "OFFLINE_QUEUE_CAP"
    );
    app.post(
        "/api/v1/widget-configs",
        &json!({ "name": "Made by a test" }),
    )
    .await;
    let (status, reset) = app.post("/api/v1/reset", &json!({})).await;
    assert_eq!(
        (status, &reset["widgetConfigs"]),
        (200, &json!(2)),
        "{reset}"
    );
    let (_, list) = app.get("/api/v1/widget-configs").await;
    let names: Vec<&str> = list["widgetConfigs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Default", "CI"]);

    std::fs::write(
        &file,
        "[[widget_configs]]\nuuid = \"e39f9811-0000-493b-b258-e964a1e33cf4\"\nname = \"CI\"\nactions = [{ reference = \"start-chat\", kind = \"start_chat\", queue = \"a6adeebf-0000-4000-8000-000000000001\" }]\n",
    )
    .unwrap();
    let error = format!("{:#}", ConfigFile::load(&file).unwrap_err());
    assert!(
        error.contains("widget_configs[0]: invalid_widget_config"),
        "{error}"
    );
}

/// The Widget configs page over plain HTTP: a config that does not parse is refused beside the
/// JSON as typed; one that does is added; its JSON fills the form to edit it; its queue's
/// presence is set from a select; the default cannot be deleted, another can, after a look.
#[tokio::test]
async fn the_portal_page_adds_edits_takes_a_queue_offline_and_deletes_a_config() {
    let app = spawn_app().await;
    let uuid = "4a1f5ad0-0000-4000-8000-00000000000a";
    let session = FormSession::open(&app, "/widget-configs").await;

    let typed = r#"{"name": "Shop", "queues": 1}"#;
    let refused = session
        .submit(&app, "/widget-configs", &[("config", typed)])
        .await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("invalid_request"), "{html}");
    assert!(
        html.contains("Field \"queues\"") || html.contains("Field &#34;queues&#34;"),
        "{html}"
    );
    assert!(
        html.contains("&#34;queues&#34;: 1"),
        "the JSON as typed is kept: {html}"
    );
    assert!(app.get(&format!("/api/v1/widget-configs/{uuid}")).await.0 == 404);

    let json = shop_config(uuid).to_string();
    let added = session
        .submit(&app, "/widget-configs", &[("config", &json)])
        .await;
    assert_eq!(added.status(), 303);
    assert_eq!(
        added.headers()["location"],
        format!("/widget-configs#config-{uuid}").as_str()
    );
    let (status, stored) = app.get(&format!("/api/v1/widget-configs/{uuid}")).await;
    assert_eq!(status, 200);
    assert_eq!(stored["name"], "Shop");
    let page = app.html("/widget-configs").await;
    assert!(
        page.contains(&format!("/api/ecs/v1/loader/{uuid}.js?path=")),
        "the page shows the loader line: {page}"
    );
    let edit = app.html(&format!("/widget-configs?edit={uuid}")).await;
    assert!(edit.contains("Edit Shop"));
    assert!(
        edit.contains(&format!("&#34;uuid&#34;: &#34;{uuid}&#34;")),
        "{edit}"
    );

    let queue = "a6adeebf-0000-4000-8000-000000000001";
    let path = format!("/widget-configs/{uuid}/queues/{queue}/status");
    let set = session
        .submit(&app, &path, &[("status", "OFFLINE_QUEUE_CAP")])
        .await;
    assert_eq!(set.status(), 303);
    let (_, stored) = app.get(&format!("/api/v1/widget-configs/{uuid}")).await;
    assert_eq!(stored["queues"][0]["status"], "OFFLINE_QUEUE_CAP");
    let bad = session.submit(&app, &path, &[("status", "AWAY")]).await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("is not a queue status"));

    let default = session
        .submit(&app, &format!("/widget-configs/{DEFAULT}/delete"), &[])
        .await;
    assert_eq!(default.status(), 409);
    assert!(
        default
            .text()
            .await
            .unwrap()
            .contains("default_widget_config")
    );
    let look = session
        .get(&app, &format!("/widget-configs/{uuid}/delete"))
        .await;
    assert_eq!(look.status(), 200);
    assert!(
        look.text().await.unwrap().contains("&#34;start-video&#34;"),
        "its JSON, to keep"
    );
    let deleted = session
        .submit(&app, &format!("/widget-configs/{uuid}/delete"), &[])
        .await;
    assert_eq!(deleted.status(), 303);
    assert_eq!(
        app.get(&format!("/api/v1/widget-configs/{uuid}")).await.0,
        404
    );
    let gone = session
        .get(&app, &format!("/widget-configs/{uuid}/delete"))
        .await;
    assert_eq!(gone.status(), 404);
}

/// The loader line to copy is the one Talkative's examples write, `selectedVersion` included
/// (#31: it was left out).
#[tokio::test]
async fn the_loader_line_to_copy_carries_selected_version_as_the_examples_do() {
    let app = spawn_app().await;
    let html = app.html("/widget-configs").await;
    let tag = html.find("class=\"loader-line\"").expect("a loader line");
    let start = tag + html[tag..].find('>').unwrap() + 1;
    let line = html[start..start + html[start..].find("</pre>").unwrap()]
        .replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#39;", "'");
    assert!(
        line.ends_with(
            ".js?path=${encodeURIComponent(location.origin + location.pathname)}\
             &selectedVersion=${(new URLSearchParams(location.search)).get('ecsSelectedVersion') || ''}`)"
        ),
        "{line}"
    );
}
