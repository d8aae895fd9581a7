//! The strict JSON reader (duplicate members, lone surrogates, depth): never panics or overflows
//! the stack; what it accepts survives a round trip; and where serde_json's own `Value` also
//! accepts the input, both read the same value. (They may differ on acceptance: `Value` refuses
//! serde_json's private `$serde_json::private::RawValue` member name, which this target found.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use talkative_emulator::encoding::strict_json;

fuzz_target!(|data: &[u8]| {
    let Ok(strict) = strict_json::parse(data) else {
        return;
    };
    let text = serde_json::to_string(&strict).expect("a Value serializes");
    assert_eq!(
        strict_json::parse(text.as_bytes()).expect("its own output re-parses"),
        strict
    );
    if let Ok(lenient) = serde_json::from_slice::<serde_json::Value>(data) {
        assert_eq!(strict, lenient);
    }
});
