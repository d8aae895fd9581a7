//! The interaction log as Server-Sent Events: each recorded verification an event, resumable
//! by event id, bounded in followers, behind the admin password like the rest of the API.

use std::time::Duration;

use serde_json::{Value, json};
use talkative_emulator::auth::AdminCredential;

use crate::helpers::{
    CheckedClient, Reply, TestApp, check_event, code, items, spawn_app, spawn_app_with,
};

/// An open stream and what it has sent so far.
struct Events {
    response: Reply,
    buffer: String,
}

impl Events {
    async fn open(app: &TestApp, query: &str, last_event_id: Option<&str>) -> Self {
        let mut request = app
            .client
            .get(app.url(&format!("/api/v1/interactions/stream{query}")));
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        let mut events = Self {
            response,
            buffer: String::new(),
        };
        // The first chunk sets the reconnection delay: the stream is open once it arrives.
        events.read_until(|text| text.contains("retry: 2000")).await;
        events
    }

    async fn read_until(&mut self, done: impl Fn(&str) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !done(&self.buffer) {
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .unwrap_or_else(|_| panic!("no such event within 10 s; got {:?}", self.buffer))
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The `interaction` events received so far: (id, data), each data checked against the
    /// document's `InteractionEvent`.
    fn interactions(&self) -> Vec<(i64, Value)> {
        self.buffer
            .split("\n\n")
            .filter(|block| block.contains("event: interaction"))
            .map(|block| {
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|line| line.strip_prefix(name))
                        .unwrap()
                        .to_owned()
                };
                let data = serde_json::from_str(&field("data: ")).unwrap();
                check_event("InteractionEvent", &data);
                (field("id: ").parse().unwrap(), data)
            })
            .collect()
    }

    async fn wait_for(&mut self, count: usize) -> Vec<(i64, Value)> {
        self.read_until(|text| text.matches("event: interaction").count() >= count)
            .await;
        self.interactions()
    }
}

#[tokio::test]
async fn each_new_verification_arrives_as_an_event_and_a_reconnect_resumes() {
    let app = spawn_app().await;
    let earlier = app.verify(None, items(&[("before", "the stream")])).await;
    let mut events = Events::open(&app, "", None).await;
    let first = app
        .verify(None, items(&[("email", "ada@example.com")]))
        .await;
    let second = app.verify(Some("only.two"), json!([])).await;

    let received = events.wait_for(2).await;
    assert_eq!(received.len(), 2, "only what was recorded after it opened");
    let (first_id, first_event) = &received[0];
    assert_eq!(first_event["id"], first["id"]);
    assert_eq!(first_event["status"], "absent");
    assert_eq!(first_event["source"], "api");
    assert_eq!(first_event["accepted"], 1);
    assert_eq!(
        first_event["items"],
        json!([{"label": "email", "data": "ada@example.com"}])
    );
    let (second_id, second_event) = &received[1];
    assert!(second_id > first_id);
    assert_eq!(second_event["id"], second["id"]);
    assert_eq!(second_event["codes"], json!(["invalid_segments"]));
    assert_ne!(first_event["id"], earlier["id"]);

    // An EventSource reconnecting sends the last id it saw; it gets what came after.
    let mut resumed = Events::open(&app, "", Some(&first_id.to_string())).await;
    let again = resumed.wait_for(1).await;
    assert_eq!(again[0].1["id"], second["id"]);
    // ?after=0 replays the whole log, oldest first.
    let mut replay = Events::open(&app, "?after=0", None).await;
    let all = replay.wait_for(3).await;
    assert_eq!(all[0].1["id"], earlier["id"]);
    assert_eq!(all[2].1["id"], second["id"]);
}

