//! Order changes for the event streams of this instance: [`Hub`].
//!
//! Jobs publish each order they change; every open event stream receives every change and
//! keeps those of its order. The channel is bounded ([`HUB_CAPACITY`]): a stream that falls
//! behind is told so by tokio's broadcast channel and re-reads its order from the database
//! instead of queueing. With Postgres, [`spawn_pg_listener`] also feeds the hub with the
//! changes other instances announce (`NOTIFY`), so a page follows its order whatever
//! instance's worker settles it.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::store::{OrderView, Store, NOTIFY_CHANNEL};

/// Changes buffered for the slowest event stream before it must re-read its order.
pub const HUB_CAPACITY: usize = 1024;

/// The in-process fan-out of order changes. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<OrderView>>,
    closing: Arc<watch::Sender<bool>>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

impl Hub {
    /// A hub with room for [`HUB_CAPACITY`] changes.
    pub fn new() -> Hub {
        let (tx, _) = broadcast::channel(HUB_CAPACITY);
        let (closing, _) = watch::channel(false);
        Hub {
            tx,
            closing: Arc::new(closing),
        }
    }

    /// Tells every open event stream to end: the instance is stopping.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once [`Hub::close`] was called.
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut closing = self.closing.subscribe();
        async move {
            let _ = closing.wait_for(|closing| *closing).await;
        }
    }

    /// Tells every open stream that this order changed.
    pub fn publish(&self, view: OrderView) {
        // No receiver is not an error: nobody is watching.
        let _ = self.tx.send(Arc::new(view));
    }

    /// Every change published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<OrderView>> {
        self.tx.subscribe()
    }

    /// Whether any stream is open.
    pub fn has_subscribers(&self) -> bool {
        self.tx.receiver_count() > 0
    }
}

/// Listens to the orders other instances change (Postgres `NOTIFY`) and publishes them.
/// Reconnects after a lost connection; ends when the returned task is aborted.
pub fn spawn_pg_listener(pool: PgPool, store: Store, hub: Hub) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match listen(&pool, &store, &hub).await {
                Ok(()) => {}
                Err(e) => {
                    tracing::warn!("order announcements interrupted: {e}; reconnecting in 1 s")
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

async fn listen(pool: &PgPool, store: &Store, hub: &Hub) -> Result<(), Box<dyn std::error::Error>> {
    let mut listener =
        tokio::time::timeout(Duration::from_secs(10), PgListener::connect_with(pool))
            .await
            .map_err(|_| "no connection to Postgres within 10 s")??;
    listener.listen(NOTIFY_CHANNEL).await?;
    loop {
        // recv() waits for the next announcement for as long as it takes (it is the point);
        // a broken connection ends it with an error and we reconnect.
        let notification = listener.recv().await?;
        if !hub.has_subscribers() {
            continue;
        }
        let reference = notification.payload();
        match tokio::time::timeout(Duration::from_secs(10), store.order(reference)).await {
            Ok(Ok(Some(order))) => hub.publish(order.view()),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => tracing::warn!("cannot read announced order {reference}: {e}"),
            Err(_) => tracing::warn!("reading announced order {reference} took over 10 s"),
        }
    }
}
