//! The browser trust boundary (SECURITY.md, "What a web page can do"): a page the developer
//! visits while the emulator runs must not be able to change it or read it. Three rules, each
//! tested here request by request; `browser.rs` repeats the attacks from a real Chromium.
//!
//! 1. Host allowlist (DNS rebinding): every route but the open verify endpoint answers only to a
//!    loopback name, an IP literal or an `--allowed-host`.
//! 2. Same-origin proof for the JSON API: a foreign `Origin` or a cross-site/same-site
//!    `Sec-Fetch-Site` is refused, and every write must be `Content-Type: application/json`,
//!    which no form and no `no-cors` fetch can send.
//! 3. `/api/*` authenticates by Bearer only, never by the portal's session cookie.

use std::io::{Read, Write};

use reqwest::Method;
use serde_json::{Value, json};
use talkative_emulator::auth::AdminCredential;
use talkative_emulator::routes::kit::family::{Credential, Family, SameOrigin};

use crate::helpers::{
    CheckedClient, FormSession, RouteProbe, TestApp, TestSigner, code, every_route, items,
    spawn_app, spawn_app_with,
};

/// A request as a browser or script would send it, with the headers under test.
struct Probe<'a> {
    method: Method,
    path: &'a str,
    headers: Vec<(&'a str, String)>,
    body: Option<String>,
}

impl<'a> Probe<'a> {
    fn new(method: Method, path: &'a str) -> Self {
        Self {
            method,
            path,
            headers: Vec::new(),
            body: None,
        }
    }

