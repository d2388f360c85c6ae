//! The response size limit: a huge answer is an error, never a memory blow-up.

use qosic_core::{Delivery, Transport, TransportErrorKind};
use qosic_http::{BodyTooLarge, HttpTransport, DEFAULT_MAX_RESPONSE_SIZE};

use crate::support::{payment_request, trace_init, Reply, TestServer};

const TEN_MIB: usize = 10 * 1024 * 1024;

fn too_large_source(error: &qosic_core::TransportError) -> &BodyTooLarge {
    std::error::Error::source(error)
        .and_then(|s| s.downcast_ref::<BodyTooLarge>())
        .expect("the source is a BodyTooLarge")
}

#[tokio::test]
async fn a_10_mib_answer_with_content_length_is_refused_early() {
    trace_init();
    let server = TestServer::start(Reply::Large {
        size: TEN_MIB,
        content_length: true,
    })
    .await;

    let error = HttpTransport::new()
        .unwrap()
        .send(payment_request(&server.uri()))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge, "{error:?}");
    assert_eq!(error.delivery(), Delivery::MaybeSent);
    let source = too_large_source(&error);
    assert_eq!(source.limit(), DEFAULT_MAX_RESPONSE_SIZE);
    assert_eq!(source.content_length(), Some(TEN_MIB as u64));
}

#[tokio::test]
async fn a_10_mib_chunked_answer_is_cut_at_the_limit() {
    let server = TestServer::start(Reply::Large {
        size: TEN_MIB,
        content_length: false,
    })
    .await;

    let error = HttpTransport::new()
        .unwrap()
        .send(payment_request(&server.uri()))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge, "{error:?}");
    assert_eq!(error.delivery(), Delivery::MaybeSent);
    assert_eq!(too_large_source(&error).content_length(), None);
}

#[tokio::test]
async fn an_answer_at_the_limit_is_accepted() {
    let size = 128 * 1024;
    for content_length in [true, false] {
        let server = TestServer::start(Reply::Large {
            size,
            content_length,
        })
        .await;
        let transport = HttpTransport::builder()
            .max_response_size(size)
            .build()
            .unwrap();
        let response = transport
            .send(payment_request(&server.uri()))
            .await
            .unwrap();
        assert_eq!(response.body.len(), size);

        let smaller = HttpTransport::builder()
            .max_response_size(size - 1)
            .build()
            .unwrap();
        let error = smaller
            .send(payment_request(&server.uri()))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge);
    }
}
