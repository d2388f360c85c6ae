//! The program: `cargo run --example checkout -- [--listen ADDR] [--database URL]`.
//!
//! Prints `listening on http://ADDR` as its first line, then logs (to stderr) one line per
//! order transition.
//!
//! **Which QosIc.** With no `QOSIC_*` credential in the environment (`QOSIC_LOGIN`,
//! `QOSIC_PASSWORD`, `QOSIC_<CARRIER>_CLIENT_ID`), it pays through an embedded fake QosIc
//! server (qosic-mock) on a loopback port, and every page, `/admin` and the log say "test
//! mode: no money moves". With any of them set, it pays through QosIc at `QOSIC_BASE_URL`, or
//! the SDK's default ([`qosic::DEFAULT_BASE_URL`]) when unset, never through the fake; a
//! credential missing then stops it at start, naming the variable. `QOSIC_BASE_URL` without
//! credentials is refused too. `--fake-qosic` forces the fake.
//!
//! **Cards.** With the fake, card payments are on with its test key
//! ([`qosic::mock::DEFAULT_CARD_KEY`]). With QosIc, `QOSIC_CARD_KEY` (a credential: set, it
//! means real payments) turns them on, on the card host `QOSIC_CARD_BASE_URL` or the SDK's
//! default, and needs `CHECKOUT_PUBLIC_URL`, where the card page sends customers back
//! ([`card_settings`]).
//!
//! **Settings from the environment.** Every secret comes from the environment, never the
//! command line: `DATABASE_URL` (for `--database`), `LISTEN` or `PORT` (for `--listen`;
//! `PORT` listens on all interfaces), `CHECKOUT_ADMIN_TOKEN` (the operator's token for
//! `/admin`), `CHECKOUT_LOG=json` (JSON log lines), and the shop's own settings
//! ([`crate::shop::from_env`]: `CHECKOUT_SHOP_NAME`, `CHECKOUT_LOCALES`…). A flag wins over
//! its variable.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use qosic::mock::MockQosic;
use qosic::Client;

use crate::app::App;
use crate::config::{Config, Database};

/// The variable that replaces [`qosic::DEFAULT_BASE_URL`] as "the SDK's default", for tests
/// only: they point "the default" at a loopback server to see that real credentials never
/// reach the fake. Not for production (use `QOSIC_BASE_URL`).
pub const TEST_DEFAULT_BASE_URL_VAR: &str = "QOSIC_CHECKOUT_TEST_DEFAULT_BASE_URL";

/// A shop that takes mobile-money payments through QosIc without blocking, follows each one
/// live, survives restarts, and runs on several servers with Postgres.
#[derive(Debug, Parser)]
#[command(name = "checkout", version)]
struct Args {
    /// The address to listen on (port 0 picks a free one) [env: LISTEN, or PORT for
    /// 0.0.0.0:PORT; default 127.0.0.1:3000]
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// The database: sqlite://PATH (one server) or postgres://USER:PASSWORD@HOST:PORT/DB
    /// (several) [env: DATABASE_URL, which keeps the password out of `ps`; default:
    /// checkout.sqlite in the current directory]
    #[arg(long)]
    database: Option<String>,
    /// Seconds between two status checks of a pending payment
    #[arg(long, default_value_t = 10)]
    check_interval: u64,
    /// Seconds a payment is followed before the page says it is still pending
    #[arg(long, default_value_t = 120)]
    window: u64,
    /// Hours an order still pending or unknown after its window is checked again
    /// (reconciliation) before it goes to needs_attention
    #[arg(long, default_value_t = 48)]
    reconcile_hours: u64,
    /// Seconds between the worker's heartbeats; a worker silent for twice as long is taken for
    /// dead and its jobs go to another
    #[arg(long, default_value_t = 10)]
    heartbeat: u64,
    /// Serve pages and take orders, but run no jobs (another instance runs them)
    #[arg(long)]
    no_worker: bool,
    /// This instance's name in logs and in the order history (default: host-pid)
    #[arg(long)]
    instance: Option<String>,
    /// The largest amount of an order, in XOF
    #[arg(long, default_value_t = 2_000_000)]
    max_amount: u64,
    /// New orders one phone number may get per rate window
    #[arg(long, default_value_t = 5)]
    orders_per_phone: u32,
    /// New orders one client address may place per rate window
    #[arg(long, default_value_t = 20)]
    orders_per_client: u32,
    /// The rate limits' window, in seconds
    #[arg(long, default_value_t = 600)]
    rate_window: u64,
    /// Pay through the embedded fake QosIc server, whatever the environment says (no money
    /// moves)
    #[arg(long)]
    fake_qosic: bool,
    /// Seconds a connection may take to send a request's head; a slow or idle one is closed
    #[arg(long, default_value_t = 10)]
    header_timeout: u64,
    /// Seconds a request may take, its body included, before it gets 408
    #[arg(long, default_value_t = 30)]
    request_timeout: u64,
    /// Connections served at once; one more gets 503 and is closed
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Live pages (event streams) open at once; past it, pages poll the JSON status
    #[arg(long, default_value_t = 1024)]
    max_event_streams: usize,
    /// Seconds a stop (SIGTERM) lets requests in progress end
    #[arg(long, default_value_t = 10)]
    stop_grace: u64,
    /// The merchant's catalogue (TOML: [[product]] id, name, price, image): customers buy
    /// its products at its prices [env: CHECKOUT_CATALOGUE]
    #[arg(long)]
    catalogue: Option<std::path::PathBuf>,
}

