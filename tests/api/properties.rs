//! Property tests (proptest, stable Rust, part of the normal run): the parsers never panic on
//! arbitrary input, and no mutation of a valid token ever verifies.

use std::sync::OnceLock;

use proptest::prelude::*;
use talkative_emulator::domain::SigningKey;
use talkative_emulator::encoding::strict_json;
use talkative_emulator::jws::{self, KeyEntry, KeyRing};

use crate::helpers::{TestSigner, items};

struct Fixture {
    ring: KeyRing,
    token: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let signer = TestSigner::generate();
        let key = SigningKey::parse_pem(&signer.public_pem()).unwrap();
        let ring = KeyRing::new(vec![KeyEntry::new(uuid::Uuid::nil(), "", &key, true)]);
        let token = signer.sign_items(&items(&[("email", "a@b.c"), ("plan", "gold")]));
        assert!(jws::verify(&token, &ring).is_ok());
        Fixture { ring, token }
    })
}

const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn verify_never_panics_on_arbitrary_strings(input in ".{0,600}") {
        let _ = jws::verify(&input, &fixture().ring);
    }

    #[test]
    fn verify_never_panics_on_token_shaped_strings(
        header in "[A-Za-z0-9_=+/-]{0,80}",
        payload in "[A-Za-z0-9_=+/-]{0,200}",
        signature in "[A-Za-z0-9_=+/-]{0,120}",
    ) {
        let _ = jws::verify(&format!("{header}.{payload}.{signature}"), &fixture().ring);
    }

    #[test]
    fn any_single_character_change_breaks_the_token(position in 0usize..10_000, replacement in 0usize..64) {
        let token = &fixture().token;
        let position = position % token.len();
        let original = token.as_bytes()[position];
        let mut replacement = BASE64URL[replacement];
        if replacement == original {
            replacement = if original == b'A' { b'B' } else { b'A' };
        }
        let mut mutated = token.clone().into_bytes();
        mutated[position] = replacement;
        let mutated = String::from_utf8(mutated).unwrap();
        prop_assert!(jws::verify(&mutated, &fixture().ring).is_err(), "{mutated} verified");
    }

    #[test]
    fn removing_or_inserting_a_character_breaks_the_token(position in 0usize..10_000, byte in 0usize..64, insert in any::<bool>()) {
        let mut mutated = fixture().token.clone();
        let position = position % mutated.len();
        if insert {
            mutated.insert(position, BASE64URL[byte] as char);
        } else {
            mutated.remove(position);
        }
        prop_assert!(jws::verify(&mutated, &fixture().ring).is_err(), "{mutated} verified");
    }

    #[test]
    fn strict_json_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = strict_json::parse(&bytes);
    }

    #[test]
    fn key_parsing_never_panics(text in ".{0,400}", der in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = SigningKey::parse_pem(&text);
        let _ = SigningKey::from_spki_der(&der);
        let _ = SigningKey::parse_pem(&format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &der)));
    }
}
