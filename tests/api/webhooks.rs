//! Talkative calling the customer's backend: Generic CRM webhooks through the durable outbox,
//! each tested against a real receiver on loopback (`helpers/receiver.rs`): the validation POST on
//! save, one POST per completed interaction whose body is the Core API's document of it,
//! retries with backoff, a kill -9 between completion and delivery, redelivery with the same
//! idempotency key, and the delivery log inside the byte budget under a flood.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{
    Answer, FormSession, Receiver, TestApp, code, spawn_app, spawn_app_with, start_binary,
};

const DEFAULT_CONFIG: &str = "00000000-0000-4000-8000-000000000001";
const DEFAULT_QUEUE: &str = "00000000-0000-4000-8000-000000000002";
const SECRET: &str = "Bearer crm-secret-0123456789abcdef";

async fn start_chat(app: &TestApp) -> (String, i64) {
    let (status, started) = app
        .post(
            "/api/ecs/v1/interactions",
            &json!({ "configUuid": DEFAULT_CONFIG, "action": "start-chat",
                     "path": "https://shop.example/checkout",
                     "interactionData": [{"name": "order", "label": "Order", "type": "string", "data": "A-1"}] }),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    (
        started["interaction"]["uuid"].as_str().unwrap().to_owned(),
        started["interaction"]["id"].as_i64().unwrap(),
    )
}

async fn add_webhook(app: &TestApp, url: &str, validate: bool) -> Value {
    let (status, created) = app
        .post(
            "/api/v1/webhooks",
            &json!({ "label": "CRM staging", "url": url, "validate": validate,
                     "headers": [{"name": "Authorization", "value": SECRET}] }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

/// The deliveries matching `query`, waiting up to 10 s for one.
async fn wait_for_delivery(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, list) = app
        .get(&format!("/api/v1/webhook-deliveries?{query}&wait=10s"))
        .await;
    assert_eq!(status, 200, "{list}");
    list["deliveries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn saving_a_webhook_sends_the_validation_post_and_an_endpoint_that_fails_it_is_not_saved() {
    let app = spawn_app().await;
    let receiver = Receiver::statuses(&[200]).await;
    let created = add_webhook(&app, &receiver.url, true).await;

    // Talkative's validation body, with the configured header, exactly once.
    let got = receiver.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].method.as_str(), got[0].path.as_str()),
        ("POST", "/hook")
    );
    assert_eq!(got[0].json(), json!({"test": "data"}));
    assert_eq!(got[0].header("authorization"), Some(SECRET));
    assert_eq!(got[0].header("content-type"), Some("application/json"));
    let key = got[0].header("idempotency-key").unwrap();
    assert_eq!(created["validation"]["idempotencyKey"], key);
    assert_eq!(created["validation"]["state"], "delivered");
    assert_eq!(created["validation"]["event"], "webhook.test");

    // The secret is stored, sent, and never shown again: lists, the delivery's log, the page.
    let (_, list) = app.get("/api/v1/webhooks").await;
    let text = list.to_string();
    assert!(!text.contains("crm-secret"), "{text}");
    assert_eq!(
        list["webhooks"][0]["headers"][0],
        json!({"name": "Authorization", "value": "••••cdef"})
    );
    let delivery = created["validation"]["id"].as_i64().unwrap();
    let (_, logged) = app
        .get(&format!("/api/v1/webhook-deliveries/{delivery}"))
        .await;
    assert!(!logged.to_string().contains("crm-secret"), "{logged}");
    assert_eq!(logged["attemptLog"][0]["status"], 200);
    assert!(!app.html("/webhooks").await.contains("crm-secret"));

    // "Send test" sends it again, once, with a new key.
    let id = created["webhook"]["id"].as_i64().unwrap();
    let (status, test) = app
        .post(&format!("/api/v1/webhooks/{id}/test"), &json!({}))
        .await;
    assert_eq!(status, 200, "{test}");
    assert_eq!(receiver.wait_for(2, Duration::from_secs(5)).await.len(), 2);
    assert_ne!(test["idempotencyKey"], key);

    // A receiver that answers 500 fails the validation: 502, nothing saved, the attempt logged.
    let failing = Receiver::statuses(&[500]).await;
    let (status, refused) = app
        .post(
            "/api/v1/webhooks",
            &json!({ "label": "Broken", "url": failing.url }),
        )
        .await;
    assert_eq!(status, 502, "{refused}");
    assert_eq!(code(&refused), "webhook_unreachable");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("answered 500"),
        "{refused}"
    );
    let (_, list) = app.get("/api/v1/webhooks").await;
    assert_eq!(list["webhooks"].as_array().unwrap().len(), 1);
    let tests = wait_for_delivery(&app, "event=webhook.test&state=failed").await;
    assert_eq!(tests[0]["lastStatus"], 500);

    // Nobody listening: refused with what the attempt found; `validate: false` saves it anyway.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{closed}/hook");
    let (status, refused) = app
        .post("/api/v1/webhooks", &json!({ "label": "Later", "url": url }))
        .await;
    assert_eq!(status, 502);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("receiver_unreachable"),
        "{refused}"
    );
    add_webhook(&app, &url, false).await;

    // Bad input is refused with a code and a hint, the secret never quoted.
    for (body, says) in [
        (
            json!({"label": "x", "url": "http://crm.example/hook"}),
            "plain http to another machine",
        ),
        (json!({"label": "", "url": receiver.url}), "blank"),
        (
            json!({"label": "x", "url": receiver.url, "sendCondition": "ended"}),
            "send condition",
        ),
        (
            json!({"label": "x", "url": receiver.url, "queues": ["nope"]}),
            "no UUID",
        ),
        (
            json!({"label": "x", "url": receiver.url, "queues": ["5b0e0a52-65f4-4a49-9d6e-0f5c8b8e1f00"]}),
            "No widget config has a queue",
        ),
        (
            json!({"label": "x", "url": receiver.url, "headers": [{"name": "Content-Type", "value": "text/plain"}]}),
            "set by the emulator",
        ),
        (
            json!({"label": "x", "url": receiver.url, "headers": [{"name": "X-Key", "value": "crm-secret\nInjected: 1"}]}),
            "cannot carry",
        ),
    ] {
        let (status, refused) = app.post("/api/v1/webhooks", &body).await;
        assert_eq!(status, 422, "{body}: {refused}");
        assert_eq!(code(&refused), "invalid_webhook");
        let message = refused["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{body}: {message}");
        assert!(!refused.to_string().contains("crm-secret"), "{refused}");
        assert!(!refused["error"]["hint"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        receiver.received().len(),
        2,
        "a refused webhook sends nothing"
    );
}

#[tokio::test]
async fn a_completed_interaction_is_posted_once_with_its_core_api_document() {
    let app = spawn_app().await;
    let receiver = Receiver::statuses(&[]).await;
    add_webhook(&app, &receiver.url, false).await;
    let token = app.api_key("CRM test").await;

    // Completed through the API: ended and completed at once.
    let (uuid, id) = start_chat(&app).await;
    let added = reqwest::Client::new()
        .post(app.url(&format!(
            "/api/core/v1/interactions/{uuid}/interaction-data"
        )))
        .bearer_auth(&token)
        .json(&json!({"name": "crm_id", "label": "CRM id", "data": "C-42"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let (status, _) = app
        .post(&format!("/api/v1/engagements/{uuid}/end"), &json!({}))
        .await;
    assert_eq!(status, 200);
    // Ended is not "Completed and Wrapped": nothing yet.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.received().is_empty());
    let (status, _) = app
        .post(&format!("/api/v1/engagements/{uuid}/complete"), &json!({}))
        .await;
    assert_eq!(status, 200);
    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header("authorization"), Some(SECRET));

    // The body is the Core API's document of that interaction, with its data included.
    let core = reqwest::Client::new()
        .get(app.url(&format!(
            "/api/core/v1/interactions/{id}?include=interactionData"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(got[0].json(), core);
    assert_eq!(core["data"]["attributes"]["uuid"], uuid.as_str());
    let data: Vec<&str> = core["included"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["attributes"]["data"].as_str().unwrap())
        .collect();
    assert_eq!(data, ["A-1", "C-42"]);
    let delivered = wait_for_delivery(&app, &format!("interaction={uuid}&state=delivered")).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0]["event"], "interaction.completed");
    assert_eq!(
        delivered[0]["idempotencyKey"],
        got[0].header("idempotency-key").unwrap()
    );

    // Completed from the portal's button: one more POST, for that interaction.
    let (uuid, _) = start_chat(&app).await;
    let session = FormSession::open(&app, &format!("/engagements/{uuid}")).await;
    let response = session
        .submit(&app, &format!("/engagements/{uuid}/complete"), &[])
        .await;
    assert_eq!(response.status(), 303);
    let got = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].json()["data"]["attributes"]["uuid"], uuid.as_str());
    // A second completion is refused and sends nothing more.
    let (status, _) = app
        .post(&format!("/api/v1/engagements/{uuid}/complete"), &json!({}))
        .await;
    assert_eq!(status, 409);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn a_webhook_is_sent_only_for_its_queues() {
    let app = spawn_app().await;
    let receiver = Receiver::statuses(&[]).await;
    let other = "7f7d1a9e-3f43-4c55-9a70-0a3c2f7b5e01";
    let (status, config) = app
        .post(
            "/api/v1/widget-configs",
            &json!({ "uuid": "1b4e28ba-2fa1-41d2-883f-0016d3cca427", "name": "Other",
                     "queues": [{"uuid": other, "name": "Sales", "status": "ONLINE"}],
                     "actions": [{"reference": "start-chat", "kind": "start_chat", "queue": other}] }),
        )
        .await;
    assert_eq!(status, 201, "{config}");
    let (status, created) = app
        .post(
            "/api/v1/webhooks",
            &json!({ "label": "Default queue only", "url": receiver.url, "validate": false,
                     "queues": [DEFAULT_QUEUE] }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, started) = app
        .post("/api/ecs/v1/interactions",
            &json!({ "configUuid": "1b4e28ba-2fa1-41d2-883f-0016d3cca427", "action": "start-chat" }))
        .await;
    assert_eq!(status, 201, "{started}");
    let sales = started["interaction"]["uuid"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/engagements/{sales}/complete"), &json!({}))
        .await;
    let (default, _) = start_chat(&app).await;
    app.post(
        &format!("/api/v1/engagements/{default}/complete"),
        &json!({}),
    )
    .await;
    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(
        got[0].json()["data"]["attributes"]["uuid"],
        default.as_str()
    );
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_three_attempts_logged_and_a_redelivery_keeps_the_key() {
    let app = spawn_app_with(|settings| {
        settings.webhooks.first_retry = Duration::from_millis(100);
    })
    .await;
    let receiver = Receiver::statuses(&[500, 503, 200]).await;
    add_webhook(&app, &receiver.url, false).await;
    let (uuid, _) = start_chat(&app).await;
    app.post(&format!("/api/v1/engagements/{uuid}/complete"), &json!({}))
        .await;

    let delivered = wait_for_delivery(&app, &format!("interaction={uuid}&state=delivered")).await;
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    let key = got[0].header("idempotency-key").unwrap().to_owned();
    assert!(
        got.iter()
            .all(|r| r.header("idempotency-key") == Some(key.as_str()))
    );
    assert!(got.iter().all(|r| r.body == got[0].body));

    let id = delivered[0]["id"].as_i64().unwrap();
    let (_, delivery) = app.get(&format!("/api/v1/webhook-deliveries/{id}")).await;
    let attempts = delivery["attemptLog"].as_array().unwrap();
    let seen: Vec<(i64, i64, Value)> = attempts
        .iter()
        .map(|a| {
            (
                a["attempt"].as_i64().unwrap(),
                a["status"].as_i64().unwrap(),
                a["errorCode"].clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (1, 500, json!("receiver_status")),
            (2, 503, json!("receiver_status")),
            (3, 200, Value::Null)
        ]
    );
    assert!(
        attempts
            .iter()
            .all(|a| a["latencyMs"].as_i64().unwrap() >= 0)
    );
    assert_eq!(delivery["state"], "delivered");
    assert_eq!(delivery["nextAttemptAt"], Value::Null);
    assert_eq!(
        delivery["body"]["data"]["attributes"]["uuid"],
        uuid.as_str()
    );

    // Redelivered from the API: the same body and key, a fourth attempt.
    let (status, again) = app
        .post(
            &format!("/api/v1/webhook-deliveries/{id}/redeliver"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 202, "{again}");
    let got = receiver.wait_for(4, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 4);
    assert_eq!(got[3].header("idempotency-key"), Some(key.as_str()));
    assert_eq!(got[3].body, got[0].body);
    let logged = wait_for_delivery(&app, &format!("interaction={uuid}&state=delivered")).await;
    let (_, delivery) = app
        .get(&format!("/api/v1/webhook-deliveries/{}", logged[0]["id"]))
        .await;
    assert_eq!(delivery["attempts"], 4);

    // Unknown ids and bad filters say what to send.
    let (status, missing) = app
        .post("/api/v1/webhook-deliveries/999/redeliver", &json!({}))
        .await;
    assert_eq!((status, code(&missing)), (404, "delivery_not_found"));
    let (status, bad) = app.get("/api/v1/webhook-deliveries?state=sent").await;
    assert_eq!((status, code(&bad)), (400, "invalid_request"));
}

#[tokio::test]
async fn a_receiver_that_never_succeeds_is_marked_failed_after_the_last_attempt() {
    let app = spawn_app_with(|settings| {
        settings.webhooks.first_retry = Duration::from_millis(50);
        settings.webhooks.max_attempts = 3;
        settings.webhooks.timeout = Duration::from_millis(500);
    })
    .await;
    // A hang (the timeout), then two 500s.
    let receiver = Receiver::scripted(|n, _| {
        if n == 0 {
            Answer::hang()
        } else {
            Answer::status(500)
        }
    })
    .await;
    add_webhook(&app, &receiver.url, false).await;
    let (uuid, _) = start_chat(&app).await;
    app.post(&format!("/api/v1/engagements/{uuid}/complete"), &json!({}))
        .await;
    let failed = wait_for_delivery(&app, &format!("interaction={uuid}&state=failed")).await;
    assert_eq!(failed.len(), 1);
    let (_, delivery) = app
        .get(&format!("/api/v1/webhook-deliveries/{}", failed[0]["id"]))
        .await;
    let codes: Vec<&str> = delivery["attemptLog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["errorCode"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["receiver_timeout", "receiver_status", "receiver_status"]
    );
    assert_eq!(receiver.received().len(), 3);
}

/// kill -9 after the completion was written and before the receiver answered: the delivery is
/// still due when the emulator starts again, and goes out then, with the same key.
#[tokio::test]
async fn a_completion_killed_before_its_delivery_is_delivered_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kill.db");
    // The first request hangs: the emulator is killed while it waits.
    let receiver = Receiver::scripted(|n, _| {
        if n == 0 {
            Answer::hang()
        } else {
            Answer::status(200)
        }
    })
    .await;
    let mut server = start_binary(&db, &["--webhook-timeout", "60s"]).await;
    let client = reqwest::Client::new();
    let post = async |base: &str, path: &str, body: Value| -> Value {
        let response = client
            .post(format!("{base}{path}"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    };
    post(
        &server.base,
        "/api/v1/webhooks",
        json!({ "label": "CRM", "url": receiver.url, "validate": false }),
    )
    .await;
    let started = post(
        &server.base,
        "/api/ecs/v1/interactions",
        json!({ "configUuid": DEFAULT_CONFIG, "action": "start-chat" }),
    )
    .await;
    let uuid = started["interaction"]["uuid"].as_str().unwrap().to_owned();
    post(
        &server.base,
        &format!("/api/v1/engagements/{uuid}/complete"),
        json!({}),
    )
    .await;
    let first = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(first.len(), 1);
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    let server = start_binary(&db, &[]).await;
    let got = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 2, "the delivery was not sent after the restart");
    assert_eq!(
        got[1].header("idempotency-key"),
        got[0].header("idempotency-key")
    );
    assert_eq!(got[1].body, got[0].body);
    let list: Value = client
        .get(format!(
            "{}/api/v1/webhook-deliveries?interaction={uuid}&state=delivered&wait=10s",
            server.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["deliveries"].as_array().unwrap().len(), 1, "{list}");
}

#[tokio::test]
async fn the_config_file_installs_webhooks_with_header_values_from_the_environment() {
    let receiver = Receiver::statuses(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("emulator.toml");
    std::fs::write(
        &path,
        format!(
            "[[webhooks]]\nlabel = \"CRM from file\"\nurl = \"{}\"\nheaders = [{{ name = \"X-Api-Key\", value = \"file-secret-0123456789\" }}]\n",
            receiver.url
        ),
    )
    .unwrap();
    let file = talkative_emulator::configuration::config_file::ConfigFile::load(&path).unwrap();
    let app = spawn_app_with(|settings| settings.config_file = file).await;
    let (_, list) = app.get("/api/v1/webhooks").await;
    assert_eq!(list["webhooks"][0]["label"], "CRM from file");
    assert_eq!(list["webhooks"][0]["fromConfig"], true);
    assert_eq!(list["webhooks"][0]["headers"][0]["value"], "••••6789");
    // Installed without a validation POST (the receiver may start after the emulator).
    assert!(receiver.received().is_empty());
    let (uuid, _) = start_chat(&app).await;
    app.post(&format!("/api/v1/engagements/{uuid}/complete"), &json!({}))
        .await;
    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got[0].header("x-api-key"), Some("file-secret-0123456789"));
    // A reset installs it again, and forgets the deliveries.
    let (status, _) = app.post("/api/v1/reset", &json!({})).await;
    assert_eq!(status, 200);
    let (_, list) = app.get("/api/v1/webhooks").await;
    assert_eq!(list["webhooks"].as_array().unwrap().len(), 1);
    let (_, deliveries) = app.get("/api/v1/webhook-deliveries").await;
    assert_eq!(deliveries["deliveries"], json!([]));

    // A variable that is not set stops the server at start, naming it.
    std::fs::write(
        &path,
        format!(
            "[[webhooks]]\nlabel = \"x\"\nurl = \"{}\"\nheaders = [{{ name = \"X-Api-Key\", value_env = \"TALKATIVE_TEST_UNSET_VARIABLE\" }}]\n",
            receiver.url
        ),
    )
    .unwrap();
    let error = talkative_emulator::configuration::config_file::ConfigFile::load(&path)
        .unwrap_err()
        .to_string();
    assert!(error.contains("TALKATIVE_TEST_UNSET_VARIABLE"), "{error}");
}

/// The Webhooks page: the add form sends the validation POST and shows what failed beside the
/// form without putting a secret back in the page; "Send test" leads to the delivery's page, which
/// shows its request and attempts; Redeliver and Delete… work from the page.
#[tokio::test]
async fn the_webhooks_page_adds_tests_redelivers_and_deletes_without_showing_a_secret() {
    let app = spawn_app().await;
    let receiver = Receiver::statuses(&[500]).await;
    let session = FormSession::open(&app, "/webhooks").await;
    let form = [
        ("label", "Portal CRM"),
        ("url", receiver.url.as_str()),
        ("queue", DEFAULT_QUEUE),
        ("header_name_1", "Authorization"),
        ("header_value_1", SECRET),
        ("header_name_2", ""),
        ("header_value_2", ""),
        ("validate", "on"),
    ];
    // The receiver answers 500 to the validation POST: the form is shown again, with why.
    let refused = session.submit(&app, "/webhooks", &form).await;
    assert_eq!(refused.status(), 502);
    let html = refused.text().await.unwrap();
    assert!(html.contains("webhook_unreachable"), "{html}");
    assert!(html.contains("Portal CRM") && html.contains("Authorization"));
    assert!(
        !html.contains("crm-secret"),
        "a secret was put back in the page"
    );
    // Sent again (the receiver answers 200 now): saved, and listed with its header masked.
    let added = session.submit(&app, "/webhooks", &form).await;
    assert_eq!(added.status(), 303);
    let html = app.html("/webhooks").await;
    assert!(html.contains("Portal CRM"));
    assert!(html.contains("Authorization: ••••cdef"), "{html}");
    assert!(html.contains("Support"), "the queue is named: {html}");
    assert!(!html.contains("crm-secret"));
    let (_, list) = app.get("/api/v1/webhooks").await;
    let id = list["webhooks"][0]["id"].as_i64().unwrap();
    assert_eq!(list["webhooks"][0]["queues"], json!([DEFAULT_QUEUE]));

    // Send test: to the delivery's page, which says how it went.
    let tested = session
        .submit(&app, &format!("/webhooks/{id}/test"), &[])
        .await;
    assert_eq!(tested.status(), 303);
    let location = tested.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/webhooks/deliveries/"), "{location}");
    let html = app.html(&location).await;
    assert!(
        html.contains("webhook.test") && html.contains("delivered"),
        "{html}"
    );
    assert!(
        html.contains("••••cdef") && !html.contains("crm-secret"),
        "{html}"
    );
    assert!(html.contains("&#34;data&#34;"), "{html}");
    assert!(
        !html.contains("id=\"redeliver\""),
        "a test is not redelivered"
    );

    // A completion's delivery can be redelivered from its page.
    let (uuid, _) = start_chat(&app).await;
    app.post(&format!("/api/v1/engagements/{uuid}/complete"), &json!({}))
        .await;
    let delivered = wait_for_delivery(&app, &format!("interaction={uuid}&state=delivered")).await;
    let delivery = delivered[0]["id"].as_i64().unwrap();
    let before = receiver.received().len();
    let html = app.html(&format!("/webhooks/deliveries/{delivery}")).await;
    assert!(html.contains("id=\"redeliver\""), "{html}");
    assert!(html.contains(uuid.as_str()));
    let again = session
        .submit(
            &app,
            &format!("/webhooks/deliveries/{delivery}/redeliver"),
            &[],
        )
        .await;
    assert_eq!(again.status(), 303);
    let got = receiver.wait_for(before + 1, Duration::from_secs(10)).await;
    assert_eq!(
        got.last().unwrap().header("idempotency-key"),
        delivered[0]["idempotencyKey"].as_str()
    );

    // Delete asks first, then cancels nothing pending and keeps the log.
    let confirm = app.html(&format!("/webhooks/{id}/delete")).await;
    assert!(
        confirm.contains("Delete webhook “Portal CRM”?"),
        "{confirm}"
    );
    let deleted = session
        .submit(&app, &format!("/webhooks/{id}/delete"), &[])
        .await;
    assert_eq!(deleted.status(), 303);
    let (_, list) = app.get("/api/v1/webhooks").await;
    assert_eq!(list["webhooks"], json!([]));
    assert!(
        app.html("/webhooks").await.contains("Portal CRM"),
        "the log keeps its deliveries"
    );
}

/// `talkative-emulator trigger`, Stripe CLI's model: against a running emulator, a sample
/// interaction started and completed goes to every webhook (retries included), and each
/// delivery is printed; `webhook.test` sends each webhook its validation POST.
#[tokio::test]
async fn trigger_makes_a_running_emulator_call_the_webhooks_and_says_how_each_went() {
    let app = spawn_app_with(|settings| {
        settings.webhooks.first_retry = Duration::from_millis(50);
    })
    .await;
    let trigger = async |args: &[&str]| {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_talkative-emulator"))
            .arg("trigger")
            .args(args)
            .env("TALKATIVE_EMULATOR_URL", &app.address)
            .output()
            .await
            .unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    // No webhook yet: nothing is sent, and it says so (exit 1).
    let (code, out, _) = trigger(&["interaction.completed"]).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("No delivery was made"), "{out}");

    let receiver = Receiver::statuses(&[503]).await;
    add_webhook(&app, &receiver.url, false).await;
    let (code, out, err) = trigger(&["interaction.completed"]).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("delivered") && out.contains("CRM staging"),
        "{out}"
    );
    assert!(out.contains("2 attempt(s)"), "a 503, then a 200: {out}");
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    let body = got[1].json();
    assert_eq!(
        body["included"][1]["attributes"]["data"], "SAMPLE-1",
        "{body}"
    );

    let (code, out, _) = trigger(&["webhook.test"]).await;
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        receiver.received().last().unwrap().json(),
        json!({"test": "data"})
    );

    // Nobody there: a usage error (exit 2) that names the URL.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, _, err) = trigger(&[
        "interaction.completed",
        "--url",
        &format!("http://127.0.0.1:{closed}"),
    ])
    .await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is it running"), "{err}");
}

/// An https receiver on this machine, its certificate for `localhost` made here: what the
/// emulator's client thinks of it depends on whether it trusts the certificate.
struct TlsReceiver {
    port: u16,
    certificate_pem: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

async fn tls_receiver() -> TlsReceiver {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let key = rcgen::KeyPair::generate().unwrap();
    let certificate = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![certificate.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let log = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, log) = (acceptor.clone(), log.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut chunk = [0u8; 8192];
                // One request a connection (the emulator sends `Connection: close`).
                loop {
                    let Ok(read) = tls.read(&mut chunk).await else {
                        return;
                    };
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&chunk[..read]);
                    let text = String::from_utf8_lossy(&request).into_owned();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length: usize = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse().unwrap())
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            log.lock().unwrap().push(body.to_owned());
                            let _ = tls
                                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                                .await;
                            let _ = tls.shutdown().await;
                            return;
                        }
                    }
                }
            });
        }
    });
    TlsReceiver {
        port,
        certificate_pem: certificate.pem(),
        received,
    }
}

