//! "Copy as curl" on an interaction's page, run with the real curl (#31): for each kind of
//! arrival (the verify endpoint, a widget's start, a page's append, a backend's Core API write)
//! the command goes to the endpoint it came in by, in its interaction's context, and gets the
//! same verdict.

use tokio::process::Command;

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestSigner, spawn_app};

const DEFAULT: &str = "00000000-0000-4000-8000-000000000001";

fn named(name: &str, label: &str, data: &str) -> Value {
    json!({ "name": name, "label": label, "data": data, "type": "string" })
}

/// The newest entry of the log.
async fn newest(app: &TestApp) -> Value {
    let (_, log) = app.get("/api/v1/interactions?limit=1").await;
    log["interactions"][0].clone()
}

/// What a verdict decided: the signature's status and code, what was accepted (name, source)
/// and what was dropped (name, code).
fn decided(verdict: &Value) -> Value {
    let list = |key: &str, what: &str| -> Vec<Value> {
        verdict[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                let why = if what == "source" {
                    &item["source"]
                } else {
                    &item["reason"]["code"]
                };
                json!([
                    item["name"]
                        .as_str()
                        .unwrap_or(item["label"].as_str().unwrap()),
                    why
                ])
            })
            .collect()
    };
    json!({
        "signature": [verdict["signature"]["status"], verdict["signature"]["error"]["code"]],
        "accepted": list("accepted", "source"),
        "rejected": list("rejected", "reason"),
    })
}

/// The page's curl, as a person copies it (the text of `<pre id="curl">`), and its note.
async fn copied_curl(app: &TestApp, id: &str) -> (String, String) {
    let html = app.html(&format!("/interactions/{id}")).await;
    let text_of = |element_id: &str| {
        let start = html
            .find(&format!("id=\"{element_id}\">"))
            .unwrap_or_else(|| panic!("no #{element_id} on the page"))
            + element_id.len()
            + 6;
        let end = start + html[start..].find("</").unwrap();
        html[start..end]
            .replace("&quot;", "\"")
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    (text_of("curl"), text_of("curl-note"))
}

/// Runs `command` in sh without blocking the runtime the app under test answers on.
async fn run_in_shell(command: &str, api_key: &str) -> String {
    let output = Command::new("sh")
        .args(["-c", command])
        .env("TALKATIVE_API_KEY", api_key)
        .output()
        .await
        .expect("sh and curl (scripts/install-test-deps.sh installs curl)");
    assert!(output.status.success(), "{command}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn every_kind_of_arrival_is_replayed_by_its_curl_with_the_same_verdict() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    app.add_field("page").await;
    let api_key = app.api_key("crm").await;
    let token = signer.sign_items(&json!([named("email", "Email Address", "ann@example.com")]));
    let client = reqwest::Client::new();

    // 1. The verify endpoint: one signed item, one allowlisted, one dropped.
    let (status, _) = app
        .post(
            "/api/v1/verify",
            &json!({
                "signedInteractionData": token,
                "interactionData": [named("page", "Page", "/pricing"), named("coupon", "Coupon", "FREE")],
            }),
        )
        .await;
    assert_eq!(status, 200);
    let verified = newest(&app).await;

    // 2. A widget's start, as the loader sends it.
    let (status, started) = app
        .post(
            "/api/ecs/v1/interactions",
            &json!({
                "configUuid": DEFAULT,
                "action": "start-chat",
                "path": "https://shop.example/pricing",
                "signedInteractionData": token,
                "interactionData": [named("page", "Page", "/pricing")],
            }),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let uuid = started["interaction"]["uuid"].as_str().unwrap().to_owned();
    let start = newest(&app).await;

    // 3. The page's append: an unsigned email is dropped because the chat holds a signed one.
    let (status, appended) = app
        .post(
            &format!("/api/ecs/v1/interactions/{uuid}/interaction-data"),
            &json!({ "interactionData": [named("email", "Email", "spoof@evil"), named("page", "Page", "/checkout")] }),
        )
        .await;
    assert_eq!(status, 200, "{appended}");
    let append = newest(&app).await;
    assert!(
        decided(&append["verdict"])["rejected"]
            .to_string()
            .contains("overridden_by_signed"),
        "{append}"
    );

    // 4. The backend's Core API write.
    let written = client
        .post(app.url(&format!(
            "/api/core/v1/interactions/{uuid}/interaction-data"
        )))
        .bearer_auth(&api_key)
        .json(&json!({ "name": "crm_id", "label": "CRM id", "data": "C-42" }))
        .send()
        .await
        .unwrap();
    assert_eq!(written.status(), 201);
    let core = newest(&app).await;

    for (kind, original, endpoint) in [
        ("verify", &verified, "/api/v1/verify"),
        ("start", &start, "/api/ecs/v1/interactions"),
        (
            "append",
            &append,
            &format!("/api/ecs/v1/interactions/{uuid}/interaction-data")[..],
        ),
        (
            "core api",
            &core,
            &format!("/api/core/v1/interactions/{uuid}/interaction-data")[..],
        ),
    ] {
        let (curl, note) = copied_curl(&app, original["id"].as_str().unwrap()).await;
        assert!(
            curl.contains(&format!("{}{endpoint} ", app.address)),
            "{kind}: {curl}"
        );
        assert!(!note.is_empty(), "{kind}");
        run_in_shell(&curl, &api_key).await;
        let again = newest(&app).await;
        assert_ne!(
            again["id"], original["id"],
            "{kind}: nothing new was recorded"
        );
        assert_eq!(
            decided(&again["verdict"]),
            decided(&original["verdict"]),
            "{kind}: {curl}"
        );
        assert_eq!(again["source"], original["source"], "{kind}");
    }
}
