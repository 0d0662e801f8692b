//! `GET /questions?competency=…&bank=…`: the questions a user may practise.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;

use crate::{auth::CurrentUser, error::ApiError, startup::AppState, store::questions};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list);
}

#[derive(Deserialize)]
struct Filter {
    competency: Option<String>,
    bank: Option<String>,
}

#[get("/questions")]
async fn list(
    state: web::Data<AppState>,
    current: CurrentUser,
    filter: web::Query<Filter>,
) -> Result<HttpResponse, ApiError> {
    let found = questions::list_questions(
        &state.db,
        current.id(),
        filter.competency.as_deref(),
        filter.bank.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(found))
}
