//! The Chromium harness: chromedriver on a free port, a headless browser with a fresh profile,
//! and the few steps the browser tests repeat. Needs `chromium` and `chromedriver` (Debian
//! packages `chromium` and `chromium-driver`); scripts/test.sh installs them and the tests fail,
//! never skip, without. Screenshots land in target/tmp/screenshots/.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tempfile::TempDir;

use crate::helpers::TestApp;

pub const INSTALL_HINT: &str = "Browser tests need chromium and chromedriver: `apt-get install chromium chromium-driver` (scripts/test.sh does).";

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Headless Chromium with JavaScript on, at 1280×1000.
pub async fn browser() -> Browser {
    launch(true, &[]).await
}

/// Headless Chromium with JavaScript off, as some people (and some audits) browse.
pub async fn browser_without_javascript() -> Browser {
    launch(false, &[]).await
}

/// Headless Chromium on a system set to dark mode (`prefers-color-scheme: dark`).
pub async fn browser_in_dark_mode() -> Browser {
    launch(true, &["--force-dark-mode"]).await
}

async fn launch(javascript: bool, extra_args: &[&str]) -> Browser {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver_path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_owned());
    let driver = Command::new(&driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {driver_path}: {e}. {INSTALL_HINT}"));
    let profile = tempfile::tempdir().unwrap();
    let binary = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        std::path::Path::new(&binary).exists(),
        "no browser at {binary}. {INSTALL_HINT}"
    );
    let mut args: Vec<String> = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1000",
        // Any name under evil.example resolves to this machine, as a DNS rebinding attacker
        // makes its own name resolve (tests/e2e/browser.rs, trust boundary).
        "--host-resolver-rules=MAP *.evil.example 127.0.0.1",
    ]
    .into_iter()
    .chain(extra_args.iter().copied())
    .map(str::to_owned)
    .collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": binary,
            "args": args,
            "prefs": {
                "profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 },
            },
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut last_error = None;
    for _ in 0..100 {
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(capabilities.clone());
        match builder.connect(&url).await {
            Ok(client) => {
                return Browser {
                    client,
                    driver,
                    _profile: profile,
                };
            }
            Err(e) => last_error = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer: {last_error:?}. {INSTALL_HINT}");
}

impl Browser {
    pub async fn open(&self, app: &TestApp, path: &str) {
        self.client.goto(&app.url(path)).await.unwrap();
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Waits for an element after a navigation (form submit), and returns its text.
    pub async fn text_of(&self, css: &str) -> String {
        let element = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on the page: {e}"));
        element.text().await.unwrap()
    }

    /// Waits until the element's text contains `needle` (the page may still be the previous one
    /// right after a click), and returns that text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = element.text().await
            {
                if text.contains(needle) {
                    return text;
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never contained {needle:?}; last text: {last:?}");
    }

    /// Runs `script` (a function body: `return …` gives its value) in the page.
    pub async fn eval(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("the page's script failed: {e}\n{script}"))
    }

    pub async fn screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Waits until the address bar's path starts with `prefix` (a form's redirect landed).
    pub async fn wait_for_path(&self, prefix: &str) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            if let Ok(url) = self.client.current_url().await {
                if url.path().starts_with(prefix) {
                    return url.path().to_owned();
                }
                last = url.to_string();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never reached {prefix}; last at {last}");
    }

    pub async fn close(self) {
        self.client.clone().close().await.unwrap();
    }
}
