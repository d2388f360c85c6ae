//! What the SDK logs: one span per operation, and never a secret or a full phone number.
//!
//! A test binary of its own: the subscriber is the process-wide default, so events from every
//! thread (the transport's, the client's) are captured, with no other test interfering.

use std::io::Write;
use std::sync::{Arc, Mutex};

use qosic_core::{Lookup, PaymentRequest};
use qosic_mock::MockQosic;
use tracing_subscriber::fmt::MakeWriter;

use qosic_examples::support::{builder, fast_polling};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[test]
fn a_full_run_logs_no_secret_and_no_full_phone_number() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(capture.clone())
        .finish();
    let password = "pa55-w0rd-S3CRET";
    tracing::subscriber::set_global_default(subscriber).unwrap();
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mock = MockQosic::builder().password(password).start().await;
            let transport = qosic_http::HttpTransport::new().unwrap();
            let client = builder(&mock, fast_polling())
                .password(password)
                .transport(transport)
                .build()
                .unwrap();
            let paid = client
                .pay(PaymentRequest::new("22997123456", 1000))
                .await
                .unwrap();
            client.refund(paid.lookup()).await.unwrap();
            client
                .check_status(Lookup::parse(paid.reference().as_str(), "22997123456").unwrap())
                .await
                .unwrap();
            let _ = client
                .pay(PaymentRequest::new("22997123492", 1000))
                .await
                .unwrap_err();
            tracing::info!(client = ?client, "client");
        });
    }
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("op=\"pay\""), "{logs}");
    assert!(logs.contains("carrier=\"MTN\""), "{logs}");
    assert!(
        logs.contains("22997****56"),
        "masked numbers appear: {logs}"
    );
    assert!(
        logs.contains("qosic_http"),
        "the transport logs its requests: {logs}"
    );
    for leak in [
        password,
        "97123456",
        "97123492",
        "Basic ",
        "authorization",
        "Authorization",
    ] {
        assert!(
            !logs.contains(leak),
            "{leak:?} leaked into the logs:\n{logs}"
        );
    }
}
