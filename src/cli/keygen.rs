//! `keygen`: the same two files as the article's openssl commands (SEC1 private key without
//! parameters, as `-noout` writes it, and its SPKI public key).

use std::process::ExitCode;

use super::KeygenArgs;
use crate::domain::pem::encode_block;
use crate::jws::sign::{generate_key_pair, private_key_sec1_der};
use crate::private_files;
use anyhow::{Context, bail};

pub fn run(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    // The private key's folder: made when missing, readable by its owner only.
    private_files::create_dir(&args.out_dir)?;
    let private_path = args.out_dir.join("ec_private.pem");
    let public_path = args.out_dir.join("ec_public.pem");
    for path in [&private_path, &public_path] {
        if path.exists() && !args.force {
            bail!("{} exists; pass --force to overwrite it", path.display());
        }
    }
    let (pair, public) = generate_key_pair()?;
    private_files::write(
        &private_path,
        &encode_block("EC PRIVATE KEY", &private_key_sec1_der(&pair)?),
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