    fn header(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    async fn send(self, app: &TestApp) -> (u16, Value) {
        let mut request = app.client.request(self.method, app.url(self.path));
        for (name, value) in self.headers {
            request = request.header(name, value);
        }
        if let Some(body) = self.body {
            request = request.body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// Keys and fields as the API lists them: what an attack must not change.
async fn stored_state(app: &TestApp) -> (Value, Value) {
    let (_, keys) = app.get("/api/v1/signing-keys").await;
    let (_, fields) = app.get("/api/v1/unsigned-fields").await;
    (keys, fields)
}

async fn app_with_a_key_and_a_field() -> (TestApp, TestSigner) {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    app.add_field("page").await;
    (app, signer)
}

#[tokio::test]
async fn cross_site_writes_to_the_management_api_are_refused_and_change_nothing() {
    let (app, _) = app_with_a_key_and_a_field().await;
    let before = stored_state(&app).await;
    let planted = TestSigner::generate();
    let plant = json!({ "name": "planted", "pem": planted.public_pem() }).to_string();
    let other_port = "http://127.0.0.1:3000".to_owned();
    let cases: Vec<(&str, Probe, u16, &str)> = vec![
        (
            "a cross-site HTML form resets everything",
            Probe::new(Method::POST, "/api/v1/reset")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", "https://evil.example")
                .header("Sec-Fetch-Site", "cross-site")
                .body("x=1"),
            403,
            "cross_site_request",
        ),
        (
            "a no-cors fetch with a Blob body plants a key",
            Probe::new(Method::POST, "/api/v1/signing-keys")
                .header("Origin", "https://evil.example")
                .header("Sec-Fetch-Site", "cross-site")
                .header("Sec-Fetch-Mode", "no-cors")
                .body(plant.clone()),
            403,
            "cross_site_request",
        ),
        (
            "a page on another port of 127.0.0.1 is same-site, not same-origin",
            Probe::new(Method::POST, "/api/v1/signing-keys")
                .header("Origin", other_port.clone())
                .header("Sec-Fetch-Site", "same-site")
                .header("Content-Type", "application/json")
                .body(plant.clone()),
            403,
            "cross_site_request",
        ),
        (
            "a foreign Origin without fetch metadata (older browsers)",
            Probe::new(Method::POST, "/api/v1/unsigned-fields")
                .header("Origin", other_port.clone())
                .header("Content-Type", "application/json")
                .body(r#"{"label":"planted"}"#),
            403,
            "cross_site_request",
        ),
        (
            "Origin: null (a sandboxed frame or a file:// page)",
            Probe::new(Method::POST, "/api/v1/unsigned-fields")
                .header("Origin", "null")
                .header("Content-Type", "application/json")
                .body(r#"{"label":"planted"}"#),
            403,
            "cross_site_request",
        ),
        (
            "Sec-Fetch-Site alone says cross-site",
            Probe::new(Method::DELETE, "/api/v1/unsigned-fields/page")
                .header("Sec-Fetch-Site", "cross-site"),
            403,
            "cross_site_request",
        ),
        (
            "a cross-site read of the log",
            Probe::new(Method::GET, "/api/v1/interactions")
                .header("Origin", "https://evil.example")
                .header("Sec-Fetch-Site", "cross-site"),
            403,
            "cross_site_request",
        ),
        (
            "a script without any browser headers, but no Content-Type, on reset",
            Probe::new(Method::POST, "/api/v1/reset"),
            415,
            "unsupported_media_type",
        ),
        (
            "a text/plain body (what a form with enctype=text/plain sends)",
            Probe::new(Method::POST, "/api/v1/signing-keys")
                .header("Content-Type", "text/plain")
                .body(plant.clone()),
            415,
            "unsupported_media_type",
        ),
        (
            "a key upload without a Content-Type (a no-cors Blob from a same-origin-less script)",
            Probe::new(Method::POST, "/api/v1/signing-keys").body(plant.clone()),
            415,
            "unsupported_media_type",
        ),
        (
            "a cross-site request spelled with a percent-encoded letter, routed to /api all the same",
            Probe::new(Method::POST, "/%61pi/v1/reset")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Sec-Fetch-Site", "cross-site"),
            403,
            "cross_site_request",
        ),
        (
            "a PATCH that is not JSON",
            Probe::new(
                Method::PATCH,
                "/api/v1/signing-keys/00000000-0000-0000-0000-000000000000",
            )
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("active=false"),
            415,
            "unsupported_media_type",
        ),
    ];
    for (description, probe, status, expected) in cases {
        let (got, body) = probe.send(&app).await;
        assert_eq!(
            (got, code(&body)),
            (status, expected),
            "{description}: {body}"
        );
        assert!(
            body["error"]["hint"]
                .as_str()
                .is_some_and(|h| !h.is_empty()),
            "{description}: no hint in {body}"
        );
    }
    assert_eq!(stored_state(&app).await, before, "an attack changed state");
    // The planted key was never stored: its tokens do not verify.
    let verdict = app
        .verify(
            Some(&planted.sign_items(&items(&[("email", "x@evil")]))),
            json!([]),
        )
        .await;
    assert_eq!(code(&verdict), "signature_mismatch");
}

#[tokio::test]
async fn same_origin_and_scripted_json_writes_still_work() {
    let (app, _) = app_with_a_key_and_a_field().await;
    let own_origin = app.address.clone();
    let cases: Vec<(&str, Probe, u16)> = vec![
        (
            "the portal's own origin, as a same-origin fetch sends it",
            Probe::new(Method::POST, "/api/v1/unsigned-fields")
                .header("Origin", own_origin.clone())
                .header("Sec-Fetch-Site", "same-origin")
                .header("Content-Type", "application/json")
                .body(r#"{"label":"utm"}"#),
            201,
        ),
        (
            "JSON with a charset parameter, from curl (no Origin, no fetch metadata)",
            Probe::new(Method::POST, "/api/v1/unsigned-fields")
                .header("Content-Type", "application/json; charset=utf-8")
                .body(r#"{"label":"coupon"}"#),
            201,
        ),
        (
            "Sec-Fetch-Site: none is a person typing the URL, not a page",
            Probe::new(Method::GET, "/api/v1/unsigned-fields").header("Sec-Fetch-Site", "none"),
            200,
        ),
        (
            "DELETE carries no body, so no Content-Type is needed (no page can send it without a preflight)",
            Probe::new(Method::DELETE, "/api/v1/unsigned-fields/utm"),
            204,
        ),
        (
            "reset with an empty JSON body",
            Probe::new(Method::POST, "/api/v1/reset").header("Content-Type", "application/json"),
            200,
        ),
    ];
    for (description, probe, status) in cases {
        let (got, body) = probe.send(&app).await;
        assert_eq!(got, status, "{description}: {body}");
    }
    let (_, fields) = app.get("/api/v1/unsigned-fields").await;
    assert_eq!(fields["unsignedFields"], json!([]), "reset ran last");
}

#[tokio::test]
async fn reset_reads_its_body_strictly() {
    let app = spawn_app().await;
    let (status, body) = app.post("/api/v1/reset", &json!({})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.post("/api/v1/reset", &json!({ "wipe": "all" })).await;
    assert_eq!((status, code(&body)), (400, "invalid_request"), "{body}");
    let (status, body) = app
        .post_raw("/api/v1/reset", "application/json", "not json")
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_request"), "{body}");
}

#[tokio::test]
async fn a_rebound_name_gets_a_readable_refusal_and_customer_pages_still_verify() {
    let (app, signer) = app_with_a_key_and_a_field().await;
    let before = stored_state(&app).await;
    let rebound = format!(
        "rebind.evil.example:{}",
        app.address.rsplit(':').next().unwrap()
    );
    // Every route's answer to that name is in `every_route_keeps_its_familys_guard`; here, what
    // a person and a customer page see.
    // A browser opening a portal page through that name gets a readable page, not JSON.
    let response = app
        .client
        .get(app.url("/signing-keys"))
        .header("Host", rebound.clone())
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("host_not_allowed") && !html.contains("backend"),
        "{html}"
    );
    assert_eq!(stored_state(&app).await, before);

    // Customer pages reach the verify endpoint through whatever name points at it.
    let token = signer.sign_items(&items(&[("email", "a@b.c")]));
    let (status, verdict) = Probe::new(Method::POST, "/api/v1/verify")
        .header("Host", rebound.clone())
        .header("Content-Type", "application/json")
        .body(json!({ "signedInteractionData": token }).to_string())
        .send(&app)
        .await;
    assert_eq!(status, 200, "{verdict}");
    assert_eq!(verdict["signature"]["status"], "valid");
    let (status, _) = Probe::new(Method::OPTIONS, "/api/v1/verify")
        .header("Host", rebound)
        .header("Origin", "https://shop.example")
        .header("Access-Control-Request-Method", "POST")
        .send(&app)
        .await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn loopback_names_ip_literals_and_allowed_hosts_are_served() {
    let app = spawn_app_with(|s| {
        s.allowed_hosts = vec![
            "emulator.internal".parse().unwrap(),
            ".ci.example".parse().unwrap(),
        ];
    })
    .await;
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        "localhost".to_owned(),
        format!("portal.localhost:{port}"),
        format!("[::1]:{port}"),
        // An IP literal cannot be rebound: DNS never answers for it.
        format!("10.1.2.3:{port}"),
        format!("emulator.internal:{port}"),
        format!("runner-7.ci.example:{port}"),
        format!("ci.example:{port}"),
    ] {
        let (status, body) = Probe::new(Method::GET, "/api/v1/unsigned-fields")
            .header("Host", host.clone())
            .send(&app)
            .await;
        assert_eq!(status, 200, "{host}: {body}");
    }
    for host in [
        "emulator.internal.evil.example",
        "evilci.example",
        "localhost.evil.example",
        "127.0.0.1.nip.io",
        // A name behind an IPv6 literal's brackets (the probe of December 2026 got this one
        // served: the parser read the literal and ignored what followed).
        "[::1]evil.example",
        "[::1]evil.example:80",
        "[::1]:80evil.example",
    ] {
        let (status, body) = Probe::new(Method::GET, "/api/v1/unsigned-fields")
            .header("Host", host)
            .send(&app)
            .await;
        assert_eq!((status, code(&body)), (403, "host_not_allowed"), "{host}");
    }
}

#[tokio::test]
async fn an_allowed_host_must_be_a_plain_name() {
    use talkative_emulator::configuration::AllowedHost;
    for good in [
        "proxy.example",
        ".example.org",
        "emulator",
        "xn--bcher-kva.example",
    ] {
        assert!(good.parse::<AllowedHost>().is_ok(), "{good}");
    }
    for bad in [
        "",
        ".",
        "http://proxy.example",
        "proxy.example:8080",
        "proxy.example/path",
        "*",
        "two words",
        "127.0.0.1",
    ] {
        let error = bad.parse::<AllowedHost>().unwrap_err();
        assert!(!error.to_string().is_empty(), "{bad}");
    }
}

#[tokio::test]
async fn a_request_without_a_host_header_is_refused() {
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .write_all(b"GET /api/v1/signing-keys HTTP/1.0\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.0 403"), "{answer}");
    assert!(answer.contains("host_not_allowed"), "{answer}");
}

#[tokio::test]
async fn with_a_password_the_api_takes_the_bearer_only_never_the_session_cookie() {
    const PASSWORD: &str = "long random words";
    let app =
        spawn_app_with(|s| s.admin = Some(AdminCredential::from_password(PASSWORD).unwrap())).await;
    let mut browser = FormSession::open(&app, "/login").await;
    let login = browser
        .submit(&app, "/login", &[("password", PASSWORD), ("next", "/")])
        .await;
    assert_eq!(login.status(), 303);
    let (session, _) = crate::helpers::set_cookie(&login, "te_session").unwrap();
    browser.session = Some(session);
    // The session opens the portal…
    assert_eq!(browser.get(&app, "/signing-keys").await.status(), 200);
    // …but not the API, even from the portal's own origin.
    let response = browser
        .client
        .post(app.url("/api/v1/reset"))
        .header(reqwest::header::COOKIE, browser.cookies())
        .header("Origin", &app.address)
        .header("Sec-Fetch-Site", "same-origin")
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "unauthorized");
    let listed = browser.get(&app, "/api/v1/signing-keys").await;
    assert_eq!(listed.status(), 401);
    let with_bearer = app
        .client
        .get(app.url("/api/v1/signing-keys"))
        .bearer_auth(PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(with_bearer.status(), 200);
}

thread_local! {
    /// The Core API key the route walk's probes carry (each test runs on its own thread).
    static CORE_API_TOKEN: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// What a probe of one route got back.
struct Answer {
    status: u16,
    code: Option<String>,
    location: Option<String>,
    allow_origin: Option<String>,
    text: String,
}

/// Sends `probe` with `headers` (and `body`), without following redirects, through the client
/// that checks API answers against the document.
async fn ask(
    app: &TestApp,
    probe: &RouteProbe,
    headers: &[(&str, String)],
    body: Option<&str>,
) -> Answer {
    let client = CheckedClient::from(
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    );
    let mut request = client.request(probe.method.clone(), app.url(&probe.path));
    // Core API routes check their API key before anything else: a probe of their other guards
    // carries a valid one (the walk's own), unless it sends its own Authorization.
    let core_key = CORE_API_TOKEN.with_borrow(Clone::clone);
    if let Some(token) = core_key.filter(|_| probe.family() == Family::CoreApi)
        && !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("authorization"))
    {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    if let Some(body) = body {
        request = request.body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (location, allow_origin) = (header("location"), header("access-control-allow-origin"));
    let streaming = header("content-type").is_some_and(|t| t.starts_with("text/event-stream"));
    // A stream the probe was let into is not read (it never ends); every probe here expects
    // a refusal from streams, and says so when it gets one.
    let text = if streaming {
        "(event stream)".to_owned()
    } else {
        response.text().await.unwrap()
    };
    let code = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|body| {
            // The API's error, or a JSON:API error document (the Core API's).
            (body["error"]["code"].as_str())
                .or(body["errors"][0]["code"].as_str())
                .map(str::to_owned)
        })
        .or_else(|| {
            // The portal's error page names its code in a `class="code"` span.
            text.split("<span class=\"code\">")
                .nth(1)
                .and_then(|rest| rest.split("</span>").next())
                .filter(|code| code.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                .map(str::to_owned)
        });
    Answer {
        status,
        code,
        location,
        allow_origin,
        text,
    }
}

fn refused_with(answer: &Answer, status: u16, code: &str) -> bool {
    answer.status == status && answer.code.as_deref() == Some(code)
}

/// Walks the route table: every route, whatever its family, keeps that family's guard. Nothing
/// here names a route: a route added to the table is probed the day it is added.
#[tokio::test]
async fn every_route_keeps_its_familys_guard() {
    let (app, _) = app_with_a_key_and_a_field().await;
    let core_token = app.api_key("route walk").await;
    CORE_API_TOKEN.with_borrow_mut(|token| *token = Some(core_token));
    let before = stored_state(&app).await;
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    let browser = FormSession::open(&app, "/unsigned-fields").await;
    let json = ("Content-Type", "application/json".to_owned());
    for probe in every_route() {
        let family = probe.family();
        let name = probe.name();

        // 1. A name rebound to this machine (DNS rebinding) gets nothing but a refusal.
        let rebound = ask(
            &app,
            &probe,
            &[
                ("Host", format!("rebind.evil.example:{port}")),
                ("Accept", "application/json".to_owned()),
                json.clone(),
            ],
            None,
        )
        .await;
        if family.checks_host() {
            assert!(
                refused_with(&rebound, 403, "host_not_allowed"),
                "{name} answered a rebound name: {} {}",
                rebound.status,
                rebound.text
            );
            assert!(
                !rebound.text.contains("backend") && !rebound.text.contains("PUBLIC KEY"),
                "{name} leaked to a rebound name: {}",
                rebound.text
            );
        } else {
            assert!(
                !refused_with(&rebound, 403, "host_not_allowed"),
                "{name}: customer pages reach it by any name"
            );
        }

        // 2. A page on another site fetching it (or posting to it, with this browser's cookies
        //    and a valid form token: not enough from there).
        let cross_site = ask(
            &app,
            &probe,
            &[
                ("Origin", "https://evil.example".to_owned()),
                ("Sec-Fetch-Site", "cross-site".to_owned()),
                ("Sec-Fetch-Mode", "cors".to_owned()),
                ("Sec-Fetch-Dest", "empty".to_owned()),
                ("Cookie", browser.cookies()),
                json.clone(),
            ],
            probe
                .is_write()
                .then(|| format!("csrf_token={}", browser.token))
                .as_deref(),
        )
        .await;
        let refused = refused_with(&cross_site, 403, "cross_site_request");
        match family.same_origin() {
            SameOrigin::Never => assert!(!refused, "{name} refused a cross-site request"),
            SameOrigin::UnlessNavigation | SameOrigin::Always => assert!(
                refused,
                "{name} answered a page on another site: {} {}",
                cross_site.status, cross_site.text
            ),
        }
        if family.open_to_any_origin() {
            assert_eq!(cross_site.allow_origin.as_deref(), Some("*"), "{name}");
        } else if family.same_origin() != SameOrigin::Never {
            assert_eq!(
                cross_site.allow_origin, None,
                "{name} lets other sites read it"
            );
        }

        // 3. A link on another site, followed: the portal's pages open; nothing else does.
        if probe.method == Method::GET {
            let navigation = ask(
                &app,
                &probe,
                &[
                    ("Sec-Fetch-Site", "cross-site".to_owned()),
                    ("Sec-Fetch-Mode", "navigate".to_owned()),
                    ("Sec-Fetch-Dest", "document".to_owned()),
                    ("Accept", "text/html".to_owned()),
                ],
                None,
            )
            .await;
            let refused = refused_with(&navigation, 403, "cross_site_request");
            match family.same_origin() {
                SameOrigin::Always => assert!(
                    refused,
                    "{name} followed from another site: {} {}",
                    navigation.status, navigation.text
                ),
                SameOrigin::Never | SameOrigin::UnlessNavigation => {
                    assert!(!refused, "{name} refused a link from another site")
                }
            }
        }

        // 4. Writes that are not JSON, from a script (no browser headers at all).
        if family.writes_json() && probe.is_write() {
            let form = ask(
                &app,
                &probe,
                &[(
                    "Content-Type",
                    "application/x-www-form-urlencoded".to_owned(),
                )],
                Some("x=1"),
            )
            .await;
            assert!(
                refused_with(&form, 415, "unsupported_media_type"),
                "{name} took a form: {} {}",
                form.status,
                form.text
            );
        }

        // 5. Forms from the portal's own origin without their token; with it, they pass the
        //    guard (whatever the handler then makes of them).
        if family.writes_need_csrf_token() && probe.is_write() {
            let same_origin = |with_token: bool| {
                let body = if with_token {
                    format!("csrf_token={}", browser.token)
                } else {
                    "label=x".to_owned()
                };
                let headers = vec![
                    ("Origin", app.address.clone()),
                    ("Sec-Fetch-Site", "same-origin".to_owned()),
                    ("Cookie", browser.cookies()),
                    (
                        "Content-Type",
                        "application/x-www-form-urlencoded".to_owned(),
                    ),
                ];
                (headers, body)
            };
            let (headers, body) = same_origin(false);
            let tokenless = ask(&app, &probe, &headers, Some(&body)).await;
            assert!(
                refused_with(&tokenless, 403, "csrf_rejected"),
                "{name} took a form without its token: {} {}",
                tokenless.status,
                tokenless.text
            );
            let (headers, body) = same_origin(true);
            let with_token = ask(&app, &probe, &headers, Some(&body)).await;
            assert!(
                !refused_with(&with_token, 403, "csrf_rejected"),
                "{name} refused its own form"
            );
        }
    }
    // The probes with a valid token ran the portal's forms; none of the refused ones changed
    // keys or fields. (Those forms were sent last for each route, and only the sample form
    // adds a key: the key list may have grown by that one.)
    let (keys, fields) = stored_state(&app).await;
    assert_eq!(
        fields, before.1,
        "a refused request changed the unsigned fields"
    );
    let names: Vec<&str> = keys["signingKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"backend"), "{names:?}");
}

/// With an admin password, every route asks for its family's credential: the session (pages),
/// the Bearer password (the management API), or nothing (what customers' pages and health
/// checks use, and the login itself).
#[tokio::test]
async fn with_a_password_every_route_asks_for_its_familys_credential() {
    let app =
        spawn_app_with(|s| s.admin = Some(AdminCredential::from_password("open sesame").unwrap()))
            .await;
    for probe in every_route() {
        let name = probe.name();
        let answer = ask(
            &app,
            &probe,
            &[("Content-Type", "application/json".to_owned())],
            None,
        )
        .await;
        let to_login = answer.status == 303
            && answer
                .location
                .as_deref()
                .is_some_and(|l| l.starts_with("/login"));
        let unauthorized = refused_with(&answer, 401, "unauthorized");
        match probe.family().credential() {
            Credential::Session => assert!(to_login, "{name}: {} {}", answer.status, answer.text),
            Credential::Password => {
                assert!(unauthorized, "{name}: {} {}", answer.status, answer.text)
            }
            Credential::ApiKey => {
                // Nothing, or the admin password: neither opens the Core API.
                assert!(unauthorized, "{name}: {} {}", answer.status, answer.text);
                let with_password = ask(
                    &app,
                    &probe,
                    &[("Authorization", "Bearer open sesame".to_owned())],
                    None,
                )
                .await;
                assert!(
                    refused_with(&with_password, 401, "unauthorized"),
                    "{name} took the admin password: {} {}",
                    with_password.status,
                    with_password.text
                );
            }
            Credential::None => assert!(
                !to_login && !unauthorized,
                "{name} asked for a credential: {} {}",
                answer.status,
                answer.text
            ),
        }
    }
}

/// The probe of December 2026: the same-origin check believed `X-Forwarded-Host` and
/// `Forwarded` from anyone, so a page's `Origin` could be made to look like the server's own.
/// They count only from a `--trusted-proxy`.
#[tokio::test]
async fn forwarded_headers_count_only_from_a_trusted_proxy() {
    let write = |origin: &'static str, forwarded: (&'static str, &'static str)| {
        Probe::new(Method::POST, "/api/v1/unsigned-fields")
            .header("Content-Type", "application/json")
            .header("Origin", origin)
            .header(forwarded.0, forwarded.1)
            .body(json!({ "label": "planted" }).to_string())
    };
    let posing = [
        ("http://evil.example", ("X-Forwarded-Host", "evil.example")),
        (
            "https://evil.example",
            ("Forwarded", "host=evil.example;proto=https"),
        ),
        ("https://127.0.0.1", ("X-Forwarded-Proto", "https")),
    ];
    let app = spawn_app().await;
    for (origin, forwarded) in posing {
        let (status, body) = write(origin, forwarded).send(&app).await;
        assert_eq!(
            (status, code(&body)),
            (403, "cross_site_request"),
            "{origin} with {forwarded:?}"
        );
    }
    let (_, fields) = app.get("/api/v1/unsigned-fields").await;
    assert_eq!(fields["unsignedFields"], json!([]), "nothing was planted");

    // Behind a proxy the operator named, what it says is believed.
    let proxied = spawn_app_with(|s| s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let (status, body) = write(
        "https://emulator.example",
        ("Forwarded", "host=emulator.example;proto=https"),
    )
    .send(&proxied)
    .await;
    assert_eq!(status, 201, "{body}");
}
