//! A learner's management level. Bank questions name the levels they suit
//! in their `level` list; a learner who chose a level gets those first.

use serde::Serialize;

/// Who the learner manages, as the default bank's `level` tags name it.
#[derive(utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// New to managing individual contributors.
    FirstTime,
    /// Several years of managing a team.
    Experienced,
    /// A director: managers report to them.
    ManagerOfManagers,
}

/// A level name that is none of [`Level::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("level must be one of first-time, experienced or manager-of-managers (or none, for no preference), got {0:?}")]
pub struct UnknownLevel(pub String);

impl Level {
    pub const ALL: [Level; 3] = [
        Level::FirstTime,
        Level::Experienced,
        Level::ManagerOfManagers,
    ];

    /// The tag in a bank's `level` list.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::FirstTime => "first-time",
            Level::Experienced => "experienced",
            Level::ManagerOfManagers => "manager-of-managers",
        }
    }

    /// What the level is called on the pages.
    pub fn name(self) -> &'static str {
        match self {
            Level::FirstTime => "First-time manager",
            Level::Experienced => "Experienced manager",
            Level::ManagerOfManagers => "Manager of managers",
        }
    }

    /// One sentence that lets a learner recognise themselves.
    pub fn description(self) -> &'static str {
        match self {
            Level::FirstTime => {
                "You lead people who do the work themselves, and are new to managing (or about to start)."
            }
            Level::Experienced => "You have managed a team for several years.",
            Level::ManagerOfManagers => {
                "Managers report to you: you lead several teams through them, as a director does."
            }
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Level {
    type Err = UnknownLevel;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Level::ALL
            .into_iter()
            .find(|level| level.as_str() == text)
            .ok_or_else(|| UnknownLevel(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_round_trip_and_others_are_refused() {
        for level in Level::ALL {
            assert_eq!(level.as_str().parse::<Level>().unwrap(), level);
            assert_eq!(
                serde_json::to_string(&level).unwrap(),
                format!("\"{level}\"")
            );
        }
        for other in ["", "First-Time", "senior", " experienced"] {
            let err = other.parse::<Level>().unwrap_err();
            assert!(err.to_string().contains("manager-of-managers"), "{err}");
        }
    }
}
