//! Progress: the review calendar, the due forecast, true retention, checklist coverage per
//! competency, the items least often met, streak and minutes, each chart with its data as text.

use actix_web::{get, http::StatusCode, web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use minijinja::{context, Value};
use starling_domain::{
    charts::{self, CoverageBar},
    words::minutes_in_words,
};

use crate::{
    routes::page::{render, PageError, PageUser},
    startup::AppState,
    store::stats::{self, Passed},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(progress);
}

/// A day for the `day` filter, which shows it as people read dates (`Fri 11 Dec`).
fn iso(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn retention_view(figures: &Passed) -> Value {
    context! {
        reviews => figures.reviews,
        passed => figures.passed,
        percent => figures.percent(),
    }
}

#[get("/progress")]
async fn progress(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
) -> Result<HttpResponse, PageError> {
    let figures = stats::stats(&state.db, &current.user, Utc::now()).await?;

    let calendar: Vec<(NaiveDate, u32)> = figures
        .heatmap
        .days
        .iter()
        .map(|day| (day.date, day.reviews))
        .collect();
    let busiest = figures
        .heatmap
        .days
        .iter()
        .max_by_key(|day| (day.reviews, std::cmp::Reverse(day.date)));
    let forecast: Vec<(NaiveDate, u32)> = figures
        .forecast
        .iter()
        .map(|day| (day.date, day.due))
        .collect();
    let due_within = |days: usize| -> u32 { forecast.iter().take(days).map(|(_, due)| due).sum() };
    let coverage_rows: Vec<CoverageBar> = figures
        .competencies
        .iter()
        .map(|c| CoverageBar {
            label: c.name.clone(),
            percent: c.percent(),
            detail: if c.reviewed_answers == 0 {
                "no self-reviewed answers yet".to_owned()
            } else {
                format!(
                    "{} of {} checklist items ticked in {} self-reviewed answer{}",
                    c.items_ticked,
                    c.items_checked,
                    c.reviewed_answers,
                    if c.reviewed_answers == 1 { "" } else { "s" },
                )
            },
        })
        .collect();

    render(
        &state,
        &req,
        Some(&current.user),
        "progress.html",
        StatusCode::OK,
        context! {
            today => iso(figures.today),
            streak => context! { current => figures.streak.current, longest => figures.streak.longest },
            minutes => context! {
                today => minutes_in_words(figures.minutes.seconds.today),
                last_7_days => minutes_in_words(figures.minutes.seconds.last_7_days),
                last_30_days => minutes_in_words(figures.minutes.seconds.last_30_days),
                total => minutes_in_words(figures.minutes.seconds.total),
            },
            retention => context! {
                young => retention_view(&figures.retention.young),
                mature => retention_view(&figures.retention.mature),
                total => retention_view(&figures.retention.total),
            },
            heatmap => context! {
                svg => charts::heatmap(&calendar, figures.today),
                total_reviews => figures.heatmap.total_reviews,
                days_studied => figures.heatmap.days_studied,
                busiest => busiest.map(|day| context! { date => iso(day.date), reviews => day.reviews }),
                days => figures.heatmap.days.iter().rev().map(|day| context! {
                    date => iso(day.date),
                    reviews => day.reviews,
                }).collect::<Vec<_>>(),
            },
            forecast => context! {
                svg => charts::forecast_chart(&forecast),
                today => due_within(1),
                week => due_within(7),
                month => due_within(forecast.len()),
                days => forecast.iter().map(|(date, due)| context! {
                    date => iso(*date),
                    due => due,
                }).collect::<Vec<_>>(),
            },
            coverage_svg => charts::coverage_chart("Checklist coverage per competency", &coverage_rows),
            competencies => figures.competencies.iter().map(|c| context! {
                key => c.key,
                name => c.name,
                answers => c.answers,
                questions_answered => c.questions_answered,
                questions_total => c.questions_total,
                reviewed_answers => c.reviewed_answers,
                items_ticked => c.items_ticked,
                items_checked => c.items_checked,
                percent => c.percent(),
            }).collect::<Vec<_>>(),
            answers => figures.competencies.iter().map(|c| c.answers).sum::<u32>(),
            least_met => figures.least_met.iter().map(|item| context! {
                text => item.text,
                source => item.source,
                met => item.met,
                reviewed => item.reviewed,
                percent => item.percent(),
            }).collect::<Vec<_>>(),
        },
    ).await
}
