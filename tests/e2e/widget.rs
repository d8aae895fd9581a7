//! The drop-in widget in a real Chromium: pages we wrote from Talkative's documented surface
//! (the widget examples' patterns, the scripts and actions guides; never copies of their
//! files), each served from another origin and loading the emulator's loader exactly as
//! Talkative's examples load theirs, with only the origin changed. Each page records the
//! lifecycle callbacks it gets in `window.events`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::browser::serve_page;
use crate::chromium::{Browser, browser};
use crate::helpers::{TestApp, TestSigner, items, spawn_app};

/// A config UUID as a page copied from Talkative names it; the emulator does not know it, so
/// the page gets the default config (start-chat and start-video on one online queue).
const PAGES_CONFIG: &str = "e39f9811-1111-493b-b258-e964a1e33cf4";
const DEFAULT: &str = "00000000-0000-4000-8000-000000000001";
const DEFAULT_QUEUE: &str = "00000000-0000-4000-8000-000000000002";

/// A page with `talkativeCustomConfig` whose callbacks push their names into `window.events`
/// and run `hooks` (JavaScript: an object of extra code per callback name), then the loader
/// import as the examples write it, with the emulator's origin in place of Talkative's.
fn page(app: &TestApp, hooks: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><title>shop</title>
<button id="chat-button" disabled>Chat is offline</button>
<script>
window.events = [];
const hooks = {hooks};
const names = ['ready', 'enterStandby', 'enterInteraction', 'resumeInteraction', 'exitInteraction',
  'completeInteraction', 'qosFail', 'presenceFail', 'rateLimitFail', 'visibilityChange',
  'availabilityChange'];
window.talkativeCustomConfig = {{ events: {{}} }};
for (const name of names) {{
  window.talkativeCustomConfig.events[name] = function (detail) {{
    window.events.push(detail === undefined ? name : name + ' ' + JSON.stringify(detail));
    if (hooks[name]) hooks[name](detail);
  }};
}}
const configUuid = '{PAGES_CONFIG}';
window.addEventListener('unhandledrejection', (e) => window.events.push('unhandled ' + e.reason));
import(`{emulator}/api/ecs/v1/loader/${{configUuid}}.js?path=${{encodeURIComponent(window.location.origin + window.location.pathname)}}&selectedVersion=${{(new URLSearchParams(window.location.search)).get('ecsSelectedVersion') || ''}}`)
  .catch((e) => window.events.push('the loader failed: ' + e));
</script></html>"#,
        emulator = app.address,
    )
}

