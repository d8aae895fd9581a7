//! Talkative's Core API, emulated (`/api/core/v1`): API keys and who they open, the JSON:API
//! interactions list and its pages, one interaction with its data included, and data written
//! from a backend (override by name, refused once finalised, never over signed data). Every
//! answer goes through the contract-checked client, so it is also held to the OpenAPI document.

use std::collections::HashSet;

use serde_json::{Value, json};
use talkative_emulator::auth::AdminCredential;

use crate::helpers::{TestApp, TestSigner, spawn_app, spawn_app_with};

const DEFAULT_CONFIG: &str = "00000000-0000-4000-8000-000000000001";

/// A chat started through the widget's endpoint, as the loader starts one: its UUID and id.
async fn start_chat(app: &TestApp, body: Value) -> (String, i64) {
    let mut start = json!({ "configUuid": DEFAULT_CONFIG, "action": "start-chat",
        "path": "https://shop.example/checkout" });
    start
        .as_object_mut()
        .unwrap()
        .extend(body.as_object().unwrap().clone());
    let (status, started) = app.post("/api/ecs/v1/interactions", &start).await;
    assert_eq!(status, 201, "{started}");
    (
        started["interaction"]["uuid"].as_str().unwrap().to_owned(),
        started["interaction"]["id"].as_i64().unwrap(),
    )
}

/// `GET` on the Core API with `token`: status, content type and body.
async fn core_get(app: &TestApp, token: &str, path: &str) -> (u16, String, Value) {
    let response = app
        .client
        .get(app.url(&format!("/api/core/v1{path}")))
        .bearer_auth(token)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.json().await.unwrap())
}

/// A `GET` of an absolute link the API gave.
async fn follow(app: &TestApp, token: &str, link: &Value) -> Value {
    let response = app
        .client
        .get(link.as_str().unwrap())
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{link}");
    response.json().await.unwrap()
}

async fn post_data(app: &TestApp, token: &str, uuid: &str, body: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!(
            "/api/core/v1/interactions/{uuid}/interaction-data"
        )))
        .bearer_auth(token)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn error_code(body: &Value) -> &str {
    body["errors"][0]["code"].as_str().unwrap_or_default()
}

