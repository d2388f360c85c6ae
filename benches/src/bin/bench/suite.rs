//! Benchmark 5, test-suite speed: 1,000 full MTN flows, one after the other as a test suite
//! runs them, through the in-process transport of qosic-mock under tokio's paused clock,
//! with QosIc's default polling (a check every 10 s, 2-minute window) and a subscriber who
//! approves after 60 s (so each flow makes 1 payment request and 6 status checks).

use std::time::{Duration, Instant};

use qosic_core::{PaymentRequest, PollingPolicy, Status};
use qosic_mock::{MockQosic, Subscriber};

use crate::common::{median, mock_target, Row};

const PHONE: &str = "22997000100";

/// Wall time of `flows` flows on a fresh fake server and a paused current-thread runtime.
fn one_run(flows: usize) -> Result<Duration, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let mock = MockQosic::in_process();
        mock.subscriber(PHONE, Subscriber::approves_after(Duration::from_secs(60)));
        let client = mock_target(&mock.uri())
            .client(mock.transport(), PollingPolicy::default())
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        for i in 0..flows {
            let outcome = client
                .pay(
                    PaymentRequest::new(PHONE, 1000)
                        .first_name("Ada")
                        .last_name("Lovelace"),
                )
                .await
                .map_err(|e| format!("flow {i}: {e}"))?;
            if outcome.status() != Status::Confirmed || outcome.status_checks() != 6 {
                return Err(format!(
                    "flow {i} ended {} after {} checks (expected confirmed after 6)",
                    outcome.status(),
                    outcome.status_checks()
                ));
            }
        }
        Ok(started.elapsed())
    })
}

pub(crate) fn run(rounds: usize) -> Row {
    const NAME: &str = "Test-suite speed: 1,000 flows, 2-min window, paused clock, in-process";
    const GOAL: &str = "< 1 s wall";
    let flows = 1000;
    let mut times = Vec::new();
    // One warm-up run, then the rounds.
    for round in 0..=rounds {
        match one_run(flows) {
            Ok(t) if round > 0 => times.push(t.as_secs_f64()),
            Ok(_) => {}
            Err(e) => return Row::unavailable(5, NAME, GOAL, &e),
        }
    }
    let wall = median(&times);
    Row {
        number: 5,
        name: NAME,
        figure: format!("{:.3} s ({:.0} us per flow)", wall, wall * 1e6 / flows as f64),
        goal: GOAL,
        pass: Some(wall < 1.0),
        details: vec![format!(
            "{flows} sequential flows of 7 requests each (6 status checks at 10 s steps of the paused clock); runs {}",
            times.iter().map(|t| format!("{t:.3} s")).collect::<Vec<_>>().join(", ")
        )],
    }
}
