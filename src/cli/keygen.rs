//! `keygen`: the same two files as the article's openssl commands (SEC1 private key without
//! parameters, as `-noout` writes it, and its SPKI public key).

use std::process::ExitCode;

use anyhow::{Context, bail};
use aws_lc_rs::encoding::{AsDer, EcPrivateKeyRfc5915Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

use super::KeygenArgs;
use crate::domain::SigningKey;
use crate::domain::pem::encode_block;

pub fn run(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    let private_path = args.out_dir.join("ec_private.pem");
    let public_path = args.out_dir.join("ec_public.pem");
    for path in [&private_path, &public_path] {
        if path.exists() && !args.force {
            bail!("{} exists; pass --force to overwrite it", path.display());
        }
    }
    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map_err(|_| anyhow::anyhow!("generating a P-256 key failed"))?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
        .map_err(|e| anyhow::anyhow!("reading the generated key failed: {e}"))?;
    let sec1: EcPrivateKeyRfc5915Der = pair
        .private_key()
        .as_der()
        .map_err(|_| anyhow::anyhow!("encoding the private key failed"))?;
    let public = SigningKey::from_sec1_bytes(pair.public_key().as_ref())
        .map_err(|p| anyhow::anyhow!("{p}"))?;

    write_private(
        &private_path,
        &encode_block("EC PRIVATE KEY", sec1.as_ref()),
    )?;
    std::fs::write(&public_path, public.to_pem())
        .with_context(|| format!("writing {}", public_path.display()))?;
    super::print(&format!(
        "wrote {} (keep it on your backend)",
        private_path.display()
    ))?;
    super::print(&format!(
        "wrote {} (paste it on the Signing Keys page)",
        public_path.display()
    ))?;
    super::print(&format!("fingerprint {}", public.fingerprint()))?;
    Ok(ExitCode::SUCCESS)
}

/// Owner-only permissions, as openssl creates it.
fn write_private(path: &std::path::Path, pem: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(pem.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}
