//! Takes one mobile-money payment and follows it to the end.
//!
//! ```text
//! cargo run --example pay                                  # embedded fake QosIc, MTN number that approves
//! cargo run --example pay -- --phone 22997000190           # a customer who declines (exit 1)
//! cargo run --example pay -- --amount 2500 --refund        # pay, then refund
//! QOSIC_BASE_URL=https://… QOSIC_LOGIN=… QOSIC_PASSWORD=… QOSIC_MTN_CLIENT_ID=… cargo run --example pay -- --phone 229…
//! ```
//!
//! Without `QOSIC_BASE_URL` the program starts the fake QosIc server of `qosic-mock` on a
//! loopback port and pays through the real HTTP transport. With it, the program reads the
//! credentials and client ids from the environment (see the README) and pays for real.
//!
//! Exit status: 0 confirmed (and refunded, with `--refund`), 1 failed or refund refused,
//! 2 still pending or unknown when the polling window closed, 3 error, 64 bad arguments or
//! input refused before any request was sent.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use qosic_carriers_bj::{Celtiis, Moov, Mtn};
use qosic_core::{Client, Error, MobileCarrier, Outcome, PaymentRequest, PollingPolicy, Status};
use qosic_http::HttpTransport;
use qosic_mock::MockQosic;

const USAGE: &str = "\
usage: cargo run --example pay -- [--phone NUMBER] [--amount XOF] [--first-name NAME] [--last-name NAME]
                                  [--carrier MTN|MOOV|CELTIIS] [--refund] [--quiet]

  --phone       the subscriber to charge (default 22997000100: an MTN number that approves;
                on the fake server, numbers ending in 90 decline, 91 lack funds, 92 have no
                account, 93 never answer, 94 fail with a server error)
  --amount      whole XOF (default 1000)
  --carrier     name the carrier instead of picking it by prefix
  --refund      refund the payment once confirmed
  --quiet       print only the result, not each step

Runs against an embedded fake QosIc server unless QOSIC_BASE_URL is set; then QOSIC_LOGIN,
QOSIC_PASSWORD and QOSIC_MTN_CLIENT_ID / QOSIC_MOOV_CLIENT_ID / QOSIC_CELTIIS_CLIENT_ID are read.";

#[derive(Debug)]
struct Args {
    phone: String,
    amount: u64,
    first_name: Option<String>,
    last_name: Option<String>,
    carrier: Option<String>,
    refund: bool,
    quiet: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        phone: "22997000100".to_owned(),
        amount: 1000,
        first_name: None,
        last_name: None,
        carrier: None,
        refund: false,
        quiet: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (flag.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or(format!("{name} needs {what}"))
        };
        match name.as_str() {
            "--phone" => args.phone = value("a phone number")?,
            "--amount" => {
                let raw = value("an amount")?;
                args.amount = raw.parse().map_err(|_| {
                    format!("--amount: expected a positive whole number of XOF, got {raw:?}")
                })?;
            }
            "--first-name" => args.first_name = Some(value("a name")?),
            "--last-name" => args.last_name = Some(value("a name")?),
            "--carrier" => args.carrier = Some(value("a carrier name")?),
            "--refund" => args.refund = true,
            "--quiet" | "-q" => args.quiet = true,
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

/// Prints the SDK's own events (one per request and per status check), with masked numbers.
fn init_logging() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let filter = Targets::new()
        .with_target("qosic_core", LevelFilter::DEBUG)
        .with_default(LevelFilter::WARN);
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .compact()
                .without_time()
                .with_target(false)
                .with_ansi(false),
        )
        .with(filter)
        .init();
}

/// A client for the server named by the environment, or for an embedded fake server.
async fn client() -> Result<(Client, Option<MockQosic>), Error> {
    let transport = HttpTransport::new().map_err(|e| Error::config("transport", e.to_string()))?;
    if std::env::var_os("QOSIC_BASE_URL").is_some() {
        let client = Client::from_env()
            .carriers(qosic_carriers_bj::from_env()?)
            .transport(transport)
            .build()?;
        println!("paying through {}", client.base_url());
        return Ok((client, None));
    }
    let mock = MockQosic::start().await;
    // The fake server answers at once, so check every second instead of QosIc's 10 s.
    let polling = PollingPolicy::unbounded(Duration::from_secs(1), Duration::from_secs(120))?;
    let carriers: Vec<Arc<dyn MobileCarrier>> = vec![
        Arc::new(Mtn::new(qosic_mock::DEFAULT_MTN_CLIENT_ID)?.with_polling(polling)),
        Arc::new(Moov::new(qosic_mock::DEFAULT_MOOV_CLIENT_ID)?),
        Arc::new(Celtiis::new(qosic_mock::DEFAULT_CELTIIS_CLIENT_ID)?.with_polling(polling)),
    ];
    let client = Client::builder()
        .base_url(mock.uri())
        .login(qosic_mock::DEFAULT_LOGIN)
        .password(qosic_mock::DEFAULT_PASSWORD)
        .carriers(carriers)
        .transport(transport)
        .build()?;
    println!(
        "paying through the embedded fake QosIc server at {} (set QOSIC_BASE_URL to use another)",
        mock.uri()
    );
    Ok((client, Some(mock)))
}

fn describe(outcome: &Outcome) -> String {
    let mut line = format!("{}", outcome.status());
    match (outcome.code(), outcome.message()) {
        (Some(code), Some(message)) => line.push_str(&format!(" (code {code}: {message})")),
        (Some(code), None) => line.push_str(&format!(" (code {code})")),
        (None, Some(message)) => line.push_str(&format!(" ({message})")),
        (None, None) => {}
    }
    line
}

fn exit_for(status: Status) -> ExitCode {
    match status {
        Status::Confirmed => ExitCode::SUCCESS,
        Status::Failed => ExitCode::from(1),
        _ => ExitCode::from(2),
    }
}

async fn run(args: Args) -> Result<ExitCode, Error> {
    let (client, _mock) = client().await?;
    let mut request = PaymentRequest::new(&args.phone, args.amount);
    if let Some(name) = &args.first_name {
        request = request.first_name(name);
    }
    if let Some(name) = &args.last_name {
        request = request.last_name(name);
    }
    if let Some(carrier) = &args.carrier {
        request = request.carrier(carrier);
    }
    println!(
        "requesting {} XOF; waiting for the customer to approve on their phone…",
        args.amount
    );
    let outcome = client.pay(request).await?;
    println!("reference: {}", outcome.reference());
    println!("carrier:   {}", outcome.carrier());
    println!("phone:     {}", outcome.phone().masked());
    println!(
        "status:    {} after {} status check(s)",
        describe(&outcome),
        outcome.status_checks()
    );
    match outcome.status() {
        Status::Confirmed => {}
        Status::Failed => return Ok(exit_for(Status::Failed)),
        other => {
            println!(
                "not final yet: the customer may still approve. Check later with reference {} (never pay again under a new one).",
                outcome.reference()
            );
            return Ok(exit_for(other));
        }
    }
    if args.refund {
        let refund = client.refund(outcome.lookup()).await?;
        println!("refund:    {}", describe(&refund));
        return Ok(exit_for(refund.status()));
    }
    Ok(ExitCode::SUCCESS)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(64);
        }
    };
    if !args.quiet {
        init_logging();
    }
    match run(args).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            if let Some(reference) = error.reference() {
                eprintln!("reference: {reference} (request {})", error.delivery());
            }
            if error.is_invalid_input() {
                ExitCode::from(64)
            } else {
                ExitCode::from(3)
            }
        }
    }
}
