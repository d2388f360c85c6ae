//! The orders and the job queue, in one database: [`Store`].
//!
//! Two tables of our own beside apalis's: `checkout_orders` (one row per order, keyed by its
//! payment reference) and `checkout_order_events` (one row per state transition: the
//! order's history, and the proof in tests that each order settled once).
//!
//! Every change of an order is a compare-and-set on its `step`: [`Store::advance`] writes the
//! new values only if the step is still the one the caller read, advances it, and queues the
//! job of the next step in the same transaction. So a job that runs twice (after a crash, or on
//! two servers) changes the order once.
//!
//! The same SQL serves SQLite and Postgres (written with `$N` parameters, which SQLite reads as
//! `?N`); each function's body is compiled once per backend by the `on_db!` macro.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use apalis::prelude::{Task, TaskBuilder};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, ColumnIndex, Decode, Row, Type};

use crate::config::Database;

mod model;
pub use model::*;

/// The apalis queue (its `job_type`) of the checkout's jobs.
pub const QUEUE: &str = "qosic-checkout";

/// How long a caller waits for a database connection before the call fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The orders and the job queue. Cheap to clone (a connection pool).
#[derive(Clone)]
pub struct Store {
    db: Db,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

/// Runs `$body` with `$pool` bound to the SQLite or the Postgres pool, and `$c` to that
/// backend's [`Dialect`], so that one body of SQL code serves both.
macro_rules! on_db {
    ($store:expr, |$pool:ident, $c:ident| $body:expr) => {
        match &$store.db {
            Db::Sqlite($pool) => {
                #[allow(unused)]
                let $c = SqliteDialect;
                $body
            }
            Db::Postgres($pool) => {
                #[allow(unused)]
                let $c = PgDialect;
                $body
            }
        }
    };
}

/// What differs between the backends besides the driver: placeholders, queueing a job inside
/// our transaction, and announcing a change.
trait Dialect {
    type Conn;
    /// The statement in this backend's syntax. Only literals of this file go through it (the
    /// change is the placeholders' syntax), hence `AssertSqlSafe`.
    fn sql(&self, sql: &'static str) -> AssertSqlSafe<Cow<'static, str>>;
    async fn push(&self, conn: &mut Self::Conn, task: Task<Vec<u8>>) -> Result<(), StoreError>;
    async fn notify(&self, conn: &mut Self::Conn, reference: &str) -> Result<(), StoreError>;
}

struct SqliteDialect;
struct PgDialect;

/// The channel of `NOTIFY` announcements of order changes (Postgres).
pub const NOTIFY_CHANNEL: &str = "qosic_checkout_orders";

impl Dialect for SqliteDialect {
    type Conn = sqlx::SqliteConnection;

    fn sql(&self, sql: &'static str) -> AssertSqlSafe<Cow<'static, str>> {
        AssertSqlSafe(Cow::Owned(sql.replace('$', "?")))
    }

    async fn push(&self, conn: &mut Self::Conn, task: Task<Vec<u8>>) -> Result<(), StoreError> {
        apalis_sqlite::queries::push_tasks(conn, QUEUE, &[task])
            .await
            .map_err(|e| StoreError::Queue(e.to_string()))
    }

    async fn notify(&self, _: &mut Self::Conn, _: &str) -> Result<(), StoreError> {
        // One server per SQLite file: the in-process hub is enough.
        Ok(())
    }
}

impl Dialect for PgDialect {
    type Conn = sqlx::PgConnection;

