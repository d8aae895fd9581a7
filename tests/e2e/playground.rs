//! The playground in a real Chromium: decoded and checked while typing, the same answer as the
//! API, copy buttons, the sample token, and the page without JavaScript.

use fantoccini::Locator;
use fantoccini::key::Key;
use serde_json::json;

use crate::chromium::{browser, browser_without_javascript};
use crate::helpers::{TestSigner, items, spawn_app};

#[tokio::test]
async fn the_playground_decodes_and_checks_while_typing_and_agrees_with_the_api() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    let token = signer.sign_items(&items(&[("email", "ann@example.com")]));
    let browser = browser().await;
    browser.open(&app, "/playground").await;
    assert!(browser.text_of("#waiting").await.contains("Paste a token"));

    // Typed, not submitted: the panel fills in by itself.
    browser.fill("#token", &token).await;
    let summary = browser.wait_for_text("#summary", "signature valid").await;
    assert_eq!(summary, "signature valid; 1 accepted, 0 dropped");
    assert!(
        browser
            .text_of("#not-recorded")
            .await
            .contains("not recorded")
    );
    assert!(
        browser
            .text_of("#decoded-payload")
            .await
            .contains("ann@example.com")
    );
    assert!(browser.text_of("#decoded-header").await.contains("ES256"));
    assert_eq!(browser.text_of("#result .key-name").await, "backend");
    let encoded = browser.text_of("#encoded").await;
    assert_eq!(encoded, token, "the coloured segments are the token");
    let colours: Vec<String> = browser
        .eval(
            "return ['seg-header','seg-payload','seg-signature'].map(c => \
             getComputedStyle(document.querySelector('#encoded .' + c)).color)",
        )
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(colours.len(), 3);
    assert!(
        colours[0] != colours[1] && colours[1] != colours[2],
        "{colours:?}"
    );
    // Side by side at 1280 px: the diagnosis is beside the form, not above or below it.
    let side_by_side: bool = browser
        .eval(
            "const f = document.getElementById('playground').getBoundingClientRect(); \
             const r = document.getElementById('result').getBoundingClientRect(); \
             return r.left >= f.right && r.top < f.bottom;",
        )
        .await
        .as_bool()
        .unwrap();
    assert!(side_by_side);
    assert!(
        browser
            .text_of("#live-status")
            .await
            .contains("Checked: signature valid"),
        "announced for screen readers"
    );
    assert_eq!(app.list_all("").await.0.len(), 0, "typing records nothing");
    browser.screenshot("playground-live").await;

    // A trailing newline, as `$(…)` leaves it: refused live, as the API refuses it.
    browser
        .client
        .find(Locator::Css("#token"))
        .await
        .unwrap()
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap();
    let refused = browser.wait_for_text("#summary", "invalid_base64url").await;
    assert_eq!(
        refused,
        "signature invalid: invalid_base64url; 0 accepted, 1 dropped: email"
    );
    assert!(
        browser
            .text_of("#result .problem")
            .await
            .contains("surrounding whitespace")
    );
    let api = app.verify(Some(&format!("{token}\n")), json!([])).await;
    assert_eq!(api["signature"]["error"]["code"], "invalid_base64url");

    // Verify records exactly what the panel showed.
    browser.click("#playground button[type=submit]").await;
    let path = browser.wait_for_path("/playground/").await;
    browser
        .wait_for_text("#result", "Recorded as interaction")
        .await;
    assert!(
        browser
            .text_of("#summary")
            .await
            .contains("invalid_base64url")
    );
    let (_, recorded) = app
        .get(&format!(
            "/api/v1/interactions/{}",
            path.trim_start_matches("/playground/")
        ))
        .await;
    assert_eq!(
        recorded["verdict"]["signature"]["error"]["code"],
        "invalid_base64url"
    );
    browser.close().await;
}

