//! Static assets (CSS, JavaScript) embedded in the binary.

use actix_web::{get, http::header, web, HttpResponse};

use crate::{error::AppError, templates::static_asset};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(asset);
}

#[get("/static/{path:.*}")]
async fn asset(path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (body, content_type) = static_asset(&path).ok_or(AppError::NotFound("file"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body))
}
