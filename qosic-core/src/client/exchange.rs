//! One request and its answer: sending through the transport, and deciding what an answer
//! means (an outcome, or a refusal as an error).

use super::{Client, Subject};
use std::sync::Arc;

use crate::carrier::{LookupCall, MobileCarrier, Operation, Reply, Verdict, WireRequest};
use crate::error::Error;
use crate::outcome::{Outcome, RawResponse, Status};
use crate::server_text;
use crate::transport::{ApiRequest, ApiResponse, Delivery, TransportError};
use crate::wire::{excerpt, mask_numbers};

/// How a send ended, before interpretation.
pub(super) enum Sent {
    Answered(Reply, RawResponse),
    /// The request may have been received, and no answer came: the transport's error.
    Uncertain(TransportError),
}

impl Client {
    /// Sends one request. Transport failures are errors when nothing left, `Uncertain` otherwise.
    ///
    /// `timeout`: the most the transport may take, for one that honours it
    /// ([`Transport::honours_request_timeout`]).
    pub(super) async fn send(
        &self,
        subject: &Subject<'_>,
        wire: WireRequest,
        timeout: Option<std::time::Duration>,
    ) -> Result<Sent, Error> {
        tracing::debug!(path = %wire.path, "sending {} request", subject.operation);
        let mut request = ApiRequest::to(
            &self.inner.base_url,
            wire.path,
            self.inner.credentials.clone(),
            wire.body,
        );
        if let Some(timeout) = timeout {
            request = request.with_timeout(timeout);
        }
        // Through the trait object itself: `Arc<dyn Transport>` also implements `Transport`, and
        // calling that impl would box one more future per request.
        match (*self.inner.transport).send(request).await {
            Ok(response) => {
                let mut reply = subject.carrier.read(subject.operation, &response);
                // Servers echo phone numbers in their texts, even in the code: mask them
                // before anything shows or logs them; and make their text safe to print
                // (control characters escaped, length bounded: `server_text`).
                reply.code = reply.code.map(masked);
                reply.message = reply.message.map(masked);
                reply.comment = reply.comment.map(masked);
                reply.service_ref = reply.service_ref.map(server_text::reason_owned);
                tracing::debug!(
                    http_status = response.status,
                    code = reply.code.as_deref().unwrap_or(""),
                    verdict = ?reply.verdict,
                    "{} answer",
                    subject.operation
                );
                Ok(Sent::Answered(reply, raw(response)))
            }
            Err(error) if error.delivery() == Delivery::NotSent => Err(Error::Transport {
                operation: subject.operation,
                reference: Some(subject.reference.clone()),
                source: error,
            }),
            Err(error) => {
                tracing::warn!(error = %error, "{} request may have been sent, no answer", subject.operation);
                // Status checks are safe to repeat: report them as errors so polling can retry.
                if subject.operation == Operation::Status {
                    return Err(Error::Transport {
                        operation: subject.operation,
                        reference: Some(subject.reference.clone()),
                        source: error,
                    });
                }
                Ok(Sent::Uncertain(error))
            }
        }
    }

