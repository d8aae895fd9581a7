//! The Interactions page in a real Chromium: live without reload, and a plain list without
//! JavaScript.

use fantoccini::Locator;

use crate::chromium::{browser, browser_without_javascript};
use crate::helpers::{items, spawn_app};

#[tokio::test]
async fn a_new_verification_appears_on_an_open_interactions_page_without_reload() {
    let app = spawn_app().await;
    app.verify(None, items(&[("email", "first@example.com")]))
        .await;
    let browser = browser().await;
    browser.open(&app, "/interactions").await;
    assert_eq!(browser.text_of("#position").await, "Showing 1–1 of 1");
    browser.wait_for_text("#live-note", "Live").await;
    // Marks the document, so a reload (which would also show the row) is told apart.
    browser.eval("window.stillTheSamePage = true;").await;

    app.verify(None, items(&[("email", "second@example.com")]))
        .await;
    let table = browser
        .wait_for_text("#log table", "second@example.com")
        .await;
    assert!(table.contains("first@example.com"), "{table}");
    assert_eq!(browser.text_of("#position").await, "Showing 1–2 of 2");
    assert_eq!(browser.text_of("#live-status").await, "1 new interaction.");
    let same: bool = browser
        .eval("return window.stillTheSamePage === true;")
        .await
        .as_bool()
        .unwrap();
    assert!(same, "the page was reloaded");
    let fresh = browser
        .client
        .find_all(Locator::Css("tr.fresh"))
        .await
        .unwrap()
        .len();
    assert_eq!(fresh, 1);

    // A search keeps showing only what matches, live too.
    browser.open(&app, "/interactions?q=third").await;
    browser.wait_for_text("#live-note", "Live").await;
    app.verify(None, items(&[("email", "other@example.com")]))
        .await;
    app.verify(None, items(&[("email", "third@example.com")]))
        .await;
    let found = browser
        .wait_for_text("#log table", "third@example.com")
        .await;
    assert!(!found.contains("other@example.com"), "{found}");
    assert_eq!(
        browser.text_of("#position").await,
        "Showing 1–1 of 1 matching · 4 in the log"
    );
    browser.screenshot("interactions-live").await;
    browser.close().await;
}

#[tokio::test]
async fn without_javascript_the_interactions_page_is_a_plain_list() {
    let app = spawn_app().await;
    app.verify(None, items(&[("email", "ada@example.com")]))
        .await;
    let browser = browser_without_javascript().await;
    browser.open(&app, "/interactions").await;
    assert!(
        browser
            .text_of("#log table")
            .await
            .contains("ada@example.com")
    );
    // Not live: the note stays hidden, and a new verification needs a reload.
    let note = browser
        .client
        .find(Locator::Css("#live-note"))
        .await
        .unwrap();
    assert!(!note.is_displayed().await.unwrap());
    app.verify(None, items(&[("email", "grace@example.com")]))
        .await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert!(
        !browser
            .text_of("#log table")
            .await
            .contains("grace@example.com")
    );
    browser.open(&app, "/interactions?q=grace").await;
    assert_eq!(
        browser.text_of("#position").await,
        "Showing 1–1 of 1 matching · 2 in the log"
    );
    browser.close().await;
}

/// `count` interactions through the real verify endpoint, 32 at a time; the i-th carries
/// `user-{i:05}@example.com`.
async fn record_many(app: &crate::helpers::TestApp, count: usize) {
    let mut pending = Vec::new();
    for i in 0..count {
        let request = app
            .client
            .post(app.url("/api/v1/verify"))
            .json(&serde_json::json!({
                "interactionData": [{"label": "email", "data": format!("user-{i:05}@example.com"), "type": "string"}]
            }));
        pending.push(tokio::spawn(async move {
            assert_eq!(request.send().await.unwrap().status(), 200);
        }));
        if pending.len() == 32 {
            for task in pending.drain(..) {
                task.await.unwrap();
            }
        }
    }
    for task in pending {
        task.await.unwrap();
    }
}

