//! Benchmark 6, against the testing anchor: the same 1,000 MTN pay flows of a downstream test
//! suite (one after the other, each a payment request and one status check that approves),
//! run three ways, as users choose how to test:
//!
//! 1. the SDK against qosic-mock in-process ([`MockQosic::in_process`]) on tokio's paused
//!    clock, with QosIc's default polling (the first check 10 s of virtual time later);
//! 2. the SDK against qosic-mock over loopback HTTP ([`MockQosic::start`], in the same process,
//!    as a Rust test suite runs it), real clock, the shortest polling step the SDK allows;
//! 3. the SDK against wiremock-rs stubs of the same two endpoints (loopback HTTP, real clock,
//!    the same step): the fixed answers a hand-written test would give.
//!
//! Each on a fresh current-thread runtime, as `#[tokio::test]` gives; wall time of the 1,000
//! flows (server start-up included), median of the rounds, the three interleaved.

use std::time::{Duration, Instant};

use qosic_core::{PaymentRequest, PollingPolicy, Status};
use qosic_http::HttpTransport;
use qosic_mock::MockQosic;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{median, mock_target, Row, AT_ONCE};
use qosic_bench::flows::approving_phone;

const FLOWS: usize = 1000;

/// Which server the flows run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    InProcess,
    MockHttp,
    Wiremock,
}

impl Anchor {
    const ALL: [Anchor; 3] = [Anchor::InProcess, Anchor::MockHttp, Anchor::Wiremock];
}

/// `flows` pay flows through `client`, each expected confirmed after one status check.
async fn flows(client: &qosic_core::Client, flows: usize) -> Result<(), String> {
    for i in 0..flows {
        let outcome = client
            .pay(
                PaymentRequest::new(approving_phone(i), 1000)
                    .first_name("Ada")
                    .last_name("Lovelace"),
            )
            .await
            .map_err(|e| format!("flow {i}: {e}"))?;
        if outcome.status() != Status::Confirmed || outcome.status_checks() != 1 {
            return Err(format!(
                "flow {i} ended {} after {} checks (expected confirmed after 1)",
                outcome.status(),
                outcome.status_checks()
            ));
        }
    }
    Ok(())
}

/// The two wiremock stubs: MTN's payment request (202, pending) and status check (200, 00),
/// fixed answers without a `transref` (the SDK settles a payment only on an answer naming its
/// own reference or none, and fixed stubs cannot echo it).
async fn wiremock_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/QosicBridge/user/requestpayment"))
        .respond_with(ResponseTemplate::new(202).set_body_raw(
            r#"{"responsecode":"01","responsemsg":"PENDING","comment":null}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/QosicBridge/user/gettransactionstatus"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"responsecode":"00","responsemsg":"SUCCESSFUL","comment":null}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    server
}

/// Wall time of `n` flows against `anchor`, on a fresh current-thread runtime.
fn one_run(anchor: Anchor, n: usize) -> Result<Duration, String> {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_all();
    if anchor == Anchor::InProcess {
        builder.start_paused(true);
    }
    let runtime = builder.build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let started = Instant::now();
        let at_once = || PollingPolicy::unbounded(AT_ONCE, Duration::from_secs(10));
        match anchor {
            Anchor::InProcess => {
                let mock = MockQosic::in_process();
                let client = mock_target(&mock.uri())
                    .client(mock.transport(), PollingPolicy::default())
                    .map_err(|e| e.to_string())?;
                flows(&client, n).await?;
            }
            Anchor::MockHttp => {
                let mock = MockQosic::start().await;
                let transport = HttpTransport::new().map_err(|e| e.to_string())?;
                let polling = at_once().map_err(|e| e.to_string())?;
                let client = mock_target(&mock.uri())
                    .client(transport, polling)
                    .map_err(|e| e.to_string())?;
                flows(&client, n).await?;
            }
            Anchor::Wiremock => {
                let server = wiremock_server().await;
                let transport = HttpTransport::new().map_err(|e| e.to_string())?;
                let polling = at_once().map_err(|e| e.to_string())?;
                let client = mock_target(&server.uri())
                    .client(transport, polling)
                    .map_err(|e| e.to_string())?;
                flows(&client, n).await?;
            }
        }
        Ok(started.elapsed())
    })
}

pub(crate) fn run(rounds: usize, quick: bool) -> Row {
    const NAME: &str =
        "Against the testing anchor: 1,000 flows, in-process / qosic-mock HTTP / wiremock";
    const GOAL: &str = "report";
    let n = if quick { FLOWS / 5 } else { FLOWS };
    let mut times: [Vec<f64>; 3] = Default::default();
    // A warm-up run of each, then the rounds, interleaved (the order turns each round).
    for round in 0..=rounds {
        for turn in 0..3 {
            let which = (round + turn) % 3;
            match one_run(Anchor::ALL[which], n) {
                Ok(t) if round > 0 => times[which].push(t.as_secs_f64()),
                Ok(_) => {}
                Err(e) => {
                    return Row::unavailable(
                        6,
                        NAME,
                        GOAL,
                        &format!("{:?}: {e}", Anchor::ALL[which]),
                    )
                }
            }
        }
    }
    let [in_process, mock_http, wiremock] = [0, 1, 2].map(|i| median(&times[i]));
    let list = |v: &[f64]| {
        v.iter()
            .map(|t| format!("{t:.3}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    Row {
        number: 6,
        name: NAME,
        figure: format!(
            "{in_process:.3} s / {mock_http:.3} s / {wiremock:.3} s; wiremock ÷ in-process {:.0}x, wiremock ÷ qosic-mock HTTP {:.2}x",
            wiremock / in_process,
            wiremock / mock_http
        ),
        goal: GOAL,
        pass: None,
        details: vec![
            format!(
                "{n} sequential MTN flows (payment request + 1 status check), wall time with server start-up, medians of {rounds} interleaved rounds after a warm-up"
            ),
            format!(
                "qosic-mock in-process, paused clock, default polling (10 s virtual step): {in_process:.3} s ({:.0} us per flow; runs {})",
                in_process * 1e6 / n as f64,
                list(&times[0])
            ),
            format!(
                "qosic-mock over loopback HTTP, real clock, 1 ns step: {mock_http:.3} s ({:.0} us per flow; runs {})",
                mock_http * 1e6 / n as f64,
                list(&times[1])
            ),
            format!(
                "wiremock-rs 0.6 stubs over loopback HTTP, real clock, 1 ns step: {wiremock:.3} s ({:.0} us per flow; runs {})",
                wiremock * 1e6 / n as f64,
                list(&times[2])
            ),
        ],
    }
}
