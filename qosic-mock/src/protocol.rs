//! The operations of the wire protocol (payment, status, refund, deposit; the account-holder
//! and balance lookups, answered by `holder.rs` and `balance.rs`) on the server's state: what
//! each checks, what it records and what it answers.

use std::sync::Arc;
use std::time::Duration;

use qosic_core::carrier::{CarrierSpec, Flow, StatusRequest};
use qosic_core::{Msisdn, Operation};
use tokio::time::Instant;

use crate::balance;
use crate::config::Config;
use crate::endpoint::table;
use crate::endpoint::Endpoint;
use crate::fault::{Fault, FaultKind};
use crate::holder::{self, Holders};
use crate::model::{TransactionKind, TransactionState};
use crate::numbering;
use crate::reply::{body_problem, clip, fail, reason, Action, Incoming, Reply};
use crate::state::{State, Transaction};
use crate::subscriber::{Outcome, Subscriber, When};
use crate::wire::{
    self, amount, approved, bad_request, declined, deposited, duplicate, insufficient,
    invalid_client, no_account, pending, spec, status_reply, successful, transref, unknown,
    wrong_network, wrong_reference, Body, Field, Parsed,
};

impl Config {
    /// The answer when the transaction table (or the table of payment references) is full.
    pub(crate) fn full(&self) -> Reply {
        let max = self.limits.max_transactions;
        let detail = format!(
            "the fake server keeps at most {max} transactions and payment references \
             (--max-transactions); forget them with POST /__admin/reset or MockQosic::reset"
        );
        fail(507, &detail)
    }

    /// The answer to a wire request (no fault), recording what it did in `state`.
    pub(crate) fn answer(
        &self,
        state: &mut State,
        holders: &Holders,
        req: &Incoming<'_>,
        endpoint: Option<Endpoint>,
        body: &Parsed,
        auth_accepted: bool,
    ) -> Reply {
        // Every endpoint served has its carrier's description.
        let Some((endpoint, spec)) = endpoint.and_then(|e| spec(e).map(|s| (e, s))) else {
            return fail(404, &format!("no endpoint at {}", clip(req.path)));
        };
        // Methods are case-sensitive (RFC 9110, section 9.1): `post` is not `POST`.
        if req.method != "POST" {
            let (path, method) = (endpoint.path(), clip(req.method));
            return fail(
                405,
                &format!("{path} takes POST (in capitals), not {method}"),
            );
        }
        if let Some(problem) = req.problem {
            return body_problem(problem, &self.limits);
        }
        if !auth_accepted {
            return Reply::text(401, "HTTP Status 401: Bad credentials");
        }
        let body = match body {
            Parsed::Object(body) => body,
            Parsed::NotObject => return bad_request("the body must be a JSON object", None),
            Parsed::Invalid => return bad_request("the body is not valid JSON", None),
        };
        let transref_echo = body.transref.as_str();
        let client_id = match body.clientid.string("clientid") {
            Ok(c) => c,
            Err(e) => return bad_request(&e, transref_echo),
        };
        if Some(client_id) != self.client_ids.get(endpoint.carrier()) {
            return invalid_client(transref_echo);
        }
        let result = match endpoint.operation() {
            Operation::Payment => self.payment(state, spec, endpoint, body),
            Operation::Status => self.status(state, spec, endpoint, body),
            Operation::Refund => refund(state, endpoint, body),
            Operation::Deposit => self.deposit(state, spec, endpoint, body),
            Operation::AccountHolder => holder::answer(holders, body, self.phone_forms),
            Operation::Balance => Ok(balance::answer(balance::of(
                endpoint.carrier(),
                state.transactions.values_mut().map(|tx| {
                    tx.settle(Instant::now());
                    (tx.carrier, tx.kind, tx.state, tx.amount)
                }),
            ))),
            other => Err(format!("the fake server does not serve {other}")),
        };
        result.unwrap_or_else(|e| bad_request(&e, transref_echo))
    }

