//! The two medium findings of the December 2026 security probe (issue #21), reproduced as they
//! were found: in a real Chromium, by a page on another origin, against the default setup (no
//! admin password). Both failed on the main branch of that day (`3c45487`).
//!
//! F1: a page on any site held every follower place through the portal's event stream, so the
//! developer's own live log and every CI wait were refused with `too_many_followers`.
//! F2: a page on another port of 127.0.0.1 planted the portal's flash cookie, and the portal then
//! showed its message with an Undo form (and a valid CSRF token) that stored the page's key.

use std::time::Duration;

use serde_json::json;

use crate::browser::serve_page;
use crate::chromium::{Browser, browser};
use crate::helpers::{TestSigner, items, spawn_app_with};

/// Opens `url` and waits until its script sets the title to `done`.
async fn run_page(browser: &Browser, url: &str) {
    browser.client.goto(url).await.unwrap();
    for _ in 0..200 {
        if browser.client.title().await.unwrap() == "done" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page at {url} never finished");
}

#[tokio::test]
async fn a_page_on_another_site_cannot_hold_the_follower_places_of_the_live_log() {
    const PLACES: usize = 6;
    let app = spawn_app_with(|s| s.max_followers = PLACES).await;
    let emulator_port = app.address.rsplit(':').next().unwrap().to_owned();
    // Twice as many EventSources as there are places, each on its own `*.localhost` name so the
    // browser's six-connections-per-host limit does not hold them back (as the probe did).
    let page = format!(
        r#"<!doctype html><title>holder</title><script>
window.sources = [];
for (let i = 0; i < {count}; i++) {{
  window.sources.push(new EventSource(`http://h${{i}}.localhost:{emulator_port}/interactions/stream`));
}}
setTimeout(() => {{ document.title = 'done'; }}, 1500);
</script>"#,
        count = PLACES * 2,
    );
    let served = serve_page(page);
    let page_port = served.trim_end_matches('/').rsplit(':').next().unwrap();
    let attacker = format!("http://attacker.evil.example:{page_port}/");
    let browser = browser().await;
    run_page(&browser, &attacker).await;

    // The page stays open with its streams. The developer's CI waits, over the next seconds:
    let mut answers = Vec::new();
    for _ in 0..6 {
        let (status, body) = app.get("/api/v1/interactions?wait=200ms").await;
        answers.push((status, body["error"]["code"].clone()));
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(
        answers.iter().all(|(status, _)| *status == 200),
        "a page on another site held the follower places: {answers:?}"
    );
    browser.close().await;
}

#[tokio::test]
async fn a_flash_cookie_planted_from_another_port_cannot_store_a_key() {
    let app = spawn_app_with(|_| {}).await;
    let backend = TestSigner::generate();
    app.add_key("backend", &backend.public_pem()).await;
    let planted = TestSigner::generate();
    // What the portal's own "Field removed · Undo" flash looks like, with the page's key as the
    // Undo's fields. Cookies are not separated by port: 127.0.0.1:<other> sets it for the portal.
    let flash = json!({
        "kind": "success",
        "message": "Your signing key was rotated. Undo to keep the old one.",
        "undo": {
            "action": "/signing-keys",
            "button": "Undo",
            "fields": [["name", "planted"], ["pem", planted.public_pem()]],
        },
    });
    let page = format!(
        r#"<!doctype html><title>planter</title><script>
const json = {flash};
const value = btoa(json).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
document.cookie = 'te_flash=' + value + '; path=/';
document.title = 'done';
</script>"#,
        flash = json!(flash.to_string()),
    );
    let browser = browser().await;
    run_page(&browser, &serve_page(page)).await;

    // The developer opens the portal; if it offers the planted Undo, they click it.
    browser.open(&app, "/signing-keys").await;
    let shown = browser.text_of("main").await;
    if let Ok(undo) = browser
        .client
        .find(fantoccini::Locator::Css(".flash form.undo button"))
        .await
    {
        undo.click().await.unwrap();
        browser.text_of("main").await;
    }
    let (_, keys) = app.get("/api/v1/signing-keys").await;
    let names: Vec<&str> = keys["signingKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["backend"], "the planted flash stored a key");
    assert!(
        !shown.contains("Undo to keep the old one"),
        "the portal showed a message another origin wrote: {shown}"
    );
    // And tokens signed with the page's key do not verify.
    let forged = planted.sign_items(&items(&[("email", "x@evil")]));
    let verdict = app.verify(Some(&forged), json!([])).await;
    assert_eq!(verdict["signature"]["status"], "invalid", "{verdict}");
    browser.close().await;
}
