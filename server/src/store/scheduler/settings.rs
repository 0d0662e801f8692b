//! The scheduler settings a learner can change, checked and saved (a change of retention or
//! interview date reschedules their cards).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde::{Deserialize, Serialize};
use starling_domain::{
    level::{Level, UnknownLevel},
    schedule::{format_steps, parse_steps, DayClock},
};

use crate::{
    entities::user,
    error::AppError,
    store::practice::{self, level_of},
};

/// Every scheduler setting a learner can change (`GET`/`PUT /settings`).
#[derive(utoipa::ToSchema, Clone, Debug, Serialize, PartialEq)]
pub struct Settings {
    pub time_zone: String,
    pub rollover_hour: i32,
    pub new_per_day: i32,
    pub reviews_per_day: i32,
    pub desired_retention: f64,
    pub maximum_interval_days: i32,
    pub learning_steps: String,
    pub relearning_steps: String,
    pub interview_date: Option<String>,
    pub interview_min_reviews: i32,
    pub leech_threshold: i32,
    /// The learner's level, whose new questions come first; `null` for no
    /// preference.
    pub level: Option<Level>,
}

impl Settings {
    pub fn of(user: &user::Model) -> Settings {
        Settings {
            time_zone: user.time_zone.clone(),
            rollover_hour: user.rollover_hour,
            new_per_day: user.new_per_day,
            reviews_per_day: user.reviews_per_day,
            desired_retention: user.desired_retention,
            maximum_interval_days: user.maximum_interval_days,
            learning_steps: user.learning_steps.clone(),
            relearning_steps: user.relearning_steps.clone(),
            interview_date: user.interview_date.clone(),
            interview_min_reviews: user.interview_min_reviews,
            leech_threshold: user.leech_threshold,
            level: level_of(user),
        }
    }
}

/// A change of settings: absent fields stay as they are; `interview_date`
/// may be `null` (or "") to clear it, `level` `null` for no preference.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsChange {
    pub time_zone: Option<String>,
    pub rollover_hour: Option<i64>,
    pub new_per_day: Option<i64>,
    pub reviews_per_day: Option<i64>,
    pub desired_retention: Option<f64>,
    pub maximum_interval_days: Option<i64>,
    pub learning_steps: Option<String>,
    pub relearning_steps: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub interview_date: Option<Option<String>>,
    pub interview_min_reviews: Option<i64>,
    pub leech_threshold: Option<i64>,
    /// `first-time`, `experienced`, `manager-of-managers`, or `null` for no
    /// preference.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Level>)]
    pub level: Option<Option<String>>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

fn in_range(field: &'static str, value: i64, low: i64, high: i64) -> Result<i32, AppError> {
    if (low..=high).contains(&value) {
        Ok(value as i32)
    } else {
        Err(AppError::invalid(
            field,
            format!("{field} must be between {low} and {high}, got {value}"),
        ))
    }
}

/// How far ahead an interview date may be set: plans and schedules stay
/// small, and a typo such as 9999-12-31 is caught.
pub const MAX_INTERVIEW_DAYS_AHEAD: u64 = 731;

