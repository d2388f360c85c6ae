//! The checkout's figures (docs/BENCHMARKS.md, "The checkout"): orders per second accepted and
//! settled, and what a pending order costs.
//!
//! ```text
//! cargo build --release -p qosic-checkout --bins --examples
//! target/release/examples/checkout-load --database sqlite --orders 2000 --concurrency 32
//! target/release/examples/checkout-load --database postgres://postgres@127.0.0.1:54329/postgres --orders 2000
//! target/release/examples/checkout-load --database sqlite --pending 5000
//! ```
//!
//! Starts the fake QosIc server (qosic-mock, over loopback HTTP) in this process and the
//! `qosic-checkout` binary (the one beside this example) as a child, on a fresh database (a
//! file in a temporary directory, or a scratch database on the Postgres server named, created
//! and dropped here). So the child's memory is the app's alone.
//!
//! - Throughput: posts `--orders` orders through the form at `--concurrency`, for customers
//!   who approve at the first status check (checks every second); reports orders accepted per
//!   second (until the last 303) and settled per second (from the first post until the admin
//!   endpoint counts them all confirmed).
//! - `--pending N`: N orders whose customers never answer (a 10-minute window), then the app's
//!   resident memory and the database's size per pending order; with Postgres and the
//!   `pg_stat_statements` extension, the statements run per status check over 30 s.
//!
//! Loopback only; bounded in count and time (every wait gives up after 10 minutes).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use qosic::mock::MockQosic;
use serde_json::Value;
use sqlx::{Connection, PgConnection};
use tokio::sync::Semaphore;

const PATIENCE: Duration = Duration::from_secs(600);

/// Measures the checkout: orders accepted and settled per second, or what pending orders cost.
#[derive(Debug, clap::Parser)]
#[command(name = "checkout-load", version)]
struct Args {
    /// `sqlite` (a scratch file) or a `postgres://` URL (a scratch database is made in it)
    #[arg(long, default_value = "sqlite")]
    database: String,
    /// Orders to post and settle (throughput mode)
    #[arg(long, default_value_t = 1000)]
    orders: usize,
    /// Form posts in flight at once
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Pending orders to hold instead (memory, database size and statements per status check)
    #[arg(long, default_value_t = 0)]
    pending: usize,
    /// Instances of the app on the one database (more than one needs Postgres); the orders
    /// are posted to them in turn, as a load balancer would
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=16))]
    instances: u16,
}

struct App {
    child: Child,
    url: String,
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("this program's path");
    let dir = exe.parent().and_then(Path::parent).expect("target/PROFILE");
    dir.join("qosic-checkout")
}

fn start_app(mock: &MockQosic, database: &str, extra: &[&str]) -> App {
    let mut child = Command::new(binary())
        .args(["--listen", "127.0.0.1:0", "--database", database])
        // The load comes from one address, to many numbers: no per-client or per-phone cap.
        .args([
            "--orders-per-client",
            "4000000000",
            "--orders-per-phone",
            "4000000000",
        ])
        .args(extra)
        .env("QOSIC_BASE_URL", mock.uri())
        .env("QOSIC_LOGIN", qosic::mock::DEFAULT_LOGIN)
        .env("QOSIC_PASSWORD", qosic::mock::DEFAULT_PASSWORD)
        .env("QOSIC_MTN_CLIENT_ID", qosic::mock::DEFAULT_MTN_CLIENT_ID)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start qosic-checkout (cargo build --release -p qosic-checkout --bins --examples)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("its first line");
    let url = line.trim().trim_start_matches("listening on ").to_owned();
    App { child, url }
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Posts one order per phone at `concurrency`; returns the seconds until the last answer.
async fn post_orders(bases: &[String], phones: Vec<String>, concurrency: usize) -> f64 {
    let client = http();
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, phone) in phones.into_iter().enumerate() {
        let permit = Arc::clone(&permits).acquire_owned().await.unwrap();
        let base = &bases[i % bases.len()];
        let (client, url) = (client.clone(), format!("{base}/orders"));
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("phone={phone}&amount=1000"))
                .send()
                .await
                .expect("POST /orders");
            assert_eq!(response.status(), 303, "an order refused");
            drop(permit);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed().as_secs_f64()
}

