//! The in-process transport: the fake server's handler called directly, with no sockets.

use std::sync::Arc;

use async_trait::async_trait;
use qosic_core::{
    ApiRequest, ApiResponse, Delivery, Transport, TransportError, TransportErrorKind,
};

use crate::handler::handle;
use crate::reply::{Action, BodyProblem, Incoming};
use crate::shared::Shared;

/// A [`Transport`] wired straight into a [`crate::MockQosic`]'s state, from
/// [`crate::MockQosic::transport`]: the URL's host is ignored, delays are slept on the
/// caller's tokio clock, and a dropped connection is a `ConnectionLost` error (the crate
/// docs' "Faults").
#[derive(Clone, Debug)]
pub struct InProcessTransport {
    shared: Arc<Shared>,
}

impl InProcessTransport {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        InProcessTransport { shared }
    }
}

#[async_trait]
impl Transport for InProcessTransport {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        let authorization = request.credentials().authorization();
        let body = request.body();
        let too_large = body.len() > self.shared.config.limits.max_body;
        let action = handle(
            &self.shared,
            &Incoming {
                method: "POST",
                path: request.path(),
                query: None,
                authorization: Some(authorization.expose()),
                // The SDK sends JSON; it never reaches the admin API (its paths are the wire's).
                content_type: Some("application/json"),
                admin_header: false,
                body,
                problem: too_large.then_some(BodyProblem::TooLarge),
            },
        );
        let reply = match action {
            // No event loop to keep free here: the answer is built at once.
            Action::Render(render) => render(),
            Action::Respond(reply) => reply,
            Action::Drop { delay } => {
                sleep(delay).await;
                let lost = TransportErrorKind::ConnectionLost;
                return Err(TransportError::new(lost, Delivery::MaybeSent));
            }
        };
        sleep(reply.delay).await;
        Ok(ApiResponse::new(reply.status, reply.body))
    }
}

/// Waits `delay` (a fault's) on tokio's clock, without a trip through the timer when zero.
pub(crate) async fn sleep(delay: std::time::Duration) {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
}
