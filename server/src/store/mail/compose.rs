//! Composing the day's emails: at the user's hour, in their time zone, a
//! learner's reminder (only on a day with something due, or every day of the
//! final week before an interview) and a coach's digest (daily, or on
//! Mondays; only when there is something to tell). Each goes into the outbox
//! under the user's local date, so it is composed once a day however many
//! instances look, and a day with nothing to say is recorded as skipped.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc, Weekday};
use minijinja::context;
use sea_orm::{
    sea_query::{Expr, ExprTrait, Query},
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;

use super::{
    outbox::{self, NewMessage},
    unsubscribe_token, Letters, Subscription,
};
use crate::{
    entities::{
        answer, coach_link,
        mail_outbox::{self, Kind},
        mail_setting::{self, Digest},
        review_log, user,
    },
    error::AppError,
    store::{
        coaching,
        practice::{self, clock_for, interview_date_of},
        stats::current_streak_of,
    },
};

/// Days before an interview when the reminder comes every day.
pub const FINAL_WEEK_DAYS: i64 = 7;

/// An account with a verified address that wants something sent.
#[derive(Debug, FromQueryResult)]
struct Subscriber {
    user_id: i32,
    email: String,
    time_zone: String,
    send_hour: i32,
    reminders: bool,
    digest: Digest,
    digest_inactive_days: i32,
}

/// Composes every reminder and digest due at `now` that is not in the
/// outbox yet. Returns how many messages were added.
pub async fn compose_due(
    db: &impl ConnectionTrait,
    letters: Letters<'_>,
    now: DateTime<Utc>,
) -> Result<u32, AppError> {
    let select = Query::select()
        .expr_as(
            Expr::col((mail_setting::Entity, mail_setting::Column::UserId)),
            "user_id",
        )
        .expr_as(
            Expr::col((mail_setting::Entity, mail_setting::Column::Email)),
            "email",
        )
        .expr_as(
            Expr::col((user::Entity, user::Column::TimeZone)),
            "time_zone",
        )
        .column((mail_setting::Entity, mail_setting::Column::SendHour))
        .column((mail_setting::Entity, mail_setting::Column::Reminders))
        .column((mail_setting::Entity, mail_setting::Column::Digest))
        .column((
            mail_setting::Entity,
            mail_setting::Column::DigestInactiveDays,
        ))
        .from(mail_setting::Entity)
        .inner_join(
            user::Entity,
            Expr::col((user::Entity, user::Column::Id))
                .equals((mail_setting::Entity, mail_setting::Column::UserId)),
        )
        .and_where(Expr::col((mail_setting::Entity, mail_setting::Column::Email)).is_not_null())
        .cond_where(
            sea_orm::Condition::any()
                .add(Expr::col((mail_setting::Entity, mail_setting::Column::Reminders)).eq(true))
                .add(
                    Expr::col((mail_setting::Entity, mail_setting::Column::Digest))
                        .ne(Digest::Off.as_str()),
                ),
        )
        .to_owned();
    let subscribers = Subscriber::find_by_statement(db.get_database_backend().build(&select))
        .all(db)
        .await?;
    // Who is at or past their hour today, and the local date that is.
    let mut wanted: Vec<(Kind, &Subscriber, String)> = Vec::new();
    for s in &subscribers {
        let tz: chrono_tz::Tz = s.time_zone.parse().unwrap_or(chrono_tz::UTC);
        let local = now.with_timezone(&tz);
        if (local.hour() as i32) < s.send_hour {
            continue;
        }
        let date = local.date_naive();
        if s.reminders {
            wanted.push((Kind::Reminder, s, date.to_string()));
        }
        match s.digest {
            Digest::Daily => wanted.push((Kind::Digest, s, date.to_string())),
            Digest::Weekly if date.weekday() == Weekday::Mon => {
                wanted.push((Kind::Digest, s, date.to_string()))
            }
            _ => {}
        }
    }
    if wanted.is_empty() {
        return Ok(0);
    }
    let days: HashSet<&str> = wanted.iter().map(|(_, _, day)| day.as_str()).collect();
    let decided: HashSet<(i32, Kind, String)> = mail_outbox::Entity::find()
        .select_only()
        .column(mail_outbox::Column::UserId)
        .column(mail_outbox::Column::Kind)
        .column(mail_outbox::Column::Day)
        .filter(mail_outbox::Column::Kind.is_in([Kind::Reminder, Kind::Digest]))
        .filter(mail_outbox::Column::Day.is_in(days))
        .into_tuple::<(i32, Kind, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut added = 0;
    for (kind, subscriber, day) in wanted {
        if decided.contains(&(subscriber.user_id, kind, day.clone())) {
            continue;
        }
        let Some(user) = user::Entity::find_by_id(subscriber.user_id).one(db).await? else {
            continue;
        };
        let message = match kind {
            Kind::Reminder => reminder(db, letters, &user, subscriber, now).await?,
            _ => digest(db, letters, &user, subscriber, now).await?,
        };
        let inserted = match message {
            Some(mut message) => {
                message.day = day;
                outbox::enqueue(db, message, now).await?
            }
            None => {
                outbox::skip(db, user.id, kind, day, now).await?;
                false
            }
        };
        added += u32::from(inserted);
    }
    Ok(added)
}

fn unsubscribe_url(letters: Letters<'_>, user_id: i32, what: Subscription) -> String {
    format!(
        "{}/unsubscribe/{}",
        letters.site,
        unsubscribe_token(letters.secret, user_id, what)
    )
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The learner's figures for the day, as the reminder's first line and
/// subject show them: "5 questions due today · interview in 8 days · 6-day streak".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReminderFigures {
    pub due: u64,
    pub new: u64,
    /// Study days to the interview (0: today), when one is set and ahead.
    pub interview_in: Option<i64>,
    pub streak: u32,
}

impl ReminderFigures {
    pub fn summary(&self) -> String {
        let mut parts = vec![match self.due {
            0 => "Nothing due today".to_owned(),
            n => format!("{} due today", plural(n, "question", "questions")),
        }];
        match self.interview_in {
            Some(0) => parts.push("interview today".to_owned()),
            Some(1) => parts.push("interview tomorrow".to_owned()),
            Some(days) => parts.push(format!("interview in {days} days")),
            None => {}
        }
        if self.streak > 0 {
            parts.push(format!("{}-day streak", self.streak));
        }
        parts.join(" · ")
    }

    /// Whether the day calls for a reminder.
    pub fn worth_sending(&self) -> bool {
        self.due > 0 || self.interview_in.is_some_and(|d| d <= FINAL_WEEK_DAYS)
    }
}

pub async fn reminder_figures(
    db: &impl ConnectionTrait,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<ReminderFigures, sea_orm::DbErr> {
    let today = practice::today(db, user, now).await?;
    let study_day = clock_for(user).day_of(now);
    let interview_in = interview_date_of(user)
        .map(|date| (date - study_day).num_days())
        .filter(|days| *days >= 0);
    Ok(ReminderFigures {
        due: today.due(),
        new: today.new,
        interview_in,
        streak: current_streak_of(db, user, now).await?,
    })
}

async fn reminder(
    db: &impl ConnectionTrait,
    letters: Letters<'_>,
    user: &user::Model,
    subscriber: &Subscriber,
    now: DateTime<Utc>,
) -> Result<Option<NewMessage>, AppError> {
    let figures = reminder_figures(db, user, now).await?;
    if !figures.worth_sending() {
        return Ok(None);
    }
    let unsubscribe = unsubscribe_url(letters, user.id, Subscription::Reminder);
    let summary = figures.summary();
    let context = context! {
        username => user.username, summary => summary, figures => figures,
        practice_url => format!("{}/practice", letters.site),
        settings_url => format!("{}/settings#email", letters.site),
        unsubscribe_url => unsubscribe, site => letters.site,
    };
    Ok(Some(NewMessage {
        user_id: user.id,
        kind: Kind::Reminder,
        day: String::new(),
        to: subscriber.email.clone(),
        subject: format!("Starling: {summary}"),
        text: letters
            .templates
            .render("email/reminder.txt", context.clone())?,
        html: letters.templates.render("email/reminder.html", context)?,
        unsubscribe_url: Some(unsubscribe),
    }))
}

/// A learner in the digest.
#[derive(Debug, Clone, Serialize)]
struct DigestLearner {
    name: String,
    /// Whole days since they last practised; `None` if they never have.
    days_since: Option<i64>,
    interview: Option<NaiveDate>,
    interview_in: Option<i64>,
}

/// Answers listed in one digest; the rest are counted.
const DIGEST_MAX_LISTED: usize = 50;

async fn digest(
    db: &impl ConnectionTrait,
    letters: Letters<'_>,
    coach: &user::Model,
    subscriber: &Subscriber,
    now: DateTime<Utc>,
) -> Result<Option<NewMessage>, AppError> {
    let waiting = coaching::queue(db, coach.id).await?;
    let learner_ids: Vec<i32> = coach_link::Entity::find()
        .select_only()
        .column(coach_link::Column::LearnerId)
        .filter(coach_link::Column::CoachId.eq(coach.id))
        .filter(coach_link::Column::EndedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    let learners = user::Entity::find()
        .filter(user::Column::Id.is_in(learner_ids.clone()))
        .order_by_asc(user::Column::Username)
        .all(db)
        .await?;
    let last_practice = last_practice(db, &learner_ids).await?;
    let mut inactive = Vec::new();
    let mut interviews = Vec::new();
    for learner in &learners {
        let clock = clock_for(learner);
        let today = clock.day_of(now);
        let days_since = last_practice
            .get(&learner.id)
            .map(|at| (today - clock.day_of(*at)).num_days());
        let interview = interview_date_of(learner);
        let interview_in = interview
            .map(|date| (date - today).num_days())
            .filter(|days| (0..=FINAL_WEEK_DAYS).contains(days));
        let entry = DigestLearner {
            name: learner.username.clone(),
            days_since,
            interview,
            interview_in,
        };
        if interview_in.is_some() {
            interviews.push(entry.clone());
        }
        if days_since.is_none_or(|days| days >= i64::from(subscriber.digest_inactive_days)) {
            inactive.push(entry);
        }
    }
    if waiting.is_empty() && inactive.is_empty() && interviews.is_empty() {
        return Ok(None);
    }
    let weekly = subscriber.digest == Digest::Weekly;
    let unsubscribe = unsubscribe_url(letters, coach.id, Subscription::Digest);
    let waiting_items: Vec<_> = waiting
        .iter()
        .take(DIGEST_MAX_LISTED)
        .map(|item| {
            context! {
                learner => item.learner, prompt => item.prompt, attempt => item.attempt,
                url => format!("{}/coaching/review/{}", letters.site, item.answer_id),
            }
        })
        .collect();
    let mut subject = vec![plural(
        waiting.len() as u64,
        "answer to review",
        "answers to review",
    )];
    if !interviews.is_empty() {
        subject.push(plural(
            interviews.len() as u64,
            "interview this week",
            "interviews this week",
        ));
    }
    let context = context! {
        username => coach.username, time_zone => coach.time_zone, weekly => weekly, waiting => waiting_items,
        waiting_count => waiting.len(), more => waiting.len().saturating_sub(DIGEST_MAX_LISTED),
        inactive => inactive, interviews => interviews,
        inactive_days => subscriber.digest_inactive_days,
        queue_url => format!("{}/coaching/queue", letters.site),
        coaching_url => format!("{}/coaching", letters.site),
        settings_url => format!("{}/settings#email", letters.site),
        unsubscribe_url => unsubscribe, site => letters.site,
    };
    Ok(Some(NewMessage {
        user_id: coach.id,
        kind: Kind::Digest,
        day: String::new(),
        to: subscriber.email.clone(),
        subject: format!(
            "Starling {} digest: {}",
            if weekly { "weekly" } else { "daily" },
            subject.join(" · ")
        ),
        text: letters
            .templates
            .render("email/digest.txt", context.clone())?,
        html: letters.templates.render("email/digest.html", context)?,
        unsubscribe_url: Some(unsubscribe),
    }))
}

/// When each of `users` last practised: their latest grade or answer.
async fn last_practice(
    db: &impl ConnectionTrait,
    users: &[i32],
) -> Result<HashMap<i32, DateTime<Utc>>, sea_orm::DbErr> {
    let graded: Vec<(i32, Option<DateTime<Utc>>)> = review_log::Entity::find()
        .select_only()
        .column(review_log::Column::UserId)
        .column_as(review_log::Column::ReviewedAt.max(), "last")
        .filter(review_log::Column::UserId.is_in(users.to_vec()))
        .group_by(review_log::Column::UserId)
        .into_tuple()
        .all(db)
        .await?;
    let answered: Vec<(i32, Option<DateTime<Utc>>)> = answer::Entity::find()
        .select_only()
        .column(answer::Column::UserId)
        .column_as(answer::Column::CreatedAt.max(), "last")
        .filter(answer::Column::UserId.is_in(users.to_vec()))
        .group_by(answer::Column::UserId)
        .into_tuple()
        .all(db)
        .await?;
    let mut last: HashMap<i32, DateTime<Utc>> = HashMap::new();
    for (id, at) in graded.into_iter().chain(answered) {
        if let Some(at) = at {
            let entry = last.entry(id).or_insert(at);
            *entry = Ord::max(*entry, at);
        }
    }
    Ok(last)
}
