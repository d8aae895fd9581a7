//! `/metrics` checked by an independent parser: the OpenMetrics parser of the Prometheus
//! project's Python client (`prometheus_client`, pinned in tests/interop/requirements.txt, which
//! scripts/test.sh installs), on a scrape taken after real traffic. The server writes the
//! exposition with the project's Rust client; this reads it with another implementation. Two
//! copies broken on purpose are refused, so the pass is the parser's. (Debian's promtool 2.42
//! reads only the older 0.0.4 text format, and flags OpenMetrics counters' `_total` samples.)

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::helpers::{TestSigner, items, spawn_app};

const PARSER_HINT: &str = "the OpenMetrics check needs python3 with prometheus_client: \
    pip install -r tests/interop/requirements.txt (scripts/install-test-deps.sh does).";

/// Runs the parser on `exposition`: its output, or its complaint.
fn parse(exposition: &str) -> Result<String, String> {
    let mut parser = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/metrics/check_openmetrics.py"
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run python3: {e}. {PARSER_HINT}"));
    parser
        .stdin
        .take()
        .unwrap()
        .write_all(exposition.as_bytes())
        .unwrap();
    let output = parser.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "{stderr}{PARSER_HINT}"
    );
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(stderr)
    }
}

#[tokio::test]
async fn an_openmetrics_parser_accepts_a_scrape_taken_after_real_traffic() {
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
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let scrape = response.text().await.unwrap();
    assert!(
        scrape.contains("talkative_verifications_total{status=\"valid\"} 5"),
        "{scrape}"
    );
    assert!(scrape.contains("talkative_verdict_codes_total{code=\"invalid_segments\"} 1"));

    let families = parse(&scrape).unwrap_or_else(|e| panic!("refused:\n{e}\n{scrape}"));
    for family in [
        "talkative_verifications counter 3",
        "talkative_verify_duration_seconds histogram",
        "talkative_signing_keys gauge 2",
        "talkative_rate_limited counter 2",
        "talkative_build info 1",
    ] {
        assert!(families.contains(family), "{family} in {families}");
    }

    // The parser refuses what is not OpenMetrics.
    let without_eof = scrape.replace("# EOF\n", "");
    assert!(parse(&without_eof).unwrap_err().contains("EOF"));
    let unordered_buckets = scrape.replace(
        "talkative_verify_duration_seconds_bucket{le=\"+Inf\"}",
        "talkative_verify_duration_seconds_bucket{le=\"0.00001\"}",
    );
    assert!(parse(&unordered_buckets).is_err());
}
