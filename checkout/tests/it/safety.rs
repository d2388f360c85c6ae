//! Running with real money: which QosIc the binary pays through, one order per purchase, the
//! limits on who may start payments, and the operator's pages.

use std::process::{Command, Stdio};
use std::time::Duration;

use qosic::mock::MockQosic;
use qosic_checkout::cli::TEST_DEFAULT_BASE_URL_VAR;
use qosic_checkout::State;

use crate::support::*;

const BANNER: &str = "Test mode: no money moves";
const BANNER_FR: &str = "Mode test : aucun argent ne circule";

fn form(phone: &str, amount: u64, token: &str) -> String {
    format!("phone={phone}&amount={amount}&token={token}")
}

async fn post_form(base: &str, body: String) -> reqwest::Response {
    http()
        .post(format!("{base}/orders"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("POST /orders")
}

/// The token of the form `GET /` serves.
async fn fresh_token(base: &str) -> String {
    let html = http().get(base).send().await.unwrap().text().await.unwrap();
    let at = html
        .find("name=\"token\" value=\"")
        .unwrap_or_else(|| panic!("no token in {html}"));
    let rest = &html[at + "name=\"token\" value=\"".len()..];
    let token = rest[..rest.find('"').unwrap()].to_owned();
    assert_eq!(token.len(), 32, "{token}");
    token
}

fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303);
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_credentials_without_a_base_url_pay_through_the_default_never_the_fake() {
    // "The SDK's default" is this loopback server: the request must arrive here.
    let default = MockQosic::start().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.txt");
    let database = format!("sqlite://{}", dir.path().join("shop.sqlite").display());
    let admin_token = "admin-token-7f3b9c".to_owned();
    let env = vec![
        ("QOSIC_LOGIN", qosic::mock::DEFAULT_LOGIN.to_owned()),
        ("QOSIC_PASSWORD", qosic::mock::DEFAULT_PASSWORD.to_owned()),
        (
            "QOSIC_MTN_CLIENT_ID",
            qosic::mock::DEFAULT_MTN_CLIENT_ID.to_owned(),
        ),
        (TEST_DEFAULT_BASE_URL_VAR, default.uri()),
        ("DATABASE_URL", database),
        ("CHECKOUT_ADMIN_TOKEN", admin_token.clone()),
        ("RUST_LOG", "debug".to_owned()),
    ];
    let app = AppProcess::start_logging_to(&["--listen", "127.0.0.1:0"], &env, Some(&log));
    let base = app.url.clone();

    let html = http()
        .get(&base)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains(BANNER), "real payments show no test banner");
    let reference = order(&base, "22997000520", 1000).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while default.payment_requests(&reference) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the payment request never reached the default base URL"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(default.payment_requests(&reference), 1);

    // The secrets came from the environment: in no `ps` line, and in no log line.
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", app.child.id())).unwrap();
    let cmdline = String::from_utf8_lossy(&cmdline);
    let logged = std::fs::read_to_string(&log).unwrap();
    for secret in [qosic::mock::DEFAULT_PASSWORD, admin_token.as_str()] {
        assert!(!cmdline.contains(secret), "{cmdline}");
        assert!(!logged.contains(secret), "{secret} in the log: {logged}");
    }
    assert!(!logged.contains("TEST MODE"), "{logged}");
    drop(app);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_credentials_it_is_test_mode_on_every_page_in_admin_and_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.txt");
    let database = format!("sqlite://{}", dir.path().join("shop.sqlite").display());
    let app = AppProcess::start_logging_to(
        &["--listen", "127.0.0.1:0", "--database", &database],
        &[],
        Some(&log),
    );
    let base = app.url.clone();
    let reference = order(&base, "22997000521", 1000).await;
    for path in [
        "/".to_owned(),
        format!("/orders/{reference}"),
        "/admin".to_owned(),
        "/nothing".to_owned(),
    ] {
        let html = http()
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(BANNER), "{path}: {html}");
        assert!(html.contains(BANNER_FR), "{path}: {html}");
    }
    let admin: serde_json::Value = http()
        .get(format!("{base}/admin/orders"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap();
    assert_eq!(admin["test_mode"], true);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("TEST MODE: no money moves (mode test : aucun argent ne circule)"),
        "{logged}"
    );
    drop(app);
}

