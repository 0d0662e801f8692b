//! YAML bank files, the same shape as JSON. The tree is built from saphyr's event stream
//! (not its recursive loader), so nesting costs no stack, and every node keeps its marker.

use std::borrow::Cow;
use std::collections::HashSet;

use saphyr::Scalar;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};

use super::tree::{self, Key, Node, Style, Value, SCHEMA_DEPTH};
use super::{Draft, LineIndex, Pos, Problem};

pub(super) fn read(source: &str, problems: &mut Vec<Problem>) -> Option<Draft> {
    let root = build(source, problems)?;
    tree::read(root, Style::Yaml, problems)
}

fn pos(marker: &Marker) -> Pos {
    Pos {
        line: marker.line().max(1),
        column: marker.col() + 1,
    }
}

/// A container being built.
enum Frame {
    List {
        pos: Pos,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        fields: Vec<(Key, Node)>,
        seen: HashSet<String>,
        key: PendingKey,
    },
    /// A container deeper than the schema: only its kind is kept, and `nested` counts the
    /// containers open inside it.
    Opaque {
        pos: Pos,
        kind: &'static str,
        nested: usize,
    },
}

enum PendingKey {
    Expected,
    Key(Key),
    /// A key that was not a scalar, already reported; its value is dropped.
    Invalid,
}

