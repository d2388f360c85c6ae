//! Connection limits of the HTTP server: header, body and idle timeouts, the connection cap,
//! body limits that hold for trickled bodies, and case-sensitive methods.
//!
//! Timeouts are set short here (a few hundred milliseconds) and the other limits long, so
//! that each test sees one limit act. The only time bound asserted is a generous "closed
//! within 20 s", far above the limit under test and far below the others (60 s).

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use qosic_mock::{MockQosic, MockQosicBuilder};

use crate::support::*;

/// Far longer than the limit under test, far shorter than the limits not under test.
const SLACK: Duration = Duration::from_secs(20);
const SHORT: Duration = Duration::from_millis(300);
const LONG: Duration = Duration::from_secs(60);

fn start(builder: MockQosicBuilder) -> MockQosic {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(builder.start())
}

/// Every limit long: tests shorten the one they look at.
fn patient() -> MockQosicBuilder {
    MockQosic::builder()
        .header_timeout(LONG)
        .body_timeout(LONG)
        .idle_timeout(LONG)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(SLACK)).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

/// Reads until the server closes the connection; panics if it is still open after
/// [`SLACK`]. Returns what was read.
#[track_caller]
fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return got,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!("the connection is still open after {SLACK:?}")
            }
            Err(e) => panic!("unexpected read error: {e}"),
        }
    }
}

fn payment_head(path: &str, extra: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Type: application/json\r\n{extra}\r\n",
        basic("merchant", "secret")
    )
}

#[test]
fn a_request_whose_headers_trickle_is_closed_after_the_header_timeout() {
    let mock = start(patient().header_timeout(SHORT));
    let mut stream = connect(mock.address().unwrap());
    // Half a request head, then nothing.
    stream
        .write_all(b"POST /QosicBridge/user/requestpayment HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let got = read_until_closed(&mut stream);
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    // Nothing reached the handler.
    assert!(mock.journal().is_empty());
}

#[test]
fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let mock = start(patient().idle_timeout(SHORT));
    let addr = mock.address().unwrap();
    // A connection that never sends anything.
    let mut silent = connect(addr);
    assert!(read_until_closed(&mut silent).is_empty());
    // A keep-alive connection after one answer.
    let mut kept = connect(addr);
    let body = status("NOPE", "MTN_CLIENT").to_string();
    write!(
        kept,
        "{}{body}",
        payment_head(MTN_STATUS, &format!("Content-Length: {}\r\n", body.len()))
    )
    .unwrap();
    let got = read_until_closed(&mut kept);
    assert_eq!(parse_response(&got).status(), 200);
    assert_eq!(mock.journal().len(), 1);
}

/// Reads one answer (head and `Content-Length` body) from a connection left open.
#[track_caller]
fn read_one_answer(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .expect("a content-length");
            if got.len() >= end + 4 + length {
                return got;
            }
        }
        let n = stream.read(&mut buf).expect("an answer");
        assert!(n > 0, "closed before a whole answer");
        got.extend_from_slice(&buf[..n]);
    }
}

/// Sends a status request on `stream` and reads its answer, leaving the connection open.
#[track_caller]
fn status_round_trip(stream: &mut TcpStream) {
    let body = status("NOPE", "MTN_CLIENT").to_string();
    write!(
        stream,
        "{}{body}",
        payment_head(MTN_STATUS, &format!("Content-Length: {}\r\n", body.len()))
    )
    .unwrap();
    assert_eq!(parse_response(&read_one_answer(stream)).status(), 200);
}