#[tokio::test]
async fn a_person_searches_and_pages_through_ten_thousand_interactions() {
    let app = spawn_app().await;
    record_many(&app, 10_000).await;
    let browser = browser().await;
    browser.open(&app, "/interactions").await;
    assert_eq!(browser.text_of("#position").await, "Showing 1–50 of 10,000");
    browser.click("#older").await;
    browser.wait_for_text("#position", "Showing 51–100").await;
    browser.click("#older").await;
    browser.wait_for_text("#position", "Showing 101–150").await;
    browser.click("#newer").await;
    browser.wait_for_text("#position", "Showing 51–100").await;
    browser.click("#newest").await;
    browser.wait_for_text("#position", "Showing 1–50").await;

    // Search by data, through the form: ten of the ten thousand carry "user-0042".
    browser.fill("#q", "USER-0042").await;
    browser.click("#search button[type=submit]").await;
    let position = browser.wait_for_text("#position", "matching").await;
    assert_eq!(position, "Showing 1–10 of 10 matching · 10,000 in the log");
    let table = browser.text_of("#log table").await;
    assert!(table.contains("user-00429@example.com") && table.contains("user-00420@example.com"));
    assert!(
        browser.client.find(Locator::Css("#older")).await.is_err(),
        "one page"
    );
    // The search by label finds them all, paged.
    browser.open(&app, "/interactions?q=email").await;
    assert_eq!(
        browser.text_of("#position").await,
        "Showing 1–50 of 10,000 matching · 10,000 in the log"
    );
    browser.screenshot("interactions-10000").await;
    browser.close().await;
}

