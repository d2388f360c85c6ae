//! The loadgen's contract: its flows pay through the SDK over HTTP, and its last line is
//! `flows=N concurrency=C seconds=S flows_per_sec=R p50_ms=A p99_ms=B`.
//!
//! The flow runner and the line are the ones this program uses (`qosic_bench::flows`). A few
//! flows only, and no assertion on time.

use std::time::Duration;

use qosic_bench::flows;
use qosic_core::PollingPolicy;
use qosic_http::HttpTransport;
use qosic_mock::MockQosic;

#[tokio::test]
async fn a_few_flows_end_with_the_contract_line() {
    let mock = MockQosic::start().await;
    let polling =
        PollingPolicy::unbounded(Duration::from_nanos(1), Duration::from_secs(10)).unwrap();
    // The loadgen reads these from the environment, with these defaults.
    let target = flows::Target {
        base_url: mock.uri(),
        login: qosic_mock::DEFAULT_LOGIN.to_owned(),
        password: qosic_mock::DEFAULT_PASSWORD.to_owned(),
        mtn_client_id: qosic_mock::DEFAULT_MTN_CLIENT_ID.to_owned(),
    };
    let client = target
        .client(HttpTransport::new().unwrap(), polling)
        .unwrap();
    let report = flows::run(&client, 5, 2, 0).await;
    assert_eq!(report.failures, 0, "{:?}", report.first_failure);
    assert_eq!(mock.ledger().collected, 5 * 1000);

    let line = report.contract_line();
    let fields: Vec<(&str, &str)> = line
        .split(' ')
        .map(|kv| kv.split_once('=').expect("key=value"))
        .collect();
    let keys: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        keys,
        [
            "flows",
            "concurrency",
            "seconds",
            "flows_per_sec",
            "p50_ms",
            "p99_ms"
        ],
        "{line}"
    );
    assert_eq!(fields[0].1, "5");
    assert_eq!(fields[1].1, "2");
    for (key, value) in &fields[2..] {
        let v: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("{key}={value} in {line}"));
        assert!(v.is_finite() && v >= 0.0, "{line}");
    }
}

#[test]
fn approving_phones_avoid_the_magic_endings() {
    for i in [0, 89, 90, 179, 12_345, 899_999] {
        let phone = flows::approving_phone(i);
        assert_eq!(phone.len(), 11, "{phone}");
        let last_two: u32 = phone[9..].parse().unwrap();
        assert!(last_two < 90, "{phone}");
    }
}