async fn admin(base: &str) -> Value {
    let body = http()
        .get(format!("{base}/admin/orders"))
        .send()
        .await
        .expect("GET /admin/orders")
        .bytes()
        .await
        .unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// Waits until `state` counts `n` orders.
async fn wait_count(base: &str, state: &str, n: usize) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let counts = admin(base).await;
        if counts["orders"][state].as_u64() == Some(n as u64) {
            return;
        }
        assert!(Instant::now() < deadline, "never {n} {state}: {counts}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A fresh database: a file in a temporary directory, or a scratch Postgres database.
struct Scratch {
    url: String,
    admin: Option<String>,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

impl Scratch {
    async fn new(database: &str) -> Scratch {
        if database == "sqlite" {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("load.sqlite").display());
            return Scratch {
                url,
                admin: None,
                name: String::new(),
                _dir: Some(dir),
            };
        }
        let name = format!("checkout_load_{}", std::process::id());
        let mut conn = PgConnection::connect(database)
            .await
            .expect("connect to Postgres");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE");
        let base = database
            .rsplit_once('/')
            .map(|(b, _)| b)
            .unwrap_or(database);
        Scratch {
            url: format!("{base}/{name}"),
            admin: Some(database.to_owned()),
            name,
            _dir: None,
        }
    }

    /// The database's size in bytes.
    async fn size(&self) -> u64 {
        match &self.admin {
            None => {
                let path = self.url.trim_start_matches("sqlite://");
                ["", "-wal"]
                    .iter()
                    .map(|suffix| {
                        std::fs::metadata(format!("{path}{suffix}"))
                            .map(|m| m.len())
                            .unwrap_or(0)
                    })
                    .sum()
            }
            Some(_) => {
                let mut conn = PgConnection::connect(&self.url).await.unwrap();
                let (size,): (i64,) = sqlx::query_as("SELECT pg_database_size(current_database())")
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
                size as u64
            }
        }
    }

    async fn drop(self) {
        if let Some(admin) = &self.admin {
            if let Ok(mut conn) = PgConnection::connect(admin).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                )))
                .execute(&mut conn)
                .await;
            }
        }
    }
}

async fn throughput(args: &Args, mock: &MockQosic) {
    let scratch = Scratch::new(&args.database).await;
    assert!(
        args.instances == 1 || scratch.admin.is_some(),
        "--instances above 1 needs a postgres:// database"
    );
    let apps: Vec<App> = (0..args.instances)
        .map(|i| {
            let name = format!("load-{i}");
            start_app(
                mock,
                &scratch.url,
                &["--check-interval", "1", "--instance", &name],
            )
        })
        .collect();
    let bases: Vec<String> = apps.iter().map(|app| app.url.clone()).collect();
    // Numbers below 90 approve at the first status check.
    let phones: Vec<String> = (0..args.orders)
        .map(|i| format!("22997{:06}", i % 1_000_000))
        .map(|p| {
            let last_two = &p[p.len() - 2..];
            if last_two >= "90" {
                format!("{}{}", &p[..p.len() - 2], "10")
            } else {
                p
            }
        })
        .collect();
    let started = Instant::now();
    let accepted = post_orders(&bases, phones, usize::from(args.concurrency)).await;
    wait_count(&bases[0], "confirmed", args.orders).await;
    let settled = started.elapsed().as_secs_f64();
    println!(
        "database={} instances={} orders={} concurrency={} accepted_per_sec={:.0} settled_per_sec={:.0} accept_seconds={:.2} settle_seconds={:.2}",
        if scratch.admin.is_some() { "postgres" } else { "sqlite" },
        args.instances,
        args.orders,
        args.concurrency,
        args.orders as f64 / accepted,
        args.orders as f64 / settled,
        accepted,
        settled
    );
    drop(apps);
    scratch.drop().await;
}

