//! One transaction of the store's backend with apalis tasks pushed inside it: the outbox of
//! the events and refunds queues ([`in_tx!`]).

use apalis::prelude::Task;

use crate::store::StoreError;

pub(crate) async fn push_sqlite(
    conn: &mut sqlx::SqliteConnection,
    queue: &str,
    task: Task<Vec<u8>>,
) -> Result<(), StoreError> {
    apalis_sqlite::queries::push_tasks(conn, queue, &[task])
        .await
        .map_err(|e| StoreError::Queue(e.to_string()))
}

pub(crate) async fn push_pg(
    conn: &mut sqlx::PgConnection,
    queue: &str,
    task: Task<Vec<u8>>,
) -> Result<(), StoreError> {
    apalis_postgres::queries::push_tasks(conn, queue, vec![task])
        .await
        .map_err(|e| StoreError::Queue(e.to_string()))
}

/// Runs `$body` in a transaction `$tx` of the store's backend, with `$push(&mut tx, queue, task)`
/// pushing a task on an apalis queue inside it and `$sql` adapting placeholders.
macro_rules! in_tx {
    ($store:expr, |$tx:ident, $sql:ident, $push:ident| $body:expr) => {
        if let Some(pool) = $store.sqlite_pool() {
            let mut $tx = pool.begin().await?;
            let $sql = |s: &'static str| AssertSqlSafe(s.replace('$', "?"));
            #[allow(unused)]
            let $push = $crate::tx::push_sqlite;
            let result = $body;
            $tx.commit().await?;
            result
        } else if let Some(pool) = $store.pg_pool() {
            let mut $tx = pool.begin().await?;
            let $sql = |s: &'static str| AssertSqlSafe(s.to_owned());
            #[allow(unused)]
            let $push = $crate::tx::push_pg;
            let result = $body;
            $tx.commit().await?;
            result
        } else {
            Err(StoreError::Corrupt("no database".to_owned()))
        }
    };
}
pub(crate) use in_tx;
