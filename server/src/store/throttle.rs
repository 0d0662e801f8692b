//! Login throttling: too many failed logins for one account, or from one
//! address, within a window are refused with 429 and `Retry-After` until the
//! oldest failure leaves the window. Failures live in the database, so every
//! instance behind a load balancer agrees.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::{entities::login_failure, error::ApiError};

/// The window failures are counted in.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures allowed per account, and per address, within the window.
pub const PER_ACCOUNT: u64 = 5;
pub const PER_ADDRESS: u64 = 20;

/// The keys one login attempt is counted under.
pub struct Attempt {
    account: String,
    address: Option<String>,
}

impl Attempt {
    pub fn new(username: &str, address: Option<&str>) -> Attempt {
        Attempt {
            account: format!("user:{}", username.trim().to_lowercase()),
            address: address.map(|a| format!("addr:{a}")),
        }
    }

    fn keys(&self) -> impl Iterator<Item = (&str, u64)> {
        std::iter::once((self.account.as_str(), PER_ACCOUNT))
            .chain(self.address.as_deref().map(|a| (a, PER_ADDRESS)))
    }
}

/// Refuses the attempt when the account or the address has failed too often.
pub async fn check(
    db: &impl ConnectionTrait,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let since = now - Duration::minutes(WINDOW_MINUTES);
    for (key, limit) in attempt.keys() {
        let recent = login_failure::Entity::find()
            .filter(login_failure::Column::Key.eq(key))
            .filter(login_failure::Column::FailedAt.gt(since));
        if recent.clone().count(db).await? >= limit {
            // Free again when enough failures have left the window.
            let oldest_counted = recent
                .order_by_desc(login_failure::Column::FailedAt)
                .offset(limit - 1)
                .one(db)
                .await?
                .map_or(now, |f| f.failed_at);
            let wait = (oldest_counted + Duration::minutes(WINDOW_MINUTES) - now)
                .num_seconds()
                .max(1);
            return Err(ApiError::TooManyRequests {
                message: format!(
                    "too many failed logins{}; try again in {} minute{}",
                    if key.starts_with("user:") {
                        " for this account"
                    } else {
                        " from your address"
                    },
                    (wait + 59) / 60,
                    if (wait + 59) / 60 == 1 { "" } else { "s" }
                ),
                retry_after: wait as u64,
            });
        }
    }
    Ok(())
}

/// Counts a failed attempt, and forgets failures older than a day.
pub async fn failed(
    db: &impl ConnectionTrait,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    login_failure::Entity::insert_many(attempt.keys().map(|(key, _)| login_failure::ActiveModel {
        key: Set(key.to_owned()),
        failed_at: Set(now),
        ..Default::default()
    }))
    .exec(db)
    .await?;
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::FailedAt.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(())
}

/// A successful login clears the account's failures (not the address's).
pub async fn succeeded(db: &impl ConnectionTrait, attempt: &Attempt) -> Result<(), ApiError> {
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Key.eq(attempt.account.as_str()))
        .exec(db)
        .await?;
    Ok(())
}
