//! Accessibility and small screens, on every portal page in its empty and filled states:
//! axe-core (pinned in tests/a11y/package.json, installed by scripts/install-test-deps.sh and
//! injected into each page) must report no violation, in the light and the dark theme, and at
//! 360×740 no page may scroll sideways. Screenshots of every state, wide (1280 px, light and
//! dark) and phone (360 px), land in target/tmp/screenshots/pages/ for review.

use std::path::PathBuf;

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::chromium::{Browser, browser};
use crate::helpers::{TestApp, TestSigner, items, portal_pages, spawn_app, spawn_app_with};

const QUEUE: &str = "7d3c6a54-1f0e-4a8e-9a57-5a1b2c3d4e5f";
const OTHER_QUEUE: &str = "0b8e3f0e-2f0d-4c55-9a57-5a1b2c3d4e60";

const AXE_HINT: &str =
    "axe-core is missing: run `npm ci --prefix tests/a11y` (scripts/install-test-deps.sh does).";

fn axe_source() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/a11y/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}. {AXE_HINT}", path.display()))
}

/// axe-core's violations on the page as it is now, one line each.
async fn violations(browser: &Browser, axe: &str) -> Vec<String> {
    browser.eval(&format!("{axe}\n;return true;")).await;
    let result = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
                .then(r => done(r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)
                }))))
                .catch(e => done([{ id: 'axe-error', impact: 'error', help: String(e), nodes: [] }]));",
            vec![],
        )
        .await
        .unwrap();
    result
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            format!(
                "{} ({}): {} at {}",
                v["id"].as_str().unwrap_or_default(),
                v["impact"].as_str().unwrap_or_default(),
                v["help"].as_str().unwrap_or_default(),
                v["nodes"]
            )
        })
        .collect()
}

async fn set_theme(browser: &Browser, theme: Option<&str>) {
    browser
        .client
        .execute(
            "if (arguments[0]) { document.documentElement.setAttribute('data-theme', arguments[0]); } \
             else { document.documentElement.removeAttribute('data-theme'); }",
            vec![json!(theme)],
        )
        .await
        .unwrap();
}

async fn screenshot(browser: &Browser, size: &str, name: &str) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("screenshots/pages")
        .join(size);
    std::fs::create_dir_all(&dir).unwrap();
    let png = browser.client.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Checks the page as it is now; collects failures instead of stopping at the first, so one
/// run lists everything to fix.
async fn check(browser: &Browser, axe: &str, name: &str, failures: &mut Vec<String>) {
    for theme in [None, Some("dark")] {
        set_theme(browser, theme).await;
        let label = format!("{name} [{}]", theme.unwrap_or("light"));
        for violation in violations(browser, axe).await {
            failures.push(format!("{label}: {violation}"));
        }
        screenshot(
            browser,
            "wide",
            &format!("{name}-{}", theme.unwrap_or("light")),
        )
        .await;
    }
    set_theme(browser, None).await;

    browser.client.set_window_size(360, 740).await.unwrap();
    let widths = browser
        .eval("return [document.documentElement.scrollWidth, window.innerWidth];")
        .await;
    let (scroll, viewport) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    if viewport > 400 {
        failures.push(format!("{name}: the window did not shrink ({viewport} px)"));
    }
    if scroll > viewport {
        let widest = browser.eval("let w = null; for (const e of document.querySelectorAll('body *')) { \
                   const r = e.getBoundingClientRect(); \
                   if (r.right > window.innerWidth + 1 && (!w || r.right > w.r)) \
                     w = { r: r.right, d: e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className }; } \
                 return w ? w.d + ' reaches ' + Math.round(w.r) + ' px' : '';").await;
        failures.push(format!(
            "{name}: scrolls sideways at 360 px ({scroll} > {viewport}): {widest}"
        ));
    }
    // Code blocks wrap at spaces: a command or value that fits on a line is never cut in two
    // ("prim e256v1"); only what is longer than a line (a token, a PEM line) may break inside.
    let cut = browser
        .eval(
            "const cut = []; const range = document.createRange(); \
             for (const pre of document.querySelectorAll('pre')) { \
               const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT); \
               for (let node = walker.nextNode(); node; node = walker.nextNode()) { \
                 for (const m of node.data.matchAll(/\\S+/g)) { \
                   if (m[0].length < 2 || m[0].length > 25) continue; \
                   range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length); \
                   const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0) \
                     .map((r) => Math.round(r.top))); \
                   if (tops.size > 1) cut.push(m[0]); } } } \
             return cut.slice(0, 5);",
        )
        .await;
    if cut.as_array().is_some_and(|words| !words.is_empty()) {
        failures.push(format!("{name}: code blocks cut words at 360 px: {cut}"));
    }
    screenshot(browser, "phone", name).await;
    browser.client.set_window_size(1280, 1000).await.unwrap();
}

