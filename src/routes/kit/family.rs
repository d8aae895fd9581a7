//! Route families: what protects a route is decided by the family it is mounted in (the table in
//! `table.rs`), never by comparing its path. Each family is a set of checks (`guard.rs` runs
//! them) and a way of answering refusals; the API reference's refusals and the tests' route
//! inventory read the same properties.

use crate::routes::kit::refusal::Rendering;

/// Who may reach a route, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// What a customer's page calls from any origin, through any name that points at the
    /// emulator: the verify endpoint (and, next, the widget loader). No Host check, no
    /// credentials, answers readable by any origin (CORS `*`). Changes nothing but the log.
    Open,
    /// What anyone on this machine may fetch: static files (the widget shim among them, loaded
    /// by customers' pages), the favicon, `/health`. Host allowlist only.
    Public,
    /// The login form: Host allowlist, a same-origin proof on everything but a top-level
    /// navigation, a CSRF token on the form. No session (it is how one is made).
    SignIn,
    /// The portal's pages and forms: Host allowlist; the session when an admin password is set;
    /// a same-origin proof on everything but a top-level navigation (a link from another site
    /// may open a page, nothing else from there may reach it); a CSRF token on every form.
    Portal,
    /// What the portal's own scripts fetch: the live log's event stream, list fragments, the
    /// playground's preview. As [`Family::Portal`], but never a navigation: the same-origin
    /// proof is always required.
    PortalLive,
    /// The management API and `/metrics`, for scripts and the portal's own origin: Host
    /// allowlist; the admin password as `Authorization: Bearer` when one is set (never the
    /// portal's cookie); a same-origin proof; writes in `application/json` only.
    Management,
    /// Talkative's Core API (`/api/core/v1`), for customers' backends: Host allowlist; a Core
    /// API key's token as `Authorization: Bearer`, always (never the admin password, never a
    /// cookie), rate-limited per key; a same-origin proof; JSON writes; JSON:API answers.
    CoreApi,
}

impl Family {
    pub const ALL: [Family; 7] = [
        Family::Open,
        Family::Public,
        Family::SignIn,
        Family::Portal,
        Family::PortalLive,
        Family::Management,
        Family::CoreApi,
    ];

    /// Whether the `Host` must be a loopback name, an IP literal or an `--allowed-host`.
    pub fn checks_host(self) -> bool {
        !matches!(self, Family::Open)
    }

    /// What proves the caller may use it when an admin password is set.
    pub fn credential(self) -> Credential {
        match self {
            Family::Open | Family::Public | Family::SignIn => Credential::None,
            Family::Portal | Family::PortalLive => Credential::Session,
            Family::Management => Credential::Password,
            Family::CoreApi => Credential::ApiKey,
        }
    }

    /// When a request must prove it was not sent by a page on another origin.
    pub fn same_origin(self) -> SameOrigin {
        match self {
            Family::Open | Family::Public => SameOrigin::Never,
            Family::SignIn | Family::Portal => SameOrigin::UnlessNavigation,
            Family::PortalLive | Family::Management | Family::CoreApi => SameOrigin::Always,
        }
    }

    /// Whether writes (POST, PATCH, PUT, DELETE with a body) must be `application/json`.
    pub fn writes_json(self) -> bool {
        matches!(self, Family::Management | Family::CoreApi)
    }

    /// Whether writes must carry the form's CSRF token (`csrf_token`).
    pub fn writes_need_csrf_token(self) -> bool {
        matches!(self, Family::SignIn | Family::Portal | Family::PortalLive)
    }

    /// Whether a browser asking for HTML gets refusals as a page (else always JSON).
    pub fn answers_with_pages(self) -> bool {
        !matches!(self, Family::Open | Family::Management | Family::CoreApi)
    }

    /// How its refusals are said: JSON:API for the Core API, a page for the families a browser
    /// opens, the API's JSON for the rest. Chosen here, once: `guard.rs` renders every refusal
    /// of its routes (its own and its handlers') this way.
    pub fn rendering(self) -> Rendering {
        match self {
            Family::CoreApi => Rendering::JsonApi,
            _ if self.answers_with_pages() => Rendering::Page,
            _ => Rendering::Json,
        }
    }

    /// The API reference's schema for its refusals: the API's `Error`, or JSON:API's error
    /// document for the Core API.
    pub fn error_schema(self) -> &'static str {
        match self {
            Family::CoreApi => "JsonApiErrors",
            _ => "Error",
        }
    }

    /// Whether its answers are gzipped for clients that ask: not the verify endpoint (small
    /// answers, load-test clients), nor static files (compressed once, each encoding with its
    /// own ETag, by `static_files.rs`), nor health checks.
    pub fn compresses(self) -> bool {
        !matches!(self, Family::Open | Family::Public)
    }

    /// Whether any origin may read its answers (`Access-Control-Allow-Origin: *`).
    pub fn open_to_any_origin(self) -> bool {
        matches!(self, Family::Open)
    }
}

/// The credential a family takes when an admin password is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    None,
    /// The portal's session cookie, from `/login`.
    Session,
    /// The admin password as `Authorization: Bearer`: scripts and scrapers, never the cookie
    /// (SameSite does not separate ports, so a page on another port would send it).
    Password,
    /// A Core API key's token as `Authorization: Bearer`, whether or not an admin password is
    /// set: Talkative's Core API always wants one.
    ApiKey,
}

/// When a family wants a same-origin proof (`same_origin.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameOrigin {
    Never,
    /// Every request but a GET or HEAD that is a top-level navigation (`Sec-Fetch-Mode:
    /// navigate` with `Sec-Fetch-Dest: document`): what following a link sends.
    UnlessNavigation,
    Always,
}
