//! The Core API from outside: its documents checked by an independent JSON:API implementation
//! (jsonapi-pydantic, pinned; tests/jsonapi/validate.py), and a backend adding data to a chat a
//! Chromium page started through the loader, with the agent's page and
//! `GET …?include=interactionData` agreeing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::browser::serve_page;
use crate::chromium::browser;
use crate::helpers::{TestApp, TestSigner, spawn_app};

const DEFAULT: &str = "00000000-0000-4000-8000-000000000001";

fn python() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/openapi-venv/bin/python")
}

/// jsonapi-pydantic's verdict on each document: `(name, "ok" | why refused)`.
fn validate(documents: &[(&str, Value)]) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, document) in documents {
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, document.to_string()).unwrap();
        files.push(file);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jsonapi/validate.py");
    let output = Command::new(python())
        .arg(script)
        .args(&files)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {}: {e}. Run scripts/install-test-deps.sh.",
                python().display()
            )
        });
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    documents
        .iter()
        .map(|(name, _)| {
            let line = printed
                .lines()
                .find(|l| l.contains(&format!("/{name}.json")))
                .unwrap_or_else(|| panic!("no verdict on {name}: {printed}"));
            let verdict = if line.starts_with("ok ") {
                "ok".to_owned()
            } else {
                line.to_owned()
            };
            ((*name).to_owned(), verdict)
        })
        .collect()
}

/// A Core API call with `token`: status and document.
async fn call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app
        .client
        .request(method, app.url(&format!("/api/core/v1{path}")))
        .bearer_auth(token)
        .header("Accept", "application/vnd.api+json");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn every_kind_of_core_api_document_passes_an_independent_json_api_validator() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    let token = app.api_key("validator").await;
    let mut uuids = Vec::new();
    for n in 0..3 {
        let (status, started) = app
            .post(
                "/api/ecs/v1/interactions",
                &json!({
                    "configUuid": DEFAULT, "action": "start-chat", "path": "https://shop.example/",
                    "signedInteractionData": signer.sign_items(&json!([
                        { "name": "account", "label": "Account", "data": n.to_string(), "type": "string" }
                    ])),
                }),
            )
            .await;
        assert_eq!(status, 201, "{started}");
        uuids.push(started["interaction"]["uuid"].as_str().unwrap().to_owned());
    }
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    let write = |name: &str| json!({ "name": name, "label": name, "data": "x" });
    let mut documents = Vec::new();
    let mut keep = |name: &'static str, (status, document): (u16, Value), expected: u16| {
        assert_eq!(status, expected, "{name}: {document}");
        documents.push((name, document));
    };
    let added = call(
        &app,
        &token,
        post.clone(),
        &format!("/interactions/{}/interaction-data", uuids[0]),
        Some(write("crm")),
    )
    .await;
    keep("created", added, 201);
    let kept = call(
        &app,
        &token,
        post.clone(),
        &format!("/interactions/{}/interaction-data", uuids[0]),
        Some(write("account")),
    )
    .await;
    keep("kept-signed", kept, 200);
    keep(
        "list",
        call(
            &app,
            &token,
            get.clone(),
            "/interactions?page[size]=2",
            None,
        )
        .await,
        200,
    );
    keep(
        "list-included",
        call(
            &app,
            &token,
            get.clone(),
            "/interactions?include=interactionData",
            None,
        )
        .await,
        200,
    );
    keep(
        "list-empty-page",
        call(&app, &token, get.clone(), "/interactions?page=9", None).await,
        200,
    );
    keep(
        "one",
        call(&app, &token, get.clone(), "/interactions/1", None).await,
        200,
    );
    keep(
        "one-included",
        call(
            &app,
            &token,
            get.clone(),
            "/interactions/1?include=interactionData",
            None,
        )
        .await,
        200,
    );
    keep(
        "related",
        call(
            &app,
            &token,
            get.clone(),
            "/interactions/1/interactionData",
            None,
        )
        .await,
        200,
    );
    keep(
        "relationship",
        call(
            &app,
            &token,
            get.clone(),
            "/interactions/1/relationships/interactionData",
            None,
        )
        .await,
        200,
    );
    keep(
        "unauthorized",
        call(&app, "no-such-token", get.clone(), "/interactions", None).await,
        401,
    );
    keep(
        "bad-include",
        call(
            &app,
            &token,
            get.clone(),
            "/interactions?include=user",
            None,
        )
        .await,
        400,
    );
    keep(
        "not-found",
        call(&app, &token, get.clone(), "/interactions/99", None).await,
        404,
    );
    keep(
        "bad-body",
        call(
            &app,
            &token,
            post.clone(),
            &format!("/interactions/{}/interaction-data", uuids[1]),
            Some(json!({ "name": "n", "data": 1 })),
        )
        .await,
        400,
    );
    keep(
        "no-route",
        call(&app, &token, get.clone(), "/users", None).await,
        404,
    );
    let (status, _) = app
        .post(&format!("/api/v1/engagements/{}/end", uuids[2]), &json!({}))
        .await;
    assert_eq!(status, 200);
    keep(
        "finalised",
        call(
            &app,
            &token,
            post,
            &format!("/interactions/{}/interaction-data", uuids[2]),
            Some(write("late")),
        )
        .await,
        409,
    );

    // Two documents broken on purpose: the validator refuses them, so a pass is its verdict.
    let mut both = documents[2].1.clone();
    both["errors"] = json!([{ "status": "500" }]);
    let mut unlinked = documents[6].1.clone();
    unlinked["data"]["relationships"]["interactionData"]["data"] = json!([]);
    documents.push(("broken-data-and-errors", both));
    documents.push(("broken-unlinked-included", unlinked));

    let verdicts = validate(&documents);
    for (name, verdict) in &verdicts {
        if name.starts_with("broken") {
            assert_ne!(verdict, "ok", "{name} was let through");
        } else {
            assert_eq!(verdict, "ok", "{name}");
        }
    }
}

