//! `GET /questions?competency=…&bank=…`: the questions a user may practise.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;

use crate::{auth::CurrentUser, error::AppError, startup::AppState, store::questions};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list);
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Filter {
    /// Only this competency (its key).
    competency: Option<String>,
    /// Only this bank (its id).
    bank: Option<String>,
}

/// The questions the user may practise (their banks and the shared ones).
#[utoipa::path(
    operation_id = "list_questions",
    tag = "practice",
    params(Filter),
    responses((status = 200, description = "The questions", body = Vec<questions::QuestionView>)),
)]
#[get("/questions")]
async fn list(
    state: web::Data<AppState>,
    current: CurrentUser,
    filter: web::Query<Filter>,
) -> Result<HttpResponse, AppError> {
    let found = questions::list_questions(
        &state.db,
        current.id(),
        filter.competency.as_deref(),
        filter.bank.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(found))
}
