//! Chatbot fulfilment: a widget config's action of kind `fulfilment` POSTs the interaction (as
//! the Core API shows it) to the customer's receiver, and the answer's `[{name, data}]` is added
//! to the interaction with its own provenance; every way an answer can be wrong is logged with
//! its code and gives the agent nothing.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Answer, Receiver, TestApp, code, spawn_app, spawn_app_with};

const CONFIG: &str = "6f1c2b0e-9a53-4d4e-8f7a-2b9d7c3e5a10";
const QUEUE: &str = "0c8f2a51-7d3e-4b6a-9e1f-5a4b3c2d1e0f";
const SECRET: &str = "Bearer bot-secret-0123456789";

async fn config_with_fulfilment(app: &TestApp, url: &str) {
    let (status, config) = app
        .post(
            "/api/v1/widget-configs",
            &json!({ "uuid": CONFIG, "name": "Shop",
                     "queues": [{"uuid": QUEUE, "name": "Orders", "status": "ONLINE"}],
                     "actions": [
                        {"reference": "start-chat", "kind": "start_chat", "queue": QUEUE},
                        {"reference": "lookup-order", "kind": "fulfilment", "queue": QUEUE, "url": url,
                         "headers": [{"name": "Authorization", "value": SECRET}]}
                     ] }),
        )
        .await;
    assert_eq!(status, 201, "{config}");
    // The secret is not in the answer, nor in what the API or a page shows of the config.
    assert!(!config.to_string().contains("bot-secret"), "{config}");
}

