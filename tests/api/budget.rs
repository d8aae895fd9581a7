//! One budget over everything a request can make the server keep (SECURITY.md, *What a flood
//! can do*): the verification log and every engagement with its arrivals, items and agent view,
//! pruned a whole unit at a time, the site holding the most first. The attacks of the December
//! 2026 probe, each at a size that runs in seconds; each asserts the bound, never a time.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};
use sqlx::{Connection, SqliteConnection};

use crate::helpers::{TestApp, code, database_bytes, peak_rss_bytes, spawn_app_with, start_binary};

const MIB: u64 = 1024 * 1024;
const DEFAULT_CONFIG: &str = "00000000-0000-4000-8000-000000000001";

/// `count` unsigned items named `prefix{i}`, each with `size` bytes of data.
fn many_items(prefix: &str, count: usize, size: usize) -> Value {
    let data = "x".repeat(size);
    Value::Array(
        (0..count)
            .map(|i| {
                json!({ "name": format!("{prefix}{i}"), "label": format!("{prefix} {i}"),
                        "type": "string", "data": data })
            })
            .collect(),
    )
}

/// A plain client for floods: the contract is checked on every route elsewhere, and checking
/// thousands of 240 KB answers here would only slow the floods down.
fn flood_client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn post(
    client: &reqwest::Client,
    url: String,
    origin: Option<&str>,
    bearer: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut request = client.post(url).json(body);
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Samples the database files' size every few milliseconds until stopped; the most seen.
fn sample_disk(db: &Path) -> (Arc<AtomicBool>, tokio::task::JoinHandle<u64>) {
    let running = Arc::new(AtomicBool::new(true));
    let (db, flag) = (db.to_owned(), Arc::clone(&running));
    let sampler = tokio::spawn(async move {
        let mut most = 0;
        while flag.load(Ordering::Relaxed) {
            most = most.max(database_bytes(&db));
            tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        }
        most.max(database_bytes(&db))
    });
    (running, sampler)
}

/// Every write a page can reach (the widget's starts and appends at every limit, a start's
/// longest `path`, the verify endpoint at the body limit) and the Core API with a key, from a
/// page on another origin and from a script, keep the database and its write-ahead log within
/// the budget, at the smallest budget and at 64 MiB; and the server's memory under 128 MiB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_route_a_page_can_reach_stays_inside_the_budget() {
    let smallest = talkative_emulator::configuration::ByteSize::MIN;
    for (budget, sent_target) in [(smallest, 6 * smallest), (64 * MIB, 3 * 64 * MIB / 2)] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("emulator.db");
        let server = start_binary(
            &db,
            &[
                "--interaction-retention-bytes",
                &budget.to_string(),
                "--core-api-rate-limit",
                "0",
            ],
        )
        .await;
        let (running, sampler) = sample_disk(&db);
        let client = flood_client();
        let base = server.base.clone();
        let made: Value = client
            .post(format!("{base}/api/v1/api-keys"))
            .json(&json!({ "name": "backend" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = made["token"].as_str().unwrap().to_owned();
        let path = format!("https://shop.example/{}", "p".repeat(2_048 - 21));
        assert_eq!(path.chars().count(), 2_048);

        let mut sent: u64 = 0;
        let mut full = 0;
        let mut round = 0;
        while sent < sent_target {
            round += 1;
            let origin = if round % 2 == 0 {
                Some("https://evil.example")
            } else {
                None
            };
            // A start as large as the body limit takes, on the longest page address.
            let start = json!({
                "configUuid": DEFAULT_CONFIG, "action": "start-chat", "path": path,
                "interactionData": many_items("s", 100, 2_300),
            });
            let (status, started) = post(
                &client,
                format!("{base}/api/ecs/v1/interactions"),
                origin,
                None,
                &start,
            )
            .await;
            assert_eq!(status, 201, "{started}");
            sent += start.to_string().len() as u64;
            let uuid = started["interaction"]["uuid"].as_str().unwrap().to_owned();
            // Appends (new names each time) until the interaction is full.
            for append in 0.. {
                let body =
                    json!({ "interactionData": many_items(&format!("a{append}-"), 100, 2_300) });
                let (status, answer) = post(
                    &client,
                    format!("{base}/api/ecs/v1/interactions/{uuid}/interaction-data"),
                    origin,
                    None,
                    &body,
                )
                .await;
                sent += body.to_string().len() as u64;
                if status == 409 {
                    assert_eq!(code(&answer), "interaction_full", "{answer}");
                    full += 1;
                    break;
                }
                assert_eq!(status, 200, "{answer}");
            }
            // The backend fills what room is left through the Core API, until it is refused too.
            for write in 0.. {
                let body = json!({ "name": format!("crm{write}"), "data": "x".repeat(8_000) });
                let (status, answer) = post(
                    &client,
                    format!("{base}/api/core/v1/interactions/{uuid}/interaction-data"),
                    None,
                    Some(&token),
                    &body,
                )
                .await;
                sent += body.to_string().len() as u64;
                if status == 409 {
                    assert_eq!(core_code(&answer), "interaction_full", "{answer}");
                    break;
                }
                assert_eq!(status, 201, "{answer}");
            }
            // The verify endpoint at the body limit.
            let verify = json!({ "interactionData": many_items("v", 100, 2_300) });
            let (status, _) = post(
                &client,
                format!("{base}/api/v1/verify"),
                origin,
                None,
                &verify,
            )
            .await;
            assert_eq!(status, 200);
            sent += verify.to_string().len() as u64;
        }
        // Settled: what is buffered is written before the last sample.
        let (status, _) = post(
            &client,
            format!("{base}/api/v1/verify"),
            None,
            None,
            &json!({}),
        )
        .await;
        assert_eq!(status, 200);
        client
            .get(format!("{base}/api/v1/interactions?limit=1"))
            .send()
            .await
            .unwrap();
        running.store(false, Ordering::Relaxed);
        let on_disk = sampler.await.unwrap();
        let peak = peak_rss_bytes(server.child.id());
        eprintln!(
            "{} MiB budget: sent {:.1} MiB ({round} interactions, {full} filled): at most {:.2} \
             MiB on disk, peak RSS {} MiB",
            budget / MIB,
            sent as f64 / MIB as f64,
            on_disk as f64 / MIB as f64,
            peak / MIB
        );
        assert!(
            sent >= 2 * budget.min(sent_target / 2),
            "the flood passed the budget"
        );
        assert!(
            on_disk <= budget,
            "a {} MiB budget: the database and its log took {:.2} MiB",
            budget / MIB,
            on_disk as f64 / MIB as f64
        );
        assert!(peak < 128 * MIB, "peak RSS {} MiB", peak / MIB);
        drop(server);
        assert_no_dangling_links(&db).await;
    }
}

/// A page floods completions while every webhook's receiver fails with a long answer, so every
/// delivery logs all its attempts at the largest size: the outbox and its log stay inside the
/// smallest budget with the rest, pruned with their interactions, nothing left dangling.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_completions_keeps_the_outbox_and_its_log_inside_the_budget() {
    let budget = talkative_emulator::configuration::ByteSize::MIN;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("emulator.db");
    let receiver = crate::helpers::Receiver::scripted(|_, _| crate::helpers::Answer {
        status: 500,
        body: "e".repeat(4_000),
        delay: std::time::Duration::ZERO,
    })
    .await;
    let server = start_binary(
        &db,
        &[
            "--interaction-retention-bytes",
            &budget.to_string(),
            "--webhook-retry-delay",
            "5ms",
            "--webhook-max-attempts",
            "12",
        ],
    )
    .await;
    let (running, sampler) = sample_disk(&db);
    let client = flood_client();
    let base = server.base.clone();
    // As many webhooks as the emulator keeps, each with headers at their largest logged size.
    for n in 0..20 {
        let (status, made) = post(
            &client,
            format!("{base}/api/v1/webhooks"),
            None,
            None,
            &json!({ "label": format!("CRM {n}"), "url": receiver.url, "validate": false,
                     "headers": (0..20).map(|h| json!({"name": format!("X-Header-{h}"), "value": "v".repeat(200)})).collect::<Vec<_>>() }),
        )
        .await;
        assert_eq!(status, 201, "{made}");
    }
    let (status, refused) = post(
        &client,
        format!("{base}/api/v1/webhooks"),
        None,
        None,
        &json!({ "label": "one too many", "url": receiver.url, "validate": false }),
    )
    .await;
    assert_eq!((status, code(&refused)), (422, "invalid_webhook"));
    let completions = 150;
    for _ in 0..completions {
        let (status, started) = post(
            &client,
            format!("{base}/api/ecs/v1/interactions"),
            Some("https://evil.example"),
            None,
            &json!({ "configUuid": DEFAULT_CONFIG, "action": "start-chat",
                     "interactionData": many_items("s", 20, 400) }),
        )
        .await;
        assert_eq!(status, 201, "{started}");
        let uuid = started["interaction"]["uuid"].as_str().unwrap();
        let (status, done) = post(
            &client,
            format!("{base}/api/ecs/v1/interactions/{uuid}/feedback"),
            Some("https://evil.example"),
            None,
            &json!({}),
        )
        .await;
        assert_eq!(status, 200, "{done}");
    }
    // The receiver takes attempts while the flood prunes the oldest deliveries unsent: let the
    // retries run on a while, then settle.
    let got = receiver
        .wait_for(1_000, std::time::Duration::from_secs(10))
        .await;
    assert!(
        got.len() >= 300,
        "only {} attempts reached the receiver",
        got.len()
    );
    client
        .get(format!("{base}/api/v1/interactions?limit=1"))
        .send()
        .await
        .unwrap();
    running.store(false, Ordering::Relaxed);
    let on_disk = sampler.await.unwrap();
    drop(server);
    let mut connection = SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let (deliveries, attempts): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM webhook_deliveries), (SELECT COUNT(*) FROM webhook_attempts)",
    )
    .fetch_one(&mut connection)
    .await
    .unwrap();
    eprintln!(
        "{} MiB budget: {completions} completions x 20 webhooks, {} attempts sent; kept \
         {deliveries} deliveries, {attempts} attempts; at most {:.2} MiB on disk",
        budget / MIB,
        got.len(),
        on_disk as f64 / MIB as f64
    );
    assert!(
        deliveries > 0 && deliveries < completions * 20,
        "{deliveries}"
    );
    let retried: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE attempts > 1")
            .fetch_one(&mut connection)
            .await
            .unwrap();
    assert!(retried > 0, "no kept delivery logged a retry");
    assert!(
        on_disk <= budget,
        "the outbox took the database to {:.2} MiB, over {} MiB",
        on_disk as f64 / MIB as f64,
        budget / MIB
    );
    drop(connection);
    assert_no_dangling_links(&db).await;
}

