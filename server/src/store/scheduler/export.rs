//! The review log as CSV, in the columns FSRS tools read.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    entities::{card, review_log},
    error::AppError,
};

/// The user's review log as CSV with the columns FSRS tools read:
/// `card_id,review_time,review_rating,review_state,review_duration,elapsed_days`
/// (time in milliseconds since the epoch; state 0 new, 1 learning, 2 review,
/// 3 relearning; duration in milliseconds from the graded attempt, 0 without one).
pub async fn review_log_csv(db: &DatabaseConnection, user_id: i32) -> Result<String, AppError> {
    let logs = review_log::Entity::find()
        .filter(review_log::Column::UserId.eq(user_id))
        .filter(review_log::Column::UndoneAt.is_null())
        .order_by_asc(review_log::Column::CardId)
        .order_by_asc(review_log::Column::ReviewedAt)
        .all(db)
        .await?;
    let answer_ids: Vec<i32> = logs.iter().filter_map(|l| l.answer_id).collect();
    let durations: HashMap<i32, i32> = crate::entities::answer::Entity::find()
        .select_only()
        .column(crate::entities::answer::Column::Id)
        .column(crate::entities::answer::Column::SecondsSpent)
        .filter(crate::entities::answer::Column::Id.is_in(answer_ids))
        .into_tuple::<(i32, i32)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |err: csv::Error| AppError::Internal(err.into());
    writer
        .write_record([
            "card_id",
            "review_time",
            "review_rating",
            "review_state",
            "review_duration",
            "elapsed_days",
        ])
        .map_err(fail)?;
    for log in logs {
        let state = match log.state_before {
            card::State::New => 0,
            card::State::Learning => 1,
            card::State::Review => 2,
            card::State::Relearning => 3,
        };
        let duration = log
            .answer_id
            .and_then(|id| durations.get(&id))
            .map_or(0, |s| i64::from(*s) * 1000);
        writer
            .write_record([
                log.card_id.to_string(),
                log.reviewed_at.timestamp_millis().to_string(),
                log.rating.to_string(),
                state.to_string(),
                duration.to_string(),
                log.elapsed_days.to_string(),
            ])
            .map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|err| AppError::Internal(anyhow::anyhow!("{err}")))?;
    String::from_utf8(bytes).map_err(|err| AppError::Internal(err.into()))
}