#[tokio::test]
async fn copy_buttons_put_the_text_on_the_clipboard() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    let token = signer.sign_items(&items(&[("email", "ann@example.com")]));
    let browser = browser().await;
    browser.open(&app, "/playground").await;
    browser.fill("#token", &token).await;
    browser.wait_for_text("#summary", "signature valid").await;

    // Each copy, pasted into the unsigned box with Ctrl+V: what a person would get.
    for (button, expected) in [
        (
            "button[data-copy=decoded-payload]",
            browser.text_of("#decoded-payload").await,
        ),
        ("button[data-copy=token]", token.clone()),
        (
            "button[data-copy=cli-commands]",
            browser.text_of("#cli-commands").await,
        ),
    ] {
        browser.click(button).await;
        browser.wait_for_text(button, "Copied").await;
        let paste_box = browser
            .client
            .find(Locator::Css("#unsigned"))
            .await
            .unwrap();
        paste_box.clear().await.unwrap();
        paste_box
            .send_keys(&format!("{}v", Key::Control))
            .await
            .unwrap();
        let pasted = paste_box.prop("value").await.unwrap().unwrap_or_default();
        assert_eq!(pasted, expected, "{button}");
    }

    // The stored public key and a signing snippet, pasted back into the playground's box.
    let pem = app.get("/api/v1/signing-keys").await.1["signingKeys"][0]["publicKeyPem"]
        .as_str()
        .unwrap()
        .to_owned();
    let php = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/snippets/sign.php"),
    )
    .unwrap();
    for (page, open, button, expected) in [
        (
            "/signing-keys",
            Some("#keys details.pem summary"),
            "#keys button.copy",
            pem,
        ),
        ("/docs/signing", None, "button[data-copy=code-php]", php),
    ] {
        browser.open(&app, page).await;
        if let Some(summary) = open {
            browser.click(summary).await;
        }
        browser.click(button).await;
        browser.wait_for_text(button, "Copied").await;
        browser.open(&app, "/playground").await;
        let paste_box = browser
            .client
            .find(Locator::Css("#unsigned"))
            .await
            .unwrap();
        paste_box
            .send_keys(&format!("{}v", Key::Control))
            .await
            .unwrap();
        let pasted = paste_box.prop("value").await.unwrap().unwrap_or_default();
        assert_eq!(pasted, expected, "{page}");
    }
    browser.close().await;
}

#[tokio::test]
async fn a_person_without_a_signer_tries_the_sample_token() {
    let app = spawn_app().await;
    let browser = browser().await;
    browser.open(&app, "/playground").await;
    browser.click("#sample button[type=submit]").await;
    let flash = browser.wait_for_text(".flash", "throwaway key pair").await;
    assert!(flash.contains("turned signing on"), "{flash}");
    let path = browser.wait_for_path("/playground/").await;
    assert_eq!(
        browser.text_of("#summary").await,
        "signature valid; 3 accepted, 1 dropped: page"
    );
    let agent = browser.text_of("#fields").await;
    assert!(
        agent.contains("email ada@example.com string signed"),
        "{agent}"
    );
    assert!(
        agent.contains("page /pricing string dropped not_allowlisted"),
        "{agent}"
    );
    assert!(
        browser
            .text_of("#result")
            .await
            .contains("with key Sample key (playground)")
    );
    browser.screenshot("playground-sample").await;

    // Answer first (#32): under the one line, the dropped item and the action that fixes it,
    // above the agent's table; the action leads to the Unsigned fields page, filled in.
    let first = browser
        .eval(
            "const d = document.getElementById('dropped-first');              return [d.textContent.replace(/\\s+/g, ' ').trim(),                d.getBoundingClientRect().top < document.getElementById('fields').getBoundingClientRect().top];",
        )
        .await;
    let text = first[0].as_str().unwrap();
    assert!(
        text.starts_with("page dropped:")
            && text.contains("(not_allowlisted) Allow page unsigned…"),
        "{first}"
    );
    assert_eq!(
        first[1], true,
        "the dropped item is not above the table: {first}"
    );
    browser.click("#dropped-first a.allow").await;
    browser.wait_for_path("/unsigned-fields").await;
    let filled = browser
        .eval("return document.getElementById('field-label').value;")
        .await;
    assert_eq!(filled, "page");
    browser.click("#add-field button[type=submit]").await;
    browser.wait_for_text(".flash", "page").await;
    assert!(browser.text_of("#fields").await.contains("page"));

    // The key is a normal key: listed, and deletable through the usual page.
    browser.open(&app, "/signing-keys").await;
    assert!(
        browser
            .text_of("#keys")
            .await
            .contains("Sample key (playground)")
    );
    browser.click("#keys a.button").await;
    browser.click("#confirm-delete button").await;
    browser.wait_for_text(".flash", "Key deleted.").await;
    let (_, recorded) = app
        .get(&format!(
            "/api/v1/interactions/{}",
            path.trim_start_matches("/playground/")
        ))
        .await;
    assert_eq!(
        recorded["verdict"]["signature"]["keyName"],
        "Sample key (playground)"
    );
    browser.close().await;
}

