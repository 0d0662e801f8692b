//! A learner's private calendar feed (iCalendar): the interview day and the
//! days with reviews due, behind a secret link that only its owner knows.
//! Only the hash of the link's token is stored; replacing the link revokes the
//! old one.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike, Property};
use sea_orm::{
    sea_query::OnConflict, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait,
    QueryFilter, QuerySelect,
};

use crate::{
    auth::{new_token, token_hash},
    entities::{calendar_feed, user},
    store::{
        practice::{clock_for, interview_date_of},
        stats::due_forecast,
    },
};

/// How often calendar apps are asked to fetch the feed again.
const REFRESH_HOURS: i64 = 6;

/// A new secret link for the user's feed, replacing (and so revoking) any
/// earlier one. Returns the token, which is shown once.
pub async fn create_feed(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<String, sea_orm::DbErr> {
    let token = new_token();
    calendar_feed::Entity::insert(calendar_feed::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token_hash(&token)),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(calendar_feed::Column::UserId)
            .update_columns([
                calendar_feed::Column::TokenHash,
                calendar_feed::Column::CreatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(token)
}

/// When the user's current link was made, if they have one.
pub async fn feed_created_at(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    calendar_feed::Entity::find_by_id(user_id)
        .select_only()
        .column(calendar_feed::Column::CreatedAt)
        .into_tuple()
        .one(db)
        .await
}

/// Revokes the user's link; the feed's address then answers 404. Returns
/// whether there was one.
pub async fn revoke_feed(db: &impl ConnectionTrait, user_id: i32) -> Result<bool, sea_orm::DbErr> {
    let deleted = calendar_feed::Entity::delete_by_id(user_id)
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}

/// A live feed: its owner and the hash of its token.
pub struct Feed {
    pub user: user::Model,
    token_hash: String,
}

/// The feed with this token, if the token is a live one.
pub async fn find_feed(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<Feed>, sea_orm::DbErr> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let hash = token_hash(&token.to_ascii_lowercase());
    let user = user::Entity::find()
        .filter(
            user::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(calendar_feed::Column::UserId)
                    .from(calendar_feed::Entity)
                    .and_where(calendar_feed::Column::TokenHash.eq(hash.as_str()))
                    .to_owned(),
            ),
        )
        .one(db)
        .await?;
    Ok(user.map(|user| Feed {
        user,
        token_hash: hash,
    }))
}

/// The feed's text: an all-day event (DTEND is the next day, exclusive) on
/// the interview day (when one is set and not past) and one on each study
/// day of the forecast with reviews due, today's counting the overdue ones.
/// `site` is the server's public address, for the links in the events.
pub async fn feed_text(
    db: &impl ConnectionTrait,
    feed: &Feed,
    now: DateTime<Utc>,
    site: &str,
) -> Result<String, sea_orm::DbErr> {
    let user = &feed.user;
    let clock = clock_for(user);
    let today = clock.day_of(now);
    // Names events across fetches (an event keeps its UID when its count
    // changes, so calendars update it) without naming the account: part of
    // the token's hash, which only the link's holders can connect to it.
    let feed_id = &feed.token_hash[..16];
    let practice_url = format!("{site}/practice");
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new(
            "PRODID",
            "-//Starling//Practice calendar//EN",
        ))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .name("Starling practice")
        .description("Days with interview questions due for practice, and the interview day.")
        .ttl(&chrono::Duration::hours(REFRESH_HOURS));
    if let Some(day) = interview_date_of(user).filter(|day| *day >= today) {
        calendar.push(
            icalendar::Event::new()
                .starts(day)
                .ends(day.succ_opt().unwrap_or(day))
                .summary("Interview")
                .description(&format!(
                    "The interview you are preparing for with Starling. Settings: {site}/settings"
                ))
                .uid(&format!("interview-{feed_id}@starling"))
                .timestamp(now)
                .done(),
        );
    }
    for day in due_forecast(db, user, now).await? {
        if day.due == 0 {
            continue;
        }
        let questions = if day.due == 1 {
            "question"
        } else {
            "questions"
        };
        calendar.push(
            icalendar::Event::new()
                .starts(day.date)
                .ends(day.date.succ_opt().unwrap_or(day.date))
                .summary(&format!("Practice: {} {questions} due", day.due))
                .description(&format!(
                    "{} interview {questions} due for review in Starling. Start practice: {practice_url}",
                    day.due
                ))
                .url(&practice_url)
                .uid(&format!("practice-{}-{feed_id}@starling", day.date))
                .timestamp(now)
                .done(),
        );
    }
    Ok(calendar.done().to_string())
}
