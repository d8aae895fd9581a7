//! Access control: the admin password, portal sessions, the open verify endpoint and its rate
//! limit, and the refusal to listen beyond loopback without a password.

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use talkative_emulator::auth::AdminCredential;
use talkative_emulator::cli::ServeArgs;
use talkative_emulator::configuration::Settings;
use talkative_emulator::startup::Application;

use crate::helpers::{
    CheckedClient, FormSession, TestApp, TestSigner, code, items, set_cookie, spawn_app_with,
};

const PASSWORD: &str = "correct horse battery staple";

async fn spawn_locked() -> TestApp {
    spawn_app_with(|s| s.admin = Some(AdminCredential::from_password(PASSWORD).unwrap())).await
}

fn no_redirects() -> CheckedClient {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
        .into()
}

/// Logs in from the login page's form, keeping the session cookie it is given.
async fn log_in(browser: &mut FormSession, app: &TestApp, password: &str) -> reqwest::Response {
    let response = browser
        .submit(
            app,
            "/login",
            &[("password", password), ("next", "/signing-keys")],
        )
        .await;
    if let Some((pair, _)) = set_cookie(&response, "te_session") {
        browser.signed_in(app, pair, "/login").await;
    }
    response
}

#[tokio::test]
async fn refuses_to_listen_beyond_loopback_without_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let mut settings = Settings::ephemeral(url);
    settings.bind = SocketAddr::from(([0, 0, 0, 0], 0));
    let error = Application::build(settings.clone())
        .await
        .err()
        .expect("must refuse")
        .to_string();
    assert!(error.contains("TALKATIVE_ADMIN_PASSWORD"), "{error}");
    // Nothing was created for a refused start.
    assert!(!dir.path().join("t.db").exists());

    // With a password it starts, and the management surface is locked from any address.
    settings.admin = Some(AdminCredential::from_password(PASSWORD).unwrap());
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let response = CheckedClient::new()
        .get(format!("{base}/api/v1/signing-keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    // The binary says the same and exits non-zero, before touching the database.
    let output = Command::new(env!("CARGO_BIN_EXE_talkative-emulator"))
        .args(["serve", "--bind", "0.0.0.0:0"])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("cli.db").display()),
        )
        .env_remove("TALKATIVE_ADMIN_PASSWORD")
        .env_remove("TALKATIVE_ADMIN_PASSWORD_HASH")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0 without an admin password"),
        "{stderr}"
    );
    assert!(!dir.path().join("cli.db").exists());
}

