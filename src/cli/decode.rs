//! `decode`: prints a token's header and payload without verifying anything.

use std::process::ExitCode;

use serde_json::Value;

use super::{DecodeArgs, REJECTED, token_argument};
use crate::encoding::base64url;
use crate::encoding::strict_json;

pub fn run(args: DecodeArgs) -> anyhow::Result<ExitCode> {
    let token = token_argument(args.token.as_deref())?;
    let segments: Vec<&str> = token.split('.').collect();
    if segments.len() != 3 {
        eprintln!(
            "invalid_segments: the token has {} dot-separated part(s); a compact JWS has exactly 3.",
            segments.len()
        );
        return Ok(ExitCode::from(REJECTED));
    }
    let mut out = serde_json::Map::new();
    for (name, segment) in [("header", segments[0]), ("payload", segments[1])] {
        let decoded = match base64url::decode(segment) {
            Ok(bytes) => bytes,
            Err(error) => {
                eprintln!("invalid_base64url: the {name} part {}.", error.describe());
                return Ok(ExitCode::from(REJECTED));
            }
        };
        let text = String::from_utf8_lossy(&decoded).into_owned();
        let value = strict_json::parse(text.as_bytes()).unwrap_or(Value::String(text));
        out.insert(name.to_owned(), value);
    }
    super::print(&serde_json::to_string_pretty(&out)?)?;
    eprintln!("(not verified: use `verify` to check the signature)");
    Ok(ExitCode::SUCCESS)
}
