//! Tests of the interview plan: intervals capped before the interview and spread over the
//! days left.

use super::*;

#[test]
fn an_interview_caps_intervals_and_spreads_them() {
    let clock = utc_clock();
    let now = utc("2025-05-01T12:00:00Z");
    let today = clock.day_of(now);
    let mut due_per_day = BTreeMap::new();
    due_per_day.insert(today + Days::new(9), 50);
    let plan = InterviewPlan {
        date: today + Days::new(10),
        due_per_day,
    };
    assert_eq!(plan.cap_days(today), Some(9));
    assert_eq!(plan.cap_days(today + Days::new(9)), Some(1));
    assert_eq!(
        plan.cap_days(today + Days::new(10)),
        None,
        "normal after the day"
    );
    let scheduler = Scheduler::new(SchedulerConfig {
        interview: Some(plan),
        ..SchedulerConfig::default()
    })
    .unwrap();
    // A mature card whose natural interval is months.
    let card = Card {
        state: CardState::Review,
        due: now,
        stability: 200.0,
        difficulty: 5.0,
        last_review: Some(now - Duration::days(200)),
        reps: 8,
        lapses: 0,
        scheduled_days: 200,
        step: 0,
    };
    let outcomes = scheduler.preview(&card, now, &clock, 3).unwrap();
    for outcome in &outcomes[1..] {
        assert!(outcome.card.scheduled_days <= 9, "{outcome:?}");
        // Day 9 is busy: the least busy later day is chosen instead.
        assert_eq!(outcome.card.scheduled_days, 8);
    }
}
