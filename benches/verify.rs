//! The verify engine's cost, as ratios against the bare aws-lc ES256 verification of the same
//! signature measured in the same run (this machine is shared and noisy; absolute times drift).
//!
//!   cargo bench --bench verify
//!
//! - `raw_aws_lc/*`: ParsedPublicKey::verify_sig alone: the floor.
//! - `engine/*`: jws::verify (strict parsing, header checks, signature, payload).
//! - `engine_policy_json/*`: the whole hot path minus HTTP: engine, policy, verdict JSON.
//! - `verdict_json/*` vs `verdict_serde_json/*`: the verdict serialized the way the endpoint
//!   does it, against plain `serde_json::to_vec` of the same verdict (the JSON-only baseline).
//! - `metrics/*`: what `/metrics` costs a verification (prometheus-client's counters and
//!   histogram, `app::metrics`); `log_columns/*`: the log's codes and items made for the
//!   recorder (`storage::interactions::{codes_of, items_of}`). Read both against `raw_aws_lc`.

use std::collections::HashSet;
use std::hint::black_box;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    ParsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use talkative_emulator::app::metrics::Metrics;
use talkative_emulator::app::verification::verdict_json;
use talkative_emulator::domain::SigningKey;
use talkative_emulator::jws::{self, KeyEntry, KeyRing};
use talkative_emulator::storage::interactions::{codes_of, items_of};
use talkative_emulator::verdict::Enforcement;
use talkative_emulator::verdict::policy::{Policy, SignedInput, decide};

/// A JSON array of interaction items of roughly `target` bytes.
fn payload(target: usize) -> String {
    let mut items = Vec::new();
    let mut i = 0;
    while serde_json::to_string(&items).unwrap().len() < target {
        items.push(serde_json::json!({ "label": format!("field_{i}"), "data": format!("value number {i} for the agent"), "type": "string" }));
        i += 1;
    }
    serde_json::to_string(&items).unwrap()
}

fn benches(c: &mut Criterion) {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
    let spki = pair.public_key().as_der().unwrap();
    let key = SigningKey::from_spki_der(spki.as_ref()).unwrap();
    let ring = KeyRing::new(vec![KeyEntry::new(
        uuid::Uuid::new_v4(),
        "bench",
        &key,
        true,
    )]);
    let raw_key = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, key.uncompressed_point()).unwrap();
    let allowlist: HashSet<String> = ["page".to_owned()].into();

    for (name, size) in [("200B", 200), ("2KB", 2048)] {
        let body = payload(size);
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"ES256"}"#),
            URL_SAFE_NO_PAD.encode(body.as_bytes())
        );
        let signature = pair.sign(&rng, input.as_bytes()).unwrap();
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()));
        assert!(jws::verify(&token, &ring).is_ok());

        let mut group = c.benchmark_group(name);
        group.bench_function("raw_aws_lc", |b| {
            b.iter(|| {
                raw_key
                    .verify_sig(black_box(input.as_bytes()), black_box(signature.as_ref()))
                    .unwrap()
            })
        });
        group.bench_function("engine", |b| {
            b.iter(|| jws::verify(black_box(&token), &ring).unwrap())
        });
        let policy = Policy {
            enforcement: Enforcement::On,
            allowlist: &allowlist,
            match_on: talkative_emulator::domain::ItemMember::Name,
            signed_before: None,
            from_backend: false,
        };
        let verdict_for = |verified| {
            decide(
                uuid::Uuid::new_v4(),
                "2026-11-25T00:00:00.000Z".to_owned(),
                SignedInput::Verified(verified),
                Vec::new(),
                &policy,
            )
        };
        group.bench_function("engine_policy_json", |b| {
            b.iter(|| {
                let verified = jws::verify(black_box(&token), &ring).unwrap();
                verdict_json(&verdict_for(verified)).unwrap()
            })
        });
        let verdict = verdict_for(jws::verify(&token, &ring).unwrap());
        group.bench_function("verdict_serde_json", |b| {
            b.iter(|| serde_json::to_vec(black_box(&verdict)).unwrap())
        });
        group.bench_function("verdict_json", |b| {
            b.iter(|| verdict_json(black_box(&verdict)).unwrap())
        });
        let metrics = Metrics::default();
        group.bench_function("metrics", |b| {
            b.iter(|| {
                metrics.record_verdict(black_box(&verdict));
                metrics.observe_verify(black_box(std::time::Duration::from_micros(70)));
            })
        });
        group.bench_function("log_columns", |b| {
            b.iter(|| (codes_of(black_box(&verdict)), items_of(black_box(&verdict))))
        });
        group.finish();
    }
}

criterion_group!(verify, benches);
criterion_main!(verify);
