//! The in-memory policy the verify path reads is updated in place by each management write
//! (not reloaded), so it is checked against the database after arbitrary sequences of writes:
//! a key verifies exactly when the API lists it active, and an unsigned label passes exactly
//! when the API lists it. Plus the cap on active keys.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

use crate::helpers::{FormSession, TestApp, TestSigner, code, items, spawn_app};

#[derive(Debug, Clone)]
enum Op {
    AddKey(usize),
    SetActive(usize, bool),
    Rename(usize),
    DeleteKey(usize),
    Allow(usize),
    Disallow(usize),
}

const KEYS: usize = 4;
const LABELS: &[&str] = &["page", "utm", "coupon"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..KEYS).prop_map(Op::AddKey),
        (0..KEYS, any::<bool>()).prop_map(|(k, a)| Op::SetActive(k, a)),
        (0..KEYS).prop_map(Op::Rename),
        (0..KEYS).prop_map(Op::DeleteKey),
        (0..LABELS.len()).prop_map(Op::Allow),
        (0..LABELS.len()).prop_map(Op::Disallow),
    ]
}

struct World {
    signers: Vec<TestSigner>,
    ids: Vec<Option<String>>,
}

async fn apply(app: &TestApp, world: &mut World, op: &Op) {
    match *op {
        Op::AddKey(k) => {
            let (status, body) = app
                .post(
                    "/api/v1/signing-keys",
                    &json!({ "name": format!("key {k}"), "pem": world.signers[k].public_pem() }),
                )
                .await;
            if status == 201 {
                world.ids[k] = Some(body["id"].as_str().unwrap().to_owned());
            }
        }
        Op::SetActive(k, active) => {
            if let Some(id) = &world.ids[k] {
                app.patch(
                    &format!("/api/v1/signing-keys/{id}"),
                    &json!({ "active": active }),
                )
                .await;
            }
        }
        Op::Rename(k) => {
            if let Some(id) = &world.ids[k] {
                let name = format!("renamed {k}");
                app.patch(
                    &format!("/api/v1/signing-keys/{id}"),
                    &json!({ "name": name }),
                )
                .await;
            }
        }
        Op::DeleteKey(k) => {
            if let Some(id) = world.ids[k].take() {
                app.delete(&format!("/api/v1/signing-keys/{id}")).await;
            }
        }
        Op::Allow(l) => {
            app.post("/api/v1/unsigned-fields", &json!({ "label": LABELS[l] }))
                .await;
        }
        Op::Disallow(l) => {
            app.delete(&format!("/api/v1/unsigned-fields/{}", LABELS[l]))
                .await;
        }
    }
}

