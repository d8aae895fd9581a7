//! `hash-password`: turns a password read on stdin into the argon2id PHC string that
//! `TALKATIVE_ADMIN_PASSWORD_HASH` takes, so the clear password need not sit in the environment.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;

use crate::auth::AdminCredential;

pub fn run() -> anyhow::Result<ExitCode> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    // Only the line ending goes: spaces inside or around a password are part of it.
    let password = line.trim_end_matches(['\r', '\n']);
    let credential = AdminCredential::from_password(password)?;
    super::print(credential.phc())?;
    Ok(ExitCode::SUCCESS)
}