/// A JSON:API error document's code.
fn core_code(document: &Value) -> &str {
    document["errors"][0]["code"].as_str().unwrap_or_default()
}

/// Nothing in the database points at something it no longer holds: every arrival's verification
/// is in the log, every verification naming an engagement has it, no item outlives its row.
async fn assert_no_dangling_links(db: &Path) {
    let mut connection = SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    for (what, query) in [
        (
            "arrivals whose verification is gone",
            "SELECT COUNT(*) FROM engagement_arrivals a \
             WHERE NOT EXISTS (SELECT 1 FROM interactions i WHERE i.id = a.verification)",
        ),
        (
            "verifications naming an engagement that is gone",
            "SELECT COUNT(*) FROM interactions i WHERE i.engagement IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM engagements e WHERE e.uuid = i.engagement)",
        ),
        (
            "log items without their row",
            "SELECT COUNT(*) FROM interaction_items t \
             WHERE NOT EXISTS (SELECT 1 FROM interactions i WHERE i.seq = t.seq)",
        ),
        (
            "agent items without their engagement",
            "SELECT COUNT(*) FROM engagement_items t \
             WHERE NOT EXISTS (SELECT 1 FROM engagements e WHERE e.id = t.engagement_id)",
        ),
        (
            "agent view keys without their item",
            "SELECT COUNT(*) FROM engagement_view v \
             WHERE NOT EXISTS (SELECT 1 FROM engagement_items t WHERE t.item_id = v.item_id)",
        ),
        (
            "arrivals without their engagement",
            "SELECT COUNT(*) FROM engagement_arrivals a \
             WHERE NOT EXISTS (SELECT 1 FROM engagements e WHERE e.id = a.engagement_id)",
        ),
        (
            "webhook deliveries without their interaction",
            "SELECT COUNT(*) FROM webhook_deliveries d WHERE d.engagement_id IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM engagements e WHERE e.id = d.engagement_id)",
        ),
        (
            "delivery attempts without their delivery",
            "SELECT COUNT(*) FROM webhook_attempts a \
             WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.id = a.delivery_id)",
        ),
    ] {
        let dangling: i64 = sqlx::query_scalar(query)
            .fetch_one(&mut connection)
            .await
            .unwrap();
        assert_eq!(dangling, 0, "{what}");
    }
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
}

