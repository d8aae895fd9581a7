//! What the integration tests share, by job. Compiled into both test targets (`tests/api`, the
//! hermetic suite, and `tests/e2e`, the one that drives Chromium, PHP, Node and Python), each of
//! which uses only part of it: hence the allows, or each target would warn about the rest.
#![allow(dead_code, unused_imports)]

mod app;
mod contract;
mod openssl;
mod portal;
mod receiver;
mod routes;
mod signing;
mod verdicts;

pub use app::*;
pub use contract::*;
pub use openssl::*;
pub use portal::*;
pub use receiver::*;
pub use routes::*;
pub use signing::*;
pub use verdicts::*;
