//! How one row of the route table (`table.rs`) becomes a service: a resource for its path and
//! method, wrapped in its family's guard (`guard.rs`) and answer settings. Nothing else in the
//! server registers a route, so a route is protected by being in the table, and by nothing
//! that could be forgotten.

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use actix_web::http::header::ACCESS_CONTROL_ALLOW_ORIGIN;
use actix_web::middleware::{Compress, Condition, DefaultHeaders, from_fn};
use actix_web::{Resource, Route, guard, web};
use utoipa::openapi::RefOr;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::Schema;

use crate::routes::kit::family::Family;
use crate::routes::kit::refusal::Refusal;
use crate::routes::kit::{guard as family_guard, page as html};

/// The methods a route answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// GET, and HEAD, which actix answers with the GET's headers and no body (monitors and link
    /// checkers send it).
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Options,
    /// Any method: the fallbacks that answer "no such route" in their family's way.
    Any,
}

impl Verb {
    /// Whether a request with `method` reaches a route of this verb.
    pub fn admits(self, method: &Method) -> bool {
        match self {
            Verb::Get => *method == Method::GET || *method == Method::HEAD,
            Verb::Post => *method == Method::POST,
            Verb::Put => *method == Method::PUT,
            Verb::Patch => *method == Method::PATCH,
            Verb::Delete => *method == Method::DELETE,
            Verb::Options => *method == Method::OPTIONS,
            Verb::Any => true,
        }
    }

    /// The method a client sends for it (GET for [`Verb::Get`]), `None` for [`Verb::Any`].
    pub fn method(self) -> Option<Method> {
        match self {
            Verb::Get => Some(Method::GET),
            Verb::Post => Some(Method::POST),
            Verb::Put => Some(Method::PUT),
            Verb::Patch => Some(Method::PATCH),
            Verb::Delete => Some(Method::DELETE),
            Verb::Options => Some(Method::OPTIONS),
            Verb::Any => None,
        }
    }

    /// A method guard on the resource itself, so that a request with another method goes on to
    /// the next row with this path (as `App::route` does).
    fn guarded(self, resource: Resource) -> Resource {
        match self {
            Verb::Get => resource.guard(guard::Any(guard::Get()).or(guard::Head())),
            Verb::Post => resource.guard(guard::Post()),
            Verb::Put => resource.guard(guard::Put()),
            Verb::Patch => resource.guard(guard::Patch()),
            Verb::Delete => resource.guard(guard::Delete()),
            Verb::Options => resource.guard(guard::Options()),
            Verb::Any => resource,
        }
    }
}

/// What the API reference says of a route: its operation (with tags), and the schemas it
/// refers to, added to the document's components. Made by `api::openapi::operation` from the
/// handler's `#[utoipa::path]`.
pub type Documentation = fn(&mut Vec<(String, RefOr<Schema>)>) -> DocumentedOperation;

/// A documented operation, with the path and methods its attribute names (a test holds these to
/// the table's row).
pub struct DocumentedOperation {
    pub path: String,
    pub methods: Vec<utoipa::openapi::path::HttpMethod>,
    pub operation: Operation,
}

/// One row of the route table.
pub struct Endpoint {
    pub verb: Verb,
    /// The path as actix matches it (`{id}` parameters, `{tail:.*}` for a fallback).
    pub path: &'static str,
    pub family: Family,
    /// Adds the handler to the route: `|route| route.to(handler)`.
    pub handler: fn(Route) -> Route,
    /// The API reference's operation, for the routes the document describes.
    pub doc: Option<Documentation>,
}

impl Endpoint {
    /// Whether this row answers `method` on `path` (a concrete path, as a client sends it).
    pub fn matches(&self, method: &Method, path: &str) -> bool {
        self.verb.admits(method) && ResourceDef::new(self.path).is_match(path)
    }
}

/// Registers `endpoint` on `config`, inside its family's guard.
pub fn mount(config: &mut web::ServiceConfig, endpoint: &Endpoint) {
    let family = endpoint.family;
    let resource = endpoint
        .verb
        .guarded(web::resource(endpoint.path))
        .route((endpoint.handler)(web::route()));
    if family.open_to_any_origin() {
        // The hot path (verify): no guard, no compression (small answers, load-test clients).
        config
            .service(resource.wrap(DefaultHeaders::new().add((ACCESS_CONTROL_ALLOW_ORIGIN, "*"))));
        return;
    }
    let resource = resource
        // Query strings the handler cannot read get the API's error (the portal's handlers
        // read theirs leniently and never fail here).
        .app_data(web::QueryConfig::default().error_handler(|err, _| {
            Refusal::invalid_request(
                format!("The query string is invalid: {err}."),
                "Check the parameter names and values against docs/api.md.",
            )
            .into()
        }))
        .app_data(html::form_config())
        // Pages and management answers, gzipped for clients that ask. Event streams opt out
        // (Content-Encoding: identity).
        .wrap(Condition::new(family.compresses(), Compress::default()))
        .wrap(from_fn(move |request, next| {
            family_guard::check(family, request, next)
        }));
    config.service(resource);
}
