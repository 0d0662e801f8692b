//! Spoken rehearsals: `PUT`/`GET`/`DELETE /drafts/{question_id}/recording`
//! (recorded on the question page, before the attempt is sent) and
//! `PUT`/`GET`/`DELETE /answers/{id}/recording`. Uploads are the raw audio
//! with its `Content-Type` and `?duration_ms=`; playback serves it back.

use actix_web::{delete, get, http::header, put, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    auth::CurrentUser,
    entities::recording,
    error::AppError,
    routes::api::{banks::read_limited, openapi::ErrorBody},
    startup::AppState,
    store::recordings::{self, Owner, RecordingInfo, Upload},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(put_draft)
        .service(get_draft)
        .service(delete_draft)
        .service(put_answer)
        .service(get_answer)
        .service(delete_answer);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct UploadQuery {
    /// The recording's length in milliseconds, as the recorder measured it.
    duration_ms: Option<i64>,
}

async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    owner: Owner,
    query: UploadQuery,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // The type is checked before the body is read, so a wrong type is 415
    // whatever its size.
    if starling_domain::audio::AudioFormat::from_content_type(&content_type).is_none() {
        return Err(AppError::UnsupportedMediaType(format!(
            "a recording must be {}, not `{content_type}`",
            starling_domain::audio::ACCEPTED
        )));
    }
    let audio = read_limited(&req, payload, state.config.max_recording_bytes, "recording").await?;
    let saved = recordings::save(
        &state.db,
        &state.config,
        current.id(),
        owner,
        Upload {
            content_type: &content_type,
            duration_ms: query.duration_ms,
            audio: audio.to_vec(),
        },
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(saved))
}

/// The audio, for an `<audio>` element: private, never cached by proxies.
fn audio_response(row: recording::Model) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, row.mime))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("x-duration-ms", row.duration_ms.to_string()))
        .body(row.audio)
}

/// Records a spoken rehearsal for the answer being written; it moves onto the attempt when that is sent.
#[utoipa::path(
    tag = "recordings",
    params(("question_id" = i32, Path, description = "The question's id"), UploadQuery),
    request_body(description = "The raw audio", content(
        (Vec<u8> = "audio/webm"), (Vec<u8> = "audio/ogg"), (Vec<u8> = "audio/mp4"),
        (Vec<u8> = "audio/mpeg"), (Vec<u8> = "audio/wav"),
    )),
    responses(
        (status = 201, description = "Saved (replacing any earlier recording)", body = RecordingInfo),
        (status = 413, description = "Longer or larger than the server's limits (`too_large`)", body = ErrorBody),
        (status = 415, description = "Not an accepted audio type (`unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "Empty, without `duration_ms`, or the bytes are not the type named (`invalid`)", body = ErrorBody),
    ),
)]
#[put("/drafts/{question_id}/recording")]
async fn put_draft(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    question_id: web::Path<i32>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let owner = Owner::Draft {
        question_id: *question_id,
    };
    upload(req, state, current, owner, query.into_inner(), payload).await
}

/// Plays the recording of the answer being written.
#[utoipa::path(
    tag = "recordings",
    params(("question_id" = i32, Path, description = "The question's id")),
    responses((status = 200, description = "The audio, in the type it was uploaded as", headers(("x-duration-ms" = i64, description = "The recording's length")), content(
        (Vec<u8> = "audio/webm"), (Vec<u8> = "audio/ogg"), (Vec<u8> = "audio/mp4"),
        (Vec<u8> = "audio/mpeg"), (Vec<u8> = "audio/wav"),
    ))),
)]
#[get("/drafts/{question_id}/recording")]
async fn get_draft(
    state: web::Data<AppState>,
    current: CurrentUser,
    question_id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let row = recordings::draft_audio(&state.db, current.id(), *question_id).await?;
    Ok(audio_response(row))
}

/// Deletes the recording of the answer being written.
#[utoipa::path(
    tag = "recordings",
    params(("question_id" = i32, Path, description = "The question's id")),
    responses((status = 204, description = "Deleted")),
)]
#[delete("/drafts/{question_id}/recording")]
async fn delete_draft(
    state: web::Data<AppState>,
    current: CurrentUser,
    question_id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let owner = Owner::Draft {
        question_id: *question_id,
    };
    recordings::delete(&state.db, current.id(), owner).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds or replaces the spoken rehearsal of a sent attempt.
#[utoipa::path(
    tag = "recordings",
    params(("id" = i32, Path, description = "The attempt's id"), UploadQuery),
    request_body(description = "The raw audio", content(
        (Vec<u8> = "audio/webm"), (Vec<u8> = "audio/ogg"), (Vec<u8> = "audio/mp4"),
        (Vec<u8> = "audio/mpeg"), (Vec<u8> = "audio/wav"),
    )),
    responses(
        (status = 201, description = "Saved (replacing any earlier recording)", body = RecordingInfo),
        (status = 413, description = "Longer or larger than the server's limits (`too_large`)", body = ErrorBody),
        (status = 415, description = "Not an accepted audio type (`unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "Empty, without `duration_ms`, or the bytes are not the type named (`invalid`)", body = ErrorBody),
    ),
)]
#[put("/answers/{id}/recording")]
async fn put_answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let owner = Owner::Answer { answer_id: *id };
    upload(req, state, current, owner, query.into_inner(), payload).await
}

/// Plays an attempt's recording (its author, or a coach it is shared with).
#[utoipa::path(
    tag = "recordings",
    params(("id" = i32, Path, description = "The attempt's id")),
    responses((status = 200, description = "The audio, in the type it was uploaded as", headers(("x-duration-ms" = i64, description = "The recording's length")), content(
        (Vec<u8> = "audio/webm"), (Vec<u8> = "audio/ogg"), (Vec<u8> = "audio/mp4"),
        (Vec<u8> = "audio/mpeg"), (Vec<u8> = "audio/wav"),
    ))),
)]
#[get("/answers/{id}/recording")]
async fn get_answer(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let row = recordings::answer_audio(&state.db, current.id(), *id).await?;
    Ok(audio_response(row))
}

/// Deletes an attempt's recording (its author only).
#[utoipa::path(
    tag = "recordings",
    params(("id" = i32, Path, description = "The attempt's id")),
    responses((status = 204, description = "Deleted")),
)]
#[delete("/answers/{id}/recording")]
async fn delete_answer(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let owner = Owner::Answer { answer_id: *id };
    recordings::delete(&state.db, current.id(), owner).await?;
    Ok(HttpResponse::NoContent().finish())
}
