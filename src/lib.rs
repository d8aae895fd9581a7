//! talkative-emulator: a local emulator of Talkative's *Signed Interaction Data* and a verifier
//! that explains exactly why a payload passes or fails.

pub mod access;
pub mod admin;
pub mod cli;
pub mod configuration;
pub mod domain;
pub mod error;
pub mod jws;
pub mod policy_cache;
pub mod problem;
pub mod rate_limit;
pub mod recorder;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod storage;
pub mod strict_json;
pub mod telemetry;
pub mod verification;
