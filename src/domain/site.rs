//! Who a record counts against when the interaction log's budget is shared out: a [`Site`].
//! When the budget is full the emulator deletes the oldest entries of whichever site holds the
//! most of it (`storage/retention.rs`), so a page flooding the emulator evicts its own entries
//! before anyone else's (SECURITY.md, *What a flood can do*).
//!
//! A site is what a browser cannot forge: requests without an `Origin` (scripts, test runners,
//! backends, the CLI: browsers send one with every POST) are one site, the emulator's own pages
//! another, and a page elsewhere counts by its `Origin`'s domain, cut to its last two labels so
//! that one party's subdomains (`a.evil.example`, `b.evil.example`, each an origin of its own)
//! share one site. `localhost` and its subdomains are one site, an IP address its own.

use std::fmt;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Site(String);

/// How long a stored site may be: a host name is at most 253 characters.
const MAX_CHARS: usize = 253;

impl Site {
    /// Requests that carry no `Origin`: not sent by a web page.
    pub fn direct() -> Self {
        Self(String::new())
    }

    /// The emulator's own pages: the playground, the demo page.
    pub fn portal() -> Self {
        Self("(portal)".to_owned())
    }

    /// The site of a page whose `Origin` header is `origin` (another than this server's).
    pub fn of_origin(origin: &str) -> Self {
        let origin = origin.trim().to_ascii_lowercase();
        if origin == "null" {
            // Sandboxed frames, files, data: URLs: one site for all of them.
            return Self("null".to_owned());
        }
        let Some((_, rest)) = origin.split_once("://") else {
            return Self::other();
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = match authority.strip_prefix('[') {
            Some(bracketed) => bracketed.split_once(']').map(|(inside, _)| inside),
            None => Some(authority.rsplit_once(':').map_or(authority, |(h, _)| h)),
        };
        let Some(host) = host.map(|h| h.strip_suffix('.').unwrap_or(h)) else {
            return Self::other();
        };
        if host.is_empty() || host.len() > MAX_CHARS {
            return Self::other();
        }
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Self(ip.to_canonical().to_string());
        }
        if host == "localhost" || host.ends_with(".localhost") {
            return Self("localhost".to_owned());
        }
        let valid = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
        if !host.bytes().all(valid) {
            return Self::other();
        }
        let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
        let kept = labels.len().saturating_sub(2);
        Self(labels[kept..].join("."))
    }

    /// An `Origin` that is no origin at all.
    fn other() -> Self {
        Self("(other)".to_owned())
    }

    /// As stored in the `site` columns.
    pub fn from_stored(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Site {
    /// In words, for logs and messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_str() {
            "" => f.write_str("requests without an Origin (scripts, backends)"),
            "(portal)" => f.write_str("the portal's own pages"),
            "null" => f.write_str("pages with a null Origin"),
            "(other)" => f.write_str("requests with an unreadable Origin"),
            site => write!(f, "pages on {site}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Site;

    #[test]
    fn a_page_counts_by_its_domain_and_subdomains_share_one_site() {
        for (origin, site) in [
            ("http://evil.example", "evil.example"),
            ("https://a.evil.example:8443", "evil.example"),
            ("https://B.Evil.Example.", "evil.example"),
            ("http://localhost:3000", "localhost"),
            ("http://app.localhost:5173", "localhost"),
            ("http://127.0.0.1:3000", "127.0.0.1"),
            ("http://[::1]:3000", "::1"),
            ("http://[::ffff:127.0.0.1]:3000", "127.0.0.1"),
            ("http://intranet", "intranet"),
            ("null", "null"),
            ("not an origin", "(other)"),
            ("http://", "(other)"),
            ("http://evil example", "(other)"),
            ("http://[::1", "(other)"),
        ] {
            assert_eq!(Site::of_origin(origin).as_str(), site, "{origin}");
        }
        let long = format!("http://{}.example", "a".repeat(300));
        assert_eq!(Site::of_origin(&long).as_str(), "(other)");
        assert_ne!(Site::direct(), Site::portal());
        assert_eq!(
            Site::direct().to_string(),
            "requests without an Origin (scripts, backends)"
        );
        assert_eq!(
            Site::of_origin("http://evil.example").to_string(),
            "pages on evil.example"
        );
    }
}
