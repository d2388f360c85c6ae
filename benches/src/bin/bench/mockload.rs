//! Benchmark 4, the mock under load: status requests per second that the qosic-mock binary
//! serves over keep-alive connections, divided by a minimal hyper server (this program run
//! as `bench __minimal-server BODY`, a child process with one current-thread runtime like the
//! mock's) answering the same bytes, in interleaved rounds.
//!
//! The load comes from raw keep-alive TCP connections sending one hand-written request at a
//! time each and reading the answer by its `Content-Length`: the cheapest client, so that
//! the servers are what is measured.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use qosic_core::Credentials;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{median, Row, Server};

/// Serves `body` as `application/json` to every request, on a random loopback port; prints
/// `listening on http://ADDR` first. Runs until killed.
pub(crate) fn minimal_server(body: String) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        println!("listening on http://{addr}");
        let body = Bytes::from(body);
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let body = body.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let body = body.clone();
                        async move {
                            // Read the request body, as the mock does.
                            let _ = req.into_body().collect().await;
                            let mut response = hyper::Response::new(Full::new(body));
                            response.headers_mut().insert(
                                hyper::header::CONTENT_TYPE,
                                hyper::header::HeaderValue::from_static("application/json"),
                            );
                            Ok::<_, Infallible>(response)
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

/// The raw bytes of one status request for `reference`.
fn status_request(reference: &str) -> Vec<u8> {
    let body = format!(
        r#"{{"transref":"{reference}","clientid":"{}"}}"#,
        qosic_mock::DEFAULT_MTN_CLIENT_ID
    );
    let auth = Credentials::new(qosic_mock::DEFAULT_LOGIN, qosic_mock::DEFAULT_PASSWORD)
        .authorization()
        .expose()
        .to_owned();
    format!(
        "POST /QosicBridge/user/gettransactionstatus HTTP/1.1\r\nhost: 127.0.0.1\r\n\
         authorization: {auth}\r\ncontent-type: application/json\r\naccept: application/json\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one HTTP/1.1 answer (head + `Content-Length` body) into `buf`; returns its status.
async fn read_answer(stream: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> Result<u16, String> {
    buf.clear();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).map_err(|e| e.to_string())?;
            let status: u16 = head
                .get(9..12)
                .and_then(|s| s.parse().ok())
                .ok_or("bad status line")?;
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .ok_or("no content-length")?;
            let total = end + 4 + length;
            while buf.len() < total {
                let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
                if n == 0 {
                    return Err("connection closed mid-answer".into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            if buf.len() > total {
                return Err("more bytes than one answer (no pipelining here)".into());
            }
            return Ok(status);
        }
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Status requests per second served at `addr` by `connections` keep-alive connections
/// over `duration` (after a short warm-up).
async fn load(
    addr: SocketAddr,
    request: Arc<Vec<u8>>,
    connections: usize,
    duration: Duration,
) -> Result<f64, String> {
    let stop = Arc::new(AtomicBool::new(false));
    let counting = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (stop, counting, served, request) = (
            Arc::clone(&stop),
            Arc::clone(&counting),
            Arc::clone(&served),
            Arc::clone(&request),
        );
        tasks.push(tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(addr)
                .await
                .map_err(|e| e.to_string())?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let mut buf = Vec::with_capacity(4096);
            while !stop.load(Ordering::Relaxed) {
                stream
                    .write_all(&request)
                    .await
                    .map_err(|e| e.to_string())?;
                let status = read_answer(&mut stream, &mut buf).await?;
                if status != 200 {
                    return Err(format!("answered {status}"));
                }
                if counting.load(Ordering::Relaxed) {
                    served.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok::<(), String>(())
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    counting.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(duration).await;
    let count = served.load(Ordering::Relaxed);
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok(count as f64 / elapsed.as_secs_f64())
}

/// Resets the mock (`POST /__admin/reset`), then makes `reference` a confirmed MTN payment;
/// returns the body of its status answer.
async fn fresh_mock(url: &str, reference: &str) -> Result<String, String> {
    let http = reqwest::Client::new();
    let authorization = Credentials::new(qosic_mock::DEFAULT_LOGIN, qosic_mock::DEFAULT_PASSWORD)
        .authorization()
        .expose()
        .to_owned();
    let post = |path: &str, body: String, auth: bool| {
        // JSON content type on every call: the mock's admin API refuses a POST without one.
        let mut request = http
            .post(format!("{url}{path}"))
            .header("content-type", "application/json")
            .body(body);
        if auth {
            request = request.header("authorization", authorization.as_str());
        }
        request.send()
    };
    post("/__admin/reset", String::new(), false)
        .await
        .map_err(|e| e.to_string())?;
    post(
        "/QosicBridge/user/requestpayment",
        format!(r#"{{"msisdn":"22997000100","amount":"1000","transref":"{reference}","clientid":"MTN_CLIENT"}}"#),
        true,
    )
    .await
    .map_err(|e| e.to_string())?;
    let answer = post(
        "/QosicBridge/user/gettransactionstatus",
        format!(r#"{{"transref":"{reference}","clientid":"MTN_CLIENT"}}"#),
        true,
    )
    .await
    .map_err(|e| e.to_string())?
    .text()
    .await
    .map_err(|e| e.to_string())?;
    if answer.contains(r#""responsecode":"00""#) {
        Ok(answer)
    } else {
        Err(format!(
            "the mock did not confirm the load's payment: {answer}"
        ))
    }
}

fn addr_of(url: &str) -> Result<SocketAddr, String> {
    url.trim_start_matches("http://")
        .parse()
        .map_err(|_| format!("not a loopback address: {url}"))
}

const GOAL: &str = ">= 0.75, resident set flat across rounds";

/// The minimal server's share that the mock must reach.
const FLOOR: f64 = 0.75;

/// One server under load: its address and, for a mock, its pid (resident set read after
/// each of its rounds).
struct Subject {
    label: String,
    addr: SocketAddr,
    pid: Option<String>,
    rate: Vec<f64>,
    ratio: Vec<f64>,
    rss: Vec<f64>,
}

impl Subject {
    /// Flat: every round within 10% (or 2 MiB) of the first round's resident set.
    fn flat(&self) -> bool {
        let (low, high) = self
            .rss
            .iter()
            .fold((f64::INFINITY, 0.0_f64), |(l, h), &x| (l.min(x), h.max(x)));
        high - low <= (self.rss.first().copied().unwrap_or(0.0) * 0.1).max(2.0)
    }
}

fn list(xs: &[f64], digits: usize) -> String {
    xs.iter()
        .map(|x| format!("{x:.digits$}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Benchmark 4 on `mock_bin`, and on `other_mock` beside it in the same rounds when given
/// (another build of qosic-mock, e.g. a branch's).
pub(crate) async fn run(
    mock_bin: &Path,
    other_mock: Option<&Path>,
    quick: bool,
    rounds: usize,
) -> Row {
    const NAME: &str = "Mock under load: qosic-mock / minimal hyper, status req/s";
    match measure(mock_bin, other_mock, quick, rounds).await {
        Ok(row) => row,
        Err(e) => Row::unavailable(4, NAME, GOAL, &e),
    }
}

async fn measure(
    mock_bin: &Path,
    other_mock: Option<&Path>,
    quick: bool,
    rounds: usize,
) -> Result<Row, String> {
    let mock = Server::spawn(mock_bin, &[])?;
    // A confirmed payment whose status the load asks for; its answer is what the minimal
    // server will send.
    let reference = "LOAD000001";
    let answer = fresh_mock(&mock.url, reference).await?;
    let other = match other_mock {
        Some(bin) => {
            let server = Server::spawn(bin, &[])?;
            let its_answer = fresh_mock(&server.url, reference).await?;
            if its_answer.len() != answer.len() {
                eprintln!(
                    "bench 4: the two mocks answer {} and {} bytes: {answer} / {its_answer}",
                    answer.len(),
                    its_answer.len()
                );
            }
            Some(server)
        }
        None => None,
    };
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let minimal = Server::spawn(&exe, &["__minimal-server", &answer])?;
    let request = Arc::new(status_request(reference));
    let connections = 32;
    let duration = if quick {
        Duration::from_millis(700)
    } else {
        Duration::from_millis(1500)
    };
    // The mocks are never reset between rounds: their resident set must stay flat (the
    // journal is capped; status checks add no transactions).
    let subject = |label: &str, server: &Server, mock: bool| -> Result<Subject, String> {
        Ok(Subject {
            label: label.to_owned(),
            addr: addr_of(&server.url)?,
            pid: mock.then(|| server.pid().to_string()),
            rate: Vec::new(),
            ratio: Vec::new(),
            rss: Vec::new(),
        })
    };
    let mut subjects = vec![subject("minimal hyper", &minimal, false)?];
    subjects.push(subject(
        &format!("qosic-mock ({})", mock_bin.display()),
        &mock,
        true,
    )?);
    if let (Some(server), Some(bin)) = (&other, other_mock) {
        subjects.push(subject(
            &format!("qosic-mock ({})", bin.display()),
            server,
            true,
        )?);
    }
    let n = subjects.len();
    for round in 0..rounds {
        // Each subject goes first in turn.
        for turn in 0..n {
            let s = &mut subjects[(round + turn) % n];
            s.rate
                .push(load(s.addr, Arc::clone(&request), connections, duration).await?);
            if let Some(pid) = &s.pid {
                s.rss
                    .push(crate::common::rss_bytes(pid).unwrap_or(0) as f64 / 1048576.0);
            }
        }
        let base = subjects[0].rate[round];
        for s in &mut subjects[1..] {
            let r = s.rate[round] / base;
            s.ratio.push(r);
        }
    }
    let minimal_rss = crate::common::rss_bytes(&minimal.pid().to_string()).unwrap_or(0);
    let first = &subjects[1];
    let r = median(&first.ratio);
    let flat = first.flat();
    let mut figure = format!(
        "{r:.3}; mock resident set {:.1} MiB after the run ({})",
        first.rss.last().copied().unwrap_or(0.0),
        if flat { "flat" } else { "NOT flat" }
    );
    if let Some(second) = subjects.get(2) {
        figure.push_str(&format!(
            "; the other mock {:.3}, {:.1} MiB ({}), {:.3}x the first",
            median(&second.ratio),
            second.rss.last().copied().unwrap_or(0.0),
            if second.flat() { "flat" } else { "NOT flat" },
            median(
                &second
                    .rate
                    .iter()
                    .zip(&first.rate)
                    .map(|(b, a)| b / a)
                    .collect::<Vec<_>>()
            ),
        ));
    }
    let mut details = vec![format!(
        "{connections} keep-alive connections, {:.1} s x {rounds} rounds, subjects interleaved (each first in turn), mocks never reset; minimal hyper {:.0} req/s (median; rounds {}), its resident set after the run {:.1} MiB",
        duration.as_secs_f64(),
        median(&subjects[0].rate),
        list(&subjects[0].rate, 0),
        minimal_rss as f64 / 1048576.0
    )];
    for s in &subjects[1..] {
        details.push(format!(
            "{}: {:.0} req/s (median; rounds {}), ratio to minimal hyper {:.3} (rounds {}); resident set after each of its rounds (MiB): {}",
            s.label,
            median(&s.rate),
            list(&s.rate, 0),
            median(&s.ratio),
            list(&s.ratio, 3),
            list(&s.rss, 1),
        ));
    }
    let pass = subjects[1..]
        .iter()
        .all(|s| median(&s.ratio) >= FLOOR && s.flat());
    Ok(Row {
        number: 4,
        name: "Mock under load: qosic-mock / minimal hyper, status req/s",
        figure,
        goal: GOAL,
        pass: Some(pass),
        details,
    })
}
