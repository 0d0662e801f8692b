//! Today and the question page: due counts, the next card, writing a STAR
//! answer under a timer, drafts that survive reloads and logouts.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use minijinja::{context, Value};
use serde::Deserialize;

use crate::{
    auth::CurrentUser,
    entities::card,
    error::AppError,
    routes::{
        page::{redirect, render, CsrfForm, PageError, PageUser},
        settings::level_from_form,
    },
    startup::AppState,
    store::{
        answers::{self, StarFields},
        practice, questions, recordings,
        scheduler::{self, Settings, SettingsChange},
        session, stories,
    },
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(today)
        .service(first_run)
        .service(start)
        .service(practise_question)
        .service(question_page)
        .service(submit);
}

/// `?graded=<answer id>`: the attempt just graded, for the notice saying
/// what the grade did.
#[derive(Deserialize)]
struct GradedQuery {
    graded: Option<String>,
}

impl GradedQuery {
    fn answer_id(&self) -> Option<i32> {
        self.graded.as_deref().and_then(|g| g.trim().parse().ok())
    }
}

/// The notice after a grade, for `_graded.html`: none unless `answer_id` is
/// the user's own attempt with a grade that stands.
async fn graded_notice(
    state: &AppState,
    user: &crate::entities::user::Model,
    answer_id: Option<i32>,
    counts: Option<&practice::Today>,
    now: DateTime<Utc>,
) -> Result<Value, PageError> {
    let Some(answer_id) = answer_id else {
        return Ok(Value::from(()));
    };
    let Some(graded) = session::graded(&state.db, user, answer_id, now).await? else {
        return Ok(Value::from(()));
    };
    let left = match counts {
        Some(counts) => counts.left_today(),
        None => practice::today(&state.db, user, now).await?.left_today(),
    };
    Ok(context! {
        answer_id => graded.answer_id,
        rating => graded.rating,
        due => graded.due.to_rfc3339(),
        back_soon => graded.back_soon,
        undoable => graded.undoable,
        left_today => left,
    })
}

/// Today: the counts, the streak, the notice after the last grade, the
/// session summary once nothing is left, and the first-run start.
async fn today_view(
    req: &HttpRequest,
    state: &AppState,
    user: &crate::entities::user::Model,
    graded: Option<i32>,
    start_error: Option<AppError>,
) -> Result<HttpResponse, PageError> {
    let now = Utc::now();
    let counts = practice::today(&state.db, user, now).await?;
    let tz = practice::clock_for(user).tz();
    let streak = crate::store::stats::current_streak_of(&state.db, user, now).await?;
    let summary = if counts.is_empty() {
        let summary = session::summary(&state.db, user, &counts, now).await?;
        Some(context! {
            questions => summary.questions,
            answers => summary.answers,
            spent => session::spent_label(summary.seconds_spent),
            items_ticked => summary.items_ticked,
            items_total => summary.items_total,
            items_ticked_before => summary.items_ticked_before,
            items_ticked_compared => summary.items_ticked_compared,
            per_question => Value::from_serialize(&summary.per_question),
            next_due => summary.next_due.map(|d| d.to_rfc3339()),
            next_due_soon => summary.next_due.and_then(|d| session::soon(d, now, tz)),
        })
    } else {
        None
    };
    let first_run_start = if session::shows_start(&state.db, user).await? {
        let banks = crate::store::banks::list_banks(&state.db, user.id).await?;
        Some(context! {
            banks => banks.iter().map(|b| context! {
                title => b.title.clone(),
                practise => b.practise,
                competencies => b.competencies.len(),
                practised => b.competencies.iter().filter(|c| c.practise).count(),
            }).collect::<Vec<_>>(),
            interview_date => user.interview_date.clone(),
            level => practice::level_of(user).map(|level| level.as_str()),
            error => start_error.as_ref().map(|e| e.to_string()),
        })
    } else {
        None
    };
    let notice = graded_notice(state, user, graded, Some(&counts), now).await?;
    render(
        state,
        req,
        Some(user),
        "today.html",
        crate::routes::page::status_for(start_error.as_ref()),
        context! {
            due => counts.due(),
            new => counts.new,
            done_today => counts.done_today,
            empty => counts.is_empty(),
            later_today => counts.later_today,
            // "next in 8 min", "next due today 14:05".
            next_learning => counts.next_learning_due.map(|d| context! {
                phrase => match session::soon(d, now, tz) {
                    Some(soon) if soon.starts_with("in ") => soon,
                    Some(soon) => format!("due {soon}"),
                    None => format!("due {}", d.with_timezone(&tz).format("%H:%M")),
                },
            }),
            learn_ahead => counts.learn_ahead(now),
            streak => streak,
            summary => summary,
            start => first_run_start,
            graded => notice,
            plan => crate::store::scheduler::plan(&state.db, user, now).await?.map(|p| Value::from_serialize(&p)),
            leeches => practice::leech_count(&state.db, user.id).await?,
        },
    ).await
}