#[tokio::test]
async fn without_javascript_the_playground_still_verifies_and_the_sample_still_works() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    let token = signer.sign_items(&items(&[("email", "ann@example.com")]));
    let browser = browser_without_javascript().await;
    browser.open(&app, "/playground").await;
    let scripted: bool = browser
        .client
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap()
        .is_some_and(|c| c.contains("js"));
    assert!(!scripted, "JavaScript ran");
    // Copy buttons need the script, so they are not offered.
    assert!(
        !browser
            .client
            .find(Locator::Css("button[data-copy=token]"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );
    browser.fill("#token", &token).await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert!(
        browser.text_of("#waiting").await.contains("Paste a token"),
        "nothing is live without the script"
    );
    browser.click("#playground button[type=submit]").await;
    browser.wait_for_path("/playground/").await;
    assert_eq!(
        browser.text_of("#summary").await,
        "signature valid; 1 accepted, 0 dropped"
    );
    browser.open(&app, "/playground").await;
    browser.click("#sample button[type=submit]").await;
    browser.wait_for_text(".flash", "throwaway key pair").await;
    assert!(
        browser
            .text_of("#summary")
            .await
            .contains("signature valid")
    );
    browser.close().await;
}

#[tokio::test]
async fn the_demo_sends_the_token_as_pasted_like_a_page_would() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    let token = signer.sign_items(&items(&[("email", "ann@example.com")]));
    let browser = browser().await;
    browser.open(&app, "/demo").await;
    browser.fill("#demo-token", &format!("{token}\n")).await;
    browser.click("#start-chat").await;
    let status = browser
        .wait_for_text("#agent-status", "invalid_base64url")
        .await;
    assert!(status.contains("Signature invalid"), "{status}");
    browser.fill("#demo-token", &token).await;
    browser.click("#start-chat").await;
    browser
        .wait_for_text("#agent-status", "Signature valid")
        .await;
    browser.close().await;
}

/// The rest of the portal with JavaScript off: keys and fields are managed with plain forms,
/// the doubts question and the undo included.
#[tokio::test]
async fn without_javascript_keys_and_fields_are_managed_with_plain_forms() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    let browser = browser_without_javascript().await;
    browser.open(&app, "/signing-keys").await;
    browser.fill("#key-name", "backend").await;
    browser.fill("#key-pem", &signer.public_pem()).await;
    browser.click("#add-key button[type=submit]").await;
    browser.wait_for_text(".flash", "Added key").await;
    assert!(browser.text_of("#keys").await.contains("backend"));

    browser.open(&app, "/unsigned-fields").await;
    browser.fill("#field-label", "email").await;
    browser.click("#add-field button[type=submit]").await;
    browser
        .wait_for_text("#form-doubts", "identity_label")
        .await;
    browser.click("#add-field button[name=confirm]").await;
    browser
        .wait_for_text(".flash", "may now pass unsigned")
        .await;
    browser.click("#fields button").await;
    browser.wait_for_text(".flash", "removed").await;
    browser.click(".flash form.undo button").await;
    browser.wait_for_text("#fields", "email").await;

    browser.open(&app, "/interactions/clear").await;
    browser.click("#confirm-clear button").await;
    browser
        .wait_for_text(".flash", "Cleared 0 interactions.")
        .await;
    browser.close().await;
}

