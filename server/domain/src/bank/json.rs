//! JSON bank files: `{"bank": {...}, "competencies": [...], "questions": [...]}`.
//! serde_json checks the syntax (and bounds the nesting); a small walker over the then
//! well-formed text records where each value starts.

use std::collections::HashSet;

use super::tree::{self, Key, Node, Style, Value, SCHEMA_DEPTH};
use super::{Draft, LineIndex, Problem};

pub(super) fn read(source: &str, problems: &mut Vec<Problem>) -> Option<Draft> {
    let lines = LineIndex::new(source);
    if let Err(error) = serde_json::from_str::<serde_json::Value>(source) {
        let full = error.to_string();
        let suffix = format!(" at line {} column {}", error.line(), error.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        let pos = lines.position_of_byte_column(error.line(), error.column());
        problems.push(Problem::new(pos, None, message));
        return None;
    }
    let mut walker = Walker {
        source,
        at: 0,
        lines: &lines,
        problems,
    };
    let root = walker.value(0);
    tree::read(root, Style::Json, problems)
}

/// Walks JSON text that serde_json accepted, so it only has to find where things are.
struct Walker<'a, 'p> {
    source: &'a str,
    at: usize,
    lines: &'a LineIndex<'a>,
    problems: &'p mut Vec<Problem>,
}

impl Walker<'_, '_> {
    fn peek(&self) -> Option<u8> {
        self.source.as_bytes().get(self.at).copied()
    }

    fn skip_white_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Node {
        self.skip_white_space();
        let pos = self.lines.position(self.at);
        let (kind, value) = match self.peek() {
            Some(b'{') => ("an object", self.object(depth)),
            Some(b'[') => ("an array", self.array(depth)),
            Some(b'"') => ("a string", Value::Text(self.string())),
            Some(b't') => {
                self.at += "true".len();
                ("a boolean", Value::Other)
            }
            Some(b'f') => {
                self.at += "false".len();
                ("a boolean", Value::Other)
            }
            Some(b'n') => {
                self.at += "null".len();
                ("null", Value::Null)
            }
            _ => {
                let start = self.at;
                while matches!(
                    self.peek(),
                    Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                ) {
                    self.at += 1;
                }
                if self.at == start {
                    // Not reachable for accepted JSON; stop rather than loop.
                    self.at = self.source.len();
                }
                ("a number", Value::Other)
            }
        };
        let value = match value {
            Value::List(_) | Value::Map(_) if depth >= SCHEMA_DEPTH => Value::Other,
            value => value,
        };
        Node { pos, kind, value }
    }

    fn object(&mut self, depth: usize) -> Value {
        self.at += 1;
        let mut fields = Vec::new();
        let mut seen = HashSet::new();
        loop {
            self.skip_white_space();
            match self.peek() {
                Some(b'}') => {
                    self.at += 1;
                    break;
                }
                Some(b',') => self.at += 1,
                Some(b'"') => {
                    let pos = self.lines.position(self.at);
                    let name = self.string();
                    self.skip_white_space();
                    if self.peek() == Some(b':') {
                        self.at += 1;
                    }
                    let value = self.value(depth + 1);
                    if seen.insert(name.clone()) {
                        fields.push((Key { name, pos }, value));
                    } else {
                        self.problems.push(Problem::new(
                            pos,
                            None,
                            format!("duplicate key `{name}`"),
                        ));
                    }
                }
                _ => {
                    self.at = self.source.len();
                    break;
                }
            }
        }
        Value::Map(fields)
    }

    fn array(&mut self, depth: usize) -> Value {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.skip_white_space();
            match self.peek() {
                Some(b']') => {
                    self.at += 1;
                    break;
                }
                Some(b',') => self.at += 1,
                Some(_) => items.push(self.value(depth + 1)),
                None => break,
            }
        }
        Value::List(items)
    }

    /// The string literal at the cursor, decoded.
    fn string(&mut self) -> String {
        let start = self.at;
        let bytes = self.source.as_bytes();
        let mut at = start + 1;
        while let Some(&byte) = bytes.get(at) {
            match byte {
                b'\\' => at += 2,
                b'"' => break,
                _ => at += 1,
            }
        }
        let end = (at + 1).min(bytes.len());
        self.at = end;
        let literal = self.source.get(start..end).unwrap_or_default();
        serde_json::from_str(literal).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::{derive_question_id, parse, Bank, BankError, Format, ParseOptions};

    fn parse_json(source: &str) -> Result<Bank, Vec<BankError>> {
        parse(source, Format::Json, &ParseOptions::default()).map_err(|errors| errors.0)
    }

    fn found(source: &str) -> Vec<(usize, usize, String)> {
        parse_json(source)
            .expect_err("the bank should be rejected")
            .into_iter()
            .map(|e| (e.line, e.column, e.field.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn a_file_written_by_hand_is_read() {
        let source = "\u{feff}{\r\n  \"bank\": {\"id\": \"travel\", \"title\": \"Reisen: Zürich \\u0026 日本\", \"description\": null},\r\n\r\n  \"competencies\": [\r\n    {\"id\": \"plan\", \"name\": \"Planning \\\"ahead\\\"\", \"description\": \"Line one\\nline two\"}\r\n  ],\r\n  \"questions\": [\r\n    {\r\n      \"competency\": \"plan\",\r\n      \"prompt\": \"Tell me about a trip to Zürich, with commas | and pipes.\",\r\n      \"rubric\": [\"Budget\", \" Dates \"],\r\n      \"red_flags\": [\" Forgets the budget \", \"Books \\\"something\\\"\"],\r\n      \"follow_ups\": [],\r\n      \"tags\": [\"日本\"],\r\n      \"level\": null\r\n    }\r\n  ]\r\n}\r\n";
        let bank = parse_json(source).unwrap();
        assert_eq!(bank.id, "travel");
        assert_eq!(bank.title, "Reisen: Zürich & 日本");
        assert_eq!(bank.description, "");
        assert_eq!(bank.competencies[0].name, "Planning \"ahead\"");
        assert_eq!(bank.competencies[0].description, "Line one\nline two");
        let question = &bank.questions[0];
        assert_eq!(
            question.id,
            derive_question_id("Tell me about a trip to Zürich, with commas | and pipes.")
        );
        assert_eq!(question.rubric, ["Budget", "Dates"]);
        assert_eq!(
            question.red_flags,
            ["Forgets the budget", "Books \"something\""]
        );
        assert_eq!(question.tags, ["日本"]);
        assert!(question.level.is_empty() && question.follow_ups.is_empty());
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let errors = parse_json("{\n  \"bank\": {\"id\": \"b\",}\n}").unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!((errors[0].line, errors[0].column), (2, 22));
        assert_eq!(errors[0].message, "trailing comma");

        // Columns count characters, not bytes.
        let errors = parse_json("{\"bank\": {\"title\": \"日本\" \"id\": 1}}").unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (1, 25), "{errors:#?}");
        assert!(errors[0].message.contains("expected"), "{errors:#?}");

        let errors = parse_json("").unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (1, 1), "{errors:#?}");
        assert!(errors[0].message.contains("EOF"), "{errors:#?}");

        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let errors = parse_json(&deep).unwrap_err();
        assert!(errors[0].message.contains("recursion"), "{errors:#?}");
    }

    #[test]
    fn unknown_keys_wrong_types_and_duplicates_are_errors() {
        let source = r#"{
  "bank": {"id": "b", "title": "B", "owner": "me"},
  "competencies": [{"id": "c", "name": "C"}, "oops"],
  "questions": [
    {"competency": "c", "prompt": 42, "rubric": "one", "tags": ["ok", true]},
    {"competency": "c", "prompt": "Why?", "prompt": "Again?"},
    {"competency": "nope", "prompt": "How?"}
  ],
  "extra": 1
}"#;
        assert_eq!(
            found(source),
            [
                (2, 37, "bank.owner".to_owned()),
                (3, 46, "competencies[1]".to_owned()),
                (5, 35, "questions[0].prompt".to_owned()),
                (5, 49, "questions[0].rubric".to_owned()),
                (5, 71, "questions[0].tags[1]".to_owned()),
                (6, 43, String::new()),
                (7, 20, "questions[2].competency".to_owned()),
                (9, 3, "extra".to_owned()),
            ]
        );
        let errors = parse_json(source).unwrap_err();
        assert_eq!(
            errors[1].message,
            "each entry of `competencies` must be an object, found a string"
        );
        assert_eq!(
            errors[2].message,
            "`prompt` must be a string, found a number"
        );
        assert_eq!(
            errors[3].message,
            "`rubric` must be an array of strings, found a string"
        );
        assert_eq!(errors[5].message, "duplicate key `prompt`");
        assert_eq!(
            errors[6].message,
            "competency `nope` is not declared; add an entry with this id to `competencies`"
        );
    }

    #[test]
    fn shapes_and_missing_keys_are_errors() {
        let errors = parse_json("[1, 2]").unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (1, 1));
        assert!(
            errors[0].message.contains("must be an object")
                && errors[0].message.contains("an array"),
            "{errors:#?}"
        );

        assert_eq!(
            found("{\"competencies\": {}, \"questions\": [{}]}"),
            [
                (1, 1, "bank".to_owned()),
                (1, 18, "competencies".to_owned()),
                (1, 36, "questions[0].prompt".to_owned()),
                (1, 36, "questions[0].competency".to_owned()),
            ]
        );
        let errors = parse_json("{\"bank\": {\"id\": \"Bad Id\", \"title\": \"\"}}").unwrap_err();
        assert_eq!(
            errors
                .iter()
                .map(|e| (e.column, e.message.as_str()))
                .collect::<Vec<_>>(),
            [
                (
                    17,
                    "id `Bad Id` must start with a lowercase letter or a digit"
                ),
                (36, "the title is empty"),
            ]
        );
    }
}
