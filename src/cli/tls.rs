//! `tls spki` and `tls ca`: what a browser or trust store needs from the local CA behind
//! `--tls-bind`. Both make the CA first if it does not exist yet, so a test can read the pin
//! before the server's first start.

use std::process::ExitCode;

use super::{TlsCommand, TlsDirArgs, print};
use crate::tls::LocalCa;

pub fn run(command: TlsCommand) -> anyhow::Result<ExitCode> {
    match command {
        TlsCommand::Spki(args) => print(&open(args)?.server_spki_pin())?,
        TlsCommand::Ca(args) => print(open(args)?.ca_certificate_pem().trim_end())?,
    }
    Ok(ExitCode::SUCCESS)
}

fn open(args: TlsDirArgs) -> anyhow::Result<LocalCa> {
    let dir = match args.tls_dir {
        Some(dir) => dir,
        None => crate::tls::default_dir(&args.database_url)?,
    };
    LocalCa::open_or_create(&dir)
}
