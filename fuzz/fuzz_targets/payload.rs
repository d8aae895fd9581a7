//! Any bytes as a signed payload: items within the limits, or a refusal with a code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use talkative_emulator::domain::interaction::MAX_ITEMS;
use talkative_emulator::jws::payload;

fuzz_target!(|data: &[u8]| {
    if let Ok((items, _warnings)) = payload::parse(data) {
        assert!(items.len() <= MAX_ITEMS);
    }
});
