//! The learner's answers as one Markdown document to read before an
//! interview: a section per competency, each answer under its question, the
//! learner's text escaped so that it stays text.

use chrono::{DateTime, Utc};

/// The answers of one competency, in the order they are shown.
#[derive(Clone, Debug)]
pub struct Section<'a> {
    pub competency: &'a str,
    pub answers: Vec<Entry<'a>>,
}

/// One answer: the latest attempt at a question.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    pub prompt: &'a str,
    pub attempt: i32,
    pub written: DateTime<Utc>,
    /// The STAR fields by name (`situation`, …); empty ones are left out.
    pub fields: Vec<(&'static str, String)>,
}

/// The document: a title, then a `##` heading per section and a `###`
/// heading per answer with its attempt and date, and a bold label per field.
pub fn answers_markdown(sections: &[Section]) -> String {
    let mut doc = String::from("# My interview answers\n");
    for section in sections {
        doc.push_str(&format!("\n## {}\n", markdown_text(section.competency)));
        for answer in &section.answers {
            doc.push_str(&format!(
                "\n### {}\n\n*Attempt {}, {}*\n",
                markdown_text(answer.prompt),
                answer.attempt,
                answer.written.format("%a %-d %b %Y")
            ));
            for (label, text) in &answer.fields {
                if !text.trim().is_empty() {
                    let mut heading = (*label).to_owned();
                    heading[..1].make_ascii_uppercase();
                    doc.push_str(&format!("\n**{heading}.** {}\n", markdown_text(text)));
                }
            }
        }
    }
    doc
}

/// Keeps a user's text from turning into Markdown structure, HTML, a link or an
/// image: `&` and `<` as entities (no tag, comment or entity survives), a backslash
/// before inline markup (`[`, `]`, `!`, `*`, `_`, `` ` ``, `~`, `\`), before the `:` of
/// a URL scheme (`javascript:`, `http://`), the `@` of an e-mail address and the `.` of
/// `www.` (no autolink), and before a line-leading character that starts a block.
pub fn markdown_text(text: &str) -> String {
    text.trim()
        .lines()
        .map(|line| {
            let line = line.trim_start();
            let mut escaped = String::with_capacity(line.len() + 8);
            let mut previous = None;
            for (at, c) in line.char_indices() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '[' | ']' | '!' | '*' | '_' | '`' | '~' | '\\' | '@' => {
                        escaped.push('\\');
                        escaped.push(c);
                    }
                    ':' if previous.is_some_and(|p: char| p.is_ascii_alphabetic()) => {
                        escaped.push_str("\\:");
                    }
                    '.' if line.as_bytes()[at.saturating_sub(3)..at]
                        .eq_ignore_ascii_case(b"www") =>
                    {
                        escaped.push_str("\\.");
                    }
                    c => escaped.push(c),
                }
                previous = Some(c);
            }
            match line.chars().next() {
                Some('#' | '>' | '-' | '+' | '|' | '=') => format!("\\{escaped}"),
                _ => escaped,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn text_stays_text() {
        assert_eq!(markdown_text("  a <b> & c  "), "a &lt;b> &amp; c");
        assert_eq!(markdown_text("# not a heading"), "\\# not a heading");
        assert_eq!(markdown_text("- not a list"), "\\- not a list");
        assert_eq!(
            markdown_text("[link](javascript:alert(1))"),
            "\\[link\\](javascript\\:alert(1))"
        );
        assert_eq!(
            markdown_text("see www.example.com"),
            "see www\\.example.com"
        );
        assert_eq!(
            markdown_text("me@example.com *bold* _it_"),
            "me\\@example.com \\*bold\\* \\_it\\_"
        );
        assert_eq!(
            markdown_text("line one\n  > quoted"),
            "line one\n\\> quoted"
        );
        // A colon after a digit or a space is left alone (times, lists).
        assert_eq!(markdown_text("at 10:30 : done"), "at 10:30 : done");
    }

    #[test]
    fn the_document_has_a_section_per_competency_and_skips_empty_fields() {
        let written = Utc
            .with_ymd_and_hms(2026, 12, 4, 9, 0, 0)
            .single()
            .unwrap_or_default();
        let entry = |prompt, attempt| Entry {
            prompt,
            attempt,
            written,
            fields: vec![
                ("situation", "We were *late*.".to_owned()),
                ("task", "  ".to_owned()),
                ("action", "I re-planned.".to_owned()),
            ],
        };
        let doc = answers_markdown(&[
            Section {
                competency: "Delivery",
                answers: vec![entry("A missed date?", 2), entry("Scope cut?", 1)],
            },
            Section {
                competency: "People <leads>",
                answers: vec![entry("A hard talk?", 1)],
            },
        ]);
        assert!(doc.starts_with("# My interview answers\n\n## Delivery\n\n### A missed date?\n\n*Attempt 2, Fri 4 Dec 2026*\n"));
        assert!(doc.contains("\n**Situation.** We were \\*late\\*.\n\n**Action.** I re-planned.\n"));
        assert!(!doc.contains("**Task.**"));
        assert!(doc.contains("\n## People &lt;leads>\n"));
        assert_eq!(doc.matches("\n### ").count(), 3);
        assert_eq!(answers_markdown(&[]), "# My interview answers\n");
    }
}
