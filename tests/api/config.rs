//! Config-as-file seeding, the reset call, and report-only mode.

use std::process::Command;

use serde_json::json;
use talkative_emulator::configuration::config_file::ConfigFile;

use crate::helpers::{TestSigner, code, items, pairs, sources, spawn_app_with};

/// A config file naming a key file (relative path) and two unsigned fields.
fn config(signer: &TestSigner, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("keys")).unwrap();
    std::fs::write(dir.path().join("keys/ec_public.pem"), signer.public_pem()).unwrap();
    std::fs::write(
        dir.path().join("emulator.toml"),
        format!(
            "{extra}\nunsigned_fields = [\"page\", \"utm_source\"]\n\n[[signing_keys]]\nname = \"ci backend\"\npem_file = \"keys/ec_public.pem\"\n"
        ),
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn config_file_seeds_keys_and_fields_and_reset_restores_them() {
    let signer = TestSigner::generate();
    let dir = config(&signer, "");
    let seed = ConfigFile::load(&dir.path().join("emulator.toml")).unwrap();
    let app = spawn_app_with(|s| s.config_file = seed).await;

    let (_, keys) = app.get("/api/v1/signing-keys").await;
    assert_eq!(keys["signingKeys"][0]["name"], "ci backend");
    let token = signer.sign_items(&items(&[("email", "a@b.c")]));
    let verdict = app
        .verify(Some(&token), items(&[("page", "/x"), ("coupon", "y")]))
        .await;
    assert_eq!(verdict["signature"]["status"], "valid");
    assert_eq!(verdict["accepted"][1]["source"], "unsigned_allowlisted");
    assert_eq!(verdict["rejected"][0]["reason"]["code"], "not_allowlisted");

    // A test suite changes things, then resets.
    app.add_field("coupon").await;
    app.add_key("extra", &TestSigner::generate().public_pem())
        .await;
    let key_id = keys["signingKeys"][0]["id"].as_str().unwrap();
    app.patch(
        &format!("/api/v1/signing-keys/{key_id}"),
        &json!({ "active": false }),
    )
    .await;

    let (status, reset) = app.post("/api/v1/reset", &json!({})).await;
    assert_eq!(status, 200, "{reset}");
    assert_eq!(
        reset,
        json!({ "signingKeys": 1, "unsignedFields": 2, "widgetConfigs": 1, "reportOnly": false })
    );
    let (_, interactions) = app.get("/api/v1/interactions").await;
    assert_eq!(interactions["interactions"], json!([]));
    let (_, fields) = app.get("/api/v1/unsigned-fields").await;
    let labels: Vec<_> = fields["unsignedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].clone())
        .collect();
    assert_eq!(labels, [json!("page"), json!("utm_source")]);
    // The seeded key is back, active, and verifies at once.
    let verdict = app.verify(Some(&token), items(&[("coupon", "y")])).await;
    assert_eq!(verdict["signature"]["status"], "valid");
    assert_eq!(verdict["rejected"][0]["reason"]["code"], "not_allowlisted");
}

#[tokio::test]
async fn report_only_accepts_everything_and_lists_what_would_drop() {
    let signer = TestSigner::generate();
    let dir = config(&signer, "report_only = true");
    let seed = ConfigFile::load(&dir.path().join("emulator.toml")).unwrap();
    let app = spawn_app_with(|s| {
        s.report_only = seed.report_only.unwrap_or(false);
        s.config_file = seed;
    })
    .await;
    let forged = TestSigner::generate().sign_items(&items(&[("email", "spoof@evil")]));
    let verdict = app
        .verify(Some(&forged), items(&[("page", "/x"), ("coupon", "y")]))
        .await;
    assert_eq!(verdict["enforcement"], "report_only");
    assert_eq!(code(&verdict), "signature_mismatch");
    assert_eq!(verdict["rejected"], json!([]));
    assert_eq!(
        sources(&verdict["accepted"]),
        pairs(&[
            ("email", "report_only"),
            ("page", "unsigned_allowlisted"),
            ("coupon", "report_only")
        ])
    );
    assert_eq!(
        sources(&verdict["wouldReject"]),
        pairs(&[
            ("email", "invalid_signature"),
            ("coupon", "not_allowlisted")
        ])
    );
    let (_, reset) = app.post("/api/v1/reset", &json!({})).await;
    assert_eq!(reset["reportOnly"], true);
}

#[test]
fn serve_refuses_a_bad_config_file_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("emulator.toml");
    std::fs::write(&path, "[[signing_keys]]\npem = \"-----BEGIN EC PRIVATE KEY-----\\nAQID\\n-----END EC PRIVATE KEY-----\"\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_talkative-emulator"))
        .args(["serve", "--bind", "127.0.0.1:0", "--config"])
        .arg(&path)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("x.db").display()),
        )
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("private_key_not_accepted"), "{stderr}");
    assert!(
        !dir.path().join("x.db").exists(),
        "nothing was created for a bad config"
    );
}

/// What the Unsigned fields page matches: the config file may say, the flag overrides it.
#[tokio::test]
async fn the_unsigned_field_match_comes_from_the_file_or_the_flag() {
    use clap::Parser;
    use talkative_emulator::cli::Cli;
    use talkative_emulator::domain::ItemMember;
    let signer = TestSigner::generate();
    let dir = config(&signer, "unsigned_field_match = \"label\"");
    let file = dir.path().join("emulator.toml");
    let settings = |extra: &[&str]| {
        let mut args = vec![
            "talkative-emulator",
            "serve",
            "--config",
            file.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let cli = Cli::try_parse_from(args).unwrap();
        let Some(talkative_emulator::cli::Command::Serve(serve)) = cli.command else {
            panic!("serve");
        };
        serve.into_settings().unwrap()
    };
    assert_eq!(settings(&[]).unsigned_field_match, ItemMember::Label);
    assert_eq!(
        settings(&["--unsigned-field-match", "name"]).unsigned_field_match,
        ItemMember::Name
    );
    let refused = Cli::try_parse_from([
        "talkative-emulator",
        "serve",
        "--unsigned-field-match",
        "key",
    ]);
    assert!(refused.is_err(), "only name or label");
    std::fs::write(&file, "unsigned_field_match = \"both\"\n").unwrap();
    let error = ConfigFile::load(&file).unwrap_err();
    assert!(
        format!("{error:#}").contains("unsigned_field_match"),
        "{error:#}"
    );
}
