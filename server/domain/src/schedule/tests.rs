//! Tests of scheduling: ratings and card states by name, the configuration checked, and
//! cards graded as FSRS would, in study days, with Anki's fuzz and interval labels.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use super::*;
use chrono::{Days, NaiveDateTime, NaiveTime, TimeZone, Timelike};
use chrono_tz::Tz;
use proptest::prelude::*;

mod clock;
mod interview;
mod properties;
mod steps;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn local(tz: Tz, text: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    tz.from_local_datetime(&naive)
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

fn scheduler(fuzz: bool) -> Scheduler {
    Scheduler::new(SchedulerConfig {
        fuzz,
        ..SchedulerConfig::default()
    })
    .unwrap()
}

fn utc_clock() -> DayClock {
    DayClock::new(chrono_tz::UTC, DayClock::DEFAULT_ROLLOVER_HOUR)
}

#[test]
fn ratings_parse_names_numbers_and_any_case() {
    for rating in Rating::ALL {
        assert_eq!(rating.as_str().parse::<Rating>(), Ok(rating));
        assert_eq!(rating.label().parse::<Rating>(), Ok(rating));
        assert_eq!(rating.number().to_string().parse::<Rating>(), Ok(rating));
        assert_eq!(rating.as_str().to_uppercase().parse::<Rating>(), Ok(rating));
    }
    let error = "meh".parse::<Rating>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown rating `meh`: expected again, hard, good, easy, or 1 to 4"
    );
    assert!("0".parse::<Rating>().is_err());
    assert!("5".parse::<Rating>().is_err());
}

#[test]
fn ratings_serialize_lowercase() {
    let json = serde_json_like(&Rating::Again);
    assert_eq!(json, "again");
    assert_eq!(
        Rating::ALL.map(Rating::number),
        [1, 2, 3, 4],
        "numbers follow button order"
    );
}

/// The serialized name through serde, without a JSON dependency: TOML renders a
/// bare enum as a quoted string.
fn serde_json_like<T: Serialize>(value: &T) -> String {
    #[derive(Serialize)]
    struct Wrap<'a, T> {
        v: &'a T,
    }
    let text = toml::to_string(&Wrap { v: value }).unwrap();
    text.trim()
        .trim_start_matches("v = ")
        .trim_matches('"')
        .to_owned()
}

#[test]
fn card_states_round_trip_their_names() {
    for state in [
        CardState::New,
        CardState::Learning,
        CardState::Review,
        CardState::Relearning,
    ] {
        assert_eq!(state.as_str().parse::<CardState>(), Ok(state));
        assert_eq!(serde_json_like(&state), state.as_str());
    }
    assert!("due".parse::<CardState>().is_err());
}

#[test]
fn new_card_is_due_now_with_nothing_learnt() {
    let now = utc("2025-05-01T12:00:00Z");
    let card = Card::new(now);
    assert_eq!(card.state, CardState::New);
    assert_eq!(card.due, now);
    assert_eq!((card.reps, card.lapses, card.scheduled_days), (0, 0, 0));
    assert_eq!(card.last_review, None);
}

#[test]
fn config_is_validated() {
    for retention in [0.5, 0.69, 0.995, f32::NAN] {
        assert!(matches!(
            Scheduler::new(SchedulerConfig {
                desired_retention: retention,
                ..SchedulerConfig::default()
            }),
            Err(ScheduleError::InvalidRetention(_))
        ));
    }
    for retention in [0.70, 0.85, 0.99] {
        assert!(Scheduler::new(SchedulerConfig {
            desired_retention: retention,
            ..SchedulerConfig::default()
        })
        .is_ok());
    }
    assert_eq!(
        Scheduler::new(SchedulerConfig {
            parameters: vec![1.0; 5],
            ..SchedulerConfig::default()
        })
        .unwrap_err(),
        ScheduleError::InvalidParameters { count: 5 }
    );
    let mut with_nan = fsrs::DEFAULT_PARAMETERS.to_vec();
    with_nan[3] = f32::NAN;
    assert!(Scheduler::new(SchedulerConfig {
        parameters: with_nan,
        ..SchedulerConfig::default()
    })
    .is_err());
    assert!(Scheduler::new(SchedulerConfig {
        parameters: fsrs::DEFAULT_PARAMETERS.to_vec(),
        ..SchedulerConfig::default()
    })
    .is_ok());
}

