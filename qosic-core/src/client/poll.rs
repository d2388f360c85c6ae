//! Waiting: status checks under the carrier's polling policy, within the window's deadline.

use super::{Client, Subject, WINDOW_GRACE};
use std::sync::Arc;

use tokio::time::Instant;

use crate::carrier::{LookupCall, MobileCarrier, Operation};
use crate::error::Error;
use crate::outcome::{Outcome, Status};
use crate::transport::{Delivery, Transport, TransportError, TransportErrorKind};

/// What a refused status check does to a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// It ends the wait with the outcome known so far: the wait follows a payment request
    /// that was accepted or may have been ([`Client::pay`]), which a refused status check
    /// does not undo.
    EndsTheWait,
    /// It is the call's error: the wait is a lookup ([`Client::wait`]).
    IsAnError,
}

impl Client {
    /// Checks the status of `last`'s transaction until a terminal answer or the end of the
    /// carrier's window. Transient trouble (timeouts, 5xx, unreadable answers) does not end
    /// the wait; refusals (credentials, client id) do, as `refusal` says.
    // Not an `async fn` on purpose: see the comment in the body.
    #[allow(clippy::manual_async_fn)]
    pub(super) fn poll<'a>(
        &'a self,
        carrier: &'a Arc<dyn MobileCarrier>,
        mut last: Outcome,
        refusal: Refusal,
    ) -> impl std::future::Future<Output = Result<Outcome, Error>> + Send + 'a {
        // Not an `async fn`, whose arguments are stored twice in its future (as arguments,
        // then moved into its body): `last` is a few hundred bytes that every waiting payment
        // keeps (benchmark 3).
        async move {
            let policy = carrier.polling().unwrap_or_default();
            let deadline = Instant::now() + policy.window();
            let transport_times_out = self.inner.transport.honours_request_timeout();
            let call = LookupCall {
                reference: last.reference.clone(),
                operator_ref: last.service_ref.clone(),
            };
            let subject = Subject {
                operation: Operation::Status,
                carrier,
                reference: &call.reference,
                phone: &last.phone,
                amount: last.amount,
            };
            let mut checks = 0u32;
            loop {
                if policy.max_checks_limit().is_some_and(|max| checks >= max) {
                    break;
                }
                let next = Instant::now() + policy.step();
                if next > deadline {
                    break;
                }
                if next > Instant::now() {
                    tokio::time::sleep_until(next).await;
                } else if checks > 0 {
                    // Already due again (a sub-microsecond step, for fake servers): skip tokio's
                    // timer, whose 1 ms resolution would add up to a millisecond, but yield once,
                    // so that a transport that never waits (in-process) cannot keep this task
                    // running for a whole window. The first check goes out at once: the payment
                    // request before it was an await point, and a yield there costs a scheduler
                    // wake-up per payment (docs/BENCHMARKS.md, "Profile").
                    yield_once().await;
                }
                checks += 1;
                let time_left = deadline.saturating_duration_since(Instant::now()) + WINDOW_GRACE;
                // Boxed: the request's state lives on the heap only while it is in flight, so
                // that a payment waiting for its next check holds only the waiting state
                // (benchmark 3: memory per pending payment).
                let checked = if transport_times_out {
                    // The transport ends the check by `time_left` itself (`HttpTransport`:
                    // reqwest's own timer, which every request has anyway), so a timer of
                    // ours would be a second one per check (docs/BENCHMARKS.md, round five).
                    Box::pin(self.check_once(&subject, &call, Some(time_left))).await
                } else {
                    let check = Box::pin(self.check_once(&subject, &call, None));
                    tokio::time::timeout(time_left, check)
                    .await
                    .unwrap_or_else(|_| {
                        Err(Error::Transport {
                            operation: Operation::Status,
                            reference: Some(call.reference.clone()),
                            source: TransportError::new(TransportErrorKind::Timeout, Delivery::MaybeSent)
                                .with_reason(format!(
                                    "no answer before the polling window closed ({} s left in the window, plus {} s of grace)",
                                    time_left.saturating_sub(WINDOW_GRACE).as_secs(),
                                    WINDOW_GRACE.as_secs()
                                )),
                        })
                    })
                };
                match checked {
                    Ok(outcome) if outcome.status.is_terminal() => {
                        tracing::info!(status = %outcome.status, checks, "payment {}", outcome.status);
                        return Ok(Outcome {
                            operation: last.operation,
                            amount: last.amount,
                            status_checks: checks,
                            ..outcome
                        });
                    }
                    Ok(outcome) => {
                        tracing::debug!(check = checks, status = %outcome.status, "still waiting");
                        // Once QosIc has said pending, a later "unknown" does not undo it.
                        if outcome.status == Status::Pending || last.status == Status::Unknown {
                            last.status = outcome.status;
                            last.code = outcome.code;
                            last.message = outcome.message;
                            last.comment = outcome.comment;
                            last.raw = outcome.raw;
                            if outcome.service_ref.is_some() {
                                last.service_ref = outcome.service_ref;
                            }
                        }
                    }
                    Err(error @ (Error::Transport { .. } | Error::ServerError { .. })) => {
                        tracing::warn!(check = checks, error = %error, "status check failed; will check again");
                        if last.status == Status::Unknown {
                            // Said in the SDK's words: a server error's text ("FAILED") is
                            // not the payment's status, which stays unknown.
                            let what = match &error {
                                Error::ServerError {
                                    status: Some(status),
                                    ..
                                } => format!("a server error (HTTP {status})"),
                                Error::Transport { source, .. } => {
                                    format!("no answer ({})", source.reason())
                                }
                                _ => "a server error".to_owned(),
                            };
                            last.message = Some(format!(
                                "status check {checks} got {what}; the {} may still complete: \
                                 check its status",
                                last.operation
                            ));
                            last.comment = None;
                            last.code = None;
                        }
                    }
                    Err(error) if refusal == Refusal::IsAnError => return Err(error),
                    Err(error) => {
                        // The payment was accepted (or may have been): a refused status check says
                        // nothing about it, so the outcome stays what it was.
                        tracing::warn!(check = checks, error = %error, "status check refused; the payment stays {}", last.status);
                        last.status_checks = checks;
                        return Ok(last);
                    }
                }
            }
            tracing::info!(status = %last.status, checks, "polling window closed without a terminal answer");
            last.status_checks = checks;
            Ok(last)
        }
    }
}

/// Returns `Pending` once (after waking itself), then `Ready`: a yield point that needs no
/// tokio runtime feature beyond `time`.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}
