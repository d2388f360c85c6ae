//! Benchmark 1, SDK overhead against the limit: MTN pay flows per second through the SDK
//! (`Client::pay` on `HttpTransport`) divided by the same two HTTP requests made with bare
//! reqwest and hand-written JSON, against the same qosic-mock process, in interleaved rounds;
//! and this process's CPU time per flow for each. Goals: flows/s at least 0.9x sequentially
//! and at concurrency 32, CPU per flow at most 1.25x at concurrency 32.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use qosic_core::Credentials;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};

use crate::common::{cpu_time, median, sdk_client, Row, AT_ONCE};
use qosic_bench::flows::{self, approving_phone};

/// The limit: a reqwest client with the same settings that matter (HTTP/1.1, keep-alive),
/// sending the same bytes as the SDK (the same headers, JSON written by `format!`), the
/// answer checked by a substring search.
#[derive(Clone)]
pub(crate) struct Bare {
    client: reqwest::Client,
    payment_url: Arc<str>,
    status_url: Arc<str>,
    reset_url: Arc<str>,
    authorization: Arc<str>,
}

static NEXT_REF: AtomicU64 = AtomicU64::new(0);

impl Bare {
    pub(crate) fn new(base_url: &str) -> Result<Bare, String> {
        let client = reqwest::Client::builder()
            .http1_only()
            .user_agent(qosic_http::DEFAULT_USER_AGENT)
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        let credentials = Credentials::new(qosic_mock::DEFAULT_LOGIN, qosic_mock::DEFAULT_PASSWORD);
        Ok(Bare {
            client,
            payment_url: format!("{base_url}/QosicBridge/user/requestpayment").into(),
            status_url: format!("{base_url}/QosicBridge/user/gettransactionstatus").into(),
            reset_url: format!("{base_url}/__admin/reset").into(),
            authorization: credentials.authorization().expose().into(),
        })
    }

    /// Forgets the mock's transactions and journal, so that every measurement starts equal.
    pub(crate) async fn reset_mock(&self) -> Result<(), String> {
        let r = self
            .client
            .post(&*self.reset_url)
            .header("content-type", "application/json")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if r.status().is_success() {
            Ok(())
        } else {
            Err(format!("POST /__admin/reset answered {}", r.status()))
        }
    }

    async fn post(&self, url: &str, body: String) -> Result<(u16, bytes::Bytes), String> {
        let r = self
            .client
            .post(url)
            .header(AUTHORIZATION, &*self.authorization)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        let body = r.bytes().await.map_err(|e| e.to_string())?;
        Ok((status, body))
    }

    /// `flows` bare flows, `concurrency` at a time; returns flows per second.
    pub(crate) async fn run(&self, flows: usize, concurrency: usize) -> Result<f64, String> {
        run_flows(self, flows, concurrency).await
    }
}

/// A baseline client: posts the hand-written body of the payment or the status request.
trait BareClient: Clone + Send + Sync + 'static {
    /// The reference prefix of its payments.
    const PREFIX: &'static str;
    /// Posts `body` to the status endpoint (`status`) or the payment one.
    fn post_to(
        &self,
        status: bool,
        body: String,
    ) -> impl std::future::Future<Output = Result<(u16, bytes::Bytes), String>> + Send;
}

impl BareClient for Bare {
    const PREFIX: &'static str = "BARE";
    async fn post_to(&self, status: bool, body: String) -> Result<(u16, bytes::Bytes), String> {
        let url = if status {
            &self.status_url
        } else {
            &self.payment_url
        };
        self.post(url, body).await
    }
}

