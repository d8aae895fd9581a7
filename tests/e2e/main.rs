//! End-to-end tests against real outside tools: Chromium through chromedriver (`browser`), the
//! JOSE libraries of Python and Node (`interop`), and the signing snippets in PHP, Node, Python
//! and shell (`snippets`). Not part of plain `cargo test` (`test = false` in Cargo.toml):
//! `scripts/test.sh`, the README's test command, installs what they need and always runs them,
//! and there a missing tool fails the test instead of skipping it.

#[path = "../helpers/mod.rs"]
mod helpers;

mod accessibility;
mod browser;
mod chromium;
mod ci_example;
mod core_api;
mod interactions;
mod interop;
mod metrics;
mod openapi;
mod playground;
mod probe;
mod replays;
mod snippets;
mod widget;
mod widget_configs;
