//! Size limits on what one verification may carry: items per list, field lengths, header size.
//! Each is refused with its own code, in the verdict for signed data and as a 422 for the
//! request's own unsigned data.

use serde_json::{Value, json};

use crate::helpers::{TestSigner, code, sources, spawn_app};

fn many(count: usize) -> Value {
    Value::Array(
        (0..count)
            .map(|i| json!({ "label": format!("f{i}"), "data": "x", "type": "string" }))
            .collect(),
    )
}

#[tokio::test]
async fn signed_payloads_over_the_limits_are_refused_at_the_payload() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("k", &signer.public_pem()).await;

    let at_limit = app
        .verify(Some(&signer.sign_items(&many(100))), json!([]))
        .await;
    assert_eq!(at_limit["signature"]["status"], "valid", "{at_limit}");
    assert_eq!(at_limit["accepted"].as_array().unwrap().len(), 100);

    let long_data =
        json!([{ "label": "note", "data": "d".repeat(8 * 1024 + 1), "type": "string" }]);
    let long_label = json!([{ "label": "l".repeat(256), "data": "", "type": "string" }]);
    for (items, expected) in [
        (many(101), "too_many_items"),
        (long_data, "item_too_large"),
        (long_label, "item_too_large"),
    ] {
        let verdict = app
            .verify(Some(&signer.sign_items(&items)), json!([]))
            .await;
        assert_eq!(code(&verdict), expected, "{verdict}");
        assert_eq!(verdict["signature"]["failedAt"], "payload");
        assert_eq!(verdict["accepted"], json!([]));
        // Refused as a whole: nothing of an oversized payload is taken.
        assert!(
            sources(&verdict["rejected"])
                .iter()
                .all(|(_, why)| why == "invalid_signature")
        );
    }
}

#[tokio::test]
async fn oversized_headers_are_refused_before_parsing() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("k", &signer.public_pem()).await;
    let header = json!({ "alg": "ES256", "x": "p".repeat(4 * 1024) }).to_string();
    let token = signer.token(&header, &json!([]).to_string());
    let verdict = app.verify(Some(&token), json!([])).await;
    assert_eq!(code(&verdict), "header_too_large");
    assert_eq!(verdict["signature"]["failedAt"], "header");
}

#[tokio::test]
async fn unsigned_data_over_the_limits_is_a_422() {
    let app = spawn_app().await;
    let long_type = json!([{ "label": "a", "data": "", "type": "t".repeat(65) }]);
    for (unsigned, expected) in [(many(101), "too_many_items"), (long_type, "item_too_large")] {
        let (status, body) = app
            .post("/api/v1/verify", &json!({ "interactionData": unsigned }))
            .await;
        assert_eq!((status, code(&body)), (422, expected), "{body}");
        assert!(
            body["error"]["hint"]
                .as_str()
                .is_some_and(|h| !h.is_empty())
        );
    }
    // Nothing was recorded for a refused request.
    let (_, log) = app.get("/api/v1/interactions").await;
    assert_eq!(log["interactions"], json!([]), "{log}");
}

