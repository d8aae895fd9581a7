//! The other direction: making key pairs and compact ES256 tokens, for the CLI's `keygen` and
//! `sign` and the playground's sample. R||S signatures, as RFC 7518 and Talkative expect.

use aws_lc_rs::encoding::{AsDer, EcPrivateKeyRfc5915Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::Value;

use crate::domain::SigningKey;
use crate::encoding::base64url;

/// A fresh P-256 key pair and its public half as a [`SigningKey`].
pub fn generate_key_pair() -> anyhow::Result<(EcdsaKeyPair, SigningKey)> {
    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map_err(|_| anyhow::anyhow!("generating a P-256 key failed"))?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
        .map_err(|e| anyhow::anyhow!("reading the generated key failed: {e}"))?;
    let public = SigningKey::from_sec1_bytes(pair.public_key().as_ref())
        .map_err(|p| anyhow::anyhow!("{p}"))?;
    Ok((pair, public))
}

/// The private key as SEC1 DER (`EC PRIVATE KEY`), as `openssl ecparam -genkey -noout` writes it.
pub fn private_key_sec1_der(pair: &EcdsaKeyPair) -> anyhow::Result<Vec<u8>> {
    let der: EcPrivateKeyRfc5915Der = pair
        .private_key()
        .as_der()
        .map_err(|_| anyhow::anyhow!("encoding the private key failed"))?;
    Ok(der.as_ref().to_vec())
}

/// `header` and `payload` (JSON text, signed byte for byte) as a compact JWS.
pub fn sign_compact(pair: &EcdsaKeyPair, header: &Value, payload: &str) -> anyhow::Result<String> {
    let input = format!(
        "{}.{}",
        base64url::encode(header.to_string().as_bytes()),
        base64url::encode(payload.as_bytes())
    );
    let signature = pair
        .sign(&SystemRandom::new(), input.as_bytes())
        .map_err(|_| anyhow::anyhow!("signing failed"))?;
    Ok(format!("{input}.{}", base64url::encode(signature.as_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jws::{KeyEntry, KeyRing, verify};

    #[test]
    fn a_signed_token_verifies_with_the_generated_public_key_only() {
        let (pair, public) = generate_key_pair().unwrap();
        let (_, other) = generate_key_pair().unwrap();
        let payload = r#"[{"label":"email","data":"a@b.c","type":"string"}]"#;
        let token = sign_compact(&pair, &serde_json::json!({"alg": "ES256"}), payload).unwrap();
        let id = uuid::Uuid::new_v4();
        let ring = KeyRing::new(vec![KeyEntry::new(id, "k", &public, true)]);
        assert_eq!(verify(&token, &ring).unwrap().key_id, id);
        let wrong = KeyRing::new(vec![KeyEntry::new(id, "k", &other, true)]);
        assert_eq!(
            verify(&token, &wrong).unwrap_err().problem.code.as_str(),
            "signature_mismatch"
        );
        assert!(!private_key_sec1_der(&pair).unwrap().is_empty());
    }
}
