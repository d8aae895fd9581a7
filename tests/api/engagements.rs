//! Interactions that last, through the widget's endpoints (`/api/ecs/v1`, what the loader calls)
//! and the agent's side (`/api/v1/engagements`): started by an action, data appended and merged
//! by name, refused when its queue is offline or once it has ended, ended and completed.

use serde_json::{Value, json};

use crate::helpers::{FormSession, TestApp, TestSigner, code, spawn_app, spawn_app_with};

const DEFAULT_QUEUE: &str = "00000000-0000-4000-8000-000000000002";
const DEFAULT: &str = "00000000-0000-4000-8000-000000000001";
/// A config UUID the emulator has never heard of, as a page copied from Talkative names one.
const PAGES_CONFIG: &str = "d966af3a-927e-4e0a-8c69-89076b59c808";

fn named(name: &str, label: &str, data: &str) -> Value {
    json!({ "name": name, "label": label, "type": "string", "data": data })
}

async fn start(app: &TestApp, body: Value) -> (u16, Value) {
    app.post("/api/ecs/v1/interactions", &body).await
}

async fn append(app: &TestApp, uuid: &str, body: Value) -> (u16, Value) {
    app.post(
        &format!("/api/ecs/v1/interactions/{uuid}/interaction-data"),
        &body,
    )
    .await
}

