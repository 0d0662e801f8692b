//! Properties of scheduling over any card, settings, time zone and seed: ordered
//! intervals, due dates never in the past, deterministic fuzz, and the interview cap.

use super::*;

const ZONES: [Tz; 5] = [
    chrono_tz::UTC,
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Asia::Kolkata,
];

fn any_state() -> impl Strategy<Value = CardState> {
    prop_oneof![
        Just(CardState::New),
        Just(CardState::Learning),
        Just(CardState::Review),
        Just(CardState::Relearning),
    ]
}

prop_compose! {
    fn any_card()(
        state in any_state(),
        stability in 0.001f64..36500.0,
        difficulty in 1.0f64..10.0,
        reps in 0u32..100,
        lapses in 0u32..20,
        last_review_secs in 1_500_000_000i64..1_900_000_000,
        scheduled_days in 0u32..1000,
    ) -> Card {
        let last_review = DateTime::from_timestamp(last_review_secs, 0).unwrap();
        let reps = if state == CardState::New { 0 } else { reps.max(1) };
        let step = u32::from(reps % 3 == 0);
        Card {
            state,
            due: last_review + Duration::days(i64::from(scheduled_days)),
            stability: if reps == 0 { 0.0 } else { stability },
            difficulty: if reps == 0 { 0.0 } else { difficulty },
            last_review: (reps > 0).then_some(last_review),
            reps,
            lapses,
            scheduled_days,
            step,
        }
    }
}

prop_compose! {
    fn any_scheduler()(
        retention in 0.70f32..=0.99,
        fuzz in any::<bool>(),
        learning_steps in proptest::collection::vec(1u32..3000, 0..4),
        relearning_steps in proptest::collection::vec(1u32..3000, 0..3),
        maximum_interval_days in prop_oneof![Just(36500u32), 1u32..400],
    ) -> Scheduler {
        let sorted = |mut steps: Vec<u32>| { steps.sort_unstable(); steps };
        Scheduler::new(SchedulerConfig {
            desired_retention: retention,
            parameters: Vec::new(),
            fuzz,
            learning_steps: sorted(learning_steps),
            relearning_steps: sorted(relearning_steps),
            maximum_interval_days,
            interview: None,
        })
        .unwrap()
    }
}

