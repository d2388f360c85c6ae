//! Helpers: an app on a loopback port, an HTTP client, waiting with a deadline, a child
//! process of the binary, and the skip-or-fail rule for tools that may be missing.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use qosic::mock::MockQosic;
use qosic_checkout::store::OrderView;
use qosic_checkout::{App, Config, Running, State};
use serde_json::Value;

/// Every wait in these tests gives up after this long: a guard against hanging, not a
/// measure (nothing asserts on how long a thing took).
pub(crate) const PATIENCE: Duration = Duration::from_secs(60);

/// A config for tests: a free port, this SQLite file, fast checks.
pub(crate) fn test_config(database: &Path, window: Duration) -> Config {
    let mut config = Config::default();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.database = qosic_checkout::config::Database::Sqlite(database.to_path_buf());
    config.check_interval = Duration::from_secs(1);
    config.window = window;
    config.heartbeat = Duration::from_secs(1);
    config.poll_interval = Duration::from_millis(100);
    config.instance = "test".to_owned();
    config.min_early_check_interval = Duration::from_millis(200);
    config
}

/// The app, in this process, paying through the in-process fake server `mock`.
pub(crate) async fn start_app(mock: &MockQosic, config: Config) -> Running {
    App::new(config, mock.client())
        .start()
        .await
        .expect("the checkout starts")
}

/// The app in this process with [`test_config`] on `dir/shop.sqlite` and this `window`.
pub(crate) async fn start_shop(mock: &MockQosic, dir: &Path, window: Duration) -> Running {
    start_app(mock, test_config(&dir.join("shop.sqlite"), window)).await
}

/// An HTTP client that does not follow redirects (the tests read them).
pub(crate) fn http() -> reqwest::Client {
    // reqwest is built without a crypto provider (qosic-http picks ring); plain HTTP needs
    // none, but the builder asks for one. Installed once; later calls find it there.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Submits the order form; returns the order's reference (from the 303's Location).
pub(crate) async fn order(base: &str, phone: &str, amount: u64) -> String {
    let response = http()
        .post(format!("{base}/orders"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("phone={phone}&amount={amount}"))
        .send()
        .await
        .expect("POST /orders");
    assert_eq!(
        response.status(),
        303,
        "POST /orders: {:?}",
        response.text().await
    );
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    location
        .strip_prefix("/orders/")
        .unwrap_or_else(|| panic!("unexpected location {location}"))
        .to_owned()
}

/// `GET /orders/{reference}/status`.
pub(crate) async fn status(base: &str, reference: &str) -> OrderView {
    let response = http()
        .get(format!("{base}/orders/{reference}/status"))
        .send()
        .await
        .expect("GET status");
    assert_eq!(response.status(), 200);
    let body = response.bytes().await.expect("a body");
    serde_json::from_slice(&body).expect("an order as JSON")
}

/// `GET /admin/orders`: the counts by state.
pub(crate) async fn counts(base: &str) -> BTreeMap<String, i64> {
    let body = http()
        .get(format!("{base}/admin/orders"))
        .send()
        .await
        .expect("GET /admin/orders")
        .bytes()
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    serde_json::from_value(body["orders"].clone()).unwrap()
}

/// Polls the order until `done` holds (every 100 ms), or panics after [`PATIENCE`] with the
/// last state.
pub(crate) async fn wait_for(
    base: &str,
    reference: &str,
    what: &str,
    done: impl Fn(&OrderView) -> bool,
) -> OrderView {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let view = status(base, reference).await;
        if done(&view) {
            return view;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("order {reference} never became {what}: {view:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the order is in `state`.
pub(crate) async fn wait_state(base: &str, reference: &str, state: State) -> OrderView {
    wait_for(base, reference, state.as_str(), |v| v.state == state).await
}

/// Whether the window of the order is over: final, still pending or unknown.
pub(crate) fn settled(view: &OrderView) -> bool {
    !view.state.is_active()
}

/// The `qosic-checkout` binary, started with these arguments and environment, and the URL of
/// its first line. Killed (SIGKILL) when dropped.
pub(crate) struct AppProcess {
    pub(crate) child: Child,
    pub(crate) url: String,
}

impl AppProcess {
    pub(crate) fn start(args: &[&str], env: &[(&str, String)]) -> AppProcess {
        AppProcess::start_logging_to(args, env, None)
    }

    /// The same, with its stderr (the log) written to `log` instead of the test's output.
    pub(crate) fn start_logging_to(
        args: &[&str],
        env: &[(&str, String)],
        log: Option<&Path>,
    ) -> AppProcess {
        let stderr = match log {
            Some(path) => Stdio::from(std::fs::File::create(path).expect("a log file")),
            None => Stdio::inherit(),
        };
        let mut command = Command::new(env!("CARGO_BIN_EXE_qosic-checkout"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("QOSIC_") {
                command.env_remove(name);
            }
        }
        let mut child = command
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn qosic-checkout");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("first line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        AppProcess { child, url }
    }

    /// SIGKILL: no shutdown code runs.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The environment that points the binary at `mock` (an HTTP fake server).
pub(crate) fn qosic_env(mock: &MockQosic) -> Vec<(&'static str, String)> {
    vec![
        ("QOSIC_BASE_URL", mock.uri()),
        ("QOSIC_LOGIN", qosic::mock::DEFAULT_LOGIN.to_owned()),
        ("QOSIC_PASSWORD", qosic::mock::DEFAULT_PASSWORD.to_owned()),
        (
            "QOSIC_MTN_CLIENT_ID",
            qosic::mock::DEFAULT_MTN_CLIENT_ID.to_owned(),
        ),
        (
            "QOSIC_MOOV_CLIENT_ID",
            qosic::mock::DEFAULT_MOOV_CLIENT_ID.to_owned(),
        ),
        // Only warnings in the tests' output; the log's format has a test of its own.
        ("RUST_LOG", "warn".to_owned()),
    ]
}

/// A tool the test needs is missing: in CI (`CI=true`) that is a failure; elsewhere the test
/// says it skipped, why, and how to run it, and passes.
pub(crate) fn missing(test: &str, why: &str, how: &str) {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    if ci {
        panic!("{test}: {why}; CI must run this test ({how})");
    }
    // Straight to the process's stderr, past the test harness's capture (which would hide
    // it for a test that passes): a skip must be seen.
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "skipped {test}: {why}. To run it: {how}");
}

/// Reads server-sent events from `url` until the stream ends or `count` came; returns the
/// views, in order.
pub(crate) async fn read_events(url: &str, count: usize) -> Vec<OrderView> {
    let mut response = http().get(url).send().await.expect("GET events");
    assert_eq!(response.status(), 200, "{url}");
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut buffer = String::new();
    let mut views = Vec::new();
    while views.len() < count {
        let chunk = tokio::time::timeout(PATIENCE, response.chunk())
            .await
            .expect("an event within the patience")
            .expect("a readable stream");
        let Some(chunk) = chunk else { break };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                let value: serde_json::Value = serde_json::from_str(data).unwrap();
                assert!(value["html"].as_str().unwrap().contains("id=\"status\""));
                views.push(serde_json::from_value(value["view"].clone()).unwrap());
            }
        }
    }
    views
}
