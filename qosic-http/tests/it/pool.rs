//! One connection pool, shared by clones and concurrent tasks.

use qosic_core::Transport;
use qosic_http::HttpTransport;

use crate::support::{payment_request, trace_init, Reply, TestServer};

const OK: Reply = Reply::Fixed {
    status: 200,
    body: r#"{"responsecode":"00"}"#,
};

#[tokio::test]
async fn sequential_calls_reuse_one_connection() {
    trace_init();
    let server = TestServer::start(OK).await;
    let transport = HttpTransport::new().unwrap();

    for _ in 0..10 {
        // A clone shares the pool.
        let response = transport
            .clone()
            .send(payment_request(&server.uri()))
            .await
            .unwrap();
        assert_eq!(response.status, 200);
    }

    assert_eq!(server.received().len(), 10);
    assert_eq!(server.connections(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_reuse_connections() {
    let server = TestServer::start(OK).await;
    let transport = HttpTransport::new().unwrap();
    let (rounds, parallel) = (10, 4);

    for _ in 0..rounds {
        let calls: Vec<_> = (0..parallel)
            .map(|_| {
                let transport = transport.clone();
                let request = payment_request(&server.uri());
                tokio::spawn(async move { transport.send(request).await })
            })
            .collect();
        for call in calls {
            assert_eq!(call.await.unwrap().unwrap().status, 200);
        }
    }

    assert_eq!(server.received().len(), rounds * parallel);
    // HTTP/1.1 needs one connection per call in flight; reuse keeps the total far below
    // one per call.
    assert!(
        server.connections() <= 2 * parallel,
        "{} connections for {} calls",
        server.connections(),
        rounds * parallel
    );
}