    /// Turns an answer into an outcome, or into an error for refusals.
    pub(super) fn decide(
        &self,
        subject: &Subject<'_>,
        mut reply: Reply,
        raw: RawResponse,
    ) -> Result<Outcome, Error> {
        // Only refusals carry it: cloned when one is made, not for every answer.
        let reference = || Some(subject.reference.clone());
        let foreign = reply
            .echoed_ref
            .as_deref()
            .is_some_and(|echoed| !echoed.is_empty() && echoed != subject.reference.as_str());
        let status = match reply.verdict {
            // An answer about another transaction says nothing about ours.
            Verdict::Confirmed
            | Verdict::Failed
            | Verdict::Pending
            | Verdict::UnknownReference
            | Verdict::Unreadable
                if foreign =>
            {
                tracing::warn!(
                    http_status = raw.status,
                    "{} answer names another reference: ignored, outcome unknown",
                    subject.operation
                );
                reply.code = None;
                reply.comment = None;
                reply.message = Some(format!(
                    "the answer was about another reference ({}), not this one",
                    reply
                        .echoed_ref
                        .as_deref()
                        .map(|echoed| server_text::reason_owned(mask_numbers(echoed).into_owned()))
                        .unwrap_or_default()
                ));
                Status::Unknown
            }
            Verdict::Confirmed => Status::Confirmed,
            Verdict::Failed => Status::Failed,
            Verdict::Pending => Status::Pending,
            Verdict::UnknownReference | Verdict::Unreadable => Status::Unknown,
            Verdict::InvalidCredentials => {
                return Err(Error::InvalidCredentials {
                    reference: reference(),
                })
            }
            Verdict::InvalidClientId => {
                return Err(Error::InvalidClientId {
                    carrier: subject.carrier.name().to_owned(),
                    reference: reference(),
                })
            }
            Verdict::NoAccount => {
                return Err(Error::UserAccountNotFound {
                    phone: subject.phone.masked(),
                    reference: reference(),
                })
            }
            Verdict::ServerError => {
                return Err(Error::ServerError {
                    status: Some(raw.status),
                    reason: reply
                        .message
                        .unwrap_or_else(|| excerpt(raw.body.as_bytes(), 200)),
                    reference: reference(),
                })
            }
            Verdict::Rejected => {
                return Err(Error::Rejected {
                    operation: subject.operation,
                    status: raw.status,
                    code: reply.code,
                    message: reply
                        .message
                        .unwrap_or_else(|| excerpt(raw.body.as_bytes(), 200)),
                    reference: reference(),
                })
            }
        };
        if reply.verdict == Verdict::Unreadable {
            tracing::warn!(
                http_status = raw.status,
                "unreadable {} answer: outcome unknown",
                subject.operation
            );
        }
        let mut outcome = self.unknown(subject);
        outcome.status = status;
        outcome.code = reply.code;
        outcome.message = reply.message;
        outcome.comment = reply.comment;
        outcome.service_ref = if foreign { None } else { reply.service_ref };
        outcome.raw = Some(raw);
        Ok(outcome)
    }

    /// The carrier's name, shared: made once per carrier at build, not per answer.
    pub(super) fn carrier_name(&self, carrier: &Arc<dyn MobileCarrier>) -> Arc<str> {
        let inner = &self.inner;
        match inner.carriers.iter().position(|c| Arc::ptr_eq(c, carrier)) {
            Some(i) => Arc::clone(&inner.carrier_names[i]),
            None => Arc::from(carrier.name()),
        }
    }

    /// The outcome of a request that may have reached QosIc and got no answer: unknown, with
    /// a reason that says what happened and what to do.
    pub(super) fn unanswered(&self, subject: &Subject<'_>, error: &TransportError) -> Outcome {
        let mut outcome = self.unknown(subject);
        outcome.message = Some(format!(
            "no answer to the {} request ({}); the {} may still complete: check its status",
            subject.operation,
            error.reason(),
            subject.operation
        ));
        outcome
    }

    pub(super) fn unknown(&self, subject: &Subject<'_>) -> Outcome {
        Outcome {
            operation: subject.operation,
            status: Status::Unknown,
            reference: subject.reference.clone(),
            phone: subject.phone.clone(),
            carrier: self.carrier_name(subject.carrier),
            amount: subject.amount,
            code: None,
            message: None,
            comment: None,
            service_ref: None,
            raw: None,
            status_checks: 0,
        }
    }

    pub(super) async fn check_once(
        &self,
        subject: &Subject<'_>,
        call: &LookupCall,
        timeout: Option<std::time::Duration>,
    ) -> Result<Outcome, Error> {
        let wire = subject.carrier.status(call)?;
        match self.send(subject, wire, timeout).await? {
            Sent::Answered(reply, raw) => self.decide(subject, reply, raw),
            Sent::Uncertain(error) => Ok(self.unanswered(subject, &error)),
        }
    }
}

/// A server's text with phone numbers masked, control characters escaped and its length
/// bounded ([`server_text::reason`]).
fn masked(text: String) -> String {
    let text = match mask_numbers(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(masked) => masked,
    };
    server_text::reason_owned(text)
}

/// The answer kept in the outcome; the body moves into it (no copy when it is UTF-8).
fn raw(response: ApiResponse) -> RawResponse {
    RawResponse::new(response.status, response.body)
}