#[tokio::test]
async fn every_route_that_reads_a_body_refuses_an_oversized_one_with_413() {
    let app = spawn_app().await;
    let huge_json = format!(r#"{{"name":"k","pem":"{}"}}"#, "a".repeat(300 * 1024));
    for path in [
        "/api/v1/verify",
        "/api/v1/signing-keys",
        "/api/v1/unsigned-fields",
    ] {
        let (status, body) = app
            .post_raw(path, "application/json", huge_json.clone())
            .await;
        assert_eq!((status, code(&body)), (413, "payload_too_large"), "{path}");
    }
    let key = app.add_key("k", &TestSigner::generate().public_pem()).await;
    let response = app
        .client
        .patch(app.url(&format!(
            "/api/v1/signing-keys/{}",
            key["id"].as_str().unwrap()
        )))
        .header("Content-Type", "application/json")
        .body(huge_json.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);

    // Portal forms: the same status; a browser gets the portal's error page, a script the JSON.
    let huge_form = format!("csrf_token=x&label={}", "a".repeat(300 * 1024));
    for path in ["/signing-keys", "/unsigned-fields", "/playground"] {
        for accept in ["text/html,application/xhtml+xml,*/*;q=0.8", "*/*"] {
            let response = app
                .client
                .post(app.url(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", accept)
                .body(huge_form.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 413, "{path}");
            let html = accept.starts_with("text/html");
            let content_type = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(content_type.starts_with(if html {
                "text/html"
            } else {
                "application/json"
            }));
            let body = response.text().await.unwrap();
            if html {
                assert!(body.contains("payload_too_large"), "{path}");
            } else {
                let json: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(code(&json), "payload_too_large", "{path}");
            }
        }
    }
    // Nothing but the one key was stored.
    let (_, keys) = app.get("/api/v1/signing-keys").await;
    assert_eq!(keys["signingKeys"].as_array().unwrap().len(), 1);
    let (_, fields) = app.get("/api/v1/unsigned-fields").await;
    assert_eq!(fields["unsignedFields"], json!([]), "{fields}");
}

#[tokio::test]
async fn oversized_http_headers_get_431_and_the_server_carries_on() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = spawn_app().await;
    let authority = app.address.trim_start_matches("http://").to_owned();
    for (description, headers) in [
        (
            "one 200 KiB header",
            format!("X-Big: {}\r\n", "a".repeat(200 * 1024)),
        ),
        (
            "200 headers",
            (0..200)
                .map(|i| format!("X-H{i}: a\r\n"))
                .collect::<String>(),
        ),
    ] {
        let mut stream = tokio::net::TcpStream::connect(&authority).await.unwrap();
        let request = format!(
            "POST /api/v1/verify HTTP/1.1\r\nHost: {authority}\r\n{headers}Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
        );
        // The server may answer and close before reading everything; only the answer matters.
        let _ = stream.write_all(request.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        let status_line = String::from_utf8_lossy(&answer)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(
            status_line, "HTTP/1.1 431 Request Header Fields Too Large",
            "{description}"
        );
    }
    let (status, _) = app.post("/api/v1/verify", &json!({})).await;
    assert_eq!(status, 200);
}

/// Sends `chunks` as one chunked (length-less) POST to /api/v1/verify, pausing between chunks so
/// the server reads them separately, and returns the status code and JSON body of the answer.
async fn post_chunked(app: &crate::helpers::TestApp, chunks: &[String]) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let authority = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&authority).await.unwrap();
    let head = format!(
        "POST /api/v1/verify HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    // The server may answer and close before taking everything; only the answer matters.
    let _ = stream.write_all(head.as_bytes()).await;
    for chunk in chunks {
        let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
        if stream.write_all(framed.as_bytes()).await.is_err() {
            break;
        }
        let _ = stream.flush().await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    // Written by hand, so checked against the API reference by hand.
    crate::helpers::check_exchange(
        &reqwest::Method::POST,
        "/api/v1/verify",
        None,
        status,
        Some("application/json"),
        body.as_bytes(),
    );
    (status, serde_json::from_str(body).unwrap())
}

#[tokio::test]
async fn chunked_bodies_are_read_whole_and_held_to_the_limit() {
    let app = crate::helpers::spawn_app_with(|settings| settings.max_body_bytes = 4096).await;
    let signer = TestSigner::generate();
    app.add_key("k", &signer.public_pem()).await;
    let token =
        signer.sign_items(&json!([{ "label": "email", "data": "a@b.c", "type": "string" }]));
    let body = json!({ "signedInteractionData": token, "interactionData": [] }).to_string();

    // Split mid-token: the verdict is only right if every chunk was joined in order.
    let thirds: Vec<String> = body
        .as_bytes()
        .chunks(body.len() / 3 + 1)
        .map(|part| String::from_utf8(part.to_vec()).unwrap())
        .collect();
    let (status, verdict) = post_chunked(&app, &thirds).await;
    assert_eq!(status, 200, "{verdict}");
    assert_eq!(verdict["signature"]["status"], "valid", "{verdict}");
    assert_eq!(
        sources(&verdict["accepted"]),
        [("email".to_owned(), "signed".to_owned())]
    );

    // No Content-Length to refuse up front: the limit is enforced while reading, whether the
    // excess comes in one chunk or builds up over several.
    for chunks in [vec!["x".repeat(5000)], vec!["y".repeat(1500); 4]] {
        let (status, problem) = post_chunked(&app, &chunks).await;
        assert_eq!(
            (status, code(&problem)),
            (413, "payload_too_large"),
            "{problem}"
        );
    }
    let (_, log) = app.get("/api/v1/interactions").await;
    assert_eq!(log["interactions"].as_array().unwrap().len(), 1, "{log}");
}
