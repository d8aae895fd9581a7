//! The portal over plain HTTP: security headers, CSRF, escaping, error pages. (The browser
//! flows themselves are in `tests/e2e/browser.rs`.)

use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};

use crate::helpers::{FormSession, TestSigner, every_route, portal_pages, spawn_app};

#[tokio::test]
async fn pages_render_with_strict_headers_and_no_inline_script() {
    let app = spawn_app().await;
    let pages = portal_pages();
    assert!(pages.len() >= 8, "{pages:?}");
    for path in &pages {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers().clone();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["cache-control"], "no-store");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("<link rel=\"stylesheet\" href=\"/static/portal.css\">"),
            "{path}"
        );
        // Scripts come from files only (the CSP would block inline ones anyway).
        assert!(
            html.contains("<script src=\"/static/portal.js\" defer></script>"),
            "{path}"
        );
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script src=\"/static/").count(),
            "{path} has an inline script"
        );
        assert!(!html.contains("style=\""), "{path} has an inline style");
    }
    // The demo page runs the widget shim, from files only: every script has a src.
    let demo = app.html("/demo").await;
    assert_eq!(demo.matches("<script").count(), 4);
    assert_eq!(demo.matches("<script src=\"/static/").count(), 4);
    let css = app
        .client
        .get(app.url("/static/portal.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.headers()[CONTENT_TYPE], "text/css; charset=utf-8");
}

#[tokio::test]
async fn unknown_pages_are_404_through_the_layout() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/interactions/not-a-uuid",
        "/signing-keys/00000000-0000-0000-0000-000000000000/delete",
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("Page not found")
                && html.contains("not_found")
                && html.contains("href=\"/signing-keys\""),
            "{path}"
        );
    }
}

#[tokio::test]
async fn forms_need_the_csrf_token_and_a_same_origin_request() {
    let app = spawn_app().await;
    let session = FormSession::open(&app, "/unsigned-fields").await;

    let no_token = session
        .post_form(&app, "/unsigned-fields", &[("label", "page")])
        .await;
    // Checked by the route's guard before any handler reads the form: a form without its
    // token is refused as one with a wrong token.
    assert_eq!(no_token.status(), 403, "a form without its token");
    assert!(no_token.text().await.unwrap().contains("csrf_rejected"));
    let wrong_token = session
        .post_form(
            &app,
            "/unsigned-fields",
            &[("csrf_token", "AAAA"), ("label", "page")],
        )
        .await;
    assert_eq!(wrong_token.status(), 403);
    assert!(wrong_token.text().await.unwrap().contains("csrf_rejected"));

    // A valid token is not enough when the request says it comes from elsewhere, or has no cookie.
    let form = [("csrf_token", session.token.as_str()), ("label", "page")];
    let refused = [
        (
            "cross-site fetch",
            vec![
                (COOKIE.as_str(), session.csrf_cookie.as_str()),
                ("Sec-Fetch-Site", "cross-site"),
            ],
        ),
        (
            "other origin",
            vec![
                (COOKIE.as_str(), session.csrf_cookie.as_str()),
                ("Origin", "http://evil.example"),
            ],
        ),
        ("no cookie", vec![]),
    ];
    for (description, headers) in refused {
        let mut request = session.client.post(app.url("/unsigned-fields")).form(&form);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        assert_eq!(request.send().await.unwrap().status(), 403, "{description}");
    }

    // None of that changed anything.
    let (_, fields) = app.get("/api/v1/unsigned-fields").await;
    assert_eq!(fields["unsignedFields"], serde_json::json!([]));

    let ok = session
        .post_form(
            &app,
            "/unsigned-fields",
            &[("csrf_token", session.token.as_str()), ("label", "page")],
        )
        .await;
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()[LOCATION], "/unsigned-fields");
    let (_, fields) = app.get("/api/v1/unsigned-fields").await;
    assert_eq!(fields["unsignedFields"][0]["label"], "page");
}

#[tokio::test]
async fn script_in_labels_and_key_names_renders_escaped() {
    let app = spawn_app().await;
    let evil = "<script>alert(1)</script>";
    app.add_field(evil).await;
    let (status, _) = app
        .post(
            "/api/v1/signing-keys",
            &serde_json::json!({ "name": evil, "pem": TestSigner::generate().public_pem() }),
        )
        .await;
    assert_eq!(status, 201);
    app.verify(None, crate::helpers::items(&[(evil, evil)]))
        .await;
    let dashboard = app.html("/").await;
    assert!(!dashboard.contains("<script>"));
    for path in ["/unsigned-fields", "/signing-keys"] {
        let html = app.html(path).await;
        assert!(!html.contains("<script>"), "{path} renders a raw <script>");
        assert!(
            html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
            "{path} lost the text"
        );
    }
    let (_, list) = app.get("/api/v1/interactions").await;
    let id = list["interactions"][0]["id"].as_str().unwrap();
    let html = app.html(&format!("/interactions/{id}")).await;
    assert!(!html.contains("<script>"));
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn head_answers_like_get_on_pages_health_and_static_files() {
    let app = spawn_app().await;
    // Every GET route that answers as a page or a file (the API's are in its document).
    let paths: Vec<String> = every_route()
        .into_iter()
        .filter(|probe| {
            probe.method == reqwest::Method::GET
                && probe.family().answers_with_pages()
                && probe.family() != talkative_emulator::routes::kit::family::Family::PortalLive
        })
        .map(|probe| probe.path)
        .collect();
    for path in &paths {
        let get = app.client.get(app.url(path)).send().await.unwrap();
        let head = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "{path}");
        assert_eq!(
            head.headers().get(CONTENT_TYPE),
            get.headers().get(CONTENT_TYPE),
            "{path}"
        );
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} sent a body"
        );
    }
    // Writes stay writes: HEAD reaches no form handler.
    let head = app.client.head(app.url("/logout")).send().await.unwrap();
    assert_eq!(head.status(), 404);
}

