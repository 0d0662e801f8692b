//! What a bank is once read: its competencies and questions, the errors a file may
//! have, and the limits a file is held to.

use serde::Serialize;

/// One bank: a titled set of questions grouped by competency.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Serialize)]
pub struct Bank {
    pub id: String,
    pub title: String,
    pub description: String,
    pub competencies: Vec<Competency>,
    pub questions: Vec<Question>,
}

/// A skill the questions probe, such as "Delegation" or "Handling conflict".
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Serialize)]
pub struct Competency {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// One interview question with what a good answer to it covers.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Serialize)]
pub struct Question {
    /// Stable key: re-imports update the question with the same id in place.
    pub id: String,
    /// The id of one of the bank's competencies.
    pub competency: String,
    pub prompt: String,
    /// Other ways an interviewer asks the same thing.
    pub variants: Vec<String>,
    pub follow_ups: Vec<String>,
    /// What an answer to this question should contain beyond the STAR checklist.
    pub rubric: Vec<String>,
    /// What a weak answer to this question shows, e.g. "Blames the person and describes
    /// no action of their own".
    pub red_flags: Vec<String>,
    pub tags: Vec<String>,
    /// Roles or seniorities the question suits, e.g. "team-lead".
    pub level: Vec<String>,
}

/// One problem in a bank file.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct BankError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// The offending field as a path with 0-based indexes, e.g. `question[3].competency`.
    pub field: Option<String>,
    pub message: String,
    /// The line the problem is on, as written: control characters escaped (`\t`), and a
    /// long line cut to the part around the column, with `…` where it was cut. Absent
    /// when the problem is not on a line of the file (such as its size).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
}

/// All problems of one file, in file order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", join_lines(.0))]
pub struct BankErrors(pub Vec<BankError>);

fn join_lines(errors: &[BankError]) -> String {
    errors
        .iter()
        .map(BankError::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Size limits that keep one bank file from swamping the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_questions: usize,
    /// Also applies to each variant and follow-up, which are prompts too.
    pub max_prompt_chars: usize,
    /// Also applies to each red flag, which is a checklist item in reverse.
    pub max_rubric_item_chars: usize,
    /// The largest file, in bytes, that is parsed at all.
    pub max_file_bytes: usize,
    /// The most an archive (an Anki package) may unpack to, in bytes: what is read
    /// out of it stops there, so a zip bomb never takes more memory than this.
    pub max_unpacked_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_questions: 5000,
            max_prompt_chars: 2000,
            max_rubric_item_chars: 500,
            max_file_bytes: 5 * 1024 * 1024,
            max_unpacked_bytes: 64 * 1024 * 1024,
        }
    }
}
