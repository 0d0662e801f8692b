//! Who is asking: passwords (argon2id), session cookies and bearer tokens, the
//! `CurrentUser` extractor, and CSRF tokens for every state-changing form.

use std::future::Future;
use std::pin::Pin;

use actix_web::{
    cookie::{Cookie, SameSite},
    dev::Payload,
    web, FromRequest, HttpMessage, HttpRequest,
};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{entities::user, error::AppError, startup::AppState, store};

mod csrf;
mod passwords;

pub use csrf::{csrf_token, verify_api_csrf, verify_csrf};
pub use passwords::{verify_password, HashingTurn, NewPassword, PasswordHashing, Username};

pub const SESSION_COOKIE: &str = "starling_session";

/// A random id for visitors without a session, so the login and register
/// forms get CSRF tokens too.
pub const VISITOR_COOKIE: &str = "starling_visitor";

pub const CSRF_FIELD: &str = "csrf_token";

pub const CSRF_HEADER: &str = "x-csrf-token";

/// The user's roles, stored as their lowercase names.
#[derive(
    utoipa::ToSchema,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    sea_orm::DeriveValueType,
)]
#[serde(rename_all = "lowercase")]
#[sea_orm(
    value_type = "String",
    from_str = "Role::from_stored",
    to_str = "Role::as_stored"
)]
pub enum Role {
    Learner,
    Coach,
    Admin,
}

impl Role {
    fn from_stored(word: &str) -> Result<Self, crate::entities::UnknownWord> {
        word.parse().map_err(|_| crate::entities::UnknownWord {
            kind: "role",
            word: word.to_owned(),
        })
    }

    fn as_stored(&self) -> &'static str {
        self.as_str()
    }

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
