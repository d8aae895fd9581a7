//! A key pair that signs tokens with aws-lc, independently of the engine under test.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

use super::*;

/// A P-256 key pair made by aws-lc, used to sign tokens in tests.
pub struct TestSigner {
    pair: EcdsaKeyPair,
}

impl TestSigner {
    pub fn generate() -> Self {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .expect("key generation");
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        Self { pair }
    }

    pub fn public_pem(&self) -> String {
        let der = self.pair.public_key().as_der().expect("SPKI DER");
        pem("PUBLIC KEY", der.as_ref())
    }

    pub fn private_pkcs8_pem(&self) -> String {
        let der = self.pair.to_pkcs8v1().expect("PKCS#8");
        pem("PRIVATE KEY", der.as_ref())
    }

    /// Raw 64-byte R||S signature over `message`.
    pub fn sign_raw(&self, message: &[u8]) -> Vec<u8> {
        self.pair
            .sign(&SystemRandom::new(), message)
            .unwrap()
            .as_ref()
            .to_vec()
    }

    /// ASN.1 DER signature over `message`, as `openssl dgst -sign` or PHP's openssl_sign make.
    pub fn sign_der(&self, message: &[u8]) -> Vec<u8> {
        let pkcs8 = self.pair.to_pkcs8v1().unwrap();
        let der_pair = EcdsaKeyPair::from_pkcs8(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            pkcs8.as_ref(),
        )
        .unwrap();
        der_pair
            .sign(&SystemRandom::new(), message)
            .unwrap()
            .as_ref()
            .to_vec()
    }

    /// The public key as a JWK, for tokens that try to smuggle a key in the header.
    pub fn public_jwk(&self) -> Value {
        let point = self.pair.public_key().as_ref();
        json!({ "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65]) })
    }

    /// A compact JWS over exactly the given header and payload JSON texts.
    pub fn token(&self, header: &str, payload: &str) -> String {
        let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
        let signature = self.sign_raw(input.as_bytes());
        format!("{input}.{}", b64(&signature))
    }

    /// The common case: `{"alg":"ES256"}` over the given items.
    pub fn sign_items(&self, items: &Value) -> String {
        self.token(r#"{"alg":"ES256"}"#, &items.to_string())
    }
}
