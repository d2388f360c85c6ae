//! The fake server under load and abuse: the figures of `docs/RELIABILITY.md`.
//!
//! Starts the release `qosic-mock` binary as a child process, drives it over loopback with
//! a small blocking HTTP/1.1 client, and reads the child's resident memory (`VmRSS` in
//! `/proc/PID/status`, so Linux only). Every loop is bounded in count, and every socket
//! has a 30 s timeout.
//!
//! ```text
//! cargo build --release -p qosic-mock --features cli --bin qosic-mock --example reliability
//! target/release/examples/reliability [SCENARIO...]
//! ```
//!
//! Scenarios (all when none is named): `load` (1,000,000 requests, then a reset, then
//! 100,000 payments), `bodies` (20 unauthenticated 1 MiB bodies), `idle` (1,000 idle
//! connections against a server limited to 1,024 file descriptors), `trickle` (a 64 KiB
//! body sent one byte per TCP segment), `journal` (a full journal of 4 KiB bodies read
//! while another client measures latency). `--bin PATH` names the server binary (default:
//! `qosic-mock` next to `target/release/examples/`), `--requests N` the size of `load`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const AUTH: &str = "Basic bWVyY2hhbnQ6c2VjcmV0"; // merchant:secret, the defaults
const STATUS: &str = "/QosicBridge/user/gettransactionstatus";
const PAY: &str = "/QosicBridge/user/requestpayment";
const TIMEOUT: Duration = Duration::from_secs(30);

/// The server as a child process; killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// Starts `bin args…`, under `ulimit -n fds` when given.
    fn start(bin: &PathBuf, args: &[&str], fds: Option<u32>) -> Server {
        let mut command = match fds {
            Some(n) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(bin)
                    .args(args);
                c
            }
            None => {
                let mut c = Command::new(bin);
                c.args(args);
                c
            }
        };
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the first line");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        Server { child, addr }
    }

    /// Resident memory in MiB.
    fn rss(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/PID/status (Linux only)");
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS");
        kib / 1024.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A keep-alive HTTP/1.1 connection.
struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn open(addr: SocketAddr) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            reader: BufReader::new(stream),
        })
    }

    /// Sends one request and reads its answer: (status, body).
    fn call(
        &mut self,
        method: &str,
        path: &str,
        auth: Option<&str>,
        body: &[u8],
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(auth) = auth {
            head.push_str(&format!("Authorization: {auth}\r\n"));
        }
        head.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        self.read_answer()
    }

    fn read_answer(&mut self) -> std::io::Result<(u16, Vec<u8>)> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, body))
    }
}

fn pay_body(reference: &str, pad: usize) -> Vec<u8> {
    format!(
        r#"{{"msisdn":"22997000001","amount":"100","firstname":"Ada","lastname":"Lovelace","transref":"{reference}","clientid":"MTN_CLIENT","pad":"{}"}}"#,
        "x".repeat(pad)
    )
    .into_bytes()
}

fn status_body(reference: &str) -> Vec<u8> {
    format!(r#"{{"transref":"{reference}","clientid":"MTN_CLIENT"}}"#).into_bytes()
}

fn admin(addr: SocketAddr, method: &str, path: &str) -> (u16, Vec<u8>) {
    Conn::open(addr)
        .and_then(|mut c| c.call(method, path, None, b""))
        .expect("admin request")
}

/// The health figures: (requests, journal entries, dropped).
fn health(addr: SocketAddr) -> String {
    String::from_utf8_lossy(&admin(addr, "GET", "/__admin/health").1).into_owned()
}

fn load(bin: &PathBuf, requests: u64) {
    println!("## load: {requests} requests over 4 keep-alive connections");
    let server = Server::start(bin, &[], None);
    let addr = server.addr;
    println!("rss at start: {:.1} MiB", server.rss());
    // 1,000 confirmed payments to ask about.
    let mut c = Conn::open(addr).expect("connect");
    for i in 0..1000 {
        let r = format!("L-{i}");
        assert_eq!(
            c.call("POST", PAY, Some(AUTH), &pay_body(&r, 0)).unwrap().0,
            202
        );
        assert_eq!(
            c.call("POST", STATUS, Some(AUTH), &status_body(&r))
                .unwrap()
                .0,
            200
        );
    }
    let sent = Arc::new(AtomicU64::new(2000));
    let started = Instant::now();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let sent = Arc::clone(&sent);
            std::thread::spawn(move || {
                let mut c = Conn::open(addr).expect("connect");
                let mut i = t;
                while sent.fetch_add(1, Ordering::Relaxed) < requests {
                    let body = status_body(&format!("L-{}", i % 1000));
                    let (status, _) = c.call("POST", STATUS, Some(AUTH), &body).expect("status");
                    assert_eq!(status, 200);
                    i += 4;
                }
            })
        })
        .collect();
    let mut samples = Vec::new();
    while threads.iter().any(|t| !t.is_finished()) {
        std::thread::sleep(Duration::from_millis(500));
        samples.push(server.rss());
    }
    for t in threads {
        t.join().expect("a load thread");
    }
    let seconds = started.elapsed().as_secs_f64();
    let peak = samples.iter().copied().fold(0.0, f64::max);
    println!(
        "rss after {requests} requests: {:.1} MiB (peak sampled {peak:.1} MiB; {:.0} req/s)",
        server.rss(),
        requests as f64 / seconds
    );
    println!("health: {}", health(addr));
    admin(addr, "POST", "/__admin/reset");
    println!("rss after reset: {:.1} MiB", server.rss());
    // The transaction table: up to its default cap of 100,000, three times, with resets:
    // the second round reuses the memory the reset gave back.
    for round in 1..=3 {
        let mut c = Conn::open(addr).expect("connect");
        let mut refused = 0;
        for i in 0..100_001 {
            let (status, _) = c
                .call("POST", PAY, Some(AUTH), &pay_body(&format!("T-{i}"), 0))
                .expect("payment");
            if status == 507 {
                refused += 1;
            }
        }
        println!(
            "round {round}: rss with 100,000 transactions: {:.1} MiB (payment 100,001 refused with 507: {})",
            server.rss(),
            refused == 1
        );
        admin(addr, "POST", "/__admin/reset");
        println!("round {round}: rss after reset: {:.1} MiB", server.rss());
    }
}

