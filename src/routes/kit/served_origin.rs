//! The origin a request reached this server as: the scheme and host its client used. What the
//! same-origin checks compare a page's `Origin` with, and what absolute links and copy-ready
//! snippets are written with.
//!
//! A reverse proxy says which host and scheme its client used in `Forwarded` or
//! `X-Forwarded-Host`/`X-Forwarded-Proto`, but any client can send those headers: believed from
//! everyone, `Origin: http://evil.example` with `X-Forwarded-Host: evil.example` passed the
//! same-origin check (the probe of December 2026). So they are read only from the peers named
//! by `--trusted-proxy`; otherwise the host is the request's own `Host` and the scheme is the
//! listener's.

use actix_web::HttpRequest;
use actix_web::http::header::HOST;
use actix_web::web::Data;

use crate::routes::kit::state::WebState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedOrigin {
    scheme: String,
    host: String,
}

impl ServedOrigin {
    pub fn of(request: &HttpRequest) -> Self {
        let trusted = request.app_data::<Data<WebState>>().is_some_and(|state| {
            let proxies = &state.core.settings.trusted_proxies;
            request
                .peer_addr()
                .is_some_and(|peer| proxies.contains(&peer.ip().to_canonical()))
        });
        if trusted {
            let info = request.connection_info();
            return Self {
                scheme: info.scheme().to_ascii_lowercase(),
                host: info.host().to_ascii_lowercase(),
            };
        }
        let host = request
            .headers()
            .get(HOST)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
            .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()))
            .unwrap_or_else(|| request.app_config().host().to_owned());
        let scheme = if request.app_config().secure() {
            "https"
        } else {
            "http"
        };
        Self {
            scheme: scheme.to_owned(),
            host: host.to_ascii_lowercase(),
        }
    }

    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// `scheme://host[:port]`, as a browser writes an `Origin` (default ports elided).
    pub fn url(&self) -> String {
        let host = match (self.scheme.as_str(), self.host.rsplit_once(':')) {
            ("http", Some((name, "80"))) | ("https", Some((name, "443"))) => name,
            _ => &self.host,
        };
        format!("{}://{host}", self.scheme)
    }
}