#[get("/today")]
async fn today(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    query: web::Query<GradedQuery>,
) -> Result<HttpResponse, PageError> {
    today_view(&req, &state, &current.user, query.answer_id(), None).await
}

#[derive(Deserialize)]
struct FirstRunForm {
    #[serde(default)]
    interview_date: String,
    /// A level, or `none` for no preference.
    level: Option<String>,
    /// `dismiss` puts the start away; anything else starts practice.
    intent: Option<String>,
}

/// The first-run start's form: an optional interview date and level, then
/// practice; or put away. Either way it is not shown again.
#[post("/today/start")]
async fn first_run(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    CsrfForm(form): CsrfForm<FirstRunForm>,
) -> Result<HttpResponse, PageError> {
    let now = Utc::now();
    let mut user = current.user.clone();
    if form.intent.as_deref() == Some("dismiss") {
        session::finish_start(&state.db, user, now).await?;
        return Ok(redirect("/today"));
    }
    let change = SettingsChange {
        interview_date: Some(form.interview_date.trim())
            .filter(|date| !date.is_empty())
            .map(|date| Some(date.to_owned())),
        level: form.level.as_deref().map(level_from_form),
        ..SettingsChange::default()
    };
    if change.interview_date.is_some() || change.level.is_some() {
        match change.apply(&Settings::of(&user), now) {
            Ok(settings) => {
                user = scheduler::save_settings(&state.db, user, &settings, now)
                    .await?
                    .0;
            }
            Err(err @ AppError::Invalid { .. }) => {
                return today_view(&req, &state, &current.user, None, Some(err)).await;
            }
            Err(other) => return Err(other.into()),
        }
    }
    session::finish_start(&state.db, user, now).await?;
    Ok(redirect("/practice"))
}

#[get("/practice")]
async fn start(
    state: web::Data<AppState>,
    current: PageUser,
    query: web::Query<GradedQuery>,
) -> Result<HttpResponse, PageError> {
    // The notice after a grade goes with the learner to the next page.
    let graded = query
        .answer_id()
        .map(|id| format!("?graded={id}"))
        .unwrap_or_default();
    Ok(
        match practice::next_card(&state.db, &current.user, Utc::now()).await? {
            Some(card) => redirect(&format!("/practice/{}{graded}", card.id)),
            None => redirect(&format!("/today{graded}")),
        },
    )
}

