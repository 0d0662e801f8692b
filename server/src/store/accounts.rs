//! Users, browser sessions, API tokens and server settings.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::{OnConflict, Query, SubQueryStatement},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, QueryTrait, Set,
};

use crate::{
    auth::{new_token, token_hash, Role, Username},
    entities::{api_token, session, setting, user},
    error::AppError,
};

/// Creates an account in `time_zone` (the browser's, detected at
/// registration; UTC where it is not known).
pub async fn create_user(
    db: &impl ConnectionTrait,
    username: &Username,
    password_hash: String,
    role: Role,
    time_zone: chrono_tz::Tz,
) -> Result<user::Model, AppError> {
    if find_by_username(db, username.as_str()).await?.is_some() {
        return Err(taken(username));
    }
    let created = user::ActiveModel {
        username: Set(username.as_str().to_owned()),
        password_hash: Set(password_hash),
        role: Set(role),
        time_zone: Set(time_zone.name().to_owned()),
        new_per_day: Set(5),
        reviews_per_day: Set(100),
        desired_retention: Set(0.9),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await;
    // Two registrations racing past the check above meet the unique index.
    match created {
        Ok(model) => Ok(model),
        Err(err) if is_unique_violation(&err) => Err(taken(username)),
        Err(err) => Err(err.into()),
    }
}

fn taken(username: &Username) -> AppError {
    AppError::Conflict(format!("the username {} is taken", username.as_str()))
}

pub fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

pub async fn find_by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<user::Model>, sea_orm::DbErr> {
    user::Entity::find()
        .filter(user::Column::Username.eq(username.trim().to_lowercase()))
        .one(db)
        .await
}

pub async fn create_session(
    db: &impl ConnectionTrait,
    user_id: i32,
    days: i64,
) -> Result<String, sea_orm::DbErr> {
    let token = new_token();
    let now = Utc::now();
    session::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(days)),
    }
    .insert(db)
    .await?;
    Ok(token)
}

pub async fn delete_session(db: &impl ConnectionTrait, hash: &str) -> Result<(), sea_orm::DbErr> {
    session::Entity::delete_by_id(hash.to_owned())
        .exec(db)
        .await?;
    Ok(())
}

/// The user of a live session, in one round trip (every page asks). An
/// expired session presented is deleted.
pub async fn user_for_session(
    db: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<user::Model>, sea_orm::DbErr> {
    let now = Utc::now();
    let live = Query::select()
        .column(session::Column::UserId)
        .from(session::Entity)
        .and_where(session::Column::TokenHash.eq(hash))
        .and_where(session::Column::ExpiresAt.gte(now))
        .to_owned();
    let found = user::Entity::find()
        .filter(user::Column::Id.in_subquery(live))
        .one(db)
        .await?;
    if found.is_none()
        && session::Entity::find_by_id(hash.to_owned())
            .one(db)
            .await?
            .is_some_and(|expired| expired.expires_at < now)
    {
        delete_session(db, hash).await?;
    }
    Ok(found)
}

pub async fn create_api_token(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<String, sea_orm::DbErr> {
    let token = new_token();
    api_token::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user_id),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

pub async fn user_for_api_token(
    db: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<user::Model>, sea_orm::DbErr> {
    // The token's user and when the token was last used, in one round trip
    // (every API request asks).
    let token = |column: api_token::Column| {
        Query::select()
            .column(column)
            .from(api_token::Entity)
            .and_where(api_token::Column::TokenHash.eq(hash))
            .to_owned()
    };
    let query = user::Entity::find()
        .filter(user::Column::Id.in_subquery(token(api_token::Column::UserId)))
        .expr_as(
            SubQueryStatement::SelectStatement(token(api_token::Column::LastUsedAt)),
            "token_last_used_at",
        )
        .into_query();
    let Some(row) = db.query_one(&query).await? else {
        return Ok(None);
    };
    let user = user::Model::from_query_result(&row, "")?;
    let last_used_at: Option<DateTime<Utc>> = row.try_get("", "token_last_used_at")?;
    // Remember when it was last used, at most once a minute per token. On a
    // full disk that note is skipped rather than refusing the request: reads
    // need no room.
    let now = Utc::now();
    if last_used_at.is_none_or(|at| now - at > chrono::Duration::minutes(1)) {
        let noted = api_token::Entity::update_many()
            .col_expr(
                api_token::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(api_token::Column::TokenHash.eq(hash))
            .exec(db)
            .await;
        match noted {
            Err(err) if crate::db::fault(&err) == Some(crate::db::Fault::StorageFull) => {
                tracing::warn!(error = %err, "disk full: a token's last use is not noted");
            }
            other => {
                other?;
            }
        }
    }
    Ok(Some(user))
}

/// An API token as its owner sees it: never the token, only an id (the
/// start of its hash) and when it was made and last used.
#[derive(utoipa::ToSchema, Clone, Debug, serde::Serialize)]
pub struct TokenView {
    pub id: String,
    pub created_at: chrono::DateTime<Utc>,
    pub last_used_at: Option<chrono::DateTime<Utc>>,
}

/// Characters of a token's hash that name it.
pub const TOKEN_ID_CHARS: usize = 12;

pub async fn list_api_tokens(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<TokenView>, sea_orm::DbErr> {
    use sea_orm::QueryOrder;
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|t| TokenView {
            id: t.token_hash.chars().take(TOKEN_ID_CHARS).collect(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        })
        .collect())
}

/// Revokes one of the user's tokens by its id; anyone else's is "not found".
pub async fn revoke_api_token(
    db: &impl ConnectionTrait,
    user_id: i32,
    id: &str,
) -> Result<(), AppError> {
    if id.len() != TOKEN_ID_CHARS || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound("token"));
    }
    let deleted = api_token::Entity::delete_many()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::TokenHash.starts_with(id.to_ascii_lowercase()))
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::NotFound("token"));
    }
    Ok(())
}