proptest! {
    #[test]
    fn intervals_never_decrease_from_again_to_easy(
        scheduler in any_scheduler(),
        card in any_card(),
        elapsed_secs in 0i64..(3650 * 86_400),
        zone in 0usize..ZONES.len(),
        rollover in 0u32..24,
        seed in any::<u64>(),
    ) {
        let clock = DayClock::new(ZONES[zone], rollover);
        let now = card.last_review.unwrap_or(card.due) + Duration::seconds(elapsed_secs);
        let outcomes = scheduler.preview(&card, now, &clock, seed).unwrap();
        let dues = outcomes.each_ref().map(|outcome| outcome.card.due);
        prop_assert!(dues.windows(2).all(|pair| pair[0] <= pair[1]), "{:?}", dues);
        let maximum = scheduler.config().maximum_interval_days;
        prop_assert_eq!(outcomes[3].card.state, CardState::Review, "Easy always graduates");
        prop_assert!(outcomes[3].card.scheduled_days >= 1);
        prop_assert!(outcomes[3].card.scheduled_days <= maximum);
        let reviewing = card.state == CardState::Review
            || (card.state == CardState::Relearning && scheduler.config().relearning_steps.is_empty())
            || (matches!(card.state, CardState::New | CardState::Learning) && scheduler.config().learning_steps.is_empty());
        if reviewing {
            let days = outcomes.each_ref().map(|outcome| outcome.card.scheduled_days);
            prop_assert!(days[1] >= 1);
            // A better rating gains at least a day unless the maximum stops it.
            prop_assert!(days[2] > days[1] || days[2] == maximum, "{:?}", days);
            prop_assert!(days[3] > days[2] || days[3] == maximum, "{:?}", days);
        }
    }

    #[test]
    fn due_is_never_before_now_and_grade_equals_preview(
        scheduler in any_scheduler(),
        card in any_card(),
        elapsed_secs in 0i64..(400 * 86_400),
        zone in 0usize..ZONES.len(),
        rollover in 0u32..24,
        seed in any::<u64>(),
    ) {
        let clock = DayClock::new(ZONES[zone], rollover);
        let now = card.last_review.unwrap_or(card.due) + Duration::seconds(elapsed_secs);
        let outcomes = scheduler.preview(&card, now, &clock, seed).unwrap();
        for outcome in &outcomes {
            prop_assert!(outcome.card.due >= now);
            prop_assert_eq!(outcome.card.last_review, Some(now));
            prop_assert_eq!(outcome.card.reps, card.reps + 1);
            let graded = scheduler.grade(&card, outcome.rating, now, &clock, seed).unwrap();
            prop_assert_eq!(&graded, outcome);
        }
        for outcome in &outcomes[1..] {
            prop_assert!(outcome.card.due > now);
        }
        for outcome in outcomes.iter().filter(|o| o.card.state == CardState::Review) {
            let today = clock.day_of(now);
            prop_assert!(outcome.card.scheduled_days >= 1);
            prop_assert_eq!(
                outcome.card.due,
                clock.day_start(today + Days::new(u64::from(outcome.card.scheduled_days)))
            );
        }
    }

    #[test]
    fn fuzz_is_deterministic_and_within_range(
        interval in 1.0f64..40000.0,
        maximum in prop_oneof![Just(36500u32), 1u32..1000],
        seed in any::<u64>(),
    ) {
        let capped = interval.min(f64::from(maximum));
        match fuzz_range(capped, maximum) {
            None => prop_assert!(capped < 2.5),
            Some((lower, upper)) => {
                prop_assert!(lower <= upper && upper <= maximum);
                prop_assert!(lower >= 2 || maximum < 2);
                for rating in [Rating::Hard, Rating::Good, Rating::Easy] {
                    let day = pick_in_range((lower, upper), seed, rating);
                    prop_assert!((lower..=upper).contains(&day));
                    prop_assert_eq!(day, pick_in_range((lower, upper), seed, rating));
                }
            }
        }
    }

    #[test]
    fn preview_is_deterministic_per_seed(
        scheduler in any_scheduler(),
        card in any_card(),
        elapsed_secs in 0i64..(400 * 86_400),
        seed in any::<u64>(),
    ) {
        let now = card.last_review.unwrap_or(card.due) + Duration::seconds(elapsed_secs);
        let clock = utc_clock();
        prop_assert_eq!(
            scheduler.preview(&card, now, &clock, seed).unwrap(),
            scheduler.preview(&card, now, &clock, seed).unwrap()
        );
    }

    #[test]
    fn an_instant_lies_within_its_study_day(
        secs in 0i64..4_000_000_000,
        zone in 0usize..ZONES.len(),
        rollover in 0u32..24,
    ) {
        let clock = DayClock::new(ZONES[zone], rollover);
        let at = DateTime::from_timestamp(secs, 0).unwrap();
        prop_assert!(clock.today_start(at) <= at);
        prop_assert!(at < clock.tomorrow_start(at));
    }
}

proptest! {
    #[test]
    fn no_review_is_due_after_the_interview(
        scheduler in any_scheduler(),
        card in any_card(),
        elapsed_secs in 0i64..(60 * 86_400),
        days_left in 1u64..60,
        seed in any::<u64>(),
    ) {
        let clock = utc_clock();
        let now = card.last_review.unwrap_or(card.due) + Duration::seconds(elapsed_secs);
        let today = clock.day_of(now);
        let date = today + Days::new(days_left);
        let config = SchedulerConfig {
            interview: Some(InterviewPlan { date, due_per_day: BTreeMap::new() }),
            ..scheduler.config().clone()
        };
        let scheduler = Scheduler::new(config).unwrap();
        for outcome in scheduler.preview(&card, now, &clock, seed).unwrap() {
            if outcome.card.state == CardState::Review {
                prop_assert!(clock.day_of(outcome.card.due) <= date);
                if days_left > 1 {
                    prop_assert!(clock.day_of(outcome.card.due) < date);
                }
            }
        }
        if let Some(moved) = scheduler.reschedule(&card, now, &clock) {
            prop_assert!(clock.day_of(moved.due) <= date);
        }
    }

    #[test]
    fn reschedule_keeps_due_dates_in_the_future(
        scheduler in any_scheduler(),
        card in any_card(),
        before_due_secs in 1i64..(400 * 86_400),
        zone in 0usize..ZONES.len(),
    ) {
        let clock = DayClock::new(ZONES[zone], 4);
        let now = card.due - Duration::seconds(before_due_secs);
        prop_assume!(card.last_review.is_some_and(|last| last <= now));
        match scheduler.reschedule(&card, now, &clock) {
            Some(moved) => {
                prop_assert_eq!(card.state, CardState::Review);
                prop_assert!(moved.due > now);
                prop_assert!(moved.due >= clock.tomorrow_start(now));
                prop_assert_eq!(moved.stability, card.stability);
                prop_assert_eq!(moved.reps, card.reps);
            }
            None => prop_assert!(card.state != CardState::Review),
        }
    }
}