/// A page starts a chat through the loader; the test, as the customer's backend, finds it by
/// the UUID the page has and adds data through the Core API; the agent's page (the portal, in
/// Chromium) and `GET /api/core/v1/interactions/{id}?include=interactionData` agree.
#[tokio::test]
async fn a_backend_adds_data_to_a_chat_a_page_started_and_the_agent_sees_what_the_api_says() {
    let app = spawn_app().await;
    let token = app.api_key("backend").await;
    let page = format!(
        r#"<!doctype html><html lang="en"><title>shop</title>
<script>
window.talkativeCustomConfig = {{ events: {{
  enterStandby() {{
    if (sessionStorage.getItem('started')) return;
    sessionStorage.setItem('started', '1');
    talkativeApi.interactionData.appendInteractionData([
      {{ name: 'email', label: 'Email Address', type: 'string', data: 'visitor@example.com' }},
    ]);
    talkativeApi.actions.triggerAction('start-chat');
  }},
  enterInteraction() {{ window.inChat = true; }},
}} }};
import('{emulator}/api/ecs/v1/loader/{DEFAULT}.js?path=' + encodeURIComponent(location.origin + location.pathname) + '&selectedVersion=');
</script></html>"#,
        emulator = app.address
    );
    let url = serve_page(page);
    let browser = browser().await;
    browser.client.goto(&url).await.unwrap();
    let mut uuid = Value::Null;
    for _ in 0..100 {
        uuid = browser
            .eval("return window.inChat ? talkativeApi.interaction.getInteractionUuid() : null;")
            .await;
        if uuid.is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let uuid = uuid.as_str().expect("the page got into a chat").to_owned();

    // The backend: the numeric id by UUID, then two writes, one overriding the page's email.
    let (status, found) = call(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/interactions?filter[uuid]={uuid}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let id = found["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        found["data"][0]["attributes"]["start_url"],
        json!(url.trim_end_matches('/').to_owned() + "/")
    );
    for body in [
        json!({ "name": "crm_id", "label": "CRM id", "data": "C-42" }),
        json!({ "name": "email", "label": "Email (verified)", "data": "verified@example.com" }),
    ] {
        let (status, answer) = call(
            &app,
            &token,
            reqwest::Method::POST,
            &format!("/interactions/{uuid}/interaction-data"),
            Some(body),
        )
        .await;
        assert_eq!(status, 201, "{answer}");
    }
    let (_, document) = call(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/interactions/{id}?include=interactionData"),
        None,
    )
    .await;
    let from_api: Vec<Vec<String>> = document["included"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let a = &item["attributes"];
            ["name", "label", "data", "provenance"]
                .iter()
                .map(|m| a[m].as_str().unwrap().to_owned())
                .collect()
        })
        .collect();
    assert_eq!(
        from_api,
        [
            [
                "email",
                "Email (verified)",
                "verified@example.com",
                "server"
            ],
            ["crm_id", "CRM id", "C-42", "server"],
        ]
    );

    // The agent's page, as a person opens it.
    browser.open(&app, &format!("/engagements/{uuid}")).await;
    browser
        .wait_for_text("#agent-view", "verified@example.com")
        .await;
    let on_page = browser
        .eval(
            "return [...document.querySelectorAll('#agent-view tbody tr')].map((row) => \
             [...row.cells].slice(0, 4).map((cell) => cell.textContent.trim()));",
        )
        .await;
    assert_eq!(on_page, json!(from_api));
    // The timeline names where each arrival came from.
    browser
        .wait_for_text(".arrivals", "Core API (backend)")
        .await;
    browser.screenshot("core-api-agent-view").await;
    browser.close().await;
}