    fn phone(&self, body: &Body, reference: &str) -> Result<Msisdn, Reply> {
        let msisdn = body
            .msisdn
            .string("msisdn")
            .map_err(|e| bad_request(&e, Some(reference)))?;
        numbering::parse_wire(msisdn, self.phone_forms)
            .map_err(|e| bad_request(&e, Some(reference)))
    }

    /// Whether `phone` is on `endpoint`'s network: the network it was ported to, if the
    /// test said so; else, when the server refuses numbers of other carriers, the carrier of
    /// its prefix; else any.
    fn on_network(&self, phone: &Msisdn, behaviour: &Subscriber, endpoint: Endpoint) -> bool {
        match behaviour.network {
            Some(network) => network == endpoint.carrier(),
            None if self.refuse_wrong_carrier => {
                table().carrier_of(phone) == Some(endpoint.carrier())
            }
            None => true,
        }
    }

    /// What payments and deposits check before moving money: the number, a fresh reference,
    /// and a subscriber who has an account and does not make the server fail. `Ok` is the new
    /// transaction (pending), `Err` the answer that refuses the request.
    fn admit(
        &self,
        state: &mut State,
        endpoint: Endpoint,
        body: &Body,
        reference: &str,
        amount: u64,
    ) -> Result<Transaction, Reply> {
        let phone = self.phone(body, reference)?;
        // Digits only and 11 or 13 of them (the phone was read): a u64 keeps it exactly.
        let msisdn = body
            .msisdn
            .as_str()
            .and_then(|m| m.parse::<u64>().ok())
            .unwrap_or_default();
        let behaviour = state
            .subscribers
            .get(&numbering::key(&phone))
            .copied()
            .unwrap_or_else(|| Subscriber::magic(numbering::last_two(&phone)));
        if !self.on_network(&phone, &behaviour, endpoint) {
            return Err(wrong_network(&phone, endpoint, reference));
        }
        if state.transactions.contains_key(reference) {
            return Err(duplicate(reference));
        }
        if state.transactions.len() >= self.limits.max_transactions {
            return Err(self.full());
        }
        match behaviour.outcome {
            Outcome::NoAccount => Err(no_account(Some(reference))),
            Outcome::ServerError => Err(fail(500, "the carrier failed to process the request")),
            _ => Ok(Transaction {
                reference: Arc::from(reference),
                carrier: endpoint.carrier(),
                kind: match endpoint.operation() {
                    Operation::Deposit => TransactionKind::Deposit,
                    _ => TransactionKind::Payment,
                },
                state: TransactionState::Pending,
                status_checks: 0,
                msisdn,
                amount,
                service_ref: state.next_service_ref(),
                behaviour,
                created_at: Instant::now(),
            }),
        }
    }

    fn payment(
        &self,
        state: &mut State,
        spec: &CarrierSpec,
        endpoint: Endpoint,
        body: &Body,
    ) -> Result<Reply, String> {
        let reference = transref(body)?;
        let amount = amount(body)?;
        for (name, field) in [("firstname", &body.firstname), ("lastname", &body.lastname)] {
            if field != &Field::default() {
                field.string(name)?;
            }
        }
        let mut tx = match self.admit(state, endpoint, body, reference, amount) {
            Ok(tx) => tx,
            Err(reply) => return Ok(reply),
        };
        let (behaviour, service_ref) = (tx.behaviour, tx.service_ref);
        let reply = if spec.flow() == Flow::Synchronous {
            // Synchronous: the answer carries the outcome, after the customer's delay if any.
            let delay = match behaviour.when {
                When::After(d) => d,
                When::Checks(_) => {
                    tx.resolve();
                    Duration::ZERO
                }
            };
            let mut reply = match behaviour.outcome {
                Outcome::NeverAnswers => pending(202, reference, spec),
                Outcome::Approves => approved(reference, spec, service_ref),
                Outcome::Declines => declined(reference, spec),
                _ => insufficient(reference),
            };
            if behaviour.outcome != Outcome::NeverAnswers {
                reply.delay = delay;
            }
            reply
        } else {
            pending(202, reference, spec)
        };
        state.record_end(&tx);
        state.record(tx);
        Ok(reply)
    }

