//! The Interactions page's server time by the size of the log, as ratios within one run (this
//! machine is shared and noisy):
//!
//!   cargo bench --bench interactions_page
//!
//! `page/<case>/<rows>`: one GET of the page, rendered, over loopback, with 100 or 10,000
//! interactions recorded through the real verify endpoint (each carries three items; one in
//! fifty also an 8 KB item (the most an item may carry), so some rows spill onto overflow pages). Cases: the newest page, a
//! page deep in the log, a search that matches a few rows anywhere (one word, two words, a
//! `key:` term), a code filter, and the dashboard (its five latest rows). Read `…/10000` against `…/100`; the target is under 50 ms
//! at 10,000 rows.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::json;
use talkative_emulator::configuration::Settings;
use talkative_emulator::startup::Application;

/// A running emulator that has verified `rows` requests.
fn app_with_log(runtime: &tokio::runtime::Runtime, rows: usize) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let app = runtime
        .block_on(Application::build(Settings::ephemeral(url)))
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    runtime.spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    runtime.block_on(async {
        let big = "y".repeat(8_000);
        let mut pending = Vec::new();
        for i in 0..rows {
            let mut items = vec![
                json!({"label": "email", "data": format!("user-{i:05}@example.com"), "type": "string"}),
                json!({"label": "page", "data": format!("/pricing/{}", i % 7), "type": "string"}),
                json!({"label": "coupon", "data": "SAVE10", "type": "string"}),
            ];
            if i % 50 == 0 {
                items.push(json!({"label": "notes", "data": big, "type": "string"}));
            }
            let body = json!({ "interactionData": items });
            let request = client.post(format!("{base}/api/v1/verify")).json(&body);
            pending.push(tokio::spawn(async move {
                assert_eq!(request.send().await.unwrap().status(), 200);
            }));
            if pending.len() == 64 {
                for task in pending.drain(..) {
                    task.await.unwrap();
                }
            }
        }
        for task in pending {
            task.await.unwrap();
        }
    });
    (base, dir)
}

fn page_by_rows(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    let mut group = c.benchmark_group("page");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(6));
    for rows in [100, 10_000] {
        let (base, _dir) = app_with_log(&runtime, rows);
        // A cursor half way down the log (seq grows by one per row from 1).
        let middle = rows / 2;
        let cases = [
            ("newest", "/interactions".to_owned()),
            ("deep", format!("/interactions?cursor={middle}")),
            ("search", "/interactions?q=user-0004".to_owned()),
            // #32's syntax: two free words, and a key: term (the key's name, from the verdict).
            (
                "search-two-words",
                "/interactions?q=user-0004%20pricing".to_owned(),
            ),
            ("search-key", "/interactions?q=key%3Anobody".to_owned()),
            ("code", "/interactions?code=not_allowlisted".to_owned()),
            ("dashboard", "/".to_owned()),
        ];
        for (case, path) in cases {
            let url = format!("{base}{path}");
            group.bench_function(BenchmarkId::new(case, rows), |b| {
                b.iter(|| {
                    runtime.block_on(async {
                        let response = client.get(&url).send().await.unwrap();
                        assert_eq!(response.status(), 200);
                        response.bytes().await.unwrap()
                    })
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, page_by_rows);
criterion_main!(benches);
