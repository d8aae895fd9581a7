//! The served OpenAPI document passes the standard validator, `openapi-spec-validator` from
//! PyPI (pinned in tests/openapi/requirements.txt, installed into target/openapi-venv by
//! scripts/install-test-deps.sh); this test fails, never skips, without it. A document broken
//! on purpose is refused, so a pass is the validator's verdict and not a tool that accepts
//! anything. (Every JSON answer in the suites is checked against the document itself by
//! `helpers::contract`.)

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::helpers::spawn_app;

fn validator() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/openapi-venv/bin/openapi-spec-validator")
}

/// The validator's verdict on `document`: Ok, or what it printed.
fn validate(document: &Value) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, document.to_string()).unwrap();
    let output = Command::new(validator())
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {}: {e}. Run scripts/install-test-deps.sh.",
                validator().display()
            )
        });
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        assert!(printed.contains("OK"), "{printed}");
        Ok(())
    } else {
        Err(printed)
    }
}

#[tokio::test]
async fn the_served_document_passes_openapi_spec_validator() {
    let app = spawn_app().await;
    let (status, document) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    if let Err(printed) = validate(&document) {
        panic!("openapi-spec-validator refused the document:\n{printed}");
    }

    // A response without its required description, and a reference to nothing: refused.
    let mut broken = document.clone();
    broken["paths"]["/health"]["get"]["responses"]["200"]
        .as_object_mut()
        .unwrap()
        .remove("description");
    assert!(validate(&broken).is_err(), "a missing description passed");
    let mut dangling = document;
    dangling["paths"]["/api/v1/verify"]["post"]["responses"]["200"]["content"]["application/json"]
        ["schema"]["$ref"] = "#/components/schemas/Nothing".into();
    assert!(validate(&dangling).is_err(), "a dangling $ref passed");
}
