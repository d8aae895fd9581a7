//! What every front end shares: a helper two front ends need lives here, never in one of them.

pub mod body;
pub mod catch_panic;
pub mod cookies;
pub mod credentials;
pub mod csrf;
pub mod family;
pub mod flash;
pub mod guard;
pub mod json_api;
pub mod layout;
pub mod media_type;
pub mod mount;
pub mod page;
pub mod refusal;
pub mod same_origin;
pub mod security_headers;
pub mod sender;
pub mod served_origin;
pub mod state;
pub mod status;
pub mod trust_boundary;
pub mod views;
