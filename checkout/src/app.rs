//! The checkout put together: [`App`] starts the store, the worker, the announcements and the
//! web server; [`Running`] stops them.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use qosic::Client;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::hub::{spawn_pg_listener, Hub};
use crate::jobs::{spawn_pruner, spawn_worker, Engine};
use crate::store::{Store, StoreError};

/// How long [`Running::stop`] waits for open requests and event streams before closing them.
const STOP_GRACE: Duration = Duration::from_secs(5);

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
    /// `run_worker` is off) and, with Postgres, the announcements listener, then listens.
    /// Pending orders resume at once: their jobs are in the database.
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
        let engine = Arc::new(Engine::new(store.clone(), client, hub.clone(), &config));
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
        let mut tasks = Vec::new();
        if let Some(pool) = store.pg_pool() {
            tasks.push(spawn_pg_listener(pool.clone(), store.clone(), hub));
        }
        if config.run_worker {
            tasks.push(spawn_worker(Arc::clone(&engine), &config));
            tasks.push(spawn_pruner(store.clone()));
            tasks.extend(crate::events::spawn(store.clone(), &config));
            tasks.push(crate::refund::spawn(Arc::clone(&engine), &config));
        }
        let router = crate::web::router(Arc::clone(&engine), &config);
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let result = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await;
            if let Err(e) = result {
                tracing::error!("the web server stopped: {e}");
            }
        });
        Ok(Running {
            addr,
            engine,
            server,
            tasks,
            stop: stop_tx,
        })
    }
}

/// A started checkout.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    engine: Arc<Engine>,
    server: JoinHandle<()>,
    tasks: Vec<JoinHandle<()>>,
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

    /// Stops taking requests, gives open ones 5 s to end, stops the worker (its
    /// jobs in progress are handed to another worker by apalis's heartbeat check, or resumed
    /// at the next start) and closes the database.
    pub async fn stop(self) {
        let Running {
            server,
            tasks,
            stop,
            engine,
            ..
        } = self;
        let _ = stop.send(());
        let mut server = server;
        if tokio::time::timeout(STOP_GRACE, &mut server).await.is_err() {
            server.abort();
        }
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
        let _ = tokio::time::timeout(STOP_GRACE, engine.store().close()).await;
    }
}