async fn agent_view(app: &TestApp, uuid: &str) -> Vec<(String, String, String)> {
    let (status, detail) = app.get(&format!("/api/v1/engagements/{uuid}")).await;
    assert_eq!(status, 200, "{detail}");
    detail["agentView"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["name"].as_str().unwrap_or("").to_owned(),
                item["data"].as_str().unwrap().to_owned(),
                item["provenance"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_interaction_starts_takes_appends_by_name_and_ends_and_completes() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    app.add_field("email").await;
    app.add_field("page").await;

    // A page names a config the emulator does not know: it gets the default, and says so.
    let (status, config) = app
        .get(&format!("/api/ecs/v1/configs/{PAGES_CONFIG}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (config["known"].clone(), config["uuid"].clone()),
        (json!(false), json!(DEFAULT))
    );
    assert_eq!(
        config["presences"],
        json!([{ "queueUuid": DEFAULT_QUEUE, "status": "ONLINE" }])
    );

    let token = signer.sign_items(&json!([named("account", "Account", "42")]));
    let (status, started) = start(
        &app,
        json!({
            "configUuid": PAGES_CONFIG,
            "action": "start-chat",
            "path": "https://shop.example/pricing",
            "signedInteractionData": token,
            "interactionData": [named("email", "Email Address", "old@b.c"), named("page", "Page", "/pricing")],
        }),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let interaction = &started["interaction"];
    assert_eq!(interaction["state"], "active");
    assert_eq!(interaction["channel"], "chat");
    assert_eq!(interaction["startUrl"], "https://shop.example/pricing");
    assert_eq!(interaction["queueUuid"], DEFAULT_QUEUE);
    assert_eq!(started["verdict"]["signature"]["status"], "valid");
    let warnings = started["verdict"]["warnings"].as_array().unwrap();
    let defaulted: Vec<_> = (warnings.iter())
        .filter(|w| w["code"] == "widget_config_defaulted")
        .collect();
    assert_eq!(defaulted.len(), 1, "{warnings:?}");
    assert!(
        defaulted[0]["message"]
            .as_str()
            .unwrap()
            .contains(PAGES_CONFIG),
        "the verdict names the unknown config: {warnings:?}"
    );
    let uuid = interaction["uuid"].as_str().unwrap().to_owned();

    // Appended during the interaction: a newer email overrides the old one; an unsigned
    // account never overrides the signed one.
    let (status, appended) = append(
        &app,
        &uuid,
        json!({ "interactionData": [named("email", "Email", "new@b.c"), named("account", "Account", "999")] }),
    )
    .await;
    assert_eq!(status, 200, "{appended}");
    assert_eq!(appended["verdict"]["rejected"][0]["name"], "account");
    assert_eq!(
        appended["verdict"]["rejected"][0]["reason"]["code"],
        "overridden_by_signed"
    );
    assert_eq!(
        agent_view(&app, &uuid).await,
        [
            ("account".into(), "42".into(), "signed".into()),
            ("email".into(), "new@b.c".into(), "allowlisted".into()),
            ("page".into(), "/pricing".into(), "allowlisted".into()),
        ]
    );
    let (_, detail) = app.get(&format!("/api/v1/engagements/{uuid}")).await;
    let arrivals = detail["arrivals"].as_array().unwrap();
    assert_eq!(arrivals.len(), 2);
    assert_eq!(
        (arrivals[0]["kind"].clone(), arrivals[1]["kind"].clone()),
        (json!("start"), json!("append"))
    );
    // Each arrival is a verification in the log, recorded as the widget's.
    let verification = arrivals[1]["verification"].as_str().unwrap();
    let (status, logged) = app
        .get(&format!("/api/v1/interactions/{verification}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        logged["verdict"]["rejected"][0]["reason"]["code"],
        "overridden_by_signed"
    );

    // The agent ends it: no more data; then completes it; neither happens twice.
    let (status, ended) = app
        .post(&format!("/api/v1/engagements/{uuid}/end"), &json!({}))
        .await;
    assert_eq!((status, &ended["state"]), (200, &json!("ended")));
    assert!(ended["endedAt"].is_string());
    let (status, refused) = append(&app, &uuid, json!({ "interactionData": [] })).await;
    assert_eq!((status, code(&refused)), (409, "interaction_finalised"));
    let (status, seen) = app.get(&format!("/api/ecs/v1/interactions/{uuid}")).await;
    assert_eq!((status, &seen["state"]), (200, &json!("ended")));
    let (status, completed) = app
        .post(&format!("/api/v1/engagements/{uuid}/complete"), &json!({}))
        .await;
    assert_eq!((status, &completed["state"]), (200, &json!("completed")));
    for action in ["end", "complete"] {
        let (status, body) = app
            .post(&format!("/api/v1/engagements/{uuid}/{action}"), &json!({}))
            .await;
        assert_eq!(
            (status, code(&body)),
            (409, "interaction_finalised"),
            "{action}"
        );
    }
    let (_, list) = app.get("/api/v1/engagements").await;
    assert_eq!(list["engagements"][0]["uuid"], uuid.as_str());
}

#[tokio::test]
async fn nothing_starts_on_an_offline_queue_or_an_unknown_action() {
    let app = spawn_app().await;
    let (status, _) = app
        .put(
            &format!("/api/v1/widget-configs/{DEFAULT}/queues/{DEFAULT_QUEUE}/status"),
            &json!({ "status": "OFFLINE_NO_USERS" }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = start(
        &app,
        json!({ "configUuid": DEFAULT, "action": "start-chat" }),
    )
    .await;
    assert_eq!((status, code(&body)), (409, "queue_offline"), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("OFFLINE_NO_USERS")
    );
    let (status, body) = start(
        &app,
        json!({ "configUuid": DEFAULT, "action": "start-cobrowse" }),
    )
    .await;
    assert_eq!((status, code(&body)), (422, "unknown_action"), "{body}");
    assert!(
        body["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("\"start-chat\"")
    );
    let (_, list) = app.get("/api/v1/engagements").await;
    assert_eq!(list["engagements"], json!([]), "nothing started");

    // startVideo without an action: the config's first video action.
    app.put(
        &format!("/api/v1/widget-configs/{DEFAULT}/queues/{DEFAULT_QUEUE}/status"),
        &json!({ "status": "ONLINE" }),
    )
    .await;
    let (status, started) = start(
        &app,
        json!({ "configUuid": DEFAULT, "kind": "start_video" }),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["interaction"]["channel"], "video");
    assert_eq!(started["interaction"]["action"], "start-video");

    let (status, body) = append(&app, "00000000-0000-0000-0000-000000000000", json!({})).await;
    assert_eq!((status, code(&body)), (404, "interaction_not_found"));
}

#[tokio::test]
async fn with_strict_widget_configs_an_unknown_config_is_refused() {
    let app = spawn_app_with(|s| s.strict_widget_configs = true).await;
    let (status, body) = app
        .get(&format!("/api/ecs/v1/configs/{PAGES_CONFIG}"))
        .await;
    assert_eq!((status, code(&body)), (404, "unknown_widget_config"));
    let (status, body) = start(
        &app,
        json!({ "configUuid": PAGES_CONFIG, "action": "start-chat" }),
    )
    .await;
    assert_eq!((status, code(&body)), (404, "unknown_widget_config"));
    let (status, _) = app.get(&format!("/api/ecs/v1/configs/{DEFAULT}")).await;
    assert_eq!(status, 200, "a known config loads");
}

#[tokio::test]
async fn the_widgets_endpoints_are_open_to_any_origin() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let preflight = client
        .request(
            reqwest::Method::OPTIONS,
            app.url("/api/ecs/v1/interactions"),
        )
        .header("Origin", "https://shop.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    assert!(
        preflight.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("Content-Type")
    );
    let started = app
        .client
        .post(app.url("/api/ecs/v1/interactions"))
        .header("Origin", "https://shop.example")
        .header("Sec-Fetch-Site", "cross-site")
        .json(&json!({ "configUuid": DEFAULT, "action": "start-chat" }))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 201);
    assert_eq!(started.headers()["access-control-allow-origin"], "*");
}

/// The agent's side in the portal, over plain HTTP: the list links each interaction; its page
/// shows what the agent sees and each arrival with the verification that judged it; End and
/// Complete change it, and a second End is refused with the reason.
#[tokio::test]
async fn the_portal_lists_shows_ends_and_completes_an_interaction() {
    let app = spawn_app().await;
    // The list has no form of its own: the session starts where one is.
    let session = FormSession::open(&app, "/widget-configs").await;
    let empty = app.html("/engagements").await;
    assert!(empty.contains("No interaction has started yet"), "{empty}");

    let (status, started) = start(
        &app,
        json!({
            "configUuid": DEFAULT,
            "action": "start-chat",
            "path": "https://shop.example/<pricing>",
            "interactionData": [named("email", "Email", "first@example.com")],
        }),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let uuid = started["interaction"]["uuid"].as_str().unwrap().to_owned();
    let first = started["verdict"]["id"].as_str().unwrap().to_owned();
    let (status, appended) = append(
        &app,
        &uuid,
        json!({ "interactionData": [named("email", "Email", "second@example.com")] }),
    )
    .await;
    assert_eq!(status, 200);
    let second = appended["verdict"]["id"].as_str().unwrap().to_owned();

    let list = app.html("/engagements").await;
    assert!(
        list.contains(&format!("href=\"/engagements/{uuid}\"")),
        "{list}"
    );
    let page = app.html(&format!("/engagements/{uuid}")).await;
    assert!(
        page.contains("https://shop.example/&#60;pricing&#62;"),
        "escaped: {page}"
    );
    assert!(page.contains("second@example.com"));
    for verification in [&first, &second] {
        assert!(
            page.contains(&format!("href=\"/interactions/{verification}\"")),
            "each arrival links its verification: {page}"
        );
    }
    let verification_page = app.html(&format!("/interactions/{second}")).await;
    assert!(
        verification_page.contains(&format!("href=\"/engagements/{uuid}#arrival-1\"")),
        "a verification leads to its interaction: {verification_page}"
    );
    let log_page = app.html("/interactions").await;
    assert_eq!(
        log_page
            .matches(&format!(
                "class=\"engagement\" href=\"/engagements/{uuid}\""
            ))
            .count(),
        2,
        "each arrival's row in the log links its engagement: {log_page}"
    );
    let agent_table =
        &page[page.find("id=\"agent-view\"").unwrap()..page.find("Arrivals").unwrap()];
    assert!(
        !agent_table.contains("first@example.com"),
        "the later value overrides it"
    );

    let end = format!("/engagements/{uuid}/end");
    let ended = session.submit(&app, &end, &[]).await;
    assert_eq!(ended.status(), 303);
    assert_eq!(
        ended.headers()["location"],
        format!("/engagements/{uuid}").as_str()
    );
    let (_, detail) = app.get(&format!("/api/v1/engagements/{uuid}")).await;
    assert_eq!(detail["state"], "ended");
    let again = session.submit(&app, &end, &[]).await;
    assert_eq!(again.status(), 409);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("interaction_finalised")
    );
    let completed = session
        .submit(&app, &format!("/engagements/{uuid}/complete"), &[])
        .await;
    assert_eq!(completed.status(), 303);
    let (_, detail) = app.get(&format!("/api/v1/engagements/{uuid}")).await;
    assert_eq!(detail["state"], "completed");
    let page = app.html(&format!("/engagements/{uuid}")).await;
    assert!(
        !page.contains("id=\"end\""),
        "no agent controls once completed"
    );

    for missing in ["not-a-uuid", "00000000-0000-4000-8000-00000000dead"] {
        let response = session.get(&app, &format!("/engagements/{missing}")).await;
        assert_eq!(response.status(), 404, "{missing}");
    }
}

/// Two agents end the same interaction at once: one ends it, the other is told it has ended
/// (the state changes only from the state read, so both cannot succeed).
#[tokio::test]
async fn of_two_ends_at_once_one_is_refused() {
    let app = spawn_app().await;
    let nothing = json!({});
    for _ in 0..10 {
        let (_, started) = start(
            &app,
            json!({ "configUuid": DEFAULT, "action": "start-chat" }),
        )
        .await;
        let uuid = started["interaction"]["uuid"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/engagements/{uuid}/end");
        let (a, b) = tokio::join!(app.post(&path, &nothing), app.post(&path, &nothing));
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 409],
            "one end succeeds, the other is refused"
        );
    }
}

/// The verification log says whose arrival each widget verification was: `engagement` on each
/// row, `?engagement=` to list one interaction's arrivals, and a wait on it answers with the
/// next append (what a CI job waits for after its page appends during a chat).
#[tokio::test]
async fn the_log_names_each_arrivals_engagement_and_waits_on_one() {
    let app = spawn_app().await;
    let alone = app.verify(None, json!([])).await;
    let (_, started) = start(
        &app,
        json!({ "configUuid": DEFAULT, "action": "start-chat",
                "interactionData": [named("page", "Page", "/pricing")] }),
    )
    .await;
    let uuid = started["interaction"]["uuid"].as_str().unwrap().to_owned();
    let first = started["verdict"]["id"].as_str().unwrap().to_owned();
    let (_, other) = start(
        &app,
        json!({ "configUuid": DEFAULT, "action": "start-chat" }),
    )
    .await;
    assert_ne!(other["interaction"]["uuid"], uuid.as_str());

    let (status, list) = app
        .get(&format!("/api/v1/interactions?engagement={uuid}"))
        .await;
    assert_eq!(status, 200, "{list}");
    let rows = list["interactions"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "only this interaction's arrivals: {list}");
    assert_eq!(rows[0]["id"], first.as_str());
    assert_eq!(rows[0]["engagement"], uuid.as_str());
    let (_, everything) = app.get("/api/v1/interactions").await;
    let verify_row = everything["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["id"] == alone["id"])
        .unwrap()
        .clone();
    assert!(
        verify_row.get("engagement").is_none(),
        "a verify call's row is as it was: {verify_row}"
    );

    // A wait on this interaction answers with its next arrival, not another's.
    let app_url = app.url(&format!(
        "/api/v1/interactions?engagement={uuid}&after={first}&wait=10s"
    ));
    let waiter = tokio::spawn(async move {
        let answer: Value = reqwest::get(app_url).await.unwrap().json().await.unwrap();
        answer
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let other_uuid = other["interaction"]["uuid"].as_str().unwrap();
    append(
        &app,
        other_uuid,
        json!({ "interactionData": [named("page", "Page", "/elsewhere")] }),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!waiter.is_finished(), "woke for another interaction's data");
    let (_, appended) = append(
        &app,
        &uuid,
        json!({ "interactionData": [named("page", "Page", "/checkout")] }),
    )
    .await;
    let answer = waiter.await.unwrap();
    let found = answer["interactions"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{answer}");
    assert_eq!(found[0]["id"], appended["verdict"]["id"], "{appended}");

    let (status, refused) = app.get("/api/v1/interactions?engagement=chat-1").await;
    assert_eq!(status, 400);
    assert_eq!(code(&refused), "invalid_request");
}

/// Data arriving while an agent ends the interaction: the arrival is written only if the
/// interaction is still active under the write lock (the writer reads its state in the write's
/// transaction, and `note_arrival` changes only an active one), so data verified just before an
/// end is refused (`interaction_finalised`) instead of landing on an ended one.
#[tokio::test]
async fn an_arrival_is_kept_only_while_its_interaction_is_still_open() {
    use sqlx::Connection;
    use talkative_emulator::domain::engagement::{EngagementState, Held};
    use talkative_emulator::storage::engagements::{note_arrival, state_and_held};

    let app = spawn_app().await;
    let mut uuids = Vec::new();
    for _ in 0..2 {
        let (_, started) = start(
            &app,
            json!({ "configUuid": DEFAULT, "action": "start-chat" }),
        )
        .await;
        uuids.push(started["interaction"]["uuid"].as_str().unwrap().to_owned());
    }
    let (status, _) = app
        .post(&format!("/api/v1/engagements/{}/end", uuids[1]), &json!({}))
        .await;
    assert_eq!(status, 200);

    let url = format!("sqlite://{}", app.db_dir.path().join("test.db").display());
    let mut connection = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let id_of = async |connection: &mut sqlx::SqliteConnection, uuid: &str| -> i64 {
        sqlx::query_scalar("SELECT id FROM engagements WHERE uuid = ?")
            .bind(uuid)
            .fetch_one(connection)
            .await
            .unwrap()
    };
    let open = id_of(&mut connection, &uuids[0]).await;
    let ended = id_of(&mut connection, &uuids[1]).await;
    let (state, held, _) = state_and_held(&mut connection, ended)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state, EngagementState::Ended);
    assert_eq!(
        note_arrival(&mut connection, open, 1, 0, held)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        note_arrival(&mut connection, ended, 1, 0, Held::default())
            .await
            .unwrap(),
        Some(EngagementState::Ended)
    );
    let updated: i64 = sqlx::query_scalar("SELECT updated_at FROM engagements WHERE id = ?")
        .bind(ended)
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_ne!(updated, 1, "an ended interaction is not touched");
}

/// What one interaction may hold (docs/talkative-compat.md, *Limits*): a page address of at
/// most 2,048 characters, names of at most 191 (Talkative's own), 200 keys. Past a limit, a
/// code and a hint, never a silent cut; data for keys it has still replaces theirs.
#[tokio::test]
async fn every_member_has_a_limit_and_a_full_interaction_says_so() {
    let app = spawn_app().await;
    let long_path = format!("https://shop.example/{}", "p".repeat(2_048 - 21));
    let (status, refused) = start(
        &app,
        json!({ "configUuid": DEFAULT, "action": "start-chat", "path": format!("{long_path}x") }),
    )
    .await;
    assert_eq!(
        (status, code(&refused)),
        (422, "path_too_long"),
        "{refused}"
    );
    assert!(
        refused["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("pathname")
    );
    let (_, listed) = app.get("/api/v1/engagements").await;
    assert_eq!(listed["engagements"], json!([]), "nothing started");

    let (status, refused) = start(
        &app,
        json!({ "configUuid": DEFAULT, "action": "start-chat",
                "interactionData": [named(&"n".repeat(192), "Long", "x")] }),
    )
    .await;
    assert_eq!(
        (status, code(&refused)),
        (422, "item_too_large"),
        "{refused}"
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"name\" of 192")
    );

    let keys = |from: usize, to: usize| -> Value {
        (from..to)
            .map(|i| named(&format!("k{i}"), "Key", "v"))
            .collect::<Vec<_>>()
            .into()
    };
    let (status, started) = start(
        &app,
        json!({ "configUuid": DEFAULT, "action": "start-chat", "path": long_path,
                "interactionData": keys(0, 100) }),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let uuid = started["interaction"]["uuid"].as_str().unwrap().to_owned();
    let (status, _) = append(&app, &uuid, json!({ "interactionData": keys(100, 200) })).await;
    assert_eq!(status, 200);
    let (status, full) = append(&app, &uuid, json!({ "interactionData": keys(200, 201) })).await;
    assert_eq!((status, code(&full)), (409, "interaction_full"), "{full}");
    assert!(
        full["error"]["message"]
            .as_str()
            .unwrap()
            .contains("201 keys"),
        "{full}"
    );
    // Keys it has still take new values; the refused one left no trace.
    let (status, _) = append(
        &app,
        &uuid,
        json!({ "interactionData": [named("k7", "Key", "new")] }),
    )
    .await;
    assert_eq!(status, 200);
    let (_, detail) = app.get(&format!("/api/v1/engagements/{uuid}")).await;
    assert_eq!(detail["holds"]["keys"], 200, "{}", detail["holds"]);
    assert_eq!(detail["holds"]["arrivals"], 3);
    assert_eq!(detail["startUrl"], long_path);
    let view = agent_view(&app, &uuid).await;
    assert_eq!(view.len(), 200);
    assert_eq!(view[7].1, "new");
    // The Core API meets the same limits.
    let token = app.api_key("backend").await;
    let refused = app
        .client
        .post(app.url(&format!(
            "/api/core/v1/interactions/{uuid}/interaction-data"
        )))
        .bearer_auth(&token)
        .json(&json!({ "name": "k999", "data": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
}

/// The list and an interaction's arrivals come a page at a time, whatever they hold.
#[tokio::test]
async fn the_engagements_list_and_an_interactions_arrivals_are_paged() {
    let app = spawn_app().await;
    let mut uuids = Vec::new();
    for _ in 0..55 {
        let (status, started) = start(
            &app,
            json!({ "configUuid": DEFAULT, "action": "start-chat" }),
        )
        .await;
        assert_eq!(status, 201);
        uuids.push(started["interaction"]["uuid"].as_str().unwrap().to_owned());
    }
    let first = uuids[0].clone();
    for i in 0..120 {
        let (status, _) = append(
            &app,
            &first,
            json!({ "interactionData": [named("step", "Step", &i.to_string())] }),
        )
        .await;
        assert_eq!(status, 200);
    }
    // The API: 50 newest, then the rest.
    let (_, page) = app.get("/api/v1/engagements").await;
    assert_eq!(page["engagements"].as_array().unwrap().len(), 50);
    let before = page["nextBefore"].as_i64().unwrap();
    let (_, rest) = app
        .get(&format!("/api/v1/engagements?before={before}"))
        .await;
    assert_eq!(rest["engagements"].as_array().unwrap().len(), 5);
    assert_eq!(rest["nextBefore"], Value::Null);
    assert_eq!(rest["engagements"][4]["uuid"], first);
    // An interaction's arrivals: 100 a page unless asked, each page with its items.
    let (_, detail) = app.get(&format!("/api/v1/engagements/{first}")).await;
    assert_eq!(detail["arrivals"].as_array().unwrap().len(), 100);
    assert_eq!(
        detail["items"].as_array().unwrap().len(),
        99,
        "the start gave nothing"
    );
    assert_eq!(detail["agentView"].as_array().unwrap().len(), 1);
    assert_eq!(detail["agentView"][0]["data"], "119");
    let after = detail["nextAfter"].as_i64().unwrap();
    assert_eq!(after, 99);
    let (_, last) = app
        .get(&format!(
            "/api/v1/engagements/{first}?after={after}&limit=500"
        ))
        .await;
    assert_eq!(last["arrivals"].as_array().unwrap().len(), 21);
    assert_eq!(last["arrivals"][0]["arrival"], 100);
    assert_eq!(last["nextAfter"], Value::Null);
    let (status, refused) = app
        .get(&format!("/api/v1/engagements/{first}?limit=501"))
        .await;
    assert_eq!((status, code(&refused)), (400, "invalid_request"));
    // The portal: 50 rows a page with the way on, and 50 arrivals at a time.
    let list = app.html("/engagements").await;
    assert_eq!(list.matches("<tr>").count() - 1, 50, "one header row");
    assert!(list.contains("1–50 of 55"), "{list}");
    assert!(list.contains("id=\"older-engagements\""));
    let page = app.html(&format!("/engagements/{first}")).await;
    assert_eq!(page.matches("<li id=\"arrival-").count(), 50);
    assert!(page.contains(&format!("/engagements/{first}?after=49")));
    let later = app.html(&format!("/engagements/{first}?after=49")).await;
    assert!(later.contains("<li id=\"arrival-50\""));
    assert!(later.contains("id=\"first-arrivals\""));
}

/// #32: an engagement's page says, per arrival, what was dropped and why, and when an arrival
/// gave the agent nothing, why.
#[tokio::test]
async fn each_arrival_says_what_it_dropped_and_why_it_gave_nothing() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    app.add_field("page").await;
    let token = signer.sign_items(&json!([named("email", "Email", "ada@example.com")]));
    let (status, started) = start(
        &app,
        json!({
            "configUuid": DEFAULT,
            "action": "start-chat",
            "signedInteractionData": token,
            "interactionData": [named("page", "Page", "/pricing"), named("coupon", "Coupon code ", "FREE")],
        }),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let uuid = started["interaction"]["uuid"].as_str().unwrap().to_owned();
    // An append whose one item is dropped, and one with a refused token and nothing else.
    let (status, _) = append(
        &app,
        &uuid,
        json!({ "interactionData": [named("coupon", "Coupon", "AGAIN")] }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = append(
        &app,
        &uuid,
        json!({ "signedInteractionData": "only.two", "interactionData": [] }),
    )
    .await;
    assert_eq!(status, 200);

    let page = app.html(&format!("/engagements/{uuid}")).await;
    let arrival = |n: usize| {
        let start = page.find(&format!("id=\"arrival-{n}\"")).unwrap();
        let end = page[start..]
            .find("</li>\n  <li id=")
            .map_or(page.len(), |e| start + e);
        page[start..end].to_owned()
    };
    let first = arrival(0);
    assert!(
        first.contains("Gave the agent: <code>email</code>"),
        "{first}"
    );
    assert!(
        first.contains("<code>Coupon code<span class=\"ws\"") && first.contains("not_allowlisted"),
        "the dropped coupon, its label's trailing space shown: {first}"
    );
    let second = arrival(1);
    assert!(
        second.contains("Gave the agent nothing: its one item was dropped."),
        "{second}"
    );
    assert!(
        second.contains("<span class=\"reason-code\">not_allowlisted</span>"),
        "{second}"
    );
    let third = arrival(2);
    assert!(
        third.contains("Gave the agent nothing: its token was refused (invalid_segments) and it carried nothing unsigned."),
        "{third}"
    );
}