/// The deadlines' timers are moved lazily (a timer set for a later request's deadline is
/// moved when it fires); the header and body deadlines still hold on a connection that
/// served requests before.
#[test]
fn the_header_and_body_timeouts_hold_on_a_kept_connection() {
    let mock = start(patient().header_timeout(SHORT));
    let mut stream = connect(mock.address().unwrap());
    for _ in 0..3 {
        status_round_trip(&mut stream);
    }
    stream
        .write_all(b"POST /QosicBridge/user/requestpayment HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    assert!(read_until_closed(&mut stream).is_empty());
    assert_eq!(mock.journal().len(), 3);

    let mock = start(patient().body_timeout(SHORT));
    let mut stream = connect(mock.address().unwrap());
    for _ in 0..3 {
        status_round_trip(&mut stream);
    }
    stream
        .write_all(payment_head(MTN_PAY, "Content-Length: 100\r\n").as_bytes())
        .unwrap();
    stream.write_all(br#"{"msisdn":"#).unwrap();
    let answer = parse_response(&read_until_closed(&mut stream));
    assert_eq!(answer.status(), 408, "{}", answer.text());
    assert_eq!(mock.journal()[3].status, Some(408));
}

#[test]
fn a_slow_body_gets_408_after_the_body_timeout() {
    let mock = start(patient().body_timeout(SHORT));
    let mut stream = connect(mock.address().unwrap());
    stream
        .write_all(payment_head(MTN_PAY, "Content-Length: 100\r\n").as_bytes())
        .unwrap();
    stream.write_all(br#"{"msisdn":"#).unwrap();
    let got = read_until_closed(&mut stream);
    let answer = parse_response(&got);
    assert_eq!(answer.status(), 408, "{}", answer.text());
    assert!(answer.json()["detail"]
        .as_str()
        .unwrap()
        .contains("did not arrive"));
    assert_eq!(mock.journal()[0].status, Some(408));
    assert!(mock.transactions().is_empty());
}

#[test]
fn a_body_trickled_one_byte_per_segment_hits_the_body_limit() {
    let mock = start(patient().max_body(1024));
    let addr = mock.address().unwrap();
    let mut stream = connect(addr);
    stream
        .write_all(payment_head(MTN_PAY, "Transfer-Encoding: chunked\r\n").as_bytes())
        .unwrap();
    // One-byte chunks, each its own write (and, with no delay, its own segment), until the
    // server gives up; it answers 413 once it has read more than 1,024 bytes of body.
    let mut sent = 0;
    while sent < 4096 && stream.write_all(b"1\r\nx\r\n").is_ok() {
        sent += 1;
    }
    let got = read_until_closed(&mut stream);
    let answer = parse_response(&got);
    assert_eq!(answer.status(), 413, "{}", answer.text());
    assert!(answer.json()["detail"]
        .as_str()
        .unwrap()
        .contains("1024 bytes"));
    // The server goes on serving.
    let body = status("NOPE", "MTN_CLIENT").to_string();
    let auth = basic("merchant", "secret");
    let a = http_request(addr, "POST", MTN_STATUS, Some(&auth), body.as_bytes());
    assert_eq!(a.code(), "-1");
}

#[test]
fn connections_beyond_the_cap_are_refused_at_once() {
    let mock = start(patient().max_connections(2));
    let addr = mock.address().unwrap();
    let first = connect(addr);
    let _second = connect(addr);
    // Both are accepted (and held) before the third comes.
    let mut tries = 0;
    while mock.connections() < 2 {
        tries += 1;
        assert!(tries < 2000, "the server did not accept two connections");
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut third = connect(addr);
    let got = read_until_closed(&mut third);
    let answer = parse_response(&got);
    assert_eq!(answer.status(), 503, "{}", answer.text());
    assert!(answer.json()["detail"]
        .as_str()
        .unwrap()
        .contains("at most 2 connections"));
    // Once one closes, its place is free again (the server notices the close promptly).
    drop(first);
    let body = status("NOPE", "MTN_CLIENT").to_string();
    let auth = basic("merchant", "secret");
    let mut served = false;
    for _ in 0..200 {
        let a = http_request(addr, "POST", MTN_STATUS, Some(&auth), body.as_bytes());
        if a != Answer::Dropped && a.status() == 200 {
            served = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(served, "no place freed after a connection closed");
}

#[test]
fn methods_are_case_sensitive() {
    let mock = start(patient());
    let addr = mock.address().unwrap();
    let body = pay("22997000001", "100", "LOWER", "MTN_CLIENT").to_string();
    let auth = basic("merchant", "secret");
    let a = http_request(addr, "post", MTN_PAY, Some(&auth), body.as_bytes());
    assert_eq!(a.status(), 405, "{}", a.text());
    assert!(a.json()["detail"].as_str().unwrap().contains("in capitals"));
    assert!(mock.transaction("LOWER").is_none());
    assert_eq!(mock.journal()[0].method, "post");
    // The admin API too.
    assert_eq!(
        http_request(addr, "get", "/__admin/health", None, b"").status(),
        404
    );
    assert_eq!(
        http_request(addr, "POST", MTN_PAY, Some(&auth), body.as_bytes()).status(),
        202
    );
}

#[test]
fn zero_timeouts_and_caps_are_refused_at_start() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for (builder, what) in [
        (
            MockQosic::builder().header_timeout(Duration::ZERO),
            "header_timeout",
        ),
        (
            MockQosic::builder().idle_timeout(Duration::ZERO),
            "idle_timeout",
        ),
        (MockQosic::builder().max_connections(0), "max_connections"),
        (MockQosic::builder().admin_token(""), "admin token"),
    ] {
        let err = rt.block_on(builder.try_start()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains(what), "{err}");
    }
}

#[test]
fn oversized_headers_get_431() {
    let mock = start(patient());
    let mut stream = connect(mock.address().unwrap());
    // Exactly the 16 KiB hyper buffers, and no end of the head: the server reads every byte
    // sent before it answers and closes (bytes left unread would make its close a reset,
    // which can discard the 431 before this side reads it).
    let start = format!("POST {MTN_PAY} HTTP/1.1\r\nHost: x\r\nX-Padding: ");
    let head = format!("{start}{}", "x".repeat(16 * 1024 - start.len()));
    stream.write_all(head.as_bytes()).unwrap();
    let got = read_until_closed(&mut stream);
    assert_eq!(parse_response(&got).status(), 431);
}

/// A connection that waited idle a while before its request, then was answered, is still
/// closed by the idle timeout counted from that answer (it was closed at twice the idle
/// timeout, or never: 512 such connections held every slot and everyone got 503).
#[test]
fn a_kept_connection_served_after_a_wait_is_closed_by_the_idle_timeout() {
    for wait in [SHORT / 3, SHORT * 2 / 3] {
        let mock = start(patient().idle_timeout(SHORT));
        let addr = mock.address().unwrap();
        let mut kept = connect(addr);
        // The idle deadline for the accepted connection is armed; the request comes
        // before it passes.
        std::thread::sleep(wait);
        status_round_trip(&mut kept);
        assert!(read_until_closed(&mut kept).is_empty());
        // Twice, to see that the timer is re-armed after each answer.
        let mut kept = connect(addr);
        std::thread::sleep(wait);
        status_round_trip(&mut kept);
        std::thread::sleep(wait);
        status_round_trip(&mut kept);
        assert!(read_until_closed(&mut kept).is_empty());
    }
    // The idle deadline of the accepted connection passes while its request is answered
    // late (a delay fault): the idle timeout still counts from the answer.
    let mock = start(patient().idle_timeout(SHORT));
    mock.fault(qosic_mock::Fault::delay(SHORT * 2));
    let mut kept = connect(mock.address().unwrap());
    std::thread::sleep(SHORT / 3);
    status_round_trip(&mut kept);
    assert!(read_until_closed(&mut kept).is_empty());
}

/// A port in use is an error, also from within a runtime (where dropping the server's
/// runtime would panic).
#[tokio::test]
async fn a_port_in_use_is_an_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let started = MockQosic::builder().bind(addr).try_start().await;
    assert!(started.is_err());
}
