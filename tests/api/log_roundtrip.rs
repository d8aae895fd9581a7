//! Whatever a client can get recorded, every reader can show: a property test over
//! record → API list → API detail → portal list, detail, playground result and dashboard.
//!
//! The inputs aim at what once broke a reader: member names serde_json treats specially
//! (`$serde_json::private::RawValue` made the API list panic and drop the connection), markup,
//! control and non-ASCII characters, huge and fractional numbers, deep values, in every place a
//! request can carry JSON: extra item members, the JWS header, the signed payload.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

use crate::helpers::{TestApp, TestSigner, b64, spawn_app};

const NAMES: &[&str] = &[
    "$serde_json::private::RawValue",
    "$serde_json::private::Number",
    "label",
    "data",
    "type",
    "alg",
    "kid",
    "crit",
    "__proto__",
    "",
    "\u{0}",
    "</script><script>alert(1)</script>",
    "{{ x }}",
    "é\u{200b}",
];

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(NAMES).prop_map(str::to_owned),
        1 => "\\PC{0,12}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        Just(json!(1e300)),
        Just(json!(u64::MAX)),
        name().prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((name(), inner), 0..4)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Members put *first* in an object (where serde_json looks for its private names), then the
/// object's own members.
fn with_first(extra: &[(String, Value)], rest: Value) -> Value {
    let mut object: Map<String, Value> = extra.iter().cloned().collect();
    if let Value::Object(members) = rest {
        for (key, value) in members {
            object.entry(key).or_insert(value);
        }
    }
    Value::Object(object)
}

#[derive(Debug, Clone)]
enum Carrier {
    /// Extra members on an unsigned item.
    UnsignedItem,
    /// Members of the JWS header, signed with the stored key.
    Header,
    /// The whole signed payload.
    Payload,
    /// Extra members on a signed item.
    SignedItem,
}

fn case() -> impl Strategy<Value = (Carrier, Vec<(String, Value)>, Value)> {
    (
        prop_oneof![
            Just(Carrier::UnsignedItem),
            Just(Carrier::Header),
            Just(Carrier::Payload),
            Just(Carrier::SignedItem),
        ],
        proptest::collection::vec((name(), value()), 1..4),
        value(),
    )
}

fn request_body(
    signer: &TestSigner,
    carrier: &Carrier,
    extra: &[(String, Value)],
    payload: &Value,
) -> String {
    let item = json!({ "label": "email", "data": "a@b.c", "type": "string" });
    let signed =
        |header: &Value, payload: &Value| signer.token(&header.to_string(), &payload.to_string());
    let alg = json!({ "alg": "ES256" });
    let body = match carrier {
        Carrier::UnsignedItem => json!({ "interactionData": [with_first(extra, item)] }),
        Carrier::Header => json!({
            "signedInteractionData": signed(&with_first(extra, alg), &json!([item])),
        }),
        Carrier::Payload => json!({ "signedInteractionData": signed(&alg, payload) }),
        Carrier::SignedItem => json!({
            "signedInteractionData": signed(&alg, &json!([with_first(extra, item)])),
        }),
    };
    body.to_string()
}

/// The status and body of `path`, checking the body is JSON without building a `Value` (which
/// cannot hold serde_json's private names: the test client must not trip where the server must
/// not either).
async fn read(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

fn is_json(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatever_is_recorded_every_reader_can_show() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    let mut runner = TestRunner::new(Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    });
    let handle = tokio::runtime::Handle::current();
    runner
        .run(&case(), |(carrier, extra, payload)| {
            let body = request_body(&signer, &carrier, &extra, &payload);
            tokio::task::block_in_place(|| handle.block_on(round_trip(&app, &body)))
        })
        .unwrap();
}

/// POSTs a JSON body to verify; the status and the body as text.
async fn verify_text(app: &TestApp, body: &str) -> (u16, String) {
    let response = app
        .client
        .post(app.url("/api/v1/verify"))
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn round_trip(app: &TestApp, body: &str) -> Result<(), TestCaseError> {
    let (status, text) = verify_text(app, body).await;
    if status == 400 && text.contains(r#""code":"invalid_request""#) {
        // An extra member that replaced an unsigned item's own label, data or type with a
        // non-string: refused, so not recorded, so nothing to read back.
        return Ok(());
    }
    prop_assert_eq!(status, 200, "verify answered {}: {}", status, text);
    let id: String = {
        #[derive(serde::Deserialize)]
        struct Id {
            id: String,
        }
        serde_json::from_str::<Id>(&text).unwrap().id
    };
    for path in [
        "/api/v1/interactions".to_owned(),
        "/api/v1/interactions?limit=500".to_owned(),
        format!("/api/v1/interactions/{id}"),
    ] {
        let (status, text) = read(app, &path).await;
        prop_assert_eq!(status, 200, "{} answered {}: {}", path, status, text);
        prop_assert!(is_json(&text), "{} is not JSON: {}", path, text);
        prop_assert!(text.contains(&id), "{} lacks {}", path, id);
    }
    for path in [
        "/".to_owned(),
        "/interactions".to_owned(),
        format!("/interactions/{id}"),
        format!("/playground/{id}"),
    ] {
        let (status, html) = read(app, &path).await;
        prop_assert_eq!(status, 200, "{} answered {}: {}", path, status, html);
        prop_assert!(
            !html.contains("<script>alert"),
            "{} echoed markup unescaped",
            path
        );
    }
    Ok(())
}

/// The exact request from the report: the list once panicked on it and dropped the connection.
#[tokio::test]
async fn the_reported_request_is_listed() {
    let app = spawn_app().await;
    let body = r#"{"interactionData":[{"$serde_json::private::RawValue":1,"label":"a","data":"b","type":"string"}]}"#;
    let (status, _) = verify_text(&app, body).await;
    assert_eq!(status, 200);
    let (status, text) = read(&app, "/api/v1/interactions").await;
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains(r#""request":{"interactionData":[{"$serde_json::private::RawValue":1"#),
        "{text}"
    );
    // A header whose first member has that name, too.
    let header = b64(br#"{"$serde_json::private::RawValue":1,"alg":"ES256"}"#);
    let token = format!("{header}.{}.{}", b64(b"[]"), b64(&[1; 64]));
    let body = json!({ "signedInteractionData": token }).to_string();
    let (status, _) = verify_text(&app, &body).await;
    assert_eq!(status, 200);
    let (status, text) = read(&app, "/api/v1/interactions").await;
    assert_eq!(status, 200, "{text}");
    assert!(is_json(&text));
}