/// One flow: the payment request (202 expected), then one status check (`00` expected).
async fn bare_flow<C: BareClient>(client: &C, phone: &str) -> Result<(), String> {
    let reference = format!(
        "{}{:016}",
        C::PREFIX,
        NEXT_REF.fetch_add(1, Ordering::Relaxed)
    );
    let (status, _) = client
        .post_to(
            false,
            format!(
                r#"{{"msisdn":"{phone}","amount":"1000","firstname":"Ada","lastname":"Lovelace","transref":"{reference}","clientid":"{}"}}"#,
                qosic_mock::DEFAULT_MTN_CLIENT_ID
            ),
        )
        .await?;
    if status != 202 {
        return Err(format!("payment answered {status}"));
    }
    let (status, body) = client
        .post_to(
            true,
            format!(
                r#"{{"transref":"{reference}","clientid":"{}"}}"#,
                qosic_mock::DEFAULT_MTN_CLIENT_ID
            ),
        )
        .await?;
    if status != 200 || !memchr_find(&body, br#""responsecode":"00""#) {
        return Err(format!("status answered {status}"));
    }
    Ok(())
}

/// `flows` flows of `client`, `concurrency` at a time; returns flows per second.
async fn run_flows<C: BareClient>(
    client: &C,
    flows: usize,
    concurrency: usize,
) -> Result<f64, String> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.clamp(1, flows.max(1)) {
        let client = client.clone();
        let next = Arc::clone(&next);
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= flows {
                    return Ok::<(), String>(());
                }
                bare_flow(&client, &approving_phone(i)).await?;
            }
        }));
    }
    for worker in workers {
        worker.await.map_err(|e| e.to_string())??;
    }
    Ok(flows as f64 / started.elapsed().as_secs_f64())
}

/// The bare client as the SDK's transport: splits the overhead between the client and
/// carriers (qosic-core, qosic-carriers-bj) and `HttpTransport` (qosic-http).
#[async_trait::async_trait]
impl qosic_core::Transport for Bare {
    async fn send(
        &self,
        request: qosic_core::ApiRequest,
    ) -> Result<qosic_core::ApiResponse, qosic_core::TransportError> {
        let fail = |e: reqwest::Error| {
            qosic_core::TransportError::new(
                qosic_core::TransportErrorKind::Other,
                qosic_core::Delivery::MaybeSent,
            )
            .with_source(e)
        };
        let r = self
            .client
            .post(request.url())
            .header(AUTHORIZATION, &*self.authorization)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(request.body().to_vec())
            .send()
            .await
            .map_err(fail)?;
        let status = r.status().as_u16();
        let body = r.bytes().await.map_err(fail)?;
        Ok(qosic_core::ApiResponse::new(status, body.to_vec()))
    }
}

impl std::fmt::Debug for Bare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bare").finish_non_exhaustive()
    }
}

fn memchr_find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Per round (alternating which goes first): SDK flows/s, bare flows/s, their ratio, and
/// this process's CPU time per flow (µs) for each.
#[derive(Debug, Default)]
struct Rounds {
    sdk: Vec<f64>,
    bare: Vec<f64>,
    ratio: Vec<f64>,
    /// The SDK on a bare-reqwest transport, divided by bare.
    core_ratio: Vec<f64>,
    sdk_cpu_us: Vec<f64>,
    bare_cpu_us: Vec<f64>,
    /// SDK CPU per flow ÷ bare CPU per flow, round by round.
    cpu_ratio: Vec<f64>,
}

fn cpu_us() -> f64 {
    cpu_time("self").unwrap_or_default().as_secs_f64() * 1e6
}