    fn sql(&self, sql: &'static str) -> AssertSqlSafe<Cow<'static, str>> {
        AssertSqlSafe(Cow::Borrowed(sql))
    }

    async fn push(&self, conn: &mut Self::Conn, task: Task<Vec<u8>>) -> Result<(), StoreError> {
        apalis_postgres::queries::push_tasks(conn, QUEUE, vec![task])
            .await
            .map_err(|e| StoreError::Queue(e.to_string()))
    }

    async fn notify(&self, conn: &mut Self::Conn, reference: &str) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(NOTIFY_CHANNEL)
            .bind(reference)
            .execute(conn)
            .await?;
        Ok(())
    }
}

const SCHEMA: [&str; 6] = [
    "CREATE TABLE IF NOT EXISTS checkout_orders (
        reference TEXT PRIMARY KEY,
        phone TEXT NOT NULL,
        amount BIGINT NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        carrier TEXT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        step BIGINT NOT NULL,
        window_ends BIGINT,
        checks BIGINT NOT NULL,
        send_attempts BIGINT NOT NULL,
        operator_ref TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS checkout_orders_state ON checkout_orders (state)",
    "CREATE TABLE IF NOT EXISTS checkout_order_events (
        reference TEXT NOT NULL,
        step BIGINT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        instance TEXT NOT NULL,
        at BIGINT NOT NULL,
        PRIMARY KEY (reference, step)
    )",
    "CREATE INDEX IF NOT EXISTS checkout_order_events_state ON checkout_order_events (state)",
    // One row per form token used: its order. The primary key makes a second post of the same
    // token find the first one's order, however close the two are.
    "CREATE TABLE IF NOT EXISTS checkout_form_tokens (
        token TEXT PRIMARY KEY,
        reference TEXT NOT NULL,
        created_at BIGINT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS checkout_orders_created ON checkout_orders (created_at)",
];

/// The columns of an [`Order`], in `SELECT`s.
macro_rules! order_columns {
    () => {
        "reference, phone, amount, first_name, last_name, carrier, state, reason, step, \
         window_ends, checks, send_attempts, operator_ref, created_at, updated_at"
    };
}

/// Records `$order`'s new state in its history, inside the transaction `$tx`.
macro_rules! insert_event {
    ($c:expr, $tx:expr, $order:expr, $instance:expr) => {
        sqlx::query($c.sql(
            "INSERT INTO checkout_order_events (reference, step, state, reason, instance, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        ))
        .bind(&$order.reference)
        .bind($order.step)
        .bind($order.state.as_str())
        .bind(&$order.reason)
        .bind($instance)
        .bind($order.updated_at)
        .execute(&mut *$tx)
        .await?
    };
}

fn order_from_row<R>(row: &R) -> Result<Order, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let state: String = row.try_get("state")?;
    Ok(Order {
        reference: row.try_get("reference")?,
        phone: row.try_get("phone")?,
        amount: row.try_get("amount")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        carrier: row.try_get("carrier")?,
        state: state.parse()?,
        reason: row.try_get("reason")?,
        step: row.try_get("step")?,
        window_ends: row.try_get("window_ends")?,
        checks: row.try_get("checks")?,
        send_attempts: row.try_get("send_attempts")?,
        operator_ref: row.try_get("operator_ref")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The apalis task that drives `step` of `reference`, due at `run_at_ms`; its idempotency key
/// (`reference:step`) makes a second push of the same step a no-op.
fn drive_task(reference: &str, step: i64, run_at_ms: i64) -> Result<Task<Vec<u8>>, StoreError> {
    let args = serde_json::to_vec(&Drive {
        order: reference.to_owned(),
        step,
    })
    .map_err(|e| StoreError::Queue(format!("cannot encode the job: {e}")))?;
    // apalis schedules by the second; round up so that a job never runs early.
    let run_at = u64::try_from(run_at_ms.saturating_add(999) / 1000).unwrap_or(0);
    Ok(TaskBuilder::new(args)
        .run_at_timestamp(run_at)
        .idempotency_key(format!("{reference}:{step}"))
        .max_attempts(25)
        .build())
}

impl Store {
    /// Connects, creates the tables (apalis's and ours) when missing, and returns the store.
    pub async fn connect(database: &Database) -> Result<Store, StoreError> {
        let store = match database {
            Database::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Database(sqlx::Error::Configuration(
                            format!("cannot create the directory {}: {e}", dir.display()).into(),
                        ))
                    })?;
                }
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // NORMAL in WAL mode: a killed process loses nothing committed; a power
                    // cut may lose the last transactions, never corrupt the file.
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10));
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await?;
                apalis_sqlite::SqliteStorage::setup(&pool)
                    .await
                    .map_err(|e| StoreError::Queue(e.to_string()))?;
                for ddl in SCHEMA {
                    sqlx::query(ddl).execute(&pool).await?;
                }
                Store {
                    db: Db::Sqlite(pool),
                }
            }
            Database::Postgres(url) => {
                let options = PgConnectOptions::from_str(url)?
                    // No query may hang a job or a page: the server cancels it after 30 s.
                    .options([("statement_timeout", "30s")]);
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await?;
                // apalis's migrations take a lock of their own; ours run under an advisory
                // lock, so that two instances starting at once do not race.
                apalis_postgres::PostgresStorage::setup(&pool)
                    .await
                    .map_err(|e| StoreError::Queue(e.to_string()))?;
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7268451)")
                    .execute(&mut *tx)
                    .await?;
                for ddl in SCHEMA {
                    sqlx::query(ddl).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Store {
                    db: Db::Postgres(pool),
                }
            }
        };
        Ok(store)
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// The SQLite pool, for apalis's SQLite storage.
    pub(crate) fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.db {
            Db::Sqlite(pool) => Some(pool),
            Db::Postgres(_) => None,
        }
    }

