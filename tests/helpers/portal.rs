//! A browser-like visitor of the portal's forms, and reading the cookies a response sets.

use super::*;

/// `name=value` of the cookie a response sets, and the whole header with its attributes.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| (v.split(';').next().unwrap().to_owned(), v.to_owned()))
}

/// A browser-like visitor of the portal: keeps the CSRF cookie and form token of the page it
/// opened, and a session cookie once logged in. Follows no redirects, so tests see them.
pub struct FormSession {
    pub client: reqwest::Client,
    pub csrf_cookie: String,
    pub token: String,
    pub session: Option<String>,
}

impl FormSession {
    pub async fn open(app: &TestApp, path: &str) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "opening {path}");
        let (csrf_cookie, _) = set_cookie(&response, "te_csrf").expect("a CSRF cookie");
        let html = response.text().await.unwrap();
        let token = token_in(&html).to_owned();
        Self {
            client,
            csrf_cookie,
            token,
            session: None,
        }
    }

    /// The browser now holds `session` (a login set it). A browser then renders pages with a
    /// new form token, bound to the session; so does this one, from `page`.
    pub async fn signed_in(&mut self, app: &TestApp, session: String, page: &str) {
        self.session = Some(session);
        let html = self.get(app, page).await.text().await.unwrap();
        self.token = token_in(&html).to_owned();
    }

    pub fn cookies(&self) -> String {
        match &self.session {
            Some(session) => format!("{}; {session}", self.csrf_cookie),
            None => self.csrf_cookie.clone(),
        }
    }

    /// POSTs exactly `form`, same-origin (tests of the token itself leave it out or forge it).
    pub async fn post_form(
        &self,
        app: &TestApp,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(app.url(path))
            .header(reqwest::header::COOKIE, self.cookies())
            .header("Origin", &app.address)
            .header("Sec-Fetch-Site", "same-origin")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// POSTs `form` with this page's CSRF token, as the page's own form would.
    pub async fn submit(
        &self,
        app: &TestApp,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut fields = vec![("csrf_token", self.token.as_str())];
        fields.extend_from_slice(form);
        self.post_form(app, path, &fields).await
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        self.client
            .get(app.url(path))
            .header(reqwest::header::COOKIE, self.cookies())
            .send()
            .await
            .unwrap()
    }
}

/// The CSRF token a page's forms carry.
fn token_in(html: &str) -> &str {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    &html[start..start + html[start..].find('"').unwrap()]
}