#[tokio::test]
async fn followers_are_bounded_and_a_closed_stream_frees_its_place() {
    let app = spawn_app_with(|s| s.max_followers = 2).await;
    let one = Events::open(&app, "", None).await;
    let _two = Events::open(&app, "", None).await;
    let (status, body) = app.get("/api/v1/interactions/stream").await;
    assert_eq!((status, code(&body)), (503, "too_many_followers"));
    assert!(
        body["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("Close a stream")
    );

    // The client hangs up: the server drops the stream and its place at once (a client that
    // vanishes without closing is noticed at the next keep-alive write, within 3 s).
    drop(one);
    let mut admitted = false;
    for _ in 0..150 {
        let response = app
            .client
            .get(app.url("/api/v1/interactions/stream"))
            .send()
            .await
            .unwrap();
        if response.status() == 200 {
            admitted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(admitted, "the closed stream's place was never freed");
}

#[tokio::test]
async fn the_stream_needs_the_password_when_one_is_set() {
    let app = spawn_app_with(|s| {
        s.admin = Some(AdminCredential::from_password("correct horse battery staple").unwrap())
    })
    .await;
    let (status, body) = app.get("/api/v1/interactions/stream").await;
    assert_eq!((status, code(&body)), (401, "unauthorized"));
    // The portal's copy needs the portal's session: a browser without one is sent to log in.
    let response = CheckedClient::from(
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    )
    .get(app.url("/interactions/stream"))
    .header("Accept", "text/event-stream")
    .send()
    .await
    .unwrap();
    assert!(
        response.status() == 401 || response.status() == 303,
        "{}",
        response.status()
    );
}

/// A widget's arrival says which engagement it was, and its item previews their names.
#[tokio::test]
async fn a_widget_arrival_names_its_engagement_and_items() {
    let app = spawn_app().await;
    let mut events = Events::open(&app, "", None).await;
    let (status, started) = app
        .post(
            "/api/ecs/v1/interactions",
            &json!({
                "configUuid": "00000000-0000-4000-8000-000000000001",
                "action": "start-chat",
                "interactionData": [{"name": "page", "label": "Page", "data": "/pricing", "type": "string"}],
            }),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    app.verify(None, items(&[("page", "/elsewhere")])).await;
    let received = events.wait_for(2).await;
    let (_, widget) = &received[0];
    assert_eq!(widget["source"], "widget");
    assert_eq!(widget["engagement"], started["interaction"]["uuid"]);
    assert_eq!(
        widget["items"],
        json!([{"name": "page", "label": "Page", "data": "/pricing"}])
    );
    let (_, api) = &received[1];
    assert!(api.get("engagement").is_none(), "{api}");
    assert!(api["items"][0].get("name").is_none(), "{api}");
}

/// A backend's write through the Core API is an event like the widget's, from `core_api`, on
/// its engagement.
#[tokio::test]
async fn a_core_api_write_arrives_on_the_stream() {
    let app = spawn_app().await;
    let token = app.api_key("backend").await;
    let (status, started) = app
        .post(
            "/api/ecs/v1/interactions",
            &json!({ "configUuid": "00000000-0000-4000-8000-000000000001", "action": "start-chat" }),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let uuid = started["interaction"]["uuid"].as_str().unwrap().to_owned();
    let mut events = Events::open(&app, "", None).await;
    let written = app
        .client
        .post(app.url(&format!(
            "/api/core/v1/interactions/{uuid}/interaction-data"
        )))
        .bearer_auth(&token)
        .json(&json!({ "name": "crm_id", "label": "CRM id", "data": "C-9" }))
        .send()
        .await
        .unwrap();
    assert_eq!(written.status(), 201);
    let received = events.wait_for(1).await;
    let (_, event) = &received[0];
    assert_eq!(event["source"], "core_api");
    assert_eq!(event["engagement"], json!(uuid));
    assert_eq!(
        event["items"],
        json!([{"name": "crm_id", "label": "CRM id", "data": "C-9"}])
    );
    assert!(!event.to_string().contains(&token), "{event}");
}

/// What is taken out of the log is streamed too: a clear and a reset each send a `removed`
/// event (`cleared: true`), a deleted interaction its id, so a live list never links to what is
/// gone.
#[tokio::test]
async fn a_clear_a_reset_and_a_deletion_arrive_as_removed_events() {
    let app = spawn_app().await;
    let mut events = Events::open(&app, "", None).await;
    let kept = app.verify(None, items(&[("page", "/a")])).await;
    events.wait_for(1).await;
    let removed = async |events: &mut Events, count: usize| -> Vec<Value> {
        events
            .read_until(|text| text.matches("event: removed").count() >= count)
            .await;
        events
            .buffer
            .split("\n\n")
            .filter(|block| block.contains("event: removed"))
            .map(|block| {
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap();
                let data: Value = serde_json::from_str(data).unwrap();
                check_event("RemovedEvent", &data);
                data
            })
            .collect()
    };
    // One deleted from the portal.
    let id = kept["id"].as_str().unwrap();
    let browser = crate::helpers::FormSession::open(&app, &format!("/interactions/{id}")).await;
    let deleted = browser
        .submit(&app, &format!("/interactions/{id}/delete"), &[])
        .await;
    assert!(deleted.status().is_redirection(), "{}", deleted.status());
    let got = removed(&mut events, 1).await;
    assert_eq!(got[0], json!({ "cleared": false, "ids": [id] }));
    // The log cleared through the API, then reset.
    let cleared = app
        .client
        .delete(app.url("/api/v1/interactions"))
        .send()
        .await
        .unwrap();
    assert!(cleared.status().is_success());
    let got = removed(&mut events, 2).await;
    assert_eq!(got[1], json!({ "cleared": true, "ids": [] }));
    let (status, _) = app.post("/api/v1/reset", &json!({})).await;
    assert_eq!(status, 200);
    let got = removed(&mut events, 3).await;
    assert_eq!(got[2]["cleared"], true);
}

/// Webhook deliveries are on the stream too: made, each attempt, delivered.
#[tokio::test]
async fn a_webhook_delivery_and_its_attempts_arrive_on_the_stream() {
    let app = spawn_app_with(|settings| {
        settings.webhooks.first_retry = Duration::from_millis(50);
    })
    .await;
    let receiver = crate::helpers::Receiver::statuses(&[500]).await;
    let (status, _) = app
        .post(
            "/api/v1/webhooks",
            &json!({ "label": "CRM", "url": receiver.url, "validate": false }),
        )
        .await;
    assert_eq!(status, 201);
    let mut events = Events::open(&app, "", None).await;
    let (_, started) = app
        .post(
            "/api/ecs/v1/interactions",
            &json!({ "configUuid": "00000000-0000-4000-8000-000000000001", "action": "start-chat" }),
        )
        .await;
    let uuid = started["interaction"]["uuid"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/engagements/{uuid}/complete"), &json!({}))
        .await;
    events
        .read_until(|text| text.contains("\"outcome\":\"delivered\""))
        .await;
    let deliveries: Vec<Value> = events
        .buffer
        .split("\n\n")
        .filter(|block| block.contains("event: delivery"))
        .map(|block| {
            let data = block
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .unwrap();
            let data: Value = serde_json::from_str(data).unwrap();
            check_event("DeliveryEvent", &data);
            data
        })
        .collect();
    let attempts: Vec<(i64, &str, i64, Value)> = deliveries
        .iter()
        .map(|d| {
            (
                d["attempt"].as_i64().unwrap(),
                d["outcome"].as_str().unwrap(),
                d["status"].as_i64().unwrap(),
                d["errorCode"].clone(),
            )
        })
        .collect();
    // A 500 (another attempt follows), then taken.
    assert_eq!(
        attempts,
        [
            (1, "retrying", 500, json!("receiver_status")),
            (2, "delivered", 200, Value::Null)
        ]
    );
    assert!(deliveries.iter().all(|d| d["interaction"] == uuid.as_str()));
}
