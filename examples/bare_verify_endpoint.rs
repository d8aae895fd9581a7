//! The performance baseline `benches/load.sh` measures beside the emulator: the least an actix-web
//! endpoint can do to verify an ES256 compact JWS with aws-lc (typed JSON body, base64url, one
//! pre-parsed key, a tiny JSON answer). No header checks, policy, verdict, log or security
//! headers. Not part of the emulator.
//!
//!   cargo run --release --example bare_verify_endpoint -- 127.0.0.1:18091 ec_public.pem

use actix_web::{App, HttpResponse, HttpServer, web};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ParsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use talkative_emulator::domain::SigningKey;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    signed_interaction_data: String,
}

async fn verify(body: web::Json<Body>, key: web::Data<ParsedPublicKey>) -> HttpResponse {
    let valid = body
        .signed_interaction_data
        .rsplit_once('.')
        .and_then(|(input, signature)| {
            let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
            Some(key.verify_sig(input.as_bytes(), &signature).is_ok())
        })
        .unwrap_or(false);
    HttpResponse::Ok().json(serde_json::json!({ "valid": valid }))
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(bind), Some(pem_path)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: bare_verify_endpoint ADDRESS ec_public.pem");
    };
    let key = SigningKey::parse_pem(&std::fs::read_to_string(pem_path)?)?;
    let parsed = web::Data::new(ParsedPublicKey::new(
        &ECDSA_P256_SHA256_FIXED,
        key.uncompressed_point(),
    )?);
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(parsed.clone())
                .route("/api/v1/verify", web::post().to(verify))
        })
        .bind(bind)?
        .run()
        .await
    })?;
    Ok(())
}
