//! Settings: time zone and day rollover, daily limits, desired retention,
//! maximum interval, learning steps, the interview date, the learner's level;
//! the learner's own FSRS parameters (optimize, with the fit before and
//! after); API tokens; and the private calendar feed's link.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use minijinja::{context, Value};
use serde::Deserialize;

use crate::{
    entities::user,
    error::AppError,
    routes::page::{redirect, render, CsrfForm, PageError, PageUser},
    startup::AppState,
    store::{
        mail::AddressChange,
        scheduler::{self, Settings, SettingsChange},
    },
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(settings_page)
        .service(save)
        .service(optimize)
        .service(create_token)
        .service(revoke_token)
        .service(create_calendar)
        .service(revoke_calendar)
        .service(change_email)
        .service(save_mail_prefs);
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    user: &user::Model,
    form: Value,
    message: Option<String>,
    error: Option<AppError>,
) -> Result<HttpResponse, PageError> {
    page_showing(req, state, user, form, message, error, Shown::default()).await
}

/// A secret shown once, right after it was made.
#[derive(Default)]
struct Shown {
    api_token: Option<String>,
    calendar_url: Option<String>,
    /// What was wrong with the email form (shown in its section).
    mail_error: Option<AppError>,
}

async fn page_showing(
    req: &HttpRequest,
    state: &AppState,
    user: &user::Model,
    form: Value,
    message: Option<String>,
    error: Option<AppError>,
    shown: Shown,
) -> Result<HttpResponse, PageError> {
    let status = crate::routes::page::status_for(error.as_ref());
    let view = scheduler::view(&state.db, user).await?;
    let estimates = scheduler::load_estimates(&state.db, user, Utc::now()).await?;
    let maximum_interval_words =
        starling_domain::words::days_in_words(user.maximum_interval_days.max(1) as u32);
    let tokens = crate::store::accounts::list_api_tokens(&state.db, user.id).await?;
    let calendar_since = crate::store::calendar::feed_created_at(&state.db, user.id).await?;
    let mail = crate::store::mail::prefs_of(&state.db, user.id).await?;
    render(
        state,
        req,
        Some(user),
        "settings.html",
        status,
        context! {
            form => form, zone_groups => zone_groups(), message => message,
            estimates => estimates.iter().map(|e| context! {
                retention => format!("{:.2}", e.retention),
                per_day => e.per_day.round() as u32,
                current => e.current,
            }).collect::<Vec<_>>(),
            maximum_interval_words => maximum_interval_words,
            new_per_day => user.new_per_day,
            error => error.map(|e| e.to_string()),
            scheduler => Value::from_serialize(&view),
            tokens => Value::from_serialize(&tokens),
            new_token => shown.api_token,
            calendar_since => calendar_since,
            calendar_url => shown.calendar_url,
            mail_available => state.mailer.is_some(),
            mail => Value::from_serialize(&mail),
            mail_error => shown.mail_error.map(|e| e.to_string()),
            hours => (0..24).map(|h| context! { value => h, label => format!("{h:02}:00") }).collect::<Vec<_>>(),
            coach => user.role != crate::auth::Role::Learner,
        },
    )
    .await
}

/// Every time zone name, grouped by region (`Europe/Berlin` under Europe) for the
/// time zone list; names without a region (`UTC`, `EST5EDT`) come last, as Other.
fn zone_groups() -> Vec<Value> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut other = Vec::new();
    for name in chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()) {
        match name.split_once('/') {
            Some((region, _)) => match groups.iter_mut().find(|(r, _)| *r == region) {
                Some((_, names)) => names.push(name),
                None => groups.push((region, vec![name])),
            },
            None => other.push(name),
        }
    }
    groups.sort_by_key(|(region, _)| *region);
    groups.push(("Other", other));
    groups
        .into_iter()
        .map(|(region, names)| context! { region => region, names => names })
        .collect()
}

fn form_of(user: &user::Model) -> Value {
    let mut settings = Settings::of(user);
    settings.desired_retention = (settings.desired_retention * 100.0).round() / 100.0;
    Value::from_serialize(&settings)
}

#[get("/settings")]
async fn settings_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
) -> Result<HttpResponse, PageError> {
    let message = match req.query_string() {
        q if q.contains("optimizing=1") => Some(
            "Optimizing your parameters; this page shows the result when it is done.".to_owned(),
        ),
        q if q.contains("saved=1") => Some("Settings saved.".to_owned()),
        q if q.contains("calendar_revoked=1") => {
            Some("Calendar link revoked: calendars subscribed to it get nothing more.".to_owned())
        }
        q if q.contains("revoked=1") => Some("Token revoked.".to_owned()),
        q if q.contains("mail_saved=1") => Some("Email settings saved.".to_owned()),
        _ => address_change_message(&req, &state, &current.user).await?,
    };
    page(
        &req,
        &state,
        &current.user,
        form_of(&current.user),
        message,
        None,
    )
    .await
}

