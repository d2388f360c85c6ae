//! The server's bounds, as a slow or greedy client meets them: a slow head and a slow body are
//! cut, connections past the cap are refused at once and the shop answers again once they go,
//! and pages past the cap on event streams still learn their order's status.

use std::time::Duration;

use qosic::mock::{MockQosic, Subscriber};
use qosic_checkout::State;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

/// Reads until the server closes the connection (or PATIENCE passes: the test then fails);
/// returns what it sent.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server kept the connection open: {}",
        String::from_utf8_lossy(&received)
    );
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_head_and_a_slow_body_are_cut() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(2));
    config.header_timeout = Duration::from_millis(500);
    config.request_timeout = Duration::from_millis(500);
    let app = start_app(&mock, config).await;
    let addr = app.addr();

    // A head that never ends: the connection is closed, with nothing answered.
    let mut slow_head = TcpStream::connect(addr).await.unwrap();
    slow_head
        .write_all(b"POST /orders HTTP/1.1\r\nHost: shop\r\nContent-Type: application/x-www-")
        .await
        .unwrap();
    let answer = read_to_close(&mut slow_head).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );

    // An idle connection that never sends a byte: closed as well.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    read_to_close(&mut idle).await;

    // A head, then a body that stops half-way: 408, and the connection closed.
    let mut slow_body = TcpStream::connect(addr).await.unwrap();
    slow_body
        .write_all(
            b"POST /orders HTTP/1.1\r\nHost: shop\r\nContent-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 100\r\n\r\nphone=2299700",
        )
        .await
        .unwrap();
    let answer = read_to_close(&mut slow_body).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(app.store().all_orders().await.unwrap().is_empty());

    // The shop answers others meanwhile and after.
    let response = http().get(app.url()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_are_refused_at_once_and_the_shop_answers_once_they_go() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(2));
    config.max_connections = 3;
    // Long enough that the held connections stay open for the whole test.
    config.header_timeout = Duration::from_secs(300);
    let app = start_app(&mock, config).await;
    let addr = app.addr();

    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // The server accepts in order: once it has taken the three, the fourth is refused. A
    // request on a held connection proves it was accepted.
    held[0]
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: shop\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 512];
    let n = tokio::time::timeout(PATIENCE, held[0].read(&mut buffer))
        .await
        .expect("an answer on a held connection")
        .unwrap();
    assert!(buffer[..n].starts_with(b"HTTP/1.1 200"));
    for _ in 0..3 {
        let mut refused = TcpStream::connect(addr).await.unwrap();
        let answer = read_to_close(&mut refused).await;
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(answer.contains("at most 3 connections"), "{answer}");
    }
    let response = http().get(format!("{}/healthz", app.url())).send().await;
    assert!(
        response.map_or(true, |r| r.status() == 503),
        "a fourth client is refused"
    );

    drop(held);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match http().get(format!("{}/healthz", app.url())).send().await {
            Ok(response) if response.status() == 200 => break,
            _ => {}
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the shop never answered again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let metrics = http()
        .get(format!("{}/metrics", app.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let refused = metric(&metrics, "checkout_connections_refused_total");
    assert!(refused >= 3.0, "{metrics}");
    app.stop().await;
}

/// The value of the sample named exactly `name` (labels included) in a Prometheus text.
pub(crate) fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| {
            let (key, value) = line.rsplit_once(' ')?;
            (key == name).then(|| value.parse().unwrap())
        })
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_cap_on_event_streams_a_page_still_learns_its_status_by_polling() {
    let dir = tempfile::tempdir().unwrap();
    let mock = MockQosic::in_process();
    mock.subscriber("22997000610", Subscriber::approves_after_checks(2));
    let mut config = test_config(&dir.path().join("shop.sqlite"), Duration::from_secs(8));
    config.max_event_streams = 2;
    let app = start_app(&mock, config).await;
    let base = app.url();

    // Two pages hold the two streams, on an order that never ends.
    let silent = order(&base, "22997000193", 100).await;
    let mut open = Vec::new();
    for _ in 0..2 {
        let mut stream = http()
            .get(format!("{base}/orders/{silent}/events"))
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), 200);
        let _first = stream.chunk().await.unwrap();
        open.push(stream);
    }
    // The third page's stream is refused, and says where to poll; polling there follows the
    // order to its end.
    let reference = order(&base, "22997000610", 1000).await;
    let refused = http()
        .get(format!("{base}/orders/{reference}/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    let text = refused.text().await.unwrap();
    assert!(
        text.contains(&format!("poll /orders/{reference}/status")),
        "{text}"
    );
    let view = wait_state(&base, &reference, State::Confirmed).await;
    assert!(view.is_final);
    // The page itself falls back to that endpoint when its stream is refused.
    let page = http()
        .get(format!("{base}/orders/{reference}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/static/checkout.js"), "{page}");
    assert!(
        page.contains(&format!("data-status=\"/orders/{reference}/status\"")),
        "{page}"
    );
    let script = http()
        .get(format!("{base}/static/checkout.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(script.contains("EventSource.CLOSED"), "{script}");
    assert!(script.contains("getAttribute(\"data-status\")"), "{script}");
    drop(open);
    app.stop().await;
}
