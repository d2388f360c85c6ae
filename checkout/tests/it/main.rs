//! The checkout's tests: one binary, shared helpers in `support`.
//!
//! - `flow`: the app in-process against the in-process fake QosIc: outcomes, the form's
//!   errors, the JSON endpoints, the event stream, "check again", limits.
//! - `steps`: the engine's promises, job by job: a step runs once, an order being sent is
//!   never sent again.
//! - `crash`: the `qosic-checkout` binary killed with SIGKILL, restarted on the same database.
//! - `multi`: two instances on one Postgres, one killed (skipped without Postgres, except in CI).
//! - `callbacks`: `POST /qosic/callback`, called by the fake server; forged ones change nothing.
//! - `safety`: running with real money: which QosIc, one order per form, rate limits, origin,
//!   maximum amount, the operator's token.
//! - `language`: French by default, English on request, the merchant's own words, amounts as
//!   customers write them, security headers and JSON 404s.
//! - `links`: payment links from the API, the catalogue's products, receipts; never a
//!   customer's price.
//! - `events`: signed events to the merchant, delivered at least once through drops, delays
//!   and 500s, given up after the period; on SQLite and on Postgres (skipped without it, except
//!   in CI); the documented Python verification.
//! - `refunds`: refunds from the admin, sent at most once through double clicks and SIGKILL.
//! - `browser`: the page in headless Chromium, "check again" and the reconnecting notice
//!   included (skipped without it, except in CI).
//! - `card`: card orders, job by job and over HTTP through the fake's card page.
//! - `card_browser`: "Pay by card" in headless Chromium, to the card page and back.
//! - `bounds`: the server's timeouts, connection cap and the polling fall-back past the cap on
//!   event streams.
//! - `ops`: `/healthz`, `/readyz`, `/metrics`; reconciliation jobs at start; a callback during
//!   a status check.
//! - `deploy`: the binary stopped with SIGTERM mid-payments, and secrets kept out of `ps` and
//!   the log.

mod bounds;
mod browser;
mod callbacks;
mod card;
mod card_browser;
mod chromium;
mod crash;
mod deploy;
mod events;
mod flow;
mod language;
mod links;
mod multi;
mod ops;
mod refunds;
mod safety;
mod steps;
mod support;
