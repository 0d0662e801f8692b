//! The queue's order and counts on a real SQLite database: the stages come
//! in `Stage::ORDER`, and `today` counts what `next_card` serves.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::TimeZone;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::*;
use crate::{
    auth::{Role, Username},
    entities::assignment,
    store::{self, practice::set_suspended},
};

struct Fixture {
    db: DatabaseConnection,
    dir: std::path::PathBuf,
    user: user::Model,
    /// The active questions in the order new cards come from them.
    questions: Vec<i32>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn fixture() -> Fixture {
    let dir = std::env::temp_dir().join(format!("starling-queue-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("queue.db").display());
    let db = crate::db::connect_and_migrate(&url).await.unwrap();
    store::banks::load_default_banks(&db).await.unwrap();
    let user = store::accounts::create_user(
        &db,
        &Username::parse("learner").unwrap(),
        "no login".to_owned(),
        Role::Learner,
        chrono_tz::UTC,
    )
    .await
    .unwrap();
    let mut limits: user::ActiveModel = user.into();
    limits.new_per_day = Set(5);
    limits.reviews_per_day = Set(100);
    let user = limits.update(&db).await.unwrap();
    let questions = question::Entity::find()
        .filter(question::Column::Retired.eq(false))
        .order_by_asc(question::Column::BankId)
        .order_by_asc(question::Column::Position)
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|q| q.id)
        .collect();
    Fixture {
        db,
        dir,
        user,
        questions,
    }
}

/// Noon on a fixed day, far from the 04:00 rollover.
fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0)
        .single()
        .unwrap()
}

async fn add_card(f: &Fixture, question_id: i32, state: card::State, due: DateTime<Utc>) {
    let new = state == card::State::New;
    card::ActiveModel {
        user_id: Set(f.user.id),
        question_id: Set(question_id),
        state: Set(state),
        due: Set(due),
        stability: Set(if new { 0.0 } else { 5.0 }),
        difficulty: Set(5.0),
        last_review: Set((!new).then(|| due - Duration::days(3))),
        reps: Set(i32::from(!new)),
        lapses: Set(0),
        scheduled_days: Set(0),
        created_at: Set(due - Duration::days(10)),
        suspended: Set(false),
        buried_until: Set(None),
        leech: Set(false),
        step: Set(0),
        ..Default::default()
    }
    .insert(&f.db)
    .await
    .unwrap();
}

/// The question of the card `next_card` serves now, which is then suspended
/// so that the next call moves on.
async fn serve(f: &Fixture, user: &user::Model) -> Option<i32> {
    let card = next_card(&f.db, user, noon()).await.unwrap()?;
    set_suspended(&f.db, f.user.id, card.id, true)
        .await
        .unwrap();
    Some(card.question_id)
}

#[tokio::test]
async fn stages_come_in_order_and_today_counts_them() {
    let f = fixture().await;
    let now = noon();
    let q = &f.questions;
    add_card(&f, q[0], card::State::Learning, now - Duration::minutes(1)).await;
    add_card(&f, q[1], card::State::Review, now - Duration::days(1)).await;
    add_card(&f, q[2], card::State::New, now).await;
    add_card(
        &f,
        q[3],
        card::State::Relearning,
        now + Duration::minutes(10),
    )
    .await;
    // A review not due yet is in no stage.
    add_card(&f, q[7], card::State::Review, now + Duration::days(2)).await;
    assignment::ActiveModel {
        coach_id: Set(f.user.id),
        learner_id: Set(f.user.id),
        question_id: Set(q[5]),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&f.db)
    .await
    .unwrap();

    let counts = today(&f.db, &f.user, now).await.unwrap();
    assert_eq!(counts.learning, 1);
    assert_eq!(counts.review, 1);
    // The started card, then new questions up to the daily limit of 5.
    assert_eq!(counts.new, 5);
    assert_eq!(counts.later_today, 1);
    assert_eq!(counts.next_learning_due, Some(now + Duration::minutes(10)));
    assert!(!counts.learn_ahead(now));

    // Learning, review, the coach's assignment, the started card, then new
    // questions in bank order (skipping those with cards).
    let mut served = Vec::new();
    for _ in 0..6 {
        served.push(serve(&f, &f.user).await.unwrap());
    }
    assert_eq!(served, vec![q[0], q[1], q[5], q[2], q[4], q[6]]);

    // With the new-card limit used up, only the learn-ahead card is left.
    let mut spent: user::ActiveModel = f.user.clone().into();
    spent.new_per_day = Set(0);
    let spent = spent.update(&f.db).await.unwrap();
    let counts = today(&f.db, &spent, now).await.unwrap();
    assert_eq!((counts.learning, counts.review, counts.new), (0, 0, 0));
    assert!(counts.learn_ahead(now));
    assert_eq!(serve(&f, &spent).await, Some(q[3]));
    assert_eq!(serve(&f, &spent).await, None);
    assert!(today(&f.db, &spent, now).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_used_up_review_limit_skips_the_review_stage() {
    let f = fixture().await;
    let now = noon();
    let q = &f.questions;
    add_card(&f, q[0], card::State::Review, now - Duration::days(1)).await;
    add_card(&f, q[1], card::State::Review, now - Duration::days(2)).await;
    let mut capped: user::ActiveModel = f.user.clone().into();
    capped.reviews_per_day = Set(1);
    let capped = capped.update(&f.db).await.unwrap();
    let counts = today(&f.db, &capped, now).await.unwrap();
    // Two reviews due, counted up to the limit of one.
    assert_eq!((counts.review, counts.new), (1, 5));
    // The most overdue review comes first.
    assert_eq!(
        next_card(&f.db, &capped, now)
            .await
            .unwrap()
            .unwrap()
            .question_id,
        q[1]
    );
    let mut none: user::ActiveModel = capped.into();
    none.reviews_per_day = Set(0);
    let none = none.update(&f.db).await.unwrap();
    assert_eq!(today(&f.db, &none, now).await.unwrap().review, 0);
    // Past the review stage: the first new question.
    assert_eq!(
        next_card(&f.db, &none, now)
            .await
            .unwrap()
            .unwrap()
            .question_id,
        q[2]
    );
}
