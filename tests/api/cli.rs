//! The same binary's offline subcommands, run as a user would run them.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::json;

use crate::helpers::{OPENSSL_HINT, TestSigner, article_key_pair, items, read, run, spawn_app};

fn emulator(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_talkative-emulator"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may exit before reading stdin (e.g. on a bad key): a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[tokio::test]
async fn keygen_sign_verify_round_trip_and_the_server_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let keygen = emulator(dir.path(), &["keygen"], "");
    assert!(keygen.status.success(), "{}", stderr(&keygen));
    // Same files as the article's openssl commands: openssl derives the same public key.
    let derived = run(
        "openssl",
        &["ec", "-in", "ec_private.pem", "-pubout"],
        dir.path(),
        OPENSSL_HINT,
    );
    assert_eq!(
        String::from_utf8(derived).unwrap(),
        read(dir.path(), "ec_public.pem")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("ec_private.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = emulator(dir.path(), &["keygen"], "");
    assert_eq!(
        again.status.code(),
        Some(2),
        "keygen must not overwrite keys silently"
    );

    let payload = items(&[("email", "a@b.c")]).to_string();
    let signed = emulator(dir.path(), &["sign"], &payload);
    assert!(signed.status.success(), "{}", stderr(&signed));
    let token = stdout(&signed).trim().to_owned();

    let verified = emulator(dir.path(), &["verify", &token], "");
    assert!(verified.status.success(), "{}", stderr(&verified));
    let report: serde_json::Value = serde_json::from_str(&stdout(&verified)).unwrap();
    assert_eq!(report["interactionData"][0]["data"], "a@b.c");

    // The payload starts "W3" (base64url of `[{`); "X3" changes the signed bytes.
    let tampered = token.replacen(".W3", ".X3", 1);
    assert_ne!(tampered, token);
    let refused = emulator(dir.path(), &["verify", "-"], &tampered);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).starts_with("signature_mismatch"),
        "{}",
        stderr(&refused)
    );

    let app = spawn_app().await;
    app.add_key("cli", &read(dir.path(), "ec_public.pem")).await;
    let verdict = app.verify(Some(&token), json!([])).await;
    assert_eq!(verdict["signature"]["status"], "valid", "{verdict}");
}

#[test]
fn sign_takes_article_and_pkcs8_keys_and_refuses_bad_input() {
    let dir = article_key_pair();
    let payload = items(&[("name", "Ann")]).to_string();
    let signed = emulator(dir.path(), &["sign", "--kid", "k1"], &payload);
    assert!(signed.status.success(), "{}", stderr(&signed));
    let token = stdout(&signed).trim().to_owned();
    let decoded = emulator(dir.path(), &["decode", &token], "");
    let decoded: serde_json::Value = serde_json::from_str(&stdout(&decoded)).unwrap();
    assert_eq!(decoded["header"], json!({ "alg": "ES256", "kid": "k1" }));
    assert_eq!(decoded["payload"][0]["data"], "Ann");

    let signer = TestSigner::generate();
    std::fs::write(dir.path().join("pkcs8.pem"), signer.private_pkcs8_pem()).unwrap();
    let pkcs8 = emulator(dir.path(), &["sign", "--key", "pkcs8.pem"], &payload);
    assert!(pkcs8.status.success(), "{}", stderr(&pkcs8));

    let not_array = emulator(dir.path(), &["sign"], r#"{"email":"a@b.c"}"#);
    assert_eq!(not_array.status.code(), Some(1));
    assert!(stderr(&not_array).starts_with("invalid_payload"));
    let public_key = emulator(dir.path(), &["sign", "--key", "ec_public.pem"], &payload);
    assert_eq!(public_key.status.code(), Some(2));
    let missing = emulator(dir.path(), &["verify", "--key", "nope.pem", "x.y.z"], "");
    assert_eq!(missing.status.code(), Some(2));
    let der = emulator(dir.path(), &["verify", "a.b"], "");
    assert_eq!(der.status.code(), Some(1));
    assert!(stderr(&der).starts_with("invalid_segments"));
}
