//! `verify`: checks a token offline against a public key with the server's engine and codes.
//! Exit status 0 when valid, 1 when refused (the code, message and hint go to stderr).

use std::process::ExitCode;

use super::{REJECTED, VerifyArgs, read_file, token_argument};
use crate::domain::SigningKey;
use crate::jws::{self, KeyEntry, KeyRing};

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let pem = read_file(&args.key)?;
    let key = match SigningKey::parse_pem(&pem) {
        Ok(key) => key,
        Err(problem) => {
            eprintln!(
                "{}: {}\nhint: {}",
                problem.code, problem.message, problem.hint
            );
            return Ok(ExitCode::from(REJECTED));
        }
    };
    let token = token_argument(args.token.as_deref())?;
    let ring = KeyRing::new(vec![KeyEntry::new(uuid::Uuid::nil(), "", &key, true)]);
    match jws::verify(&token, &ring) {
        Ok(verified) => {
            let report = Report {
                status: "valid",
                fingerprint: key.fingerprint(),
                header: &verified.header,
                interaction_data: &verified.items,
                warnings: &verified.warnings,
            };
            super::print(&serde_json::to_string_pretty(&report)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => {
            let problem = &failure.problem;
            eprintln!(
                "{}: {}\nhint: {}",
                problem.code, problem.message, problem.hint
            );
            Ok(ExitCode::from(REJECTED))
        }
    }
}

/// What `verify` prints for a valid token. A struct, not `json!`: the header is outside JSON.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    status: &'static str,
    fingerprint: &'a str,
    header: &'a serde_json::Map<String, serde_json::Value>,
    interaction_data: &'a [crate::domain::InteractionItem],
    warnings: &'a [crate::domain::problem::Warning],
}