/// The page's `window.events` once `done` (a JavaScript expression over `events`) holds.
async fn events_when(browser: &Browser, done: &str) -> Vec<String> {
    let script = format!("const events = window.events || []; return [{done}, events];");
    let mut last = Value::Null;
    for _ in 0..100 {
        let answer = browser.eval(&script).await;
        if answer[0] == true {
            return serde_json::from_value(answer[1].clone()).unwrap();
        }
        last = answer[1].clone();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never got to `{done}`; its events: {last}");
}

async fn engagements(app: &TestApp) -> Vec<Value> {
    let (_, list) = app.get("/api/v1/engagements").await;
    list["engagements"].as_array().unwrap().clone()
}

async fn agent_view(app: &TestApp, uuid: &str) -> Vec<(String, String)> {
    let (_, detail) = app.get(&format!("/api/v1/engagements/{uuid}")).await;
    detail["agentView"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["name"].as_str().unwrap_or("").to_owned(),
                item["data"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Data passed through the API before the start (as `passing-interaction-data-to-api` does from
/// `enterStandby`), the start by an API action, then an append during the interaction that
/// overrides a name; a reload mid-interaction resumes it; the agent's side ends and completes
/// it, and the widget returns to standby.
#[tokio::test]
async fn a_page_starts_appends_resumes_and_is_ended_and_completed_by_the_agent() {
    let app = spawn_app().await;
    let hooks = r#"{
      enterStandby() {
        if (sessionStorage.getItem('started')) return;
        sessionStorage.setItem('started', '1');
        talkativeApi.interactionData.appendInteractionData([
          { name: 'email', label: 'Email Address', type: 'string', data: 'first@example.com' },
          { name: 'accountNumber', label: 'Account Number', type: 'string', data: '123456789' },
        ]);
        talkativeApi.actions.triggerAction('start-chat').then(() => window.events.push('triggered'));
      },
      enterInteraction() {
        talkativeApi.interactionData.appendInteractionData([
          { name: 'email', label: 'Email', type: 'string', data: 'second@example.com' },
        ]).then((verdict) => window.events.push('appended ' + verdict.accepted.length));
      },
    }"#;
    let url = serve_page(page(&app, hooks));
    let browser = browser().await;
    browser.client.goto(&url).await.unwrap();
    let events = events_when(&browser, "events.some((e) => e.startsWith('appended'))").await;
    assert_eq!(
        &events[..3],
        ["ready", "enterStandby", "enterInteraction"],
        "{events:?}"
    );
    assert!(events.contains(&"triggered".to_owned()), "{events:?}");
    let started = engagements(&app).await;
    assert_eq!(started.len(), 1);
    let uuid = started[0]["uuid"].as_str().unwrap().to_owned();
    assert_eq!(started[0]["state"], "active");
    assert_eq!(started[0]["action"], "start-chat");
    assert_eq!(
        started[0]["configUuid"], DEFAULT,
        "an unknown config gets the default"
    );
    assert_eq!(
        started[0]["startUrl"],
        json!(url.trim_end_matches('/').to_owned() + "/")
    );
    assert_eq!(
        agent_view(&app, &uuid).await,
        [
            ("email".into(), "second@example.com".into()),
            ("accountNumber".into(), "123456789".into())
        ]
    );
    let uuid_on_page = browser
        .eval("return talkativeApi.interaction.getInteractionUuid();")
        .await;
    assert_eq!(uuid_on_page, json!(uuid));

    // The page reloads mid-interaction: the interaction survives.
    browser.client.refresh().await.unwrap();
    let events = events_when(&browser, "events.includes('resumeInteraction')").await;
    assert_eq!(events, ["ready", "resumeInteraction"]);
    assert_eq!(engagements(&app).await.len(), 1, "nothing new started");

    // The agent ends it on the portal's page for the interaction, in another tab, then
    // completes it there: the page gets exit, complete, standby.
    let page_tab = browser.client.window().await.unwrap();
    let portal_tab = browser.client.new_window(true).await.unwrap().handle;
    browser.client.switch_to_window(portal_tab).await.unwrap();
    browser.open(&app, &format!("/engagements/{uuid}")).await;
    browser
        .wait_for_text("#agent-view", "second@example.com")
        .await;
    browser.click("#end button").await;
    browser.wait_for_text(".flash", "Ended").await;
    browser
        .client
        .switch_to_window(page_tab.clone())
        .await
        .unwrap();
    events_when(&browser, "events.includes('exitInteraction')").await;
    let feedback_step = browser.eval("return document.getElementById('talkative-emulator-widget').shadowRoot.querySelector('#status').textContent;").await;
    assert!(
        feedback_step.as_str().unwrap().contains("How was it?"),
        "{feedback_step}"
    );
    let portal_tab = browser.client.windows().await.unwrap();
    let portal_tab = portal_tab.into_iter().find(|w| *w != page_tab).unwrap();
    browser.client.switch_to_window(portal_tab).await.unwrap();
    browser.click("#complete button").await;
    browser.wait_for_text(".flash", "Completed").await;
    browser.client.close_window().await.unwrap();
    browser.client.switch_to_window(page_tab).await.unwrap();
    let events = events_when(&browser, "events.includes('enterStandby')").await;
    assert_eq!(
        &events[2..],
        ["exitInteraction", "completeInteraction", "enterStandby"],
        "{events:?}"
    );
    let in_interaction = browser
        .eval("return talkativeApi.interaction.isInInteraction();")
        .await;
    assert_eq!(in_interaction, false);
    browser.screenshot("widget-standby-after-complete").await;
    browser.close().await;
}

/// `chat-with-autostart`'s pattern: interaction data from the page's query parameters, for the
/// names the page knows, and one start.
#[tokio::test]
async fn a_page_autostarts_with_data_from_its_query_parameters() {
    let app = spawn_app().await;
    let hooks = r#"{
      enterStandby() {
        if (window.triggered) return;
        const known = [
          { name: 'foo', label: 'Foo Label', type: 'string' },
          { name: 'bar', label: 'Bar Label', type: 'string' },
        ];
        const data = [];
        for (const [key, value] of new URLSearchParams(window.location.search).entries()) {
          const base = known.find((x) => x.name === key);
          if (base) data.push({ data: value, ...base });
        }
        talkativeApi.interactionData.appendInteractionData(data);
        talkativeApi.actions.triggerAction('start-chat');
        window.triggered = true;
      },
    }"#;
    let url = serve_page(page(&app, hooks));
    let browser = browser().await;
    browser
        .client
        .goto(&format!("{url}?foo=Foo%20value&bar=42&unrelated=x"))
        .await
        .unwrap();
    events_when(&browser, "events.includes('enterInteraction')").await;
    let started = engagements(&app).await;
    assert_eq!(started.len(), 1);
    let uuid = started[0]["uuid"].as_str().unwrap();
    assert_eq!(
        agent_view(&app, uuid).await,
        [
            ("foo".into(), "Foo value".into()),
            ("bar".into(), "42".into())
        ]
    );
    browser.close().await;
}

/// `custom-trigger-button`'s pattern: buttons enabled from `getPresences()`; with the queue
/// offline the button stays disabled, and an attempt fires `presenceFail` and starts nothing;
/// an unknown action's promise rejects; the card shows and hides, the UI deactivates.
#[tokio::test]
async fn an_offline_queue_starts_nothing_and_the_page_is_told() {
    let app = spawn_app().await;
    let (status, _) = app
        .put(
            &format!("/api/v1/widget-configs/{DEFAULT}/queues/{DEFAULT_QUEUE}/status"),
            &json!({ "status": "OFFLINE_NO_USERS" }),
        )
        .await;
    assert_eq!(status, 200);
    let hooks = r#"{
      ready() {
        const presences = talkativeApi.queues.getPresences();
        window.events.push('presences ' + JSON.stringify(presences));
        const presence = presences.find((p) => p.queueUuid === '00000000-0000-4000-8000-000000000002');
        if (presence && presence.status === 'ONLINE') {
          document.getElementById('chat-button').disabled = false;
        }
      },
    }"#;
    let browser = browser().await;
    browser
        .client
        .goto(&serve_page(page(&app, hooks)))
        .await
        .unwrap();
    let events = events_when(&browser, "events.includes('enterStandby')").await;
    assert_eq!(
        events[1],
        format!(
            "presences [{{\"queueUuid\":\"{DEFAULT_QUEUE}\",\"status\":\"OFFLINE_NO_USERS\"}}]"
        )
    );
    let disabled = browser
        .eval("return document.getElementById('chat-button').disabled;")
        .await;
    assert_eq!(disabled, true);

    let outcome = browser
        .client
        .execute_async(
            "const done = arguments[0];
             talkativeApi.actions.triggerAction('start-chat').then(() => done('resolved'), (e) => done('rejected ' + e.message));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(outcome, "resolved", "the attempt was made");
    events_when(&browser, "events.includes('presenceFail')").await;
    assert!(engagements(&app).await.is_empty(), "nothing started");
    let unknown = browser
        .client
        .execute_async(
            "const done = arguments[0];
             talkativeApi.actions.triggerAction('start-cobrowse').then(() => done('resolved'), (e) => done('rejected ' + e.message));",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        unknown.as_str().unwrap().starts_with("rejected")
            && unknown.as_str().unwrap().contains("start-cobrowse"),
        "{unknown}"
    );

    browser
        .eval("talkativeApi.ui.show(); talkativeApi.ui.deactivate();")
        .await;
    let events = events_when(
        &browser,
        "events.some((e) => e.startsWith('availabilityChange'))",
    )
    .await;
    assert!(
        events.contains(&"visibilityChange {\"visibility\":true}".to_owned()),
        "{events:?}"
    );
    assert!(
        events.contains(&"availabilityChange {\"isAvailable\":false}".to_owned()),
        "{events:?}"
    );
    let state = browser
        .eval("return [talkativeApi.ui.isVisible(), talkativeApi.ui.isAvailable()];")
        .await;
    assert_eq!(
        state,
        json!([false, false]),
        "deactivate hides the card too"
    );
    browser.close().await;
}

/// The article's other calls on the loaded widget: the token from the Talkative element's
/// `signed-interaction-data`, and the iOS SDK's `startVideo({interactionData,
/// signedInteractionData: ''})`, where `''` means "no token here" (the element's stands). The
/// agent ends it; the customer sends the widget's feedback step, which completes it.
#[tokio::test]
async fn the_element_passes_the_token_and_the_customer_sends_the_feedback_step() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    app.add_field("plan").await;
    let token = signer.sign_items(&items(&[("email", "ann@example.com")]));
    let hooks = r#"{
      ready() {
        TalkativeEngageApi.startVideo({
          interactionData: [{ name: 'plan', label: 'Plan', type: 'string', data: 'gold' },
                            { name: 'coupon', label: 'Coupon', type: 'string', data: 'FREE' }],
          signedInteractionData: '',
        }).then((verdict) => window.events.push('verdict ' + verdict.signature.status));
      },
    }"#;
    let html = page(&app, hooks).replace(
        "<title>shop</title>",
        &format!(
            "<title>shop</title><talkative-engage signed-interaction-data=\"{token}\"></talkative-engage>"
        ),
    );
    let browser = browser().await;
    browser.client.goto(&serve_page(html)).await.unwrap();
    let events = events_when(&browser, "events.some((e) => e.startsWith('verdict'))").await;
    assert!(events.contains(&"verdict valid".to_owned()), "{events:?}");
    let started = engagements(&app).await;
    assert_eq!(started.len(), 1);
    assert_eq!(started[0]["channel"], "video");
    assert_eq!(started[0]["action"], "start-video");
    let uuid = started[0]["uuid"].as_str().unwrap().to_owned();
    assert_eq!(
        agent_view(&app, &uuid).await,
        [
            (String::new(), "ann@example.com".into()),
            ("plan".into(), "gold".into())
        ],
        "signed by the element's token, the allowlisted field beside it, the coupon dropped"
    );

    let (status, _) = app
        .post(&format!("/api/v1/engagements/{uuid}/end"), &json!({}))
        .await;
    assert_eq!(status, 200);
    events_when(&browser, "events.includes('exitInteraction')").await;
    browser
        .eval(
            "document.getElementById('talkative-emulator-widget').shadowRoot
               .querySelector('#actions button').click();",
        )
        .await;
    let events = events_when(&browser, "events.lastIndexOf('enterStandby') > 1").await;
    let tail: Vec<_> = events.iter().rev().take(3).rev().cloned().collect();
    assert_eq!(
        tail,
        ["exitInteraction", "completeInteraction", "enterStandby"]
    );
    assert_eq!(engagements(&app).await[0]["state"], "completed");
    browser.close().await;
}

/// `customTracking` as Talkative's two tracking examples use it: `custom-tracking-example` logs
/// whatever it gets for each lifecycle event; `delayed-custom-tracking` reads the event's name
/// from `arguments[0]`, starts a timer on `enterInteraction` that reports to `gtag`, and clears it
/// on `exitInteraction`. Here the timer is 1.5 s instead of 30: one chat outlives it (gtag is
/// called), the next is ended before it (gtag is not).
#[tokio::test]
async fn custom_tracking_gets_the_event_name_first_as_the_delayed_tracking_example_reads_it() {
    let app = spawn_app().await;
    let tracking = r#"
window.gtagCalls = [];
window.gtag = function () { window.gtagCalls.push([...arguments]); };
window.tracked = [];
window.talkativeCustomConfig.customTracking = function () {
  const event = arguments[0];
  window.tracked.push([event, typeof arguments[1] === 'object' && arguments[1] !== null
    ? arguments[1].interactionUuid || null : 'no second argument']);
  if (event === 'enterInteraction') {
    window.talkativeCustomerEventTracker = setTimeout(() => {
      if (typeof window.gtag === 'function') {
        window.gtag('event', 'enterInteraction30', { eventCategory: 'Talkative-Engage' });
      }
    }, 1500);
  }
  if (event === 'exitInteraction') {
    clearTimeout(window.talkativeCustomerEventTracker);
    window.talkativeCustomerEventTracker = null;
  }
};
"#;
    let html = page(&app, "{}").replace(
        "const configUuid =",
        &format!("{tracking}\nconst configUuid ="),
    );
    let browser = browser().await;
    browser.client.goto(&serve_page(html)).await.unwrap();
    events_when(&browser, "events.includes('enterStandby')").await;

    let start_and_wait = async |nth: usize| {
        browser
            .eval("talkativeApi.actions.triggerAction('start-chat');")
            .await;
        events_when(
            &browser,
            &format!("events.filter((e) => e === 'enterInteraction').length === {nth}"),
        )
        .await;
        let mut listed = engagements(&app).await;
        listed.retain(|e| e["state"] != "completed" && e["state"] != "ended");
        listed[0]["uuid"].as_str().unwrap().to_owned()
    };
    let end = async |uuid: &str, nth: usize| {
        let (status, _) = app
            .post(&format!("/api/v1/engagements/{uuid}/end"), &json!({}))
            .await;
        assert_eq!(status, 200);
        let (status, _) = app
            .post(&format!("/api/v1/engagements/{uuid}/complete"), &json!({}))
            .await;
        assert_eq!(status, 200);
        events_when(
            &browser,
            &format!(
                "events.filter((e) => e === 'enterStandby').length === {}",
                nth + 1
            ),
        )
        .await;
    };

    // The first chat lasts longer than the timer: the tracker reports it.
    let first = start_and_wait(1).await;
    let reported = browser
        .eval(
            "return new Promise((done) => setTimeout(() => done(window.gtagCalls.length), 2000));",
        )
        .await;
    assert_eq!(reported, json!(1));
    end(&first, 1).await;
    // The second is ended before the timer fires: exitInteraction cleared it.
    let second = start_and_wait(2).await;
    end(&second, 2).await;
    let after = browser
        .eval("return new Promise((done) => setTimeout(() => done(window.gtagCalls), 2000));")
        .await;
    assert_eq!(
        after,
        json!([["event", "enterInteraction30", { "eventCategory": "Talkative-Engage" }]])
    );

    // Every lifecycle callback was tracked by name, with the interaction it belongs to.
    let tracked: Vec<(String, Value)> =
        serde_json::from_value(browser.eval("return window.tracked;").await).unwrap();
    let names: Vec<&str> = tracked.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "ready",
            "enterStandby",
            "enterInteraction",
            "exitInteraction",
            "completeInteraction",
            "enterStandby",
            "enterInteraction",
            "exitInteraction",
            "completeInteraction",
            "enterStandby"
        ],
        "{tracked:?}"
    );
    assert_eq!(tracked[2].1, json!(first));
    assert_eq!(tracked[6].1, json!(second));
    browser.close().await;
}

