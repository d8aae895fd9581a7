//! HTTP: the JSON API ([`api`]), the portal pages ([`portal`]), and what every response passes
//! through: the trust boundary, security headers, the panic catcher and the one error mapping.

pub mod api;
pub mod catch_panic;
pub mod csrf;
pub mod error;
pub mod health;
pub mod metrics;
pub mod portal;
pub mod require_admin;
pub mod same_origin;
pub mod security_headers;
pub mod state;
pub mod static_files;
pub mod trust_boundary;

/// A route for reading: GET, and HEAD, which actix answers with the GET's headers and no body
/// (monitors and link checkers send it).
pub fn get_or_head() -> actix_web::Route {
    use actix_web::guard;
    actix_web::web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}