/// The messages a person pastes their way into, as the page shows them (issue #24, messages):
/// code spans rendered as code (no raw backticks), a payload refused in plain grammar, a hint
/// for unsigned data that does not tell them to sign it, and targeted hints for a token copied
/// with its `Bearer ` prefix or with the quotes of a JSON string.
#[tokio::test]
async fn refusals_read_as_written_for_a_person_and_name_where_the_token_was_copied_from() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    let token = signer.sign_items(&items(&[("email", "ann@example.com")]));
    let browser = browser().await;
    browser.open(&app, "/playground").await;
    let problem_for = async |token: &str, unsigned: &str| {
        browser.open(&app, "/playground").await;
        browser.fill("#token", token).await;
        browser.fill("#unsigned", unsigned).await;
        browser.wait_for_text("#result .problem", "").await;
        let html: String = browser
            .eval("return document.querySelector('#result .problem').innerHTML;")
            .await
            .as_str()
            .unwrap()
            .to_owned();
        (browser.text_of("#result .problem").await, html)
    };

    // A line break from `$(…)`: the hint's code spans are code, not backticks.
    let (text, html) = problem_for(&format!("{token}\n"), "").await;
    assert!(text.contains("starts or ends with whitespace"), "{text}");
    assert!(html.contains("<code>$(…)</code>"), "{html}");
    assert!(!text.contains('`'), "raw backticks on the page: {text}");

    // Copied from an Authorization header, or as a JSON string.
    let (text, _) = problem_for(&format!("Bearer {token}"), "").await;
    assert!(
        text.contains("copied from an Authorization header"),
        "{text}"
    );
    let (text, _) = problem_for(&format!("\"{token}\""), "").await;
    assert!(text.contains("wrapped in quotes"), "{text}");

    // A signed JSON object instead of the array: said in plain words.
    let object = signer.token(r#"{"alg":"ES256"}"#, r#"{"email":"ann@example.com"}"#);
    let (text, _) = problem_for(&object, "").await;
    assert!(
        text.contains("The payload is an object, not an array"),
        "{text}"
    );

    // Unsigned data without "type": told to add it, under its own box, not to sign anything;
    // the token's decode and diagnosis stay.
    browser.open(&app, "/playground").await;
    browser.fill("#token", &token).await;
    browser
        .fill("#unsigned", r#"[{"label":"page","data":"/pricing"}]"#)
        .await;
    let text = browser
        .wait_for_text("#unsigned-slot .problem", "has no \"type\"")
        .await;
    assert!(text.contains("Add \"type\":\"string\""), "{text}");
    assert!(!text.contains("Sign a JSON array"), "{text}");
    assert!(
        browser
            .text_of("#decoded-payload")
            .await
            .contains("ann@example.com")
    );
    browser.close().await;
}

/// Where a person looks first (issue #24, playground): the verdict's line and the decoded token
/// inside the first screen at 1366×900 and the first 1.5 screens of a phone; the checks folded
/// when all passed; unsigned data being typed does not wipe the token's decode; a 300-character
/// value stays inside its pane and the detail page does not scroll sideways.
#[tokio::test]
async fn the_decoded_token_is_at_first_glance_and_long_data_stays_in_its_pane() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    let long = "x".repeat(300);
    let token = signer.sign_items(&items(&[
        ("email", "ann@example.com"),
        ("customer_reference_identifier", &long),
    ]));
    let browser = browser().await;
    let top_of = async |css: &str| -> f64 {
        browser.eval(&format!(
                    "return document.querySelector('{css}').getBoundingClientRect().top + window.scrollY;"
                )).await
            .as_f64()
            .unwrap()
    };
    for (width, height, screens) in [(1366_u32, 900_u32, 1.0), (360, 740, 1.5)] {
        browser.client.set_window_size(width, height).await.unwrap();
        browser.open(&app, "/playground").await;
        browser.fill("#token", &token).await;
        browser.wait_for_text("#summary", "signature valid").await;
        browser
            .screenshot(&format!("playground-first-glance-{width}"))
            .await;
        let viewport = browser
            .eval("return window.innerHeight;")
            .await
            .as_f64()
            .unwrap();
        let limit = viewport * screens;
        // The answer first (#32): the verdict line on the first screen(s), what the agent
        // sees before the decoded token; the token within half a screen more on a laptop, and
        // on a phone (where the form comes first and 300 characters of data wrap into many
        // lines of the agent's table) within three screens.
        let token_limit = if width > 400 {
            limit * 1.5
        } else {
            viewport * 3.0
        };
        for (css, limit) in [("#summary", limit), ("#decoded-payload", token_limit)] {
            let top = top_of(css).await;
            assert!(
                top < limit,
                "{css} starts at {top} px at {width}×{height}, past {limit}"
            );
        }
        let (agent, token) = (top_of("#fields").await, top_of("#decoded-payload").await);
        assert!(
            agent < token,
            "the agent's table ({agent}) comes after the token ({token})"
        );
        let widths = browser
            .eval(
                "return [document.documentElement.scrollWidth, window.innerWidth, \
                 document.querySelector('#fields').getBoundingClientRect().right, \
                 document.querySelector('#result').getBoundingClientRect().right];",
            )
            .await;
        let w: Vec<f64> = widths
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(w[0] <= w[1], "the page scrolls sideways at {width}: {w:?}");
        assert!(
            w[2] <= w[3] + 1.0,
            "the verdict table leaves its pane at {width}: {w:?}"
        );
    }
    browser.client.set_window_size(1366, 900).await.unwrap();
    // All checks passed: folded, with their count.
    let open = browser
        .eval("return document.getElementById('checks').open;")
        .await;
    assert_eq!(open, false);
    assert!(
        browser
            .text_of("#checks summary")
            .await
            .contains("9 passed")
    );
    // The long label wraps as a word, not a letter a line.
    let lines = browser.eval("const code = [...document.querySelectorAll('#fields td[data-label=Label] code')] \
               .find((c) => c.textContent === 'customer_reference_identifier'); \
             return Math.round(code.getBoundingClientRect().height / parseFloat(getComputedStyle(code).lineHeight || 16));").await;
    assert!(lines.as_i64().unwrap() <= 3, "the label took {lines} lines");

    // Typing unsigned data keystroke by keystroke: the token's decode never goes away.
    for typed in [
        r#"[{"label":"page","#,
        r#"[{"label":"page","data":"/x","type":"string"}]"#,
    ] {
        browser.fill("#unsigned", typed).await;
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        assert!(
            browser
                .text_of("#decoded-payload")
                .await
                .contains("ann@example.com"),
            "{typed}"
        );
    }
    assert_eq!(
        browser.text_of("#unsigned-slot").await,
        "",
        "the error went once the JSON was whole"
    );

    // The recorded interaction's page keeps to the window too.
    let verdict = app.verify(Some(&token), json!([])).await;
    browser
        .open(
            &app,
            &format!("/interactions/{}", verdict["id"].as_str().unwrap()),
        )
        .await;
    let widths = browser
        .eval("return [document.documentElement.scrollWidth, window.innerWidth];")
        .await;
    assert!(
        widths[0].as_f64() <= widths[1].as_f64(),
        "the detail page scrolls sideways: {widths}"
    );
    browser.close().await;
}

