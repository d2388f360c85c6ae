//! Two instances of the binary on one Postgres, 50 orders spread over both, one instance
//! killed (SIGKILL) half-way: every order settles exactly once, no payment is sent twice.
//!
//! Needs a Postgres that may create databases, named by `CHECKOUT_TEST_POSTGRES`
//! (`checkout/scripts/test-postgres.sh` starts one; `.ci/run` does it in CI).

use std::collections::BTreeSet;

use qosic::mock::{MockQosic, Subscriber};
use qosic_checkout::config::Database;
use qosic_checkout::store::Store;
use qosic_checkout::State;
use sqlx::{Connection, PgConnection};

use crate::support::*;

pub(crate) const HOW: &str =
    "export CHECKOUT_TEST_POSTGRES=\"$(bash checkout/scripts/test-postgres.sh)\" \
                   (needs apt-get install -y postgresql), then cargo test -p qosic-checkout";

/// A database of its own on the test server, dropped at the end.
pub(crate) struct Scratch {
    admin: String,
    name: String,
    pub(crate) url: String,
}

impl Scratch {
    pub(crate) async fn create(admin: &str) -> Scratch {
        // Unique within this process too: tests create theirs at the same moment.
        static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let name = format!(
            "checkout_test_{}_{}_{}",
            std::process::id(),
            qosic_checkout::store::now_ms(),
            COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let mut conn = PgConnection::connect(admin)
            .await
            .unwrap_or_else(|e| panic!("CHECKOUT_TEST_POSTGRES={admin} does not connect: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE (the user needs CREATEDB)");
        conn.close().await.unwrap();
        let base = admin
            .rsplit_once('/')
            .map(|(base, _)| base)
            .unwrap_or(admin);
        Scratch {
            admin: admin.to_owned(),
            url: format!("{base}/{name}"),
            name,
        }
    }

    pub(crate) async fn drop(self) {
        if let Ok(mut conn) = PgConnection::connect(&self.admin).await {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut conn)
            .await;
        }
    }
}

fn start(db: &str, instance: &str, mock: &MockQosic) -> AppProcess {
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--database",
        db,
        "--instance",
        instance,
        "--check-interval",
        "1",
        "--window",
        "60",
        "--heartbeat",
        "1",
        // Every order of this test comes from one address (loopback).
        "--orders-per-client",
        "1000",
    ];
    AppProcess::start(&args, &qosic_env(mock))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_one_killed_every_order_settles_once() {
    let Ok(admin) = std::env::var("CHECKOUT_TEST_POSTGRES") else {
        missing(
            "the multi-server test",
            "CHECKOUT_TEST_POSTGRES is not set",
            HOW,
        );
        return;
    };
    let scratch = Scratch::create(&admin).await;
    let mock = MockQosic::start().await;
    let phones: Vec<String> = (0..50).map(|i| format!("229970004{i:02}")).collect();
    let declines = |i: usize| i % 5 == 4;
    for (i, phone) in phones.iter().enumerate() {
        let subscriber = if declines(i) {
            Subscriber::declines().after_checks(1)
        } else {
            Subscriber::approves_after_checks(2)
        };
        mock.subscriber(phone, subscriber);
    }

    let mut a = start(&scratch.url, "a", &mock);
    let b = start(&scratch.url, "b", &mock);
    let mut orders = Vec::new();
    for (i, phone) in phones.iter().enumerate().take(25) {
        let app = if i % 2 == 0 { &a.url } else { &b.url };
        orders.push((order(app, phone, 1000 + i as u64).await, i));
    }
    // Mid-way: payments pending on both, then instance a dies. Every request must have
    // left first: an order a dies with in `sending` may or may not have reached QosIc, so
    // it is rightly never sent again, and its window (60 s) outlasts this test's patience.
    // That path has its own test (`steps::an_order_found_sending_is_settled_by_status_checks_and_never_sent_again`).
    for (reference, _) in &orders {
        wait_for(&b.url, reference, "sent", |v| {
            !matches!(v.state, State::Created | State::Sending)
        })
        .await;
    }
    a.kill();
    for (i, phone) in phones.iter().enumerate().skip(25) {
        orders.push((order(&b.url, phone, 1000 + i as u64).await, i));
    }

    for (reference, i) in &orders {
        let view = wait_for(&b.url, reference, "final", |v| v.is_final).await;
        let expected = if declines(*i) {
            State::Failed
        } else {
            State::Confirmed
        };
        assert_eq!(view.state, expected, "{view:?}");
        assert_eq!(
            mock.payment_requests(reference),
            1,
            "one payment request for {reference}"
        );
    }
    let counts = counts(&b.url).await;
    assert_eq!(counts["confirmed"], 40, "{counts:?}");
    assert_eq!(counts["failed"], 10, "{counts:?}");

    // A page follows its order on an instance that runs no jobs: every change reaches it
    // from b's worker through Postgres's NOTIFY.
    let web = AppProcess::start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--database",
            &scratch.url,
            "--instance",
            "web",
            "--no-worker",
        ],
        &qosic_env(&mock),
    );
    mock.subscriber("22997000499", Subscriber::approves_after_checks(2));
    let reference = order(&web.url, "22997000499", 999).await;
    let views = read_events(
        &format!("{}/orders/{reference}/events", web.url),
        usize::MAX,
    )
    .await;
    let states: Vec<State> = views.iter().map(|v| v.state).collect();
    assert!(states.contains(&State::Pending), "{states:?}");
    assert_eq!(states.last(), Some(&State::Confirmed), "{states:?}");
    drop(web);
    drop(b);

    let store = Store::connect(&Database::Postgres(scratch.url.clone()))
        .await
        .unwrap();
    let finals = store.final_transitions().await.unwrap();
    // The 50, and the one followed on the web-only instance.
    assert_eq!(
        finals.len(),
        51,
        "one final transition per order: {finals:?}"
    );
    let settled: BTreeSet<&String> = finals.iter().map(|(r, _, _)| r).collect();
    assert_eq!(settled.len(), 51);
    let instances: BTreeSet<&str> = finals.iter().map(|(_, _, i)| i.as_str()).collect();
    assert!(instances.contains("b"), "{instances:?}");
    // Instance a did part of the work before it died.
    let mut worked_on_a = 0;
    for (reference, _) in &orders {
        let history = store.history(reference).await.unwrap();
        worked_on_a += history.iter().filter(|t| t.instance == "a").count();
    }
    assert!(worked_on_a > 0, "instance a took orders before it died");
    assert_eq!(store.revive_dead_jobs().await.unwrap(), 0, "no job gave up");
    // Finished jobs can be pruned (one per send and per status check).
    let jobs = store.job_rows().await.unwrap();
    assert!(jobs >= 100, "{jobs} job rows for 50 orders");
    let pruned = store
        .prune_jobs(std::time::Duration::ZERO, 100_000)
        .await
        .unwrap();
    assert!(pruned > 0 && pruned <= jobs as u64, "{pruned} of {jobs}");
    store.close().await;
    scratch.drop().await;
}