async fn app_with_budget(bytes: u64) -> TestApp {
    spawn_app_with(|s| {
        s.interaction_retention_bytes = bytes.to_string().parse().unwrap();
    })
    .await
}

/// The probe's attack: 200 cross-origin verifications of 240 KB in seconds evicted every
/// earlier entry under a 32 MiB budget. Now a flood from one site (its subdomains included)
/// evicts its own oldest entries first: what the tests, a backend through the Core API and a
/// local page recorded stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_site_evicts_its_own_entries_not_what_others_recorded() {
    let app = app_with_budget(32 * MIB).await;
    let client = flood_client();
    let token = app.api_key("backend").await;
    // What others recorded first: a test suite's verifications (no Origin), a local page's chats,
    // and the backend's data on them.
    let mut kept_verifications = Vec::new();
    for i in 0..20 {
        let verdict = app
            .verify(None, many_items(&format!("t{i}-"), 3, 100))
            .await;
        kept_verifications.push(verdict["id"].as_str().unwrap().to_owned());
    }
    let mut kept_chats = Vec::new();
    for i in 0..5 {
        let (status, started) = post(
            &client,
            app.url("/api/ecs/v1/interactions"),
            Some("http://localhost:3000"),
            None,
            &json!({ "configUuid": DEFAULT_CONFIG, "action": "start-chat",
                     "interactionData": many_items(&format!("c{i}-"), 3, 100) }),
        )
        .await;
        assert_eq!(status, 201, "{started}");
        let uuid = started["interaction"]["uuid"].as_str().unwrap().to_owned();
        let (status, written) = post(
            &client,
            app.url(&format!(
                "/api/core/v1/interactions/{uuid}/interaction-data"
            )),
            None,
            Some(&token),
            &json!({ "name": "crm", "data": "42" }),
        )
        .await;
        assert_eq!(status, 201, "{written}");
        kept_chats.push(uuid);
    }

    // The flood: 200 × 240 KB from one party's subdomains, eight at a time.
    let body = Arc::new(json!({ "interactionData": many_items("f", 100, 2_400) }));
    assert!(body.to_string().len() > 235 * 1024);
    let mut flooded = Vec::new();
    for wave in 0..25 {
        let mut wave_requests = tokio::task::JoinSet::new();
        for i in 0..8 {
            let (client, url, body) =
                (client.clone(), app.url("/api/v1/verify"), Arc::clone(&body));
            let origin = format!("https://x{}.evil.example", wave * 8 + i);
            wave_requests.spawn(async move {
                let (status, verdict) = post(&client, url, Some(&origin), None, &body).await;
                assert_eq!(status, 200);
                verdict["id"].as_str().unwrap().to_owned()
            });
        }
        flooded.extend(wave_requests.join_all().await);
    }

    for id in &kept_verifications {
        let (status, _) = app.get(&format!("/api/v1/interactions/{id}")).await;
        assert_eq!(status, 200, "the flood evicted a test's verification {id}");
    }
    for uuid in &kept_chats {
        let (status, detail) = app.get(&format!("/api/v1/engagements/{uuid}")).await;
        assert_eq!(status, 200, "the flood evicted a local page's chat {uuid}");
        let names: Vec<&str> = detail["agentView"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|item| item["name"].as_str())
            .collect();
        assert!(names.contains(&"crm"), "{detail}");
        for arrival in detail["arrivals"].as_array().unwrap() {
            let id = arrival["verification"].as_str().unwrap();
            let (status, _) = app.get(&format!("/api/v1/interactions/{id}")).await;
            assert_eq!(status, 200, "an arrival's verification went without it");
        }
    }
    // The flood paid with its own: its oldest are gone, its newest kept.
    let (status, _) = app
        .get(&format!("/api/v1/interactions/{}", flooded[0]))
        .await;
    assert_eq!(status, 404, "the flood's oldest entry was kept");
    let (status, _) = app
        .get(&format!("/api/v1/interactions/{}", flooded.last().unwrap()))
        .await;
    assert_eq!(status, 200);
}