/// Every field as typed; numbers are checked by [`SettingsChange`].
#[derive(Deserialize, serde::Serialize)]
struct SettingsForm {
    time_zone: String,
    rollover_hour: String,
    new_per_day: String,
    reviews_per_day: String,
    desired_retention: String,
    maximum_interval_days: String,
    #[serde(default)]
    learning_steps: String,
    #[serde(default)]
    relearning_steps: String,
    #[serde(default)]
    interview_date: String,
    interview_min_reviews: String,
    leech_threshold: String,
    /// A level, or `none` for no preference; absent leaves the level as it is.
    #[serde(default)]
    level: Option<String>,
}

fn number<T: std::str::FromStr>(field: &'static str, raw: &str) -> Result<T, AppError> {
    raw.trim()
        .parse()
        .map_err(|_| AppError::invalid(field, format!("{field}: {raw:?} is not a number")))
}

/// A level choice from a page's form, where "No preference" is sent as
/// `none` (an empty value would read as no choice at all).
pub fn level_from_form(choice: &str) -> Option<String> {
    (choice != "none").then(|| choice.to_owned())
}

impl SettingsForm {
    fn change(&self) -> Result<SettingsChange, AppError> {
        Ok(SettingsChange {
            time_zone: Some(self.time_zone.clone()),
            rollover_hour: Some(number("rollover_hour", &self.rollover_hour)?),
            new_per_day: Some(number("new_per_day", &self.new_per_day)?),
            reviews_per_day: Some(number("reviews_per_day", &self.reviews_per_day)?),
            desired_retention: Some(number("desired_retention", &self.desired_retention)?),
            maximum_interval_days: Some(number(
                "maximum_interval_days",
                &self.maximum_interval_days,
            )?),
            learning_steps: Some(self.learning_steps.clone()),
            relearning_steps: Some(self.relearning_steps.clone()),
            interview_date: Some(Some(self.interview_date.clone())),
            interview_min_reviews: Some(number(
                "interview_min_reviews",
                &self.interview_min_reviews,
            )?),
            leech_threshold: Some(number("leech_threshold", &self.leech_threshold)?),
            level: self.level.as_deref().map(level_from_form),
        })
    }
}

#[post("/settings")]
async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<HttpResponse, PageError> {
    let next = form
        .change()
        .and_then(|change| change.apply(&Settings::of(&current.user), Utc::now()));
    match next {
        Ok(settings) => {
            let (updated, moved) =
                scheduler::save_settings(&state.db, current.0.user.clone(), &settings, Utc::now())
                    .await?;
            let message = if moved > 0 {
                format!(
                    "Settings saved; {moved} review{} rescheduled.",
                    if moved == 1 { "" } else { "s" }
                )
            } else {
                "Settings saved.".to_owned()
            };
            page(
                &req,
                &state,
                &updated,
                form_of(&updated),
                Some(message),
                None,
            )
            .await
        }
        Err(err) => {
            page(
                &req,
                &state,
                &current.user,
                Value::from_serialize(&form),
                None,
                Some(err),
            )
            .await
        }
    }
}