#[tokio::test]
async fn management_api_needs_the_password_and_verify_stays_open() {
    let app = spawn_locked().await;
    let signer = TestSigner::generate();

    let response = app
        .client
        .get(app.url("/api/v1/signing-keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"talkative-emulator\""
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "unauthorized");
    assert!(body["error"]["hint"].as_str().unwrap().contains("Bearer"));

    let with = |password: &str| {
        app.client
            .post(app.url("/api/v1/signing-keys"))
            .bearer_auth(password)
            .json(&json!({ "name": "k", "pem": signer.public_pem() }))
    };
    let wrong = with("Correct horse battery staple").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let right = with(PASSWORD).send().await.unwrap();
    assert_eq!(right.status(), 201, "{}", right.text().await.unwrap());
    // The second use of the right password is served from the constant-time cache; still good.
    let listed = app
        .client
        .get(app.url("/api/v1/signing-keys"))
        .bearer_auth(PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);

    // The widget-facing surface needs nothing.
    let token = signer.sign_items(&items(&[("email", "a@b.c")]));
    let verdict = app.verify(Some(&token), json!([])).await;
    assert_eq!(verdict["signature"]["status"], "valid");
    for path in [
        "/health",
        "/static/portal.css",
        "/static/talkative-engage.js",
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    // Every other route asks for its credential: trust_boundary.rs walks the route table.
}

#[tokio::test]
async fn portal_login_issues_a_fresh_strict_session_and_logout_ends_it() {
    let app = spawn_locked().await;
    let client = no_redirects();

    // Pages send the browser to the login form and remember where it was going.
    let response = client.get(app.url("/signing-keys")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], "/login?next=/signing-keys");
    let response = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.headers()[LOCATION], "/login");

    let mut browser = FormSession::open(&app, "/login").await;
    let wrong = log_in(&mut browser, &app, "hunter2").await;
    assert_eq!(wrong.status(), 401);
    assert!(set_cookie(&wrong, "te_session").is_none());
    assert!(wrong.text().await.unwrap().contains("unauthorized"));

    let ok = log_in(&mut browser, &app, PASSWORD).await;
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()[LOCATION], "/signing-keys");
    let (first, attributes) = set_cookie(&ok, "te_session").unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(
            attributes.contains(attribute),
            "{attributes} lacks {attribute}"
        );
    }
    let page = browser.get(&app, "/signing-keys").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Log out"));
    // The session opens pages only: the API takes the Bearer credential, never the cookie
    // (trust_boundary.rs has the cross-port attack this prevents).
    assert_eq!(
        browser.get(&app, "/api/v1/signing-keys").await.status(),
        401
    );

    // Logging in again issues a new token and retires the old one.
    log_in(&mut browser, &app, PASSWORD).await;
    let second = browser.session.clone().unwrap();
    assert_ne!(first, second);
    let stale = client
        .get(app.url("/signing-keys"))
        .header(COOKIE, &first)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 303, "the pre-login token must be dead");

    // Logout is a CSRF-protected POST like every other form.
    let forged = client
        .post(app.url("/logout"))
        .header(COOKIE, browser.cookies())
        .form(&[("csrf_token", "AAAA")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(browser.get(&app, "/signing-keys").await.status(), 200);

    let out = browser.submit(&app, "/logout", &[]).await;
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()[LOCATION], "/login");
    assert!(
        set_cookie(&out, "te_session")
            .unwrap()
            .1
            .contains("Max-Age=0")
    );
    assert_eq!(browser.get(&app, "/signing-keys").await.status(), 303);
}

