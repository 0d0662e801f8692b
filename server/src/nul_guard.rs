//! Refuses NUL characters (U+0000) in what people send as text: the path,
//! the query string, JSON bodies, forms and text uploads. PostgreSQL cannot
//! store them in text columns (SQLite can, which made the two databases
//! differ), so they are refused up front with a 422, for every route at once.

use actix_web::{
    body::MessageBody,
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    web,
};
use futures_util::StreamExt;

use crate::{error::AppError, routes::page::PageError, startup::AppState};

const MESSAGE: &str = "text may not contain NUL characters (U+0000)";

/// How a body carries text, and so how a NUL in it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TextBody {
    /// `\u0000` inside a string (a raw NUL byte is not JSON).
    Json,
    /// `%00`, or a raw NUL byte from a careless client.
    Form,
    /// A raw NUL byte (bank files sent as the body).
    Plain,
}

fn text_body(req: &ServiceRequest) -> Option<TextBody> {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)?
        .to_str()
        .ok()?
        .split(';')
        .next()?
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/json" => Some(TextBody::Json),
        m if m.starts_with("application/") && m.ends_with("+json") => Some(TextBody::Json),
        "application/x-www-form-urlencoded" => Some(TextBody::Form),
        "application/toml" | "application/yaml" | "application/x-yaml" => Some(TextBody::Plain),
        m if m.starts_with("text/") => Some(TextBody::Plain),
        _ => None,
    }
}

/// Whether percent-encoded text (a path, a query string, a form) holds a NUL.
fn percent_nul(text: &[u8]) -> bool {
    text.contains(&0) || text.windows(3).any(|w| w == b"%00")
}

/// Whether a JSON document holds the escape `\u0000`: a backslash that is
/// not itself escaped (an odd run of backslashes) followed by `u0000`.
fn json_nul(body: &[u8]) -> bool {
    let mut backslashes = 0usize;
    for (i, &b) in body.iter().enumerate() {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        if backslashes % 2 == 1 && b == b'u' && body.get(i + 1..i + 5) == Some(b"0000") {
            return true;
        }
        backslashes = 0;
    }
    body.contains(&0)
}

fn contains_nul(kind: TextBody, body: &[u8]) -> bool {
    match kind {
        TextBody::Json => json_nul(body),
        TextBody::Form => percent_nul(body),
        TextBody::Plain => body.contains(&0),
    }
}

/// The error in the shape of the route: JSON for the API, a page otherwise.
fn refusal(req: &ServiceRequest, error: AppError) -> actix_web::Error {
    if req.path().starts_with("/api/") {
        error.into()
    } else {
        PageError(error).into()
    }
}

pub async fn reject_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let uri = req.uri();
    if percent_nul(uri.path().as_bytes()) || uri.query().is_some_and(|q| percent_nul(q.as_bytes()))
    {
        return Err(refusal(&req, AppError::invalid("query", MESSAGE)));
    }
    if let Some(kind) = text_body(&req) {
        // No body a route takes is larger than this; beyond it the request
        // is refused here, as the route would refuse it.
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(0, |state| state.config.max_bank_bytes)
            .max(crate::startup::MAX_BODY_BYTES);
        let mut payload = std::mem::replace(req.parts_mut().1, Payload::None);
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > limit {
                return Err(refusal(
                    &req,
                    AppError::TooLarge(format!(
                        "The request body is larger than the limit of {}",
                        starling_domain::words::human_size(
                            limit as u64,
                            starling_domain::words::Rounding::Down
                        )
                    )),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        if contains_nul(kind, &body) {
            return Err(refusal(&req, AppError::invalid("body", MESSAGE)));
        }
        req.set_payload(Payload::from(body.freeze()));
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_are_told_from_escaped_backslashes() {
        assert!(json_nul(br#"{"a": "x\u0000y"}"#));
        assert!(json_nul(br#"{"a": "\\\u0000"}"#));
        // `\\u0000` is a backslash followed by the text "u0000".
        assert!(!json_nul(br#"{"a": "\\u0000"}"#));
        assert!(!json_nul(br#"{"a": "\u00e9 and 0000"}"#));
        assert!(json_nul(b"{\"a\": \"raw\0\"}"));
    }

    #[test]
    fn percent_encoded_nul_is_found_and_percent_signs_are_not() {
        assert!(percent_nul(b"username=ann%00"));
        assert!(!percent_nul(b"note=100%2500"));
        assert!(!percent_nul(b"competency=feedback"));
    }
}