/// Where payments go, as the environment and `--fake-qosic` decide ([`payments`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payments {
    /// The embedded fake server: test mode, no money moves.
    Fake,
    /// QosIc at this base URL, with the credentials of the environment.
    Real {
        /// `QOSIC_BASE_URL`, or the SDK's default.
        base_url: String,
    },
}

/// Decides where payments go from the environment (`env` reads a variable; blank counts as
/// unset) and `--fake-qosic`: the fake when forced or when no `QOSIC_*` credential is set;
/// QosIc at `QOSIC_BASE_URL` or the SDK's default otherwise. `QOSIC_BASE_URL` without any
/// credential is an error naming the variables.
pub fn payments(
    env: impl Fn(&str) -> Option<String>,
    force_fake: bool,
) -> Result<Payments, String> {
    let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if force_fake {
        return Ok(Payments::Fake);
    }
    let mut credentials = vec!["QOSIC_LOGIN".to_owned(), "QOSIC_PASSWORD".to_owned()];
    credentials.extend(
        qosic::carrier_specs()
            .iter()
            .map(|spec| spec.client_id_var().to_owned()),
    );
    // A card key is a credential too: a real one never goes to the fake.
    let any_credential =
        credentials.iter().any(|name| set(name).is_some()) || set("QOSIC_CARD_KEY").is_some();
    match (set("QOSIC_BASE_URL"), any_credential) {
        (Some(base_url), true) => Ok(Payments::Real { base_url }),
        (None, true) => Ok(Payments::Real {
            base_url: set(TEST_DEFAULT_BASE_URL_VAR)
                .unwrap_or_else(|| qosic::DEFAULT_BASE_URL.to_owned()),
        }),
        (Some(_), false) => Err(format!(
            "QOSIC_BASE_URL is set but no QosIc credential is: set QOSIC_LOGIN, QOSIC_PASSWORD and a client id ({}), or unset QOSIC_BASE_URL to run in test mode",
            credentials[2..].join(", ")
        )),
        (None, false) => Ok(Payments::Fake),
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn init_logging() {
    use tracing_subscriber::filter::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::new(directives),
        _ => EnvFilter::new("warn,qosic_checkout=info"),
    };
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(false);
    if env_var("CHECKOUT_LOG").is_some_and(|v| v.eq_ignore_ascii_case("json")) {
        builder.json().init();
    } else {
        builder.compact().init();
    }
}

/// The client for QosIc at `base_url` with the environment's credentials and client ids.
fn real_client(base_url: &str, card: &CardSettings) -> Result<Client, qosic::Error> {
    let login = env_var("QOSIC_LOGIN").ok_or_else(|| qosic::Error::Config {
        field: "QOSIC_LOGIN",
        expected: "the QosIc API login, in the environment (real credentials are set)".into(),
    })?;
    let password = env_var("QOSIC_PASSWORD").ok_or_else(|| qosic::Error::Config {
        field: "QOSIC_PASSWORD",
        expected: "the QosIc API password, in the environment (real credentials are set)".into(),
    })?;
    let carriers = qosic::carrier::from_env(&qosic::carrier_specs())?;
    let mut builder = qosic::builder()
        .base_url(base_url)
        .login(login)
        .password(password)
        .carriers(carriers);
    if let Some(key) = &card.key {
        builder = builder.card_key(key.clone());
        if let Some(url) = &card.base_url {
            builder = builder.card_base_url(url.as_str());
        }
    }
    builder.build()
}

/// The card settings of the environment (`QOSIC_CARD_KEY`, `QOSIC_CARD_BASE_URL`), for real
/// payments. A card key needs the shop's public address (`CHECKOUT_PUBLIC_URL`): the card page
/// sends the customer back to it.
pub fn card_settings(
    env: impl Fn(&str) -> Option<String>,
    public_url: Option<&str>,
) -> Result<CardSettings, String> {
    let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let key = set("QOSIC_CARD_KEY").map(|k| qosic::Secret::from(k.trim()));
    let base_url = set("QOSIC_CARD_BASE_URL").map(|u| u.trim().to_owned());
    if key.is_some() && public_url.is_none() {
        return Err("QOSIC_CARD_KEY is set but CHECKOUT_PUBLIC_URL is not: set the shop's public address (such as https://pay.example.bj), where QosIc's card page sends customers back, or unset QOSIC_CARD_KEY to take mobile money only".to_owned());
    }
    Ok(CardSettings { key, base_url })
}

/// Card payments' settings: the card key (off without one) and the card host.
#[derive(Debug, Clone, Default)]
pub struct CardSettings {
    /// The merchant's card key (`QOSIC_CARD_KEY`).
    pub key: Option<qosic::Secret>,
    /// The card checkout's host (`QOSIC_CARD_BASE_URL`).
    pub base_url: Option<String>,
}

/// The client for the payments decided, and the embedded fake server when it is the fake
/// (kept running by the returned handle). With the fake, card payments are on with its test
/// key, and `card` says so.
async fn client(
    payments: &Payments,
    card: &mut CardSettings,
) -> Result<(Client, Option<MockQosic>), qosic::Error> {
    if let Payments::Real { base_url } = payments {
        return Ok((real_client(base_url, card)?, None));
    }
    let mock = MockQosic::start().await;
    *card = CardSettings {
        key: Some(qosic::Secret::from(qosic::mock::DEFAULT_CARD_KEY)),
        base_url: Some(mock.uri()),
    };
    // Every carrier the fake server serves (Benin and Togo), with its client id; the shop
    // schedules its own status checks, so the carriers' polling policy is not used.
    let carriers = mock.carriers(qosic::PollingPolicy::default());
    let client = qosic::builder()
        .base_url(mock.uri())
        .login(qosic::mock::DEFAULT_LOGIN)
        .password(qosic::mock::DEFAULT_PASSWORD)
        .carriers(carriers)
        .card_key(qosic::mock::DEFAULT_CARD_KEY)
        .card_base_url(mock.uri())
        .build()?;
    Ok((client, Some(mock)))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The listen address: `--listen`, else `LISTEN`, else `0.0.0.0:PORT`, else 127.0.0.1:3000.
fn listen_address(flag: Option<SocketAddr>) -> Result<SocketAddr, String> {
    if let Some(addr) = flag {
        return Ok(addr);
    }
    if let Some(listen) = env_var("LISTEN") {
        return listen.trim().parse().map_err(|_| {
            format!("invalid LISTEN {listen:?}: expected an address such as 127.0.0.1:3000")
        });
    }
    if let Some(port) = env_var("PORT") {
        let port: u16 = port
            .trim()
            .parse()
            .map_err(|_| format!("invalid PORT {port:?}: expected a port number"))?;
        return Ok(SocketAddr::from(([0, 0, 0, 0], port)));
    }
    Ok(SocketAddr::from(([127, 0, 0, 1], 3000)))
}

async fn run(args: Args) -> Result<(), String> {
    let payments = payments(env_var, args.fake_qosic)?;
    let mut config = Config {
        listen: listen_address(args.listen)?,
        ..Config::default()
    };
    if let Some(url) = args.database.or_else(|| env_var("DATABASE_URL")) {
        config.database = Database::parse(&url)?;
    }
    let secs = |name: &str, value: u64| {
        if value == 0 {
            Err(format!("invalid --{name}: expected a whole number above 0"))
        } else {
            Ok(Duration::from_secs(value))
        }
    };
    config.check_interval = secs("check-interval", args.check_interval)?;
    config.window = secs("window", args.window)?;
    config.heartbeat = secs("heartbeat", args.heartbeat)?;
    config.rate_window = secs("rate-window", args.rate_window)?;
    config.reconcile_period = secs("reconcile-hours", args.reconcile_hours)? * 3600;
    config.max_amount = args.max_amount;
    config.orders_per_phone = args.orders_per_phone;
    config.orders_per_client = args.orders_per_client;
    config.run_worker = !args.no_worker;
    config.header_timeout = secs("header-timeout", args.header_timeout)?;
    config.request_timeout = secs("request-timeout", args.request_timeout)?;
    config.stop_grace = secs("stop-grace", args.stop_grace)?;
    if args.max_connections == 0 {
        return Err("invalid --max-connections: expected a whole number above 0".to_owned());
    }
    config.max_connections = args.max_connections;
    config.max_event_streams = args.max_event_streams;
    config.test_mode = payments == Payments::Fake;
    config.admin_token = env_var("CHECKOUT_ADMIN_TOKEN").map(qosic::Secret::from);
    crate::shop::from_env(&mut config, env_var)?;
    if let Some(catalogue) = args.catalogue {
        config.catalogue = Some(catalogue);
    }
    if let Some(instance) = args.instance {
        config.instance = instance;
    }
    let mut card = match payments {
        Payments::Real { .. } => card_settings(env_var, config.public_url.as_deref())?,
        Payments::Fake => CardSettings::default(),
    };
    let (client, mock) = client(&payments, &mut card)
        .await
        .map_err(|e| e.to_string())?;
    config.card_key = card.key;
    config.card_base_url = card.base_url;
    let database = config.database.clone();
    let admin = crate::web::admin_access(&config);
    let running = App::new(config, client.clone())
        .start()
        .await
        .map_err(|e| e.to_string())?;
    // The first line, for scripts and tests.
    println!("listening on {}", running.url());
    let _ = std::io::stdout().flush();
    match &mock {
        Some(mock) => {
            // As QosIc's dashboard would: the fake server calls the shop back.
            mock.set_callback_url(&format!("{}/qosic/callback", running.url()));
            tracing::warn!(
                "TEST MODE: no money moves (mode test : aucun argent ne circule). Paying through the embedded fake QosIc server at {}; it calls back {}/qosic/callback. Set QOSIC_LOGIN, QOSIC_PASSWORD and a client id to take real payments.",
                mock.uri(),
                running.url()
            );
        }
        None => tracing::info!("paying through QosIc at {}", client.base_url()),
    }
    tracing::info!("{admin}");
    tracing::info!(
        "orders and jobs in {database}; open {} in a browser",
        running.url()
    );
    shutdown_signal().await;
    tracing::info!("stopping: no new orders; unfinished jobs go back to the queue");
    let stopping = std::time::Instant::now();
    running.stop().await;
    tracing::info!("stopped in {} ms", stopping.elapsed().as_millis());
    drop(mock);
    Ok(())
}

/// Parses the arguments, runs the checkout until Ctrl-C or SIGTERM, and returns the exit
/// status: 0, 1 on a start-up error, 64 on bad arguments.
pub fn main() -> ExitCode {
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
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_fake_only_when_nothing_is_configured_or_when_asked() {
        assert_eq!(payments(env(&[]), false), Ok(Payments::Fake));
        assert_eq!(
            payments(env(&[("QOSIC_LOGIN", " ")]), false),
            Ok(Payments::Fake)
        );
        for credential in [
            "QOSIC_LOGIN",
            "QOSIC_PASSWORD",
            "QOSIC_MTN_CLIENT_ID",
            "QOSIC_FLOOZ_CLIENT_ID",
        ] {
            assert_eq!(
                payments(env(&[(credential, "x")]), false),
                Ok(Payments::Real {
                    base_url: qosic::DEFAULT_BASE_URL.to_owned()
                }),
                "{credential}"
            );
        }
        assert_eq!(
            payments(
                env(&[
                    ("QOSIC_LOGIN", "x"),
                    ("QOSIC_BASE_URL", "https://qosic.example")
                ]),
                false
            ),
            Ok(Payments::Real {
                base_url: "https://qosic.example".to_owned()
            })
        );
        let err = payments(env(&[("QOSIC_BASE_URL", "https://qosic.example")]), false).unwrap_err();
        assert!(
            err.starts_with("QOSIC_BASE_URL is set but no QosIc credential is"),
            "{err}"
        );
        assert!(err.contains("QOSIC_MTN_CLIENT_ID"), "{err}");
        assert_eq!(
            payments(env(&[("QOSIC_LOGIN", "x"), ("QOSIC_PASSWORD", "y")]), true),
            Ok(Payments::Fake)
        );
        // A card key is a real credential: never sent to the fake.
        assert_eq!(
            payments(env(&[("QOSIC_CARD_KEY", "QCBJ001")]), false),
            Ok(Payments::Real {
                base_url: qosic::DEFAULT_BASE_URL.to_owned()
            })
        );
    }

    #[test]
    fn a_card_key_needs_the_public_address_and_stays_secret() {
        let card = card_settings(env(&[]), None).unwrap();
        assert!(card.key.is_none());
        let err = card_settings(env(&[("QOSIC_CARD_KEY", "card-Secret-1")]), None).unwrap_err();
        assert!(
            err.starts_with("QOSIC_CARD_KEY is set but CHECKOUT_PUBLIC_URL is not"),
            "{err}"
        );
        assert!(!err.contains("card-Secret-1"), "{err}");
        let card = card_settings(
            env(&[
                ("QOSIC_CARD_KEY", " card-Secret-1 "),
                ("QOSIC_CARD_BASE_URL", "https://b-card.example"),
            ]),
            Some("https://pay.example.bj"),
        )
        .unwrap();
        assert_eq!(card.key.as_ref().map(|k| k.expose()), Some("card-Secret-1"));
        assert_eq!(card.base_url.as_deref(), Some("https://b-card.example"));
        let config = Config {
            card_key: card.key,
            ..Config::default()
        };
        assert!(config.card_enabled());
        assert!(!format!("{config:?}").contains("card-Secret-1"));
    }
}
