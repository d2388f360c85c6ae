//! Benchmark 3, waiting at scale: N MTN payments (100,000) pending at once against the
//! qosic-mock binary over HTTP, each approved at its K-th status check, with the real clock
//! and a polling step of one second per 20,000 payments (5 s for 100,000), so that the mock
//! and the SDK, on a shared 2-core machine, keep up with the status checks.
//!
//! Payments start evenly over the first step (a burst of 10,000 connect calls at one instant
//! would measure the kernel's accept queue, not the SDK), so from the end of the ramp until
//! the first approvals all N wait at once. A transport wrapper records when each request of
//! each payment went out and when its answer came back, in a table allocated (and touched)
//! before the baseline is taken, so that the bench's own bookkeeping is not counted.
//!
//! - memory per pending payment: (peak resident set − resident set before the ramp) / N,
//!   of this process only (the mock is another process);
//! - CPU time: this process's user + system time over the run (and the mock's, apart);
//! - lateness of a status check: when it went out minus when the SDK scheduled it (the
//!   answer before it + one step).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use qosic_core::{
    ApiRequest, ApiResponse, PaymentRequest, PollingPolicy, Status, Transport, TransportError,
};
use qosic_http::HttpTransport;

use crate::common::{cpu_time, mock_target, rss_bytes, Row};

const GOAL: &str = "<= 2 KiB per pending payment; p99 lateness < 50 ms";

/// The polling step for `payments` pending at once: one second per 20,000 (at least one).
pub(crate) fn step_for(payments: usize) -> Duration {
    Duration::from_secs(payments.div_ceil(20_000).max(1) as u64)
}

/// Requests recorded per payment at most (1 payment request + status checks).
const MAX_REQUESTS: usize = 16;
/// Slots per payment: a count, then (sent, answered) pairs in ns since the start.
const SLOTS: usize = 1 + 2 * MAX_REQUESTS;

/// Requests in flight at most, hence connections in the pool: an application with 100,000
/// payments waiting shares a bounded pool too. Without it, reqwest opens a connection per
/// request that finds none idle, and the bench runs out of file descriptors. A request that
/// waits here counts as late: it goes out when it gets a place.
const IN_FLIGHT: usize = 256;

/// Delegates to `HttpTransport` and writes down the times of each payment's requests.
#[derive(Debug, Clone)]
struct Recording {
    inner: HttpTransport,
    start: Instant,
    table: Arc<Vec<AtomicU64>>,
    in_flight: Arc<tokio::sync::Semaphore>,
}

/// The payment index in a body holding `"transref":"SC000123"`.
fn index(body: &[u8]) -> Option<usize> {
    let key = br#""transref":"SC"#;
    let at = body.windows(key.len()).position(|w| w == key)? + key.len();
    let digits = body.get(at..at + 6)?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[async_trait]
impl Transport for Recording {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        let slot = index(request.body()).map(|i| i * SLOTS);
        // The semaphore is never closed, so acquiring only waits.
        let _place = self.in_flight.acquire().await.ok();
        let sent = self.start.elapsed().as_nanos() as u64;
        let answer = self.inner.send(request).await;
        let answered = self.start.elapsed().as_nanos() as u64;
        if let Some(base) = slot.filter(|b| b + SLOTS <= self.table.len()) {
            // One payment's requests are sequential: no two writers on a row.
            let n = self.table[base].load(Ordering::Relaxed) as usize;
            if n < MAX_REQUESTS {
                self.table[base + 1 + 2 * n].store(sent, Ordering::Relaxed);
                self.table[base + 2 + 2 * n].store(answered, Ordering::Relaxed);
                self.table[base].store(n as u64 + 1, Ordering::Relaxed);
            }
        }
        answer
    }
}

/// Settings of the run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    pub(crate) payments: usize,
    pub(crate) step: Duration,
    pub(crate) checks: u32,
}

async fn program_subscriber(base_url: &str, phone: &str, checks: u32) -> Result<(), String> {
    let r = reqwest::Client::new()
        .post(format!("{base_url}/__admin/subscribers"))
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"phone":"{phone}","behaviour":"approves","after_checks":{checks}}}"#
        ))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if r.status().is_success() {
        Ok(())
    } else {
        Err(format!("POST /__admin/subscribers answered {}", r.status()))
    }
}

