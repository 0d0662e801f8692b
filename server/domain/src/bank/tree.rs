//! The document shape TOML, JSON and YAML share: a positioned tree of tables, arrays and
//! strings, read here into a [`Draft`] with each format's own words in the messages.

use super::{Draft, DraftCompetency, DraftHeader, DraftQuestion, Pos, Problem, Slot, Text};

/// How deep the bank schema goes: root, section, entry, field, list item. Readers keep
/// only the kind of anything deeper, so a deeply nested file costs no stack.
pub(super) const SCHEMA_DEPTH: usize = 4;

/// A value with where it starts and its kind in the format's words ("a table", "null").
#[derive(Debug)]
pub(super) struct Node {
    pub pos: Pos,
    pub kind: &'static str,
    pub value: Value,
}

#[derive(Debug)]
pub(super) enum Value {
    Text(String),
    List(Vec<Node>),
    /// Keys in file order; parsers report duplicate keys and keep the first.
    Map(Vec<(Key, Node)>),
    Null,
    /// Numbers, booleans, dates, and containers deeper than the schema.
    Other,
}

#[derive(Debug)]
pub(super) struct Key {
    pub name: String,
    pub pos: Pos,
}

/// Which format's names and words to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    Toml,
    Json,
    Yaml,
}

impl Style {
    fn competencies(self) -> &'static str {
        match self {
            Style::Toml => "competency",
            Style::Json | Style::Yaml => "competencies",
        }
    }

    fn questions(self) -> &'static str {
        match self {
            Style::Toml => "question",
            Style::Json | Style::Yaml => "questions",
        }
    }

    fn map(self) -> &'static str {
        match self {
            Style::Toml => "a table",
            Style::Json => "an object",
            Style::Yaml => "a mapping",
        }
    }

    fn maps(self) -> &'static str {
        match self {
            Style::Toml => "tables",
            Style::Json => "objects",
            Style::Yaml => "mappings",
        }
    }

    fn list(self) -> &'static str {
        match self {
            Style::Toml | Style::Json => "an array",
            Style::Yaml => "a list",
        }
    }

    fn declare_hint(self) -> &'static str {
        match self {
            Style::Toml => "add a [[competency]] with this id",
            Style::Json | Style::Yaml => "add an entry with this id to `competencies`",
        }
    }
}

/// Reads the tree of a TOML, JSON or YAML bank file.
pub(super) fn read(root: Node, style: Style, problems: &mut Vec<Problem>) -> Option<Draft> {
    let mut reader = Reader { style, problems };
    reader.document(root)
}

/// A mapping that stands for one bank header, competency or question.
struct Entry {
    pos: Pos,
    path: String,
    fields: Vec<(Key, Node)>,
}

impl Entry {
    fn take(&mut self, key: &str) -> Option<Node> {
        let at = self.fields.iter().position(|(name, _)| name.name == key)?;
        Some(self.fields.swap_remove(at).1)
    }
}

struct Reader<'p> {
    style: Style,
    problems: &'p mut Vec<Problem>,
}

