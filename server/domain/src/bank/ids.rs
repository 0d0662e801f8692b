//! Ids: the id rule, and the ids derived from a question's prompt or a competency's
//! name when the file gives none.

/// The id a competency named only by its name gets (CSV, TSV, Anki decks, Markdown
/// headings without `{#id}`): the name in lowercase with every run of other characters
/// turned into one `-`; a name without ASCII letters or digits gets a hash instead.
pub fn competency_id(name: &str) -> String {
    let slug = normalize(name, |c| c.is_ascii_alphanumeric());
    let slug = cut_at_word_boundary(&slug, MAX_ID_CHARS);
    if slug.is_empty() {
        derive_question_id(name)
    } else {
        slug.to_owned()
    }
}

/// The longest id `^[a-z0-9][a-z0-9._-]{0,63}$` allows.
const MAX_ID_CHARS: usize = 64;
/// Room left for the slug of a derived question id, before its hash suffix.
const MAX_SLUG_CHARS: usize = 48;

/// A stable id for a question without one, from its normalized prompt.
///
/// The readable part is the prompt in lowercase with every run of other characters
/// turned into one `-`, cut to 48 characters at a word boundary; the `-` and 8 hex digits
/// after it (FNV-1a 64 of the whole normalized prompt) keep prompts that share their
/// first words apart. Case, punctuation and spacing do not change the id.
pub fn derive_question_id(prompt: &str) -> String {
    // Hash the Unicode-aware normalization so prompts in other scripts, which have no
    // ASCII slug, still get distinct ids.
    let normalized = normalize(prompt, char::is_alphanumeric);
    let hash = fnv1a64(normalized.as_bytes());
    let slug = normalize(&normalized, |c| c.is_ascii_alphanumeric());
    let slug = cut_at_word_boundary(&slug, MAX_SLUG_CHARS);
    let suffix = format!("{:08x}", hash >> 32);
    if slug.is_empty() {
        suffix
    } else {
        format!("{slug}-{suffix}")
    }
}

/// Lowercase, with each run of characters that `keep` rejects turned into one `-`, and no
/// `-` at either end.
fn normalize(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut normalized = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if keep(c) {
            if pending_dash && !normalized.is_empty() {
                normalized.push('-');
            }
            pending_dash = false;
            normalized.push(c);
        } else {
            pending_dash = true;
        }
    }
    normalized
}

/// At most `max` characters of an ASCII slug, ending at a whole word where there is one.
fn cut_at_word_boundary(slug: &str, max: usize) -> &str {
    if slug.len() <= max {
        return slug;
    }
    // A cut right before a `-` keeps the last word whole.
    if slug.as_bytes()[max] == b'-' {
        return &slug[..max];
    }
    match slug[..max].rfind('-') {
        Some(end) => &slug[..end],
        None => &slug[..max],
    }
}

pub(super) fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

/// Which rule of `^[a-z0-9][a-z0-9._-]{0,63}$` an id breaks, if any.
pub(super) fn id_problem(id: &str) -> Option<String> {
    let mut chars = id.chars();
    let first = chars.next()?;
    let length = id.chars().count();
    if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
        return Some(format!(
            "id `{id}` must start with a lowercase letter or a digit"
        ));
    }
    if let Some(bad) = chars.find(|&c| !matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-')) {
        return Some(format!(
            "id `{id}` contains {bad:?}; ids may only contain lowercase letters, digits, '.', '_' and '-'"
        ));
    }
    if length > MAX_ID_CHARS {
        return Some(format!(
            "id `{id}` is {length} characters long; the limit is {MAX_ID_CHARS}"
        ));
    }
    None
}
