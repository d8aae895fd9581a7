//! Sign interaction data for Talkative with Rust and `jsonwebtoken`
//! (jsonwebtoken = { version = "10", features = ["aws_lc_rs"] }, serde_json).
//!
//! jsonwebtoken reads PKCS#8 keys only; convert the key `openssl ecparam` wrote, once:
//!   openssl pkcs8 -topk8 -nocrypt -in ec_private.pem -out ec_private_pkcs8.pem
//!
//! Usage: cargo run --example sign -- ec_private_pkcs8.pem   (prints the compact JWS)

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let interaction_data = json!([
        { "label": "email", "data": "ann@example.com", "type": "string" },
        { "label": "name", "data": "Ann Example", "type": "string" },
    ]);
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ec_private_pkcs8.pem".into());
    let key = EncodingKey::from_ec_pem(&std::fs::read(path)?)?;
    // The array itself is the payload; jsonwebtoken signs ES256 as raw R||S.
    let token = encode(&Header::new(Algorithm::ES256), &interaction_data, &key)?;
    println!("{token}");
    Ok(())
}
