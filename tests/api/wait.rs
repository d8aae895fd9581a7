//! Waiting instead of sleeping: `GET /api/v1/interactions?wait=…&after=…&label=…` answers as
//! soon as a matching interaction is recorded, or with an empty list at the timeout, and the
//! number of waiters is bounded.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{TestApp, code, items, spawn_app, spawn_app_with};

/// Starts a wait in the background; resolves to (status, body, when it answered).
fn wait_in_background(
    app: &TestApp,
    query: &str,
) -> tokio::task::JoinHandle<(u16, Value, Instant)> {
    let request = app
        .client
        .get(app.url(&format!("/api/v1/interactions?{query}")));
    tokio::spawn(async move {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.json().await.unwrap();
        (status, body, Instant::now())
    })
}

#[tokio::test]
async fn a_wait_answers_as_soon_as_a_matching_interaction_is_recorded() {
    let app = spawn_app().await;
    let mut latencies = Vec::new();
    for attempt in 0..3 {
        let start = app.verify(None, json!([])).await;
        let after = start["id"].as_str().unwrap();
        let waiter = wait_in_background(&app, &format!("wait=10s&after={after}&label=email"));
        // Give the wait time to be waiting (it answers at once if the match already exists).
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Not a match: another label. The wait goes on.
        app.verify(None, items(&[("page", "/pricing")])).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!waiter.is_finished(), "woke for a non-matching interaction");
        let matching = app
            .verify(
                None,
                items(&[("email", &format!("ada-{attempt}@example.com"))]),
            )
            .await;
        let verified_at = Instant::now();
        let (status, body, answered_at) = waiter.await.unwrap();
        assert_eq!(status, 200);
        let found = body["interactions"].as_array().unwrap();
        assert_eq!(found.len(), 1, "{body}");
        assert_eq!(found[0]["id"], matching["id"]);
        latencies.push(answered_at.saturating_duration_since(verified_at));
    }
    // No timer in the way (the log is written every 2 s): the waiter is woken by the record.
    let best = latencies.iter().min().unwrap();
    assert!(
        *best < Duration::from_millis(100),
        "the wait answered {latencies:?} after the verification"
    );
    assert!(
        latencies.iter().all(|l| *l < Duration::from_secs(1)),
        "{latencies:?}"
    );
}

#[tokio::test]
async fn a_wait_with_nothing_matching_answers_an_empty_list_at_its_timeout() {
    let app = spawn_app().await;
    let start = app.verify(None, json!([])).await;
    let started = Instant::now();
    let (status, body) = app
        .get(&format!(
            "/api/v1/interactions?wait=1s&after={}",
            start["id"].as_str().unwrap()
        ))
        .await;
    let waited = started.elapsed();
    assert_eq!(status, 200);
    assert_eq!(body, json!({"interactions": [], "next": null}));
    assert!(
        waited >= Duration::from_secs(1),
        "answered after {waited:?}"
    );
    assert!(waited < Duration::from_secs(3), "answered after {waited:?}");

    // What already matches is answered at once, wait or not.
    let started = Instant::now();
    let (_, body) = app.get("/api/v1/interactions?wait=10s").await;
    assert_eq!(body["interactions"].as_array().unwrap().len(), 1);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn after_takes_an_id_or_a_time_and_label_filters_without_waiting() {
    let app = spawn_app().await;
    let first = app.verify(None, items(&[("email", "a@b.c")])).await;
    let second = app.verify(None, items(&[("page", "/p")])).await;
    let (_, by_label) = app.get("/api/v1/interactions?label=email").await;
    let ids: Vec<&Value> = by_label["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["id"])
        .collect();
    assert_eq!(ids, [&first["id"]]);
    let (_, none) = app.get("/api/v1/interactions?label=emai").await;
    assert_eq!(none["interactions"], json!([]), "a label matches exactly");
    let (_, after_first) = app
        .get(&format!(
            "/api/v1/interactions?after={}",
            first["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(after_first["interactions"][0]["id"], second["id"]);
    assert_eq!(after_first["interactions"].as_array().unwrap().len(), 1);
    let (_, since_epoch) = app
        .get("/api/v1/interactions?after=2020-01-01T00:00:00Z")
        .await;
    assert_eq!(since_epoch["interactions"].as_array().unwrap().len(), 2);
    let (_, future) = app
        .get("/api/v1/interactions?after=2999-01-01T00:00:00Z")
        .await;
    assert_eq!(future["interactions"], json!([]));

    for bad in [
        "after=00000000-0000-4000-8000-000000000000",
        "after=yesterday",
        "wait=2m",
        "wait=soon",
    ] {
        let (status, body) = app.get(&format!("/api/v1/interactions?{bad}")).await;
        assert_eq!(
            (status, code(&body)),
            (400, "invalid_request"),
            "{bad}: {body}"
        );
    }
}

#[tokio::test]
async fn waiters_are_bounded() {
    let app = spawn_app_with(|s| s.max_followers = 1).await;
    let first = wait_in_background(&app, "wait=3s&label=never");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, body) = app.get("/api/v1/interactions?wait=3s&label=never").await;
    assert_eq!((status, code(&body)), (503, "too_many_followers"));
    let (status, body, _) = first.await.unwrap();
    assert_eq!((status, &body["interactions"]), (200, &json!([])));
    // Its place is free again.
    let (status, _) = app.get("/api/v1/interactions?wait=100ms&label=never").await;
    assert_eq!(status, 200);
}

/// The probe's low finding: 64 `wait=60s` requests closed at once locked every follower out for
/// 60 s, because a wait kept its place until it timed out. A client that goes ends its wait.
#[tokio::test]
async fn a_wait_whose_client_went_away_gives_its_place_back_at_once() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app_with(|s| s.max_followers = 2).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut gone = Vec::new();
    for _ in 0..2 {
        let mut connection = tokio::net::TcpStream::connect(&address).await.unwrap();
        connection
            .write_all(
                format!(
                    "GET /api/v1/interactions?wait=60s&label=never HTTP/1.1\r\nHost: {address}\r\n\r\n"
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        gone.push(connection);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, body) = app.get("/api/v1/interactions?wait=10ms").await;
    assert_eq!(
        (status, code(&body)),
        (503, "too_many_followers"),
        "both places held"
    );

    // Both clients hang up, long before their 60 s.
    drop(gone);
    let started = Instant::now();
    loop {
        let (status, _) = app.get("/api/v1/interactions?wait=10ms").await;
        if status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the places of waits whose clients went away were not given back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One client address may hold at most `max_followers_per_client` of the places; another client
/// still gets one.
#[tokio::test]
async fn one_client_cannot_take_every_follower_place() {
    let app = spawn_app_with(|s| {
        s.max_followers = 4;
        s.max_followers_per_client = 2;
    })
    .await;
    let first = wait_in_background(&app, "wait=2s&label=never");
    let second = wait_in_background(&app, "wait=2s&label=never");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, body) = app.get("/api/v1/interactions?wait=10ms").await;
    assert_eq!((status, code(&body)), (503, "too_many_followers"));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("This client already follows"),
        "{body}"
    );
    // Another address on this machine (all of 127.0.0.0/8 is loopback) is another client.
    let other_client = reqwest::Client::builder()
        .local_address(Some("127.0.0.2".parse().unwrap()))
        .build()
        .unwrap();
    let response = other_client
        .get(app.url("/api/v1/interactions?wait=10ms"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    for wait in [first, second] {
        assert_eq!(wait.await.unwrap().0, 200);
    }
    // Their places came back with their answers.
    let (status, _) = app.get("/api/v1/interactions?wait=10ms").await;
    assert_eq!(status, 200);
}