fn bodies(bin: &PathBuf) {
    println!("## bodies: 20 unauthenticated 1 MiB JSON bodies");
    let server = Server::start(bin, &[], None);
    let before = server.rss();
    let body = pay_body("NOAUTH", 1024 * 1024 - 200);
    for _ in 0..20 {
        let (status, _) = Conn::open(server.addr)
            .and_then(|mut c| c.call("POST", PAY, Some("Basic d3Jvbmc6d3Jvbmc="), &body))
            .expect("a body");
        assert_eq!(status, 401);
    }
    println!(
        "rss before: {before:.1} MiB, after: {:.1} MiB ({} bytes each)",
        server.rss(),
        body.len()
    );
    println!("health: {}", health(server.addr));
}

fn idle(bin: &PathBuf) {
    println!("## idle: 1,000 idle connections; server under ulimit -n 1024, --idle-timeout 10");
    let server = Server::start(bin, &["--idle-timeout", "10"], Some(1024));
    let before = server.rss();
    let started = Instant::now();
    let mut all: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(server.addr).expect("connect"))
        .collect();
    let opened = started.elapsed();
    std::thread::sleep(Duration::from_millis(500));
    // A refused connection has a 503 waiting; an accepted one stays silent.
    let (mut held, mut refused, mut other) = (Vec::new(), 0, 0);
    for mut s in all.drain(..) {
        s.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 12];
        match s.read(&mut buf) {
            Ok(n) if n > 0 && buf[..n].starts_with(b"HTTP/1.1 503") => refused += 1,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => held.push(s),
            _ => other += 1,
        }
    }
    println!(
        "opened 1000 in {:.2} s: {} held open, {refused} refused with 503, {other} closed otherwise; rss {before:.1} -> {:.1} MiB",
        opened.as_secs_f64(),
        held.len(),
        server.rss()
    );
    println!("health: {}", health_or_refused(server.addr));
    let probe = |what: &str| {
        let t = Instant::now();
        let answer = Conn::open(server.addr)
            .and_then(|mut c| c.call("POST", STATUS, Some(AUTH), &status_body("PROBE")));
        println!(
            "probe {what}: {:?} in {:.1} ms",
            answer.map(|a| a.0),
            t.elapsed().as_secs_f64() * 1000.0
        );
    };
    probe("while the cap is reached");
    // Wait (bounded) until the server has closed every held connection.
    for s in &mut held {
        s.set_nonblocking(false).unwrap();
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut buf = [0u8; 1];
        let _ = s.read(&mut buf);
    }
    println!(
        "every held connection closed by the server {:.1} s after they were opened",
        started.elapsed().as_secs_f64()
    );
    probe("after the idle timeout");
    println!(
        "rss: {:.1} MiB; health: {}",
        server.rss(),
        health(server.addr)
    );
}

/// The health figures, or what a refused connection got.
fn health_or_refused(addr: SocketAddr) -> String {
    match Conn::open(addr).and_then(|mut c| c.call("GET", "/__admin/health", None, b"")) {
        Ok((200, body)) => String::from_utf8_lossy(&body).into_owned(),
        Ok((status, _)) => format!("(health refused: {status})"),
        Err(e) => format!("(health: {e})"),
    }
}

