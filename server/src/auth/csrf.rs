//! CSRF tokens: bound to the session (or the visitor cookie before login), embedded in every
//! form and checked in constant time.

use actix_web::{HttpMessage, HttpRequest};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{AuthVia, CurrentUser, VisitorId, CSRF_HEADER, SESSION_COOKIE, VISITOR_COOKIE};
use crate::error::AppError;

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