#[tokio::test]
async fn every_page_links_the_icon_and_favicon_ico_serves_it() {
    let app = spawn_app().await;
    let html = app.html("/").await;
    assert!(html.contains(r#"<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">"#));
    for path in ["/favicon.ico", "/static/favicon.svg"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()[CONTENT_TYPE], "image/svg+xml", "{path}");
        assert!(response.text().await.unwrap().starts_with("<svg"), "{path}");
    }
}

#[tokio::test]
async fn static_files_revalidate_with_an_etag_and_pages_and_files_are_gzipped_on_request() {
    let app = spawn_app().await;
    let first = app
        .client
        .get(app.url("/static/portal.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    let again = app
        .client
        .get(app.url("/static/portal.css"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"], etag.as_str());
    assert!(again.bytes().await.unwrap().is_empty());
    let other = app
        .client
        .get(app.url("/static/portal.js"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200, "another file's tag does not match");

    // The gzipped bytes are another representation, with a validator of their own (RFC 9110
    // 8.8.3): the identity tag does not revalidate them, nor theirs the identity bytes.
    let gzipped = app
        .client
        .get(app.url("/static/portal.css"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    assert_eq!(gzipped.headers()["vary"], "Accept-Encoding");
    let gzip_etag = gzipped.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(gzip_etag, etag);
    let body = gzipped.bytes().await.unwrap();
    let mut css = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut css).unwrap();
    assert!(css.contains("--"), "the gzip holds the stylesheet");
    for (encoding, tag, status) in [
        ("gzip", etag.as_str(), 200),
        ("gzip", gzip_etag.as_str(), 304),
        ("identity", gzip_etag.as_str(), 200),
        ("gzip;q=0, identity", etag.as_str(), 304),
    ] {
        let response = app
            .client
            .get(app.url("/static/portal.css"))
            .header("Accept-Encoding", encoding)
            .header("If-None-Match", tag)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{encoding} with {tag}");
    }
    // `*` matches any current representation: a GET is answered 304 (RFC 9110 13.1.2).
    let any = app
        .client
        .get(app.url("/static/portal.css"))
        .header("If-None-Match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(any.status(), 304);

    for path in [
        "/static/portal.css",
        "/interactions",
        "/api/v1/signing-keys",
    ] {
        let response = app
            .client
            .get(app.url(path))
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-encoding"], "gzip", "{path}");
        let body = response.bytes().await.unwrap();
        assert_eq!(&body[..2], [0x1f, 0x8b], "{path} is gzip");
    }
    // Not the verify endpoint (small answers, load-test clients) and not the event stream.
    let verify = app
        .client
        .post(app.url("/api/v1/verify"))
        .header("Accept-Encoding", "gzip")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert!(verify.headers().get("content-encoding").is_none());
    let stream = app
        .client
        .get(app.url("/api/v1/interactions/stream"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.headers()["content-encoding"], "identity");
    let first_chunk = stream_first_chunk(stream).await;
    assert!(first_chunk.starts_with("retry:"), "{first_chunk}");
}

async fn stream_first_chunk(mut response: crate::helpers::Reply) -> String {
    let chunk = response.chunk().await.unwrap().unwrap();
    String::from_utf8(chunk.to_vec()).unwrap()
}

#[tokio::test]
async fn the_api_reference_page_is_the_served_document_rendered() {
    let app = spawn_app().await;
    let (_, document) = app.get("/api/v1/openapi.json").await;
    let html = app.html("/docs/api").await;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap();
            // (The path breaks after each slash, where <wbr> allows it.)
            let breakable: String = path
                .split_inclusive('/')
                .map(|piece| format!("{piece}<wbr>"))
                .collect();
            let heading = format!(
                "<h3 id=\"op-{id}-title\"><span class=\"method method-{method}\">{}</span> <code>{breakable}</code>",
                method.to_uppercase()
            );
            assert!(
                html.contains(&heading),
                "{method} {path} is not on the page"
            );
        }
    }
    for schema in document["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert!(
            html.contains(&format!("id=\"schema-{schema}\"")),
            "{schema} is not on the page"
        );
    }
    // Every error code, from the Code enum through the document.
    for code in talkative_emulator::domain::problem::Code::ALL {
        assert!(
            html.contains(&format!("<li><code>{code}</code></li>")),
            "{code}"
        );
    }
    // Every link inside the page lands on an anchor it has.
    for link in html.split("href=\"#").skip(1) {
        let target = link.split('"').next().unwrap();
        assert!(
            html.contains(&format!("id=\"{target}\"")),
            "#{target} points nowhere"
        );
    }
}

/// A confirmation names what it removes in quotes, so a name that reads as words ("production
/// backend") is not read as part of the question (#32).
#[tokio::test]
async fn confirmations_quote_the_name_of_what_they_remove() {
    let app = crate::helpers::spawn_app().await;
    let key = app
        .add_key(
            "production backend",
            &crate::helpers::TestSigner::generate().public_pem(),
        )
        .await;
    let page = app
        .html(&format!(
            "/signing-keys/{}/delete",
            key["id"].as_str().unwrap()
        ))
        .await;
    assert!(
        page.contains("<h1>Delete key “production backend”?</h1>"),
        "{page}"
    );
}
