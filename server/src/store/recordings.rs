//! Spoken rehearsals. The question page uploads the recording to the
//! question's draft; sending the attempt moves it onto the answer. The
//! author may replace or delete it; a coach who may read the answer may
//! play it. Audio lives in the database, so every instance can serve it.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde::Serialize;
use starling_domain::audio::{AudioFormat, ACCEPTED};

use crate::{
    config::Config,
    entities::recording,
    error::AppError,
    store::{answers::own_answer, coaching, questions::ensure_visible_question},
};

/// A recording without its audio.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize, PartialEq)]
pub struct RecordingInfo {
    pub mime: String,
    pub bytes: i32,
    pub duration_ms: i32,
    pub created_at: DateTime<Utc>,
}

impl From<&recording::Model> for RecordingInfo {
    fn from(row: &recording::Model) -> Self {
        Self {
            mime: row.mime.clone(),
            bytes: row.bytes,
            duration_ms: row.duration_ms,
            created_at: row.created_at,
        }
    }
}

/// Where a recording belongs.
#[derive(Clone, Copy, Debug)]
pub enum Owner {
    /// The draft of a question, before the attempt is sent.
    Draft { question_id: i32 },
    /// A sent attempt.
    Answer { answer_id: i32 },
}

/// An upload as received, checked against the limits and the format.
pub struct Upload<'a> {
    pub content_type: &'a str,
    pub duration_ms: Option<i64>,
    pub audio: Vec<u8>,
}

impl Upload<'_> {
    fn check(&self, config: &Config) -> Result<AudioFormat, AppError> {
        let format = AudioFormat::from_content_type(self.content_type).ok_or_else(|| {
            AppError::UnsupportedMediaType(format!(
                "a recording must be {ACCEPTED}, not `{}`",
                self.content_type
            ))
        })?;
        if self.audio.len() > config.max_recording_bytes {
            return Err(too_large(config));
        }
        if self.audio.is_empty() {
            return Err(AppError::invalid("audio", "the recording is empty"));
        }
        if !format.matches(&self.audio) {
            return Err(AppError::invalid(
                "audio",
                format!("the upload is not a {} file", format.mime()),
            ));
        }
        let max_ms = config.max_recording_seconds as i64 * 1000;
        match self.duration_ms {
            None => Err(AppError::invalid(
                "duration_ms",
                "say how long the recording is: duration_ms",
            )),
            Some(ms) if ms <= 0 => Err(AppError::invalid(
                "duration_ms",
                "duration_ms must be more than 0",
            )),
            Some(ms) if ms > max_ms => Err(AppError::TooLarge(format!(
                "the recording is longer than the limit of {} seconds",
                config.max_recording_seconds
            ))),
            Some(_) => Ok(format),
        }
    }
}

/// The audio to keep and its length. A WebM file (what Chromium and
/// Firefox record) is measured from its own timestamps, which the
/// recorder's clock only approximates, and gets the length written into
/// its header so that players show it; other formats keep the length the
/// uploader gave.
fn measured(format: AudioFormat, audio: Vec<u8>, given_ms: i64) -> (Vec<u8>, i64) {
    if format != AudioFormat::Webm {
        return (audio, given_ms);
    }
    match starling_domain::audio::webm::measure(&audio) {
        Some(length) if length.duration_ms > 0 => {
            let ms = i64::try_from(length.duration_ms).unwrap_or(i64::MAX);
            (length.with_duration.unwrap_or(audio), ms)
        }
        _ => (audio, given_ms),
    }
}

pub fn too_large(config: &Config) -> AppError {
    AppError::TooLarge(format!(
        "the recording is larger than the limit of {} bytes",
        config.max_recording_bytes
    ))
}

/// The question a recording's owner refers to, checking the user may use it.
async fn question_of(
    db: &impl ConnectionTrait,
    user_id: i32,
    owner: Owner,
) -> Result<i32, AppError> {
    match owner {
        Owner::Draft { question_id } => {
            ensure_visible_question(db, user_id, question_id).await?;
            Ok(question_id)
        }
        Owner::Answer { answer_id } => Ok(own_answer(db, user_id, answer_id).await?.question_id),
    }
}

fn scoped(
    query: sea_orm::Select<recording::Entity>,
    user_id: i32,
    owner: Owner,
) -> sea_orm::Select<recording::Entity> {
    let query = query.filter(recording::Column::UserId.eq(user_id));
    match owner {
        Owner::Draft { question_id } => query
            .filter(recording::Column::QuestionId.eq(question_id))
            .filter(recording::Column::AnswerId.is_null()),
        Owner::Answer { answer_id } => query.filter(recording::Column::AnswerId.eq(answer_id)),
    }
}

