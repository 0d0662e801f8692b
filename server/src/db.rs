//! Connecting to SQLite (WAL, foreign keys, busy timeout) or PostgreSQL,
//! applying the migrations, starting write transactions, and telling the
//! database's faults (a full disk, a lost connection) from the server's bugs.

use std::time::Duration;

use futures_util::future::BoxFuture;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    sqlx::{
        self,
        pool::PoolConnectionMetadata,
        sqlite::{SqliteJournalMode, SqliteSynchronous},
        Connection,
    },
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr, RuntimeErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(5));
    if is_sqlite(url) {
        options
            .max_connections(8)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    // 8 MiB of page cache per connection (SQLite's default is
                    // 2 MiB): the Today page's searches over a learner with
                    // 10,000 cards otherwise re-read pages from the OS on
                    // every view. Grown only as pages are read.
                    .pragma("cache_size", "-8192")
                    .create_if_missing(true)
            })
            .map_sqlx_sqlite_pool_opts(|pool| pool.after_release(discard_if_in_transaction));
    } else {
        options
            .max_connections(16)
            .min_connections(1)
            .map_sqlx_postgres_pool_opts(|pool| pool.after_release(discard_if_in_transaction));
    }
    Database::connect(options).await
}

/// Keeps a connection in the pool only if no transaction is left open on it.
/// A COMMIT that fails for lack of disk space leaves sqlx counting an open
/// transaction that SQLite has already rolled back, so the ROLLBACK sent when
/// the transaction is dropped fails as well. Reused, such a connection starts
/// its next transaction as a SAVEPOINT, and a SAVEPOINT's rollback leaves a
/// real transaction open, holding the write lock: every other connection then
/// gets "database is locked". Closing the connection ends whatever it holds;
/// the pool opens a new one.
fn discard_if_in_transaction<C: Connection>(
    conn: &mut C,
    _: PoolConnectionMetadata,
) -> BoxFuture<'_, Result<bool, sqlx::Error>> {
    Box::pin(async move {
        // A round trip first: the rollback queued when the transaction was
        // dropped has run by the time the ping is answered.
        conn.ping().await?;
        if conn.is_in_transaction() {
            tracing::warn!("closing a database connection whose transaction did not end");
            return Ok(false);
        }
        Ok(true)
    })
}

/// Connects and brings the schema up to date.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, DbErr> {
    let db = connect(url).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// Starts a transaction that writes. On SQLite it takes the write lock at
/// once (`BEGIN IMMEDIATE`): a deferred transaction that reads first and then
/// writes must upgrade its read lock, and when another connection holds the
/// write lock at that moment SQLite answers SQLITE_BUSY ("database is
/// locked") at once, without waiting for the busy timeout, since waiting could
/// deadlock. Taken up front, the lock is waited for like any other. PostgreSQL
/// ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// A failure of the database that is no fault of the request nor of the
/// server's code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The disk is full (SQLite's SQLITE_FULL, PostgreSQL's `disk_full`):
    /// nothing was written, and writes fail until space is freed.
    StorageFull,
    /// The database cannot be reached or dropped the connection (refused,
    /// reset, terminated by an administrator or a restart, pool exhausted,
    /// locked past the busy timeout): trying again shortly may succeed.
    Unavailable,
}

/// What kind of fault `err` is, if it is one.
pub fn fault(err: &DbErr) -> Option<Fault> {
    let runtime = match err {
        DbErr::ConnectionAcquire(_) => return Some(Fault::Unavailable),
        DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime) => runtime,
        _ => return None,
    };
    let by_cause = match runtime {
        RuntimeErr::SqlxError(cause) => match &**cause {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Some(Fault::Unavailable),
            sqlx::Error::Database(db_err) => {
                match db_err.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                    Some(sqlite) => sqlite_fault(sqlite),
                    None => db_err.code().and_then(|code| postgres_fault(&code)),
                }
            }
            _ => None,
        },
        _ => None,
    };
    // Whatever failed while connecting (sea-orm's own "Disconnected" too).
    by_cause.or_else(|| matches!(err, DbErr::Conn(_)).then_some(Fault::Unavailable))
}

/// By SQLite's primary result code (the low byte of the extended one).
fn sqlite_fault(err: &sqlx::sqlite::SqliteError) -> Option<Fault> {
    const SQLITE_BUSY: i32 = 5;
    const SQLITE_FULL: i32 = 13;
    let code: i32 = sqlx::error::DatabaseError::code(err)?.parse().ok()?;
    match code & 0xff {
        SQLITE_FULL => Some(Fault::StorageFull),
        // Still locked when the busy timeout ran out.
        SQLITE_BUSY => Some(Fault::Unavailable),
        _ => None,
    }
}

/// By PostgreSQL's SQLSTATE.
fn postgres_fault(sqlstate: &str) -> Option<Fault> {
    match sqlstate {
        "53100" => Some(Fault::StorageFull),
        // admin_shutdown (pg_terminate_backend, a fast shutdown),
        // crash_shutdown, cannot_connect_now (starting up or recovering),
        // too_many_connections, and the whole connection_exception class.
        "57P01" | "57P02" | "57P03" | "53300" => Some(Fault::Unavailable),
        _ if sqlstate.starts_with("08") => Some(Fault::Unavailable),
        _ => None,
    }
}
