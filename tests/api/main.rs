//! One integration-test binary: every test spawns the real app on a random port with a fresh
//! SQLite database.

mod access;
mod bounded;
mod browser;
mod cli;
mod config;
mod corpus;
mod durability;
mod full_disk;
mod health;
mod helpers;
mod hostile;
mod interactions;
mod interop;
mod limits;
mod log_roundtrip;
mod policy_cache;
mod portal;
mod properties;
mod signing_keys;
mod snippets;
mod trust_boundary;
mod unsigned_fields;
mod verify;
mod wycheproof;