#[post("/settings/optimize")]
async fn optimize(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    _: CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, PageError> {
    match scheduler::request_optimization(&state.db, &current.user, Utc::now()).await {
        Ok((_, created)) => {
            if created {
                state.optimizer.notify_one();
            }
            Ok(redirect("/settings?optimizing=1#scheduler"))
        }
        Err(err @ AppError::Invalid { .. }) => {
            page(
                &req,
                &state,
                &current.user,
                form_of(&current.user),
                None,
                Some(err),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[post("/settings/tokens")]
async fn create_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    _: CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, PageError> {
    let token = crate::store::accounts::create_api_token(&state.db, current.id()).await?;
    page_showing(
        &req,
        &state,
        &current.user,
        form_of(&current.user),
        Some("New API token created: copy it now, it is not shown again.".to_owned()),
        None,
        Shown {
            api_token: Some(token),
            ..Shown::default()
        },
    )
    .await
}

#[post("/settings/tokens/{id}/revoke")]
async fn revoke_token(
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<String>,
    _: CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, PageError> {
    crate::store::accounts::revoke_api_token(&state.db, current.id(), &id).await?;
    Ok(redirect("/settings?revoked=1#tokens"))
}

/// Makes the learner's calendar link, or a new one in place of the old.
#[post("/settings/calendar")]
async fn create_calendar(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    _: CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, PageError> {
    let token = crate::store::calendar::create_feed(&state.db, current.id()).await?;
    let url = format!(
        "{}/calendar/{token}.ics",
        crate::routes::calendar::site_url(&state, &req)
    );
    page_showing(
        &req,
        &state,
        &current.user,
        form_of(&current.user),
        Some("New calendar link made: copy it now, it is not shown again. Any earlier link no longer works.".to_owned()),
        None,
        Shown {
            calendar_url: Some(url),
            ..Shown::default()
        },
    )
    .await
}

#[post("/settings/calendar/revoke")]
async fn revoke_calendar(
    state: web::Data<AppState>,
    current: PageUser,
    _: CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, PageError> {
    crate::store::calendar::revoke_feed(&state.db, current.id()).await?;
    Ok(redirect("/settings?calendar_revoked=1#calendar"))
}

/// Settings with what was wrong in the Email section, and the error's status.
async fn mail_error_page(
    req: &HttpRequest,
    state: &AppState,
    user: &user::Model,
    err: AppError,
) -> Result<HttpResponse, PageError> {
    let status = crate::routes::page::status_for(Some(&err));
    let shown = Shown {
        mail_error: Some(err),
        ..Shown::default()
    };
    let mut res = page_showing(req, state, user, form_of(user), None, None, shown).await?;
    *res.status_mut() = status;
    Ok(res)
}

/// What the address change a redirect names (`?address=verifying`) did, as
/// the account's email settings show it now.
async fn address_change_message(
    req: &HttpRequest,
    state: &AppState,
    user: &user::Model,
) -> Result<Option<String>, AppError> {
    #[derive(Deserialize)]
    struct Reported {
        address: Option<String>,
    }
    let Some(code) = web::Query::<Reported>::from_query(req.query_string())
        .ok()
        .and_then(|query| query.into_inner().address)
    else {
        return Ok(None);
    };
    let prefs = crate::store::mail::prefs_of(&state.db, user.id).await?;
    Ok(AddressChange::from_code(&code, &prefs).map(|change| change.message()))
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Sets or removes the account's email address; the password is checked
/// first (as a login, so wrong guesses count towards the same throttle). A
/// change sends the browser to the Settings page that reports it (303), so a
/// reload does not send the form, and another verification message, again.
#[post("/settings/email")]
async fn change_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> Result<HttpResponse, PageError> {
    let user = &current.user;
    match crate::routes::mail::change_address(&state, &req, user, &form.email, &form.password).await
    {
        Ok(change) => Ok(redirect(&format!(
            "/settings?address={}#email",
            change.code()
        ))),
        Err(err @ (AppError::Invalid { .. } | AppError::TooManyRequests { .. })) => {
            mail_error_page(&req, &state, user, err).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct MailPrefsForm {
    send_hour: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    reminders: Option<String>,
    #[serde(default)]
    digest: Option<String>,
    #[serde(default)]
    digest_inactive_days: Option<String>,
}

#[post("/settings/email/prefs")]
async fn save_mail_prefs(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    CsrfForm(form): CsrfForm<MailPrefsForm>,
) -> Result<HttpResponse, PageError> {
    let current_prefs = crate::store::mail::prefs_of(&state.db, current.id()).await?;
    let change = (|| {
        let digest = match form.digest.as_deref() {
            None => current_prefs.digest,
            Some(word) => word.parse().map_err(|_| {
                AppError::invalid(
                    "digest",
                    format!("the digest is off, daily or weekly, not {word:?}"),
                )
            })?,
        };
        Ok::<_, AppError>(crate::store::mail::PrefsChange {
            send_hour: number("send_hour", &form.send_hour)?,
            reminders: form.reminders.is_some(),
            digest,
            digest_inactive_days: match &form.digest_inactive_days {
                Some(raw) => number("digest_inactive_days", raw)?,
                None => current_prefs.digest_inactive_days,
            },
        })
    })();
    let saved = match change {
        Ok(change) => crate::store::mail::save_prefs(&state.db, current.id(), &change).await,
        Err(err) => Err(err),
    };
    match saved {
        Ok(()) => Ok(redirect("/settings?mail_saved=1#email")),
        Err(err @ AppError::Invalid { .. }) => {
            mail_error_page(&req, &state, &current.user, err).await
        }
        Err(other) => Err(other.into()),
    }
}
