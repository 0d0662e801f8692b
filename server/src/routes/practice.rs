//! Today and the question page: due counts, the next card, writing a STAR
//! answer under a timer, drafts that survive reloads and logouts.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use minijinja::{context, Value};
use serde::Deserialize;

use crate::{
    auth::CurrentUser,
    entities::card,
    error::ApiError,
    routes::page::{parse_form, redirect, render, PageError, PageUser},
    startup::AppState,
    store::{
        answers::{self, StarFields},
        practice, questions, recordings, stories,
    },
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(today)
        .service(start)
        .service(question_page)
        .service(submit);
}

#[get("/today")]
async fn today(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
) -> Result<HttpResponse, PageError> {
    let counts = practice::today(&state.db, &current.user, Utc::now()).await?;
    render(
        &state,
        &req,
        Some(&current.user),
        "today.html",
        StatusCode::OK,
        context! {
            due => counts.due(),
            new => counts.new,
            done_today => counts.done_today,
            empty => counts.is_empty(),
            // Counted for the navigation when the user was looked up.
            unread_feedback => crate::routes::page::unread_feedback_counted(&req),
            plan => crate::store::scheduler::plan(&state.db, &current.user, Utc::now()).await?.map(|p| Value::from_serialize(&p)),
            leeches => practice::leech_count(&state.db, current.id()).await?,
        },
    )
}

#[get("/practice")]
async fn start(state: web::Data<AppState>, current: PageUser) -> Result<HttpResponse, PageError> {
    Ok(
        match practice::next_card(&state.db, &current.user, Utc::now()).await? {
            Some(card) => redirect(&format!("/practice/{}", card.id)),
            None => redirect("/today"),
        },
    )
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
    error: Option<ApiError>,
) -> Result<HttpResponse, PageError> {
    let Shown {
        fields,
        seconds_spent,
        draft_revision,
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
        },
    )
}

#[derive(Deserialize)]
struct QuestionQuery {
    /// Start the answer from this story (one of the user's).
    story: Option<String>,
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
        };
        return question_view(&req, &state, &current, &card, shown, Some(story_id), None).await;
    }
    let shown = match answers::find_draft(&state.db, current.id(), card.question_id).await? {
        Some(draft) => Shown {
            fields: StarFields {
                situation: draft.situation,
                task: draft.task,
                action: draft.action,
                result: draft.result,
                reflection: draft.reflection,
            },
            seconds_spent: i64::from(draft.seconds_spent),
            draft_revision: Some(draft.updated_at),
        },
        None => Shown {
            fields: StarFields::default(),
            seconds_spent: 0,
            draft_revision: Some(DateTime::UNIX_EPOCH),
        },
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
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let form: AnswerForm = parse_form(&req, &state, &body)?;
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
            Err(err @ ApiError::Invalid { .. }) => Some(err),
            Err(other) => return Err(other.into()),
        };
        let story_id = form.story_id();
        let shown = Shown {
            fields: form.fields,
            seconds_spent: seconds,
            draft_revision: None,
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
        Err(err @ ApiError::Invalid { .. }) => {
            question_view(
                &req,
                &state,
                &current,
                &card,
                Shown {
                    fields: form.fields.clone(),
                    seconds_spent: seconds,
                    draft_revision: None,
                },
                form.story_id(),
                Some(err),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
