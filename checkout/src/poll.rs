//! How the apalis worker looks for due jobs: [`Tick`], a polling interval that re-arms itself.
//!
//! apalis-core 1.0.0's `IntervalStrategy` (`Strategy::new().interval(…)`) replaces its timer
//! when it fires but does not poll the new one, so nothing wakes the worker at the next
//! interval: an idle worker looks for due jobs again only when something else wakes it, a job
//! ending or its heartbeat. Every job that came due while it was idle waited up to one
//! heartbeat (the 9 s seen in a 500-order Postgres run with a 10 s heartbeat; 30 s with a 30 s
//! heartbeat in the SIGTERM test before this). [`Tick`] polls tokio's `Interval` until it is
//! pending, so the waker is always registered for the next tick.

use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::{PollSnapshot, PollStrategy};
use tokio::time::{Interval, MissedTickBehavior};

/// A poll every `period`, also when the worker is idle.
#[derive(Debug)]
pub(crate) struct Tick {
    interval: Interval,
}

impl Tick {
    /// A tick every `period` (at least a millisecond). Call within a tokio runtime.
    pub(crate) fn new(period: Duration) -> Tick {
        let mut interval = tokio::time::interval(period.max(Duration::from_millis(1)));
        interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Tick { interval }
    }
}

impl PollStrategy for Tick {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        let mut ticked = false;
        // Until pending: the last poll registers the waker for the next tick.
        while self.interval.poll_tick(cx).is_ready() {
            ticked = true;
        }
        if ticked {
            Poll::Ready(Some(()))
        } else {
            Poll::Pending
        }
    }
}

/// What a queue's worker is: its queue, heartbeat, poll period, jobs at once and time per job.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WorkerSpec {
    pub(crate) queue: &'static str,
    pub(crate) heartbeat: Duration,
    pub(crate) poll: Duration,
    pub(crate) concurrency: usize,
    pub(crate) timeout: Duration,
}

/// Runs one apalis worker of `$job`s with `$handler` on the store's backend, SQLite or
/// Postgres (only the storage crate differs), until it stops; it looks for due jobs with
/// [`Tick`]. Used inside an `async fn` returning `Result<(), BoxDynError>`, which it ends with.
macro_rules! run_worker {
    (@on $krate:ident::$storage:ident, $pool:expr, $spec:expr, $job:ty, $name:expr, $data:expr, $handler:expr) => {{
        let spec: $crate::poll::WorkerSpec = $spec;
        let config = $krate::Config::default()
            .queue(spec.queue)
            .heartbeat_interval(spec.heartbeat)
            .missed_heartbeats(2);
        let backend = $krate::$storage::<$job>::new($pool)
            .with_config(config)
            // Not `Strategy::interval`: see `crate::poll`.
            .poll_with_strategy(
                apalis::prelude::Strategy::new().apply($crate::poll::Tick::new(spec.poll)),
            );
        apalis::prelude::WorkerBuilder::new($name)
            .backend(backend)
            .data($data)
            .concurrency(spec.concurrency)
            .timeout(spec.timeout)
            .build($handler)
            .run()
            .await?;
    }};
    ($store:expr, $spec:expr, $job:ty, $name:expr, $data:expr, $handler:expr) => {{
        use apalis::prelude::{BackendExt as _, WorkerBuilderExt as _};
        if let Some(pool) = $store.sqlite_pool() {
            $crate::poll::run_worker!(@on apalis_sqlite::SqliteStorage, pool, $spec, $job, $name, $data, $handler);
        } else if let Some(pool) = $store.pg_pool() {
            $crate::poll::run_worker!(@on apalis_postgres::PostgresStorage, pool, $spec, $job, $name, $data, $handler);
        }
        Ok(())
    }};
}
pub(crate) use run_worker;

/// Runs `worker` again 1 s after each time it stops, for as long as the task lives; each run
/// is named `{prefix}{n}` (apalis refuses a name whose worker was seen alive lately).
pub(crate) async fn keep_running<F, Fut>(prefix: &str, what: &str, mut worker: F)
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<(), apalis::prelude::BoxDynError>>,
{
    for run in 1_u64.. {
        let name = format!("{prefix}{run}");
        match worker(name.clone()).await {
            Ok(()) => tracing::warn!("{what} {name} stopped; starting another in 1 s"),
            Err(e) => tracing::warn!("{what} {name} stopped: {e}; starting another in 1 s"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