    /// The Postgres pool, for apalis's Postgres storage and the `LISTEN` task.
    pub(crate) fn pg_pool(&self) -> Option<&PgPool> {
        match &self.db {
            Db::Postgres(pool) => Some(pool),
            Db::Sqlite(_) => None,
        }
    }

    /// Stores a new order and queues its first job, in one transaction: the outbox. Nothing
    /// leaves for QosIc before this commits.
    ///
    /// With a form token already used, nothing is stored: the order that token made is
    /// returned, with `false` (`true` for a new order).
    pub async fn create_order(
        &self,
        new: &NewOrder,
        instance: &str,
    ) -> Result<(Order, bool), StoreError> {
        let now = now_ms();
        let order = Order {
            reference: new.reference.clone(),
            phone: new.phone.clone(),
            amount: new.amount,
            first_name: new.first_name.clone(),
            last_name: new.last_name.clone(),
            carrier: new.carrier.clone(),
            state: State::Created,
            reason: None,
            step: 0,
            window_ends: None,
            checks: 0,
            send_attempts: 0,
            operator_ref: None,
            created_at: now,
            updated_at: now,
        };
        let task = drive_task(&order.reference, 0, now)?;
        let existing: Option<String> = on_db!(self, |pool, c| {
            let mut tx = pool.begin().await?;
            if let Some(token) = &new.form_token {
                let claimed = sqlx::query(c.sql(
                    "INSERT INTO checkout_form_tokens (token, reference, created_at) \
                     VALUES ($1, $2, $3) ON CONFLICT (token) DO NOTHING",
                ))
                .bind(token)
                .bind(&order.reference)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if claimed.rows_affected() != 1 {
                    tx.rollback().await?;
                    let (reference,): (String,) = sqlx::query_as(
                        c.sql("SELECT reference FROM checkout_form_tokens WHERE token = $1"),
                    )
                    .bind(token)
                    .fetch_one(pool)
                    .await?;
                    return self.existing(reference).await;
                }
            }
            sqlx::query(c.sql(
                "INSERT INTO checkout_orders (reference, phone, amount, first_name, last_name, \
                 carrier, state, reason, step, window_ends, checks, send_attempts, operator_ref, \
                 created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 0, NULL, 0, 0, NULL, $8, $8)",
            ))
            .bind(&order.reference)
            .bind(&order.phone)
            .bind(order.amount)
            .bind(&order.first_name)
            .bind(&order.last_name)
            .bind(&order.carrier)
            .bind(order.state.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            insert_event!(c, tx, order, instance);
            c.push(&mut tx, task).await?;
            c.notify(&mut tx, &order.reference).await?;
            tx.commit().await?;
            None
        });
        debug_assert!(existing.is_none());
        Ok((order, true))
    }

    async fn existing(&self, reference: String) -> Result<(Order, bool), StoreError> {
        match self.order(&reference).await? {
            Some(order) => Ok((order, false)),
            None => Err(StoreError::Corrupt(format!(
                "a form token names the order {reference}, which does not exist"
            ))),
        }
    }

    /// The reference of the order a form token made, if it was used.
    pub async fn order_for_token(&self, token: &str) -> Result<Option<String>, StoreError> {
        on_db!(self, |pool, c| {
            let row: Option<(String,)> = sqlx::query_as(
                c.sql("SELECT reference FROM checkout_form_tokens WHERE token = $1"),
            )
            .bind(token)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|(reference,)| reference))
        })
    }

    /// The order with this reference.
    pub async fn order(&self, reference: &str) -> Result<Option<Order>, StoreError> {
        on_db!(self, |pool, c| {
            let row = sqlx::query(c.sql(concat!(
                "SELECT ",
                order_columns!(),
                " FROM checkout_orders WHERE reference = $1"
            )))
            .bind(reference)
            .fetch_optional(pool)
            .await?;
            row.map(|row| order_from_row(&row)).transpose()
        })
    }

    /// Marks the order `sending` if it is still `created` at `step`, and commits: the last
    /// write before the payment request leaves. `false` when another job got there first.
    pub async fn claim_sending(&self, reference: &str, step: i64) -> Result<bool, StoreError> {
        on_db!(self, |pool, c| {
            let done = sqlx::query(c.sql(
                "UPDATE checkout_orders SET state = 'sending', updated_at = $3 \
                 WHERE reference = $1 AND step = $2 AND state = 'created'",
            ))
            .bind(reference)
            .bind(step)
            .bind(now_ms())
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Records the result of `before.step`: writes `after`'s values if the order is still at
    /// that step, advances the step, records the transition when the state changed, queues the
    /// next step's job when `next_at` (unix milliseconds) is given, and announces the change;
    /// all in one transaction. Returns the order as stored, or `None` when the step was already
    /// done (by a job that ran before this one).
    pub async fn advance(
        &self,
        before: &Order,
        after: &Order,
        next_at: Option<i64>,
        instance: &str,
    ) -> Result<Option<Order>, StoreError> {
        let mut stored = after.clone();
        stored.step = before.step + 1;
        stored.updated_at = now_ms();
        let task = match next_at {
            Some(at) => Some(drive_task(&stored.reference, stored.step, at)?),
            None => None,
        };
        on_db!(self, |pool, c| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(c.sql(
                "UPDATE checkout_orders SET state = $3, reason = $4, step = $5, window_ends = $6, \
                 checks = $7, send_attempts = $8, operator_ref = $9, updated_at = $10 \
                 WHERE reference = $1 AND step = $2",
            ))
            .bind(&stored.reference)
            .bind(before.step)
            .bind(stored.state.as_str())
            .bind(&stored.reason)
            .bind(stored.step)
            .bind(stored.window_ends)
            .bind(stored.checks)
            .bind(stored.send_attempts)
            .bind(&stored.operator_ref)
            .bind(stored.updated_at)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                tx.rollback().await?;
                return Ok(None);
            }
            if stored.state != before.state {
                insert_event!(c, tx, stored, instance);
            }
            if let Some(task) = task {
                c.push(&mut tx, task).await?;
            }
            c.notify(&mut tx, &stored.reference).await?;
            tx.commit().await?;
        });
        Ok(Some(stored))
    }

    /// Queues the job of `step` of the order, due at `at_ms` (unix milliseconds), outside any
    /// change of the order: for orders an older version left without a job
    /// ([`crate::ops::schedule_reconciliation`]). A job of that step already queued makes it
    /// a no-op on SQLite and an error on Postgres (its idempotency key).
    pub async fn queue_step(
        &self,
        reference: &str,
        step: i64,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        let task = drive_task(reference, step, at_ms)?;
        on_db!(self, |pool, c| {
            let mut conn = pool.acquire().await?;
            c.push(&mut conn, task).await?;
        });
        Ok(())
    }

    /// Queues one more status check of an order whose window closed (still pending or
    /// unknown), now. Returns the order, or `None` when it is not in such a state.
    pub async fn check_again(
        &self,
        reference: &str,
        instance: &str,
    ) -> Result<Option<Order>, StoreError> {
        let Some(order) = self.order(reference).await? else {
            return Ok(None);
        };
        if !matches!(
            order.state,
            State::StillPending | State::Unknown | State::NeedsAttention
        ) {
            return Ok(None);
        }
        // Same state, next step: the job makes one status check and, unless it is final,
        // returns the order to where it was.
        self.advance(&order, &order, Some(now_ms()), instance).await
    }

    /// The number of orders in each state (every state listed, zeros included).
    pub async fn counts(&self) -> Result<BTreeMap<State, i64>, StoreError> {
        let mut counts: BTreeMap<State, i64> = State::ALL.into_iter().map(|s| (s, 0)).collect();
        let rows: Vec<(String, i64)> = on_db!(self, |pool, c| {
            sqlx::query_as("SELECT state, COUNT(*) FROM checkout_orders GROUP BY state")
                .fetch_all(pool)
                .await?
        });
        for (state, count) in rows {
            counts.insert(state.parse()?, count);
        }
        Ok(counts)
    }

    /// The order's transitions, oldest first.
    pub async fn history(&self, reference: &str) -> Result<Vec<Transition>, StoreError> {
        let rows: Vec<(i64, String, Option<String>, String, i64)> = on_db!(self, |pool, c| {
            sqlx::query_as(c.sql(
                "SELECT step, state, reason, instance, at FROM checkout_order_events \
                 WHERE reference = $1 ORDER BY step",
            ))
            .bind(reference)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(step, state, reason, instance, at)| {
                Ok(Transition {
                    step,
                    state: state.parse()?,
                    reason,
                    instance,
                    at,
                })
            })
            .collect()
    }

    /// The operator's list: the newest orders first, at most `limit`, that match `filter`.
    pub async fn find_orders(
        &self,
        filter: &OrderFilter,
        limit: i64,
    ) -> Result<Vec<Order>, StoreError> {
        let state = filter.state.map(State::as_str);
        let search = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        // Digits search the end of the phone number; anything else is a reference.
        let phone_end = search
            .filter(|s| s.len() >= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .map(|digits| format!("%{digits}"));
        on_db!(self, |pool, c| {
            let rows = sqlx::query(c.sql(concat!(
                "SELECT ",
                order_columns!(),
                " FROM checkout_orders WHERE ($1 IS NULL OR state = $1) \
                 AND ($2 IS NULL OR created_at >= $2) AND ($3 IS NULL OR created_at < $3) \
                 AND ($4 IS NULL OR reference = $4 OR phone LIKE $5) \
                 ORDER BY created_at DESC LIMIT $6"
            )))
            .bind(state)
            .bind(filter.since)
            .bind(filter.until)
            .bind(search)
            .bind(phone_end)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter().map(order_from_row).collect()
        })
    }

    /// Every order's reference and state (for tests and tools; the table must be small).
    pub async fn all_orders(&self) -> Result<Vec<Order>, StoreError> {
        on_db!(self, |pool, c| {
            let rows = sqlx::query(concat!(
                "SELECT ",
                order_columns!(),
                " FROM checkout_orders ORDER BY created_at"
            ))
            .fetch_all(pool)
            .await?;
            rows.iter().map(order_from_row).collect()
        })
    }

    /// The transitions to a final state, per instance (for tests and the figures).
    pub async fn final_transitions(&self) -> Result<Vec<(String, State, String)>, StoreError> {
        let rows: Vec<(String, String, String)> = on_db!(self, |pool, c| {
            sqlx::query_as(
                "SELECT reference, state, instance FROM checkout_order_events \
                 WHERE state IN ('confirmed', 'failed') ORDER BY reference",
            )
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(reference, state, instance)| Ok((reference, state.parse()?, instance)))
            .collect()
    }

    /// Deletes the checkout's finished jobs (status `Done`) that ended more than `age` ago,
    /// at most `limit` of them; returns how many. Every status check leaves one such row in
    /// apalis's table, and apalis keeps them forever. (apalis's own `vacuum_before` is not used:
    /// its SQLite query compares a number with a date string, which deletes finished jobs of
    /// any age, and then runs a full `VACUUM`.) Safe at any time: a job of a step that is done
    /// does nothing, whether or not its row is still there.
    pub async fn prune_jobs(&self, age: Duration, limit: i64) -> Result<u64, StoreError> {
        let before = (now_ms() - i64::try_from(age.as_millis()).unwrap_or(i64::MAX)) / 1000;
        let deleted = match &self.db {
            Db::Sqlite(pool) => sqlx::query(
                "DELETE FROM Jobs WHERE rowid IN (SELECT rowid FROM Jobs \
                 WHERE job_type = ?1 AND status = 'Done' AND done_at < ?2 LIMIT ?3)",
            )
            .bind(QUEUE)
            .bind(before)
            .bind(limit)
            .execute(pool)
            .await?
            .rows_affected(),
            Db::Postgres(pool) => sqlx::query(
                "DELETE FROM apalis.jobs WHERE id IN (SELECT id FROM apalis.jobs \
                 WHERE job_type = $1 AND status = 'Done' AND done_at < to_timestamp($2) LIMIT $3)",
            )
            .bind(QUEUE)
            .bind(before as f64)
            .bind(limit)
            .execute(pool)
            .await?
            .rows_affected(),
        };
        Ok(deleted)
    }

    /// Gives the checkout's jobs that apalis gave up on (failed `max_attempts` times, say
    /// while the database was unreachable, or killed) their attempts back, due now; returns
    /// how many. Without this an order whose job died would stay pending forever. Safe: a job
    /// whose step is already done does nothing.
    pub async fn revive_dead_jobs(&self) -> Result<u64, StoreError> {
        let revived = match &self.db {
            Db::Sqlite(pool) => sqlx::query(
                "UPDATE Jobs SET status = 'Pending', attempts = 0, lock_by = NULL, lock_at = NULL, \
                 done_at = NULL, run_at = ?2 WHERE job_type = ?1 \
                 AND ((status = 'Failed' AND attempts >= max_attempts) OR status = 'Killed')",
            )
            .bind(QUEUE)
            .bind(now_ms() / 1000)
            .execute(pool)
            .await?
            .rows_affected(),
            Db::Postgres(pool) => sqlx::query(
                "UPDATE apalis.jobs SET status = 'Pending', attempts = 0, lock_by = NULL, \
                 lock_at = NULL, done_at = NULL, run_at = now() WHERE job_type = $1 \
                 AND ((status = 'Failed' AND attempts >= max_attempts) OR status = 'Killed')",
            )
            .bind(QUEUE)
            .execute(pool)
            .await?
            .rows_affected(),
        };
        Ok(revived)
    }

    /// The number of the checkout's jobs in apalis's table, finished or not.
    pub async fn job_rows(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = match &self.db {
            Db::Sqlite(pool) => {
                sqlx::query_as("SELECT COUNT(*) FROM Jobs WHERE job_type = ?1")
                    .bind(QUEUE)
                    .fetch_one(pool)
                    .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_as("SELECT COUNT(*) FROM apalis.jobs WHERE job_type = $1")
                    .bind(QUEUE)
                    .fetch_one(pool)
                    .await?
            }
        };
        Ok(n)
    }

    /// Closes the pool, waiting for connections in use to be given back.
    pub async fn close(&self) {
        on_db!(self, |pool, c| pool.close().await)
    }
}
