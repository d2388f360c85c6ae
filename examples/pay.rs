//! Takes one mobile-money payment and follows it to the end.
//!
//! ```text
//! cargo run --example pay                                  # embedded fake QosIc, MTN number that approves
//! cargo run --example pay -- --phone 22997000190           # a customer who declines (exit 1)
//! cargo run --example pay -- --amount 2500 --refund        # pay, then refund
//! cargo run --example pay -- --holder 22997000100          # who holds the number (masked)
//! cargo run --example pay -- --balance                     # pay, then the carrier's balance
//! cargo run --example pay -- --card                        # a card checkout: prints the card page's URL, waits
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
use std::time::Duration;

use clap::Parser;
use qosic::mock::MockQosic;
use qosic::{
    AccountHolder, CardCheckout, Client, Error, Outcome, PaymentRequest, PollingPolicy, Status,
};

/// Takes one mobile-money payment and follows it to the end.
///
/// Runs against an embedded fake QosIc server unless QOSIC_BASE_URL is set; then QOSIC_LOGIN,
/// QOSIC_PASSWORD and a client id per carrier (QOSIC_MTN_CLIENT_ID, QOSIC_MOOV_CLIENT_ID…;
/// see the README) are read. Exit status: 0 confirmed, 1 failed, 2 pending or unknown, 3
/// error, 64 bad input.
#[derive(Debug, clap::Parser)]
#[command(name = "pay", version)]
struct Args {
    /// The subscriber to charge (on the fake server, numbers ending in 90 decline, 91 lack
    /// funds, 92 have no account, 93 never answer, 94 fail with a server error)
    #[arg(long, default_value = "22997000100")]
    phone: String,
    /// Whole XOF
    #[arg(long, default_value_t = 1000)]
    amount: u64,
    /// The customer's first name
    #[arg(long)]
    first_name: Option<String>,
    /// The customer's last name
    #[arg(long)]
    last_name: Option<String>,
    /// Name the carrier (MTN, MOOV…) instead of picking it by prefix, e.g. for a ported number
    #[arg(long)]
    carrier: Option<String>,
    /// Refund the payment once confirmed
    #[arg(long)]
    refund: bool,
    /// Only look up who holds this number (masked name and account status), then exit: 0 an
    /// active account, 1 none or not active
    #[arg(long, value_name = "PHONE")]
    holder: Option<String>,
    /// After the payment, print the carrier's balance available to withdraw (and, on the
    /// embedded fake, its ledger)
    #[arg(long)]
    balance: bool,
    /// Take the amount by card instead: print the hosted card page's URL, then wait until
    /// the customer finishes there (on the fake server, card 4000000000000002 declines)
    #[arg(long)]
    card: bool,
    /// Where the card page sends the customer back (default: a page of the embedded fake)
    #[arg(long, value_name = "URL")]
    return_url: Option<String>,
    /// How long to wait for the card payment to finish, in seconds
    #[arg(long, default_value_t = 300)]
    card_wait: u64,
    /// Print only the result, not each step (RUST_LOG, when set, still applies)
    #[arg(long, short)]
    quiet: bool,
}

/// Prints the SDK's own events (one per request and per status check), with masked numbers;
/// `RUST_LOG` (tracing-subscriber's env filter) replaces the default selection.
fn init_logging(quiet: bool) {
    use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let layer = tracing_subscriber::fmt::layer()
        .compact()
        .without_time()
        .with_target(false)
        .with_ansi(false);
    match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => tracing_subscriber::registry()
            .with(layer)
            .with(EnvFilter::new(directives))
            .init(),
        _ if quiet => {}
        _ => tracing_subscriber::registry()
            .with(layer)
            .with(
                Targets::new()
                    .with_target("qosic_core", LevelFilter::DEBUG)
                    .with_default(LevelFilter::WARN),
            )
            .init(),
    }
}