/// Pruning takes a whole interaction (its arrivals, items, view and verifications) and never
/// leaves a link to something gone; an interaction still receiving data is not pruned by the
/// write that adds to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pruning_takes_whole_interactions_and_leaves_no_dangling_link() {
    let app = app_with_budget(talkative_emulator::configuration::ByteSize::MIN).await;
    let client = flood_client();
    let start = |i: usize| {
        json!({ "configUuid": DEFAULT_CONFIG, "action": "start-chat",
                "interactionData": many_items(&format!("k{i}-"), 20, 1_500) })
    };
    let (_, first) = post(
        &client,
        app.url("/api/ecs/v1/interactions"),
        None,
        None,
        &start(0),
    )
    .await;
    let first = first["interaction"]["uuid"].as_str().unwrap().to_owned();
    // One long-lived chat that keeps receiving data through the flood.
    let (_, lasting) = post(
        &client,
        app.url("/api/ecs/v1/interactions"),
        None,
        None,
        &start(1),
    )
    .await;
    let lasting = lasting["interaction"]["uuid"].as_str().unwrap().to_owned();
    for i in 2..80 {
        let (status, _) = post(
            &client,
            app.url("/api/ecs/v1/interactions"),
            None,
            None,
            &start(i),
        )
        .await;
        assert_eq!(status, 201);
        let (status, answer) = post(
            &client,
            app.url(&format!(
                "/api/ecs/v1/interactions/{lasting}/interaction-data"
            )),
            None,
            None,
            &json!({ "interactionData": [{ "name": "step", "label": "Step", "type": "string",
                                           "data": i.to_string() }] }),
        )
        .await;
        assert_eq!(status, 200, "the chat receiving data was pruned: {answer}");
    }
    let (status, _) = app.get(&format!("/api/v1/engagements/{first}")).await;
    assert_eq!(status, 404, "nothing was pruned: the flood was too small");
    let (status, detail) = app.get(&format!("/api/v1/engagements/{lasting}")).await;
    assert_eq!(status, 200);
    assert_eq!(detail["holds"]["arrivals"], 79, "{detail}");
    // Written before the database is read behind the server's back.
    app.get("/api/v1/interactions?limit=1").await;
    assert_no_dangling_links(&app.db_dir.path().join("test.db")).await;
}
