//! The binary as a platform runs it: SIGTERM during payments hands the unfinished jobs over at
//! once, and secrets given in the environment show in no `ps` line and no log line.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qosic::mock::{Endpoint, Fault, MockQosic, Subscriber};
use qosic_checkout::config::Database;
use qosic_checkout::store::Store;
use qosic_checkout::State;

use crate::multi::{Scratch, HOW};
use crate::support::*;

fn args<'a>(db: &'a str, instance: &'a str) -> Vec<&'a str> {
    vec![
        "--listen",
        "127.0.0.1:0",
        "--database",
        db,
        "--instance",
        instance,
        "--check-interval",
        "1",
        "--window",
        "120",
        // Two missed heartbeats would take a minute: only the hand-over can be quicker.
        "--heartbeat",
        "30",
        "--orders-per-client",
        "1000",
    ]
}

/// Sends SIGTERM and waits for the process to exit; returns when it exited.
async fn terminate(app: &mut AppProcess) -> Instant {
    let pid = app.child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = app.child.try_wait().unwrap() {
            assert!(status.success(), "exit after SIGTERM: {status}");
            return Instant::now();
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_20_payments_in_flight_hands_their_jobs_to_the_restarted_instance_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.sqlite");
    hand_over(
        &format!("sqlite://{}", path.display()),
        dir.path(),
        "restarted",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_on_postgres_hands_the_jobs_to_another_instance_at_once() {
    let Ok(admin) = std::env::var("CHECKOUT_TEST_POSTGRES") else {
        missing(
            "the SIGTERM test on Postgres",
            "CHECKOUT_TEST_POSTGRES is not set",
            HOW,
        );
        return;
    };
    let scratch = Scratch::create(&admin).await;
    let dir = tempfile::tempdir().unwrap();
    hand_over(&scratch.url, dir.path(), "other").await;
    scratch.drop().await;
}

/// 20 payments being checked on one instance, SIGTERM, then `next` started on the same
/// database: every order settles once, and `next` takes the jobs at once.
async fn hand_over(db: &str, dir: &Path, next: &str) {
    let database = Database::parse(db).unwrap();
    let mock = MockQosic::start().await;
    // Every status check is held a second, so that checks are in flight at the SIGTERM; each
    // arrival is noted.
    let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let noted = Arc::clone(&arrivals);
    mock.fault_plan(move |request| {
        (request.endpoint == Endpoint::MtnStatus).then(|| {
            noted.lock().unwrap().push(Instant::now());
            Fault::delay(Duration::from_secs(1))
        })
    });
    let phones: Vec<String> = (0..20).map(|i| format!("229970007{i:02}")).collect();
    for phone in &phones {
        mock.subscriber(phone, Subscriber::approves_after_checks(3));
    }
    let log = dir.join("first.log");
    let mut env = qosic_env(&mock);
    env.retain(|(name, _)| *name != "RUST_LOG");
    let mut first = AppProcess::start_logging_to(&args(db, "first"), &env, Some(&log));
    let mut orders = Vec::new();
    for phone in &phones {
        orders.push(order(&first.url, phone, 1000).await);
    }
    // A page that follows a payment nobody answers: its stream is open at the SIGTERM.
    let silent = order(&first.url, "22997000193", 100).await;
    let url = format!("{}/orders/{silent}/events", first.url);
    let events = tokio::spawn(async move { read_events(&url, usize::MAX).await });
    let deadline = Instant::now() + PATIENCE;
    while arrivals.lock().unwrap().len() < 10 {
        assert!(Instant::now() < deadline, "no status checks");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let term = Instant::now();
    let stopped = terminate(&mut first).await;
    // The open page's stream ended with the instance (the browser then reconnects).
    let views = tokio::time::timeout(PATIENCE, events)
        .await
        .expect("the event stream ended at the stop")
        .unwrap();
    assert!(
        !views.is_empty() && views.iter().all(|v| !v.is_final),
        "{views:?}"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let handed: u64 = text
        .lines()
        .find_map(|l| {
            let at = l.find(" unfinished jobs handed back")?;
            l[..at].rsplit(' ').next()?.parse().ok()
        })
        .unwrap_or_else(|| panic!("no hand-over in the log: {text}"));
    assert!(handed > 0, "{text}");
    // Nothing is left locked by the stopped worker.
    let store = Store::connect(&database).await.unwrap();
    let locked = match &database {
        Database::Sqlite(_) => {
            let pool = sqlx::SqlitePool::connect(db).await.unwrap();
            let (locked,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM Jobs WHERE status IN ('Queued', 'Running')")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            pool.close().await;
            locked
        }
        Database::Postgres(_) => {
            let pool = sqlx::PgPool::connect(db).await.unwrap();
            let (locked,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM apalis.jobs WHERE status IN ('Queued', 'Running')",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            pool.close().await;
            locked
        }
    };
    assert_eq!(locked, 0, "jobs still held by the stopped worker");

    let restarted = AppProcess::start(&args(db, next), &qosic_env(&mock));
    for reference in &orders {
        let view = wait_for(&restarted.url, reference, "final", |v| v.is_final).await;
        assert_eq!(view.state, State::Confirmed, "{view:?}");
        assert_eq!(mock.payment_requests(reference), 1, "{reference}");
        mock.assert_debited_once(reference);
    }
    let taken = arrivals
        .lock()
        .unwrap()
        .iter()
        .find(|at| **at > stopped)
        .copied()
        .expect("the restarted instance checked the payments");
    let takeover = taken - stopped;
    // The figure, for docs/BENCHMARKS.md (not a measure of speed: the assertion below is
    // about the mechanism, far from the figure).
    {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "sigterm hand-over ({}): stop took {} ms ({handed} jobs handed back); the {next} instance's first status check {} ms after the exit",
            database.kind(),
            (stopped - term).as_millis(),
            takeover.as_millis()
        );
    }
    assert!(
        takeover < Duration::from_secs(30),
        "the jobs waited {takeover:?}: as long as a heartbeat, so they were not handed back"
    );
    drop(restarted);
    let finals = store.final_transitions().await.unwrap();
    for reference in &orders {
        assert_eq!(
            finals.iter().filter(|(r, _, _)| r == reference).count(),
            1,
            "{reference} settled once"
        );
    }
    store.close().await;
}

/// The Postgres URL of `scratch`, with a password in it (the test server trusts loopback, so
/// any password is accepted).
fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (user, host) = rest.split_once('@').unwrap();
    let user = user.split(':').next().unwrap();
    format!("{scheme}://{user}:{password}@{host}")
}

fn assert_secret_free(pid: u32, log: &Path, secrets: &[&str]) {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    let logged = std::fs::read_to_string(log).unwrap();
    assert!(!logged.is_empty());
    for secret in secrets {
        assert!(!cmdline.contains(secret), "{secret} in ps: {cmdline}");
        assert!(!logged.contains(secret), "{secret} in the log: {logged}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_in_the_environment_show_in_no_ps_line_and_no_log_line() {
    let Ok(admin) = std::env::var("CHECKOUT_TEST_POSTGRES") else {
        missing(
            "the secrets test on Postgres",
            "CHECKOUT_TEST_POSTGRES is not set",
            HOW,
        );
        return;
    };
    let scratch = Scratch::create(&admin).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.txt");
    let pg_password = "pg-Secret-5be1c0";
    let admin_token = "admin-Secret-90f3aa";
    let qosic_password = "qosic-Secret-77d2e4";
    let card_key = "card-Secret-3c9a1f";
    let mock = MockQosic::builder().password(qosic_password).start().await;
    mock.set_card_key(card_key);
    let mut env = qosic_env(&mock);
    env.retain(|(name, _)| !matches!(*name, "RUST_LOG" | "QOSIC_PASSWORD"));
    env.extend([
        ("QOSIC_PASSWORD", qosic_password.to_owned()),
        ("DATABASE_URL", with_password(&scratch.url, pg_password)),
        ("CHECKOUT_ADMIN_TOKEN", admin_token.to_owned()),
        ("QOSIC_CARD_KEY", card_key.to_owned()),
        ("QOSIC_CARD_BASE_URL", mock.uri()),
        ("CHECKOUT_PUBLIC_URL", "https://pay.example.bj".to_owned()),
        // Everything the checkout logs, down to debug.
        ("RUST_LOG", "debug".to_owned()),
    ]);
    let app = AppProcess::start_logging_to(&["--listen", "127.0.0.1:0"], &env, Some(&log));
    let reference = order(&app.url, "22997000190", 1000).await;
    wait_state(&app.url, &reference, State::Failed).await;
    // A card order: the card key goes to the card checkout, and nowhere else.
    let card = http()
        .post(format!("{}/orders", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("amount=1000&method=card")
        .send()
        .await
        .unwrap();
    assert_eq!(card.status(), 303);
    let card_page = card.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        card_page.starts_with(&format!("{}/card/pay/", mock.uri())),
        "{card_page}"
    );
    let admin_page = http()
        .get(format!("{}/admin?q={reference}", app.url))
        .bearer_auth(admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(admin_page.status(), 200);
    let ready = http()
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ready: serde_json::Value = serde_json::from_str(&ready).unwrap();
    assert_eq!(ready["database"]["detail"], "postgres", "{ready}");
    assert_eq!(ready["ready"], true, "{ready}");
    let metrics = http()
        .get(format!("{}/metrics", app.url))
        .bearer_auth(admin_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        crate::bounds::metric(&metrics, "checkout_orders{state=\"failed\"}"),
        1.0,
        "{metrics}"
    );
    // The queue as Postgres has it (a job may still be being acknowledged).
    crate::bounds::metric(&metrics, "checkout_jobs{state=\"running\"}");
    crate::bounds::metric(&metrics, "checkout_jobs{state=\"due\"}");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(!logged.contains("cannot look for orders"), "{logged}");
    assert_secret_free(
        app.child.id(),
        &log,
        &[pg_password, admin_token, qosic_password, card_key],
    );
    drop(app);
    scratch.drop().await;
}

/// Starts the binary in `dir` with this environment only (no flags); returns it and the URL of
/// its first line.
fn start_in(dir: &Path, env: &[(&str, &str)]) -> (std::process::Child, String) {
    use std::io::BufRead as _;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_qosic-checkout"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("QOSIC_") || matches!(name.as_str(), "LISTEN" | "PORT" | "DATABASE_URL")
        {
            command.env_remove(name);
        }
    }
    let mut child = command
        .current_dir(dir)
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().trim_start_matches("listening on ").to_owned();
    (child, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_address_comes_from_listen_or_port_and_the_database_defaults_to_the_current_directory()
{
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = start_in(dir.path(), &[("LISTEN", "127.0.0.1:0")]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let health = http().get(format!("{url}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(
        dir.path().join("checkout.sqlite").is_file(),
        "the database is made where the program runs"
    );
    let _ = child.kill();
    let _ = child.wait();

    let (mut child, url) = start_in(dir.path(), &[("PORT", "0")]);
    assert!(
        url.starts_with("http://0.0.0.0:"),
        "PORT listens on every interface: {url}"
    );
    let _ = child.kill();
    let _ = child.wait();
}
