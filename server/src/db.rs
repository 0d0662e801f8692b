//! Connecting to SQLite (WAL, foreign keys, busy timeout) or PostgreSQL,
//! applying the migrations, starting write transactions, and telling the
//! database's faults (a full disk, a lost connection) from the server's bugs.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, LazyLock, Mutex},
    time::Duration,
};

use futures_util::future::BoxFuture;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    sqlx::{
        self,
        pool::PoolConnectionMetadata,
        sqlite::{SqliteJournalMode, SqliteSynchronous},
        Connection,
    },
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, RuntimeErr, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::OwnedMutexGuard;

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
            // SQLite runs each query on its connection's own thread: past one
            // connection per core (and two spare, for a long export or the
            // optimizer) more connections only add threads that wait for the
            // cores, and page caches. Writers take turns (`begin_write`).
            .max_connections(crate::cores() as u32 + 2)
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
///
/// On SQLite the process's writers also take turns before they begin (one
/// turn per database file): a writer waiting in SQLite's busy handler sleeps
/// and polls (1, 2, 5, 10 … 100 ms), so under load most of a write's time was
/// spent asleep after the lock was free; a turn handed over in-process starts
/// the next writer at once. Other processes on the same file (the command
/// line) still meet the busy timeout.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTransaction, DbErr> {
    let turn = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let writers = writers_of(db);
            let turn = tokio::time::timeout(WRITER_TURN_TIMEOUT, writers.lock_owned())
                .await
                .map_err(|_| DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout))?;
            Some(turn)
        }
        _ => None,
    };
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    Ok(WriteTransaction { txn, _turn: turn })
}

/// How long a writer waits for its turn: SQLite's busy timeout.
const WRITER_TURN_TIMEOUT: Duration = Duration::from_secs(10);

/// The writers' turn of the SQLite file `db` is connected to.
fn writers_of(db: &DatabaseConnection) -> Arc<tokio::sync::Mutex<()>> {
    static TURNS: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
        LazyLock::new(Mutex::default);
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_owned();
    let mut turns = TURNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    turns.entry(file).or_default().clone()
}

/// A transaction begun by [`begin_write`]; on SQLite it holds the writers'
/// turn until it is committed, rolled back or dropped.
pub struct WriteTransaction {
    // Dropped first: the transaction ends (or its rollback is queued) before
    // the next writer's turn begins.
    txn: DatabaseTransaction,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
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