async fn start(app: &TestApp) -> (String, i64) {
    let (status, started) = app
        .post(
            "/api/ecs/v1/interactions",
            &json!({ "configUuid": CONFIG, "action": "start-chat",
                     "interactionData": [{"name": "order", "label": "Order", "type": "string", "data": "A-7"}] }),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    (
        started["interaction"]["uuid"].as_str().unwrap().to_owned(),
        started["interaction"]["id"].as_i64().unwrap(),
    )
}

async fn fulfil(app: &TestApp, uuid: &str) -> Value {
    let (status, done) = app
        .post(
            &format!("/api/v1/engagements/{uuid}/fulfilment"),
            &json!({"action": "lookup-order"}),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    done
}

/// What the agent sees, as (name, data, provenance).
async fn agent_view(app: &TestApp, uuid: &str) -> Vec<(String, String, String)> {
    let (_, detail) = app.get(&format!("/api/v1/engagements/{uuid}")).await;
    detail["agentView"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap_or_default().to_owned(),
                i["data"].as_str().unwrap().to_owned(),
                i["provenance"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_answer_lands_in_the_agent_view_and_the_core_api_with_its_own_provenance() {
    let app = spawn_app().await;
    let receiver = Receiver::scripted(|_, _| {
        Answer::json(
            r#"[{"name":"order_status","data":"shipped"},{"name":"eta","data":"Tuesday"}]"#,
        )
    })
    .await;
    config_with_fulfilment(&app, &receiver.url).await;
    let (_, shown) = app.get(&format!("/api/v1/widget-configs/{CONFIG}")).await;
    assert_eq!(shown["actions"][1]["headers"][0]["value"], "••••6789");
    assert!(!app.html("/widget-configs").await.contains("bot-secret"));
    // The page's config says what the action is, and nothing of where it goes.
    let (_, page_config) = app.get(&format!("/api/ecs/v1/configs/{CONFIG}")).await;
    assert_eq!(page_config["actions"][1]["kind"], "fulfilment");
    assert_eq!(page_config["actions"][1]["channel"], Value::Null);
    assert!(
        !page_config.to_string().contains("127.0.0.1"),
        "{page_config}"
    );

    let (uuid, id) = start(&app).await;
    let done = fulfil(&app, &uuid).await;
    assert_eq!(done["fulfilled"], true, "{done}");
    assert_eq!(done["status"], 200);
    assert_eq!(done["problem"], Value::Null);

    // The receiver got the interaction as the Core API shows it, with the action's header.
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header("authorization"), Some(SECRET));
    assert_eq!(got[0].json()["data"]["attributes"]["uuid"], uuid.as_str());
    assert_eq!(got[0].json()["included"][0]["attributes"]["data"], "A-7");

    // With no signing key stored, the start's item was accepted unsigned.
    let view = agent_view(&app, &uuid).await;
    let expected = [
        ("order", "A-7", "unsigned"),
        ("order_status", "shipped", "fulfilment"),
        ("eta", "Tuesday", "fulfilment"),
    ];
    assert_eq!(
        view,
        expected.map(|(n, d, p)| (n.to_owned(), d.to_owned(), p.to_owned()))
    );
    let token = app.api_key("bot test").await;
    let document: Value = reqwest::Client::new()
        .get(app.url(&format!(
            "/api/core/v1/interactions/{id}?include=interactionData"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fulfilled: Vec<(&str, &str, &str)> = document["included"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["attributes"]["provenance"] == "fulfilment")
        .map(|r| {
            (
                r["attributes"]["name"].as_str().unwrap(),
                r["attributes"]["data"].as_str().unwrap(),
                r["attributes"]["source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        fulfilled,
        [
            ("order_status", "shipped", "fulfilment"),
            ("eta", "Tuesday", "fulfilment")
        ]
    );

    // The page can trigger it too (the widget's endpoint, open to any origin like the others).
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/ecs/v1/interactions/{uuid}/fulfilment")))
        .header("Origin", "https://shop.example")
        .json(&json!({"action": "lookup-order"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(receiver.received().len(), 2);

    // The call is in the delivery log, with its one attempt.
    let (_, list) = app
        .get(&format!(
            "/api/v1/webhook-deliveries?interaction={uuid}&event=fulfilment"
        ))
        .await;
    assert_eq!(list["deliveries"].as_array().unwrap().len(), 2);
    assert_eq!(list["deliveries"][0]["target"], "lookup-order");
    assert_eq!(list["deliveries"][0]["state"], "delivered");
}

#[tokio::test]
async fn each_wrong_answer_is_logged_with_its_code_and_gives_the_agent_nothing() {
    let app = spawn_app_with(|settings| {
        settings.webhooks.timeout = Duration::from_millis(400);
    })
    .await;
    let long_name = format!(r#"[{{"name":"{}","data":"x"}}]"#, "n".repeat(192));
    let long_data = format!(r#"[{{"name":"n","data":"{}"}}]"#, "d".repeat(511));
    let answers = [
        (Answer::json(long_name), "fulfilment_name_too_long"),
        (Answer::json(long_data), "fulfilment_data_too_long"),
        (
            Answer::json(r#"{"name":"a","data":"b"}"#),
            "fulfilment_invalid_shape",
        ),
        (Answer::json("<html>oops</html>"), "fulfilment_invalid_json"),
        (Answer::status(500), "receiver_status"),
        (Answer::hang(), "receiver_timeout"),
    ];
    let scripted: Vec<Answer> = answers.iter().map(|(a, _)| a.clone()).collect();
    let receiver = Receiver::scripted(move |n, _| scripted[n].clone()).await;
    config_with_fulfilment(&app, &receiver.url).await;
    let (uuid, _) = start(&app).await;
    let before = agent_view(&app, &uuid).await;
    for (index, (_, expected)) in answers.iter().enumerate() {
        let done = fulfil(&app, &uuid).await;
        assert_eq!(done["fulfilled"], false, "{index}: {done}");
        assert_eq!(done["problem"]["code"], *expected, "{index}: {done}");
        assert!(!done["problem"]["hint"].as_str().unwrap().is_empty());
        let id = done["deliveryId"].as_i64().unwrap();
        let (_, delivery) = app.get(&format!("/api/v1/webhook-deliveries/{id}")).await;
        assert_eq!(delivery["state"], "failed", "{index}: {delivery}");
        assert_eq!(delivery["attemptLog"][0]["errorCode"], *expected, "{index}");
        assert_eq!(delivery["attempts"], 1, "a fulfilment call is not retried");
    }
    assert_eq!(agent_view(&app, &uuid).await, before);
    assert_eq!(receiver.received().len(), answers.len());
}

#[tokio::test]
async fn a_fulfilment_action_runs_only_during_an_interaction_and_starts_none() {
    let app = spawn_app().await;
    let receiver = Receiver::scripted(|_, _| Answer::json("[]")).await;
    config_with_fulfilment(&app, &receiver.url).await;
    let (status, refused) = app
        .post(
            "/api/ecs/v1/interactions",
            &json!({ "configUuid": CONFIG, "action": "lookup-order" }),
        )
        .await;
    assert_eq!(
        (status, code(&refused)),
        (422, "unknown_action"),
        "{refused}"
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("chatbot fulfilment")
    );

    let (uuid, _) = start(&app).await;
    let (status, refused) = app
        .post(
            &format!("/api/v1/engagements/{uuid}/fulfilment"),
            &json!({"action": "start-chat"}),
        )
        .await;
    assert_eq!((status, code(&refused)), (422, "unknown_action"));
    assert!(
        refused["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("lookup-order")
    );
    app.post(&format!("/api/v1/engagements/{uuid}/end"), &json!({}))
        .await;
    let (status, refused) = app
        .post(
            &format!("/api/v1/engagements/{uuid}/fulfilment"),
            &json!({"action": "lookup-order"}),
        )
        .await;
    assert_eq!((status, code(&refused)), (409, "interaction_finalised"));
    assert!(receiver.received().is_empty());

    // A fulfilment action needs an endpoint the emulator may call.
    let (status, refused) = app
        .post(
            "/api/v1/widget-configs",
            &json!({ "name": "Bad", "queues": [{"uuid": QUEUE, "name": "Q", "status": "ONLINE"}],
                     "actions": [{"reference": "bot", "kind": "fulfilment", "queue": QUEUE,
                                  "url": "http://crm.example/bot"}] }),
        )
        .await;
    assert_eq!((status, code(&refused)), (422, "invalid_widget_config"));
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("plain http")
    );
}

/// An interaction's page offers its chatbot's fulfilment nodes while it is active, and lists its
/// calls to the backend (and how many webhooks a completion would reach).
#[tokio::test]
async fn an_interactions_page_runs_a_fulfilment_node_and_lists_its_calls() {
    let app = spawn_app().await;
    let receiver =
        Receiver::scripted(|_, _| Answer::json(r#"[{"name":"order_status","data":"packed"}]"#))
            .await;
    config_with_fulfilment(&app, &receiver.url).await;
    let (uuid, _) = start(&app).await;
    let session = crate::helpers::FormSession::open(&app, &format!("/engagements/{uuid}")).await;
    let html = app.html(&format!("/engagements/{uuid}")).await;
    assert!(html.contains("Run lookup-order"), "{html}");
    assert!(!html.contains("id=\"calls\""), "no call yet");
    let ran = session
        .submit(
            &app,
            &format!("/engagements/{uuid}/fulfilment"),
            &[("action", "lookup-order")],
        )
        .await;
    assert_eq!(ran.status(), 303);
    assert_eq!(
        agent_view(&app, &uuid).await.last().unwrap(),
        &(
            "order_status".to_owned(),
            "packed".to_owned(),
            "fulfilment".to_owned()
        )
    );
    let html = app.html(&format!("/engagements/{uuid}")).await;
    assert!(
        html.contains("id=\"calls\"") && html.contains("lookup-order"),
        "{html}"
    );
    assert!(
        html.contains("chatbot fulfilment (backend)"),
        "the arrival says where it came from"
    );
}