impl Reader<'_> {
    fn report(&mut self, pos: Pos, field: String, message: String) {
        self.problems.push(Problem::new(pos, Some(field), message));
    }

    fn document(&mut self, root: Node) -> Option<Draft> {
        let style = self.style;
        let Value::Map(fields) = root.value else {
            self.problems.push(Problem::new(
                root.pos,
                None,
                format!(
                    "a bank file must be {} with the keys bank, {} and {}, found {}",
                    style.map(),
                    style.competencies(),
                    style.questions(),
                    root.kind
                ),
            ));
            return None;
        };
        let mut bank = None;
        let mut bank_seen = false;
        let mut competencies = Vec::new();
        let mut questions = Vec::new();
        for (key, value) in fields {
            match key.name.as_str() {
                "bank" => {
                    bank_seen = true;
                    bank = self.header(value);
                }
                name if name == style.competencies() => {
                    competencies = self.entries(value, name);
                }
                name if name == style.questions() => questions = self.entries(value, name),
                other => {
                    let message = match style {
                        Style::Toml => format!(
                            "unknown key `{other}`; a bank file has a [bank] table, [[competency]] tables and [[question]] tables"
                        ),
                        Style::Json | Style::Yaml => format!(
                            "unknown key `{other}`; a bank file has the keys bank, competencies and questions"
                        ),
                    };
                    self.report(key.pos, other.to_owned(), message);
                }
            }
        }
        if !bank_seen {
            let message = match style {
                Style::Toml => "missing [bank] table with the bank's id and title".to_owned(),
                Style::Json | Style::Yaml => {
                    "missing `bank` with the bank's id and title".to_owned()
                }
            };
            self.report(Pos::START, "bank".to_owned(), message);
        }
        let competencies = competencies
            .into_iter()
            .map(|entry| self.competency(entry))
            .collect();
        let questions = questions
            .into_iter()
            .map(|entry| self.question(entry))
            .collect();
        Some(Draft {
            bank,
            competencies,
            questions,
            questions_field: style.questions(),
            declare_hint: style.declare_hint(),
        })
    }

    fn header(&mut self, value: Node) -> Option<DraftHeader> {
        let Value::Map(fields) = value.value else {
            let message = match self.style {
                Style::Toml => format!(
                    "`bank` must be a table written [bank], found {}",
                    value.kind
                ),
                Style::Json | Style::Yaml => format!(
                    "`bank` must be {} with id, title and description, found {}",
                    self.style.map(),
                    value.kind
                ),
            };
            self.report(value.pos, "bank".to_owned(), message);
            return None;
        };
        let mut entry = Entry {
            pos: value.pos,
            path: "bank".to_owned(),
            fields,
        };
        self.unknown_keys(&entry, &["id", "title", "description"]);
        Some(DraftHeader {
            pos: entry.pos,
            id: self.text(&mut entry, "id", false),
            title: self.text(&mut entry, "title", false),
            description: self.text(&mut entry, "description", true),
        })
    }

    /// The mappings of a section, reporting anything else written there.
    fn entries(&mut self, value: Node, name: &str) -> Vec<Entry> {
        let style = self.style;
        let items = match value.value {
            Value::List(items) => items,
            // An empty YAML section (`questions:`) is null.
            Value::Null => Vec::new(),
            _ => {
                let message = match style {
                    Style::Toml => format!(
                        "`{name}` must be an array of tables, each written [[{name}]], found {}",
                        value.kind
                    ),
                    Style::Json | Style::Yaml => format!(
                        "`{name}` must be {} of {}, found {}",
                        style.list(),
                        style.maps(),
                        value.kind
                    ),
                };
                self.report(value.pos, name.to_owned(), message);
                return Vec::new();
            }
        };
        let mut entries = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let path = format!("{name}[{index}]");
            match item.value {
                Value::Map(fields) => entries.push(Entry {
                    pos: item.pos,
                    path,
                    fields,
                }),
                _ => {
                    let message = match style {
                        Style::Toml => {
                            format!("each {name} must be a table, found {}", item.kind)
                        }
                        Style::Json | Style::Yaml => format!(
                            "each entry of `{name}` must be {}, found {}",
                            style.map(),
                            item.kind
                        ),
                    };
                    self.report(item.pos, path, message);
                }
            }
        }
        entries
    }

    fn competency(&mut self, mut entry: Entry) -> DraftCompetency {
        self.unknown_keys(&entry, &["id", "name", "description"]);
        DraftCompetency {
            pos: entry.pos,
            id: self.text(&mut entry, "id", false),
            name: self.text(&mut entry, "name", false),
            description: self.text(&mut entry, "description", true),
            path: entry.path,
        }
    }

    fn question(&mut self, mut entry: Entry) -> DraftQuestion {
        self.unknown_keys(
            &entry,
            &[
                "id",
                "competency",
                "prompt",
                "variants",
                "follow_ups",
                "rubric",
                "red_flags",
                "tags",
                "level",
            ],
        );
        let mut question = DraftQuestion::new(entry.pos, entry.path.clone());
        question.id = self.text(&mut entry, "id", true);
        question.competency = self.text(&mut entry, "competency", false);
        question.prompt = self.text(&mut entry, "prompt", false);
        question.variants = self.list(&mut entry, "variants");
        question.follow_ups = self.list(&mut entry, "follow_ups");
        question.rubric = self.list(&mut entry, "rubric");
        question.red_flags = self.list(&mut entry, "red_flags");
        question.tags = self.list(&mut entry, "tags");
        question.level = self.list(&mut entry, "level");
        question
    }

    fn unknown_keys(&mut self, entry: &Entry, allowed: &[&str]) {
        for (key, _) in &entry.fields {
            let name = key.name.as_str();
            if !allowed.contains(&name) {
                self.report(
                    key.pos,
                    format!("{}.{name}", entry.path),
                    format!(
                        "unknown key `{name}` in {}; expected one of: {}",
                        entry.path,
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    /// A string field; null counts as absent where the field is optional.
    fn text(&mut self, entry: &mut Entry, key: &str, optional: bool) -> Slot {
        let Some(node) = entry.take(key) else {
            return Slot::Missing;
        };
        match node.value {
            Value::Text(value) => Slot::Given(Text::new(value, node.pos)),
            Value::Null if optional => Slot::Missing,
            _ => {
                self.report(
                    node.pos,
                    format!("{}.{key}", entry.path),
                    format!("`{key}` must be a string, found {}", node.kind),
                );
                Slot::Invalid
            }
        }
    }

    fn list(&mut self, entry: &mut Entry, key: &str) -> Vec<Option<Text>> {
        let Some(node) = entry.take(key) else {
            return Vec::new();
        };
        let items = match node.value {
            Value::List(items) => items,
            Value::Null => return Vec::new(),
            _ => {
                self.report(
                    node.pos,
                    format!("{}.{key}", entry.path),
                    format!(
                        "`{key}` must be {} of strings, found {}",
                        self.style.list(),
                        node.kind
                    ),
                );
                return Vec::new();
            }
        };
        items
            .into_iter()
            .enumerate()
            .map(|(index, item)| match item.value {
                Value::Text(value) => Some(Text::new(value, item.pos)),
                _ => {
                    self.report(
                        item.pos,
                        format!("{}.{key}[{index}]", entry.path),
                        format!("each item of `{key}` must be a string, found {}", item.kind),
                    );
                    None
                }
            })
            .collect()
    }
}
