//! Any text as an unsigned-field label: accepted exactly as given (no normalization that could
//! make two labels collide) or refused with a code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use talkative_emulator::domain::UnsignedFieldLabel;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match UnsignedFieldLabel::parse(text) {
        Ok(label) => {
            assert_eq!(label.as_str(), text);
            assert!(!text.chars().any(char::is_control));
        }
        Err(problem) => assert!(!problem.message.is_empty()),
    }
});
