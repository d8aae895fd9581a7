//! How cost grows with what is stored, as ratios within one run (this machine is shared and
//! noisy; absolute times drift):
//!
//!   cargo bench --bench scaling
//!
//! - `verify/<case>/<n>`: jws::verify with n active keys (and, for `inactive`, 10,000 stored
//!   inactive keys beside one active): a forged token without `kid` (every active key is tried:
//!   the worst case an open endpoint must bound), a valid token without `kid` signed by the key
//!   tried last, and a valid token whose `kid` names its key. Read each against `…/1`.
//! - `write/<n>`: adding then removing one unsigned field through the HTTP API with n fields
//!   stored, SQLite's synchronous commit included. Read `write/10000` against `write/10`.

use std::hint::black_box;
use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use talkative_emulator::configuration::Settings;
use talkative_emulator::domain::SigningKey;
use talkative_emulator::jws::{self, KeyEntry, KeyRing};
use talkative_emulator::startup::Application;

struct Signer {
    pair: EcdsaKeyPair,
    key: SigningKey,
}

fn signer() -> Signer {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
    let key = SigningKey::from_spki_der(pair.public_key().as_der().unwrap().as_ref()).unwrap();
    Signer { pair, key }
}

fn token(signer: &Signer, header: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(br#"[{"label":"email","data":"a@b.c","type":"string"}]"#)
    );
    let signature = signer
        .pair
        .sign(&SystemRandom::new(), input.as_bytes())
        .unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

/// A ring of `active` active keys and `inactive` inactive ones; the last active key is `last`'s.
fn ring(active: usize, inactive: usize, last: &Signer) -> KeyRing {
    let mut entries: Vec<KeyEntry> = (0..inactive)
        .map(|i| {
            KeyEntry::new(
                uuid::Uuid::new_v4(),
                format!("old {i}"),
                &signer().key,
                false,
            )
        })
        .collect();
    for i in 1..active {
        entries.push(KeyEntry::new(
            uuid::Uuid::new_v4(),
            format!("k{i}"),
            &signer().key,
            true,
        ));
    }
    entries.push(KeyEntry::new(uuid::Uuid::new_v4(), "last", &last.key, true));
    KeyRing::new(entries)
}

fn verify_by_keys(c: &mut Criterion) {
    let last = signer();
    let forger = signer();
    let forged = token(&forger, r#"{"alg":"ES256"}"#);
    let valid = token(&last, r#"{"alg":"ES256"}"#);
    let with_kid = token(&last, r#"{"alg":"ES256","kid":"last"}"#);
    let mut group = c.benchmark_group("verify");
    let max = talkative_emulator::jws::MAX_ACTIVE_KEYS;
    let mut sizes = vec![(1, 0), (max, 0), (1, 10_000)];
    sizes.dedup();
    for (active, inactive) in sizes {
        let ring = ring(active, inactive, &last);
        let label = if inactive > 0 {
            format!("inactive{inactive}")
        } else {
            active.to_string()
        };
        for (case, token) in [("forged", &forged), ("valid", &valid), ("kid", &with_kid)] {
            group.bench_with_input(BenchmarkId::new(case, &label), token, |b, token| {
                b.iter(|| {
                    let _ = black_box(jws::verify(black_box(token), &ring));
                })
            });
        }
    }
    group.finish();
}

/// A running emulator whose database already holds `fields` unsigned fields.
fn app_with_fields(
    runtime: &tokio::runtime::Runtime,
    fields: usize,
) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    runtime.block_on(async {
        let database = talkative_emulator::storage::open_exclusive(&url, 4 * 1024 * 1024)
            .await
            .unwrap();
        let mut tx = database.pool.begin().await.unwrap();
        for i in 0..fields {
            sqlx::query("INSERT INTO unsigned_fields (label, created_at) VALUES (?, 0)")
                .bind(format!("stored-{i}"))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        database.pool.close().await;
    });
    let app = runtime
        .block_on(Application::build(Settings::ephemeral(url)))
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    runtime.spawn(app.run_until_stopped());
    (base, dir)
}

fn write_by_fields(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    let mut group = c.benchmark_group("write");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    for fields in [10, 10_000] {
        let (base, _dir) = app_with_fields(&runtime, fields);
        group.bench_function(BenchmarkId::from_parameter(fields), |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let added = client
                        .post(format!("{base}/api/v1/unsigned-fields"))
                        .json(&serde_json::json!({ "label": "bench" }))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(added.status(), 201);
                    let removed = client
                        .delete(format!("{base}/api/v1/unsigned-fields/bench"))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(removed.status(), 204);
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, verify_by_keys, write_by_fields);
criterion_main!(benches);