/// A person exploring checks a token against a public key pasted in the playground (JWK or
/// PEM) without storing it: the check passes with it, says the key is not stored, stores
/// nothing and turns nothing on; a private key pasted there is refused under its box.
#[tokio::test]
async fn a_token_is_checked_against_a_pasted_key_that_is_not_stored() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    let token = signer.sign_items(&items(&[("email", "ann@example.com")]));
    let browser = browser().await;
    browser.open(&app, "/playground").await;
    browser.fill("#token", &token).await;
    browser.wait_for_text("#summary", "no_signing_keys").await;

    browser.click("#trial-key summary").await;
    browser.fill("#key", &signer.public_jwk().to_string()).await;
    browser.wait_for_text("#summary", "signature valid").await;
    assert!(
        browser
            .text_of("#result")
            .await
            .contains("pasted_key_not_stored"),
        "the verdict says the key is not stored"
    );
    assert_eq!(
        browser.text_of("#result .key-name").await,
        "pasted key (not stored)"
    );
    // PEM too; then Verify records it, with the same verdict.
    browser.fill("#key", &signer.public_pem()).await;
    browser.click("#playground button[type=submit]").await;
    browser.wait_for_path("/playground/").await;
    browser
        .wait_for_text("#result", "Recorded as interaction")
        .await;
    assert!(
        browser
            .text_of("#summary")
            .await
            .starts_with("signature valid")
    );

    // Nothing was stored, and signing is still off for everyone else.
    let (_, keys) = app.get("/api/v1/signing-keys").await;
    assert_eq!(keys["signingKeys"], serde_json::json!([]));
    let verdict = app.verify(Some(&token), serde_json::json!([])).await;
    assert_eq!(verdict["enforcement"], "off");
    assert_eq!(verdict["signature"]["error"]["code"], "no_signing_keys");

    // A private JWK is refused under the key box; the token's result stays.
    browser.open(&app, "/playground").await;
    browser.fill("#token", &token).await;
    browser.click("#trial-key summary").await;
    let mut private = signer.public_jwk();
    private["d"] = serde_json::json!("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI");
    browser.fill("#key", &private.to_string()).await;
    browser
        .wait_for_text("#key-slot .problem", "private_key_not_accepted")
        .await;
    assert!(
        browser
            .text_of("#summary")
            .await
            .contains("no_signing_keys")
    );
    let invalid = browser
        .eval("return document.getElementById('key').getAttribute('aria-invalid');")
        .await;
    assert_eq!(invalid, "true");
    browser.close().await;
}