/// Practice settings a learner may change.
#[derive(Clone, Debug)]
pub struct PracticeSettings {
    pub time_zone: chrono_tz::Tz,
    pub new_per_day: i32,
    pub reviews_per_day: i32,
    pub desired_retention: f64,
}

impl PracticeSettings {
    pub fn parse(
        time_zone: &str,
        new_per_day: i64,
        reviews_per_day: i64,
        desired_retention: f64,
    ) -> Result<Self, AppError> {
        let time_zone = time_zone.trim().parse::<chrono_tz::Tz>().map_err(|_| {
            AppError::invalid(
                "time_zone",
                format!("unknown time zone {time_zone:?}: use a name such as Europe/Berlin or America/New_York"),
            )
        })?;
        if !(0..=1000).contains(&new_per_day) {
            return Err(AppError::invalid(
                "new_per_day",
                "new cards per day must be between 0 and 1000",
            ));
        }
        if !(0..=10000).contains(&reviews_per_day) {
            return Err(AppError::invalid(
                "reviews_per_day",
                "reviews per day must be between 0 and 10000",
            ));
        }
        if !(0.7..=0.97).contains(&desired_retention) {
            return Err(AppError::invalid(
                "desired_retention",
                "desired retention must be between 0.70 and 0.97",
            ));
        }
        Ok(Self {
            time_zone,
            new_per_day: new_per_day as i32,
            reviews_per_day: reviews_per_day as i32,
            desired_retention,
        })
    }
}

pub async fn update_settings(
    db: &impl ConnectionTrait,
    current: user::Model,
    settings: &PracticeSettings,
) -> Result<user::Model, sea_orm::DbErr> {
    let mut active: user::ActiveModel = current.into();
    active.time_zone = Set(settings.time_zone.name().to_owned());
    active.new_per_day = Set(settings.new_per_day);
    active.reviews_per_day = Set(settings.reviews_per_day);
    active.desired_retention = Set(settings.desired_retention);
    active.update(db).await
}

/// The CSRF signing key: from the configuration, else generated once and kept
/// in the database so that every instance and every restart agree.
pub async fn signing_secret(
    db: &impl ConnectionTrait,
    configured: Option<&str>,
) -> Result<Vec<u8>, sea_orm::DbErr> {
    if let Some(secret) = configured {
        return Ok(secret.as_bytes().to_vec());
    }
    const KEY: &str = "secret";
    setting::Entity::insert(setting::ActiveModel {
        key: Set(KEY.to_owned()),
        value: Set(new_token()),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let stored = setting::Entity::find_by_id(KEY.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("settings.secret".to_owned()))?;
    Ok(stored.value.into_bytes())
}

/// Usernames by user id.
pub async fn usernames(
    db: &impl ConnectionTrait,
    ids: Vec<i32>,
) -> Result<std::collections::HashMap<i32, String>, sea_orm::DbErr> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect())
}

/// Checks a username and password, throttled per account and per address:
/// the user, `BadCredentials`, `TooManyRequests` with the wait, or `Busy`
/// when too many passwords are being checked. The attempt is counted before
/// the password is checked (so concurrent guesses cannot all pass the limit),
/// and unknown usernames are checked against a dummy hash (so they take as
/// long as known ones); the hash is checked off the async workers.
pub async fn log_in(
    state: &crate::startup::AppState,
    req: &actix_web::HttpRequest,
    username: &str,
    password: &str,
) -> Result<user::Model, AppError> {
    use crate::store::throttle;
    let now = chrono::Utc::now();
    let address = crate::auth::client_address(req, state.config.trust_forwarded_for);
    let attempt = throttle::Attempt::new(username, address.as_deref());
    // Busy before anything is counted or looked up.
    let turn = state.hashing.turn().await?;
    let pending = throttle::begin(&state.db, &attempt, now).await?;
    let checked = async {
        let found = find_by_username(&state.db, username).await?;
        let hash = found.as_ref().map(|user| user.password_hash.clone());
        let ok = state
            .hashing
            .verify(turn, password.to_owned(), hash)
            .await?;
        Ok::<_, AppError>(found.filter(|_| ok))
    }
    .await;
    match checked {
        Ok(Some(user)) => {
            throttle::succeeded(&state.db, &pending).await?;
            Ok(user)
        }
        Ok(None) => {
            throttle::failed(&state.db, now).await?;
            Err(AppError::BadCredentials)
        }
        // Not checked (busy, or the database failed): not a failure.
        Err(err) => {
            throttle::abandon(&state.db, &pending).await?;
            Err(err)
        }
    }
}
