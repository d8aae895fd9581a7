//! Memory and disk stay bounded whatever clients send: the interaction log is pruned by bytes as
//! well as by rows, the unwritten queue is bounded in bytes, and list pages are bounded in rows
//! and bytes. Runs the real binary, as an operator would, and reads its peak RSS from /proc.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::helpers::{
    CheckedClient, TestSigner, database_bytes, items, peak_rss_bytes, start_binary,
};

const MIB: u64 = 1024 * 1024;

/// A verify request as large as the server takes: a 64 KiB-class signed token whose payload
/// carries five 8 KiB items, and 24 unsigned 8 KiB items beside it, under the 256 KiB body
/// limit. Its verdict echoes every item, so the request and verdict together are ~470 KB.
fn largest_request(signer: &TestSigner) -> String {
    let data = "x".repeat(8 * 1024);
    let signed: Vec<(String, String)> = (0..5).map(|i| (format!("s{i}"), data.clone())).collect();
    let signed: Vec<(&str, &str)> = signed
        .iter()
        .map(|(l, d)| (l.as_str(), d.as_str()))
        .collect();
    let unsigned: Vec<(String, String)> =
        (0..24).map(|i| (format!("u{i}"), data.clone())).collect();
    let unsigned: Vec<(&str, &str)> = unsigned
        .iter()
        .map(|(l, d)| (l.as_str(), d.as_str()))
        .collect();
    let body = json!({
        "signedInteractionData": signer.sign_items(&items(&signed)),
        "interactionData": items(&unsigned),
    })
    .to_string();
    assert!(
        body.len() > 240 * 1024 && body.len() <= 256 * 1024,
        "{} bytes",
        body.len()
    );
    body
}

/// A server with this disk budget, flooded with `verifications` of the largest requests from
/// eight clients at once (as a CI suite in parallel would). Returns the server, the most its
/// database files took on disk (sampled after every eight), and the last ids verified.
async fn flood(
    retention_bytes: u64,
    verifications: usize,
) -> (
    crate::helpers::BinaryServer,
    tempfile::TempDir,
    u64,
    Vec<String>,
) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("emulator.db");
    let server = start_binary(
        &db,
        &[
            "--interaction-retention-bytes",
            &retention_bytes.to_string(),
        ],
    )
    .await;
    let client = CheckedClient::new();
    let signer = TestSigner::generate();
    let key = client
        .post(format!("{}/api/v1/signing-keys", server.base))
        .json(&json!({ "name": "k", "pem": signer.public_pem() }))
        .send()
        .await
        .unwrap();
    assert_eq!(key.status(), 201);
    let body = Arc::new(largest_request(&signer));
    // Sampled every few milliseconds while the flood runs, so a peak between two batches counts.
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (db, sampling) = (db.clone(), Arc::clone(&sampling));
        tokio::spawn(async move {
            let mut most = 0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                most = most.max(database_bytes(&db));
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            most
        })
    };
    let mut last_ids = Vec::new();
    let mut sent = 0;
    let mut most_on_disk = 0;
    while sent < verifications {
        let mut batch = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (client, url, body) = (
                client.clone(),
                format!("{}/api/v1/verify", server.base),
                Arc::clone(&body),
            );
            batch.spawn(async move {
                let response = client
                    .post(url)
                    .header("Content-Type", "application/json")
                    .body(body.as_str().to_owned())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
                let verdict: Value = response.json().await.unwrap();
                assert_eq!(verdict["signature"]["status"], "valid");
                verdict["id"].as_str().unwrap().to_owned()
            });
        }
        last_ids = batch.join_all().await;
        sent += 8;
        most_on_disk = most_on_disk.max(database_bytes(&db));
    }
    // What it settles at once the last writes are in.
    let (status, _) = (
        client
            .get(format!("{}/api/v1/interactions?limit=1", server.base))
            .send()
            .await
            .unwrap()
            .status(),
        (),
    );
    assert_eq!(status, 200);
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let most_on_disk = most_on_disk
        .max(sampler.await.unwrap())
        .max(database_bytes(&db));
    (server, dir, most_on_disk, last_ids)
}

/// The disk budget holds at every size the server takes, the smallest included: the log's
/// rows, the items kept for search, the write-ahead log and SQLite's own pages all fit in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_disk_budget_holds_at_every_allowed_size() {
    let smallest = talkative_emulator::configuration::ByteSize::MIN;
    for (budget, verifications) in [(smallest, 96), (2 * smallest, 96), (32 * MIB, 160)] {
        let (_server, _dir, on_disk, _) = flood(budget, verifications).await;
        eprintln!(
            "{} MiB budget, {verifications} verifications: at most {:.2} MiB on disk",
            budget / MIB,
            on_disk as f64 / MIB as f64
        );
        assert!(
            on_disk <= budget,
            "a {} MiB budget: the database took {:.2} MiB",
            budget / MIB,
            on_disk as f64 / MIB as f64
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_largest_verifications_keep_memory_and_disk_bounded() {
    const VERIFICATIONS: usize = 2_000;
    const RETENTION_BYTES: u64 = 64 * MIB;
    let (server, dir, most_on_disk, last_ids) = flood(RETENTION_BYTES, VERIFICATIONS).await;
    let db = dir.path().join("emulator.db");
    let client = CheckedClient::new();
    let body_len = largest_request(&TestSigner::generate()).len();

    // Read-your-writes still holds: the last verifications are listed, newest first, and each
    // page stays under its byte bound, with a cursor to the next.
    let mut url = format!("{}/api/v1/interactions?limit=500", server.base);
    let mut listed = Vec::new();
    for _ in 0..3 {
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        assert!(
            (text.len() as u64) < 5 * MIB,
            "a page of {} bytes",
            text.len()
        );
        let page: Value = serde_json::from_str(&text).unwrap();
        let rows = page["interactions"].as_array().unwrap();
        assert!(!rows.is_empty());
        listed.extend(rows.iter().map(|r| r["id"].as_str().unwrap().to_owned()));
        let next = page["next"].as_str().expect("more pages remain");
        url = format!(
            "{}/api/v1/interactions?limit=500&cursor={next}",
            server.base
        );
    }
    for id in &last_ids {
        assert!(listed.contains(id), "{id} is not listed");
    }
    let unique: std::collections::HashSet<_> = listed.iter().collect();
    assert_eq!(unique.len(), listed.len(), "pages overlap");

    let peak = peak_rss_bytes(server.child.id());
    let on_disk = most_on_disk.max(database_bytes(&db));
    eprintln!(
        "after {VERIFICATIONS} verifications of {} KiB: peak RSS {} MiB, database at most {} MiB",
        body_len / 1024,
        peak / MIB,
        on_disk / MIB
    );
    assert!(peak < 128 * MIB, "peak RSS {} MiB", peak / MIB);
    assert!(
        on_disk <= RETENTION_BYTES,
        "the database takes {} MiB",
        on_disk / MIB
    );
}
