//! The checkout put together: [`App`] starts the store, the worker, the announcements and the
//! web server; [`Running`] stops them.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use tower_http::timeout::TimeoutLayer;

use qosic::Client;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::hub::{spawn_pg_listener, Hub};
use crate::jobs::{spawn_pruner, spawn_worker_named, worker_prefix, Engine};
use crate::server::{self, Limits};
use crate::store::{Store, StoreError};

/// How long [`Running::stop`] waits for the database to close.
const CLOSE_PATIENCE: Duration = Duration::from_secs(5);

/// A checkout to start: its config and the SDK client it pays through.
#[derive(Debug)]
pub struct App {
    config: Config,
    client: Client,
}

/// Why the checkout could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The database could not be opened or set up.
    Store(StoreError),
    /// The shop's settings (its texts, colour, catalogue…) are wrong: why, naming the
    /// setting.
    Shop(String),
    /// The address could not be listened on.
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Store(e) => write!(f, "cannot open the database: {e}"),
            StartError::Shop(why) => write!(f, "cannot start the shop: {why}"),
            StartError::Listen { addr, source } => write!(
                f,
                "cannot listen on {addr}: {source} (is another program using the port? try --listen 127.0.0.1:0)"
            ),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Store(e) => Some(e),
            StartError::Listen { source, .. } => Some(source),
            StartError::Shop(_) => None,
        }
    }
}

impl App {
    /// A checkout with this config, paying through `client`.
    pub fn new(config: Config, client: Client) -> App {
        App { config, client }
    }

    /// Opens the database (creating the tables when missing), starts the worker (unless
    /// `run_worker` is off) and, with Postgres, the announcements listener, then listens
    /// ([`crate::server`]: its timeouts and connection cap). Pending orders resume at once:
    /// their jobs are in the database; orders still pending or unknown that an older version
    /// left without a reconciliation job get one ([`crate::ops::schedule_reconciliation`]).
    pub async fn start(self) -> Result<Running, StartError> {
        let App { config, client } = self;
        crate::shop::check(&config).map_err(StartError::Shop)?;
        let store = Store::connect(&config.database)
            .await
            .map_err(StartError::Store)?;
        crate::links::migrate(&store)
            .await
            .map_err(StartError::Store)?;
        crate::events::migrate(&store)
            .await
            .map_err(StartError::Store)?;
        crate::refund::migrate(&store)
            .await
            .map_err(StartError::Store)?;
        let hub = Hub::new();
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Listen {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
        let engine = Arc::new(Engine::new(
            store.clone(),
            client,
            hub.clone(),
            &card_return_base(&config, addr),
        ));
        let mut tasks = Vec::new();
        if let Some(pool) = store.pg_pool() {
            tasks.push(spawn_pg_listener(pool.clone(), store.clone(), hub));
        }
        let mut worker = None;
        if config.run_worker {
            match crate::ops::schedule_reconciliation(&engine, config.reconcile_period).await {
                Ok(_) => {}
                Err(e) => tracing::warn!("cannot look for orders without reconciliation: {e}"),
            }
            let prefix = worker_prefix(&config);
            worker = Some((
                prefix.clone(),
                spawn_worker_named(Arc::clone(&engine), &config, prefix),
            ));
            tasks.push(spawn_pruner(store.clone()));
            tasks.extend(crate::events::spawn(store.clone(), &config));
            tasks.push(crate::refund::spawn(Arc::clone(&engine), &config));
        }
        let stopping = Arc::new(AtomicBool::new(false));
        let router = crate::web::router(Arc::clone(&engine), &config)
            .merge(crate::ops::router(
                Arc::clone(&engine),
                &config,
                worker.as_ref().map(|(prefix, _)| prefix.clone()),
                Arc::clone(&stopping),
            ))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                config.request_timeout,
            ));
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let limits = Limits::from_config(&config);
        let refused = engine.metrics().connections_refused.clone();
        let server = tokio::spawn(server::serve(listener, router, limits, refused, stop_rx));
        Ok(Running {
            addr,
            engine,
            server,
            tasks,
            worker,
            stopping,
            stop: stop_tx,
        })
    }
}

/// The config the engine runs with: with card payments on and no
/// [`Config::public_url`], the card page sends customers back to the address the shop listens
/// on (`http://127.0.0.1:PORT` for an unspecified address): right for a shop tried on its own
/// machine (the embedded fake); a shop on the internet sets `CHECKOUT_PUBLIC_URL`.
fn card_return_base(config: &Config, addr: SocketAddr) -> Config {
    let mut config = config.clone();
    if config.public_url.is_none() && config.card_enabled() {
        let mut addr = addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        config.public_url = Some(format!("http://{addr}"));
    }
    config
}

/// A started checkout.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    engine: Arc<Engine>,
    server: JoinHandle<()>,
    tasks: Vec<JoinHandle<()>>,
    worker: Option<(String, JoinHandle<()>)>,
    stopping: Arc<AtomicBool>,
    stop: oneshot::Sender<()>,
}

impl Running {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The engine (store, client, hub).
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// The store.
    pub fn store(&self) -> &Store {
        self.engine.store()
    }

    /// Stops as a deploy needs: closes the listener (no new orders; `/readyz` says 503),
    /// ends the event streams (their pages reconnect elsewhere), stops the worker and hands
    /// the jobs it held back to the queue, due at once ([`crate::ops::hand_back`]), so that
    /// another instance, or this one restarted, takes them at its next poll; lets the requests
    /// in progress end within [`crate::Config::stop_grace`]; then closes the database.
    pub async fn stop(self) {
        let Running {
            server,
            tasks,
            worker,
            stopping,
            stop,
            engine,
            ..
        } = self;
        stopping.store(true, Ordering::SeqCst);
        let _ = stop.send(());
        engine.hub().close();
        if let Some((prefix, worker)) = worker {
            worker.abort();
            let _ = worker.await;
            match tokio::time::timeout(CLOSE_PATIENCE, crate::ops::hand_back(engine.store(), &prefix))
                .await
            {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!("{n} unfinished jobs handed back to the queue"),
                Ok(Err(e)) => tracing::warn!(
                    "cannot hand the unfinished jobs back ({e}): another worker takes them after two missed heartbeats"
                ),
                Err(_) => tracing::warn!(
                    "handing the unfinished jobs back took too long: another worker takes them after two missed heartbeats"
                ),
            }
        }
        // The server ends its connections within its grace.
        let _ = server.await;
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
        let _ = tokio::time::timeout(CLOSE_PATIENCE, engine.store().close()).await;
    }
}