#[test]
fn a_base_url_without_credentials_is_refused_at_start_naming_the_variable() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_qosic-checkout"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("QOSIC_") {
            command.env_remove(name);
        }
    }
    let output = command
        .args(["--listen", "127.0.0.1:0"])
        .env("QOSIC_BASE_URL", "https://api.qosic.net")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("QOSIC_BASE_URL is set but no QosIc credential is"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "it never listened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_form_token_posted_twice_makes_one_order_and_one_payment_request() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let app = start_shop(&mock, dir.path(), Duration::from_secs(2)).await;
    let base = app.url();
    let token = fresh_token(&base).await;
    // Two posts at once, as a double tap sends them, then a third later.
    let (first, second) = tokio::join!(
        post_form(&base, form("22997000522", 1000, &token)),
        post_form(&base, form("22997000522", 1000, &token)),
    );
    let third = post_form(&base, form("22997000522", 1000, &token)).await;
    let target = location(&first);
    assert_eq!(location(&second), target);
    assert_eq!(location(&third), target);
    let reference = target.strip_prefix("/orders/").unwrap();
    wait_for(&base, reference, "settled", settled).await;
    assert_eq!(app.store().all_orders().await.unwrap().len(), 1);
    assert_eq!(mock.payment_requests(reference), 1);
    // Another form, another token: another order.
    let other = post_form(&base, form("22997000522", 1000, &fresh_token(&base).await)).await;
    assert_ne!(location(&other), target);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_are_limited_per_phone_and_per_client_with_a_page_that_says_to_wait() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(2));
    config.orders_per_phone = 2;
    config.orders_per_client = 3;
    let app = start_app(&mock, config).await;
    let base = app.url();
    for _ in 0..2 {
        order(&base, "22997000523", 1000).await;
    }
    let refused = post_form(&base, form("22997000523", 1000, &fresh_token(&base).await)).await;
    assert_eq!(refused.status(), 429, "a third order to one number");
    assert!(refused.headers().contains_key("retry-after"));
    let html = refused.text().await.unwrap();
    assert!(html.contains("Attendez 10 minutes"), "{html}");
    // Another number from the same address: the address's third order passes, its fourth not.
    order(&base, "22997000524", 1000).await;
    let refused = post_form(&base, form("22997000525", 1000, &fresh_token(&base).await)).await;
    assert_eq!(refused.status(), 429, "a fourth order from one address");
    assert_eq!(app.store().all_orders().await.unwrap().len(), 3);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_from_another_site_and_amounts_above_the_maximum_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let app = start_shop(&mock, dir.path(), Duration::from_secs(2)).await;
    let base = app.url();
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let response = http()
            .post(format!("{base}/orders"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header(name, value)
            .body(form("22997000526", 1000, ""))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{name}: {value}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("Commencez depuis la page de la boutique"),
            "{html}"
        );
    }
    // The shop's own origin passes.
    let response = http()
        .post(format!("{base}/orders"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &base)
        .body(form("22997000526", 1000, ""))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);

    for amount in [2_000_001_u64, 9_223_372_036_854_775_807] {
        let response = post_form(&base, form("22997000527", amount, "")).await;
        assert_eq!(response.status(), 422, "{amount}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("id=\"amount-error\">Le montant maximum ici est de 2\u{202F}000\u{202F}000\u{A0}FCFA."),
            "{html}"
        );
    }
    let at_most = post_form(&base, form("22997000527", 2_000_000, "")).await;
    assert_eq!(at_most.status(), 303);
    assert_eq!(app.store().all_orders().await.unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_asks_for_the_token_and_lists_orders_with_their_transitions() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(2));
    config.admin_token = Some(qosic::Secret::from("operator-token"));
    let app = start_app(&mock, config).await;
    let base = app.url();
    let first = order(&base, "22997000528", 1000).await;
    let second = order(&base, "22997000529", 1500).await;
    wait_for(&base, &first, "settled", settled).await;
    wait_for(&base, &second, "settled", settled).await;

    for path in ["/admin", "/admin/orders", &format!("/admin/orders/{first}")] {
        let anonymous = http().get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "{path}");
        let wrong = http()
            .get(format!("{base}{path}"))
            .bearer_auth("operator-tokem")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401, "{path}");
    }
    let get = |path: String| {
        http()
            .get(format!("{base}{path}"))
            .bearer_auth("operator-token")
            .send()
    };
    let html = get("/admin?q=29".to_owned())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&second) && !html.contains(&first), "{html}");
    let html = get(format!("/admin?q={first}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&first) && !html.contains(&second), "{html}");
    let state = app.store().order(&first).await.unwrap().unwrap().state;
    let html = get(format!("/admin?state={}&since=2020-01-01", state.as_str()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&first), "{html}");
    let html = get("/admin?until=2020-01-01".to_owned())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains(&first),
        "orders after the date are not listed: {html}"
    );
    let detail: serde_json::Value = get(format!("/admin/orders/{first}"))
        .await
        .unwrap()
        .text()
        .await
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap();
    let states: Vec<&str> = detail["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.first(), Some(&State::Created.as_str()), "{detail}");
    assert!(states.len() >= 3, "{detail}");
    app.stop().await;

    // No token and listening beyond loopback: off.
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(2));
    config.listen = "0.0.0.0:0".parse().unwrap();
    let app = start_app(&mock, config).await;
    let base = format!("http://127.0.0.1:{}", app.addr().port());
    for path in ["/admin", "/admin/orders"] {
        let response = http().get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    app.stop().await;
}
