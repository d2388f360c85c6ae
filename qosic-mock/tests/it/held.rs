//! What the HTTP server holds for slow clients: request bodies in flight (a cap of 64 MiB over
//! all connections, counted before the bytes come) and answers the client does not read.

use std::io::{ErrorKind, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use qosic_mock::MockQosic;

use crate::support::*;

const MIB: usize = 1024 * 1024;

fn start(builder: qosic_mock::MockQosicBuilder) -> MockQosic {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(builder.start())
}

fn head(extra: &str) -> String {
    format!(
        "POST {MTN_PAY} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Type: application/json\r\n{extra}\r\n",
        basic("merchant", "secret")
    )
}

/// Sends a request declaring a 64 KiB body until one gets 503 (true), for at most 30 s
/// (the server may take a while to read what the held connections sent).
fn refused_for_bodies(addr: SocketAddr) -> bool {
    let body = vec![b' '; 64 * 1024];
    let start = std::time::Instant::now();
    std::iter::from_fn(|| (start.elapsed() < Duration::from_secs(30)).then_some(())).any(|()| {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let _ = stream.write_all(
            head(&format!(
                "Content-Length: {}\r\nConnection: close\r\n",
                body.len()
            ))
            .as_bytes(),
        );
        let _ = stream.write_all(&body);
        let mut raw = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stream, &mut raw);
        let answer = parse_response(&raw);
        if answer != Answer::Dropped && answer.status() == 503 {
            let detail = answer.json()["detail"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(detail.contains("bodies"), "{detail}");
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
        false
    })
}

/// 64 bodies that declared 1 MiB each fill the cap before a byte of them came; the next
/// body gets 503, and once they are gone the server takes bodies again.
#[test]
fn declared_bodies_fill_the_cap_before_their_bytes_come() {
    let mock = start(MockQosic::builder());
    let addr = mock.address().unwrap();
    let held: Vec<TcpStream> = (0..64)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(head(&format!("Content-Length: {MIB}\r\n")).as_bytes())
                .unwrap();
            s
        })
        .collect();
    assert!(
        refused_for_bodies(addr),
        "no 503 with 64 MiB of bodies declared"
    );
    drop(held);
    let body = status("NOPE", "MTN_CLIENT").to_string();
    let auth = basic("merchant", "secret");
    let served = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(10));
        http_request(addr, "POST", MTN_STATUS, Some(&auth), body.as_bytes()).status() == 200
    });
    assert!(served, "the cap was not given back");
}

/// Chunked bodies (no declared length) count what they hold: 64 nearly whole ones fill it.
#[test]
fn chunked_bodies_count_what_they_hold() {
    let mock = start(MockQosic::builder());
    let addr = mock.address().unwrap();
    let chunk = vec![b' '; MIB - 64];
    let held: Vec<TcpStream> = (0..64)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(head("Transfer-Encoding: chunked\r\n").as_bytes())
                .unwrap();
            write!(s, "{:x}\r\n", chunk.len()).unwrap();
            s.write_all(&chunk).unwrap();
            s.write_all(b"\r\n").unwrap();
            s
        })
        .collect();
    assert!(
        refused_for_bodies(addr),
        "no 503 with 64 MiB of chunked bodies held"
    );
    drop(held);
}

/// A client that sends requests but never reads the answers is closed after the idle
/// timeout, once the server's writes stop making progress.
#[test]
fn a_client_that_does_not_read_its_answers_is_closed() {
    let mock = start(MockQosic::builder().idle_timeout(Duration::from_millis(300)));
    let mut stream = TcpStream::connect(mock.address().unwrap()).unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = status("NOPE", "MTN_CLIENT").to_string();
    let request = format!(
        "{}{body}",
        head(&format!("Content-Length: {}\r\n", body.len())).replace(MTN_PAY, MTN_STATUS)
    );
    let error = loop {
        if let Err(e) = stream.write_all(request.as_bytes()) {
            break e;
        }
    };
    // Closed by the server (reset or broken pipe), not a write that waited 30 s in vain.
    assert!(
        matches!(
            error.kind(),
            ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
        ),
        "{error:?}"
    );
}