/// The included data as `(name, data, provenance)`.
fn included(document: &Value) -> Vec<(String, String, String)> {
    document["included"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let a = &item["attributes"];
            (
                a["name"].as_str().unwrap_or_default().to_owned(),
                a["data"].as_str().unwrap().to_owned(),
                a["provenance"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn keys_open_the_core_api_only_and_passwords_never_do() {
    const PASSWORD: &str = "admin password";
    let app =
        spawn_app_with(|s| s.admin = Some(AdminCredential::from_password(PASSWORD).unwrap())).await;
    let made = app
        .client
        .post(app.url("/api/v1/api-keys"))
        .bearer_auth(PASSWORD)
        .json(&json!({ "name": "CI backend" }))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    assert_eq!(made.headers()["cache-control"], "no-store");
    let made: Value = made.json().await.unwrap();
    let token = made["token"].as_str().unwrap().to_owned();
    let id = made["apiKey"]["id"].as_i64().unwrap();
    assert!(token.starts_with("tke_"), "{token}");

    let list = |auth: Option<String>| {
        let mut request = app.client.get(app.url("/api/core/v1/interactions"));
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let challenge = response
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_owned());
            let body: Value = response.json().await.unwrap();
            (status, challenge, body)
        }
    };
    let (status, _, body) = list(Some(format!("Bearer {token}"))).await;
    assert_eq!(status, 200, "{body}");
    for (auth, detail) in [
        (None, "needs an API key"),
        (Some("Bearer ".to_owned()), "needs an API key"),
        (Some(format!("Basic {token}")), "needs an API key"),
        (
            Some(format!("Bearer {token}x")),
            "No API key has this token",
        ),
        (
            Some(format!("Bearer {PASSWORD}")),
            "No API key has this token",
        ),
    ] {
        let (status, challenge, body) = list(auth.clone()).await;
        assert_eq!(status, 401, "{auth:?}: {body}");
        assert_eq!(error_code(&body), "unauthorized", "{body}");
        assert!(
            body["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .contains(detail),
            "{auth:?}: {body}"
        );
        assert_eq!(
            challenge.as_deref(),
            Some("Bearer realm=\"talkative-core-api\"")
        );
    }
    // A Core API token opens no management route.
    let management = app
        .client
        .get(app.url("/api/v1/api-keys"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(management.status(), 401);

    // Listed without the token; revoked, it opens nothing, and says why.
    let listed = app
        .client
        .get(app.url("/api/v1/api-keys"))
        .bearer_auth(PASSWORD)
        .send()
        .await
        .unwrap();
    let listed = listed.text().await.unwrap();
    assert!(!listed.contains(&token), "the list echoes the token");
    assert!(listed.contains(&token[token.len() - 4..]), "{listed}");
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert!(
        listed["apiKeys"][0]["lastUsedAt"].is_string(),
        "a use is noted: {listed}"
    );
    let revoked = app
        .client
        .delete(app.url(&format!("/api/v1/api-keys/{id}")))
        .bearer_auth(PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let revoked: Value = revoked.json().await.unwrap();
    assert!(revoked["revokedAt"].is_string(), "{revoked}");
    assert!(revoked.get("token").is_none());
    let (status, _, body) = list(Some(format!("Bearer {token}"))).await;
    assert_eq!(status, 401);
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("revoked"),
        "{body}"
    );
}

#[tokio::test]
async fn the_config_file_installs_a_token_ci_knows_and_a_reset_keeps_it() {
    const TOKEN: &str = "ci-known-token-0123456789abcdef";
    let app = spawn_app_with(|s| {
        s.config_file.api_keys = vec![(
            talkative_emulator::domain::api_key::ApiKeyName::parse("CI").unwrap(),
            talkative_emulator::domain::api_key::ApiToken::parse(TOKEN).unwrap(),
        )]
    })
    .await;
    let (status, _, _) = core_get(&app, TOKEN, "/interactions").await;
    assert_eq!(status, 200);
    let made = app.api_key("by hand").await;
    let (status, reset) = app.post("/api/v1/reset", &json!({})).await;
    assert_eq!(status, 200, "{reset}");
    assert_eq!(core_get(&app, TOKEN, "/interactions").await.0, 200);
    assert_eq!(
        core_get(&app, &made, "/interactions").await.0,
        401,
        "a reset wipes keys made by hand"
    );
    let (_, keys) = app.get("/api/v1/api-keys").await;
    assert_eq!(keys["apiKeys"][0]["fromConfig"], true, "{keys}");
}

#[tokio::test]
async fn the_list_pages_through_a_thousand_interactions() {
    let app = spawn_app().await;
    let token = app.api_key("pager").await;
    // A thousand chats, a few at a time.
    let mut expected = Vec::new();
    for batch in 0..125 {
        let starts = (0..8).map(|i| {
            let app = &app;
            async move {
                let n = batch * 8 + i;
                start_chat(
                    app,
                    json!({ "interactionData": [{ "name": "n", "label": "n", "data": n.to_string(), "type": "string" }] }),
                )
                .await
            }
        });
        for (uuid, id) in futures_util::future::join_all(starts).await {
            expected.push((id, uuid));
        }
    }
    expected.sort();

    // Following `next` from the first page, 100 a page: every interaction once, oldest first.
    let (status, content_type, mut page) =
        core_get(&app, &token, "/interactions?page[size]=100").await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/json");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        assert_eq!(page["meta"]["total"], 1000);
        assert_eq!(page["meta"]["last_page"], 10);
        assert_eq!(page["meta"]["current_page"], pages);
        assert_eq!(page["meta"]["from"], (pages - 1) * 100 + 1);
        assert_eq!(page["meta"]["to"], pages * 100);
        for resource in page["data"].as_array().unwrap() {
            assert_eq!(resource["type"], "interactions");
            seen.push((
                resource["id"].as_str().unwrap().parse::<i64>().unwrap(),
                resource["attributes"]["uuid"].as_str().unwrap().to_owned(),
            ));
        }
        if pages == 1 {
            assert!(page["links"]["prev"].is_null());
        } else {
            assert!(page["links"]["prev"].is_string());
        }
        if page["links"]["next"].is_null() {
            assert_eq!(page["links"]["self"], page["links"]["last"]);
            break;
        }
        page = follow(&app, &token, &page["links"]["next"]).await;
    }
    assert_eq!(pages, 10);
    assert_eq!(seen, expected);

    // The other spellings, the default size, newest first, past the end, one by UUID.
    let (_, _, default) = core_get(&app, &token, "/interactions").await;
    assert_eq!(default["data"].as_array().unwrap().len(), 15);
    assert_eq!(default["meta"]["last_page"], 67);
    let (_, _, laravel) = core_get(&app, &token, "/interactions?page=3&per_page=20").await;
    assert_eq!(
        laravel["data"][0]["id"],
        expected[40].0.to_string(),
        "{laravel}"
    );
    let (_, _, newest) = core_get(&app, &token, "/interactions?sort=-id&page[size]=1").await;
    assert_eq!(newest["data"][0]["id"], expected[999].0.to_string());
    assert!(
        newest["links"]["next"]
            .as_str()
            .unwrap()
            .contains("sort=-id"),
        "links keep the sort: {newest}"
    );
    let (status, _, past) = core_get(&app, &token, "/interactions?page=99").await;
    assert_eq!(status, 200);
    assert_eq!(past["data"], json!([]));
    assert!(past["meta"]["from"].is_null() && past["links"]["next"].is_null());
    let (uuid_500_id, uuid_500) = &expected[500];
    let (_, _, one) = core_get(
        &app,
        &token,
        &format!("/interactions?filter[uuid]={uuid_500}"),
    )
    .await;
    assert_eq!(one["meta"]["total"], 1);
    assert_eq!(one["data"][0]["id"], uuid_500_id.to_string());

    // What the list cannot do is said, not defaulted.
    for (query, code) in [
        ("?page[size]=101", "invalid_request"),
        ("?page=0", "invalid_request"),
        ("?limit=5", "invalid_request"),
        ("?sort=name", "invalid_request"),
        ("?include=customer", "unsupported_include"),
    ] {
        let (status, _, body) = core_get(&app, &token, &format!("/interactions{query}")).await;
        assert_eq!((status, error_code(&body)), (400, code), "{query}: {body}");
        assert!(
            body["errors"][0]["source"]["parameter"].is_string(),
            "{body}"
        );
    }
}

#[tokio::test]
async fn one_interaction_includes_what_its_agent_sees_and_backend_data_overrides_by_name() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    app.add_field("email").await;
    let token = app.api_key("backend").await;
    let signed = signer.sign_items(&json!([
        { "name": "account", "label": "Account", "data": "42", "type": "string" }
    ]));
    let (uuid, id) = start_chat(
        &app,
        json!({
            "signedInteractionData": signed,
            "interactionData": [{ "name": "email", "label": "Email", "data": "old@b.c", "type": "string" }],
        }),
    )
    .await;

    // By numeric id, with its data: the page's start data, signed and allowlisted.
    let (status, _, document) = core_get(
        &app,
        &token,
        &format!("/interactions/{id}?include=interactionData"),
    )
    .await;
    assert_eq!(status, 200, "{document}");
    assert_eq!(document["data"]["type"], "interaction");
    assert_eq!(document["data"]["attributes"]["uuid"], uuid);
    assert_eq!(document["data"]["attributes"]["chat"], true);
    assert_eq!(document["data"]["attributes"]["ended"], false);
    assert_eq!(
        document["data"]["attributes"]["start_url"],
        "https://shop.example/checkout"
    );
    assert_eq!(
        included(&document),
        [
            ("account".into(), "42".into(), "signed".into()),
            ("email".into(), "old@b.c".into(), "allowlisted".into())
        ]
    );
    // Full linkage: the relationship names exactly what is included.
    let linked: HashSet<String> = document["data"]["relationships"]["interactionData"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    let shown: HashSet<String> = document["included"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(linked, shown);
    // Without include, no included member and no linkage, only links.
    let (_, _, bare) = core_get(&app, &token, &format!("/interactions/{id}")).await;
    assert!(bare.get("included").is_none(), "{bare}");
    assert!(bare["data"]["relationships"]["interactionData"]["data"].is_null());

    // The backend adds a name the agent has not got, then overrides one it has: not held to
    // the Unsigned fields page (it is authenticated), and the latest value wins.
    let (status, added) = post_data(
        &app,
        &token,
        &uuid,
        r#"{"name": "crm_id", "label": "CRM id", "data": "C-17"}"#,
    )
    .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["meta"]["applied"], true);
    assert_eq!(added["meta"]["replaced"], false);
    assert_eq!(added["data"]["attributes"]["provenance"], "server");
    assert_eq!(added["data"]["attributes"]["source"], "core_api");
    let (status, replaced) = post_data(
        &app,
        &token,
        &uuid,
        r#"{"name": "email", "label": "Email address", "data": "new@b.c"}"#,
    )
    .await;
    assert_eq!(status, 201, "{replaced}");
    assert_eq!(replaced["meta"]["replaced"], true);

    // Signed data is never replaced: received, logged, and said so.
    let (status, kept) = post_data(
        &app,
        &token,
        &uuid,
        r#"{"name": "account", "label": "Account", "data": "666"}"#,
    )
    .await;
    assert_eq!(status, 200, "{kept}");
    assert_eq!(kept["meta"]["applied"], false);
    assert_eq!(kept["meta"]["code"], "overridden_by_signed");
    assert!(kept["data"].is_null());

    let (_, _, document) = core_get(
        &app,
        &token,
        &format!("/interactions/{id}?include=interactionData"),
    )
    .await;
    let view = included(&document);
    assert_eq!(
        view,
        [
            ("account".into(), "42".into(), "signed".into()),
            ("email".into(), "new@b.c".into(), "server".into()),
            ("crm_id".into(), "C-17".into(), "server".into()),
        ]
    );
    // The agent view the portal and the management API show is the same.
    let (_, detail) = app.get(&format!("/api/v1/engagements/{uuid}")).await;
    let agent: Vec<(String, String, String)> = detail["agentView"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_owned(),
                i["data"].as_str().unwrap().to_owned(),
                i["provenance"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(agent, view);
    // The relationship's two links answer the same items.
    let related = follow(
        &app,
        &token,
        &document["data"]["relationships"]["interactionData"]["links"]["related"],
    )
    .await;
    assert_eq!(related["data"], document["included"]);
    let linkage = follow(
        &app,
        &token,
        &document["data"]["relationships"]["interactionData"]["links"]["self"],
    )
    .await;
    assert_eq!(
        linkage["data"],
        document["data"]["relationships"]["interactionData"]["data"]
    );

    // Each backend write is in the verification log, as the Core API's, on its interaction.
    let (_, log) = app
        .get(&format!("/api/v1/interactions?engagement={uuid}"))
        .await;
    let sources: Vec<&str> = log["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["core_api", "core_api", "core_api", "widget"]);
    let from_backend: Vec<Value> = log["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let verdict = &row["verdict"];
            let item = verdict["accepted"]
                .get(0)
                .or(verdict["rejected"].get(0))
                .unwrap();
            json!([item["name"], item["source"]])
        })
        .collect();
    assert_eq!(
        from_backend,
        [
            json!(["account", "server"]),
            json!(["email", "server"]),
            json!(["crm_id", "server"]),
            json!(["account", "signed"])
        ],
        "{log}"
    );

    // JSON:API's own media type, to a client that asks for it.
    let response = app
        .client
        .get(app.url(&format!("/api/core/v1/interactions/{id}")))
        .bearer_auth(&token)
        .header("Accept", "application/vnd.api+json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.api+json"
    );
}

#[tokio::test]
async fn a_finalised_interaction_refuses_data_and_bad_bodies_say_what_is_wrong() {
    let app = spawn_app().await;
    let token = app.api_key("backend").await;
    let (uuid, id) = start_chat(&app, json!({})).await;

    for (body, code, pointer) in [
        (r#"{"label": "x", "data": "y"}"#, "invalid_request", None),
        (
            r#"{"name": " ", "data": "y"}"#,
            "invalid_request",
            Some("/name"),
        ),
        (
            r#"{"name": "n", "data": 42}"#,
            "invalid_request",
            Some("/data"),
        ),
        (
            r#"{"name": "n", "data": "y", "extra": 1}"#,
            "invalid_request",
            None,
        ),
        (
            r#"{"data": {"type": "interactionData", "attributes": {"name": "n", "data": "y"}}}"#,
            "invalid_request",
            Some("/data"),
        ),
        ("[1]", "invalid_request", None),
        ("not json", "invalid_request", None),
    ] {
        let (status, answer) = post_data(&app, &token, &uuid, body).await;
        assert_eq!(
            (status, error_code(&answer)),
            (400, code),
            "{body}: {answer}"
        );
        assert_eq!(
            answer["errors"][0]["source"]["pointer"].as_str(),
            pointer,
            "{body}: {answer}"
        );
        assert!(answer["errors"][0]["meta"]["hint"].is_string());
    }
    let (status, answer) =
        post_data(&app, &token, &id.to_string(), r#"{"name":"n","data":"y"}"#).await;
    assert_eq!(
        (status, error_code(&answer)),
        (404, "interaction_not_found")
    );
    assert!(
        answer["errors"][0]["meta"]["hint"]
            .as_str()
            .unwrap()
            .contains("not its numeric id"),
        "{answer}"
    );
    let (status, _, answer) = core_get(&app, &token, &format!("/interactions/{uuid}")).await;
    assert_eq!(
        (status, error_code(&answer)),
        (404, "interaction_not_found")
    );

    // The agent ends it: nothing more is stored (Talkative: only non-finalised interactions
    // store data), then it completes: still nothing.
    for step in ["end", "complete"] {
        let (status, _) = app
            .post(&format!("/api/v1/engagements/{uuid}/{step}"), &json!({}))
            .await;
        assert_eq!(status, 200);
        let (status, answer) =
            post_data(&app, &token, &uuid, r#"{"name":"late","data":"x"}"#).await;
        assert_eq!(
            (status, error_code(&answer)),
            (409, "interaction_finalised"),
            "{step}: {answer}"
        );
    }
    let (_, _, document) = core_get(
        &app,
        &token,
        &format!("/interactions/{id}?include=interactionData"),
    )
    .await;
    assert_eq!(document["included"], json!([]));
    let attributes = &document["data"]["attributes"];
    assert_eq!(attributes["ended"], true);
    assert!(attributes["ended_at"].is_string() && attributes["completed_at"].is_string());
    assert_eq!(attributes["end_url"], attributes["start_url"]);
}

#[tokio::test]
async fn each_key_has_its_own_rate_limit_and_the_list_envelope_is_there_when_asked_for() {
    let app = spawn_app_with(|s| {
        s.core_api_rate_limit = 1;
        s.core_api_list_envelope = true;
    })
    .await;
    let busy = app.api_key("busy").await;
    let calm = app.api_key("calm").await;
    // A burst of two, then refused with Retry-After.
    for _ in 0..2 {
        assert_eq!(core_get(&app, &busy, "/interactions").await.0, 200);
    }
    let response = app
        .client
        .get(app.url("/api/core/v1/interactions"))
        .bearer_auth(&busy)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "rate_limited");
    // The other key is not held back by the first.
    let (status, _, listed) = core_get(&app, &calm, "/interactions").await;
    assert_eq!(status, 200);
    // Enveloped as the Retrieving All Interactions article's example is.
    assert_eq!(listed["headers"], json!([]));
    assert_eq!(listed["original"]["meta"]["total"], 0);
}

/// Tokens are shown once, in the answer that makes them: not in the server's log (at debug
/// level, JSON lines), not in the database files, not in the interaction log, not in lists.
#[tokio::test]
async fn tokens_are_never_logged_stored_or_echoed() {
    const CONFIG_TOKEN: &str = "config-token-from-env-0123456789";
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("emulator.toml");
    std::fs::write(
        &config,
        "[[api_keys]]\nname = \"CI\"\ntoken_env = \"TEST_CORE_API_TOKEN\"\n",
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_talkative-emulator"))
        .args([
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--log-format",
            "json",
        ])
        .arg("--config")
        .arg(&config)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("tokens.db").display()),
        )
        .env("RUST_LOG", "debug")
        .env("TEST_CORE_API_TOKEN", CONFIG_TOKEN)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read as it comes: a debug log fills a pipe nobody reads, and the server then blocks.
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut log = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut log).unwrap();
        log
    });
    let base = format!("http://127.0.0.1:{port}");
    assert!(crate::helpers::answers_soon(&base).await);
    let client = crate::helpers::CheckedClient::new();
    let made: Value = client
        .post(format!("{base}/api/v1/api-keys"))
        .json(&json!({ "name": "made here" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = made["token"].as_str().unwrap().to_owned();
    let id = made["apiKey"]["id"].as_i64().unwrap();
    // A chat, and every kind of Core API call with each token: reads, a write, a refusal.
    let started: Value = client
        .post(format!("{base}/api/ecs/v1/interactions"))
        .json(&json!({ "configUuid": DEFAULT_CONFIG, "action": "start-chat" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uuid = started["interaction"]["uuid"].as_str().unwrap();
    for bearer in [token.as_str(), CONFIG_TOKEN] {
        let listed = client
            .get(format!(
                "{base}/api/core/v1/interactions?include=interactionData"
            ))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.status(), 200);
        let written = client
            .post(format!(
                "{base}/api/core/v1/interactions/{uuid}/interaction-data"
            ))
            .bearer_auth(bearer)
            .json(&json!({ "name": "crm", "label": "CRM", "data": "x" }))
            .send()
            .await
            .unwrap();
        assert_eq!(written.status(), 201);
        let wrong = client
            .get(format!("{base}/api/core/v1/interactions"))
            .bearer_auth(format!("{bearer}-typo"))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);
    }
    let revoked = client
        .delete(format!("{base}/api/v1/api-keys/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let mut echoed = String::new();
    for path in [
        "/api/v1/api-keys".to_owned(),
        format!("/api/v1/api-keys/{id}"),
        "/api/v1/interactions".to_owned(),
        format!("/api/v1/engagements/{uuid}"),
        "/api-keys".to_owned(),
        "/interactions".to_owned(),
    ] {
        let response = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        echoed.push_str(&response.text().await.unwrap());
    }
    assert!(
        echoed.contains("made here") && echoed.contains("\"CI\""),
        "the lists were read"
    );

    let terminated = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    child.wait().unwrap();
    let log = reader.join().unwrap();
    assert!(log.contains("Core API: interaction data"), "{log}");
    assert!(log.contains("made here"), "the log names keys: {log}");
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        stored.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let stored = String::from_utf8_lossy(&stored);
    for secret in [token.as_str(), CONFIG_TOKEN] {
        // Any 16 characters of it, not only the whole.
        let part = &secret[4..20];
        assert!(!log.contains(part), "the server log has a token");
        assert!(!echoed.contains(part), "an answer or page echoes a token");
        // The config file holds none either: it names the variable.
        assert!(
            !stored.contains(part),
            "a file under the database's folder has a token"
        );
    }
}

/// The API Keys page: a key made there shows its token on that answer only (not cached), the
/// list afterwards shows its last four characters, a blank name is refused in the form, and a
/// revoke asks first, then the token opens nothing.
#[tokio::test]
async fn the_api_keys_page_shows_a_token_once_and_revokes_with_confirmation() {
    let app = spawn_app().await;
    let browser = crate::helpers::FormSession::open(&app, "/api-keys").await;
    let blank = browser.submit(&app, "/api-keys", &[("name", "  ")]).await;
    assert_eq!(blank.status(), 422);
    assert!(blank.text().await.unwrap().contains("invalid_api_key"));

    let made = browser
        .submit(&app, "/api-keys", &[("name", "Portal <key>")])
        .await;
    assert_eq!(made.status(), 201);
    assert_eq!(made.headers()["cache-control"], "no-store");
    let html = made.text().await.unwrap();
    assert!(
        html.contains("Portal &#60;key&#62;") && !html.contains("<key>"),
        "escaped name"
    );
    let token = html
        .split("<pre id=\"token\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap()
        .to_owned();
    assert!(token.starts_with("tke_"), "{token}");
    assert_eq!(core_get(&app, &token, "/interactions").await.0, 200);

    let list = browser.get(&app, "/api-keys").await.text().await.unwrap();
    assert!(!list.contains(&token), "the list shows the token again");
    assert!(list.contains(&format!("…{}", &token[token.len() - 4..])));
    let confirm = browser.get(&app, "/api-keys/1/revoke").await;
    assert_eq!(confirm.status(), 200);
    assert!(confirm.text().await.unwrap().contains("Revoke API key"));
    assert_eq!(
        core_get(&app, &token, "/interactions").await.0,
        200,
        "asking is not revoking"
    );
    let revoked = browser.submit(&app, "/api-keys/1/revoke", &[]).await;
    assert!(revoked.status().is_success() || revoked.status().is_redirection());
    assert_eq!(core_get(&app, &token, "/interactions").await.0, 401);
    let list = browser.get(&app, "/api-keys").await.text().await.unwrap();
    assert!(list.contains("revoked"), "{list}");
    assert_eq!(browser.get(&app, "/api-keys/99/revoke").await.status(), 404);
}

/// The probe of December 2026: tokens that open no key were never throttled (each is a lookup),
/// and a cross-site request with a valid key had its key's `lastUsedAt` updated before its 403.
/// Now guesses are charged to their client (ten, then one every six seconds, as admin password
/// guesses are), a refused request leaves no mark, and forwarded headers from an untrusted
/// client do not move the API's links.
#[tokio::test]
async fn guesses_are_throttled_and_a_refused_request_leaves_no_mark() {
    let app = spawn_app().await;
    let token = app.api_key("backend").await;
    let last_used = async || {
        let (_, keys) = app.get("/api/v1/api-keys").await;
        keys["apiKeys"][0]["lastUsedAt"].clone()
    };
    // A page on another site holding the key: refused, and the key not noted used.
    let refused = app
        .client
        .get(app.url("/api/core/v1/interactions"))
        .bearer_auth(&token)
        .header("Origin", "https://evil.example")
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(
        last_used().await,
        Value::Null,
        "a refused request was noted"
    );
    // A script's request is.
    let (status, _, listed) = core_get(&app, &token, "/interactions").await;
    assert_eq!(status, 200);
    assert!(last_used().await.is_string());
    // Links are this server's, whatever an untrusted client says it was asked as.
    let forwarded = app
        .client
        .get(app.url("/api/core/v1/interactions"))
        .bearer_auth(&token)
        .header("X-Forwarded-Host", "evil.example")
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    let forwarded: Value = forwarded.json().await.unwrap();
    assert_eq!(forwarded["links"], listed["links"]);
    assert!(
        forwarded["links"]["self"]
            .as_str()
            .unwrap()
            .starts_with(&app.address)
    );

    // A local test suite trying its error handling is not throttled (loopback, as for verify)…
    for guess in 0..20 {
        let (status, _, _) = core_get(&app, &format!("tke_local{guess}"), "/interactions").await;
        assert_eq!(status, 401);
    }
    // …other clients are: ten guesses answered 401, then 429 with Retry-After before any
    // lookup (loopback standing in for them here).
    let app = spawn_app_with(|s| s.rate_limit_loopback = true).await;
    for guess in 0..10 {
        let (status, _, body) = core_get(&app, &format!("tke_guess{guess}"), "/interactions").await;
        assert_eq!(
            (status, error_code(&body)),
            (401, "unauthorized"),
            "{guess}"
        );
    }
    let throttled = app
        .client
        .get(app.url("/api/core/v1/interactions"))
        .bearer_auth("tke_guess10")
        .send()
        .await
        .unwrap();
    assert_eq!(throttled.status(), 429);
    assert!(throttled.headers().contains_key("retry-after"));
    let body: Value = throttled.json().await.unwrap();
    assert_eq!(error_code(&body), "rate_limited");
}

/// Data the backend wrote carries no signature because none is asked of it: the log says
/// "server data" for it, not "absent" (#31), on the list and on its page.
#[tokio::test]
async fn the_portal_calls_core_api_writes_server_data_not_an_absent_signature() {
    let app = spawn_app().await;
    let token = app.api_key("backend").await;
    let (status, started) = app
        .post(
            "/api/ecs/v1/interactions",
            &serde_json::json!({
                "configUuid": "00000000-0000-4000-8000-000000000001",
                "action": "start-chat",
                "path": "https://shop.example/",
            }),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let uuid = started["interaction"]["uuid"].as_str().unwrap();
    let written = reqwest::Client::new()
        .post(app.url(&format!(
            "/api/core/v1/interactions/{uuid}/interaction-data"
        )))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "name": "crm_id", "label": "CRM id", "data": "C-42" }))
        .send()
        .await
        .unwrap();
    assert_eq!(written.status(), 201);
    let (_, log) = app.get("/api/v1/interactions?limit=1").await;
    let id = log["interactions"][0]["id"].as_str().unwrap();
    let page = app.html(&format!("/interactions/{id}")).await;
    assert!(page.contains(">server data</span>"), "{page}");
    assert!(!page.contains(">absent</span>"), "{page}");
    let list = app.html("/interactions").await;
    assert!(list.contains(">server data</span>"), "{list}");
    // The start carried no data at all: still "absent" there.
    assert!(list.contains(">absent</span>"), "{list}");
}
