pub mod api;
pub mod catch_panic;
pub mod guard;
pub mod health;
pub mod portal;
pub mod security_headers;
pub mod static_files;
pub mod trust_boundary;
