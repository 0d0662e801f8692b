//! Tests of learning steps: how they are written and read, and a new card walked through
//! them to review as Anki does.

use super::*;

#[test]
fn steps_parse_in_minutes_hours_and_days() {
    assert_eq!(parse_steps("1m 10m").unwrap(), vec![1, 10]);
    assert_eq!(parse_steps("10, 1h,1d").unwrap(), vec![10, 60, 1440]);
    assert_eq!(parse_steps("1.5h").unwrap(), vec![90]);
    assert_eq!(parse_steps("  ").unwrap(), Vec::<u32>::new());
    for bad in ["10m 1m", "0m", "5x", "31d", "m", "1 2 3 4 5 6 7 8 9 10 11"] {
        assert!(parse_steps(bad).is_err(), "{bad}");
    }
    assert_eq!(format_steps(&[1, 10, 60, 1440, 90]), "1m 10m 1h 1d 90m");
    assert!(Scheduler::new(SchedulerConfig {
        learning_steps: vec![10, 5],
        ..SchedulerConfig::default()
    })
    .is_err());
}

#[test]
fn learning_steps_walk_a_new_card_to_review_as_anki_does() {
    let now = utc("2025-05-01T12:00:00Z");
    let clock = utc_clock();
    let scheduler = Scheduler::new(SchedulerConfig {
        learning_steps: vec![1, 10],
        relearning_steps: vec![10],
        fuzz: false,
        ..SchedulerConfig::default()
    })
    .unwrap();
    let [again, hard, good, easy] = scheduler.preview(&Card::new(now), now, &clock, 1).unwrap();
    assert_eq!(
        (again.card.state, again.card.step),
        (CardState::Learning, 0)
    );
    assert_eq!(again.card.due, now + Duration::minutes(1));
    // Hard on the first step waits the average of the first two.
    assert_eq!(hard.card.due, now + Duration::minutes(5));
    assert_eq!(hard.interval_label, "5m");
    assert_eq!((good.card.state, good.card.step), (CardState::Learning, 1));
    assert_eq!(good.card.due, now + Duration::minutes(10));
    assert_eq!(easy.card.state, CardState::Review);

    let later = now + Duration::minutes(10);
    let graduated = scheduler
        .grade(&good.card, Rating::Good, later, &clock, 1)
        .unwrap();
    assert_eq!(graduated.card.state, CardState::Review);
    assert!(graduated.card.scheduled_days >= 1);
    // On the last step Hard repeats it.
    let [_, hard, _, _] = scheduler.preview(&good.card, later, &clock, 1).unwrap();
    assert_eq!(hard.card.due, later + Duration::minutes(10));

    // No learning steps: Good graduates at once, Again comes back in days.
    let straight = Scheduler::new(SchedulerConfig {
        learning_steps: Vec::new(),
        relearning_steps: Vec::new(),
        ..SchedulerConfig::default()
    })
    .unwrap();
    let outcomes = straight.preview(&Card::new(now), now, &clock, 1).unwrap();
    assert!(outcomes.iter().all(|o| o.card.state == CardState::Review));
    assert!(outcomes[0].card.scheduled_days >= 1);
}