/// What verification does now must be what the database says.
async fn check(app: &TestApp, world: &World) -> Result<(), TestCaseError> {
    let (_, keys) = app.get("/api/v1/signing-keys").await;
    let keys = keys["signingKeys"].as_array().unwrap();
    let any_active = keys.iter().any(|k| k["active"] == true);
    for (k, signer) in world.signers.iter().enumerate() {
        let stored = world.ids[k]
            .as_ref()
            .and_then(|id| keys.iter().find(|key| key["id"] == json!(id)));
        let active = stored.is_some_and(|key| key["active"] == true);
        let verdict = app
            .verify(
                Some(&signer.sign_items(&items(&[("email", "a@b.c")]))),
                json!([]),
            )
            .await;
        prop_assert_eq!(
            verdict["signature"]["status"] == "valid",
            active,
            "key {}: {}",
            k,
            verdict
        );
        if let Some(key) = stored {
            // A kid by name finds the key under its current name.
            let header = json!({ "alg": "ES256", "kid": key["name"] }).to_string();
            let verdict = app
                .verify(
                    Some(&signer.token(&header, r#"[{"label":"a","data":"b","type":"string"}]"#)),
                    json!([]),
                )
                .await;
            let expected = if active { "valid" } else { "invalid" };
            prop_assert_eq!(
                &verdict["signature"]["status"],
                expected,
                "kid {}: {}",
                key["name"],
                verdict
            );
        }
    }
    let (_, fields) = app.get("/api/v1/unsigned-fields").await;
    let allowed: Vec<&str> = fields["unsignedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap())
        .collect();
    for label in LABELS {
        let verdict = app.verify(None, items(&[(label, "x")])).await;
        let passes = verdict["accepted"].as_array().unwrap().len() == 1;
        prop_assert_eq!(
            passes,
            !any_active || allowed.contains(label),
            "{}: {}",
            label,
            verdict
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_verification_reads_always_matches_the_database() {
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases: 12,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 1..16), |ops| {
            tokio::task::block_in_place(|| {
                handle.block_on(async {
                    let app = spawn_app().await;
                    let mut world = World {
                        signers: (0..KEYS).map(|_| TestSigner::generate()).collect(),
                        ids: vec![None; KEYS],
                    };
                    for op in &ops {
                        apply(&app, &mut world, op).await;
                        check(&app, &world).await?;
                    }
                    Ok(())
                })
            })
        })
        .unwrap();
}

#[tokio::test]
async fn at_most_ten_keys_are_active_at_once() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for i in 0..10 {
        let key = app
            .add_key(&format!("k{i}"), &TestSigner::generate().public_pem())
            .await;
        ids.push(key["id"].as_str().unwrap().to_owned());
    }
    let eleventh = TestSigner::generate();
    let (status, body) = app
        .post(
            "/api/v1/signing-keys",
            &json!({ "name": "k10", "pem": eleventh.public_pem() }),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (409, "too_many_active_keys"),
        "{body}"
    );
    assert!(
        body["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("Deactivate")
    );

    // Room is made by deactivating one; then it cannot come back while ten are active again.
    let (status, _) = app
        .patch(
            &format!("/api/v1/signing-keys/{}", ids[0]),
            &json!({ "active": false }),
        )
        .await;
    assert_eq!(status, 200);
    app.add_key("k10", &eleventh.public_pem()).await;
    let (status, body) = app
        .patch(
            &format!("/api/v1/signing-keys/{}", ids[0]),
            &json!({ "active": true }),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "too_many_active_keys"));
    // What does not add an active key is still allowed.
    let (status, _) = app
        .patch(
            &format!("/api/v1/signing-keys/{}", ids[1]),
            &json!({ "name": "renamed", "active": true }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, keys) = app.get("/api/v1/signing-keys").await;
    let active = keys["signingKeys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["active"] == true)
        .count();
    assert_eq!(active, 10);
    let verdict: Value = app
        .verify(
            Some(&eleventh.sign_items(&items(&[("email", "a@b.c")]))),
            json!([]),
        )
        .await;
    assert_eq!(verdict["signature"]["status"], "valid");
}

#[tokio::test]
async fn the_portal_says_why_a_key_cannot_be_activated_as_the_api_does() {
    let app = spawn_app().await;
    for i in 0..10 {
        app.add_key(&format!("k{i}"), &TestSigner::generate().public_pem())
            .await;
    }
    let (status, body) = app
        .post(
            "/api/v1/signing-keys",
            &json!({ "name": "spare", "pem": TestSigner::generate().public_pem() }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let first = app.get("/api/v1/signing-keys").await.1["signingKeys"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let session = FormSession::open(&app, "/signing-keys").await;
    let path = format!("/signing-keys/{first}/active");
    let off = session.submit(&app, &path, &[("active", "false")]).await;
    assert_eq!(off.status(), 303);
    app.add_key("k10", &TestSigner::generate().public_pem())
        .await;

    // Ten are active again: switching the first one back on is refused with the API's status,
    // code and hint, not a generic bad request.
    let on = session.submit(&app, &path, &[("active", "true")]).await;
    assert_eq!(on.status(), 409);
    let html = on.text().await.unwrap();
    assert!(
        html.contains("too_many_active_keys") && html.contains("Deactivate or delete"),
        "{html}"
    );
    let (_, key) = app.get(&format!("/api/v1/signing-keys/{first}")).await;
    assert_eq!(key["active"], false, "nothing changed");
}
