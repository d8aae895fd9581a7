//! The server's route table as the tests walk it: every row with a concrete path a client could
//! send, and its method. Tests that must hold for every route (the trust boundary, HEAD, the
//! API reference) iterate this instead of a list of their own, so a route added to the table
//! is tested without editing them.

use reqwest::Method;
use talkative_emulator::routes::kit::family::Family;
use talkative_emulator::routes::kit::mount::{Endpoint, Verb};
use talkative_emulator::routes::table::ROUTES;

/// One row of the table, ready to send.
pub struct RouteProbe {
    pub endpoint: &'static Endpoint,
    pub method: Method,
    /// The row's path with each parameter filled in.
    pub path: String,
}

impl RouteProbe {
    pub fn family(&self) -> Family {
        self.endpoint.family
    }

    pub fn is_write(&self) -> bool {
        !matches!(self.method, Method::GET | Method::HEAD | Method::OPTIONS)
    }

    /// `GET /path` as the failure messages name it.
    pub fn name(&self) -> String {
        format!("{} {} ({:?})", self.method, self.path, self.family())
    }
}

/// Every row of the table. A fallback (any method) is probed with GET and with POST.
pub fn every_route() -> Vec<RouteProbe> {
    let mut probes = Vec::new();
    for endpoint in ROUTES {
        let path = concrete(endpoint.path);
        let methods = match endpoint.verb {
            Verb::Any => vec![Method::GET, Method::POST],
            verb => vec![Method::from_bytes(verb.method().unwrap().as_str().as_bytes()).unwrap()],
        };
        for method in methods {
            probes.push(RouteProbe {
                endpoint,
                method,
                path: path.clone(),
            });
        }
    }
    probes
}

/// A path the row matches: `{id}` a (missing) UUID, `{file}` the portal's stylesheet, other
/// parameters a plain word, a `{tail:.*}` fallback a path no other row takes.
pub fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| {
            // A parameter may be all of a segment or its start (`{uuid}.js`).
            let Some((parameter, rest)) = segment.strip_prefix('{').and_then(|s| s.split_once('}'))
            else {
                return segment.to_owned();
            };
            let value = match parameter {
                "id" | "uuid" | "queue" => "00000000-0000-0000-0000-000000000000",
                "file" => "portal.css",
                "tail:.*" => "no-such-route",
                _ => "probe",
            };
            format!("{value}{rest}")
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The portal's pages: what a person opens (GET rows of the page families without parameters).
pub fn portal_pages() -> Vec<String> {
    every_route()
        .into_iter()
        .filter(|probe| {
            probe.method == Method::GET
                && probe.family() == Family::Portal
                && !probe.endpoint.path.contains('{')
        })
        .map(|probe| probe.path)
        .collect()
}