/// A client for the server named by the environment, or for an embedded fake server.
async fn client() -> Result<(Client, Option<MockQosic>), Error> {
    if std::env::var_os("QOSIC_BASE_URL").is_some() {
        let client = qosic::from_env()?;
        println!("paying through {}", client.base_url());
        return Ok((client, None));
    }
    let mock = MockQosic::start().await;
    // The fake server answers at once, so check every second instead of QosIc's 10 s.
    let polling = PollingPolicy::unbounded(Duration::from_secs(1), Duration::from_secs(120))?;
    // Every carrier the fake server serves, with its client ids, through the real HTTP
    // transport (qosic::builder()'s default), over loopback.
    let client = qosic::builder()
        .base_url(mock.uri())
        .credentials(mock.credentials())
        .carriers(mock.carriers(polling))
        .card_key(qosic::mock::DEFAULT_CARD_KEY)
        .card_base_url(mock.uri())
        .build()?;
    println!(
        "paying through the embedded fake QosIc server at {} (set QOSIC_BASE_URL to use another)",
        mock.uri()
    );
    Ok((client, Some(mock)))
}

fn describe(outcome: &Outcome) -> String {
    let mut line = format!("{}", outcome.status());
    match (outcome.code(), outcome.reason()) {
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

/// `--holder`: who holds the number, masked.
async fn holder(client: &Client, phone: &str) -> Result<ExitCode, Error> {
    match client.account_holder(phone).await? {
        AccountHolder::Found(holder) => {
            println!("holder:    {}", holder.masked_name());
            println!("account:   {}", holder.status());
            Ok(if holder.status().is_active() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        other => {
            println!("holder:    none ({other})");
            Ok(ExitCode::from(1))
        }
    }
}

/// `--card`: a card checkout, followed until it finishes or `--card-wait` passes.
async fn card(client: &Client, mock: Option<&MockQosic>, args: &Args) -> Result<ExitCode, Error> {
    let return_url = match (&args.return_url, mock) {
        (Some(url), _) => url.clone(),
        (None, Some(mock)) => format!("{}/card/returned", mock.uri()),
        (None, None) => {
            return Err(Error::InvalidArgument {
                field: "return_url",
                expected: "--return-url URL (the page of your site the customer comes back to) \
                           with a real QosIc"
                    .to_owned(),
            })
        }
    };
    let session = client
        .card_checkout(CardCheckout::new(args.amount, return_url).description("qosic pay example"))
        .await?;
    println!("reference: {}", session.reference());
    println!("card page: {}", session.url());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(args.card_wait);
    loop {
        let payment = client.card_status(session.reference().as_str()).await?;
        if payment.status() != Status::Pending || tokio::time::Instant::now() >= deadline {
            println!(
                "status:    {}{}",
                payment.status(),
                payment
                    .message()
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            );
            // The embedded fake serves the return page: keep it up until the browser is back
            // there (or 10 s), or the customer would land on a server that is gone.
            if let (Some(mock), None) = (mock, &args.return_url) {
                let reference = session.reference().as_str();
                let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
                while !mock.card_customer_returned(reference)
                    && tokio::time::Instant::now() < deadline
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            return Ok(exit_for(payment.status()));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn run(args: Args) -> Result<ExitCode, Error> {
    let (client, mock) = client().await?;
    if let Some(phone) = &args.holder {
        return holder(&client, phone).await;
    }
    if args.card {
        return card(&client, mock.as_ref(), &args).await;
    }
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
    let mut code = ExitCode::SUCCESS;
    if args.refund {
        let refund = client.refund(outcome.lookup()).await?;
        println!("refund:    {}", describe(&refund));
        code = exit_for(refund.status());
    }
    if args.balance {
        let balance = client.balance(outcome.carrier()).await?;
        println!(
            "balance:   {} XOF available on {}",
            balance.xof(),
            balance.carrier()
        );
        if let Some(mock) = &mock {
            println!(
                "ledger:    {} XOF net on the fake server",
                mock.ledger().net()
            );
        }
    }
    Ok(code)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(64);
        }
    };
    init_logging(args.quiet);
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
