//! Backslash escapes in Markdown values: removed when reading, and written by the export
//! before whatever a renderer would take for markup or HTML.

/// Text with its backslash escapes removed: `\#`, `\-`, `\<` and the like stand for the
/// character itself, as in CommonMark; a backslash before anything else is kept.
pub(super) fn unescape(text: &str) -> String {
    if !text.contains('\\') {
        return text.to_owned();
    }
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&next) if c == '\\' && next.is_ascii_punctuation() => {
                plain.push(next);
                chars.next();
            }
            _ => plain.push(c),
        }
    }
    plain
}

/// The characters a Markdown renderer reads as inline markup, HTML or entities.
const INLINE_MARKUP: &[char] = &[
    '\\', '`', '*', '_', '~', '[', ']', '<', '>', '&', '{', '}', '|', '!',
];

/// Text a Markdown renderer shows as written, and [`unescape`] reads back: a backslash
/// before every character of [`INLINE_MARKUP`], so no HTML, link, image, emphasis or
/// entity comes out of it.
pub(in crate::bank) fn escape_inline(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if INLINE_MARKUP.contains(&c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// A description line escaped so that the reader takes it for plain text (not a
/// heading, list item, quote or rule) and [`unescape`] reads it back as written.
pub(in crate::bank) fn escape_text_line(line: &str) -> String {
    let content = line.trim_start();
    let indent = &line[..line.len() - content.len()];
    let escaped = escape_inline(content);
    match content.chars().next() {
        Some(first) if first.is_ascii_punctuation() && !INLINE_MARKUP.contains(&first) => {
            format!("{indent}\\{escaped}")
        }
        _ => format!("{indent}{escaped}"),
    }
}
