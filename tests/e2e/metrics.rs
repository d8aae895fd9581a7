//! `/metrics` checked by the real tool: Prometheus's `promtool check metrics` on a scrape taken
//! after real traffic. Needs promtool (Debian package `prometheus`); scripts/test.sh installs it
//! and this test fails, never skips, without it.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::helpers::{TestSigner, items, spawn_app};

const PROMTOOL_HINT: &str =
    "promtool is missing: apt-get install prometheus (scripts/install-test-deps.sh does).";

#[tokio::test]
async fn promtool_accepts_a_scrape_taken_after_real_traffic() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    app.add_field("page").await;
    let token = signer.sign_items(&items(&[("email", "a@b.c")]));
    for _ in 0..5 {
        app.verify(Some(&token), items(&[("page", "/p"), ("coupon", "X")]))
            .await;
    }
    app.verify(Some("only.two"), json!([])).await;
    let scrape = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        scrape.contains("talkative_verifications_total{status=\"valid\"} 5"),
        "{scrape}"
    );
    assert!(scrape.contains("talkative_verdict_codes_total{code=\"invalid_segments\"} 1"));

    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run promtool: {e}. {PROMTOOL_HINT}"));
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(scrape.as_bytes())
        .unwrap();
    let output = promtool.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "promtool check metrics refused the scrape:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