#[test]
fn defaults_match_fsrs() {
    let now = utc("2025-05-01T12:00:00Z");
    let card = Card::new(now);
    let outcomes = scheduler(false)
        .preview(&card, now, &utc_clock(), 0)
        .unwrap();
    let expected = FSRS::default().next_states(None, 0.9, 0).unwrap();

    let good = &outcomes[2];
    assert_eq!(good.rating, Rating::Good);
    assert!(
        (2..=3).contains(&good.card.scheduled_days),
        "{}",
        good.card.scheduled_days
    );
    assert_eq!(
        good.card.scheduled_days,
        expected.good.interval.round() as u32
    );
    assert_eq!(
        good.card.stability,
        f64::from(expected.good.memory.stability)
    );
    assert_eq!(
        good.card.difficulty,
        f64::from(expected.good.memory.difficulty)
    );
    assert_eq!(
        outcomes[0].card.stability,
        f64::from(expected.again.memory.stability)
    );
    assert_eq!(
        outcomes[3].card.stability,
        f64::from(expected.easy.memory.stability)
    );
    assert_eq!(
        outcomes.each_ref().map(|outcome| outcome.rating),
        Rating::ALL
    );
}

#[test]
fn again_relearns_in_minutes_and_counts_a_lapse_only_from_review() {
    let now = utc("2025-05-01T12:00:00Z");
    let clock = utc_clock();
    let scheduler = scheduler(true);

    let new_again = scheduler
        .grade(&Card::new(now), Rating::Again, now, &clock, 7)
        .unwrap();
    assert_eq!(new_again.card.state, CardState::Learning);
    assert_eq!(new_again.card.due, now + Duration::minutes(10));
    assert_eq!(new_again.card.lapses, 0);
    assert_eq!(new_again.card.scheduled_days, 0);
    assert_eq!(new_again.interval_label, "10m");

    let later = now + Duration::days(3);
    let reviewed = scheduler
        .grade(&Card::new(now), Rating::Good, now, &clock, 7)
        .unwrap()
        .card;
    let lapse = scheduler
        .grade(&reviewed, Rating::Again, later, &clock, 7)
        .unwrap()
        .card;
    assert_eq!(lapse.state, CardState::Relearning);
    assert_eq!(lapse.lapses, 1);
    assert_eq!(lapse.reps, 2);
    assert_eq!(lapse.last_review, Some(later));

    let again_in_relearning = scheduler
        .grade(&lapse, Rating::Again, later, &clock, 7)
        .unwrap()
        .card;
    assert_eq!(again_in_relearning.state, CardState::Relearning);
    assert_eq!(again_in_relearning.lapses, 1, "only a review card lapses");

    let relearnt = scheduler
        .grade(&lapse, Rating::Good, later, &clock, 7)
        .unwrap()
        .card;
    assert_eq!(relearnt.state, CardState::Review);
    assert!(relearnt.scheduled_days >= 1);
}

#[test]
fn good_on_day_d_is_due_at_the_start_of_day_d_plus_n() {
    let berlin = DayClock::new(chrono_tz::Europe::Berlin, 4);
    // 02:30 local on 28 March still belongs to study day 27 March.
    let now = local(chrono_tz::Europe::Berlin, "2025-03-28 02:30");
    let outcome = scheduler(true)
        .grade(&Card::new(now), Rating::Good, now, &berlin, 42)
        .unwrap();
    let n = outcome.card.scheduled_days;
    let due_day = date("2025-03-27") + Days::new(u64::from(n));
    assert_eq!(outcome.card.due, berlin.day_start(due_day));
    assert_eq!(outcome.interval_label, format!("{n}d"));
    let due_local = outcome.card.due.with_timezone(&chrono_tz::Europe::Berlin);
    assert_eq!(due_local.time(), NaiveTime::from_hms_opt(4, 0, 0).unwrap());
}

#[test]
fn elapsed_time_counts_study_days_not_hours() {
    let clock = DayClock::new(chrono_tz::America::New_York, 4);
    let scheduler = scheduler(false);
    let first = local(chrono_tz::America::New_York, "2025-06-10 22:00");
    let card = scheduler
        .grade(&Card::new(first), Rating::Good, first, &clock, 0)
        .unwrap()
        .card;
    // Six hours later but the same study day (before 04:00): a same-day review.
    let same_day = local(chrono_tz::America::New_York, "2025-06-11 03:59");
    let next_day = local(chrono_tz::America::New_York, "2025-06-11 04:00");
    let memory = Some(MemoryState {
        stability: card.stability as f32,
        difficulty: card.difficulty as f32,
    });
    let fsrs = FSRS::default();
    let same = scheduler
        .grade(&card, Rating::Good, same_day, &clock, 0)
        .unwrap();
    let expected_same = fsrs.next_states(memory, 0.9, 0).unwrap().good;
    assert_eq!(
        same.card.stability,
        f64::from(expected_same.memory.stability)
    );
    let next = scheduler
        .grade(&card, Rating::Good, next_day, &clock, 0)
        .unwrap();
    let expected_next = fsrs.next_states(memory, 0.9, 1).unwrap().good;
    assert_eq!(
        next.card.stability,
        f64::from(expected_next.memory.stability)
    );
}

