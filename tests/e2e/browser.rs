//! End-to-end in a real headless Chromium, driven over WebDriver by fantoccini: what a person
//! does in the portal. Needs `chromium` and `chromedriver` (Debian packages `chromium` and
//! `chromium-driver`); scripts/test.sh installs them and these tests fail, never skip, without.
//! Screenshots of every page land in target/tmp/screenshots/.

use std::net::TcpListener;
use std::time::Duration;

use fantoccini::Locator;
use serde_json::json;

use crate::chromium::{Browser, browser};
use crate::helpers::{TestApp, article_key_pair, items, openssl_token, read, spawn_app};

#[tokio::test]
async fn a_person_sets_up_signing_and_checks_a_token_in_the_browser() {
    let app = spawn_app().await;
    let browser = browser().await;
    let keys = article_key_pair();

    browser.open(&app, "/").await;
    assert_eq!(browser.text_of("#signing-status").await, "Off");
    browser.screenshot("dashboard-empty").await;

    // Paste ec_public.pem, made by the article's two openssl commands.
    browser.open(&app, "/signing-keys").await;
    browser.fill("#key-name", "production backend").await;
    browser
        .fill("#key-pem", &read(keys.path(), "ec_public.pem"))
        .await;
    browser.click("#add-key button[type=submit]").await;
    browser
        .wait_for_text(".flash", "Added key \"production backend\"")
        .await;
    let table = browser.text_of("#keys").await;
    let (_, api_keys) = app.get("/api/v1/signing-keys").await;
    let fingerprint = api_keys["signingKeys"][0]["fingerprint"].as_str().unwrap();
    assert!(
        table.contains("production backend") && table.contains(fingerprint),
        "{table}"
    );
    browser.screenshot("signing-keys").await;

    // Allow two unsigned fields, then remove one.
    browser.open(&app, "/unsigned-fields").await;
    for label in ["page", "coupon"] {
        browser.fill("#field-label", label).await;
        browser.click("#add-field button[type=submit]").await;
        browser
            .wait_for_text(".flash", &format!("{label:?} may now pass unsigned"))
            .await;
    }
    let coupon_remove = "//tr[td/code[text()='coupon']]//button";
    browser
        .client
        .find(Locator::XPath(coupon_remove))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for_text(".flash", "\"coupon\" removed").await;
    let fields = browser.text_of("#fields").await;
    assert!(
        fields.contains("page") && !fields.contains("coupon"),
        "{fields}"
    );
    browser.screenshot("unsigned-fields").await;

    // Verify a token signed by the openssl CLI, with unsigned data beside it.
    let token = openssl_token(
        keys.path(),
        &items(&[("email", "ann@example.com")]).to_string(),
    );
    browser.open(&app, "/playground").await;
    browser.fill("#token", &token).await;
    browser
        .fill("#unsigned", r#"[{"label":"page","data":"/pricing","type":"string"},{"label":"coupon","data":"FREE","type":"string"}]"#)
        .await;
    browser.click("#playground button[type=submit]").await;
    // The live preview shows the same panel before the submit lands: wait for the record.
    browser.wait_for_path("/playground/").await;
    let result = browser
        .wait_for_text("#result", "Recorded as interaction")
        .await;
    assert!(!result.contains("✘"), "a check failed: {result}");
    // All passed: the checks are folded, with their count; unfolded, each is there.
    assert_eq!(browser.text_of("#checks summary").await, "Checks: 9 passed");
    browser.click("#checks summary").await;
    let checks = browser.text_of("#checks").await;
    assert!(
        checks.contains("64-byte R||S signature verifies"),
        "{checks}"
    );
    let fields = browser.text_of("#fields").await;
    assert!(
        fields.contains("email ann@example.com string signed"),
        "{fields}"
    );
    assert!(
        fields.contains("page /pricing string allowlisted"),
        "{fields}"
    );
    assert!(
        fields.contains("coupon FREE string dropped not_allowlisted"),
        "{fields}"
    );
    assert!(
        browser
            .text_of("#decoded-payload")
            .await
            .contains("ann@example.com")
    );
    browser.screenshot("playground").await;

    // The run is in the interaction log, with the same verdict.
    browser.open(&app, "/interactions").await;
    let log = browser.text_of("table").await;
    assert!(log.contains("valid"), "{log}");
    browser.click("table a").await;
    let detail = browser.wait_for_text("#fields", "coupon").await;
    assert!(
        detail.contains("coupon FREE string dropped not_allowlisted"),
        "{detail}"
    );
    browser.screenshot("interaction-detail").await;
    browser.open(&app, "/interactions?filter=dropped").await;
    assert!(browser.text_of("table").await.contains("valid"));
    browser.screenshot("interactions").await;

    browser.open(&app, "/").await;
    assert_eq!(browser.text_of("#signing-status").await, "On");
    browser.screenshot("dashboard").await;

    // Delete the key, through its confirmation page.
    browser.open(&app, "/signing-keys").await;
    browser.click("#keys a.button").await;
    browser.wait_for_text(".warning", "last active key").await;
    browser.screenshot("signing-key-delete").await;
    browser.click("#confirm-delete button").await;
    browser.wait_for_text(".flash", "Key deleted.").await;
    assert!(
        browser
            .text_of("#no-keys")
            .await
            .contains("No signing keys")
    );

    browser.close().await;
}

#[tokio::test]
async fn a_pasted_private_key_is_refused_and_cleared_from_the_form() {
    let app = spawn_app().await;
    let browser = browser().await;
    let keys = article_key_pair();

    browser.open(&app, "/signing-keys").await;
    browser.fill("#key-name", "oops").await;
    browser
        .fill("#key-pem", &read(keys.path(), "ec_private.pem"))
        .await;
    browser.click("#add-key button[type=submit]").await;
    let problem = browser
        .wait_for_text(".problem", "private_key_not_accepted")
        .await;
    assert!(problem.contains("private_key_not_accepted"), "{problem}");
    assert!(problem.contains("exposed"), "{problem}");
    let pem = browser
        .client
        .find(Locator::Css("#key-pem"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        pem.as_deref(),
        Some(""),
        "the private key is still in the form"
    );
    let source = browser.client.source().await.unwrap();
    let secret_line = read(keys.path(), "ec_private.pem")
        .lines()
        .nth(1)
        .unwrap()
        .to_owned();
    assert!(!source.contains(&secret_line), "the private key was echoed");
    browser.screenshot("signing-keys-private-key-refused").await;
    let (_, stored) = app.get("/api/v1/signing-keys").await;
    assert_eq!(stored["signingKeys"], json!([]));

    browser.close().await;
}

#[tokio::test]
async fn the_widget_shim_posts_to_the_emulator_and_the_demo_shows_provenance() {
    let app = spawn_app().await;
    let signer = crate::helpers::TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    app.add_field("page").await;
    let token = signer.sign_items(&items(&[("email", "ann@example.com")]));
    let browser = browser().await;

    // 1. The demo page: TalkativeEngageApi.startChat from a button.
    browser.open(&app, "/demo").await;
    browser.fill("#demo-token", &token).await;
    browser
        .fill("#demo-unsigned", r#"[{"label":"page","data":"/pricing","type":"string"},{"label":"coupon","data":"FREE","type":"string"}]"#)
        .await;
    browser.click("#start-chat").await;
    let fields = browser.wait_for_text("#agent-fields", "coupon").await;
    assert!(fields.contains("email ann@example.com signed"), "{fields}");
    assert!(fields.contains("page /pricing allowlisted"), "{fields}");
    assert!(
        fields.contains("coupon FREE dropped: not_allowlisted"),
        "{fields}"
    );
    assert!(
        browser
            .text_of("#agent-status")
            .await
            .contains("Signature valid")
    );
    browser.screenshot("demo").await;

    // A JSON mistake in the unsigned box replaces the last verdict: no stale fields beside it.
    browser.fill("#demo-unsigned", "[{not json").await;
    browser.click("#start-chat").await;
    browser.wait_for_text("#agent-status", "not JSON").await;
    assert_eq!(browser.text_of("#agent-fields").await.trim(), "");

    // 2. talkativeApi.interactionData.* then startChat().
    browser
        .client
        .execute(
            "talkativeApi.interactionData.setSignedInteractionData(arguments[0]);
             talkativeApi.interactionData.appendInteractionData([{label: 'utm', data: 'mail', type: 'string'}]);
             TalkativeEngageApi.startChat();",
            vec![json!(token)],
        )
        .await
        .unwrap();
    let fields = browser.wait_for_text("#agent-fields", "utm").await;
    assert!(
        fields.contains("email ann@example.com signed")
            && fields.contains("utm mail dropped: not_allowlisted"),
        "{fields}"
    );

    // 3. The element with a signed-interaction-data attribute.
    let forged =
        crate::helpers::TestSigner::generate().sign_items(&items(&[("email", "spoof@evil")]));
    browser
        .client
        .execute(
            "const el = document.createElement('talkative-engage');
             el.setAttribute('signed-interaction-data', arguments[0]);
             document.body.append(el);",
            vec![json!(forged)],
        )
        .await
        .unwrap();
    let status = browser
        .wait_for_text("#agent-status", "signature_mismatch")
        .await;
    assert!(status.contains("Signature invalid"), "{status}");
    assert!(
        browser
            .text_of("#agent-fields")
            .await
            .contains("spoof@evil dropped: invalid_signature")
    );

    // Each start was recorded like any verification.
    let (_, log) = app.get("/api/v1/interactions").await;
    assert_eq!(log["interactions"].as_array().unwrap().len(), 3);
    // The shim is an alias of the widget: the first start began an interaction the agent's
    // side can end, and the two later starts added their data to it, one arrival each.
    let (_, list) = app.get("/api/v1/engagements").await;
    let started = list["engagements"].as_array().unwrap();
    assert_eq!(started.len(), 1, "{list}");
    assert_eq!(started[0]["state"], "active");
    let (_, detail) = app
        .get(&format!(
            "/api/v1/engagements/{}",
            started[0]["uuid"].as_str().unwrap()
        ))
        .await;
    let kinds: Vec<_> = detail["arrivals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["start", "append", "append"]);
    // The demo page shows the widget it runs, styled under the portal's strict CSP (its
    // stylesheet is a file of the emulator's origin, not an inline style the CSP would block).
    let position = browser
        .eval(
            "const host = document.getElementById('talkative-emulator-widget');
             return host && getComputedStyle(host.shadowRoot.querySelector('.root')).position;",
        )
        .await;
    assert_eq!(position, "fixed");

    // 4. A customer page on another origin loads the shim from the emulator (CORS).
    let page = format!(
        "<!doctype html><title>customer</title><script src=\"{}/static/talkative-engage.js\"></script>\
         <script>TalkativeEngageApi.startChat({{signedInteractionData: '{token}'}})\
         .then(v => document.title = 'verdict ' + v.signature.status)\
         .catch(e => document.title = 'failed ' + e);</script>",
        app.address
    );
    let url = serve_page(page);
    browser.client.goto(&url).await.unwrap();
    let mut title = String::new();
    for _ in 0..100 {
        title = browser.client.title().await.unwrap();
        if title.starts_with("verdict") || title.starts_with("failed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(title, "verdict valid");

    // The log tells the two apart: the demo page's shim says demo, a page of one's own widget
    // (through a CORS preflight for the source header).
    for (source, title, count) in [("demo", "Demo page", 3), ("widget", "Widget", 1)] {
        browser
            .open(&app, &format!("/interactions?source={source}"))
            .await;
        let position = browser.text_of("#position").await;
        assert!(
            position.contains(&format!("of {count} matching · 4 in the log")),
            "{source}: {position}"
        );
        // (A widget's arrival also links its chat: "Demo page · chat".)
        let shown = browser.text_of("td.source").await;
        assert!(shown.starts_with(title), "{source}: {shown}");
    }
    browser.close().await;
}

/// Serves `html` at http://127.0.0.1:<random port>/ from a background thread: a customer's page
/// on an origin other than the emulator's.
pub fn serve_page(html: String) -> String {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(20) {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                html.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    url
}

#[tokio::test]
async fn with_a_password_a_person_logs_in_lands_where_they_were_going_and_logs_out() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.admin =
            Some(talkative_emulator::auth::AdminCredential::from_password("open sesame").unwrap());
    })
    .await;
    let browser = browser().await;

    browser.open(&app, "/unsigned-fields").await;
    browser.text_of("#login").await;
    browser.fill("#password", "wrong").await;
    browser.click("#login button[type=submit]").await;
    browser.wait_for_text(".problem", "unauthorized").await;
    browser.screenshot("login-refused").await;

    browser.fill("#password", "open sesame").await;
    browser.click("#login button[type=submit]").await;
    // The session cookie rides the same-site redirect back to the page asked for.
    browser.text_of("#add-field").await;
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(url.path(), "/unsigned-fields");
    // HttpOnly: the page's scripts cannot read the session.
    let visible = browser.eval("return document.cookie;").await;
    assert!(
        !visible.as_str().unwrap_or_default().contains("te_session"),
        "{visible}"
    );
    browser.screenshot("logged-in").await;

    browser.click("form.logout button").await;
    browser.text_of("#login").await;
    browser.open(&app, "/signing-keys").await;
    browser.text_of("#login").await;
    assert_eq!(browser.client.current_url().await.unwrap().path(), "/login");
    browser.close().await;
}

/// What an attacker's page does against the emulator at `emulator` (an origin such as
/// `http://127.0.0.1:8080`): an HTML form POST to reset, a `text/plain` form shaped as JSON to
/// plant a key, `no-cors` fetches with Blob bodies (no Content-Type, so no preflight), all with
/// the browser's cookies, then cross-origin reads. It sets `window.results` and the title `done`.
fn attack_page(emulator: &str, planted_pem: &str) -> String {
    format!(
        r#"<!doctype html><title>attacker</title><iframe name="sink"></iframe>
<script>
const emulator = {emulator};
const pem = {pem};
const results = {{}};
function formPost(path, enctype, fields) {{
  return new Promise(done => {{
    const form = document.createElement('form');
    form.method = 'POST'; form.action = emulator + path; form.target = 'sink'; form.enctype = enctype;
    for (const [name, value] of fields) {{
      const input = document.createElement('input');
      input.name = name; input.value = value; form.append(input);
    }}
    document.body.append(form);
    document.querySelector('iframe').onload = () => done('sent');
    form.submit();
    setTimeout(() => done('timeout'), 5000);
  }});
}}
async function attempt(name, action) {{
  try {{ results[name] = await action(); }} catch (e) {{ results[name] = 'blocked: ' + e.name; }}
}}
const noCors = (path, body) => fetch(emulator + path, {{
  method: 'POST', mode: 'no-cors', credentials: 'include', body }}).then(r => r.type);
(async () => {{
  await attempt('formReset', () => formPost('/api/v1/reset', 'application/x-www-form-urlencoded', [['x', '1']]));
  const json = JSON.stringify({{name: 'planted by form', pem, x: ''}});
  await attempt('formPlant', () => formPost('/api/v1/signing-keys', 'text/plain',
    [[json.slice(0, -2), '"}}']]));
  await attempt('fetchPlant', () => noCors('/api/v1/signing-keys',
    new Blob([JSON.stringify({{name: 'planted by fetch', pem}})])));
  await attempt('fetchAllow', () => noCors('/api/v1/unsigned-fields', new Blob(['{{"label":"planted"}}'])));
  await attempt('fetchReset', () => noCors('/api/v1/reset', new Blob(['{{}}'])));
  for (const path of ['/api/v1/signing-keys', '/api/v1/interactions', '/signing-keys']) {{
    await attempt('read ' + path, () => fetch(emulator + path, {{credentials: 'include'}}).then(r => r.text()));
  }}
  window.results = results;
  document.title = 'done';
}})();
</script>"#,
        emulator = json!(emulator),
        pem = json!(planted_pem),
    )
}

/// Opens `url`, waits for the attack page to finish, and returns what it found.
async fn run_attack(browser: &Browser, url: &str) -> serde_json::Value {
    browser.client.goto(url).await.unwrap();
    for _ in 0..200 {
        if browser.client.title().await.unwrap() == "done" {
            return browser.eval("return window.results;").await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the attack page at {url} never finished");
}

/// Every read must have been blocked by the browser (no CORS grant), never answered.
fn assert_nothing_was_readable(results: &serde_json::Value, page: &str) {
    for path in [
        "/api/v1/signing-keys",
        "/api/v1/interactions",
        "/signing-keys",
    ] {
        let read = &results[format!("read {path}")];
        assert_eq!(read, "blocked: TypeError", "{page} read {path}: {results}");
    }
}

async fn keys_and_fields(
    app: &TestApp,
    bearer: Option<&str>,
) -> (serde_json::Value, serde_json::Value) {
    let mut out = Vec::new();
    for path in ["/api/v1/signing-keys", "/api/v1/unsigned-fields"] {
        let mut request = app.client.get(app.url(path));
        if let Some(password) = bearer {
            request = request.bearer_auth(password);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        out.push(response.json().await.unwrap());
    }
    let fields = out.pop().unwrap();
    (out.pop().unwrap(), fields)
}

#[tokio::test]
async fn pages_on_other_origins_can_neither_change_nor_read_the_emulator() {
    let app = spawn_app().await;
    let signer = crate::helpers::TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    app.add_field("page").await;
    let before = keys_and_fields(&app, None).await;
    let planted = crate::helpers::TestSigner::generate();
    let browser = browser().await;

    let page = attack_page(&app.address, &planted.public_pem());
    let attacker = serve_page(page);
    let port = attacker
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned();
    // Another port on 127.0.0.1 (same-site, a different origin), then a public-looking name
    // that resolves to this machine (cross-site).
    for origin in [
        attacker.clone(),
        format!("http://attacker.evil.example:{port}/"),
    ] {
        let results = run_attack(&browser, &origin).await;
        assert_nothing_was_readable(&results, &origin);
        assert_eq!(
            keys_and_fields(&app, None).await,
            before,
            "{origin} changed state: {results}"
        );
    }
    let forged = planted.sign_items(&items(&[("email", "x@evil")]));
    let verdict = app.verify(Some(&forged), json!([])).await;
    assert_eq!(
        verdict["signature"]["status"], "invalid",
        "a planted key verifies: {verdict}"
    );

    // DNS rebinding: the attacker's name now resolves to 127.0.0.1, so its page and the
    // emulator share an origin and the browser would let the page read every answer. The Host
    // header still names the attacker's domain, and the emulator refuses it.
    let emulator_port = app.address.rsplit(':').next().unwrap();
    let rebound = format!("http://rebind.evil.example:{emulator_port}");
    browser
        .client
        .goto(&format!("{rebound}/signing-keys"))
        .await
        .unwrap();
    let shown = browser.client.source().await.unwrap();
    assert!(shown.contains("host_not_allowed"), "{shown}");
    assert!(
        !shown.contains("backend"),
        "the portal showed a key to {rebound}"
    );
    browser.screenshot("rebinding-refused").await;
    // The attacker's script, already in the page before the name was rebound, tries again.
    let attempts = browser.eval("return Promise.all([
               fetch('/api/v1/signing-keys'),
               fetch('/api/v1/reset', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'}),
             ].map(answer => answer.then(async r => r.status + ' ' + await r.text())));").await;
    let attempts = attempts.as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    for answer in attempts {
        let answer = answer.as_str().unwrap();
        assert!(
            answer.starts_with("403 ") && answer.contains("host_not_allowed"),
            "{answer}"
        );
        assert!(
            !answer.contains("backend") && !answer.contains("PUBLIC KEY"),
            "{answer}"
        );
    }
    assert_eq!(
        keys_and_fields(&app, None).await,
        before,
        "a rebound page changed state"
    );
    browser.close().await;
}

#[tokio::test]
async fn a_logged_in_portal_session_does_not_lend_itself_to_other_origins() {
    const PASSWORD: &str = "open sesame";
    let app = crate::helpers::spawn_app_with(|s| {
        s.admin = Some(talkative_emulator::auth::AdminCredential::from_password(PASSWORD).unwrap());
    })
    .await;
    let signer = crate::helpers::TestSigner::generate();
    let response = app
        .client
        .post(app.url("/api/v1/signing-keys"))
        .bearer_auth(PASSWORD)
        .json(&json!({ "name": "backend", "pem": signer.public_pem() }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let before = keys_and_fields(&app, Some(PASSWORD)).await;
    let browser = browser().await;

    // Log in: the browser now holds a SameSite=Strict session cookie for 127.0.0.1.
    browser.open(&app, "/login").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("#login button[type=submit]").await;
    browser.text_of("#signing-status").await;

    // SameSite does not separate ports: a page on another port of 127.0.0.1 is same-site, so
    // the browser attaches that cookie to everything the page sends.
    let planted = crate::helpers::TestSigner::generate();
    let attacker = serve_page(attack_page(&app.address, &planted.public_pem()));
    let results = run_attack(&browser, &attacker).await;
    assert_nothing_was_readable(&results, &attacker);
    assert_eq!(
        keys_and_fields(&app, Some(PASSWORD)).await,
        before,
        "{results}"
    );

    // The session still works for the portal itself.
    browser.open(&app, "/signing-keys").await;
    assert!(browser.text_of("#keys").await.contains("backend"));
    browser.close().await;
}

/// A fresh emulator's dashboard says how to make a key pair and offers a sample token, which
/// lands in the playground verified (issue #24); once a key is stored, that card goes.
#[tokio::test]
async fn the_first_run_dashboard_shows_how_to_start_and_tries_a_sample_token() {
    let app = spawn_app().await;
    let browser = browser().await;
    browser.open(&app, "/").await;
    let card = browser.text_of("#first-run").await;
    assert!(
        card.contains("openssl ecparam -genkey -name prime256v1")
            && card.contains("talkative-emulator keygen"),
        "{card}"
    );
    browser.click("#first-run-sample button").await;
    browser.wait_for_path("/playground/").await;
    browser.wait_for_text("#summary", "signature valid").await;
    browser.open(&app, "/").await;
    let gone = browser
        .eval("return document.getElementById('first-run') === null;")
        .await;
    assert_eq!(gone, true, "the first-run card stays once a key is stored");
    browser.close().await;
}
