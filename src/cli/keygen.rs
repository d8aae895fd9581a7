//! `keygen`: the same two files as the article's openssl commands (SEC1 private key without
//! parameters, as `-noout` writes it, and its SPKI public key).

use std::process::ExitCode;

use super::KeygenArgs;
use crate::domain::pem::encode_block;
use crate::jws::sign::{generate_key_pair, private_key_sec1_der};
use anyhow::{Context, bail};

pub fn run(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    create_missing_dir(&args.out_dir)?;
    let private_path = args.out_dir.join("ec_private.pem");
    let public_path = args.out_dir.join("ec_public.pem");
    for path in [&private_path, &public_path] {
        if path.exists() && !args.force {
            bail!("{} exists; pass --force to overwrite it", path.display());
        }
    }
    let (pair, public) = generate_key_pair()?;
    write_private(
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

/// `--out-dir` is made when missing (with its parents), readable by its owner only: it is the
/// private key's folder. An existing folder is left as it is.
fn create_missing_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
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
