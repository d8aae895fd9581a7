//! What the npm and PyPI packages and CI jobs rely on from the binary: its version, `--print-url`,
//! `--stop-when-stdin-closes`, `exec`, and the TLS listener for Talkative's hosts with the
//! `tls ca` / `tls spki` that a browser or trust store needs.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::spawn_app;

const BINARY: &str = env!("CARGO_BIN_EXE_talkative-emulator");

/// The commit the test binary was built from, as `build.rs` stamps it (12 hex digits).
fn checkout_revision() -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8(output.stdout).unwrap().trim().to_owned())
}

#[tokio::test]
async fn health_and_version_name_the_version_and_the_commit_built_from() {
    let app = spawn_app().await;
    let (status, body) = app.get("/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    let printed = Command::new(BINARY).arg("--version").output().unwrap();
    let printed = String::from_utf8(printed.stdout).unwrap();
    match checkout_revision() {
        // Built from this checkout: the stamp is its HEAD (build.rs reruns when HEAD moves).
        Some(revision) => {
            assert_eq!(body["revision"], revision.as_str());
            assert_eq!(
                printed.trim(),
                format!(
                    "talkative-emulator {} ({revision})",
                    env!("CARGO_PKG_VERSION")
                )
            );
        }
        None => {
            assert!(body.get("revision").is_none(), "{body}");
            assert_eq!(
                printed.trim(),
                format!("talkative-emulator {}", env!("CARGO_PKG_VERSION"))
            );
        }
    }
}

fn serve(db_dir: &Path, extra: &[&str]) -> Child {
    Command::new(BINARY)
        .args(["serve", "--bind", "127.0.0.1:0", "--print-url"])
        .arg("--database-url")
        .arg(format!("sqlite://{}", db_dir.join("e.db").display()))
        .args(extra)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn first_lines(child: &mut Child, n: usize) -> Vec<String> {
    let mut out = BufReader::new(child.stdout.take().unwrap());
    (0..n)
        .map(|_| {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            line.trim().to_owned()
        })
        .collect()
}

fn wait_for_exit(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[tokio::test]
async fn print_url_gives_the_port_it_chose_and_a_closed_stdin_stops_it_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = serve(dir.path(), &["--stop-when-stdin-closes"]);
    let url = first_lines(&mut child, 1).remove(0);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":0"), "{url}");
    // Ready as soon as the line is printed: no retry needed.
    let health: Value = reqwest::get(format!("{url}/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    // Writing to stdin changes nothing; closing it (the parent died) stops the server.
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"ignored\n")
        .unwrap();
    assert!(wait_for_exit(&mut child, Duration::from_millis(300)).is_none());
    drop(child.stdin.take());
    let status = wait_for_exit(&mut child, Duration::from_secs(10))
        .expect("the emulator stops when its stdin closes");
    assert!(status.success(), "{status:?}");
    // Stopped gracefully: the lock on the database is released, so the next start succeeds.
    let mut again = serve(dir.path(), &["--stop-when-stdin-closes"]);
    assert!(first_lines(&mut again, 1)[0].starts_with("http://"));
    drop(again.stdin.take());
    assert!(wait_for_exit(&mut again, Duration::from_secs(10)).is_some());
}

fn exec(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(BINARY);
    command.arg("exec").args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.env_remove("RUST_LOG").output().unwrap()
}

/// A command that asks the emulator's /health over bash's /dev/tcp (no HTTP client needed) and
/// exits with the status it is given.
const ASK_HEALTH: &str = r#"u=${TALKATIVE_EMULATOR_URL#http://}
exec 3<>"/dev/tcp/${u%:*}/${u##*:}"
printf 'GET /health HTTP/1.0\r\nHost: %s\r\n\r\n' "$u" >&3
cat <&3
exit "$1""#;

#[test]
fn exec_runs_the_command_against_a_fresh_emulator_and_exits_with_its_status() {
    for wanted in ["0", "7"] {
        // A CI job's own DATABASE_URL and TALKATIVE_BIND are not the emulator's.
        let output = exec(
            &["--", "bash", "-c", ASK_HEALTH, "ask-health", wanted],
            &[
                ("DATABASE_URL", "postgres://ci/the-app-under-test"),
                ("TALKATIVE_BIND", "0.0.0.0:1"),
            ],
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(wanted.parse().unwrap()),
            "{output:?}"
        );
        assert!(stdout.starts_with("HTTP/1.0 200"), "{stdout}");
        assert!(stdout.contains(r#""status":"ok""#), "{stdout}");
        // Quiet unless something is wrong: the command's output is what the user reads.
        assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    }
}

#[test]
fn exec_says_when_the_command_cannot_run_and_exits_127() {
    let output = exec(&["--", "no-such-command-for-the-emulator"], &[]);
    assert_eq!(output.status.code(), Some(127));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("could not run no-such-command-for-the-emulator"),
        "{stderr}"
    );
    let missing = exec(&[], &[]);
    assert_eq!(missing.status.code(), Some(2), "{missing:?}");
}

#[test]
fn exec_passes_sigterm_to_the_command_and_exits_as_a_shell_reports_its_death() {
    let dir = tempfile::tempdir().unwrap();
    let started = dir.path().join("started");
    let script = format!("touch {}; exec sleep 30", started.display());
    let mut child = Command::new(BINARY)
        .args(["exec", "--", "bash", "-c", &script])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !started.exists() {
        assert!(Instant::now() < deadline, "the command did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status =
        wait_for_exit(&mut child, Duration::from_secs(10)).expect("exec ends once its command has");
    assert_eq!(status.code(), Some(128 + 15), "{status:?}");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(stderr, "");
}

fn tls(args: &[&str]) -> String {
    let output = Command::new(BINARY).arg("tls").args(args).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// One HTTP/1.1 request over TLS to `address`, trusting only `ca_pem`, naming `host` in SNI and
/// in `Host`: the status line, or the TLS error.
async fn https_get(
    address: &str,
    host: &str,
    ca_pem: &str,
    path: &str,
) -> Result<String, std::io::Error> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in rustls::pki_types::CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(certificate.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(address).await?;
    let name = rustls::pki_types::ServerName::try_from(host.to_owned()).unwrap();
    let mut stream = connector.connect(name, tcp).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await?;
    let mut answer = Vec::new();
    // A server that closes without close_notify is not this test's concern.
    let _ = stream.read_to_end(&mut answer).await;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn the_tls_listener_serves_talkatives_hosts_with_a_ca_trusted_for_those_and_loopback_only() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("e.db").display());
    // The pin and the CA can be had before the first start (a test sets its browser up first),
    // and they are what the server then uses.
    let pin = tls(&["spki", "--database-url", &database_url]);
    let ca = tls(&["ca", "--database-url", &database_url]);
    assert_eq!(pin.trim().len(), 44, "{pin}");
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");
    assert!(dir.path().join("e.db-tls").join("ca.pem").exists());

    let mut child = serve(dir.path(), &["--tls-bind", "127.0.0.1:0"]);
    let urls = first_lines(&mut child, 2);
    assert!(urls[0].starts_with("http://127.0.0.1:"), "{urls:?}");
    let https = urls[1]
        .strip_prefix("https://")
        .expect("the second line is the https URL");

    // As the browser sees it with --host-resolver-rules="MAP *.engage.app 127.0.0.1:PORT".
    let answer = https_get(https, "eu.engage.app", &ca, "/health")
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The loader, as a production page imports it.
    let loader = https_get(
        https,
        "us.engage.app",
        &ca,
        "/api/ecs/v1/loader/00000000-0000-4000-8000-000000000001.js?path=https%3A%2F%2Fshop.example%2F&selectedVersion=",
    )
    .await
    .unwrap();
    assert!(
        loader.starts_with("HTTP/1.1 200"),
        "{}",
        &loader[..200.min(loader.len())]
    );
    assert!(loader.contains("import.meta.url"));
    // Loopback by name works too; any other name is not vouched for.
    let local = https_get(https, "localhost", &ca, "/health").await.unwrap();
    assert!(local.starts_with("HTTP/1.1 200"), "{local}");
    let other = https_get(https, "shop.example", &ca, "/health").await;
    let error = other
        .expect_err("the certificate is not for other hosts")
        .to_string();
    assert!(
        error.contains("NotValidForName") || error.contains("not valid"),
        "{error}"
    );

    // With the TLS listener on, Talkative's names are allowed hosts (on either listener);
    // without it they are refused like any other name (the DNS rebinding guard).
    let client = reqwest::Client::new();
    let named = |base: String| {
        client
            .get(format!("{base}/api/v1/signing-keys"))
            .header("Host", "eu.engage.app")
            .send()
    };
    assert_eq!(named(urls[0].clone()).await.unwrap().status(), 200);
    let without_tls = spawn_app().await;
    let refused = named(without_tls.address.clone()).await.unwrap();
    assert_eq!(refused.status(), 403, "{refused:?}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "host_not_allowed");

    // The server key, hence the pin, survives a restart.
    drop(child.stdin.take());
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(tls(&["spki", "--database-url", &database_url]), pin);
}

#[test]
fn tls_without_a_database_file_asks_for_a_folder() {
    let output = Command::new(BINARY)
        .args(["tls", "spki", "--database-url", "sqlite::memory:"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--tls-dir"), "{stderr}");
}
