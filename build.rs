//! Stamps the git revision into the binary when it is built from a checkout of this repository,
//! so `--version` and `/health` say which commit a bug report is about. A build from a packaged
//! source (crates.io, `cargo package`) has no revision: the packaging script passes the one it
//! built from in `TALKATIVE_EMULATOR_REVISION`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=TALKATIVE_EMULATOR_REVISION");
    let revision = match std::env::var("TALKATIVE_EMULATOR_REVISION") {
        Ok(given) => Some(given.trim().to_owned()).filter(|r| !r.is_empty()),
        Err(_) => revision_of_checkout(),
    };
    if let Some(revision) = revision {
        println!("cargo:rustc-env=TALKATIVE_EMULATOR_REVISION={revision}");
    }
    // `cargo package` verifies the package by building it under target/package/, and cargo can
    // take that run of this script (which found no checkout) for the checkout's own: a later
    // build of the checkout then had no revision (found by tests/api/launch.rs after a `cargo
    // package`). Cargo.toml.orig exists only in a packaged source, so watching it makes the
    // checkout's build, where it is missing, run this script again.
    if std::path::Path::new("Cargo.toml.orig").exists() {
        println!("cargo:rerun-if-changed=Cargo.toml.orig");
    }
}

/// The short commit hash, only when the manifest's folder is the top of a git work tree (a
/// packaged crate unpacked inside some other repository must not take that repository's commit).
fn revision_of_checkout() -> Option<String> {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let toplevel = git(&manifest_dir, &["rev-parse", "--show-toplevel"])?;
    if std::fs::canonicalize(&toplevel).ok()? != std::fs::canonicalize(&manifest_dir).ok()? {
        return None;
    }
    // Rebuild the stamp when the checked-out commit moves: HEAD, the branch it points at, and the
    // packed refs (a fresh clone keeps its branch there, not in a file of its own). Only files
    // that exist are named: cargo reruns a script on every build while a named file is missing.
    for name in ["HEAD", "packed-refs"] {
        watch(&manifest_dir, name);
    }
    if let Some(branch) = git(&manifest_dir, &["symbolic-ref", "-q", "HEAD"]) {
        watch(&manifest_dir, &branch);
    }
    git(&manifest_dir, &["rev-parse", "--short=12", "HEAD"])
}

fn watch(dir: &Path, name: &str) {
    if let Some(path) = git(dir, &["rev-parse", "--git-path", name]) {
        let path = dir.join(path);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}
