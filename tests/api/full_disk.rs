//! Honest under a full disk: when the interaction log cannot be written, readers get a coded
//! error instead of a list that silently lacks verifications, `/health` says the log is
//! degraded, verification goes on, and once space is back the log catches up.
//!
//! The server runs on a real 4 MiB tmpfs, mounted in a mount namespace of its own
//! (`unshare -m` as root, as CI runs; `unshare -rm` otherwise). On the test's signal a filler
//! file takes every block left; on the next it is removed.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{CheckedClient, answers_soon, items};

const INSTALL_HINT: &str = "This test mounts a small tmpfs in a private mount namespace: it \
    needs util-linux's unshare and either root (as in CI) or unprivileged user namespaces.";

struct Server {
    wrapper: Child,
    base: String,
    control: tempfile::TempDir,
    /// The tmpfs mount point: removed from outside while the server runs, its path would no
    /// longer resolve inside the server's namespace (every new open failing with CANTOPEN).
    _mount: tempfile::TempDir,
}

impl Server {
    /// Signals the wrapper and waits until it has done it.
    async fn signal(&self, what: &str, done: &str) {
        std::fs::write(self.control.path().join(what), b"").unwrap();
        for _ in 0..200 {
            if self.control.path().join(done).exists() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the wrapper never did {what}");
    }

    /// Takes every block left on the server's filesystem.
    async fn fill_disk(&self) {
        self.signal("fill", "filled").await;
    }

    /// Gives the blocks back.
    async fn free_disk(&self) {
        self.signal("free", "freed").await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.control.path().join("pid")) {
            let _ = Command::new("kill").args(["-KILL", pid.trim()]).status();
        }
        let _ = self.wrapper.kill();
        let _ = self.wrapper.wait();
    }
}

async fn start_on_small_disk() -> Server {
    start_on_small_disk_with("").await
}

/// The server on its small disk, with `extra` flags (words, no quoting).
async fn start_on_small_disk_with(extra: &str) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let control = tempfile::tempdir().unwrap();
    let mount = tempfile::tempdir().unwrap();
    let script = r#"
        set -e
        mount -t tmpfs -o size=4M tmpfs "$MOUNT"
        "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "sqlite://$MOUNT/emulator.db" $EXTRA &
        echo $! > "$CONTROL/pid"
        while [ ! -e "$CONTROL/fill" ]; do sleep 0.02; done
        cat /dev/zero > "$MOUNT/filler" 2>/dev/null || true
        touch "$CONTROL/filled"
        while [ ! -e "$CONTROL/free" ]; do sleep 0.02; done
        rm "$MOUNT/filler"
        touch "$CONTROL/freed"
        wait
    "#;
    let unshare_flags = if is_root() { "-m" } else { "-rm" };
    let wrapper = Command::new("unshare")
        .args([unshare_flags, "sh", "-c", script])
        .env("MOUNT", mount.path())
        .env("CONTROL", control.path())
        .env("PORT", port.to_string())
        .env("EXTRA", extra)
        .env("BIN", env!("CARGO_BIN_EXE_talkative-emulator"))
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run unshare: {e}. {INSTALL_HINT}"));
    let server = Server {
        wrapper,
        base: format!("http://127.0.0.1:{port}"),
        control,
        _mount: mount,
    };
    assert!(
        answers_soon(&server.base).await,
        "the emulator did not start on a tmpfs. {INSTALL_HINT}"
    );
    server
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

