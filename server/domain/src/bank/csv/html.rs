//! HTML fields, as Anki keeps them: read as text, and plain text escaped to be read so.

pub(super) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
}

/// The text of an HTML field: tags dropped, `<br>` and block starts as line breaks,
/// the common entities decoded.
pub(in crate::bank) fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some((tag, after)) = html_tag(rest) {
                let name: String = tag
                    .trim_start_matches('/')
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_lowercase();
                let opening = !tag.starts_with('/');
                if name == "br" || (opening && matches!(name.as_str(), "div" | "p" | "li")) {
                    text.push('\n');
                }
                rest = after;
                continue;
            }
        } else if c == '&' {
            if let Some((decoded, after)) = html_entity(rest) {
                text.push(decoded);
                rest = after;
                continue;
            }
        }
        text.push(c);
        rest = &rest[c.len_utf8()..];
    }
    text
}

/// The tag at the start of `html` (between `<` and `>`) and what follows it. A tag ends
/// before the next `<`, which keeps a field full of `<` linear to read.
fn html_tag(html: &str) -> Option<(&str, &str)> {
    const LONGEST_TAG: usize = 512;
    let first = html[1..].trim_start_matches('/').chars().next()?;
    if !(first.is_ascii_alphabetic() || html[1..].starts_with('!')) {
        return None;
    }
    let end = html
        .bytes()
        .take(LONGEST_TAG)
        .skip(1)
        .position(|byte| byte == b'>' || byte == b'<')
        .map(|at| at + 1)
        .filter(|&at| html.as_bytes()[at] == b'>')?;
    Some((&html[1..end], &html[end + 1..]))
}

/// The entity at the start of `html` (`&amp;`, `&#233;`, `&#xE9;`) and what follows it.
fn html_entity(html: &str) -> Option<(char, &str)> {
    const LONGEST_ENTITY: usize = 12;
    let end = html
        .bytes()
        .take(LONGEST_ENTITY)
        .position(|byte| byte == b';')?;
    let name = &html[1..end];
    let decoded = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else {
                name.strip_prefix('#')
                    .and_then(|decimal| decimal.parse().ok())
            };
            code.and_then(char::from_u32)?
        }
    };
    Some((decoded, &html[end + 1..]))
}
