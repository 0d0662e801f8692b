//! Login throttling: too many failed logins for one account, or from one
//! address, within a window are refused with 429 and `Retry-After` until the
//! oldest failure leaves the window. Failures live in the database, so every
//! instance behind a load balancer agrees. Each attempt is written as a
//! failure before its password is checked, and removed again when the
//! password was right (or was not checked), so concurrent guesses count.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::{entities::login_failure, error::AppError};

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

/// An attempt counted under its keys while its password is checked: the ids
/// of its rows (one per key, account first).
pub struct Pending {
    account: String,
    rows: Vec<i32>,
}

/// Counts the attempt, then refuses it when the account or the address has
/// more attempts in the window than allowed, counting the attempts still
/// being checked as failures. The rows are written first and counted after,
/// so of concurrent attempts (on any instance, on either database) each one
/// counts at least every attempt whose row was committed before its own:
/// never more than the limit get through to the password check. A refused
/// attempt's rows are removed again (it was not tried).
pub async fn begin(
    db: &impl ConnectionTrait,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<Pending, AppError> {
    let mut pending = Pending {
        account: attempt.account.clone(),
        rows: Vec::new(),
    };
    for (key, _) in attempt.keys() {
        let inserted = login_failure::Entity::insert(login_failure::ActiveModel {
            key: Set(key.to_owned()),
            failed_at: Set(now),
            ..Default::default()
        })
        .exec(db)
        .await;
        match inserted {
            Ok(row) => pending.rows.push(row.last_insert_id),
            Err(err) => {
                abandon(db, &pending).await?;
                return Err(err.into());
            }
        }
    }
    let since = now - Duration::minutes(WINDOW_MINUTES);
    for ((key, limit), own) in attempt.keys().zip(pending.rows.clone()) {
        let recent = login_failure::Entity::find()
            .filter(login_failure::Column::Key.eq(key))
            .filter(login_failure::Column::FailedAt.gt(since));
        let counted = recent.clone().count(db).await;
        let counted = match counted {
            Ok(n) => n,
            Err(err) => {
                abandon(db, &pending).await?;
                return Err(err.into());
            }
        };
        if counted > limit {
            // Free again when enough of the others have left the window.
            let oldest_counted = recent
                .filter(login_failure::Column::Id.ne(own))
                .order_by_desc(login_failure::Column::FailedAt)
                .offset(limit - 1)
                .one(db)
                .await
                .ok()
                .flatten()
                .map_or(now, |f| f.failed_at);
            abandon(db, &pending).await?;
            let wait = (oldest_counted + Duration::minutes(WINDOW_MINUTES) - now)
                .num_seconds()
                .max(1);
            return Err(AppError::TooManyRequests {
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
    Ok(pending)
}

/// The password was wrong: the attempt's rows stay as its failures. Forgets
/// failures older than a day.
pub async fn failed(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), AppError> {
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::FailedAt.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(())
}

/// The attempt was not tried after all (the server was busy, or failed):
/// its rows go.
pub async fn abandon(db: &impl ConnectionTrait, pending: &Pending) -> Result<(), AppError> {
    if !pending.rows.is_empty() {
        login_failure::Entity::delete_many()
            .filter(login_failure::Column::Id.is_in(pending.rows.clone()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// A successful login is no failure, and clears the account's earlier
/// failures (not the address's).
pub async fn succeeded(db: &impl ConnectionTrait, pending: &Pending) -> Result<(), AppError> {
    abandon(db, pending).await?;
    // Rows of the account written after this attempt's belong to attempts
    // still being checked; they stay counted.
    let mut earlier = login_failure::Entity::delete_many()
        .filter(login_failure::Column::Key.eq(pending.account.as_str()));
    if let Some(own) = pending.rows.first() {
        earlier = earlier.filter(login_failure::Column::Id.lt(*own));
    }
    earlier.exec(db).await?;
    Ok(())
}