async fn pending(args: &Args, mock: &MockQosic) {
    let scratch = Scratch::new(&args.database).await;
    let app = start_app(
        mock,
        &scratch.url,
        &["--check-interval", "10", "--window", "600"],
    );
    let pid = app.child.id();
    // Warm up: the pools, the worker, the allocator.
    let warm: Vec<String> = (0..50).map(|i| format!("22997{i:04}93")).collect();
    post_orders(std::slice::from_ref(&app.url), warm, 8).await;
    wait_count(&app.url, "pending", 50).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss_before, size_before) = (rss_kib(pid), scratch.size().await);
    let phones: Vec<String> = (0..args.pending)
        .map(|i| format!("22996{i:04}93"))
        .collect();
    post_orders(
        std::slice::from_ref(&app.url),
        phones,
        usize::from(args.concurrency),
    )
    .await;
    wait_count(&app.url, "pending", args.pending + 50).await;
    // A full round of status checks (every 10 s) with all of them pending.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let (rss_after, size_after) = (rss_kib(pid), scratch.size().await);
    println!(
        "database={} pending={} rss_before_kib={rss_before} rss_after_kib={rss_after} rss_per_pending_bytes={:.0} db_bytes_per_order={:.0}",
        if scratch.admin.is_some() { "postgres" } else { "sqlite" },
        args.pending,
        (rss_after.saturating_sub(rss_before) * 1024) as f64 / args.pending as f64,
        size_after.saturating_sub(size_before) as f64 / args.pending as f64,
    );
    if scratch.admin.is_some() {
        statements_per_check(&scratch.url).await;
    }
    drop(app);
    scratch.drop().await;
}

async fn checks_made(conn: &mut PgConnection) -> i64 {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COALESCE(SUM(checks), 0)::BIGINT FROM checkout_orders")
            .fetch_one(conn)
            .await
            .unwrap();
    n
}

/// With pg_stat_statements: the statements of this database over 30 s, per status check made.
async fn statements_per_check(url: &str) {
    let mut conn = PgConnection::connect(url).await.unwrap();
    if sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .execute(&mut conn)
        .await
        .is_err()
        || sqlx::query("SELECT pg_stat_statements_reset()")
            .execute(&mut conn)
            .await
            .is_err()
    {
        println!("statements per check: unavailable (start Postgres with shared_preload_libraries=pg_stat_statements)");
        return;
    }
    let before = checks_made(&mut conn).await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    let after = checks_made(&mut conn).await;
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT query, calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid \
         WHERE d.datname = current_database() ORDER BY calls DESC",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    // Our own look-ups above are not the app's.
    let rows: Vec<(String, i64)> = rows
        .into_iter()
        .filter(|(q, _)| !q.contains("pg_stat_statements") && !q.contains("SUM(checks)"))
        .collect();
    let total: i64 = rows.iter().map(|(_, c)| c).sum();
    let made = (after - before).max(1);
    println!(
        "status checks in 30 s: {made}; statements: {total}; per check: {:.2}",
        total as f64 / made as f64
    );
    for (query, calls) in rows.iter().take(12) {
        let query: String = query.split_whitespace().collect::<Vec<_>>().join(" ");
        println!(
            "  {calls:>7}  {}",
            query.chars().take(110).collect::<String>()
        );
    }
}

#[tokio::main]
async fn main() {
    let args = <Args as clap::Parser>::parse();
    let mock = MockQosic::builder().max_connections(2048).start().await;
    if args.pending > 0 {
        pending(&args, &mock).await;
    } else {
        throughput(&args, &mock).await;
    }
}
