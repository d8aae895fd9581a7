use serde_json::json;

use crate::helpers::{TestSigner, code, items, spawn_app, spawn_app_with};

#[tokio::test]
async fn every_verify_is_recorded_newest_first() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    let key = app.add_key("k", &signer.public_pem()).await;
    let first = app.verify(None, items(&[("a", "1")])).await;
    let second = app
        .verify(Some(&signer.sign_items(&items(&[("b", "2")]))), json!([]))
        .await;

    let (status, body) = app.get("/api/v1/interactions").await;
    assert_eq!(status, 200);
    let list = body["interactions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], second["id"]);
    assert_eq!(list[1]["id"], first["id"]);
    assert_eq!(list[0]["verdict"], second);
    assert_eq!(list[0]["status"], "valid");
    assert_eq!(list[1]["request"]["interactionData"][0]["label"], "a");

    let (status, one) = app
        .get(&format!(
            "/api/v1/interactions/{}",
            first["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(one["verdict"], first);

    // The key's last use was recorded.
    let (_, keys) = app.get("/api/v1/signing-keys").await;
    assert_eq!(keys["signingKeys"][0]["id"], key["id"]);
    assert!(keys["signingKeys"][0]["lastUsedAt"].is_string());
}

#[tokio::test]
async fn filters_and_unknown_ids() {
    let app = spawn_app().await;
    app.add_key("k", &TestSigner::generate().public_pem()).await;
    app.verify(Some("not.a.token"), json!([])).await;
    app.verify(None, items(&[("x", "y")])).await;
    app.verify(None, json!([])).await;

    let (_, invalid) = app.get("/api/v1/interactions?status=invalid").await;
    assert_eq!(invalid["interactions"].as_array().unwrap().len(), 1);
    let (_, dropped) = app.get("/api/v1/interactions?rejected=true").await;
    assert_eq!(dropped["interactions"].as_array().unwrap().len(), 1);
    let (_, limited) = app.get("/api/v1/interactions?limit=2").await;
    assert_eq!(limited["interactions"].as_array().unwrap().len(), 2);

    let (status, body) = app.get("/api/v1/interactions?status=bogus").await;
    assert_eq!((status, code(&body)), (400, "invalid_request"));
    // Out of range is refused, not read as the nearest page size (limit=0 once read as 1).
    for limit in ["-1", "0", "501"] {
        let (status, body) = app
            .get(&format!("/api/v1/interactions?limit={limit}"))
            .await;
        assert_eq!((status, code(&body)), (400, "invalid_request"), "{limit}");
    }
    let (_, body) = app.get("/api/v1/interactions?limit=0").await;
    assert!(
        body["error"]["hint"].as_str().unwrap().contains("1 to 500"),
        "{body}"
    );
    let (status, body) = app
        .get(&format!("/api/v1/interactions/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    let (status, _) = app.get("/api/v1/interactions/zzz").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn retention_keeps_only_the_newest() {
    let app = spawn_app_with(|s| s.interaction_retention = 3).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let verdict = app.verify(None, items(&[("n", &i.to_string())])).await;
        ids.push(verdict["id"].clone());
    }
    let (_, body) = app.get("/api/v1/interactions?limit=500").await;
    let kept: Vec<_> = body["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(kept, [ids[4].clone(), ids[3].clone(), ids[2].clone()]);
}

#[tokio::test]
async fn concurrent_verifies_are_all_recorded_in_batches() {
    let app = spawn_app().await;
    // 203 = 128 + 64 + 8 + 2 + 1: exercises every multi-row INSERT size the recorder uses.
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..203 {
        let (client, url) = (app.client.clone(), app.url("/api/v1/verify"));
        calls.spawn(async move {
            let body = json!({ "interactionData": items(&[("n", &i.to_string())]) });
            let verdict: serde_json::Value = client
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            verdict["id"].clone()
        });
    }
    let mut sent = calls.join_all().await;
    let (_, body) = app.get("/api/v1/interactions?limit=500").await;
    let mut recorded: Vec<_> = body["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(recorded.len(), 203);
    sent.sort_by_key(|v| v.to_string());
    recorded.sort_by_key(|v| v.to_string());
    assert_eq!(sent, recorded);
}

#[tokio::test]
async fn pages_follow_the_cursor_to_the_oldest_without_overlap() {
    let app = spawn_app().await;
    let mut sent = Vec::new();
    for i in 0..7 {
        let verdict = app.verify(None, items(&[("n", &i.to_string())])).await;
        sent.push(verdict["id"].clone());
    }
    sent.reverse();
    let (listed, pages) = app.list_all("limit=3").await;
    assert_eq!(pages, 3);
    assert_eq!(listed, sent, "newest first, each once");

    // Filters hold across pages; a cursor this server did not give is refused.
    let (_, valid) = app.get("/api/v1/interactions?status=valid&limit=2").await;
    assert_eq!(valid["interactions"], json!([]));
    assert_eq!(valid["next"], json!(null));
    for bad in ["abc", "-5", "0", "1.5"] {
        let (status, body) = app.get(&format!("/api/v1/interactions?cursor={bad}")).await;
        assert_eq!((status, code(&body)), (400, "invalid_request"), "{bad}");
    }
}

#[tokio::test]
async fn retention_by_bytes_keeps_the_newest_that_fit() {
    // The smallest disk budget, for rows of ~800 KB as the budget counts them (request and
    // verdict echo the data, the items are kept once more for search, each 8 KB item in three
    // pages).
    let app = spawn_app_with(|s| s.interaction_retention_bytes = "8MiB".parse().unwrap()).await;
    let data = "x".repeat(8 * 1024);
    let big: Vec<(String, &str)> = (0..24).map(|i| (format!("f{i}"), data.as_str())).collect();
    let big: Vec<(&str, &str)> = big.iter().map(|(l, d)| (l.as_str(), *d)).collect();
    let mut ids = Vec::new();
    for _ in 0..12 {
        // One at a time, each read back, so every write is its own batch.
        let verdict = app.verify(None, items(&big)).await;
        ids.push(verdict["id"].clone());
        let (status, _) = app.get("/api/v1/interactions?limit=1").await;
        assert_eq!(status, 200);
    }
    let (kept, _) = app.list_all("limit=500").await;
    let row_bytes = {
        let (_, one) = app
            .get(&format!(
                "/api/v1/interactions/{}",
                ids[11].as_str().unwrap()
            ))
            .await;
        // Request, verdict, and the items it carried (kept whole for search), as the pages
        // each row takes (storage/retention.rs).
        use talkative_emulator::storage::retention::{
            ITEM_COLUMNS, ITEM_INDEX, LOG_ROW_COLUMNS, LOG_ROW_INDEXES, row_cost,
        };
        let items: u64 = ["accepted", "rejected"]
            .iter()
            .flat_map(|list| one["verdict"][list].as_array().unwrap().clone())
            .map(|item| {
                let text =
                    item["label"].as_str().unwrap().len() + item["data"].as_str().unwrap().len();
                row_cost(text as u64 + ITEM_COLUMNS) + ITEM_INDEX
            })
            .sum();
        let texts = one["request"].to_string().len() + one["verdict"].to_string().len();
        (row_cost(texts as u64 + LOG_ROW_COLUMNS) + LOG_ROW_INDEXES + items) as usize
    };
    // What the budget leaves the log's rows (Settings::retention).
    let mut settings = talkative_emulator::configuration::Settings::ephemeral("sqlite::memory:");
    settings.interaction_retention_bytes = "8MiB".parse().unwrap();
    let fit = settings.retention().bytes as usize / row_bytes;
    assert!((4..12).contains(&fit), "{row_bytes} bytes a row");
    let newest: Vec<_> = ids.iter().rev().take(fit).cloned().collect();
    assert_eq!(
        kept, newest,
        "the newest {fit} of 12 rows of {row_bytes} bytes"
    );
}

#[tokio::test]
async fn a_retention_below_eight_mebibytes_is_refused() {
    for bad in ["1MiB", "4MiB", "0", "lots"] {
        let parsed = bad.parse::<talkative_emulator::configuration::ByteSize>();
        assert!(parsed.is_err(), "{bad}");
    }
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_talkative-emulator"))
        .args(["serve", "--interaction-retention-bytes", "1MiB"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("minimum of 8MiB"), "{stderr}");
}

/// The API takes the filters the portal's list uses: `q` (text anywhere in an item), `source`
/// and `code`; a value that is none of them is a 400 that says so.
#[tokio::test]
async fn the_api_filters_by_search_text_source_and_code_as_the_page_does() {
    let app = crate::helpers::spawn_app().await;
    app.add_key(
        "backend",
        &crate::helpers::TestSigner::generate().public_pem(),
    )
    .await;
    app.verify(None, crate::helpers::items(&[("email", "ada@Example.com")]))
        .await;
    app.verify(None, crate::helpers::items(&[("page", "/pricing")]))
        .await;
    let ids = async |query: &str| -> Vec<String> {
        let (status, body) = app.get(&format!("/api/v1/interactions?{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        body["interactions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                row["request"]["interactionData"][0]["data"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(ids("q=EXAMPLE").await, ["ada@Example.com"]);
    assert_eq!(ids("q=pric").await, ["/pricing"]);
    assert_eq!(ids("source=api&code=not_allowlisted").await.len(), 2);
    assert!(ids("source=widget").await.is_empty());
    for (query, hint) in [
        ("source=web", "core_api"),
        ("code=invalid_pem", "not_allowlisted"),
    ] {
        let (status, body) = app.get(&format!("/api/v1/interactions?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(
            body["error"]["hint"].as_str().unwrap().contains(hint),
            "{body}"
        );
    }
}