/// SDK / bare flows per second at `concurrency`, in interleaved rounds.
async fn ratios(
    base_url: &str,
    flows: usize,
    concurrency: usize,
    rounds: usize,
) -> Result<Rounds, String> {
    let bare = Bare::new(base_url)?;
    let sdk = sdk_client(base_url, AT_ONCE, Duration::from_secs(10))?;
    let polling = qosic_core::PollingPolicy::unbounded(AT_ONCE, Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let core = crate::common::mock_target(base_url)
        .client(bare.clone(), polling)
        .map_err(|e| e.to_string())?;
    // Warm both: connections, allocator, the mock's code paths.
    bare.run(200, concurrency).await?;
    let warm = flows::run(&sdk, 200, concurrency, 0).await;
    if warm.failures > 0 {
        return Err(warm.first_failure.unwrap_or_default());
    }
    let mut out = Rounds::default();
    for round in 0..rounds {
        let (mut s, mut b, mut c) = (0.0, 0.0, 0.0);
        let (mut s_cpu, mut b_cpu) = (0.0, 0.0);
        // The three subjects take turns going first, round by round.
        for turn in 0..3 {
            bare.reset_mock().await?;
            let cpu = cpu_us();
            match (round + turn) % 3 {
                0 => {
                    b = bare.run(flows, concurrency).await?;
                    b_cpu = (cpu_us() - cpu) / flows as f64;
                }
                1 => {
                    let report = flows::run(&sdk, flows, concurrency, 0).await;
                    if report.failures > 0 {
                        return Err(report.first_failure.unwrap_or_default());
                    }
                    s = report.flows_per_sec();
                    s_cpu = (cpu_us() - cpu) / flows as f64;
                }
                _ => {
                    let report = flows::run(&core, flows, concurrency, 0).await;
                    if report.failures > 0 {
                        return Err(report.first_failure.unwrap_or_default());
                    }
                    c = report.flows_per_sec();
                }
            }
        }
        out.sdk.push(s);
        out.bare.push(b);
        out.ratio.push(s / b);
        out.core_ratio.push(c / b);
        out.sdk_cpu_us.push(s_cpu);
        out.bare_cpu_us.push(b_cpu);
        out.cpu_ratio.push(s_cpu / b_cpu);
    }
    Ok(out)
}

fn list(xs: &[f64], digits: usize) -> String {
    xs.iter()
        .map(|x| format!("{x:.digits$}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn describe(label: &str, flows: usize, rounds: usize, r: &Rounds) -> String {
    format!(
        "{label}, {flows} flows x {rounds} rounds: SDK {:.0} flows/s, bare reqwest {:.0} flows/s, ratio {:.3} (medians; ratios {}); CPU of this process per flow: SDK {:.1} us, bare reqwest {:.1} us, ratio {:.2}x (ratios {}); the SDK on a bare-reqwest Transport (qosic-http left out): ratio {:.3}",
        median(&r.sdk),
        median(&r.bare),
        median(&r.ratio),
        list(&r.ratio, 3),
        median(&r.sdk_cpu_us),
        median(&r.bare_cpu_us),
        median(&r.cpu_ratio),
        list(&r.cpu_ratio, 2),
        median(&r.core_ratio),
    )
}

pub(crate) async fn run(base_url: &str, quick: bool, rounds: usize) -> Row {
    const NAME: &str = "SDK overhead: SDK / bare reqwest flows/s and CPU per flow";
    const GOAL: &str = "flows/s >= 0.9x (both); CPU per flow <= 1.25x at concurrency 32";
    let (seq_flows, par_flows) = if quick { (300, 1000) } else { (4000, 20000) };
    let sequential = match ratios(base_url, seq_flows, 1, rounds).await {
        Ok(r) => r,
        Err(e) => return Row::unavailable(1, NAME, GOAL, &e),
    };
    let concurrent = match ratios(base_url, par_flows, 32, rounds).await {
        Ok(r) => r,
        Err(e) => return Row::unavailable(1, NAME, GOAL, &e),
    };
    let (seq, par) = (median(&sequential.ratio), median(&concurrent.ratio));
    // The median of the rounds' CPU ratios, each pair measured back to back (CPU is counted
    // in 10 ms ticks: a round of 20,000 flows is hundreds of them).
    let cpu = median(&concurrent.cpu_ratio);
    Row {
        number: 1,
        name: NAME,
        figure: format!(
            "flows/s {seq:.3} sequential, {par:.3} at concurrency 32; CPU per flow {cpu:.2}x at concurrency 32"
        ),
        goal: GOAL,
        pass: Some(seq >= 0.9 && par >= 0.9 && cpu <= 1.25),
        details: vec![
            describe("sequential", seq_flows, rounds, &sequential),
            describe("concurrency 32", par_flows, rounds, &concurrent),
        ],
    }
}