#[test]
fn interval_labels() {
    assert_eq!(minutes_label(10), "10m");
    assert_eq!(minutes_label(59), "59m");
    assert_eq!(minutes_label(60), "1h");
    assert_eq!(minutes_label(90), "1.5h");
    assert_eq!(minutes_label(24 * 60), "1d");
    assert_eq!(days_label(1), "1d");
    assert_eq!(days_label(29), "29d");
    assert_eq!(days_label(30), "1mo");
    assert_eq!(days_label(97), "3.2mo");
    assert_eq!(days_label(364), "12mo");
    assert_eq!(days_label(365), "1y");
    assert_eq!(days_label(548), "1.5y");
    assert_eq!(days_label(36500), "100y");
}

#[test]
fn fuzz_ranges_follow_anki() {
    assert_eq!(fuzz_range(1.0, 36500), None);
    assert_eq!(fuzz_range(2.4, 36500), None);
    // delta = 1 + 0.15 * 0.5 = 1.075
    assert_eq!(fuzz_range(3.0, 36500), Some((2, 4)));
    // delta = 1 + 0.15 * 4.5 + 0.10 * 3 = 1.975
    assert_eq!(fuzz_range(10.0, 36500), Some((8, 12)));
    // delta = 1 + 0.675 + 1.3 + 0.05 * 80 = 6.975
    assert_eq!(fuzz_range(100.0, 36500), Some((93, 107)));
    assert_eq!(fuzz_range(100.0, 100), Some((93, 100)));
}

#[test]
fn maximum_interval_caps_every_rating() {
    let scheduler = Scheduler::new(SchedulerConfig {
        maximum_interval_days: 5,
        ..SchedulerConfig::default()
    })
    .unwrap();
    let now = utc("2025-05-01T12:00:00Z");
    let card = Card {
        state: CardState::Review,
        stability: 400.0,
        difficulty: 3.0,
        last_review: Some(now - Duration::days(300)),
        reps: 8,
        scheduled_days: 300,
        ..Card::new(now)
    };
    let outcomes = scheduler.preview(&card, now, &utc_clock(), 1).unwrap();
    for outcome in &outcomes[1..] {
        assert_eq!(outcome.card.scheduled_days, 5);
    }
}

#[test]
fn fuzz_spreads_intervals_across_seeds() {
    let now = utc("2025-05-01T12:00:00Z");
    let card = Card {
        state: CardState::Review,
        stability: 30.0,
        difficulty: 5.0,
        last_review: Some(now - Duration::days(30)),
        reps: 5,
        scheduled_days: 30,
        ..Card::new(now)
    };
    let scheduler = scheduler(true);
    let goods: std::collections::BTreeSet<u32> = (0..200)
        .map(|seed| {
            scheduler
                .grade(&card, Rating::Good, now, &utc_clock(), seed)
                .unwrap()
                .card
                .scheduled_days
        })
        .collect();
    assert!(goods.len() > 3, "{goods:?}");
}

#[test]
fn starling_intervals_equal_the_fsrs_crates_for_a_history() {
    // Custom weights, as an optimizer would fit them.
    let mut parameters = fsrs::DEFAULT_PARAMETERS.to_vec();
    parameters[0] = 0.5;
    parameters[2] = 3.1;
    parameters[8] = 1.7;
    let fsrs = FSRS::new(&parameters).unwrap();
    let scheduler = Scheduler::new(SchedulerConfig {
        parameters: parameters.clone(),
        fuzz: false,
        learning_steps: Vec::new(),
        relearning_steps: Vec::new(),
        desired_retention: 0.85,
        ..SchedulerConfig::default()
    })
    .unwrap();
    let clock = utc_clock();
    let mut now = utc("2025-01-01T12:00:00Z");
    let mut card = Card::new(now);
    let mut memory: Option<MemoryState> = None;
    let mut elapsed = 0u32;
    for rating in [
        Rating::Good,
        Rating::Good,
        Rating::Hard,
        Rating::Again,
        Rating::Good,
        Rating::Easy,
    ] {
        let expected = fsrs.next_states(memory, 0.85, elapsed).unwrap();
        let state = match rating {
            Rating::Again => expected.again,
            Rating::Hard => expected.hard,
            Rating::Good => expected.good,
            Rating::Easy => expected.easy,
        };
        let outcome = scheduler.grade(&card, rating, now, &clock, 0).unwrap();
        assert_eq!(outcome.card.stability, f64::from(state.memory.stability));
        assert_eq!(outcome.card.difficulty, f64::from(state.memory.difficulty));
        let days = f64::from(state.interval).clamp(1.0, 36500.0).round() as u32;
        if rating != Rating::Again {
            assert_eq!(outcome.card.scheduled_days, days, "{rating}");
        }
        memory = Some(state.memory);
        elapsed = outcome.card.scheduled_days;
        now = outcome.card.due + Duration::hours(1);
        card = outcome.card;
    }
}
