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
