//! Quantities in words people read: file sizes ("3.4 MB", and the one sentence that
//! compares a file with its limit), spans of days ("36500 days ≈ 100 years") and
//! minutes of practice that never round a real session down to nothing ("<1 min").
//!
//! A megabyte here is 1024 × 1024 bytes, as the server's limits are set (5 MiB for a
//! bank file) and as most file managers show sizes.

/// Which way a size that falls between two shown values is rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// For a file's own size: never shown smaller than it is.
    Up,
    /// For a limit: never shown larger than it is.
    Down,
}

const KB: u64 = 1024;
const MB: u64 = 1024 * 1024;

/// `bytes` as "3.4 MB" (one decimal, none when whole), "48 KB" or "512 bytes".
pub fn human_size(bytes: u64, rounding: Rounding) -> String {
    let divide = |unit: u64| match rounding {
        Rounding::Up => bytes.div_ceil(unit),
        Rounding::Down => bytes / unit,
    };
    if bytes >= MB {
        let tenths = match rounding {
            Rounding::Up => (u128::from(bytes) * 10).div_ceil(u128::from(MB)),
            Rounding::Down => u128::from(bytes) * 10 / u128::from(MB),
        };
        if tenths % 10 == 0 {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    } else if bytes >= KB {
        format!("{} KB", divide(KB))
    } else if bytes == 1 {
        "1 byte".to_owned()
    } else {
        format!("{bytes} bytes")
    }
}

/// "The file is 5.1 MB; the limit is 5 MB": the size rounded up and the limit rounded
/// down, so the two never read the same when the size is over the limit.
pub fn over_limit(what: &str, size: u64, limit: u64) -> String {
    format!(
        "The {what} is {}; the limit is {}",
        human_size(size, Rounding::Up),
        human_size(limit, Rounding::Down)
    )
}

/// A number of days with its rough size in longer units: "36500 days ≈ 100 years",
/// "180 days ≈ 6 months", "14 days = 2 weeks", "1 day".
pub fn days_in_words(days: u32) -> String {
    let plural = |n: u32, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    let whole = plural(days, "day");
    let (count, unit, exact) = if days >= 365 {
        let years = f64::from(days) / 365.25;
        let rounded = if years < 10.0 {
            (years * 10.0).round() / 10.0
        } else {
            years.round()
        };
        (rounded, "year", false)
    } else if days >= 30 {
        ((f64::from(days) / 30.44).round(), "month", false)
    } else if days >= 7 && days % 7 == 0 {
        (f64::from(days / 7), "week", true)
    } else {
        return whole;
    };
    let sign = if exact { "=" } else { "≈" };
    let amount = if count.fract() == 0.0 {
        plural(count as u32, unit)
    } else {
        format!("{count} {unit}s")
    };
    format!("{whole} {sign} {amount}")
}

/// Seconds of practice as minutes for a total: whole minutes, rounded to the nearest,
/// but a session of under a minute is "<1 min" rather than 0 and nothing is "0 min".
pub fn minutes_in_words(seconds: u64) -> String {
    match seconds {
        0 => "0 min".to_owned(),
        1..=59 => "<1 min".to_owned(),
        _ => format!("{} min", (seconds + 30) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn days_read_in_years_months_or_weeks() {
        assert_eq!(days_in_words(36_500), "36500 days ≈ 100 years");
        assert_eq!(days_in_words(365), "365 days ≈ 1 year");
        assert_eq!(days_in_words(548), "548 days ≈ 1.5 years");
        assert_eq!(days_in_words(180), "180 days ≈ 6 months");
        assert_eq!(days_in_words(30), "30 days ≈ 1 month");
        assert_eq!(days_in_words(14), "14 days = 2 weeks");
        assert_eq!(days_in_words(7), "7 days = 1 week");
        assert_eq!(days_in_words(10), "10 days");
        assert_eq!(days_in_words(1), "1 day");
    }

    #[test]
    fn a_short_session_is_never_zero_minutes() {
        assert_eq!(minutes_in_words(0), "0 min");
        assert_eq!(minutes_in_words(1), "<1 min");
        assert_eq!(minutes_in_words(40), "<1 min");
        assert_eq!(minutes_in_words(60), "1 min");
        assert_eq!(minutes_in_words(89), "1 min");
        assert_eq!(minutes_in_words(90), "2 min");
        assert_eq!(minutes_in_words(3600), "60 min");
    }

    #[test]
    fn sizes_read_in_megabytes_kilobytes_or_bytes() {
        assert_eq!(human_size(5 * MB, Rounding::Down), "5 MB");
        assert_eq!(human_size(5 * MB, Rounding::Up), "5 MB");
        assert_eq!(human_size(5 * MB + 1, Rounding::Up), "5.1 MB");
        assert_eq!(human_size(5 * MB + 1, Rounding::Down), "5 MB");
        assert_eq!(human_size(3_565_158, Rounding::Up), "3.4 MB");
        assert_eq!(human_size(2 * MB, Rounding::Down), "2 MB");
        assert_eq!(human_size(MB - 1, Rounding::Up), "1024 KB");
        assert_eq!(human_size(48 * KB + 1, Rounding::Up), "49 KB");
        assert_eq!(human_size(48 * KB + 1, Rounding::Down), "48 KB");
        assert_eq!(human_size(512, Rounding::Up), "512 bytes");
        assert_eq!(human_size(1, Rounding::Up), "1 byte");
        assert_eq!(human_size(0, Rounding::Down), "0 bytes");
    }

    #[test]
    fn a_file_over_its_limit_says_both_sizes() {
        assert_eq!(
            over_limit("file", 3_565_158, 2 * MB),
            "The file is 3.4 MB; the limit is 2 MB"
        );
        assert_eq!(
            over_limit("file", 5 * MB + 1, 5 * MB),
            "The file is 5.1 MB; the limit is 5 MB"
        );
    }

    proptest! {
        /// Up never shows less than the size and Down never more, so a file one byte
        /// over its limit never reads as the same size as the limit.
        #[test]
        fn rounding_keeps_over_limit_apart(limit in 0u64..50 * MB, over in 1u64..MB) {
            let size = limit + over;
            prop_assert_ne!(human_size(size, Rounding::Up), human_size(limit, Rounding::Down));
        }
    }
}