/// The console is where a web developer looks first (#31): a refused token and a dropped item
/// are warnings with their code and the link to the arrival's page in the emulator; a clean
/// arrival is one info line.
#[tokio::test]
async fn the_widget_explains_each_arrival_in_the_browser_console() {
    let app = spawn_app().await;
    let signer = TestSigner::generate();
    app.add_key("backend", &signer.public_pem()).await;
    app.add_field("plan").await;
    let forged = TestSigner::generate().sign_items(&items(&[("email", "spoof@evil")]));
    let capture = r#"
window.consoleLines = [];
for (const level of ['warn', 'info']) {
  const original = console[level].bind(console);
  console[level] = (...args) => { window.consoleLines.push([level, args.join(' ')]); original(...args); };
}
"#;
    let hooks = format!(
        r#"{{
      enterStandby() {{
        if (window.started) return;
        window.started = true;
        talkativeApi.interactionData.appendInteractionData([
          {{ name: 'coupon', label: 'Coupon', type: 'string', data: 'FREE' }},
        ]);
        talkativeApi.interactionData.setSignedInteractionData('{forged}');
        talkativeApi.actions.triggerAction('start-chat');
      }},
      enterInteraction() {{
        talkativeApi.interactionData.appendInteractionData([
          {{ name: 'plan', label: 'Plan', type: 'string', data: 'gold' }},
        ]);
      }},
    }}"#
    );
    let html = page(&app, &hooks).replace(
        "window.events = [];",
        &format!("{capture}window.events = [];"),
    );
    let browser = browser().await;
    browser.client.goto(&serve_page(html)).await.unwrap();
    let mut lines = Value::Null;
    for _ in 0..100 {
        lines = browser.eval("return window.consoleLines;").await;
        if lines
            .as_array()
            .is_some_and(|l| l.iter().any(|line| line[0] == "info"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let lines: Vec<(String, String)> = serde_json::from_value(lines).unwrap();
    let (_, log) = app.get("/api/v1/interactions?limit=5").await;
    let ids: Vec<&str> = log["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "the start and the append: {log}");
    let (append, start) = (ids[0], ids[1]);
    let link = |id: &str| format!("{}/interactions/{id}", app.address);
    let warned: Vec<&String> = lines
        .iter()
        .filter(|(level, _)| level == "warn")
        .map(|(_, text)| text)
        .collect();
    assert!(
        warned.iter().any(|text| text.contains("signature_mismatch")
            && text.contains("Hint:")
            && text.contains(&link(start))),
        "{lines:?}"
    );
    assert!(
        warned.iter().any(|text| text.contains("not_allowlisted")
            && text.contains("\"coupon\"")
            && text.contains(&link(start))),
        "{lines:?}"
    );
    let informed: Vec<&String> = lines
        .iter()
        .filter(|(level, _)| level == "info")
        .map(|(_, text)| text)
        .collect();
    assert_eq!(informed.len(), 1, "{lines:?}");
    assert!(
        informed[0].contains("1 item(s) accepted") && informed[0].contains(&link(append)),
        "{lines:?}"
    );
    browser.close().await;
}

/// `custom-widget-icon`'s documented behaviour: on `ready`, when `ui.canShow()`, the page shows
/// its own icon, whose click calls `ui.show()`; `visibilityChange({visibility})` hides the icon
/// while the widget's UI is visible and shows it again when the UI is hidden.
#[tokio::test]
async fn a_custom_icon_shows_the_widget_and_follows_its_visibility() {
    let app = spawn_app().await;
    let hooks = r#"{
      ready() {
        if (!talkativeApi.ui.canShow()) return;
        const icon = document.getElementById('chat-widget-icon');
        icon.hidden = false;
        icon.addEventListener('click', () => window.talkativeApi.ui.show());
      },
      visibilityChange({ visibility }) {
        document.getElementById('chat-widget-icon').hidden = Boolean(visibility);
      },
    }"#;
    let html = page(&app, hooks).replace(
        "<title>shop</title>",
        "<title>shop</title><button id=\"chat-widget-icon\" hidden>Chat with us</button>",
    );
    let browser = browser().await;
    browser.client.goto(&serve_page(html)).await.unwrap();
    events_when(&browser, "events.includes('ready')").await;
    let icon_hidden = "return document.getElementById('chat-widget-icon').hidden;";
    assert_eq!(
        browser.eval(icon_hidden).await,
        json!(false),
        "shown on ready"
    );
    browser.click("#chat-widget-icon").await;
    events_when(
        &browser,
        "events.includes('visibilityChange {\"visibility\":true}')",
    )
    .await;
    assert_eq!(
        browser.eval(icon_hidden).await,
        json!(true),
        "hidden while the UI shows"
    );
    assert_eq!(
        browser.eval("return talkativeApi.ui.isVisible();").await,
        json!(true)
    );
    browser.eval("talkativeApi.ui.hide();").await;
    events_when(
        &browser,
        "events.includes('visibilityChange {\"visibility\":false}')",
    )
    .await;
    assert_eq!(
        browser.eval(icon_hidden).await,
        json!(false),
        "back when the UI hides"
    );
    browser.close().await;
}

/// `custom-button`'s documented behaviour, with a widget config shaped as the example expects
/// (its config UUID, a chat queue and a video queue for its two actions, and the queue its
/// "manual" button looks up): each button whose queue is ONLINE gets its online text and starts
/// its action on click; a button whose queue is offline stays as it was.
#[tokio::test]
async fn custom_buttons_follow_their_queues_presence_and_start_their_actions() {
    const CONFIG: &str = "e39f9811-fb8c-493b-b258-e964a1e33cf4";
    const CHAT_QUEUE: &str = "a6adeebf-1111-488b-b26f-8f94c8b536d8";
    const VIDEO_QUEUE: &str = "48320b32-1111-4991-894d-9ecc15bc0ba7";
    const MANUAL_QUEUE: &str = "a6adeebf-d9d6-488b-b26f-8f94c8b536d8";
    let app = spawn_app().await;
    let (status, created) = app
        .post(
            "/api/v1/widget-configs",
            &json!({
                "uuid": CONFIG,
                "name": "custom-button example",
                "queues": [
                    { "uuid": CHAT_QUEUE, "name": "Chat", "status": "ONLINE" },
                    { "uuid": VIDEO_QUEUE, "name": "Video", "status": "OFFLINE_BUSINESS_HOURS" },
                    { "uuid": MANUAL_QUEUE, "name": "Manual", "status": "ONLINE" },
                ],
                "actions": [
                    { "reference": "start-chat", "kind": "start_chat", "queue": CHAT_QUEUE },
                    { "reference": "start-video", "kind": "start_video", "queue": VIDEO_QUEUE },
                ],
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let hooks = format!(
        r#"{{
      ready() {{
        const presences = window.talkativeApi.queues.getPresences();
        [
          {{ elementId: 'chat-button', queueUuid: '{CHAT_QUEUE}', action: 'start-chat', onlineText: 'Live Chat Online' }},
          {{ elementId: 'video-button', queueUuid: '{VIDEO_QUEUE}', action: 'start-video', onlineText: 'Live Video Online' }},
        ].forEach((x) => {{
          const presence = presences.find((p) => p.queueUuid === x.queueUuid);
          if (presence.status === 'ONLINE') {{
            const button = document.getElementById(x.elementId);
            button.innerText = x.onlineText;
            button.addEventListener('click', () => talkativeApi.actions.triggerAction(x.action));
          }}
        }});
        const manual = presences.find((x) => x.queueUuid === '{MANUAL_QUEUE}');
        if (manual.status === 'ONLINE') {{
          document.getElementById('manual-button').innerText = 'Manual Button Chat Online';
        }}
      }},
    }}"#
    );
    let html = page(&app, &hooks).replace(PAGES_CONFIG, CONFIG).replace(
        "<button id=\"chat-button\" disabled>Chat is offline</button>",
        "<button id=\"chat-button\">Chat</button><button id=\"video-button\">Video</button>\
             <button id=\"manual-button\">Manual</button>",
    );
    let browser = browser().await;
    browser.client.goto(&serve_page(html)).await.unwrap();
    events_when(&browser, "events.includes('ready')").await;
    let texts = browser
        .eval(
            "return ['chat-button', 'video-button', 'manual-button']
               .map((id) => document.getElementById(id).innerText);",
        )
        .await;
    assert_eq!(
        texts,
        json!(["Live Chat Online", "Video", "Manual Button Chat Online"])
    );
    browser.click("#video-button").await;
    browser.click("#chat-button").await;
    events_when(&browser, "events.includes('enterInteraction')").await;
    let started = engagements(&app).await;
    assert_eq!(started.len(), 1, "the offline video button started nothing");
    assert_eq!(started[0]["action"], "start-chat");
    assert_eq!(started[0]["queueUuid"], CHAT_QUEUE);
    assert_eq!(started[0]["configUuid"], CONFIG);
    browser.close().await;
}

/// A chatbot fulfilment node reached from the page: `triggerAction` of an action of kind
/// `fulfilment`, during the interaction, calls the receiver with the interaction as the Core API
/// shows it, and its answer is what the agent then sees; before an interaction it is refused.
#[tokio::test]
async fn a_page_reaches_a_fulfilment_action_and_the_agent_sees_the_answer() {
    let app = spawn_app().await;
    let receiver = crate::helpers::Receiver::scripted(|_, _| {
        crate::helpers::Answer::json(r#"[{"name":"order_status","data":"shipped"}]"#)
    })
    .await;
    let (status, config) = app
        .post(
            "/api/v1/widget-configs",
            &json!({ "uuid": PAGES_CONFIG, "name": "Shop",
                     "queues": [{"uuid": DEFAULT_QUEUE, "name": "Orders", "status": "ONLINE"}],
                     "actions": [
                        {"reference": "start-chat", "kind": "start_chat", "queue": DEFAULT_QUEUE},
                        {"reference": "lookup-order", "kind": "fulfilment", "queue": DEFAULT_QUEUE,
                         "url": receiver.url}
                     ] }),
        )
        .await;
    assert_eq!(status, 201, "{config}");
    let hooks = r#"{
      ready() {
        talkativeApi.actions.triggerAction('lookup-order').catch((e) => {
          window.events.push('refused before: ' + e.message);
          talkativeApi.actions.triggerAction('start-chat');
        });
      },
      enterInteraction() {
        talkativeApi.actions.triggerAction('lookup-order')
          .then((answer) => window.events.push('fulfilled ' + answer.fulfilled));
      },
    }"#;
    let url = serve_page(page(&app, hooks));
    let browser = browser().await;
    browser.client.goto(&url).await.unwrap();
    let events = events_when(&browser, "events.some((e) => e.startsWith('fulfilled'))").await;
    assert!(events.contains(&"fulfilled true".to_owned()), "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| e.contains("refused before") && e.contains("runs during an interaction")),
        "{events:?}"
    );
    let started = engagements(&app).await;
    let uuid = started[0]["uuid"].as_str().unwrap().to_owned();
    assert_eq!(
        agent_view(&app, &uuid).await,
        [("order_status".to_owned(), "shipped".to_owned())]
    );
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["data"]["attributes"]["uuid"], uuid.as_str());
}
