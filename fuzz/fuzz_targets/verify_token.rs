//! Any string as a compact JWS against a stored key: the engine must answer (verified or a
//! refusal with a stage and a code), never panic, and agree with itself.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use talkative_emulator::domain::SigningKey;
use talkative_emulator::jws::{self, KeyEntry, KeyRing};

/// Wycheproof's `kid-ec-sign` key, the one the seed tokens are signed with.
const PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE04N0xi21hshyvBp7I167sbE/bXqy
qkAPfefdklMO7wZQjx7HL4LTprsNSeMh0Q2TF4W0czj6X/jUuoTD2dWCbA==
-----END PUBLIC KEY-----";

fn ring() -> &'static KeyRing {
    static RING: OnceLock<KeyRing> = OnceLock::new();
    RING.get_or_init(|| {
        let key = SigningKey::parse_pem(PEM).expect("the fuzz key parses");
        KeyRing::new(vec![KeyEntry::new(
            uuid::Uuid::nil(),
            "kid-ec-sign",
            &key,
            true,
        )])
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let first = jws::verify(token, ring());
    let second = jws::verify(token, ring());
    match (&first, &second) {
        (Ok(a), Ok(b)) => assert_eq!(a.items, b.items),
        (Err(a), Err(b)) => {
            assert_eq!(a.stage, b.stage);
            assert_eq!(a.problem.code, b.problem.code);
            assert!(!a.problem.message.is_empty() && !a.problem.hint.is_empty());
        }
        _ => panic!("verification is not deterministic"),
    }
});
