//! Keys and signatures made by the openssl CLI, as Talkative's article makes them, and running
//! the external commands tests compare against.

use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

use super::*;

/// Runs a command that must exist and succeed; the panic says how to install what is missing.
pub fn run(program: &str, args: &[&str], dir: &Path, install_hint: &str) -> Vec<u8> {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}. {install_hint}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}\n{install_hint}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

pub const OPENSSL_HINT: &str = "Install openssl (Debian package `openssl`).";

/// A key pair made with the two commands from Talkative's article, verbatim.
pub fn article_key_pair() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    run(
        "openssl",
        &[
            "ecparam",
            "-genkey",
            "-name",
            "prime256v1",
            "-noout",
            "-out",
            "ec_private.pem",
        ],
        dir.path(),
        OPENSSL_HINT,
    );
    run(
        "openssl",
        &[
            "ec",
            "-in",
            "ec_private.pem",
            "-pubout",
            "-out",
            "ec_public.pem",
        ],
        dir.path(),
        OPENSSL_HINT,
    );
    dir
}

pub fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// `openssl dgst -sha256 -sign` over `input` with the pair in `dir`: a DER signature.
pub fn openssl_sign(dir: &Path, input: &str) -> Vec<u8> {
    std::fs::write(dir.join("input.txt"), input).unwrap();
    run(
        "openssl",
        &["dgst", "-sha256", "-sign", "ec_private.pem", "input.txt"],
        dir,
        OPENSSL_HINT,
    )
}

/// A compact JWS over `payload`, signed by the openssl CLI, DER converted to R||S.
pub fn openssl_token(dir: &Path, payload: &str) -> String {
    let input = format!("{}.{}", b64(br#"{"alg":"ES256"}"#), b64(payload.as_bytes()));
    let der = openssl_sign(dir, &input);
    format!("{input}.{}", b64(&der_to_raw(&der)))
}

/// DER `SEQUENCE { INTEGER r, INTEGER s }` to 64-byte R||S, written here independently of the
/// engine so the interop tests do not trust the code they test.
pub fn der_to_raw(der: &[u8]) -> Vec<u8> {
    assert_eq!(der[0], 0x30, "not a DER SEQUENCE");
    let mut rest = &der[2..];
    let mut out = Vec::with_capacity(64);
    for _ in 0..2 {
        assert_eq!(rest[0], 0x02, "not a DER INTEGER");
        let len = rest[1] as usize;
        let mut int = &rest[2..2 + len];
        while int.len() > 32 && int[0] == 0 {
            int = &int[1..];
        }
        out.extend(std::iter::repeat_n(0u8, 32 - int.len()));
        out.extend_from_slice(int);
        rest = &rest[2 + len..];
    }
    out
}
