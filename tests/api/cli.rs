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

/// Runs the server with `extra` flags and stderr piped (not a terminal), stops it with SIGTERM,
/// and returns what it logged.
async fn server_log(extra: &[&str]) -> String {
    server_log_after(extra, async |_| {}).await
}

/// As [`server_log`], after `requests` ran against the server (given its base URL).
async fn server_log_after(extra: &[&str], requests: impl AsyncFnOnce(&str)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_talkative-emulator"))
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("log.db").display()),
        )
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    assert!(
        crate::helpers::answers_soon(&base).await,
        "the server did not start"
    );
    requests(&base).await;
    let terminated = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stderr).unwrap()
}

#[tokio::test]
async fn log_format_json_writes_one_json_object_per_line() {
    let log = server_log(&["--log-format", "json"]).await;
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 2, "{log}");
    let mut messages = Vec::new();
    for line in &lines {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(event["timestamp"].is_string(), "{line}");
        assert!(event["level"].is_string(), "{line}");
        messages.push(
            event["fields"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert!(
        messages
            .iter()
            .any(|m| m.contains("listening on http://127.0.0.1:")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("stopped")),
        "{messages:?}"
    );
    assert!(!log.contains('\u{1b}'), "no colour codes in JSON");
}

#[tokio::test]
async fn the_readable_log_has_no_colour_codes_when_stderr_is_not_a_terminal() {
    let log = server_log(&[]).await;
    assert!(log.contains("listening on http://127.0.0.1:"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in a piped log: {log:?}"
    );
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_talkative-emulator"))
        .args(["--log-format", "xml"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("[possible values: human, json]"));
}

/// What bash's completion offers after `words` (the last one being completed), using the
/// script `completions bash` prints, as a shell that sourced it would.
fn bash_completes(script: &Path, words: &[&str]) -> Vec<String> {
    let line = words.join(" ");
    let program = format!(
        "source {script}\nCOMP_WORDS=({line})\nCOMP_CWORD={cword}\nCOMP_LINE='{line}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         _talkative__emulator talkative-emulator '{last}' '{previous}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script = script.display(),
        cword = words.len() - 1,
        last = words[words.len() - 1],
        previous = words[words.len() - 2],
    );
    let output = Command::new("bash")
        .args(["-c", &program])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output).lines().map(str::to_owned).collect()
}

#[test]
fn completions_complete_subcommands_and_flags_in_bash_and_exist_for_zsh_and_fish() {
    let dir = tempfile::tempdir().unwrap();
    let bash = emulator(dir.path(), &["completions", "bash"], "");
    assert!(bash.status.success(), "{}", stderr(&bash));
    let script = dir.path().join("talkative-emulator.bash");
    std::fs::write(&script, &bash.stdout).unwrap();
    assert_eq!(
        bash_completes(&script, &["talkative-emulator", "ke"]),
        ["keygen"]
    );
    assert_eq!(
        bash_completes(&script, &["talkative-emulator", "serve", "--log-f"]),
        ["--log-format"]
    );
    let mut formats = bash_completes(&script, &["talkative-emulator", "--log-format", ""]);
    formats.sort();
    assert_eq!(formats, ["human", "json"]);

    // Every subcommand and every flag of the binary, in every script: they come from one
    // definition.
    let cli = <talkative_emulator::cli::Cli as clap::CommandFactory>::command();
    let mut names: Vec<String> = cli
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    names.extend(
        cli.get_arguments()
            .filter_map(|a| a.get_long().map(|l| format!("--{l}"))),
    );
    assert!(names.contains(&"--allowed-host".to_owned()) && names.contains(&"man".to_owned()));
    for shell in ["bash", "zsh", "fish"] {
        let output = emulator(dir.path(), &["completions", shell], "");
        assert!(output.status.success(), "{shell}: {}", stderr(&output));
        let script = stdout(&output);
        for name in &names {
            let bare = name.trim_start_matches('-');
            assert!(script.contains(bare), "{shell} does not complete {name}");
        }
    }
    let unknown = emulator(dir.path(), &["completions", "tcsh"], "");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("invalid value 'tcsh'"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn the_man_page_renders_and_documents_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let output = emulator(dir.path(), &["man"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let page = stdout(&output);
    assert!(page.contains(".TH talkative-emulator 1"), "{page}");
    // roff writes a hyphen as `\-`.
    let page = page.replace("\\-", "-");
    for subcommand in [
        "serve",
        "keygen",
        "sign",
        "verify",
        "decode",
        "hash-password",
        "completions",
        "man",
    ] {
        assert!(
            page.contains(subcommand),
            "the man page misses {subcommand}"
        );
    }
    assert!(
        page.contains("--log-format"),
        "the man page misses --log-format"
    );
}

#[test]
fn keygen_makes_a_missing_out_dir_readable_by_its_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("ci").join("keys");
    let made = emulator(dir.path(), &["keygen", "--out-dir", "ci/keys"], "");
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(keys.join("ec_private.pem").exists() && keys.join("ec_public.pem").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&keys).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{mode:o}");
        let mode = std::fs::metadata(keys.join("ec_private.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
    // A path that cannot be a folder is refused with the reason, nothing written.
    std::fs::write(dir.path().join("file"), "").unwrap();
    let refused = emulator(dir.path(), &["keygen", "--out-dir", "file/keys"], "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("creating file/keys"),
        "{}",
        stderr(&refused)
    );
}

/// A refused token and a dropped item are WARN lines in the server log, in both formats (#31),
/// naming the arrival, its source, the code and the item's label.
#[tokio::test]
async fn refusals_are_warn_lines_in_both_log_formats() {
    let signer = TestSigner::generate();
    let forged = TestSigner::generate().sign_items(&items(&[("email", "spoof@evil")]));
    let ids = std::sync::Mutex::new(Vec::new());
    let requests = async |base: &str| {
        let client = reqwest::Client::new();
        let key = client
            .post(format!("{base}/api/v1/signing-keys"))
            .json(&json!({ "name": "backend", "pem": signer.public_pem() }))
            .send()
            .await
            .unwrap();
        assert_eq!(key.status(), 201);
        let verdict: serde_json::Value = client
            .post(format!("{base}/api/v1/verify"))
            .json(&json!({
                "signedInteractionData": forged,
                "interactionData": [{ "label": "coupon", "data": "FREE", "type": "string" }],
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.lock()
            .unwrap()
            .push(verdict["id"].as_str().unwrap().to_owned());
        // A backend's write to an interaction that does not exist: not applied, and said.
        let made: serde_json::Value = client
            .post(format!("{base}/api/v1/api-keys"))
            .json(&json!({ "name": "crm" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let missing = client
            .post(format!(
                "{base}/api/core/v1/interactions/6f1c2a8e-1111-4e0a-8c69-89076b59c808/interaction-data"
            ))
            .bearer_auth(made["token"].as_str().unwrap())
            .json(&json!({ "name": "crm_id", "label": "CRM id", "data": "C-42" }))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
    };
    let human = server_log_after(&[], requests).await;
    let id = ids.lock().unwrap()[0].clone();
    let warned: Vec<&str> = human.lines().filter(|l| l.contains(" WARN ")).collect();
    assert!(
        warned.iter().any(|l| l.contains("signed data refused")
            && l.contains("code=\"signature_mismatch\"")
            && l.contains(&format!("arrival={id}"))
            && l.contains("source=\"api\"")),
        "{human}"
    );
    assert!(
        warned.iter().any(|l| l.contains("item dropped")
            && l.contains("code=\"not_allowlisted\"")
            && l.contains("label=coupon")),
        "{human}"
    );
    assert!(
        warned
            .iter()
            .any(|l| l.contains("Core API write not applied")
                && l.contains("api_key=crm")
                && l.contains("name=crm_id")),
        "{human}"
    );

    let json_log = server_log_after(&["--log-format", "json"], requests).await;
    let id = ids.lock().unwrap()[1].clone();
    let events: Vec<serde_json::Value> = json_log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|e: &serde_json::Value| e["level"] == "WARN")
        .collect();
    let fields: Vec<&serde_json::Value> = events.iter().map(|e| &e["fields"]).collect();
    assert!(
        fields.iter().any(|f| f["code"] == "signature_mismatch"
            && f["arrival"] == id.as_str()
            && f["source"] == "api"),
        "{json_log}"
    );
    assert!(
        fields
            .iter()
            .any(|f| f["code"] == "not_allowlisted" && f["label"] == "coupon"),
        "{json_log}"
    );
}
