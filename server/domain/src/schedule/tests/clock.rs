//! Tests of the day clock: study days roll over at their hour across DST changes, gaps
//! and folds.

use super::*;

#[test]
fn day_clock_rolls_over_at_four_across_dst() {
    let cases = [
        // Europe/Berlin springs forward at 02:00 and falls back at 03:00.
        (chrono_tz::Europe::Berlin, "2025-03-30"),
        (chrono_tz::Europe::Berlin, "2025-03-31"),
        (chrono_tz::Europe::Berlin, "2025-10-26"),
        (chrono_tz::Europe::Berlin, "2025-10-27"),
        // America/New_York springs forward and falls back at 02:00.
        (chrono_tz::America::New_York, "2025-03-09"),
        (chrono_tz::America::New_York, "2025-03-10"),
        (chrono_tz::America::New_York, "2025-11-02"),
        (chrono_tz::America::New_York, "2025-11-03"),
    ];
    for (tz, day) in cases {
        let clock = DayClock::new(tz, 4);
        let day = date(day);
        let before = local(tz, &format!("{} 03:59", day));
        let at = local(tz, &format!("{} 04:00", day));
        assert_eq!(clock.day_of(before), day.pred_opt().unwrap(), "{tz} {day}");
        assert_eq!(clock.day_of(at), day, "{tz} {day}");
        assert_eq!(clock.day_start(day), at, "{tz} {day}");
        assert_eq!(clock.today_start(at), at);
        assert_eq!(clock.tomorrow_start(before), at);
        let next_start = clock.day_start(day.succ_opt().unwrap());
        assert_eq!(clock.tomorrow_start(at), next_start);
        let length = next_start - at;
        assert!(
            [23, 24, 25].contains(&length.num_hours()),
            "{tz} {day}: {length}"
        );
    }
    // The night of the change is an hour shorter or longer in study time, too.
    let berlin = DayClock::new(chrono_tz::Europe::Berlin, 4);
    let spring = berlin.day_start(date("2025-03-30")) - berlin.day_start(date("2025-03-29"));
    assert_eq!(spring, Duration::hours(23));
    let autumn = berlin.day_start(date("2025-10-26")) - berlin.day_start(date("2025-10-25"));
    assert_eq!(autumn, Duration::hours(25));
}

#[test]
fn day_start_in_a_dst_gap_or_fold() {
    let berlin = DayClock::new(chrono_tz::Europe::Berlin, 2);
    // 02:00 does not exist on 30 March 2025: the day starts at 03:00 CEST = 01:00 UTC.
    assert_eq!(
        berlin.day_start(date("2025-03-30")),
        utc("2025-03-30T01:00:00Z")
    );
    // 02:00 happens twice on 26 October 2025: the first, 02:00 CEST = 00:00 UTC.
    assert_eq!(
        berlin.day_start(date("2025-10-26")),
        utc("2025-10-26T00:00:00Z")
    );
    let new_york = DayClock::new(chrono_tz::America::New_York, 2);
    assert_eq!(
        new_york.day_start(date("2025-03-09")),
        utc("2025-03-09T07:00:00Z")
    );
    // Samoa skipped 30 December 2011 entirely; that day starts when 31 December does.
    let apia = DayClock::new(chrono_tz::Pacific::Apia, 4);
    assert_eq!(
        apia.day_start(date("2011-12-30")),
        local(chrono_tz::Pacific::Apia, "2011-12-31 00:00")
    );
}

#[test]
fn rollover_hour_is_capped() {
    let clock = DayClock::new(chrono_tz::UTC, 30);
    assert_eq!(clock.rollover_hour(), 23);
    assert_eq!(
        clock.day_start(date("2025-01-01")).hour(),
        23,
        "a day starts within its own date"
    );
}
