//! The program: `cargo run --example checkout -- [--listen ADDR] [--database URL]`.
//!
//! Prints `listening on http://ADDR` as its first line, then logs (to stderr) one line per
//! order transition. Without `QOSIC_BASE_URL` it pays through an embedded fake QosIc server
//! (qosic-mock) on a loopback port; with it, through that server, with the credentials of
//! `QOSIC_LOGIN`, `QOSIC_PASSWORD` and `QOSIC_*_CLIENT_ID` (see the SDK's README).

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use qosic::mock::MockQosic;
use qosic::Client;

use crate::app::App;
use crate::config::{Config, Database};

/// A shop that takes mobile-money payments through QosIc without blocking, follows each one
/// live, survives restarts, and runs on several servers with Postgres.
#[derive(Debug, Parser)]
#[command(name = "checkout", version)]
struct Args {
    /// The address to listen on (port 0 picks a free one)
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// The database: sqlite://PATH (one server) or postgres://USER:PASSWORD@HOST:PORT/DB
    /// (several); default: target/checkout.sqlite in the workspace
    #[arg(long)]
    database: Option<String>,
    /// Seconds between two status checks of a pending payment
    #[arg(long, default_value_t = 10)]
    check_interval: u64,
    /// Seconds a payment is followed before the page says it is still pending
    #[arg(long, default_value_t = 120)]
    window: u64,
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
}

fn init_logging() {
    use tracing_subscriber::filter::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::new(directives),
        _ => EnvFilter::new("warn,qosic_checkout=info"),
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(false)
        .compact()
        .init();
}

/// The client for the server named by the environment, or for an embedded fake server (kept
/// running by the returned handle).
async fn client() -> Result<(Client, Option<MockQosic>), qosic::Error> {
    if std::env::var_os("QOSIC_BASE_URL").is_some() {
        return Ok((qosic::from_env()?, None));
    }
    let mock = MockQosic::start().await;
    // Every carrier the fake server serves (Benin and Togo), with its client id; the shop
    // schedules its own status checks, so the carriers' polling policy is not used.
    let carriers = mock.carriers(qosic::PollingPolicy::default());
    let client = qosic::builder()
        .base_url(mock.uri())
        .login(qosic::mock::DEFAULT_LOGIN)
        .password(qosic::mock::DEFAULT_PASSWORD)
        .carriers(carriers)
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

async fn run(args: Args) -> Result<(), String> {
    let mut config = Config {
        listen: args.listen,
        ..Config::default()
    };
    if let Some(url) = &args.database {
        config.database = Database::parse(url)?;
    }
    let secs = |name: &str, value: u64| {
        if value == 0 {
            Err(format!(
                "invalid --{name}: expected a whole number of seconds above 0"
            ))
        } else {
            Ok(Duration::from_secs(value))
        }
    };
    config.check_interval = secs("check-interval", args.check_interval)?;
    config.window = secs("window", args.window)?;
    config.heartbeat = secs("heartbeat", args.heartbeat)?;
    config.run_worker = !args.no_worker;
    if let Some(instance) = args.instance {
        config.instance = instance;
    }
    let (client, mock) = client().await.map_err(|e| e.to_string())?;
    let database = config.database.clone();
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
            eprintln!(
                "paying through the embedded fake QosIc server at {} (set QOSIC_BASE_URL to use another); it calls back {}/qosic/callback",
                mock.uri(),
                running.url()
            );
        }
        None => eprintln!("paying through {}", client.base_url()),
    }
    eprintln!(
        "orders and jobs in {database}; open {} in a browser",
        running.url()
    );
    shutdown_signal().await;
    eprintln!("stopping: pending orders resume at the next start");
    running.stop().await;
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