impl SettingsChange {
    /// The settings after this change, all checked. A new interview date
    /// must lie between today (in the new time zone and rollover) and
    /// [`MAX_INTERVIEW_DAYS_AHEAD`] days ahead; an unchanged one is kept as it is.
    pub fn apply(&self, current: &Settings, now: DateTime<Utc>) -> Result<Settings, AppError> {
        let mut next = current.clone();
        if let Some(tz) = &self.time_zone {
            let parsed = tz.trim().parse::<chrono_tz::Tz>().map_err(|_| {
                AppError::invalid(
                    "time_zone",
                    format!("unknown time zone {tz:?}: use a name such as Europe/Berlin or America/New_York"),
                )
            })?;
            next.time_zone = parsed.name().to_owned();
        }
        if let Some(v) = self.rollover_hour {
            next.rollover_hour = in_range("rollover_hour", v, 0, 23)?;
        }
        if let Some(v) = self.new_per_day {
            next.new_per_day = in_range("new_per_day", v, 0, 1000)?;
        }
        if let Some(v) = self.reviews_per_day {
            next.reviews_per_day = in_range("reviews_per_day", v, 0, 10_000)?;
        }
        if let Some(v) = self.desired_retention {
            if !(0.70..=0.97).contains(&v) {
                return Err(AppError::invalid(
                    "desired_retention",
                    format!("desired_retention must be between 0.70 and 0.97, got {v}"),
                ));
            }
            next.desired_retention = (v * 1000.0).round() / 1000.0;
        }
        if let Some(v) = self.maximum_interval_days {
            next.maximum_interval_days = in_range("maximum_interval_days", v, 1, 36_500)?;
        }
        for (field, value, target) in [
            (
                "learning_steps",
                &self.learning_steps,
                &mut next.learning_steps,
            ),
            (
                "relearning_steps",
                &self.relearning_steps,
                &mut next.relearning_steps,
            ),
        ] {
            if let Some(text) = value {
                let steps =
                    parse_steps(text).map_err(|err| AppError::invalid(field, err.to_string()))?;
                *target = format_steps(&steps);
            }
        }
        if let Some(date) = &self.interview_date {
            next.interview_date = match date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                None => None,
                Some(text) => {
                    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                        AppError::invalid(
                            "interview_date",
                            format!("interview_date {text:?} is not a date such as 2026-12-01"),
                        )
                    })?;
                    let day = day.format("%Y-%m-%d").to_string();
                    if current.interview_date.as_deref() != Some(day.as_str()) {
                        check_interview_date(&next, text, now)?;
                    }
                    Some(day)
                }
            };
        }
        if let Some(v) = self.interview_min_reviews {
            next.interview_min_reviews = in_range("interview_min_reviews", v, 1, 10)?;
        }
        if let Some(v) = self.leech_threshold {
            next.leech_threshold = in_range("leech_threshold", v, 1, 99)?;
        }
        if let Some(level) = &self.level {
            next.level = level
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|err: UnknownLevel| AppError::invalid("level", err.to_string()))?;
        }
        Ok(next)
    }
}

/// A newly chosen interview day: from today to two years ahead, in the
/// learner's (new) time zone and rollover.
fn check_interview_date(next: &Settings, text: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    let tz = next.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let today = DayClock::new(tz, next.rollover_hour.clamp(0, 23) as u32).day_of(now);
    let latest = today
        .checked_add_days(chrono::Days::new(MAX_INTERVIEW_DAYS_AHEAD))
        .unwrap_or(today);
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or(today);
    if day < today || day > latest {
        return Err(AppError::invalid(
            "interview_date",
            format!(
                "interview_date must be between today ({today}) and {latest} (two years ahead), got {text}"
            ),
        ));
    }
    Ok(())
}

/// Saves the settings; when what decides intervals changed (retention, the
/// maximum interval, the interview date, the day's rollover or time zone),
/// open review cards are rescheduled. Returns the user and how many moved.
pub async fn save_settings(
    db: &DatabaseConnection,
    current: user::Model,
    next: &Settings,
    now: DateTime<Utc>,
) -> Result<(user::Model, u64), AppError> {
    let before = Settings::of(&current);
    let mut active: user::ActiveModel = current.into();
    active.time_zone = Set(next.time_zone.clone());
    active.rollover_hour = Set(next.rollover_hour);
    active.new_per_day = Set(next.new_per_day);
    active.reviews_per_day = Set(next.reviews_per_day);
    active.desired_retention = Set(next.desired_retention);
    active.maximum_interval_days = Set(next.maximum_interval_days);
    active.learning_steps = Set(next.learning_steps.clone());
    active.relearning_steps = Set(next.relearning_steps.clone());
    active.interview_date = Set(next.interview_date.clone());
    active.interview_min_reviews = Set(next.interview_min_reviews);
    active.leech_threshold = Set(next.leech_threshold);
    active.level = Set(next.level.map(|level| level.as_str().to_owned()));
    let user = active.update(db).await?;
    let reschedule = before.desired_retention != next.desired_retention
        || before.maximum_interval_days != next.maximum_interval_days
        || before.interview_date != next.interview_date
        || before.rollover_hour != next.rollover_hour
        || before.time_zone != next.time_zone;
    let moved = if reschedule {
        practice::reschedule_all(db, &user, now).await?
    } else {
        0
    };
    Ok((user, moved))
}