pub(crate) async fn run(base_url: &str, mock_pid: u32, scale: Scale) -> Row {
    const NAME: &str = "Waiting at scale: memory, CPU, lateness of status checks";
    match measure(base_url, mock_pid, scale).await {
        Ok(row) => row,
        Err(e) => Row::unavailable(3, NAME, GOAL, &e),
    }
}

async fn measure(base_url: &str, mock_pid: u32, scale: Scale) -> Result<Row, String> {
    let Scale {
        payments: n,
        step,
        checks,
    } = scale;
    let phone = "22997000001";
    program_subscriber(base_url, phone, checks).await?;
    let table: Arc<Vec<AtomicU64>> = Arc::new((0..n * SLOTS).map(|_| AtomicU64::new(0)).collect());
    let start = Instant::now();
    let transport = Recording {
        inner: HttpTransport::new().map_err(|e| e.to_string())?,
        start,
        table: Arc::clone(&table),
        in_flight: Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT)),
    };
    let polling =
        PollingPolicy::unbounded(step, step * (checks + 30)).map_err(|e| e.to_string())?;
    let client = mock_target(base_url)
        .client(transport, polling)
        .map_err(|e| e.to_string())?;
    // Warm up: connections, allocator arenas, the runtime's threads (phones that approve at once).
    let warm_polling =
        PollingPolicy::unbounded(crate::common::AT_ONCE, step).map_err(|e| e.to_string())?;
    let warm = mock_target(base_url)
        .client(
            HttpTransport::new().map_err(|e| e.to_string())?,
            warm_polling,
        )
        .map_err(|e| e.to_string())?;
    let w = qosic_bench::flows::run(&warm, 500, 32, 900_000).await;
    if w.failures > 0 {
        return Err(w.first_failure.unwrap_or_default());
    }
    let mut handles = Vec::with_capacity(n);
    tokio::time::sleep(Duration::from_millis(200)).await;

    let pending = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let baseline = rss_bytes("self").ok_or("cannot read /proc/self/status")?;
    let monitor = {
        let pending = Arc::clone(&pending);
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let (mut peak, mut all_pending) = (0u64, None);
            while !done.load(Ordering::Relaxed) {
                let rss = rss_bytes("self").unwrap_or(0);
                peak = peak.max(rss);
                if all_pending.is_none() && pending.load(Ordering::Relaxed) == n {
                    all_pending = Some(rss);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            (peak, all_pending)
        })
    };
    let cpu_before = cpu_time("self").unwrap_or_default();
    let mock_pid = mock_pid.to_string();
    let mock_cpu_before = cpu_time(&mock_pid).unwrap_or_default();
    let mock_rss_before = rss_bytes(&mock_pid).unwrap_or(0);
    let mock_monitor = {
        let done = Arc::clone(&done);
        let mock_pid = mock_pid.clone();
        std::thread::spawn(move || {
            let mut peak = 0u64;
            while !done.load(Ordering::Relaxed) {
                peak = peak.max(rss_bytes(&mock_pid).unwrap_or(0));
                std::thread::sleep(Duration::from_millis(50));
            }
            peak
        })
    };
    let ramp_start = tokio::time::Instant::now();
    for i in 0..n {
        let at = ramp_start + step.mul_f64(i as f64 / n as f64);
        if at > tokio::time::Instant::now() {
            tokio::time::sleep_until(at).await;
        }
        let client = client.clone();
        let pending = Arc::clone(&pending);
        pending.fetch_add(1, Ordering::Relaxed);
        handles.push(tokio::spawn(async move {
            let outcome = client
                .pay(
                    PaymentRequest::new(phone, 1000)
                        .reference(format!("SC{i:06}"))
                        .first_name("Ada")
                        .last_name("Lovelace"),
                )
                .await;
            pending.fetch_sub(1, Ordering::Relaxed);
            matches!(outcome, Ok(o) if o.status() == Status::Confirmed && o.status_checks() == checks)
        }));
    }
    let mut confirmed = 0;
    for h in handles {
        if h.await.unwrap_or(false) {
            confirmed += 1;
        }
    }
    let wall = ramp_start.elapsed();
    let cpu = cpu_time("self")
        .unwrap_or_default()
        .saturating_sub(cpu_before);
    let mock_cpu = cpu_time(&mock_pid)
        .unwrap_or_default()
        .saturating_sub(mock_cpu_before);
    let mock_rss_after = rss_bytes(&mock_pid).unwrap_or(0);
    done.store(true, Ordering::Relaxed);
    let (peak, all_pending) = monitor.join().map_err(|_| "monitor thread panicked")?;
    let mock_peak = mock_monitor
        .join()
        .map_err(|_| "monitor thread panicked")?
        .max(mock_rss_after);
    if confirmed != n {
        return Err(format!(
            "{} of {n} payments did not end confirmed after exactly {checks} checks",
            n - confirmed
        ));
    }

    // Lateness of every status check: sent - (answer before + step).
    let step_ns = step.as_nanos() as i64;
    let mut late: Vec<i64> = Vec::with_capacity(n * checks as usize);
    let mut interval_late: Vec<i64> = Vec::with_capacity(n * checks as usize);
    for i in 0..n {
        let row = &table[i * SLOTS..(i + 1) * SLOTS];
        let count = row[0].load(Ordering::Relaxed) as usize;
        for j in 1..count {
            let sent = row[1 + 2 * j].load(Ordering::Relaxed) as i64;
            let previous_sent = row[1 + 2 * (j - 1)].load(Ordering::Relaxed) as i64;
            let previous_answer = row[2 + 2 * (j - 1)].load(Ordering::Relaxed) as i64;
            late.push(sent - previous_answer - step_ns);
            interval_late.push(sent - previous_sent - step_ns);
        }
    }
    late.sort_unstable();
    interval_late.sort_unstable();
    let pct = |v: &[i64], q: f64| -> f64 {
        if v.is_empty() {
            return f64::NAN;
        }
        let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v[rank - 1] as f64 / 1e6
    };
    let per_payment = peak.saturating_sub(baseline) as f64 / n as f64;
    let at_all_pending = all_pending.map(|r| r.saturating_sub(baseline) as f64 / n as f64);
    let (p50, p99) = (pct(&late, 0.5), pct(&late, 0.99));
    let details = vec![
        format!(
            "{n} payments started over {:.1} s, each approved at status check {checks}, step {} ms: all {n} pending at once; {:.2} s wall",
            step.as_secs_f64(),
            step.as_millis(),
            wall.as_secs_f64()
        ),
        format!(
            "resident set: {:.1} MiB before, peak +{:.1} MiB = {:.2} KiB per pending payment{}",
            baseline as f64 / 1048576.0,
            peak.saturating_sub(baseline) as f64 / 1048576.0,
            per_payment / 1024.0,
            at_all_pending.map_or_else(String::new, |b| format!(
                " (+{:.2} KiB per payment when the last one started)",
                b / 1024.0
            ))
        ),
        format!(
            "CPU: SDK process {:.2} s ({:.0} us per payment, {} requests), mock process {:.2} s",
            cpu.as_secs_f64(),
            cpu.as_secs_f64() * 1e6 / n as f64,
            n * (checks as usize + 1),
            mock_cpu.as_secs_f64(),
        ),
        format!(
            "the mock's own memory: resident set {:.1} MiB before, peak {:.1} MiB, {:.1} MiB after ({:.2} KiB per payment it holds, journal included)",
            mock_rss_before as f64 / 1048576.0,
            mock_peak as f64 / 1048576.0,
            mock_rss_after as f64 / 1048576.0,
            mock_peak.saturating_sub(mock_rss_before) as f64 / 1024.0 / n as f64
        ),
        format!(
            "lateness after schedule (answer before + step), {} checks: p50 {p50:.2} ms, p99 {p99:.2} ms, max {:.2} ms; interval minus step (includes the round trip): p50 {:.2} ms, p99 {:.2} ms",
            late.len(),
            pct(&late, 1.0),
            pct(&interval_late, 0.5),
            pct(&interval_late, 0.99)
        ),
    ];
    Ok(Row {
        number: 3,
        name: "Waiting at scale: memory, CPU, lateness of status checks",
        figure: format!(
            "{:.2} KiB/payment; CPU {:.2} s; lateness p50 {p50:.2} ms, p99 {p99:.2} ms",
            per_payment / 1024.0,
            cpu.as_secs_f64()
        ),
        goal: GOAL,
        pass: Some(per_payment <= 2.0 * 1024.0 && p99 < 50.0),
        details,
    })
}
