//! `sign`: a JSON array of interaction data in, a compact ES256 JWS out (R||S signature).

use std::process::ExitCode;

use anyhow::{Context, bail};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};

use super::{REJECTED, SignArgs, read_file, read_stdin};
use crate::domain::pem::parse_blocks;
use crate::jws::payload;
use crate::jws::sign::sign_compact;

pub fn run(args: SignArgs) -> anyhow::Result<ExitCode> {
    let pair = load_private_key(&args.key)?;
    let json = match args.input.as_deref() {
        Some(path) if path.as_os_str() != "-" => read_file(path)?,
        _ => read_stdin()?,
    };
    let json = json.trim();
    // Refuse to sign what Talkative would refuse to read.
    if let Err(problem) = payload::parse(json.as_bytes()) {
        eprintln!(
            "{}: {}\nhint: {}",
            problem.code, problem.message, problem.hint
        );
        return Ok(ExitCode::from(REJECTED));
    }
    let mut header = serde_json::json!({ "alg": "ES256" });
    if let Some(kid) = args.kid {
        header["kid"] = serde_json::Value::String(kid);
    }
    super::print(&sign_compact(&pair, &header, json)?)?;
    Ok(ExitCode::SUCCESS)
}

fn load_private_key(path: &std::path::Path) -> anyhow::Result<EcdsaKeyPair> {
    let text = read_file(path)?;
    let blocks = parse_blocks(&text)
        .map_err(|e| anyhow::anyhow!("{}: not a PEM file ({e:?})", path.display()))?;
    let Some(block) = blocks
        .iter()
        .find(|b| b.label == "EC PRIVATE KEY" || b.label == "PRIVATE KEY")
    else {
        bail!(
            "{} holds no EC PRIVATE KEY or PRIVATE KEY block (sign needs the private key, e.g. ec_private.pem)",
            path.display()
        );
    };
    EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, &block.der)
        .map_err(|e| anyhow::anyhow!("{} is not a P-256 private key: {e}", path.display()))
        .context("loading the signing key")
}