/// A detail page leads somewhere (issue #24): back to the list with the filters it came from,
/// to the newer and older interaction, into the playground with its token, to its own request
/// as a curl that verifies the same, its source, its time in local time (UTC on hover), and a
/// delete that asks first and returns to the list.
#[tokio::test]
async fn a_detail_page_leads_back_to_its_list_to_its_neighbours_and_to_the_playground() {
    let app = spawn_app().await;
    let signer = crate::helpers::TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    let token = signer.sign_items(&items(&[("email", "ann@example.com")]));
    let first = app.verify(Some(&token), items(&[("coupon", "A")])).await;
    let middle = app.verify(Some(&token), items(&[("coupon", "B")])).await;
    let last = app.verify(Some(&token), items(&[("coupon", "C")])).await;
    let browser = browser().await;
    browser.open(&app, "/interactions?filter=dropped").await;
    let rows = browser.text_of("#log table").await;
    assert!(rows.contains("coupon B"), "{rows}");
    browser
        .eval(
            "[...document.querySelectorAll('#log tbody tr')] \
               .find((row) => row.querySelector('.preview').textContent.includes('coupon B')) \
               .querySelector('a').click();",
        )
        .await;
    let path = browser.wait_for_path("/interactions/").await;
    assert!(path.contains(middle["id"].as_str().unwrap()), "{path}");
    assert_eq!(browser.text_of("#source").await, "API");
    // One form for times (#32): relative, on one line; local time and UTC on hover.
    let time = browser
        .eval(
            "const t = document.querySelector('.lead time.moment'); \
             t.dispatchEvent(new MouseEvent('mouseover', { bubbles: true })); \
             return [t.textContent, t.title, getComputedStyle(t).whiteSpace];",
        )
        .await;
    let shown = time[0].as_str().unwrap();
    assert!(shown.ends_with(" ago") || shown == "just now", "{time}");
    let utc = middle["receivedAt"]
        .as_str()
        .unwrap()
        .replace('T', " ")
        .replace('Z', "");
    let title = time[1].as_str().unwrap();
    assert!(
        title.contains("(your time) · ") && title.ends_with(&format!("{utc} UTC")),
        "{time}"
    );
    assert_eq!(time[2], "nowrap");

    // Its neighbours, and back to the list as it was.
    browser.click("#newer-interaction").await;
    browser
        .wait_for_path(&format!("/interactions/{}", last["id"].as_str().unwrap()))
        .await;
    browser.click("#older-interaction").await;
    browser.click("#older-interaction").await;
    browser
        .wait_for_path(&format!("/interactions/{}", first["id"].as_str().unwrap()))
        .await;
    browser.click("#all-interactions").await;
    let back = list_url(&browser).await;
    assert!(back.contains("filter=dropped"), "{back}");

    // Its request again, from a shell: the same verdict.
    browser
        .open(
            &app,
            &format!("/interactions/{}", middle["id"].as_str().unwrap()),
        )
        .await;
    let curl = browser.text_of("#curl").await;
    let output = std::process::Command::new("bash")
        .args(["-c", &curl])
        .output()
        .unwrap();
    let again: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(again["signature"]["status"], "valid");
    assert_eq!(again["rejected"][0]["data"], "B");
    assert_eq!(browser.text_of("#signed-token").await, token);

    // Into the playground, token and unsigned data in their boxes.
    browser.click("#open-in-playground").await;
    browser.wait_for_path("/playground/").await;
    let boxes = browser.eval("return [document.getElementById('token').value, document.getElementById('unsigned').value];").await;
    assert_eq!(boxes[0], token.as_str());
    assert!(boxes[1].as_str().unwrap().contains("\"B\""), "{boxes}");

    // Deleted, after asking: back to the list, and gone.
    browser
        .open(
            &app,
            &format!(
                "/interactions/{}?back=%2Finteractions%3Ffilter%3Ddropped",
                middle["id"].as_str().unwrap()
            ),
        )
        .await;
    browser.click("#delete-interaction summary").await;
    browser.click("#delete-interaction button").await;
    browser.wait_for_text(".flash", "Interaction deleted").await;
    let back = list_url(&browser).await;
    assert!(back.contains("filter=dropped"), "{back}");
    let (status, _) = app
        .get(&format!(
            "/api/v1/interactions/{}",
            middle["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, 404);
    browser.close().await;
}

/// The address once the browser is on the list page (`/interactions`, whatever its query).
async fn list_url(browser: &crate::chromium::Browser) -> String {
    browser.wait_for_path("/interactions").await;
    for _ in 0..50 {
        let url = browser.client.current_url().await.unwrap();
        if url.path() == "/interactions" {
            return url.to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the list never came back");
}

/// A live refresh keeps the keyboard focus where it was and the focused row where it was on
/// screen; on an older page new arrivals do not shift the rows but are counted, with a link to
/// the newest; a log cleared elsewhere (another tab, a script) empties this page too.
#[tokio::test]
async fn live_refreshes_keep_focus_and_place_count_arrivals_on_older_pages_and_follow_a_clear() {
    let app = spawn_app().await;
    for n in 0..20 {
        app.verify(None, items(&[("n", &format!("row-{n}"))])).await;
    }
    let browser = browser().await;
    browser.open(&app, "/interactions").await;
    browser.wait_for_text("#live-note", "Live").await;
    let focused_before = browser
        .eval(
            "const link = document.querySelectorAll('#log tbody tr')[3].querySelector('a'); \
             link.focus(); window.stillTheSamePage = true; \
             return [link.getAttribute('href'), link.closest('tr').getBoundingClientRect().top];",
        )
        .await;
    for n in 20..23 {
        app.verify(None, items(&[("n", &format!("row-{n}"))])).await;
    }
    browser.wait_for_text("#log table", "row-22").await;
    // A focused row is a reader's place: it stays, and the arrivals above it are counted.
    browser.wait_for_text("#live-status", "3 new above").await;
    let focused_after = browser.eval("const active = document.activeElement; \
             return [active.getAttribute('href'), active.closest('tr').getBoundingClientRect().top, \
                     window.stillTheSamePage === true];").await;
    assert_eq!(focused_after[0], focused_before[0], "the focus moved");
    assert_eq!(focused_after[2], true, "the page reloaded");
    let moved = (focused_after[1].as_f64().unwrap() - focused_before[1].as_f64().unwrap()).abs();
    assert!(moved < 2.0, "the focused row moved {moved} px on screen");

    // An older page: 60 rows in all, page 2 shows rows 51–60; a new one is counted, not shown.
    for n in 23..60 {
        app.verify(None, items(&[("n", &format!("row-{n}"))])).await;
    }
    browser.open(&app, "/interactions").await;
    browser.click("#older").await;
    browser.wait_for_text("#position", "51–60").await;
    browser.wait_for_text("#live-note", "Live").await;
    app.verify(None, items(&[("n", "row-60")])).await;
    let link = browser
        .wait_for_text("#show-newest", "1 new, show newest")
        .await;
    assert!(!link.is_empty());
    assert!(
        browser.text_of("#position").await.contains("51–60"),
        "the rows shifted"
    );
    browser.click("#show-newest").await;
    browser.wait_for_text("#log table", "row-60").await;

    // Cleared in another tab: this one follows, its rows gone, no reload.
    browser.wait_for_text("#live-note", "Live").await;
    browser.eval("window.stillTheSamePage = true;").await;
    let this_tab = browser.client.window().await.unwrap();
    let other = browser.client.new_window(true).await.unwrap().handle;
    browser.client.switch_to_window(other).await.unwrap();
    browser.open(&app, "/interactions/clear").await;
    browser
        .click("form[action='/interactions/clear'] button")
        .await;
    browser.wait_for_text(".flash", "Cleared").await;
    browser.client.close_window().await.unwrap();
    browser.client.switch_to_window(this_tab).await.unwrap();
    browser.wait_for_text("#position", "The log is empty").await;
    let same = browser
        .eval("return window.stillTheSamePage === true;")
        .await;
    assert_eq!(same, true, "it reloaded instead of following");
    browser.close().await;
}

/// Search on the page (issue #24): matches marked in the rows, even deep in long data; the
/// Source and Code choices apply as soon as they are made; an empty result reads plainly.
#[tokio::test]
async fn searching_marks_matches_and_the_choices_apply_at_once() {
    let app = spawn_app().await;
    let long = format!("{}needle-in-here{}", "x".repeat(80), "y".repeat(80));
    app.verify(
        None,
        items(&[("note", &long), ("email", "ada@example.com")]),
    )
    .await;
    app.verify(None, items(&[("page", "/pricing")])).await;
    let browser = browser().await;
    browser.open(&app, "/interactions?q=NEEDLE").await;
    let marks = browser
        .eval("return [...document.querySelectorAll('#log mark')].map((m) => m.textContent);")
        .await;
    assert_eq!(marks, serde_json::json!(["needle"]));
    // A choice applies at once: no Search button pressed.
    browser.open(&app, "/interactions").await;
    browser
        .eval(
            "const s = document.getElementById('source'); s.value = 'playground'; \
             s.dispatchEvent(new Event('change', { bubbles: true }));",
        )
        .await;
    let position = browser.wait_for_text("#position", "Nothing matches").await;
    assert_eq!(position, "Nothing matches · 2 in the log");
    let url = browser.client.current_url().await.unwrap();
    assert!(
        url.query()
            .unwrap_or_default()
            .contains("source=playground"),
        "{url}"
    );
    browser.close().await;
}

/// On a phone the list is dense (issue #24): with 50 interactions the first row starts within
/// the first screen and the page is a fraction of what seven labelled lines a row made; a page
/// size can be chosen, and paging keeps it.
#[tokio::test]
async fn on_a_phone_rows_are_dense_and_the_page_size_is_a_choice() {
    let app = spawn_app().await;
    for n in 0..60 {
        app.verify(
            None,
            items(&[
                ("email", &format!("person-{n}@example.com")),
                ("page", "/pricing"),
                ("plan", "pro"),
            ]),
        )
        .await;
    }
    let browser = browser().await;
    browser.client.set_window_size(360, 740).await.unwrap();
    browser.open(&app, "/interactions").await;
    browser.screenshot("interactions-phone").await;
    let layout = browser.eval("const first = document.querySelector('#log tbody tr').getBoundingClientRect(); \
             return [first.top + window.scrollY, window.innerHeight, document.documentElement.scrollHeight, \
                     document.querySelectorAll('#log tbody tr').length];").await;
    let (top, screen, height, shown) = (
        layout[0].as_f64().unwrap(),
        layout[1].as_f64().unwrap(),
        layout[2].as_f64().unwrap(),
        layout[3].as_i64().unwrap(),
    );
    assert_eq!(shown, 50);
    assert!(
        top < screen,
        "the first row starts at {top} px, below the first screen ({screen})"
    );
    assert!(height < 9000.0, "50 rows make a {height} px page");

    // Twenty a page, chosen on the page; the older page keeps the choice.
    browser
        .eval(
            "const s = document.getElementById('per'); s.value = '20'; \
             s.dispatchEvent(new Event('change', { bubbles: true }));",
        )
        .await;
    browser
        .wait_for_text("#position", "Showing 1–20 of 60")
        .await;
    browser.click("#older").await;
    browser
        .wait_for_text("#position", "Showing 21–40 of 60")
        .await;
    browser.close().await;
}

/// The number of `#log` rows wholly on screen, the tallest row, and whether the portal's menu
/// is on one line.
async fn screenful(browser: &crate::chromium::Browser) -> (i64, f64, bool) {
    let seen = browser
        .eval(
            "const rows = [...document.querySelectorAll('#log tbody tr')]; \
             const visible = rows.filter((r) => { const b = r.getBoundingClientRect(); \
               return b.top >= 0 && b.bottom <= window.innerHeight; }).length; \
             const tallest = Math.max(...rows.map((r) => r.getBoundingClientRect().height)); \
             const tops = new Set([...document.querySelectorAll('header.top nav a, header.top .brand, #theme-toggle')] \
               .map((a) => Math.round(a.getBoundingClientRect().top + a.getBoundingClientRect().height / 2))); \
             return [visible, tallest, tops.size <= 1 || Math.max(...tops) - Math.min(...tops) < 8];",
        )
        .await;
    (
        seen[0].as_i64().unwrap(),
        seen[1].as_f64().unwrap(),
        seen[2].as_bool().unwrap(),
    )
}

/// #32, as dense as Mailpit's list: at 1366×900 at least 18 one-line rows show under a menu
/// on one line; followed live from the top the page stays at the top (ten arrivals, scroll 0);
/// scrolled down, the reader's row stays put and the page says how many arrived above; a
/// click anywhere on a row opens it.
#[tokio::test]
async fn the_list_fits_eighteen_rows_stays_at_the_top_live_and_keeps_a_readers_place() {
    let app = spawn_app().await;
    for n in 0..40 {
        app.verify(
            None,
            items(&[
                ("email", &format!("person-{n}@example.com")),
                ("page", "/checkout/with/a/long/path/that/would/wrap/a/cell"),
                ("plan", "enterprise annual"),
            ]),
        )
        .await;
    }
    let browser = browser().await;
    browser.open(&app, "/interactions").await;
    // A 1366×900 viewport: the window's own frame added.
    let frame = browser
        .eval("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];")
        .await;
    let (frame_w, frame_h) = (frame[0].as_u64().unwrap(), frame[1].as_u64().unwrap());
    browser
        .client
        .set_window_size(1366 + frame_w as u32, 900 + frame_h as u32)
        .await
        .unwrap();
    browser.open(&app, "/interactions").await;
    browser.wait_for_text("#live-note", "Live").await;
    let inner = browser
        .eval("return [window.innerWidth, window.innerHeight];")
        .await;
    assert_eq!(inner, serde_json::json!([1366, 900]), "{inner}");
    let (visible, tallest, menu_on_one_line) = screenful(&browser).await;
    browser.screenshot("interactions-1366").await;
    assert!(
        visible >= 18,
        "{visible} rows on screen at 1366×{}",
        inner[1]
    );
    assert!(
        tallest < 40.0,
        "a row is {tallest} px tall: more than one line"
    );
    assert!(menu_on_one_line, "the menu wraps at 1366 px");

    // Following from the top: ten arrivals, one after another, and the page stays at the top
    // with the newest first.
    browser.eval("window.stillTheSamePage = true;").await;
    for n in 0..10 {
        app.verify(None, items(&[("email", &format!("live-{n}@example.com"))]))
            .await;
        browser
            .wait_for_text("#log tbody tr", &format!("live-{n}@"))
            .await;
    }
    let top = browser
        .eval("return [window.scrollY, window.stillTheSamePage === true];")
        .await;
    assert_eq!(top, serde_json::json!([0, true]), "drifted from the top");

    // Scrolled down: the row at the top of the screen stays there, and the arrivals are
    // counted, with a way back up.
    let before = browser
        .eval(
            "window.scrollTo(0, 400); \
             const row = [...document.querySelectorAll('#log tbody tr')] \
               .find((r) => r.getBoundingClientRect().top >= 0); \
             window.readerRow = row.dataset.seq; return row.getBoundingClientRect().top;",
        )
        .await;
    for n in 0..3 {
        app.verify(
            None,
            items(&[("email", &format!("meanwhile-{n}@example.com"))]),
        )
        .await;
    }
    browser.wait_for_text("#show-new", "3 new above").await;
    browser.wait_for_text("#log tbody tr", "meanwhile-2@").await;
    let after = browser
        .eval(
            "return document.querySelector(`#log tr[data-seq=\"${window.readerRow}\"]`) \
               .getBoundingClientRect().top;",
        )
        .await;
    let moved = (after.as_f64().unwrap() - before.as_f64().unwrap()).abs();
    assert!(moved < 2.0, "the reader's row moved {moved} px");
    browser.click("#show-new").await;
    let back = browser
        .eval("return [window.scrollY, document.getElementById('live-status').textContent];")
        .await;
    assert_eq!(back, serde_json::json!([0, ""]), "{back}");

    // The whole row is the link: a click on what it carried opens it.
    let id = browser
        .eval(
            "const row = document.querySelectorAll('#log tbody tr')[2]; \
             row.querySelector('td.preview').click(); \
             return row.dataset.href.split('?')[0];",
        )
        .await;
    let path = browser.wait_for_path("/interactions/").await;
    assert_eq!(path, id.as_str().unwrap());
    browser.close().await;
}

/// #32, WCAG 3.2.2: an arrow key on a closed select changes its value and nothing else (no
/// reload, the focus kept, a note on how to apply); Enter applies it. The search box finds by
/// key name and by code, and says its syntax next to it.
#[tokio::test]
async fn choices_apply_when_committed_and_the_search_finds_by_key_and_code() {
    use fantoccini::key::Key;

    let app = spawn_app().await;
    let signer = crate::helpers::TestSigner::generate();
    app.add_key("php backend 2026-12", &signer.public_pem())
        .await;
    let token = signer.sign_items(&items(&[("email", "ada@example.com")]));
    app.verify(Some(&token), items(&[("coupon", "FREE")])).await;
    app.verify(None, items(&[("page", "/pricing")])).await;
    let browser = browser().await;
    browser.open(&app, "/interactions").await;
    browser.eval("window.stillTheSamePage = true;").await;
    for id in ["source", "code", "per"] {
        let chosen = browser
            .eval(&format!(
                "return document.getElementById('{id}').selectedIndex;"
            ))
            .await;
        browser
            .client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(&Key::Down.to_string())
            .await
            .unwrap();
        let state = browser
            .eval(&format!(
                "return [window.stillTheSamePage === true, document.activeElement.id, \
                         document.getElementById('{id}').selectedIndex, location.search, \
                         document.getElementById('pending-change').textContent];"
            ))
            .await;
        assert_eq!(state[0], true, "{id}: the page reloaded: {state}");
        assert_eq!(state[1], id, "{id}: the focus left: {state}");
        assert_eq!(
            state[2].as_i64().unwrap(),
            chosen.as_i64().unwrap() + 1,
            "{id}: the arrow did not change the choice: {state}"
        );
        assert_eq!(state[3], "", "{id}: {state}");
        assert!(
            state[4].as_str().unwrap().contains("Press Enter"),
            "{state}"
        );
    }
    // Enter applies what was chosen (all three).
    browser
        .client
        .find(Locator::Id("per"))
        .await
        .unwrap()
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap();
    let url = list_url(&browser).await;
    assert!(
        url.contains("source=") && url.contains("code=") && url.contains("per=100"),
        "{url}"
    );

    // One box: by key name, by code, and the free text that finds the key's name too.
    for (q, expect) in [
        ("key:php", "Showing 1–1 of 1 matching"),
        (
            "key:\"php backend\" code:not_allowlisted",
            "Showing 1–1 of 1 matching",
        ),
        ("2026-12", "Showing 1–1 of 1 matching"),
        ("code:signature_mismatch", "Nothing matches"),
    ] {
        browser.open(&app, "/interactions").await;
        browser.fill("#q", q).await;
        browser.click("#search button[type=submit]").await;
        let position = browser.wait_for_text("#position", expect).await;
        assert!(position.starts_with(expect), "{q}: {position}");
        assert!(
            !browser
                .text_of("#log")
                .await
                .contains("No interactions match"),
            "said twice"
        );
    }
    let syntax = browser.text_of("#search-syntax").await;
    assert!(
        syntax.contains("key:NAME, code:CODE, source:SOURCE"),
        "{syntax}"
    );
    browser.close().await;
}
