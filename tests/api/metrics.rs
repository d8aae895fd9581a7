//! `/metrics`: counters that move by exactly what was done, and the admin password in front of
//! it when one is set. (an OpenMetrics parser on a real scrape is in tests/e2e/metrics.rs.)

use serde_json::json;
use talkative_emulator::auth::AdminCredential;

use crate::helpers::{TestApp, TestSigner, items, spawn_app, spawn_app_with};

async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    response.text().await.unwrap()
}

/// The value of the sample `series` (name and labels, exactly as exposed).
fn sample(scrape: &str, series: &str) -> f64 {
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {series} in the scrape"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn counters_move_by_exactly_what_was_done() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    app.add_key("old", &TestSigner::generate().public_pem())
        .await;
    app.add_field("page").await;
    let before = scrape(&app).await;
    assert_eq!(
        sample(&before, "talkative_verifications_total{status=\"valid\"}"),
        0.0
    );
    assert_eq!(
        sample(&before, "talkative_signing_keys{state=\"active\"}"),
        2.0
    );
    assert_eq!(sample(&before, "talkative_unsigned_fields"), 1.0);
    assert_eq!(sample(&before, "talkative_interaction_log_rows"), 0.0);
    assert!(before.contains("talkative_build_info{version=\""));

    let token = signer.sign_items(&items(&[("email", "a@b.c")]));
    // Two valid, one of them dropping two unsigned items for the same reason (counted once).
    app.verify(Some(&token), json!([])).await;
    app.verify(Some(&token), items(&[("coupon", "X"), ("utm", "y")]))
        .await;
    // One invalid (a trailing newline), one absent.
    app.verify(Some(&format!("{token}\n")), json!([])).await;
    app.verify(None, items(&[("page", "/p")])).await;

    let after = scrape(&app).await;
    let moved = |series: &str| sample(&after, series) - sample(&before, series);
    assert_eq!(
        moved("talkative_verifications_total{status=\"valid\"}"),
        2.0
    );
    assert_eq!(
        moved("talkative_verifications_total{status=\"invalid\"}"),
        1.0
    );
    assert_eq!(
        moved("talkative_verifications_total{status=\"absent\"}"),
        1.0
    );
    assert_eq!(
        moved("talkative_verdict_codes_total{code=\"not_allowlisted\"}"),
        1.0
    );
    assert_eq!(
        moved("talkative_verdict_codes_total{code=\"invalid_base64url\"}"),
        1.0
    );
    assert_eq!(
        moved("talkative_verdict_codes_total{code=\"invalid_signature\"}"),
        1.0
    );
    assert_eq!(
        moved("talkative_verdict_codes_total{code=\"signature_mismatch\"}"),
        0.0
    );
    assert_eq!(moved("talkative_verify_duration_seconds_count"), 4.0);
    assert_eq!(
        sample(
            &after,
            "talkative_verify_duration_seconds_bucket{le=\"+Inf\"}"
        ),
        4.0
    );
    assert!(sample(&after, "talkative_verify_duration_seconds_sum") > 0.0);
    assert_eq!(sample(&after, "talkative_interaction_log_rows"), 4.0);
    assert!(sample(&after, "talkative_interaction_log_bytes") > 1000.0);
    assert_eq!(moved("talkative_interaction_log_write_errors_total"), 0.0);
}

#[tokio::test]
async fn metrics_need_the_password_as_a_bearer_when_one_is_set() {
    let password = "correct horse battery staple";
    let app =
        spawn_app_with(|s| s.admin = Some(AdminCredential::from_password(password).unwrap())).await;
    let anonymous = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        anonymous.headers()["www-authenticate"],
        "Bearer realm=\"talkative-emulator\""
    );
    let scraper = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(password)
        .send()
        .await
        .unwrap();
    assert_eq!(scraper.status(), 200);
    assert!(
        scraper
            .text()
            .await
            .unwrap()
            .contains("talkative_verifications_total")
    );
}
