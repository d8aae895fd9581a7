//! The Widget configs page's form (#32) in a real Chromium: a config made through the form
//! alone (no JSON typed), its UUIDs generated, a bad UUID said as it is typed, statuses and
//! kinds chosen from menus; saved, and then the same through the API and the loader.

use crate::chromium::browser;
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_widget_config_is_made_through_the_form_alone() {
    let app = spawn_app().await;
    let browser = browser().await;
    browser.open(&app, "/widget-configs").await;
    // The form is there; the JSON is folded away as the advanced view.
    let shown = browser
        .eval(
            "return [document.getElementById('config-builder').hidden, \
                     document.getElementById('config-json-view').open, \
                     document.querySelectorAll('#cb-queues .cb-row').length, \
                     document.querySelector('#cb-actions .cb-action-reference').value];",
        )
        .await;
    assert_eq!(
        shown,
        serde_json::json!([false, false, 1, "start-chat"]),
        "{shown}"
    );

    browser
        .fill("#config-builder .cb-name", "Shop website")
        .await;
    // A queue UUID typed wrong is said at once, under it; then put right with a fresh one.
    let first_uuid = browser
        .eval("return document.querySelector('#cb-queues .cb-queue-uuid').value;")
        .await;
    browser
        .fill("#cb-queues .cb-queue-uuid", "7d3c6a54-not-a-uuid")
        .await;
    let note = browser
        .eval(
            "const q = document.querySelector('#cb-queues .cb-queue-uuid'); \
             return [q.getAttribute('aria-invalid'), document.getElementById(q.id + '-note').textContent];",
        )
        .await;
    assert_eq!(note[0], "true", "{note}");
    assert!(note[1].as_str().unwrap().contains("Not a UUID"), "{note}");
    browser
        .fill("#cb-queues .cb-queue-uuid", first_uuid.as_str().unwrap())
        .await;

    // A second queue, offline, and a video action on it, and a pre-chat field.
    browser.click("#cb-add-queue").await;
    browser
        .fill("#cb-queues .cb-row:nth-child(2) .cb-queue-name", "Support")
        .await;
    browser
        .eval(
            "const s = document.querySelector('#cb-queues .cb-row:nth-child(2) .cb-queue-status'); \
             s.value = 'OFFLINE_BUSINESS_HOURS'; s.dispatchEvent(new Event('change', { bubbles: true }));",
        )
        .await;
    browser.click("#cb-add-action").await;
    browser
        .fill(
            "#cb-actions .cb-row:nth-child(2) .cb-action-reference",
            "start-video",
        )
        .await;
    browser
        .eval(
            "const row = document.querySelector('#cb-actions .cb-row:nth-child(2)'); \
             const kind = row.querySelector('.cb-action-kind'); kind.value = 'start_video'; \
             kind.dispatchEvent(new Event('change', { bubbles: true })); \
             const queue = row.querySelector('.cb-action-queue'); queue.selectedIndex = 1; \
             queue.dispatchEvent(new Event('change', { bubbles: true }));",
        )
        .await;
    browser.click("#cb-add-field").await;
    browser.fill("#cb-fields .cb-field-name", "email").await;
    browser
        .fill("#cb-fields .cb-field-label", "Email address")
        .await;
    let ready = browser.text_of("#cb-summary").await;
    assert!(ready.contains("ready to save"), "{ready}");
    browser.click("#config-form button[type=submit]").await;
    browser.wait_for_text(".flash", "Shop website").await;

    // Saved as made: through the API, and a page can load the widget by its UUID.
    let (status, listed) = app.get("/api/v1/widget-configs").await;
    assert_eq!(status, 200);
    let config = listed["widgetConfigs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Shop website")
        .unwrap_or_else(|| panic!("not saved: {listed}"))
        .clone();
    let queues = config["queues"].as_array().unwrap();
    assert_eq!(queues.len(), 2, "{config}");
    assert_eq!(queues[0]["uuid"], first_uuid);
    assert_eq!(
        (
            queues[0]["status"].clone(),
            queues[1]["name"].clone(),
            queues[1]["status"].clone()
        ),
        (
            "ONLINE".into(),
            "Support".into(),
            "OFFLINE_BUSINESS_HOURS".into()
        ),
        "{config}"
    );
    let actions = config["actions"].as_array().unwrap();
    assert_eq!(actions[0]["reference"], "start-chat");
    assert_eq!(actions[0]["queue"], queues[0]["uuid"]);
    assert_eq!(
        (
            actions[1]["reference"].clone(),
            actions[1]["kind"].clone(),
            actions[1]["queue"].clone()
        ),
        (
            "start-video".into(),
            "start_video".into(),
            queues[1]["uuid"].clone()
        ),
        "{config}"
    );
    assert_eq!(
        config["fields"],
        serde_json::json!([{"name": "email", "label": "Email address"}])
    );
    let uuid = config["uuid"].as_str().unwrap();
    let loader = app
        .client
        .get(app.url(&format!("/api/ecs/v1/loader/{uuid}.js")))
        .send()
        .await
        .unwrap();
    assert_eq!(loader.status(), 200);

    // Its card has the loader line with a Copy button.
    let copy = browser
        .eval(&format!(
            "const b = document.querySelector('button.copy[data-copy=\"loader-{uuid}\"]'); \
             return b && getComputedStyle(b).display !== 'none' && \
               document.getElementById('loader-{uuid}').textContent.includes('{uuid}');"
        ))
        .await;
    assert_eq!(copy, true);
    browser.close().await;
}