/// https: a receiver whose certificate the system does not trust is refused with
/// `receiver_certificate` (Talkative's "valid TLS certificate"); trusted through the system's
/// bundle (here SSL_CERT_FILE, as for curl), it gets its POST.
#[tokio::test]
async fn an_https_receiver_is_reached_only_with_a_certificate_the_system_trusts() {
    let receiver = tls_receiver().await;
    let url = format!("https://localhost:{}/hook", receiver.port);
    let app = spawn_app().await;
    let (status, refused) = app
        .post(
            "/api/v1/webhooks",
            &json!({ "label": "Self-signed", "url": url }),
        )
        .await;
    assert_eq!(
        (status, code(&refused)),
        (502, "webhook_unreachable"),
        "{refused}"
    );
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("receiver_certificate"), "{message}");
    let tests = wait_for_delivery(&app, "event=webhook.test").await;
    let (_, delivery) = app
        .get(&format!("/api/v1/webhook-deliveries/{}", tests[0]["id"]))
        .await;
    let attempt = &delivery["attemptLog"][0];
    assert_eq!(attempt["errorCode"], "receiver_certificate");
    assert!(
        attempt["errorMessage"]
            .as_str()
            .unwrap()
            .contains("certificate"),
        "{attempt}"
    );
    assert!(receiver.received.lock().unwrap().is_empty());

    // The same receiver, its certificate in the bundle the emulator is started with.
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("ca.pem");
    std::fs::write(&bundle, &receiver.certificate_pem).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_talkative-emulator"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("t.db").display()),
        )
        .env("SSL_CERT_FILE", &bundle)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    assert!(crate::helpers::answers_soon(&base).await);
    let created = reqwest::Client::new()
        .post(format!("{base}/api/v1/webhooks"))
        .json(&json!({ "label": "Trusted", "url": url }))
        .send()
        .await
        .unwrap();
    let status = created.status();
    let text = created.text().await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 201, "{text}");
    assert_eq!(
        receiver.received.lock().unwrap().as_slice(),
        [r#"{"test":"data"}"#]
    );
}