/// The token is coloured by part in the box people type in (a coloured copy behind the box,
/// wrapping as it does), and the pointer on a part outlines what it decodes to.
#[tokio::test]
async fn the_token_box_is_coloured_by_part_and_hovering_a_part_outlines_its_decode() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    let long = "y".repeat(200);
    let token = signer.sign_items(&items(&[("email", "ann@example.com"), ("note", &long)]));
    let browser = browser().await;
    browser.open(&app, "/playground").await;
    browser.fill("#token", &token).await;
    browser.wait_for_text("#summary", "signature valid").await;
    let coloured = browser
        .eval(
            "const box = document.getElementById('token'); \
             const copy = document.getElementById('token-backdrop'); \
             const parts = ['header', 'payload', 'signature'].map((p) => \
               getComputedStyle(copy.querySelector('.seg-' + p)).color); \
             const a = box.getBoundingClientRect(), b = copy.getBoundingClientRect(); \
             return { text: copy.textContent.replace('\\u200b', ''), parts, \
               boxText: getComputedStyle(box).color, caret: getComputedStyle(box).caretColor, \
               sameBox: Math.abs(a.width - b.width) < 1 && Math.abs(a.height - b.height) < 1, \
               sameLines: copy.scrollHeight === box.scrollHeight };",
        )
        .await;
    assert_eq!(coloured["text"], json!(token), "the copy is the token");
    let parts: Vec<&str> = coloured["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(parts[0] != parts[1] && parts[1] != parts[2], "{parts:?}");
    assert_eq!(coloured["boxText"], "rgba(0, 0, 0, 0)", "{coloured}");
    assert_ne!(coloured["caret"], "rgba(0, 0, 0, 0)", "the caret shows");
    assert_eq!(coloured["sameBox"], true, "{coloured}");
    assert_eq!(
        coloured["sameLines"], true,
        "the copy wraps as the box does"
    );
    browser.screenshot("playground-coloured-token").await;

    // The pointer on the payload's part of the box outlines the decoded payload; off it, not.
    let outlined = |part: &'static str| {
        format!(
            "const box = document.getElementById('token'); \
             const span = document.querySelector('#token-backdrop .seg-{part}'); \
             box.scrollTop = Math.max(0, span.offsetTop - 12); box.dispatchEvent(new Event('scroll')); \
             const inside = box.getBoundingClientRect(); \
             const r = [...span.getClientRects()].find((r) => r.top >= inside.top && r.bottom <= inside.bottom); \
             box.dispatchEvent(new MouseEvent('mousemove', \
               {{ clientX: r.left + 2, clientY: r.top + r.height / 2, bubbles: true }})); \
             return ['decoded-header', 'decoded-payload'].filter((id) => \
               document.getElementById(id).classList.contains('hl'));"
        )
    };
    for (part, lit) in [
        ("payload", json!(["decoded-payload"])),
        ("header", json!(["decoded-header"])),
        ("signature", json!([])),
    ] {
        let answer = browser.eval(&outlined(part)).await;
        assert_eq!(answer, lit, "{part}");
    }
    browser.close().await;
}