/// The single document of `source` as a tree, or `None` after reporting why not.
fn build(source: &str, problems: &mut Vec<Problem>) -> Option<Node> {
    let mut parser = Parser::new_from_str(source);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root = None;
    let mut documents = 0;
    while let Some(event) = parser.next_event() {
        let (event, span) = match event {
            Ok(event) => event,
            Err(error) => {
                // The scanner may report the end of a file without a final line break
                // on the line after it.
                let end = LineIndex::new(source).position(source.len());
                problems.push(Problem::new(
                    pos(error.marker()).min(end),
                    None,
                    error.info().to_owned(),
                ));
                return None;
            }
        };
        let at = pos(&span.start);
        if let Some(Frame::Opaque { nested, .. }) = stack.last_mut() {
            match event {
                Event::SequenceStart(..) | Event::MappingStart(..) => {
                    *nested += 1;
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd if *nested > 0 => {
                    *nested -= 1;
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => {}
                _ => continue,
            }
        }
        let (node, raw) = match event {
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    problems.push(Problem::new(
                        at,
                        None,
                        "a bank file holds one YAML document; this is a second one".to_owned(),
                    ));
                    return None;
                }
                continue;
            }
            Event::SequenceStart(..) | Event::MappingStart(..) if stack.len() >= SCHEMA_DEPTH => {
                let kind = match event {
                    Event::SequenceStart(..) => "a list",
                    _ => "a mapping",
                };
                stack.push(Frame::Opaque {
                    pos: at,
                    kind,
                    nested: 0,
                });
                continue;
            }
            Event::SequenceStart(..) => {
                stack.push(Frame::List {
                    pos: at,
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingStart(..) => {
                stack.push(Frame::Map {
                    pos: at,
                    fields: Vec::new(),
                    seen: HashSet::new(),
                    key: PendingKey::Expected,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(frame) => (finish(frame), None),
                None => continue,
            },
            Event::Scalar(text, style, _, tag) => {
                let raw = text.to_string();
                (scalar(text, style, tag.as_ref(), at), Some(raw))
            }
            Event::Alias(_) => (
                Node {
                    pos: at,
                    kind: "an alias (bank files do not support YAML aliases)",
                    value: Value::Other,
                },
                None,
            ),
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => continue,
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::List { items, .. }) => items.push(node),
            Some(Frame::Map {
                fields, seen, key, ..
            }) => match std::mem::replace(key, PendingKey::Expected) {
                // Any scalar names a key by how it is written: `1:` is the key "1".
                PendingKey::Expected => match raw {
                    Some(name) => {
                        *key = PendingKey::Key(Key {
                            name,
                            pos: node.pos,
                        });
                    }
                    None => {
                        problems.push(Problem::new(
                            node.pos,
                            None,
                            format!("keys must be plain words, found {}", node.kind),
                        ));
                        *key = PendingKey::Invalid;
                    }
                },
                PendingKey::Key(name) => {
                    if seen.insert(name.name.clone()) {
                        fields.push((name, node));
                    } else {
                        problems.push(Problem::new(
                            name.pos,
                            None,
                            format!("duplicate key `{}`", name.name),
                        ));
                    }
                }
                PendingKey::Invalid => {}
            },
            Some(Frame::Opaque { .. }) => {}
        }
    }
    match root {
        Some(node) => Some(node),
        None => {
            problems.push(Problem::new(
                Pos::START,
                None,
                "the file is empty; a bank file is a mapping with the keys bank, competencies and questions"
                    .to_owned(),
            ));
            None
        }
    }
}

fn finish(frame: Frame) -> Node {
    match frame {
        Frame::List { pos, items } => Node {
            pos,
            kind: "a list",
            value: Value::List(items),
        },
        Frame::Map { pos, fields, .. } => Node {
            pos,
            kind: "a mapping",
            value: Value::Map(fields),
        },
        Frame::Opaque { pos, kind, .. } => Node {
            pos,
            kind,
            value: Value::Other,
        },
    }
}

/// A scalar resolved by YAML 1.2's core schema: quoted scalars and `!!str` are strings,
/// `42` an integer, `true` a boolean, `~` and nothing null.
fn scalar(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Cow<'_, Tag>>, pos: Pos) -> Node {
    let (kind, value) = match Scalar::parse_from_cow_and_metadata(text, style, tag) {
        Some(Scalar::String(text)) => ("a string", Value::Text(text.into_owned())),
        Some(Scalar::Null) => ("null", Value::Null),
        Some(Scalar::Boolean(_)) => ("a boolean", Value::Other),
        Some(Scalar::Integer(_)) => ("an integer", Value::Other),
        Some(Scalar::FloatingPoint(_)) => ("a float", Value::Other),
        None => ("a value that does not match its tag", Value::Other),
    };
    Node { pos, kind, value }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::{
        derive_question_id, parse, parse_bytes, Bank, BankError, Format, ParseOptions,
    };

    fn parse_yaml(source: &str) -> Result<Bank, Vec<BankError>> {
        parse(source, Format::Yaml, &ParseOptions::default()).map_err(|errors| errors.0)
    }

    fn found(source: &str) -> Vec<(usize, usize, String)> {
        parse_yaml(source)
            .expect_err("the bank should be rejected")
            .into_iter()
            .map(|e| (e.line, e.column, e.field.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn a_file_written_by_hand_is_read() {
        let source = "\
# Interview questions for travel agents
bank:
  id: travel
  title: 'Reisen: Zürich & 日本'
  description: |
    Two lines
    of description.

competencies:
  - id: plan
    name: Planning ahead
  - {id: talk, name: \"Talking: to people\"}

questions:
  - competency: plan
    prompt: Tell me about a trip to Zürich, with commas | and pipes.
    rubric: [Budget, \"Dates, times\"]
    red_flags:
      - Forgets the budget
      - '  Books: anything  '
    tags:
      - 日本
      - '42'
    level: ~
  - id: talk-1
    competency: talk
    prompt: >
      Folded
      prompt.
    follow_ups:
    variants: []
";
        let expected = parse_yaml(source).unwrap();
        assert_eq!(expected.title, "Reisen: Zürich & 日本");
        assert_eq!(expected.description, "Two lines\nof description.");
        assert_eq!(expected.competencies[1].name, "Talking: to people");
        let first = &expected.questions[0];
        assert_eq!(
            first.id,
            derive_question_id("Tell me about a trip to Zürich, with commas | and pipes.")
        );
        assert_eq!(first.rubric, ["Budget", "Dates, times"]);
        assert_eq!(first.red_flags, ["Forgets the budget", "Books: anything"]);
        assert!(expected.questions[1].red_flags.is_empty());
        assert_eq!(first.tags, ["日本", "42"]);
        assert!(first.level.is_empty());
        assert_eq!(expected.questions[1].prompt, "Folded prompt.");

        // CRLF line endings and a byte order mark read the same.
        let crlf = format!("\u{feff}{}", source.replace('\n', "\r\n"));
        let bank = parse_bytes(crlf.as_bytes(), Format::Yaml, &ParseOptions::default()).unwrap();
        assert_eq!(bank, expected);
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let errors = parse_yaml("bank:\n  id: b\n   title: B\n").unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!((errors[0].line, errors[0].column), (3, 9), "{errors:#?}");
        assert_eq!(errors[0].field, None);

        let errors = parse_yaml("bank:\n  id: \"open\n").unwrap_err();
        assert_eq!(errors[0].line, 2, "{errors:#?}");
        let errors = parse_yaml("bank:\n  id: b\n<").unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (3, 2), "{errors:#?}");

        let errors = parse_yaml("bank: {id: b, title: B}\nbank: {id: c}\n").unwrap_err();
        assert_eq!(
            (errors[0].line, errors[0].column, errors[0].message.as_str()),
            (2, 1, "duplicate key `bank`")
        );

        let errors = parse_yaml("bank: {id: b, title: B}\n---\nbank: {}\n").unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (2, 1), "{errors:#?}");
        assert!(
            errors[0].message.contains("one YAML document"),
            "{errors:#?}"
        );

        for empty in ["", "# only a comment\n"] {
            let errors = parse_yaml(empty).unwrap_err();
            assert_eq!((errors[0].line, errors[0].column), (1, 1));
            assert!(errors[0].message.contains("empty"), "{errors:#?}");
        }
    }

    #[test]
    fn unknown_keys_wrong_types_and_aliases_are_errors() {
        let source = "\
bank: {id: b, title: B, owner: me}
competencies:
  - &lead {id: lead, name: Leading}
  - oops
questions:
  - competency: lead
    prompt: 42
    rubric: one item
    tags: [ok, true, {a: 1}]
    answer: x
  - competency: *lead
    prompt: Why?
  - competency: nope
    prompt: null
extra: 1
";
        assert_eq!(
            found(source),
            [
                (1, 25, "bank.owner".to_owned()),
                (4, 5, "competencies[1]".to_owned()),
                (7, 13, "questions[0].prompt".to_owned()),
                (8, 13, "questions[0].rubric".to_owned()),
                (9, 16, "questions[0].tags[1]".to_owned()),
                (9, 22, "questions[0].tags[2]".to_owned()),
                (10, 5, "questions[0].answer".to_owned()),
                (11, 17, "questions[1].competency".to_owned()),
                (13, 17, "questions[2].competency".to_owned()),
                (14, 13, "questions[2].prompt".to_owned()),
                (15, 1, "extra".to_owned()),
            ]
        );
        let errors = parse_yaml(source).unwrap_err();
        assert_eq!(
            errors[1].message,
            "each entry of `competencies` must be a mapping, found a string"
        );
        assert_eq!(
            errors[2].message,
            "`prompt` must be a string, found an integer"
        );
        assert_eq!(
            errors[3].message,
            "`rubric` must be a list of strings, found a string"
        );
        assert_eq!(
            errors[5].message,
            "each item of `tags` must be a string, found a mapping"
        );
        assert!(errors[7].message.contains("aliases"), "{errors:#?}");
        assert_eq!(
            errors[8].message,
            "competency `nope` is not declared; add an entry with this id to `competencies`"
        );
        assert_eq!(errors[9].message, "`prompt` must be a string, found null");
    }

    #[test]
    fn shapes_and_missing_keys_are_errors() {
        let errors = parse_yaml("- just\n- a list\n").unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (1, 1));
        assert!(
            errors[0].message.contains("must be a mapping"),
            "{errors:#?}"
        );

        assert_eq!(
            found("competencies: {}\nquestions:\n  - {}\n"),
            [
                (1, 1, "bank".to_owned()),
                (1, 15, "competencies".to_owned()),
                (3, 5, "questions[0].prompt".to_owned()),
                (3, 5, "questions[0].competency".to_owned()),
            ]
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!(
            "bank: {{id: b, title: B}}\nquestions:\n  {}x\n",
            "- ".repeat(100_000)
        );
        let errors = parse_yaml(&deep).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!(
            errors[0].message,
            "each entry of `questions` must be a mapping, found a list"
        );
        let flow = format!(
            "bank: {{id: b, title: B}}\nquestions: {}{}\n",
            "[".repeat(250),
            "]".repeat(250)
        );
        let errors = parse_yaml(&flow).unwrap_err();
        assert_eq!(
            errors[0].field.as_deref(),
            Some("questions[0]"),
            "{errors:#?}"
        );
    }
}
