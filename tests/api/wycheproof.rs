//! Project Wycheproof ECDSA P-256 / SHA-256 vectors in IEEE P1363 (R||S) form, the encoding JWS
//! uses, run through the exact path the server takes: PEM parsing into a `SigningKey`, then
//! `verify_es256` (shape, range, then aws-lc).

use talkative_emulator::domain::SigningKey;
use talkative_emulator::jws::{VerifyingKey, verify_es256};
use wycheproof::TestResult;
use wycheproof::ecdsa::{TestName, TestSet};

#[test]
fn wycheproof_ecdsa_p256_sha256_p1363() {
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256P1363).unwrap();
    let (mut valid, mut invalid, mut acceptable) = (0, 0, 0);
    for group in &set.test_groups {
        let key = SigningKey::parse_pem(&group.pem)
            .unwrap_or_else(|p| panic!("Wycheproof key refused: {p}"));
        let verifier = VerifyingKey::new(&key);
        for test in &group.tests {
            let outcome = verify_es256(&verifier, &test.msg, &test.sig);
            match test.result {
                TestResult::Valid => {
                    assert!(
                        outcome.is_ok(),
                        "tc {} ({}) should verify: {outcome:?}",
                        test.tc_id,
                        test.comment
                    );
                    valid += 1;
                }
                TestResult::Invalid => {
                    assert!(
                        outcome.is_err(),
                        "tc {} ({}) must be rejected",
                        test.tc_id,
                        test.comment
                    );
                    invalid += 1;
                }
                TestResult::Acceptable => acceptable += 1,
            }
        }
    }
    // Guard against an empty or mis-loaded vector file passing vacuously.
    assert_eq!(valid + invalid + acceptable, set.number_of_tests);
    assert!(
        valid > 100 && invalid > 50,
        "too few vectors: {valid} valid, {invalid} invalid"
    );
}
