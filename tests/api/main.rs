//! The hermetic integration tests: every test spawns the real app on a random port with a fresh
//! SQLite database, and needs nothing beyond the Rust toolchain and openssl (`cargo test`). The
//! tests that drive Chromium, PHP, Node and Python are in `tests/e2e`.

#[path = "../helpers/mod.rs"]
mod helpers;

mod access;
mod bounded;
mod budget;
mod cli;
mod config;
mod contract;
mod core_api;
mod corpus;
mod durability;
mod engagements;
mod fulfilment;
mod full_disk;
mod health;
mod hostile;
mod interactions;
mod interactions_page;
mod launch;
mod limits;
mod log_roundtrip;
mod metrics;
mod playground;
mod policy_cache;
mod portal;
mod properties;
mod signing_keys;
mod stream;
mod trust_boundary;
mod unsigned_fields;
mod verify;
mod wait;
mod webhooks;
mod widget_configs;
mod wycheproof;