async fn get(client: &CheckedClient, url: String) -> (u16, Value) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn verify(client: &CheckedClient, server: &Server, data: &str) -> String {
    let response = client
        .post(format!("{}/api/v1/verify", server.base))
        .json(&json!({ "interactionData": items(&[("page", data)]) }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "verification must go on");
    let verdict: Value = response.json().await.unwrap();
    verdict["id"].as_str().unwrap().to_owned()
}

/// What a reader of the log may answer: the whole log (every verification made so far), or
/// `503 log_unavailable` with a hint. Never a 500, never a list that lacks one.
async fn read_log(client: &CheckedClient, server: &Server, verified: &[String]) -> bool {
    let (status, body) = get(
        client,
        format!("{}/api/v1/interactions?limit=500", server.base),
    )
    .await;
    match status {
        200 => {
            let listed: Vec<&str> = body["interactions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap())
                .collect();
            for id in verified {
                assert!(
                    listed.contains(&id.as_str()),
                    "a 200 that lacks {id} ({} of {} listed)",
                    listed.len(),
                    verified.len()
                );
            }
            true
        }
        503 => {
            assert_eq!(body["error"]["code"], "log_unavailable", "{body}");
            let hint = body["error"]["hint"].as_str().unwrap();
            assert!(hint.contains("disk"), "{hint}");
            false
        }
        other => panic!("the log answered {other}: {body}"),
    }
}

#[tokio::test]
async fn a_full_disk_is_reported_to_readers_and_health_then_the_log_catches_up() {
    let server = start_on_small_disk().await;
    let client = CheckedClient::new();
    let data = "x".repeat(6 * 1024);
    let mut verified = Vec::new();
    for _ in 0..5 {
        verified.push(verify(&client, &server, &data).await);
    }
    assert!(read_log(&client, &server, &verified).await);

    // The disk fills up. Verification goes on; what it records cannot be written.
    server.fill_disk().await;
    for _ in 0..3 {
        verified.push(verify(&client, &server, &data).await);
    }
    assert!(
        !read_log(&client, &server, &verified).await,
        "the log was written to a full disk"
    );
    let (status, one) = get(
        &client,
        format!(
            "{}/api/v1/interactions/{}",
            server.base,
            verified.last().unwrap()
        ),
    )
    .await;
    assert_eq!(
        (status, &one["error"]["code"]),
        (503, &json!("log_unavailable"))
    );
    let (status, health) = get(&client, format!("{}/health", server.base)).await;
    assert_eq!(status, 503, "{health}");
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["interactionLog"]["status"], "unavailable");
    assert_eq!(health["interactionLog"]["unwritten"], 3, "{health}");
    let error = health["interactionLog"]["error"].as_str().unwrap();
    assert!(error.contains("full"), "{error}");
    // The portal's log pages say it too, with the same code.
    for path in ["/interactions", "/"] {
        let page = client
            .get(format!("{}{path}", server.base))
            .header("Accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 503, "{path}");
        assert!(
            page.text().await.unwrap().contains("log_unavailable"),
            "{path}"
        );
    }
    // Keys are still listed (their lastUsedAt may lag).
    let (status, _) = get(&client, format!("{}/api/v1/signing-keys", server.base)).await;
    assert_eq!(status, 200);

    // Room again: the next read writes what waited, and nothing was lost.
    server.free_disk().await;
    assert!(
        read_log(&client, &server, &verified).await,
        "the log did not catch up"
    );
    let (status, health) = get(&client, format!("{}/health", server.base)).await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["interactionLog"]["lost"], 0);
    assert_eq!(health["interactionLog"]["unwritten"], 0);
}

/// A webhook attempt whose outcome cannot be logged (the disk is full) leaves its delivery due;
/// the outbox then waits before sending it again (1 s, 2 s, 4 s…) instead of sending it over and
/// over, and once the disk has room it logs the attempt and goes on.
#[tokio::test]
async fn a_full_disk_does_not_make_the_outbox_hammer_a_receiver() {
    // The first answer takes 1.5 s: the disk fills while the emulator waits for it.
    let receiver = crate::helpers::Receiver::scripted(|n, _| crate::helpers::Answer {
        status: 500,
        body: "{}".to_owned(),
        delay: if n == 0 {
            Duration::from_millis(1_500)
        } else {
            Duration::ZERO
        },
    })
    .await;
    let server = start_on_small_disk_with("--webhook-retry-delay 1h").await;
    let client = CheckedClient::new();
    let post = async |path: &str, body: Value| -> Value {
        let response = client
            .post(format!("{}{path}", server.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{path}");
        response.json().await.unwrap()
    };
    post(
        "/api/v1/webhooks",
        json!({ "label": "CRM", "url": receiver.url, "validate": false }),
    )
    .await;
    let started = post(
        "/api/ecs/v1/interactions",
        json!({ "configUuid": "00000000-0000-4000-8000-000000000001", "action": "start-chat" }),
    )
    .await;
    let uuid = started["interaction"]["uuid"].as_str().unwrap().to_owned();
    post(&format!("/api/v1/engagements/{uuid}/complete"), json!({})).await;
    assert_eq!(receiver.wait_for(1, Duration::from_secs(5)).await.len(), 1);
    server.fill_disk().await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let sent = receiver.received().len();
    assert!(
        sent <= 4,
        "{sent} attempts in 5 s on a full disk: the outbox sent again without waiting"
    );
    server.free_disk().await;
    // Room again: the next attempt is logged (a 500, the next one due in an hour).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    loop {
        let (status, list) = get(
            &client,
            format!(
                "{}/api/v1/webhook-deliveries?interaction={uuid}",
                server.base
            ),
        )
        .await;
        if status == 200 && list["deliveries"][0]["attempts"].as_i64().unwrap_or(0) >= 1 {
            assert_eq!(list["deliveries"][0]["state"], "pending", "{list}");
            assert_eq!(list["deliveries"][0]["lastError"], "receiver_status");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no attempt was logged once the disk had room: {list}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
