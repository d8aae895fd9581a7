//! The service's own routes: `/health`, `/metrics`, and the static files (the widget's loader
//! among them).

pub mod health;
pub mod metrics;
pub mod static_files;
