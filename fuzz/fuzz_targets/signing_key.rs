//! Any text pasted as a public key: parsed into a P-256 `SigningKey` or refused with a code,
//! never a panic. What parses survives a round trip through its normalized PEM unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use talkative_emulator::domain::SigningKey;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match SigningKey::parse_pem(&text) {
        Ok(key) => {
            let again = SigningKey::parse_pem(&key.to_pem()).expect("normalized PEM re-parses");
            assert_eq!(again.fingerprint(), key.fingerprint());
            assert_eq!(again.uncompressed_point(), key.uncompressed_point());
        }
        Err(problem) => assert!(!problem.message.is_empty() && !problem.hint.is_empty()),
    }
});
