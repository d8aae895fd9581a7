//! docs/ci.md's worked example is a script, and this runs it for real against the binary just
//! built: config file, a page in headless Chromium loading the widget as Talkative's examples
//! do and starting a chat, a wait on the emulator (no sleep), the verdict and the agent view
//! asserted, data added and read back through the Core API as a backend would, and the chat
//! ended as an agent would.

use std::process::Command;

#[test]
fn the_ci_example_in_the_docs_runs_and_passes() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ci/example.sh");
    let output = Command::new("bash")
        .arg(script)
        .env(
            "TALKATIVE_EMULATOR",
            env!("CARGO_BIN_EXE_talkative-emulator"),
        )
        .env(
            "CHROMIUM",
            std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".to_owned()),
        )
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "docs/ci/example.sh failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        stdout.contains("ok: valid signature from key 'ci backend'; agent sees ['email', 'page']; dropped ['coupon']"),
        "{stdout}"
    );
    assert!(
        stdout.contains("shows the agent ['email', 'page']")
            && stdout.contains(
                "ok: the Core API shows the agent ['crm_id', 'email', 'page']; the signed email was kept"
            )
            && stdout.contains("ok: the agent ended it"),
        "{stdout}"
    );
}
