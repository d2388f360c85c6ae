//! The in-process transport: a [`Transport`] that calls the fake server's handler directly,
//! with no sockets, so that tests can run by the thousand under tokio's paused clock.

use std::sync::Arc;

use async_trait::async_trait;
use qosic_core::{
    ApiRequest, ApiResponse, Delivery, Transport, TransportError, TransportErrorKind,
};

use crate::handler::handle;
use crate::reply::{Action, BodyProblem, Incoming};
use crate::shared::Shared;

/// A [`Transport`] wired straight into a [`crate::MockQosic`]'s state.
///
/// Get one from [`crate::MockQosic::transport`]. It is cheap to clone and every clone
/// shares the server's state. The host part of request URLs is ignored; only the path,
/// the credentials and the body matter.
///
/// Delays (programmed subscribers, [`crate::Fault::delay`]) are slept with
/// `tokio::time::sleep` on the caller's runtime, so a paused clock skips them.
/// A dropped connection or a lost answer comes back as a [`TransportError`] of kind
/// [`TransportErrorKind::ConnectionLost`] with [`Delivery::MaybeSent`].
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