fn trickle(bin: &PathBuf) {
    const SIZE: usize = 64 * 1024;
    println!("## trickle: a {SIZE}-byte body, one byte per TCP segment");
    let server = Server::start(bin, &[], None);
    let before = server.rss();
    let body = pay_body("TRICKLE", SIZE - 160);
    let mut s = TcpStream::connect(server.addr).expect("connect");
    s.set_nodelay(true).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    write!(
        s,
        "POST {PAY} HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    let started = Instant::now();
    let mut peak = before;
    for (i, byte) in body.iter().enumerate() {
        s.write_all(std::slice::from_ref(byte)).expect("a byte");
        // A pause between bytes, so that each travels in a segment of its own.
        std::thread::sleep(Duration::from_micros(50));
        if i % 4096 == 0 {
            peak = peak.max(server.rss());
        }
    }
    let mut answer = [0u8; 12];
    s.read_exact(&mut answer).expect("an answer");
    println!(
        "{} bytes in {:.1} s; rss before {before:.1} MiB, peak sampled {peak:.1} MiB, after {:.1} MiB; answer {:?}",
        body.len(),
        started.elapsed().as_secs_f64(),
        server.rss(),
        String::from_utf8_lossy(&answer)
    );
}

fn journal(bin: &PathBuf) {
    println!("## journal: a full journal of 4 KiB bodies, read while probing latency");
    let server = Server::start(bin, &[], None);
    let addr = server.addr;
    let probe = |stop: Arc<AtomicBool>| {
        std::thread::spawn(move || {
            let mut c = Conn::open(addr).expect("connect");
            let mut worst = Duration::ZERO;
            let mut all = Vec::new();
            while !stop.load(Ordering::Relaxed) && all.len() < 100_000 {
                let t = Instant::now();
                c.call("POST", STATUS, Some(AUTH), &status_body("J-1"))
                    .expect("probe");
                let took = t.elapsed();
                worst = worst.max(took);
                all.push(took);
                std::thread::sleep(Duration::from_millis(2));
            }
            all.sort();
            (all[all.len() / 2], worst, all.len())
        })
    };
    let quiet = Arc::new(AtomicBool::new(false));
    let baseline = probe(Arc::clone(&quiet));
    std::thread::sleep(Duration::from_secs(2));
    quiet.store(true, Ordering::Relaxed);
    let (p50, worst, n) = baseline.join().expect("probe");
    println!(
        "probe alone: p50 {:.2} ms, worst {:.2} ms over {n} requests",
        p50.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3
    );
    let mut c = Conn::open(addr).expect("connect");
    for i in 0..4096 {
        // 4 KiB bodies: each is kept whole, the most the journal keeps per request.
        let status = c
            .call("POST", PAY, Some(AUTH), &pay_body(&format!("J-{i}"), 3900))
            .expect("payment")
            .0;
        assert_eq!(status, 202);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let prober = probe(Arc::clone(&stop));
    let mut c = Conn::open(addr).expect("connect");
    let mut sizes = 0;
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        let t = Instant::now();
        let (status, body) = c
            .call("GET", "/__admin/journal", None, b"")
            .expect("journal");
        assert_eq!(status, 200);
        slowest = slowest.max(t.elapsed());
        sizes = body.len();
    }
    stop.store(true, Ordering::Relaxed);
    let (p50, worst, n) = prober.join().expect("probe");
    println!(
        "10 GETs of the journal ({:.1} MB each, slowest {:.0} ms); probe meanwhile: p50 {:.2} ms, worst {:.2} ms over {n} requests; rss {:.1} MiB",
        sizes as f64 / 1e6,
        slowest.as_secs_f64() * 1e3,
        p50.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3,
        server.rss()
    );
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut bin = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("qosic-mock")))
        .unwrap_or_else(|| PathBuf::from("target/release/qosic-mock"));
    let mut requests = 1_000_000;
    let mut scenarios = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bin" => bin = args.next().map(PathBuf::from).unwrap_or(bin),
            "--requests" => {
                requests = match args.next().and_then(|n| n.parse().ok()) {
                    Some(n) => n,
                    None => {
                        eprintln!("--requests needs a whole number");
                        return ExitCode::from(2);
                    }
                }
            }
            "load" | "bodies" | "idle" | "trickle" | "journal" => scenarios.push(arg),
            other => {
                eprintln!("unknown argument {other:?}: scenarios are load, bodies, idle, trickle, journal");
                return ExitCode::from(2);
            }
        }
    }
    if scenarios.is_empty() {
        scenarios = ["load", "bodies", "idle", "trickle", "journal"]
            .map(str::to_owned)
            .to_vec();
    }
    println!("server: {}", bin.display());
    for scenario in scenarios {
        match scenario.as_str() {
            "load" => load(&bin, requests),
            "bodies" => bodies(&bin),
            "idle" => idle(&bin),
            "trickle" => trickle(&bin),
            _ => journal(&bin),
        }
    }
    ExitCode::SUCCESS
}