/// The encoder (issue #24): a payload signed in the browser with WebCrypto, with a key pair made
/// there or with the article's openssl key pasted in (SEC1 `EC PRIVATE KEY`); each token then
/// verifies through the API with the public half. The private key's box belongs to no form, so
/// no request can carry it.
#[tokio::test]
async fn a_payload_signed_in_the_browser_verifies_through_the_api_with_its_public_half() {
    let app = spawn_app().await;
    let browser = browser().await;
    browser.open(&app, "/playground").await;
    let owner = browser.eval("const key = document.getElementById('encoder-key'); \
             return [key.form === null, key.name, [...document.forms].some((f) => \
               [...new FormData(f).values()].some((v) => typeof v === 'string' && v.includes('PRIVATE')))];").await;
    assert_eq!(owner, json!([true, "", false]));

    // A pair made in the browser.
    browser.click("#encoder summary").await;
    browser
        .fill(
            "#encoder-payload",
            r#"[{"name":"email","label":"Email","data":"made@browser.example","type":"string"}]"#,
        )
        .await;
    browser.click("#encoder-generate").await;
    let public_pem = browser
        .wait_for_text("#encoder-public-pem", "BEGIN PUBLIC KEY")
        .await;
    browser.click("#encoder-sign").await;
    browser
        .wait_for_text("#encoder-status", "Signed in this browser")
        .await;
    let token: String = browser
        .eval("return document.getElementById('token').value;")
        .await
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(token.split('.').count(), 3, "{token}");
    // Before its public half is stored, the live check verifies the token against that half (a
    // generated pair's token used to show signature_mismatch: no stored key could verify it).
    browser.wait_for_text("#summary", "signature valid").await;
    let trial = browser
        .eval("return document.getElementById('key').value;")
        .await;
    assert_eq!(trial.as_str().unwrap().trim(), public_pem.trim());
    assert!(
        browser
            .text_of("#encoder-status")
            .await
            .contains("checked against its public half")
    );
    // Stored from the encoder itself (#32: the page offers it; only the public half is posted).
    let posted = browser
        .eval("return [...new FormData(document.getElementById('encoder-store')).keys()];")
        .await;
    assert_eq!(posted, json!(["csrf_token", "pem", "name"]), "{posted}");
    browser
        .fill("#encoder-store-name", "made in the browser")
        .await;
    browser.click("#encoder-store button[type=submit]").await;
    browser
        .wait_for_text(".flash", "Added key \"made in the browser\"")
        .await;
    assert!(
        browser
            .text_of("#keys")
            .await
            .contains("made in the browser")
    );
    let verdict = app.verify(Some(&token), json!([])).await;
    assert_eq!(verdict["signature"]["status"], "valid", "{verdict}");
    assert_eq!(verdict["signature"]["keyName"], "made in the browser");
    assert_eq!(verdict["accepted"][0]["data"], "made@browser.example");
    browser.open(&app, "/playground").await;
    browser.click("#encoder summary").await;

    // The article's openssl key pair: its SEC1 private key pasted, a kid naming the stored key.
    let pair = crate::helpers::article_key_pair();
    let private = crate::helpers::read(pair.path(), "ec_private.pem");
    assert!(private.contains("BEGIN EC PRIVATE KEY"), "{private}");
    app.add_key(
        "openssl",
        &crate::helpers::read(pair.path(), "ec_public.pem"),
    )
    .await;
    browser.fill("#encoder-key", &private).await;
    browser.fill("#encoder-kid", "openssl").await;
    browser.click("#encoder-sign").await;
    browser
        .wait_for_text("#encoder-status", "Signed in this browser")
        .await;
    // Another key signed: the pair's public half no longer stands in for the stored keys.
    assert_eq!(
        browser
            .eval("return document.getElementById('key').value;")
            .await,
        json!("")
    );
    let token: String = browser
        .eval("return document.getElementById('token').value;")
        .await
        .as_str()
        .unwrap()
        .to_owned();
    let verdict = app.verify(Some(&token), json!([])).await;
    assert_eq!(verdict["signature"]["status"], "valid", "{verdict}");
    assert_eq!(verdict["signature"]["keyName"], "openssl");

    // A public key where the private one goes: said, nothing signed.
    browser.fill("#encoder-key", &public_pem).await;
    browser.click("#encoder-sign").await;
    browser
        .wait_for_text("#encoder-status", "That is a public key")
        .await;
    browser.close().await;
}
