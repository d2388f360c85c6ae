//! MTN pay flows through the SDK at a given concurrency: what the `loadgen` example runs,
//! what benchmarks 1 to 3 measure, and what the loadgen contract test checks.
//!
//! A flow is [`Client::pay`] on an MTN number that approves: the payment request, then status
//! checks under the carrier's polling policy until the server confirms.
//!
//! `Target::from_env(url).client(transport, polling)` builds the client (MTN only, the
//! environment's credentials or qosic-mock's defaults), [`run`] runs the flows and returns a
//! [`FlowReport`], and [`FlowReport::contract_line`] is the loadgen's last line.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qosic::benin::Mtn;
use qosic::transport::Transport;
use qosic::{Client, Error, PaymentRequest, PollingPolicy, Status};

/// Where and as whom the flows pay.
#[derive(Debug, Clone)]
pub struct Target {
    /// Base URL of a QosIc-compatible server, e.g. `http://127.0.0.1:40123`.
    pub base_url: String,
    /// API login (`QOSIC_LOGIN`, default qosic-mock's `merchant`).
    pub login: String,
    /// API password (`QOSIC_PASSWORD`, default qosic-mock's `secret`).
    pub password: String,
    /// MTN client id (`QOSIC_MTN_CLIENT_ID`, default qosic-mock's `MTN_CLIENT`).
    pub mtn_client_id: String,
}

impl Target {
    /// `base_url` with the credentials and client id of the environment (DESIGN.md's
    /// variables), or qosic-mock's defaults for those unset.
    pub fn from_env(base_url: impl Into<String>) -> Target {
        let var = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Target {
            base_url: base_url.into(),
            login: var("QOSIC_LOGIN", qosic::mock::DEFAULT_LOGIN),
            password: var("QOSIC_PASSWORD", qosic::mock::DEFAULT_PASSWORD),
            mtn_client_id: var("QOSIC_MTN_CLIENT_ID", qosic::mock::DEFAULT_MTN_CLIENT_ID),
        }
    }

    /// A client for this target with the MTN carrier only, polling under `polling`.
    pub fn client(
        &self,
        transport: impl Transport + 'static,
        polling: PollingPolicy,
    ) -> Result<Client, Error> {
        Client::builder()
            .base_url(self.base_url.clone())
            .login(self.login.clone())
            .password(self.password.clone())
            .carrier(Mtn::new(self.mtn_client_id.clone())?.with_polling(polling))
            .transport(transport)
            .build()
    }
}

/// The `i`-th MTN number that approves (legacy plan, prefix 97): the last two digits stay
/// below 90, so no magic behaviour of qosic-mock applies.
pub fn approving_phone(i: usize) -> String {
    format!("22997{:04}{:02}", (i / 90) % 10_000, i % 90)
}

/// What a run of flows measured.
#[derive(Debug, Clone)]
pub struct FlowReport {
    /// Flows run.
    pub flows: usize,
    /// Flows at once.
    pub concurrency: usize,
    /// Wall time of the whole run.
    pub elapsed: Duration,
    /// Wall time of each flow, sorted.
    pub latencies: Vec<Duration>,
    /// Flows that ended other than confirmed (error, failed, pending, unknown).
    pub failures: usize,
    /// The first of those, described.
    pub first_failure: Option<String>,
}

impl FlowReport {
    /// Flows per second over the whole run.
    pub fn flows_per_sec(&self) -> f64 {
        self.flows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `q`-quantile of flow latency (0.5 = median), in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        quantile(&self.latencies, q).as_secs_f64() * 1e3
    }

    /// The loadgen contract's line:
    /// `flows=N concurrency=C seconds=S flows_per_sec=R p50_ms=A p99_ms=B`.
    pub fn contract_line(&self) -> String {
        format!(
            "flows={} concurrency={} seconds={:.3} flows_per_sec={:.1} p50_ms={:.3} p99_ms={:.3}",
            self.flows,
            self.concurrency,
            self.elapsed.as_secs_f64(),
            self.flows_per_sec(),
            self.quantile_ms(0.5),
            self.quantile_ms(0.99),
        )
    }
}

/// The `q`-quantile (nearest rank) of sorted `values`; zero when empty.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs `flows` pay flows of `amount` XOF through `client`, `concurrency` at a time
/// (each of `concurrency` tasks takes the next flow when its last one ends). Phone numbers
/// are [`approving_phone`]`(first_phone + i)`.
pub async fn run(
    client: &Client,
    flows: usize,
    concurrency: usize,
    first_phone: usize,
) -> FlowReport {
    let concurrency = concurrency.clamp(1, flows.max(1));
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new((0usize, None::<String>)));
    let started = Instant::now();
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = client.clone();
        let next = Arc::clone(&next);
        let failures = Arc::clone(&failures);
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(flows / concurrency + 1);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= flows {
                    break;
                }
                let t = Instant::now();
                let result = client
                    .pay(
                        PaymentRequest::new(approving_phone(first_phone + i), 1000)
                            .first_name("Ada")
                            .last_name("Lovelace"),
                    )
                    .await;
                latencies.push(t.elapsed());
                let failure = match result {
                    Ok(outcome) if outcome.status() == Status::Confirmed => None,
                    Ok(outcome) => Some(format!(
                        "flow {i} ended {} after {} status check(s)",
                        outcome.status(),
                        outcome.status_checks()
                    )),
                    Err(error) => Some(format!("flow {i}: {error}")),
                };
                if let Some(failure) = failure {
                    let mut f = failures.lock().unwrap_or_else(|e| e.into_inner());
                    f.0 += 1;
                    f.1.get_or_insert(failure);
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::with_capacity(flows);
    let mut panicked = 0;
    for worker in workers {
        match worker.await {
            Ok(l) => latencies.extend(l),
            Err(_) => panicked += 1,
        }
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let (failed, first_failure) = {
        let f = failures.lock().unwrap_or_else(|e| e.into_inner());
        (f.0, f.1.clone())
    };
    FlowReport {
        flows,
        concurrency,
        elapsed,
        latencies,
        failures: failed + panicked,
        first_failure: first_failure
            .or_else(|| (panicked > 0).then(|| format!("{panicked} worker(s) panicked"))),
    }
}
