//! A learner's story bank: a few strong stories, each tagged with the
//! competencies it can answer for, and the matrix of stories × competencies
//! that shows which competencies no story covers yet.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::{
    entities::{answer, competency, story, story_competency},
    error::AppError,
    store::{
        answers::{StarFields, MAX_FIELD_CHARS},
        choices,
        questions::visible_bank_ids,
    },
};

/// The longest a story title may be (characters).
pub const MAX_TITLE_CHARS: usize = 200;

/// A story as written or edited by its author.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Deserialize)]
pub struct StoryInput {
    #[serde(default)]
    pub title: String,
    #[serde(flatten)]
    pub fields: StarFields,
    #[serde(default)]
    pub competencies: Vec<String>,
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct StoryView {
    pub id: i32,
    pub title: String,
    pub situation: String,
    pub task: String,
    pub action: String,
    pub result: String,
    pub reflection: String,
    pub competencies: Vec<String>,
    /// Attempts that started from this story.
    pub answers: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl StoryView {
    /// The story's STAR fields, to start an answer or fill the edit form.
    pub fn fields(&self) -> StarFields {
        StarFields {
            situation: self.situation.clone(),
            task: self.task.clone(),
            action: self.action.clone(),
            result: self.result.clone(),
            reflection: self.reflection.clone(),
        }
    }
}

/// A competency a learner can tag a story with.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize, PartialEq)]
pub struct CompetencyRef {
    pub key: String,
    pub name: String,
    /// Whether the learner practises it (its bank is on and it is not skipped).
    pub practised: bool,
}

/// Competencies of every bank the user can see, one entry per key (banks may
/// share a key), in bank order.
pub async fn taggable_competencies(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<CompetencyRef>, AppError> {
    let banks = visible_bank_ids(db, user_id).await?;
    let choices = choices::for_user(db, user_id).await?;
    let rows = competency::Entity::find()
        .filter(competency::Column::BankId.is_in(banks))
        .order_by_asc(competency::Column::BankId)
        .order_by_asc(competency::Column::Position)
        .all(db)
        .await?;
    let mut out: Vec<CompetencyRef> = Vec::new();
    for row in rows {
        let practised =
            choices.practises_bank(row.bank_id) && !choices.skipped_competencies.contains(&row.id);
        match out.iter_mut().find(|c| c.key == row.key) {
            Some(seen) => seen.practised |= practised,
            None => out.push(CompetencyRef {
                key: row.key,
                name: row.name,
                practised,
            }),
        }
    }
    Ok(out)
}

impl StoryInput {
    /// Trims and checks the input; competency keys must name competencies
    /// the user can see. Returns the distinct keys.
    fn validate(&mut self, known: &[CompetencyRef]) -> Result<BTreeSet<String>, AppError> {
        self.title = self.title.trim().to_owned();
        if self.title.is_empty() {
            return Err(AppError::invalid("title", "give the story a title"));
        }
        if self.title.chars().count() > MAX_TITLE_CHARS {
            return Err(AppError::invalid(
                "title",
                format!("the title is longer than {MAX_TITLE_CHARS} characters"),
            ));
        }
        for (name, text) in self.fields.named() {
            if text.chars().count() > MAX_FIELD_CHARS {
                return Err(AppError::invalid(
                    name,
                    format!("{name} is longer than {MAX_FIELD_CHARS} characters"),
                ));
            }
        }
        let mut keys = BTreeSet::new();
        for key in &self.competencies {
            let key = key.trim();
            if key.is_empty() {
                continue;
            }
            if !known.iter().any(|c| c.key == key) {
                return Err(AppError::invalid(
                    "competencies",
                    format!("unknown competency `{key}`"),
                ));
            }
            keys.insert(key.to_owned());
        }
        Ok(keys)
    }
}

async fn tags_of(
    db: &impl ConnectionTrait,
    story_ids: Vec<i32>,
) -> Result<HashMap<i32, Vec<String>>, AppError> {
    let mut tags: HashMap<i32, Vec<String>> = HashMap::new();
    for row in story_competency::Entity::find()
        .filter(story_competency::Column::StoryId.is_in(story_ids))
        .order_by_asc(story_competency::Column::CompetencyKey)
        .all(db)
        .await?
    {
        tags.entry(row.story_id)
            .or_default()
            .push(row.competency_key);
    }
    Ok(tags)
}

async fn answer_counts(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<HashMap<i32, u64>, AppError> {
    let mut counts = HashMap::new();
    for row in answer::Entity::find()
        .filter(answer::Column::UserId.eq(user_id))
        .filter(answer::Column::StoryId.is_not_null())
        .all(db)
        .await?
    {
        if let Some(story_id) = row.story_id {
            *counts.entry(story_id).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

fn view(row: story::Model, competencies: Vec<String>, answers: u64) -> StoryView {
    StoryView {
        id: row.id,
        title: row.title,
        situation: row.situation,
        task: row.task,
        action: row.action,
        result: row.result,
        reflection: row.reflection,
        competencies,
        answers,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The user's stories, most recently edited first.
pub async fn list(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<StoryView>, AppError> {
    let rows = story::Entity::find()
        .filter(story::Column::UserId.eq(user_id))
        .order_by_desc(story::Column::UpdatedAt)
        .order_by_desc(story::Column::Id)
        .all(db)
        .await?;
    let mut tags = tags_of(db, rows.iter().map(|s| s.id).collect()).await?;
    let counts = answer_counts(db, user_id).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            view(
                row,
                tags.remove(&id).unwrap_or_default(),
                counts.get(&id).copied().unwrap_or(0),
            )
        })
        .collect())
}

async fn own_row(
    db: &impl ConnectionTrait,
    user_id: i32,
    story_id: i32,
) -> Result<story::Model, AppError> {
    story::Entity::find_by_id(story_id)
        .filter(story::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("story"))
}

/// One of the user's stories; anyone else's is "not found".
pub async fn get(
    db: &impl ConnectionTrait,
    user_id: i32,
    story_id: i32,
) -> Result<StoryView, AppError> {
    let row = own_row(db, user_id, story_id).await?;
    let mut tags = tags_of(db, vec![row.id]).await?;
    let answers = answer_counts(db, user_id)
        .await?
        .get(&row.id)
        .copied()
        .unwrap_or(0);
    Ok(view(
        row,
        tags.remove(&story_id).unwrap_or_default(),
        answers,
    ))
}

async fn set_tags(
    db: &impl ConnectionTrait,
    story_id: i32,
    keys: BTreeSet<String>,
) -> Result<(), AppError> {
    story_competency::Entity::delete_many()
        .filter(story_competency::Column::StoryId.eq(story_id))
        .exec(db)
        .await?;
    if !keys.is_empty() {
        story_competency::Entity::insert_many(keys.into_iter().map(|key| {
            story_competency::ActiveModel {
                story_id: Set(story_id),
                competency_key: Set(key),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Saves a new story, or replaces one of the user's (`story_id`).
pub async fn save(
    db: &DatabaseConnection,
    user_id: i32,
    story_id: Option<i32>,
    mut input: StoryInput,
    now: DateTime<Utc>,
) -> Result<StoryView, AppError> {
    let known = taggable_competencies(db, user_id).await?;
    let keys = input.validate(&known)?;
    let txn = crate::db::begin_write(db).await?;
    let fields = input.fields;
    let saved = match story_id {
        Some(id) => {
            let mut row: story::ActiveModel = own_row(&txn, user_id, id).await?.into();
            row.title = Set(input.title);
            row.situation = Set(fields.situation);
            row.task = Set(fields.task);
            row.action = Set(fields.action);
            row.result = Set(fields.result);
            row.reflection = Set(fields.reflection);
            row.updated_at = Set(now);
            row.update(&txn).await?
        }
        None => {
            story::ActiveModel {
                user_id: Set(user_id),
                title: Set(input.title),
                situation: Set(fields.situation),
                task: Set(fields.task),
                action: Set(fields.action),
                result: Set(fields.result),
                reflection: Set(fields.reflection),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    set_tags(&txn, saved.id, keys).await?;
    txn.commit().await?;
    get(db, user_id, saved.id).await
}

/// Deletes one of the user's stories; attempts that started from it keep
/// their text and forget the link.
pub async fn delete(db: &DatabaseConnection, user_id: i32, story_id: i32) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    own_row(&txn, user_id, story_id).await?;
    answer::Entity::update_many()
        .col_expr(
            answer::Column::StoryId,
            sea_orm::sea_query::Expr::value(Option::<i32>::None),
        )
        .filter(answer::Column::UserId.eq(user_id))
        .filter(answer::Column::StoryId.eq(story_id))
        .exec(&txn)
        .await?;
    story::Entity::delete_by_id(story_id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct MatrixColumn {
    pub key: String,
    pub name: String,
    /// Ids of the stories tagged with this competency.
    pub stories: Vec<i32>,
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct MatrixRow {
    pub id: i32,
    pub title: String,
    /// One flag per column, in column order.
    pub covers: Vec<bool>,
}

/// Stories × the competencies the learner practises.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Matrix {
    pub competencies: Vec<MatrixColumn>,
    pub stories: Vec<MatrixRow>,
    /// Keys of practised competencies no story covers yet.
    pub uncovered: Vec<String>,
}

/// The matrix of the user's stories over the competencies they practise
/// (plus any other competency a story is tagged with).
pub async fn matrix(db: &impl ConnectionTrait, user_id: i32) -> Result<Matrix, AppError> {
    let stories = list(db, user_id).await?;
    let known = taggable_competencies(db, user_id).await?;
    let tagged: BTreeMap<&str, ()> = stories
        .iter()
        .flat_map(|s| s.competencies.iter().map(|k| (k.as_str(), ())))
        .collect();
    let columns: Vec<MatrixColumn> = known
        .iter()
        .filter(|c| c.practised || tagged.contains_key(c.key.as_str()))
        .map(|c| MatrixColumn {
            key: c.key.clone(),
            name: c.name.clone(),
            stories: stories
                .iter()
                .filter(|s| s.competencies.contains(&c.key))
                .map(|s| s.id)
                .collect(),
        })
        .collect();
    let uncovered = columns
        .iter()
        .filter(|c| c.stories.is_empty())
        .map(|c| c.key.clone())
        .collect();
    let rows = stories
        .iter()
        .map(|s| MatrixRow {
            id: s.id,
            title: s.title.clone(),
            covers: columns
                .iter()
                .map(|c| s.competencies.contains(&c.key))
                .collect(),
        })
        .collect();
    Ok(Matrix {
        competencies: columns,
        stories: rows,
        uncovered,
    })
}
