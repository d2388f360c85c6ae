//! What the HTTP server holds for slow clients: request bodies in flight (a cap of 64 MiB over
//! all connections, counted before the bytes come) and answers the client does not read.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

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

/// Sends `request` on each of `n` new connections, then waits (30 s at most) for one of
/// them to be answered, and returns that answer.
fn first_answer(addr: SocketAddr, n: usize, request: &[u8]) -> Option<Answer> {
    let held: Vec<TcpStream> = (0..n)
        .map(|_| {
            let mut stream = TcpStream::connect(addr).unwrap();
            // A refused one may be closed before all of it is written.
            let _ = stream.write_all(request);
            stream.set_nonblocking(true).unwrap();
            stream
        })
        .collect();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        for mut stream in &held {
            let mut buf = [0u8; 1024];
            match stream.read(&mut buf) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                Ok(n) => {
                    let mut raw = buf[..n].to_vec();
                    stream.set_nonblocking(false).unwrap();
                    stream
                        .set_read_timeout(Some(Duration::from_secs(20)))
                        .unwrap();
                    let _ = stream.read_to_end(&mut raw);
                    return Some(parse_response(&raw));
                }
                Err(_) => return Some(Answer::Dropped),
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// Whether `answer` is the 503 of bodies in flight.
fn busy(answer: Option<Answer>) -> bool {
    let Some(answer @ Answer::Reply { .. }) = answer else {
        return false;
    };
    let detail = answer.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    answer.status() == 503 && detail.contains("request bodies")
}

/// 65 bodies that declared 1 MiB each overflow the cap before a byte of them came: one is
/// refused; once they are gone the server takes bodies again.
#[test]
fn declared_bodies_fill_the_cap_before_their_bytes_come() {
    let mock = start(MockQosic::builder());
    let addr = mock.address().unwrap();
    let request = head(&format!("Content-Length: {MIB}\r\n"));
    assert!(busy(first_answer(addr, 65, request.as_bytes())), "no 503");
    let body = status("NOPE", "MTN_CLIENT").to_string();
    let auth = basic("merchant", "secret");
    let served = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(10));
        http_request(addr, "POST", MTN_STATUS, Some(&auth), body.as_bytes()).status() == 200
    });
    assert!(served, "the cap was not given back");
}

/// Chunked bodies (no declared length) count the buffer they hold, not only their bytes: in
/// chunks of 1, 1, 2, 4... 256 KiB bytes, then one more byte, 512 KiB and a byte are in a
/// buffer doubled to 1 MiB. 65 of them overflow the cap (their bytes alone make 33 MiB).
#[test]
fn chunked_bodies_count_the_buffer_they_hold() {
    let mock = start(MockQosic::builder());
    let mut request = head("Transfer-Encoding: chunked\r\n").into_bytes();
    let sizes = std::iter::once(1)
        .chain((0..=18).map(|k| 1 << k))
        .chain([1]);
    for size in sizes {
        request.extend_from_slice(format!("{size:x}\r\n").as_bytes());
        request.extend(std::iter::repeat_n(b' ', size));
        request.extend_from_slice(b"\r\n");
    }
    let answer = first_answer(mock.address().unwrap(), 65, &request);
    assert!(busy(answer), "no 503");
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
    // A large answer (73 KB), so that few fill the socket buffers.
    let request = "GET /__admin/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n";
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
