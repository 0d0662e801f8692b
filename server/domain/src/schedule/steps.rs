//! Learning steps: the waits in minutes between a new or lapsed card's first answers,
//! as the learner writes them ("1m 10m 1h 1d") and as they are checked.

use super::ScheduleError;

/// The most learning steps a learner may set, and the longest step (30 days).
pub const MAX_STEPS: usize = 10;
pub const MAX_STEP_MINUTES: u32 = 43_200;

/// Parses steps such as "1m 10m 1h 1d" (minutes, hours or days; a bare number is minutes).
pub fn parse_steps(text: &str) -> Result<Vec<u32>, ScheduleError> {
    let steps = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (number, unit) = match part.char_indices().find(|(_, c)| c.is_alphabetic()) {
                Some((at, _)) => part.split_at(at),
                None => (part, "m"),
            };
            let factor = match unit.to_ascii_lowercase().as_str() {
                "m" | "min" => 1.0,
                "h" => 60.0,
                "d" => 1440.0,
                _ => return Err(ScheduleError::InvalidSteps(text.to_owned())),
            };
            let value: f64 = number
                .parse()
                .map_err(|_| ScheduleError::InvalidSteps(text.to_owned()))?;
            let minutes = (value * factor).round();
            if !(1.0..=f64::from(MAX_STEP_MINUTES)).contains(&minutes) {
                return Err(ScheduleError::InvalidSteps(text.to_owned()));
            }
            Ok(minutes as u32)
        })
        .collect::<Result<Vec<u32>, _>>()?;
    check_steps(&steps).map_err(|_| ScheduleError::InvalidSteps(text.to_owned()))?;
    Ok(steps)
}

/// Steps written back the way [`parse_steps`] reads them: "10m 1h 1d".
pub fn format_steps(steps: &[u32]) -> String {
    steps
        .iter()
        .map(|&m| {
            if m % 1440 == 0 {
                format!("{}d", m / 1440)
            } else if m % 60 == 0 {
                format!("{}h", m / 60)
            } else {
                format!("{m}m")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn check_steps(steps: &[u32]) -> Result<(), ()> {
    let ordered = steps.windows(2).all(|pair| pair[0] <= pair[1]);
    let in_range = steps.iter().all(|&m| (1..=MAX_STEP_MINUTES).contains(&m));
    if steps.len() <= MAX_STEPS && ordered && in_range {
        Ok(())
    } else {
        Err(())
    }
}
