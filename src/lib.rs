//! talkative-emulator: a local emulator of Talkative's *Signed Interaction Data* and a verifier
//! that explains exactly why a payload passes or fails.
//!
//! [`build_info`] (the version and git revision) and [`private_files`] (owner-only files) stand
//! beside the layers; anyone may use them.
//!
//! Layers, from the bottom; each imports only those below it (`scripts/module-graph.py` checks):
//! - [`encoding`]: strict base64url and JSON.
//! - [`domain`]: pure types that parse their input (keys, names, labels, items) and the codes.
//! - [`jws`]: the verification engine, pure code with no I/O.
//! - [`verdict`]: Talkative's policy applied to the engine's result, and the verdict it yields.
//! - [`storage`]: SQLite through sqlx.
//! - [`auth`]: the admin password, sessions and the per-client rate limiter; no HTTP.
//! - [`configuration`]: typed settings and the config file.
//! - [`app`]: the operations both front ends share: management, verification, recording.
//! - [`routes`]: HTTP: the JSON API, the portal, the trust boundary, the one error mapping.
//! - [`tls`]: the local certificate authority behind `--tls-bind` (files and certificates; no
//!   HTTP).
//! - [`startup`]: wires it all into a server; [`cli`]: the command line and offline tools.

pub mod app;
pub mod auth;
pub mod build_info;
pub mod cli;
pub mod configuration;
pub mod domain;
pub mod encoding;
pub mod jws;
pub mod private_files;
pub mod routes;
pub mod startup;
pub mod storage;
pub mod tls;
pub mod verdict;
