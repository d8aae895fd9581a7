//! What this binary is: its version, and the commit it was built from when `build.rs` knew it.

/// The crate's version, as `Cargo.toml` gives it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit (12 hex digits) this binary was built from, when built from a checkout or
/// given one by the packaging script; `None` for a build from a packaged source.
pub const REVISION: Option<&str> = option_env!("TALKATIVE_EMULATOR_REVISION");

/// `0.1.0 (3f2a9c41d0b7)`, or `0.1.0` without a revision: what `--version` prints.
pub fn long_version() -> &'static str {
    match REVISION {
        Some(revision) => {
            // clap wants a `&'static str`; this is built once per process.
            static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            TEXT.get_or_init(|| format!("{VERSION} ({revision})"))
        }
        None => VERSION,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_version_starts_with_the_crate_version_and_names_the_revision_when_known() {
        let long = long_version();
        assert!(long.starts_with(VERSION), "{long}");
        match REVISION {
            Some(revision) => {
                assert_eq!(long, format!("{VERSION} ({revision})"));
                assert!(
                    revision.chars().all(|c| c.is_ascii_hexdigit()),
                    "{revision}"
                );
            }
            None => assert_eq!(long, VERSION),
        }
    }
}
