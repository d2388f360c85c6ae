//! Headless Chromium for the browser tests: chromedriver on a free loopback port, a French
//! Chromium session, waits on the order page, and the screenshots' folder. Shared by `browser`
//! and `card_browser`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::support::{missing, PATIENCE};

pub(crate) const HOW: &str = "apt-get install -y chromium chromium-driver (or run .ci/run), then cargo test -p qosic-checkout";

pub(crate) fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// chromedriver on a free loopback port; killed when dropped.
pub(crate) struct Driver {
    child: Child,
    pub(crate) url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn start_driver(program: &Path) -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(program)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "chromedriver never listened"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    driver
}

pub(crate) async fn browser(driver: &Driver, chromium: &Path) -> Client {
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=900,1000", "--lang=fr-FR"],
            // A customer in Benin: the browser asks for French.
            "prefs": {"intl.accept_languages": "fr-FR,fr"},
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// Waits for the status block to show `state`; returns its text.
pub(crate) async fn wait_for_state(client: &Client, state: &str) -> String {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Ok(status) = client.find(Locator::Css("#status")).await {
            if status.attr("data-state").await.ok().flatten().as_deref() == Some(state) {
                return status.text().await.unwrap();
            }
        }
        if tokio::time::Instant::now() > deadline {
            let source = client.source().await.unwrap_or_default();
            panic!("the page never showed {state}: {source}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
        });
    let dir = target.join("checkout-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Chromium and chromedriver from `PATH`, or `None` once `missing` has said which is not
/// installed (a failure in CI).
pub(crate) fn programs(test: &str) -> Option<(PathBuf, PathBuf)> {
    let Some(chromium) = find_program(&["chromium", "chromium-browser", "google-chrome"]) else {
        missing(test, "Chromium is not installed", HOW);
        return None;
    };
    let Some(driver) = find_program(&["chromedriver"]) else {
        missing(test, "chromedriver is not installed", HOW);
        return None;
    };
    Some((chromium, driver))
}

/// chromedriver started, and a French Chromium session on it; the session ends with the
/// driver, which must live as long as the client.
pub(crate) async fn open((chromium, driver): &(PathBuf, PathBuf)) -> (Driver, Client) {
    let driver = start_driver(driver).await;
    let client = browser(&driver, chromium).await;
    (driver, client)
}

/// Saves the page as `file` under [`screenshot_dir`] (it must be a PNG).
pub(crate) async fn screenshot(client: &Client, file: &str) {
    let png = client.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(screenshot_dir().join(file), png).expect("the screenshot written");
}
