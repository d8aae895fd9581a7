//! Every signer on /docs/signing, run as its reader would run it, against the emulator. Needs
//! php (Debian php-cli), node with jose, python3 with PyJWT, openssl; scripts/test.sh installs
//! them and a missing one fails the test.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::helpers::{article_key_pair, pairs, read, run, sources, spawn_app};

fn snippet(name: &str) -> String {
    format!("{}/docs/snippets/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The `sign` example as a plain binary. `cargo test --all-targets` builds examples as test
/// harnesses, so build it the way a reader would (`cargo build --example sign`); the
/// dependencies are already compiled, so this takes seconds.
fn rust_example() -> PathBuf {
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--example", "sign"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building examples/sign.rs failed");
    let deps = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let example = deps.parent().unwrap().join("examples").join("sign");
    assert!(
        example.exists(),
        "{} missing after cargo build",
        example.display()
    );
    example
}

/// The jose snippet needs node_modules beside it; give it the interop test's.
fn node_dir(keys: &Path) -> PathBuf {
    let modules = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/node_modules");
    assert!(
        modules.join("jose").exists(),
        "run `npm ci --prefix tests/interop` (scripts/test.sh does)"
    );
    std::os::unix::fs::symlink(&modules, keys.join("node_modules")).unwrap();
    std::fs::copy(snippet("sign.mjs"), keys.join("sign.mjs")).unwrap();
    keys.to_path_buf()
}

#[tokio::test]
async fn every_signing_snippet_produces_a_token_the_emulator_accepts() {
    let app = spawn_app().await;
    let keys = article_key_pair();
    app.add_key("snippets", &read(keys.path(), "ec_public.pem"))
        .await;
    let dir = keys.path();
    run(
        "openssl",
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "ec_private.pem",
            "-out",
            "ec_private_pkcs8.pem",
        ],
        dir,
        "openssl",
    );
    node_dir(dir);
    let example = rust_example();

    let signers: Vec<(&str, String, Vec<String>)> = vec![
        (
            "php",
            "php".into(),
            vec![snippet("sign.php"), "ec_private.pem".into()],
        ),
        (
            "node",
            "node".into(),
            vec!["sign.mjs".into(), "ec_private.pem".into()],
        ),
        (
            "python",
            "python3".into(),
            vec![snippet("sign.py"), "ec_private.pem".into()],
        ),
        (
            "rust",
            example.display().to_string(),
            vec!["ec_private_pkcs8.pem".into()],
        ),
        (
            "openssl",
            "sh".into(),
            vec![snippet("sign.sh"), "ec_private.pem".into()],
        ),
    ];
    for (name, program, args) in signers {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let hint = format!("the {name} snippet needs {program}: scripts/test.sh installs it");
        let out = run(&program, &args, dir, &hint);
        let token = String::from_utf8(out).unwrap().trim().to_owned();
        let verdict = app.verify(Some(&token), json!([])).await;
        assert_eq!(verdict["signature"]["status"], "valid", "{name}: {verdict}");
        assert_eq!(
            sources(&verdict["accepted"]),
            pairs(&[("email", "signed"), ("name", "signed")]),
            "{name}"
        );
    }
}

#[tokio::test]
async fn widget_snippet_escapes_for_attribute_and_script() {
    let dir = tempfile::tempdir().unwrap();
    // A hostile value shows the escaping; a real token has no such characters.
    let hostile = "</script><script>alert(1)</script>\"'&";
    let out = run(
        "php",
        &[&snippet("widget.php"), hostile],
        dir.path(),
        "the widget snippet needs php",
    );
    let html = String::from_utf8(out).unwrap();
    assert!(!html.contains("</script><script>alert"), "{html}");
    let attribute = html.lines().next().unwrap();
    assert!(
        attribute.contains("&lt;/script&gt;") && attribute.contains("&quot;"),
        "{attribute}"
    );
    let script = html.lines().nth(1).unwrap();
    let literal = script
        .split("signedInteractionData: ")
        .nth(1)
        .unwrap()
        .split('}')
        .next()
        .unwrap();
    let decoded: String = serde_json::from_str(literal).unwrap();
    assert_eq!(
        decoded, hostile,
        "the JSON literal round-trips to the exact value"
    );
}

#[tokio::test]
async fn the_docs_page_shows_exactly_the_tested_snippets() {
    let app = spawn_app().await;
    // The code blocks keep each word whole on a phone (`<span class="nb">` around words):
    // read the page's text without those spans.
    let html = app
        .html("/docs/signing")
        .await
        .replace("<span class=\"nb\">", "")
        .replace("</span>", "");
    for file in ["sign.php", "sign.mjs", "sign.py", "sign.sh", "widget.php"] {
        let code = std::fs::read_to_string(snippet(file)).unwrap();
        let marker = code.lines().find(|l| l.contains("Usage:")).unwrap().trim();
        let escaped = marker
            .replace('&', "&#38;")
            .replace('<', "&#60;")
            .replace('>', "&#62;")
            .replace('"', "&#34;")
            .replace('\'', "&#39;");
        assert!(
            html.contains(marker) || html.contains(&escaped),
            "{file} is not on the page"
        );
    }
    assert!(
        html.contains("EncodingKey::from_ec_pem"),
        "the Rust example is not on the page"
    );
}