/// Stores a recording for the user's draft or answer, replacing any earlier one.
pub async fn save(
    db: &DatabaseConnection,
    config: &Config,
    user_id: i32,
    owner: Owner,
    upload: Upload<'_>,
    now: DateTime<Utc>,
) -> Result<RecordingInfo, AppError> {
    let format = upload.check(config)?;
    let (audio, duration_ms) = measured(format, upload.audio, upload.duration_ms.unwrap_or(0));
    if duration_ms > config.max_recording_seconds as i64 * 1000 {
        return Err(AppError::TooLarge(format!(
            "the recording is longer than the limit of {} seconds",
            config.max_recording_seconds
        )));
    }
    let txn = crate::db::begin_write(db).await?;
    let question_id = question_of(&txn, user_id, owner).await?;
    remove(&txn, user_id, owner).await?;
    let bytes = audio.len() as i32;
    let saved = recording::ActiveModel {
        user_id: Set(user_id),
        question_id: Set(question_id),
        answer_id: Set(match owner {
            Owner::Draft { .. } => None,
            Owner::Answer { answer_id } => Some(answer_id),
        }),
        mime: Set(format.mime().to_owned()),
        audio: Set(audio),
        bytes: Set(bytes),
        duration_ms: Set(duration_ms as i32),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(RecordingInfo::from(&saved))
}

async fn remove(db: &impl ConnectionTrait, user_id: i32, owner: Owner) -> Result<u64, AppError> {
    let mut delete = recording::Entity::delete_many().filter(recording::Column::UserId.eq(user_id));
    delete = match owner {
        Owner::Draft { question_id } => delete
            .filter(recording::Column::QuestionId.eq(question_id))
            .filter(recording::Column::AnswerId.is_null()),
        Owner::Answer { answer_id } => delete.filter(recording::Column::AnswerId.eq(answer_id)),
    };
    Ok(delete.exec(db).await?.rows_affected)
}

/// Deletes the user's recording of a draft or answer; "not found" when
/// there is none.
pub async fn delete(db: &DatabaseConnection, user_id: i32, owner: Owner) -> Result<(), AppError> {
    question_of(db, user_id, owner).await?;
    if remove(db, user_id, owner).await? == 0 {
        return Err(AppError::NotFound("recording"));
    }
    Ok(())
}

/// Facts about the user's own recording of a draft or answer, if any.
pub async fn info(
    db: &impl ConnectionTrait,
    user_id: i32,
    owner: Owner,
) -> Result<Option<RecordingInfo>, AppError> {
    let row = scoped(recording::Entity::find(), user_id, owner)
        .select_only()
        .columns([
            recording::Column::Mime,
            recording::Column::Bytes,
            recording::Column::DurationMs,
            recording::Column::CreatedAt,
        ])
        .into_tuple::<(String, i32, i32, DateTime<Utc>)>()
        .one(db)
        .await?;
    Ok(
        row.map(|(mime, bytes, duration_ms, created_at)| RecordingInfo {
            mime,
            bytes,
            duration_ms,
            created_at,
        }),
    )
}

/// Facts about the recording of an answer the user may read (author or coach).
pub async fn answer_info(
    db: &impl ConnectionTrait,
    answer: &crate::entities::answer::Model,
) -> Result<Option<RecordingInfo>, AppError> {
    info(
        db,
        answer.user_id,
        Owner::Answer {
            answer_id: answer.id,
        },
    )
    .await
}

/// The audio of the user's draft recording.
pub async fn draft_audio(
    db: &DatabaseConnection,
    user_id: i32,
    question_id: i32,
) -> Result<recording::Model, AppError> {
    scoped(
        recording::Entity::find(),
        user_id,
        Owner::Draft { question_id },
    )
    .one(db)
    .await?
    .ok_or(AppError::NotFound("recording"))
}

/// The audio of an answer's recording, for its author or a coach who may
/// read the answer; everyone else gets "not found".
pub async fn answer_audio(
    db: &DatabaseConnection,
    reader_id: i32,
    answer_id: i32,
) -> Result<recording::Model, AppError> {
    let (answer, _) = coaching::readable_answer(db, reader_id, answer_id).await?;
    recording::Entity::find()
        .filter(recording::Column::AnswerId.eq(answer.id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("recording"))
}

/// Moves the draft's recording onto a newly sent answer.
pub async fn attach_draft(
    db: &impl ConnectionTrait,
    user_id: i32,
    question_id: i32,
    answer_id: i32,
) -> Result<(), sea_orm::DbErr> {
    recording::Entity::update_many()
        .col_expr(recording::Column::AnswerId, Expr::value(answer_id))
        .filter(recording::Column::UserId.eq(user_id))
        .filter(recording::Column::QuestionId.eq(question_id))
        .filter(recording::Column::AnswerId.is_null())
        .exec(db)
        .await?;
    Ok(())
}