/// Opens `path` and checks it.
async fn visit(
    browser: &Browser,
    axe: &str,
    app: &TestApp,
    name: &str,
    path: &str,
    failures: &mut Vec<String>,
) {
    browser.open(app, path).await;
    check(browser, axe, name, failures).await;
}

/// A refused form puts the focus on the field at fault, marks it invalid and points it at the
/// explanation, so a screen reader reads why.
async fn assert_marked_invalid(browser: &Browser, field: &str) {
    let state = browser
        .client
        .execute(
            "const f = document.getElementById(arguments[0]); \
             const why = document.getElementById(f.getAttribute('aria-describedby') || ''); \
             return [document.activeElement === f, f.getAttribute('aria-invalid'), \
                     why ? why.textContent.trim().length > 0 : false];",
            vec![json!(field)],
        )
        .await
        .unwrap();
    assert_eq!(state, json!([true, "true", true]), "#{field}");
}

fn assert_none(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn every_page_passes_axe_and_fits_a_phone_when_empty() {
    let axe = axe_source();
    let app = spawn_app().await;
    let browser = browser().await;
    let mut failures = Vec::new();
    // Every page the route table has (a page added there is checked here without another
    // list), and the page for a path it does not have.
    let mut pages = portal_pages();
    pages.push("/no-such-page".to_owned());
    for path in pages {
        let name = match path.trim_start_matches('/') {
            "" => "dashboard-empty".to_owned(),
            page => format!("{}-empty", page.replace('/', "-")),
        };
        visit(&browser, &axe, &app, &name, &path, &mut failures).await;
    }
    browser.close().await;
    assert_none(failures);
}

#[tokio::test]
async fn every_page_passes_axe_and_fits_a_phone_when_filled() {
    let axe = axe_source();
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    let key = app
        .add_key("production backend", &signer.public_pem())
        .await;
    app.add_key("old backend", &TestSigner::generate().public_pem())
        .await;
    app.add_field("page").await;
    let long = "a-very-long-value-without-spaces-".repeat(8);
    let token = signer.sign_items(&items(&[("email", "ada@example.com"), ("plan", &long)]));
    let valid = app
        .verify(
            Some(&token),
            items(&[("page", "/pricing"), ("coupon", "FREE")]),
        )
        .await;
    let invalid = app
        .verify(Some(&format!("{token}\n")), items(&[("coupon", "FREE")]))
        .await;
    // A config of one's own beside the default, and an interaction started on it with signed
    // and unsigned data, then given more.
    let (status, config) = app
        .post(
            "/api/v1/widget-configs",
            &json!({
                "name": "Shop website",
                "queues": [{"uuid": QUEUE, "name": "Sales", "status": "ONLINE"},
                           {"uuid": OTHER_QUEUE, "name": "Support", "status": "OFFLINE_BUSINESS_HOURS"}],
                "actions": [{"reference": "start-chat", "kind": "start_chat", "queue": QUEUE}],
                "fields": [{"name": "email", "label": "Email address"}],
            }),
        )
        .await;
    assert_eq!(status, 201, "{config}");
    let config_uuid = config["uuid"].as_str().unwrap();
    let (status, started) = app
        .post(
            "/api/ecs/v1/interactions",
            &json!({
                "configUuid": config_uuid,
                "action": "start-chat",
                "path": "https://shop.example/pricing",
                "signedInteractionData": token,
                "interactionData": [{"name": "page", "label": "Page", "data": "/pricing", "type": "string"},
                                    {"name": "coupon", "label": "Coupon", "data": "FREE", "type": "string"}],
            }),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let engagement = started["interaction"]["uuid"].as_str().unwrap().to_owned();
    let (status, _) = app
        .post(
            &format!("/api/ecs/v1/interactions/{engagement}/interaction-data"),
            &json!({"interactionData": [{"name": "page", "label": "Page", "data": "/checkout", "type": "string"}]}),
        )
        .await;
    assert_eq!(status, 200);
    // A webhook with a delivery that failed twice and then went through, for its pages.
    let receiver = crate::helpers::Receiver::statuses(&[500, 500]).await;
    let (status, webhook) = app
        .post(
            "/api/v1/webhooks",
            &json!({ "label": "CRM staging", "url": receiver.url, "validate": false,
                     "headers": [{"name": "Authorization", "value": "Bearer crm-secret-0123456789"}] }),
        )
        .await;
    assert_eq!(status, 201, "{webhook}");
    let webhook_id = webhook["webhook"]["id"].as_i64().unwrap();
    let (_, completed) = app
        .post(
            "/api/ecs/v1/interactions",
            &json!({ "configUuid": config_uuid, "action": "start-chat" }),
        )
        .await;
    let completed = completed["interaction"]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/api/v1/engagements/{completed}/complete"),
        &json!({}),
    )
    .await;
    let (_, deliveries) = app
        .get(&format!(
            "/api/v1/webhook-deliveries?interaction={completed}&state=delivered&wait=15s"
        ))
        .await;
    let delivery_id = deliveries["deliveries"][0]["id"]
        .as_i64()
        .expect("delivered");
    let browser = browser().await;
    let mut failures = Vec::new();
    let key_id = key["id"].as_str().unwrap();
    for (name, path) in [
        ("dashboard", "/".to_owned()),
        ("signing-keys", "/signing-keys".to_owned()),
        (
            "signing-key-delete",
            format!("/signing-keys/{key_id}/delete"),
        ),
        ("unsigned-fields", "/unsigned-fields".to_owned()),
        ("interactions", "/interactions".to_owned()),
        ("interactions-no-match", "/interactions?q=nobody".to_owned()),
        (
            "interactions-search",
            "/interactions?q=example&per=20".to_owned(),
        ),
        (
            "interactions-search-syntax",
            "/interactions?q=key%3A%22production%20backend%22%20code%3Anot_allowlisted%20FREE"
                .to_owned(),
        ),
        ("interactions-clear", "/interactions/clear".to_owned()),
        (
            "interaction-valid",
            format!("/interactions/{}", valid["id"].as_str().unwrap()),
        ),
        (
            "interaction-invalid",
            format!("/interactions/{}", invalid["id"].as_str().unwrap()),
        ),
        ("widget-configs", "/widget-configs".to_owned()),
        (
            "widget-config-edit",
            format!("/widget-configs?edit={config_uuid}"),
        ),
        (
            "widget-config-delete",
            format!("/widget-configs/{config_uuid}/delete"),
        ),
        ("engagements", "/engagements".to_owned()),
        ("engagement-active", format!("/engagements/{engagement}")),
        ("webhooks", "/webhooks".to_owned()),
        (
            "webhook-delivery",
            format!("/webhooks/deliveries/{delivery_id}"),
        ),
        ("webhook-delete", format!("/webhooks/{webhook_id}/delete")),
    ] {
        visit(&browser, &axe, &app, name, &path, &mut failures).await;
    }

    // The list's new states (#32): a choice made with an arrow key, waiting for Enter; and
    // arrivals counted above a reader scrolled down.
    browser.open(&app, "/interactions").await;
    browser.wait_for_text("#live-note", "Live").await;
    browser
        .client
        .find(fantoccini::Locator::Id("source"))
        .await
        .unwrap()
        .send_keys(&fantoccini::key::Key::Down.to_string())
        .await
        .unwrap();
    browser
        .wait_for_text("#pending-change", "Press Enter")
        .await;
    check(&browser, &axe, "interactions-pending-choice", &mut failures).await;
    // (On a phone, where this short log is taller than the screen.)
    browser.client.set_window_size(360, 740).await.unwrap();
    browser.open(&app, "/interactions").await;
    browser.wait_for_text("#live-note", "Live").await;
    let scrolled = browser
        .eval("window.scrollTo(0, 60); return window.scrollY;")
        .await;
    assert!(scrolled.as_f64().unwrap() > 0.0, "{scrolled}");
    app.verify(None, items(&[("page", "/arrived")])).await;
    browser.wait_for_text("#live-status", "1 new above").await;
    check(&browser, &axe, "interactions-new-above", &mut failures).await;

    // The playground: typed (live), recorded, and refused.
    browser.open(&app, "/playground").await;
    browser.fill("#token", &token).await;
    browser
        .fill(
            "#unsigned",
            r#"[{"label":"coupon","data":"FREE","type":"string"}]"#,
        )
        .await;
    browser.wait_for_text("#summary", "signature valid").await;
    check(&browser, &axe, "playground-live", &mut failures).await;
    browser.click("#playground button[type=submit]").await;
    browser.wait_for_path("/playground/").await;
    browser
        .wait_for_text("#result", "Recorded as interaction")
        .await;
    check(&browser, &axe, "playground-result", &mut failures).await;
    browser.open(&app, "/playground").await;
    browser.fill("#unsigned", "[{not json").await;
    browser.click("#playground button[type=submit]").await;
    browser
        .wait_for_text("#form-problem", "invalid_request")
        .await;
    check(&browser, &axe, "playground-refused", &mut failures).await;
    // Checked against a pasted key; then a bad key under its own box.
    browser.open(&app, "/playground").await;
    browser.fill("#token", &token).await;
    browser.click("#trial-key summary").await;
    browser.fill("#key", &signer.public_pem()).await;
    browser
        .wait_for_text("#result", "pasted_key_not_stored")
        .await;
    check(&browser, &axe, "playground-pasted-key", &mut failures).await;
    browser.fill("#key", "not a key").await;
    browser
        .wait_for_text("#key-slot .problem", "invalid_pem")
        .await;
    check(
        &browser,
        &axe,
        "playground-pasted-key-refused",
        &mut failures,
    )
    .await;
    // The encoder: a pair made in the browser, a payload signed with it.
    browser.click("#encoder summary").await;
    browser.click("#encoder-generate").await;
    browser
        .wait_for_text("#encoder-public-pem", "BEGIN PUBLIC KEY")
        .await;
    browser.click("#encoder-sign").await;
    browser
        .wait_for_text("#encoder-status", "Signed in this browser")
        .await;
    check(&browser, &axe, "playground-encoder", &mut failures).await;

    // Forms that refused what was pasted.
    browser.open(&app, "/signing-keys").await;
    browser.fill("#key-pem", "not a key").await;
    browser.click("#add-key button[type=submit]").await;
    browser.wait_for_text(".problem", "invalid_pem").await;
    assert_marked_invalid(&browser, "key-pem").await;
    check(&browser, &axe, "signing-keys-refused", &mut failures).await;
    browser.open(&app, "/unsigned-fields").await;
    browser.fill("#field-label", "page").await;
    browser.click("#add-field button[type=submit]").await;
    browser
        .wait_for_text(".problem", "already_allowlisted")
        .await;
    check(&browser, &axe, "unsigned-fields-refused", &mut failures).await;

    // A config that does not parse; a queue taken offline (a flash); an interaction ended by
    // the agent, then completed.
    browser.open(&app, "/widget-configs").await;
    // (Pasted into the JSON view, the form's advanced side.)
    browser.click("#config-json-view summary").await;
    browser
        .fill("#config-json", r#"{"name": "x", "queues": 1}"#)
        .await;
    browser.click("#config-form button[type=submit]").await;
    browser
        .wait_for_text("#form-problem", "invalid_request")
        .await;
    assert_marked_invalid(&browser, "config-json").await;
    check(&browser, &axe, "widget-configs-refused", &mut failures).await;
    browser.open(&app, "/widget-configs").await;
    browser
        .click(&format!("#config-{config_uuid} form.presence button"))
        .await;
    browser.wait_for_text(".flash", "Sales").await;
    check(&browser, &axe, "widget-configs-flash", &mut failures).await;
    browser
        .open(&app, &format!("/engagements/{engagement}"))
        .await;
    browser.click("#end button").await;
    browser.wait_for_text(".flash", "Ended").await;
    check(&browser, &axe, "engagement-ended", &mut failures).await;
    browser.click("#complete button").await;
    browser.wait_for_text(".flash", "Completed").await;
    check(&browser, &axe, "engagement-completed", &mut failures).await;

    // API keys: one made (its token shown once), a refused name, the list with one revoked,
    // and the revoke confirmation.
    browser.open(&app, "/api-keys").await;
    browser.fill("#api-key-name", "CI backend tests").await;
    browser.click("#add-api-key button[type=submit]").await;
    browser.wait_for_text("#new-token", "shown this once").await;
    check(&browser, &axe, "api-keys-made", &mut failures).await;
    browser.open(&app, "/api-keys").await;
    browser.fill("#api-key-name", "   ").await;
    browser.click("#add-api-key button[type=submit]").await;
    browser
        .wait_for_text("#form-problem", "invalid_api_key")
        .await;
    assert_marked_invalid(&browser, "api-key-name").await;
    check(&browser, &axe, "api-keys-refused", &mut failures).await;
    let revoked = app.api_key("old backend").await;
    assert!(revoked.starts_with("tke_"));
    visit(
        &browser,
        &axe,
        &app,
        "api-key-revoke",
        "/api-keys/2/revoke",
        &mut failures,
    )
    .await;
    browser.click("#confirm-revoke button").await;
    browser.wait_for_text(".flash", "revoked").await;
    check(&browser, &axe, "api-keys-revoked", &mut failures).await;

    // The demo after a chat, and after a JSON error.
    browser.open(&app, "/demo").await;
    browser.fill("#demo-token", &token).await;
    browser.click("#start-chat").await;
    browser.wait_for_text("#agent-status", "valid").await;
    check(&browser, &axe, "demo-chat", &mut failures).await;
    browser.fill("#demo-unsigned", "[{").await;
    browser.click("#start-chat").await;
    browser.wait_for_text("#agent-status", "not JSON").await;
    check(&browser, &axe, "demo-refused", &mut failures).await;

    // A flash message after a form.
    browser.open(&app, "/unsigned-fields").await;
    browser.fill("#field-label", "utm_source").await;
    browser.click("#add-field button[type=submit]").await;
    browser.wait_for_text(".flash", "utm_source").await;
    check(&browser, &axe, "unsigned-fields-flash", &mut failures).await;
    // Asked before allowing identity data; a removal offers an undo.
    browser.fill("#field-label", "email").await;
    browser.click("#add-field button[type=submit]").await;
    browser
        .wait_for_text("#form-doubts", "identity_label")
        .await;
    check(&browser, &axe, "unsigned-fields-doubts", &mut failures).await;
    browser
        .client
        .find(Locator::XPath("//tr[td/code[text()='utm_source']]//button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for_text(".flash", "Undo").await;
    check(&browser, &axe, "unsigned-fields-undo", &mut failures).await;
    browser.click(".flash form.undo button").await;
    browser.wait_for_text("#fields", "utm_source").await;

    browser.close().await;
    assert_none(failures);
}

#[tokio::test]
async fn the_login_page_passes_axe_and_fits_a_phone() {
    let axe = axe_source();
    let app = spawn_app_with(|s| {
        s.admin =
            Some(talkative_emulator::auth::AdminCredential::from_password("correct horse").unwrap())
    })
    .await;
    let browser = browser().await;
    let mut failures = Vec::new();
    visit(&browser, &axe, &app, "login", "/login", &mut failures).await;
    browser.fill("#password", "wrong").await;
    browser
        .client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for_text(".problem", "").await;
    check(&browser, &axe, "login-refused", &mut failures).await;
    browser.close().await;
    assert_none(failures);
}

#[tokio::test]
async fn the_theme_toggle_is_remembered_and_dark_follows_the_system_until_then() {
    let app = spawn_app().await;
    let browser = browser().await;
    browser.open(&app, "/").await;
    let light = body_background(&browser).await;
    assert_eq!(browser.text_of("#theme-toggle").await, "Theme: system");
    browser.click("#theme-toggle").await;
    assert_eq!(browser.text_of("#theme-toggle").await, "Theme: dark");
    let dark = body_background(&browser).await;
    assert_ne!(light, dark);
    // Another page, a reload: still dark, applied before the page's deferred scripts run.
    browser.open(&app, "/interactions").await;
    assert_eq!(body_background(&browser).await, dark);
    assert_eq!(browser.text_of("#theme-toggle").await, "Theme: dark");
    browser.click("#theme-toggle").await;
    assert_eq!(browser.text_of("#theme-toggle").await, "Theme: light");
    assert_eq!(body_background(&browser).await, light);
    browser.click("#theme-toggle").await;
    assert_eq!(browser.text_of("#theme-toggle").await, "Theme: system");
    browser.open(&app, "/").await;
    assert_eq!(
        body_background(&browser).await,
        light,
        "the system here is light"
    );
    browser.close().await;
}

/// On a system in dark mode the portal starts dark, and the toggle's first click changes what
/// is seen (to light), instead of to the dark it already shows.
#[tokio::test]
async fn on_a_dark_system_the_first_click_of_the_theme_toggle_changes_what_is_seen() {
    let app = spawn_app().await;
    let browser = crate::chromium::browser_in_dark_mode().await;
    browser.open(&app, "/").await;
    let system_dark = body_background(&browser).await;
    assert_eq!(browser.text_of("#theme-toggle").await, "Theme: system");
    browser.click("#theme-toggle").await;
    assert_eq!(browser.text_of("#theme-toggle").await, "Theme: light");
    let light = body_background(&browser).await;
    assert_ne!(
        system_dark, light,
        "the first click changed nothing visible"
    );
    browser.click("#theme-toggle").await;
    assert_eq!(browser.text_of("#theme-toggle").await, "Theme: dark");
    assert_eq!(body_background(&browser).await, system_dark);
    browser.click("#theme-toggle").await;
    assert_eq!(browser.text_of("#theme-toggle").await, "Theme: system");
    browser.close().await;
}

/// The page's background colour, as computed: tells the themes apart.
async fn body_background(browser: &Browser) -> Value {
    browser
        .eval("return getComputedStyle(document.body).backgroundColor;")
        .await
}
