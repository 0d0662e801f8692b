//! Splitting an answer's text into sentences, clauses and normalised words.

/// One word: as written (for quoting) and lowercased with typographic apostrophes made plain.
pub(super) struct Tok<'a> {
    pub raw: &'a str,
    pub norm: String,
    /// The text the word was taken from, so that quotes keep its punctuation.
    source: &'a str,
    start: usize,
}

fn keeps(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '%' | '$' | '£' | '€' | '¥')
}

/// The words of `text`, with surrounding punctuation trimmed (a leading currency sign and a
/// trailing percent sign stay).
pub(super) fn toks(text: &str) -> Vec<Tok<'_>> {
    text.split_whitespace()
        .filter_map(|w| {
            let raw = w.trim_matches(|c: char| !keeps(c));
            (!raw.is_empty()).then(|| Tok {
                raw,
                norm: raw.to_lowercase().replace('’', "'"),
                source: text,
                start: raw.as_ptr() as usize - text.as_ptr() as usize,
            })
        })
        .collect()
}

/// Splits after any of `marks` when it is followed by white space or the end, so that
/// "0.3%" and "40,000" stay whole.
fn split_at<'a>(text: &'a str, marks: &[char]) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let at_gap = chars.peek().is_none_or(|&(_, n)| n.is_whitespace());
        if marks.contains(&c) && at_gap {
            let end = i + c.len_utf8();
            let part = text[start..end].trim();
            if !part.is_empty() {
                parts.push(part);
            }
            start = end;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        parts.push(rest);
    }
    parts
}

pub(super) fn sentences(text: &str) -> Vec<&str> {
    split_at(text, &['.', '!', '?', '\n'])
}

pub(super) fn clauses(sentence: &str) -> Vec<&str> {
    split_at(sentence, &[',', ';', ':', '—', '–'])
}

/// Whether the words from `at` on are exactly `phrase`.
pub(super) fn seq_at(t: &[Tok<'_>], at: usize, phrase: &[&str]) -> bool {
    phrase.len() + at <= t.len() && phrase.iter().zip(&t[at..]).all(|(p, w)| w.norm == *p)
}

/// Where `phrase` first starts in `t`.
pub(super) fn find_seq(t: &[Tok<'_>], phrase: &[&str]) -> Option<usize> {
    (0..t.len()).find(|&i| seq_at(t, i, phrase))
}

/// Words `from..to` (clipped, and taken to the end when at most two words would be left
/// out) as written, with their punctuation, in quotes, with "…" when cut short.
pub(super) fn quote(t: &[Tok<'_>], from: usize, to: usize) -> String {
    let to = if to + 2 >= t.len() { t.len() } else { to };
    let from = from.min(to);
    let text = match (t.get(from), to.checked_sub(1).and_then(|last| t.get(last))) {
        (Some(first), Some(last)) if from < to => {
            &first.source[first.start..last.start + last.raw.len()]
        }
        _ => "",
    };
    let more = if to < t.len() { "…" } else { "" };
    format!("\"{text}{more}\"")
}

pub(super) const NUMBER_WORDS: [&str; 31] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "thousand",
    "dozen",
];

/// A number written in digits or words, or a money amount.
pub(super) fn is_number(w: &str) -> bool {
    w.chars().any(|c| c.is_ascii_digit())
        || NUMBER_WORDS.contains(&w)
        || matches!(
            w,
            "million" | "billion" | "hundreds" | "thousands" | "millions" | "dozens"
        )
}

pub(super) fn is_year(w: &str) -> bool {
    let w = w.trim_end_matches('s');
    w.len() == 4
        && w.chars().all(|c| c.is_ascii_digit())
        && w.parse::<u32>().is_ok_and(|y| (1900..=2099).contains(&y))
}

pub(super) fn is_ordinal_digits(w: &str) -> bool {
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    !digits.is_empty()
        && digits.len() < w.len()
        && digits.chars().all(|c| c.is_ascii_digit())
        && matches!(&w[digits.len()..], "st" | "nd" | "rd" | "th")
}

/// Quarters and halves of a year: "q3", "h2", "fy24".
pub(super) fn is_period_code(w: &str) -> bool {
    let (head, digits) = w.split_at(w.find(|c: char| c.is_ascii_digit()).unwrap_or(w.len()));
    matches!(head, "q" | "h" | "fy")
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
}

pub(super) const MONTHS: [&str; 23] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
];

pub(super) const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

pub(super) const TIME_UNITS: [&str; 18] = [
    "minute",
    "minutes",
    "hour",
    "hours",
    "day",
    "days",
    "week",
    "weeks",
    "fortnight",
    "fortnights",
    "month",
    "months",
    "quarter",
    "quarters",
    "year",
    "years",
    "sprint",
    "sprints",
];
