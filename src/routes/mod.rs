//! HTTP: the JSON API ([`api`]), the portal pages ([`portal`]), and what every response passes
//! through. Every route is one row of [`table`], mounted in its [`family`]'s guard; the trust
//! boundary, security headers, the panic catcher and the one error mapping sit below them.

pub mod api;
pub mod catch_panic;
pub mod cookies;
pub mod core_api;
pub mod csrf;
pub mod ecs;
pub mod error;
pub mod family;
pub mod flash;
pub mod guard;
pub mod health;
pub mod html;
pub mod media_type;
pub mod metrics;
pub mod mount;
pub mod portal;
pub mod require_admin;
pub mod same_origin;
pub mod security_headers;
pub mod served_origin;
pub mod state;
pub mod static_files;
pub mod table;
pub mod trust_boundary;
