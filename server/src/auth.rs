//! Who is asking: passwords (argon2id), session cookies and bearer tokens, the
//! `CurrentUser` extractor, and CSRF tokens for every state-changing form.

use std::future::Future;
use std::pin::Pin;
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, OnceLock,
};
use std::time::Duration;

use actix_web::{
    cookie::{Cookie, SameSite},
    dev::Payload,
    web, FromRequest, HttpMessage, HttpRequest,
};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::{Semaphore, TryAcquireError};

use crate::{entities::user, error::AppError, startup::AppState, store};

pub const SESSION_COOKIE: &str = "starling_session";
/// A random id for visitors without a session, so the login and register
/// forms get CSRF tokens too.
pub const VISITOR_COOKIE: &str = "starling_visitor";
pub const CSRF_FIELD: &str = "csrf_token";
pub const CSRF_HEADER: &str = "x-csrf-token";

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
    fn hash_in(&self, memory: &mut Vec<argon2::Block>) -> Result<String, AppError> {
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
            std::thread::available_parallelism().map_or(1, |n| n.get())
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

/// The user's roles, stored as their lowercase names.
#[derive(
    utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Learner,
    Coach,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Learner => "learner",
            Self::Coach => "coach",
            Self::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "learner" => Ok(Self::Learner),
            "coach" => Ok(Self::Coach),
            "admin" => Ok(Self::Admin),
            other => Err(format!(
                "unknown role {other:?}: use learner, coach or admin"
            )),
        }
    }
}

/// A fresh random token (256 bits, hex) for a session cookie or an API token.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Only hashes of tokens are stored, so a leaked database opens no sessions.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn session_cookie(token: String, days: i64, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(days))
        .finish()
}

pub fn expired_session_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    cookie.make_removal();
    cookie
}

/// How the current request proved who it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthVia {
    Session,
    Bearer,
}

/// The logged-in user. Handlers that take it are closed to anonymous callers.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: user::Model,
    pub via: AuthVia,
}

impl CurrentUser {
    pub fn id(&self) -> i32 {
        self.user.id
    }
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let header = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = header.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn authenticate(req: HttpRequest) -> Result<CurrentUser, AppError> {
    if let Some(found) = req.extensions().get::<CurrentUser>() {
        return Ok(found.clone());
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
    let found = if let Some(token) = bearer_token(&req) {
        store::accounts::user_for_api_token(&state.db, &token_hash(&token))
            .await?
            .map(|user| CurrentUser {
                user,
                via: AuthVia::Bearer,
            })
    } else if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        store::accounts::user_for_session(&state.db, &token_hash(cookie.value()))
            .await?
            .map(|user| CurrentUser {
                user,
                via: AuthVia::Session,
            })
    } else {
        None
    };
    let current = found.ok_or(AppError::Unauthenticated)?;
    req.extensions_mut().insert(current.clone());
    Ok(current)
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}

/// The user if logged in, for pages that also serve visitors.
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequest for MaybeUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match authenticate(req).await {
                Ok(user) => Ok(Self(Some(user))),
                Err(AppError::Unauthenticated) => Ok(Self(None)),
                Err(other) => Err(other),
            }
        })
    }
}

type HmacSha256 = Hmac<Sha256>;

/// What a CSRF token is bound to: the session if there is one, else the visitor cookie.
fn csrf_binding(req: &HttpRequest) -> String {
    if let Some(session) = req.cookie(SESSION_COOKIE) {
        return format!("session:{}", session.value());
    }
    if let Some(visitor) = req.extensions().get::<VisitorId>() {
        return format!("visitor:{}", visitor.0);
    }
    req.cookie(VISITOR_COOKIE)
        .map(|c| format!("visitor:{}", c.value()))
        .unwrap_or_default()
}

fn csrf_mac(secret: &[u8], binding: &str) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(secret).ok()?;
    mac.update(b"starling-csrf\0");
    mac.update(binding.as_bytes());
    Some(mac)
}

/// The token to embed in forms (and the `<meta>` tag read by scripts).
pub fn csrf_token(req: &HttpRequest, secret: &[u8]) -> String {
    csrf_mac(secret, &csrf_binding(req))
        .map(|mac| hex::encode(mac.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Checks a submitted token in constant time.
pub fn verify_csrf(req: &HttpRequest, secret: &[u8], submitted: &str) -> Result<(), AppError> {
    let binding = csrf_binding(req);
    let bytes = hex::decode(submitted.trim()).map_err(|_| AppError::Csrf)?;
    if binding.is_empty() {
        return Err(AppError::Csrf);
    }
    csrf_mac(secret, &binding)
        .ok_or(AppError::Csrf)?
        .verify_slice(&bytes)
        .map_err(|_| AppError::Csrf)
}

/// JSON calls authenticated by the session cookie (the pages' scripts) must
/// carry the CSRF header; bearer-token clients need not.
pub fn verify_api_csrf(
    req: &HttpRequest,
    user: &CurrentUser,
    secret: &[u8],
) -> Result<(), AppError> {
    if user.via == AuthVia::Bearer {
        return Ok(());
    }
    let submitted = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or(AppError::Csrf)?;
    verify_csrf(req, secret, submitted)
}

/// The visitor id issued to this request by the middleware, when it had none.
#[derive(Clone, Debug)]
pub struct VisitorId(pub String);

pub fn visitor_cookie(id: String, secure: bool) -> Cookie<'static> {
    Cookie::build(VISITOR_COOKIE, id)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish()
}

/// The client's address, for throttling: the connection's peer, or the first
/// `X-Forwarded-For` entry when the server is told it sits behind a proxy.
pub fn client_address(req: &actix_web::HttpRequest, trust_forwarded_for: bool) -> Option<String> {
    if trust_forwarded_for {
        if let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            return Some(first.to_owned());
        }
    }
    req.peer_addr().map(|addr| addr.ip().to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(Username::parse("  Ann.Lee ").unwrap().as_str(), "ann.lee");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("has space").is_err());
        assert!(Username::parse(&"x".repeat(33)).is_err());
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = NewPassword::parse("correct horse").unwrap().hash().unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert!(NewPassword::parse("short").is_err());
    }

    #[test]
    fn token_hash_is_stable_and_hides_the_token() {
        let token = new_token();
        assert_eq!(token.len(), 64);
        assert_eq!(token_hash(&token), token_hash(&token));
        assert_ne!(token_hash(&token), token);
    }
}