/// "Practise this question", from Questions, History or an attempt: the
/// question page for it now, whether or not it is due (its card is made if
/// there is none yet). Grading the attempt is optional; a grade counts as any.
#[post("/questions/{id}/practise")]
async fn practise_question(
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
    _: CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, PageError> {
    let question = questions::visible_question(&state.db, current.id(), *id).await?;
    if question.retired {
        return Err(AppError::invalid(
            "question",
            "this question was retired from its bank and is no longer practised",
        )
        .into());
    }
    let card =
        practice::card_for_question(&state.db, current.id(), question.id, Utc::now()).await?;
    Ok(redirect(&format!("/practice/{}", card.id)))
}

/// The answer the question page shows in its fields.
struct Shown {
    fields: StarFields,
    seconds_spent: i64,
    /// The saved draft's revision (its `updated_at`, the Unix epoch when
    /// there is none) when the fields are that draft; the page's script then
    /// puts back a newer copy the browser kept of what was typed. `None` when
    /// the fields are a story or a form shown again, which the copy must not
    /// replace.
    draft_revision: Option<DateTime<Utc>>,
    /// The notice after the grade just given (`_graded.html`), or none.
    graded: Value,
}

/// What the question page shows; the same for a first view and for a form
/// shown again with the error that refused it.
async fn question_view(
    req: &HttpRequest,
    state: &AppState,
    current: &CurrentUser,
    card: &card::Model,
    shown: Shown,
    story_id: Option<i32>,
    error: Option<AppError>,
) -> Result<HttpResponse, PageError> {
    let Shown {
        fields,
        seconds_spent,
        draft_revision,
        graded,
    } = shown;
    let last_sent = answers::last_sent_at(&state.db, current.id(), card.question_id).await?;
    let question = questions::visible_question(&state.db, current.id(), card.question_id).await?;
    // Stories that cover this question's competency first, then the rest.
    let mut my_stories = stories::list(&state.db, current.id()).await?;
    my_stories.sort_by_key(|s| !s.competencies.contains(&question.competency));
    let story_choices: Vec<Value> = my_stories
        .iter()
        .map(|s| {
            context! {
                id => s.id,
                title => s.title.clone(),
                covers => s.competencies.contains(&question.competency),
            }
        })
        .collect();
    let story = my_stories.iter().find(|s| Some(s.id) == story_id);
    let recording = recordings::info(
        &state.db,
        current.id(),
        recordings::Owner::Draft {
            question_id: card.question_id,
        },
    )
    .await?;
    let status = crate::routes::page::status_for(error.as_ref());
    render(
        state,
        req,
        Some(&current.user),
        "question.html",
        status,
        context! {
            card => context! { id => card.id, state => card.state.clone(), leech => card.leech },
            question => Value::from_serialize(&question),
            fields => Value::from_serialize(&fields),
            seconds_spent => seconds_spent,
            started_at => Utc::now().timestamp() - seconds_spent,
            // For the script's copy of the draft, all in server-clock milliseconds.
            draft_state => context! {
                revision => draft_revision.map(|t| t.timestamp_millis()),
                server_now => Utc::now().timestamp_millis(),
                last_sent => last_sent.map_or(0, |t| t.timestamp_millis()),
            },
            target_seconds => 120,
            error => error.map(|e| e.to_string()),
            stories => story_choices,
            story => story.map(|s| context! { id => s.id, title => s.title.clone() }),
            recording => recording.map(|r| Value::from_serialize(&r)),
            max_recording_seconds => state.config.max_recording_seconds,
            max_recording_bytes => state.config.max_recording_bytes,
            graded => graded,
        },
    )
    .await
}

#[derive(Deserialize)]
struct QuestionQuery {
    /// Start the answer from this story (one of the user's).
    story: Option<String>,
    /// The attempt graded just before (see [`GradedQuery`]).
    graded: Option<String>,
}

#[get("/practice/{card_id}")]
async fn question_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    card_id: web::Path<i32>,
    query: web::Query<QuestionQuery>,
) -> Result<HttpResponse, PageError> {
    let card = practice::own_card(&state.db, current.id(), *card_id).await?;
    let graded_id = query.graded.as_deref().and_then(|g| g.trim().parse().ok());
    let graded = graded_notice(&state, &current.user, graded_id, None, Utc::now()).await?;
    if let Some(story_id) = query
        .story
        .as_deref()
        .and_then(|s| s.trim().parse::<i32>().ok())
    {
        // The learner asked for this story: its fields replace the draft.
        let story = stories::get(&state.db, current.id(), story_id).await?;
        let seconds = answers::find_draft(&state.db, current.id(), card.question_id)
            .await?
            .map(|d| i64::from(d.seconds_spent))
            .unwrap_or(0);
        let shown = Shown {
            fields: story.fields(),
            seconds_spent: seconds,
            draft_revision: None,
            graded,
        };
        return question_view(&req, &state, &current, &card, shown, Some(story_id), None).await;
    }
    let saved = answers::draft_or_empty(&state.db, current.id(), card.question_id).await?;
    let shown = Shown {
        fields: saved.fields,
        seconds_spent: saved.seconds_spent,
        draft_revision: Some(saved.revision),
        graded,
    };
    question_view(&req, &state, &current, &card, shown, None, None).await
}

#[derive(Deserialize)]
struct AnswerForm {
    #[serde(flatten)]
    fields: StarFields,
    /// Filled by the page's script; without it the server counts from `started_at`.
    seconds_spent: Option<String>,
    started_at: Option<i64>,
    /// `draft` saves without submitting (the no-script way to keep a draft).
    intent: Option<String>,
    /// The story the answer was started from.
    story_id: Option<String>,
}

impl AnswerForm {
    fn seconds(&self) -> i64 {
        crate::routes::page::seconds_spent(self.seconds_spent.as_deref(), self.started_at)
    }

    fn story_id(&self) -> Option<i32> {
        self.story_id.as_deref().and_then(|s| s.trim().parse().ok())
    }
}

#[post("/practice/{card_id}")]
async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    card_id: web::Path<i32>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Result<HttpResponse, PageError> {
    let card = practice::own_card(&state.db, current.id(), *card_id).await?;
    let seconds = form.seconds();
    let now = Utc::now();
    if form.intent.as_deref() == Some("draft") {
        // A refused draft (too long) comes back with its text and the reason.
        let refused = match answers::save_draft(
            &state.db,
            current.id(),
            card.question_id,
            form.fields.clone(),
            seconds,
            now,
        )
        .await
        {
            Ok(()) => None,
            Err(err @ AppError::Invalid { .. }) => Some(err),
            Err(other) => return Err(other.into()),
        };
        let story_id = form.story_id();
        let shown = Shown {
            fields: form.fields,
            seconds_spent: seconds,
            draft_revision: None,
            graded: Value::from(()),
        };
        return question_view(&req, &state, &current, &card, shown, story_id, refused).await;
    }
    match answers::create_answer(
        &state.db,
        current.id(),
        card.question_id,
        form.fields.clone(),
        seconds,
        form.story_id(),
        now,
    )
    .await
    {
        Ok(saved) => Ok(redirect(&format!("/answers/{}/review", saved.id))),
        Err(err @ AppError::Invalid { .. }) => {
            question_view(
                &req,
                &state,
                &current,
                &card,
                Shown {
                    fields: form.fields.clone(),
                    seconds_spent: seconds,
                    draft_revision: None,
                    graded: Value::from(()),
                },
                form.story_id(),
                Some(err),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