#[tokio::test]
async fn password_guessing_is_throttled_per_client() {
    let app = spawn_locked().await;
    let mut browser = FormSession::open(&app, "/login").await;
    for attempt in 0..10 {
        let response = log_in(&mut browser, &app, &format!("guess {attempt}")).await;
        assert_eq!(response.status(), 401, "attempt {attempt}");
    }
    let throttled = log_in(&mut browser, &app, PASSWORD).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(set_cookie(&throttled, "te_session").is_none());
    assert!(throttled.text().await.unwrap().contains("rate_limited"));
    // Bearer guesses draw on the same allowance.
    let api = app
        .client
        .get(app.url("/api/v1/signing-keys"))
        .bearer_auth("another guess")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 429);
    assert!(api.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn only_wrong_passwords_count_against_the_login_limit() {
    let app = spawn_locked().await;
    let mut browser = FormSession::open(&app, "/login").await;
    for login in 0..12 {
        let response = log_in(&mut browser, &app, PASSWORD).await;
        assert_eq!(response.status(), 303, "good login {login} was refused");
    }
    // The allowance is still whole: ten wrong guesses, then the limit.
    for attempt in 0..10 {
        let response = log_in(&mut browser, &app, "wrong").await;
        assert_eq!(response.status(), 401, "attempt {attempt}");
    }
    assert_eq!(
        log_in(&mut browser, &app, "wrong").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_bearer_password_is_taken_exactly_as_sent() {
    const SPACED: &str = "  spaced out";
    let app =
        spawn_app_with(|s| s.admin = Some(AdminCredential::from_password(SPACED).unwrap())).await;
    let get = |credentials: &str| {
        app.client
            .get(app.url("/api/v1/signing-keys"))
            .header("Authorization", format!("Bearer {credentials}"))
            .send()
    };
    assert_eq!(get(SPACED).await.unwrap().status(), 200);
    assert_eq!(get(SPACED.trim()).await.unwrap().status(), 401);
    // Trailing whitespace cannot cross HTTP (RFC 9110 strips it from header values), so such a
    // password is refused at start rather than failing every API call.
    let error = AdminCredential::from_password("spaced out  ").unwrap_err();
    assert!(
        error.to_string().contains("no HTTP header can carry"),
        "{error}"
    );
}

#[tokio::test]
async fn login_is_not_needed_or_offered_without_a_password() {
    let app = spawn_app_with(|_| {}).await;
    let client = no_redirects();
    let login = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(login.status(), 303);
    assert_eq!(login.headers()[LOCATION], "/");
    let page = client.get(app.url("/signing-keys")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(!page.text().await.unwrap().contains("Log out"));
}

#[tokio::test]
async fn verify_is_rate_limited_per_client_with_cors_readable_429s() {
    let app = spawn_app_with(|s| {
        s.verify_rate_limit = 2;
        s.rate_limit_loopback = true;
    })
    .await;
    let post = || {
        app.client
            .post(app.url("/api/v1/verify"))
            .header("Origin", "https://shop.example")
            .json(&json!({ "interactionData": [] }))
            .send()
    };
    // A burst of twice the rate, then refusals.
    for i in 0..4 {
        assert_eq!(post().await.unwrap().status(), 200, "request {i}");
    }
    let limited = post().await.unwrap();
    assert_eq!(limited.status(), 429);
    let headers = limited.headers().clone();
    assert_eq!(headers["access-control-allow-origin"], "*");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=1).contains(&retry), "retry after {retry}");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(code(&body), "rate_limited");
    // Refused requests are not recorded; the management API is not limited.
    let (status, log) = app.get("/api/v1/interactions").await;
    assert_eq!(status, 200);
    assert_eq!(log["interactions"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn loopback_clients_are_exempt_by_default() {
    let app = spawn_app_with(|s| s.verify_rate_limit = 1).await;
    for i in 0..20 {
        let (status, _) = app
            .post("/api/v1/verify", &json!({ "interactionData": [] }))
            .await;
        assert_eq!(status, 200, "request {i}");
    }
}

#[tokio::test]
async fn hash_password_output_is_a_usable_credential() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_talkative-emulator"))
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let phc = String::from_utf8(output.stdout).unwrap();
    assert!(phc.starts_with("$argon2id$"), "{phc}");
    assert!(!phc.contains(PASSWORD));

    let dir = tempfile::tempdir().unwrap();
    let args = ServeArgs {
        log_format: Default::default(),
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: format!("sqlite://{}", dir.path().join("h.db").display()),
        interaction_retention: 100,
        interaction_retention_bytes: "64MiB".parse().unwrap(),
        config: None,
        report_only: false,
        admin_password: None,
        admin_password_hash: Some(phc.trim().to_owned()),
        verify_rate_limit: 0,
        rate_limit_loopback: false,
        allowed_hosts: Vec::new(),
        trusted_proxies: Vec::new(),
        unsigned_field_match: None,
        strict_widget_configs: false,
        core_api_rate_limit: 0,
        core_api_list_envelope: false,
        tls_bind: None,
        tls_dir: None,
        webhook_timeout: std::time::Duration::from_secs(10),
        webhook_retry_delay: std::time::Duration::from_secs(1),
        webhook_max_attempts: 8,
        print_url: false,
        stop_when_stdin_closes: false,
    };
    let app = Application::build(args.into_settings().unwrap())
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = CheckedClient::new();
    let get = |password: &'static str| {
        client
            .get(format!("{base}/api/v1/signing-keys"))
            .bearer_auth(password)
            .send()
    };
    assert_eq!(get(PASSWORD).await.unwrap().status(), 200);
    assert_eq!(get("wrong").await.unwrap().status(), 401);
}
