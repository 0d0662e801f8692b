//! Usernames and passwords: the rules for new ones, argon2id hashing and checking, and the
//! queue every hash takes a turn in (each takes 19 MiB and a core for tens of milliseconds).

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, OnceLock,
};
use std::time::Duration;

use tokio::sync::{Semaphore, TryAcquireError};

use super::new_token;
use crate::error::AppError;

/// A username: 3-32 characters of lowercase letters, digits, `.`, `_`, `-`;
/// stored lowercased so that `Ann` and `ann` are one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let name = raw.trim().to_lowercase();
        let len = name.chars().count();
        if !(3..=32).contains(&len) {
            return Err(AppError::invalid(
                "username",
                "username must be 3 to 32 characters long",
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return Err(AppError::invalid(
                "username",
                "username may contain only letters, digits, '.', '_' and '-'",
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: at least 8 characters, at most 1024 (argon2 input stays bounded).
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let len = raw.chars().count();
        if len < 8 {
            return Err(AppError::invalid(
                "password",
                "password must be at least 8 characters long",
            ));
        }
        if len > 1024 {
            return Err(AppError::invalid(
                "password",
                "password must be at most 1024 characters long",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn hash(&self) -> Result<String, AppError> {
        self.hash_in(&mut Vec::new())
    }

    /// [`NewPassword::hash`] with argon2's working memory given.
    pub(super) fn hash_in(&self, memory: &mut Vec<argon2::Block>) -> Result<String, AppError> {
        crate::argon::hash(self.0.as_bytes(), memory)
            .map_err(|err| AppError::Internal(anyhow::anyhow!("hashing password: {err}")))
    }
}

pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    crate::argon::verify(password.as_bytes(), stored_hash, &mut Vec::new())
}

/// A hash of a random password, made once: logins for unknown usernames are
/// checked against it, so that they take as long as those of known ones and
/// the time of an answer does not say whether a username exists.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| NewPassword(new_token()).hash().unwrap_or_default())
}

/// Checks `password` against `stored_hash`, or against the dummy hash when
/// there is no such user (always false then, in the same time).
fn verify_password_or_dummy(
    password: &str,
    stored_hash: Option<&str>,
    memory: &mut Vec<argon2::Block>,
) -> bool {
    match stored_hash {
        Some(hash) => crate::argon::verify(password.as_bytes(), hash, memory),
        None => {
            crate::argon::verify(password.as_bytes(), dummy_hash(), memory);
            false
        }
    }
}

/// Bounds password hashing. Each argon2 call takes 19 MiB and tens of
/// milliseconds of a core, so a burst of logins run all at once exhausts the
/// memory and starves every other request. At most `concurrency` hashes run at
/// once, on threads of their own that keep their memory (never on the async
/// workers); at most `queue` more wait, each at most `MAX_WAIT`; anyone
/// beyond that gets `AppError::Busy` (503 with `Retry-After`) at once
/// instead of piling up.
pub struct PasswordHashing {
    threads: crate::argon::HashingThreads,
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    queue: usize,
}

/// How long a login or registration waits for a turn before 503.
const MAX_WAIT: Duration = Duration::from_secs(3);

/// Holds a place in the queue; gives it back however the wait ends (also
/// when the client goes away and the request's future is dropped).
struct QueuePlace(Arc<AtomicUsize>);

impl Drop for QueuePlace {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PasswordHashing {
    /// `concurrency` 0 means one per core.
    pub fn new(concurrency: usize, queue: usize) -> std::io::Result<PasswordHashing> {
        let concurrency = if concurrency == 0 {
            crate::cores()
        } else {
            concurrency
        };
        Ok(PasswordHashing {
            threads: crate::argon::HashingThreads::start(concurrency)?,
            permits: Arc::new(Semaphore::new(concurrency)),
            waiting: Arc::new(AtomicUsize::new(0)),
            queue,
        })
    }

    fn busy() -> AppError {
        AppError::Busy {
            retry_after: MAX_WAIT.as_secs().max(1),
        }
    }

    fn closed() -> AppError {
        AppError::Internal(anyhow::anyhow!("password hashing stopped"))
    }

    /// A turn at hashing: at once when one is free, else after a bounded wait
    /// in the bounded queue, else `Busy`. Logins take it before they touch the
    /// database, so a refused burst costs the database nothing.
    pub async fn turn(&self) -> Result<HashingTurn, AppError> {
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(TryAcquireError::Closed) => return Err(Self::closed()),
            Err(TryAcquireError::NoPermits) => {
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(Self::busy());
                }
                let _place = QueuePlace(self.waiting.clone());
                match tokio::time::timeout(MAX_WAIT, self.permits.clone().acquire_owned()).await {
                    Ok(Ok(permit)) => permit,
                    Ok(Err(_)) => return Err(Self::closed()),
                    Err(_) => return Err(Self::busy()),
                }
            }
        };
        Ok(HashingTurn { _permit: permit })
    }

    /// Runs `work` on a hashing thread, with its memory, in `turn`.
    async fn run<T: Send + 'static>(
        &self,
        turn: HashingTurn,
        work: impl FnOnce(&mut Vec<argon2::Block>) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        // The turn goes with the work: a hash still running after its
        // client left keeps its turn until it ends.
        self.threads
            .run(move |memory| {
                let _turn = turn;
                work(memory)
            })
            .await
            .ok_or_else(Self::closed)
    }

    /// Hashes a new password (registration).
    pub async fn hash(&self, password: NewPassword) -> Result<String, AppError> {
        let turn = self.turn().await?;
        self.run(turn, move |memory| password.hash_in(memory))
            .await?
    }

    /// Checks a login's password in `turn`; `None` (no such user) checks
    /// against the dummy hash and is always false.
    pub async fn verify(
        &self,
        turn: HashingTurn,
        password: String,
        stored_hash: Option<String>,
    ) -> Result<bool, AppError> {
        self.run(turn, move |memory| {
            verify_password_or_dummy(&password, stored_hash.as_deref(), memory)
        })
        .await
    }
}

/// One of the few places at password hashing, held until the hash ends.
pub struct HashingTurn {
    _permit: tokio::sync::OwnedSemaphorePermit,
}