    fn status(
        &self,
        state: &mut State,
        spec: &CarrierSpec,
        endpoint: Endpoint,
        body: &Body,
    ) -> Result<Reply, String> {
        let reference = transref(body)?;
        if spec.status_request() == StatusRequest::WithOperatorRef {
            body.specialfield1.string("specialfield1")?;
        }
        let now = Instant::now();
        let Some(tx) = state
            .transactions
            .get_mut(reference)
            .filter(|tx| tx.carrier == endpoint.carrier())
        else {
            return Ok(unknown(reference));
        };
        tx.status_checks = tx.status_checks.saturating_add(1);
        tx.settle(now);
        let ends_now = tx.state == TransactionState::Pending
            && matches!(tx.behaviour.when, When::Checks(n) if tx.status_checks >= n);
        if ends_now {
            tx.resolve();
        }
        let reply = match tx.state {
            TransactionState::Pending => pending(200, reference, spec),
            TransactionState::Confirmed | TransactionState::Refunded => {
                successful(reference, spec, tx.service_ref)
            }
            TransactionState::Declined => declined(reference, spec),
            TransactionState::InsufficientFunds => insufficient(reference),
        };
        if ends_now {
            let tx = tx.clone();
            state.record_end(&tx);
        }
        Ok(reply)
    }

    fn deposit(
        &self,
        state: &mut State,
        spec: &CarrierSpec,
        endpoint: Endpoint,
        body: &Body,
    ) -> Result<Reply, String> {
        let reference = transref(body)?;
        let amount = amount(body)?;
        let mut tx = match self.admit(state, endpoint, body, reference, amount) {
            Ok(tx) => tx,
            Err(reply) => return Ok(reply),
        };
        tx.state = TransactionState::Confirmed;
        let reply = deposited(reference, spec, tx.service_ref);
        state.record_end(&tx);
        state.record(tx);
        Ok(reply)
    }
}

fn refund(state: &mut State, endpoint: Endpoint, body: &Body) -> Result<Reply, String> {
    let reference = transref(body)?;
    let now = Instant::now();
    let Some(tx) = state
        .transactions
        .get_mut(reference)
        .filter(|tx| tx.carrier == endpoint.carrier() && tx.kind == TransactionKind::Payment)
    else {
        return Ok(wire::refund(reference, Some("Transaction not found")));
    };
    tx.settle(now);
    let refused = match tx.state {
        TransactionState::Confirmed => {
            tx.state = TransactionState::Refunded;
            None
        }
        TransactionState::Refunded => Some("Transaction already refunded"),
        _ => Some("Transaction not successful, cannot be refunded"),
    };
    Ok(wire::refund(reference, refused))
}

pub(crate) fn fault_action(
    fault: &Fault,
    normal: Option<Reply>,
    endpoint: Option<Endpoint>,
    transref: Option<&str>,
) -> Action {
    let waited = normal.as_ref().map_or(Duration::ZERO, |r| r.delay);
    let delay = fault.delay.saturating_add(waited);
    let mut reply = match fault.kind {
        FaultKind::DropConnection => return Action::Drop { delay },
        FaultKind::Delay => normal.unwrap_or_else(|| fail(500, "no answer")),
        FaultKind::Status(status) => status_reply(status, transref),
        FaultKind::MalformedBody => Reply::json_bytes(
            fault.status.unwrap_or(200),
            br#"{"responsecode":"00","responsemsg":"SUCC"#.to_vec(),
        ),
        FaultKind::EmptyBody => Reply::json_bytes(fault.status.unwrap_or(200), Vec::new()),
        FaultKind::HtmlError => {
            let status = fault.status.unwrap_or(502);
            let title = format!("{status} {}", reason(status));
            let page = format!(
                "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            );
            Reply::with_type(status, "text/html", page.into_bytes())
        }
        FaultKind::WrongReference => wrong_reference(endpoint),
    };
    reply.delay = delay;
    Action::Respond(reply)
}
