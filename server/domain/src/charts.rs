//! The Progress page's charts as inline SVG: a review calendar, a bar chart of cards due per
//! day and horizontal coverage bars. Pure and deterministic (whole pixels, no floats), so
//! snapshot tests pin them; colours come from CSS classes so the stylesheet owns the palette.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};

/// Side of one calendar day, and the distance from one day to the next.
const CELL: i64 = 11;
const STEP: i64 = 13;
/// Weeks the calendar shows: a year of days always spans 53 Monday-first weeks.
const WEEKS: i64 = 53;
/// Days the calendar covers, ending with its last day.
const CALENDAR_DAYS: u64 = 365;
/// Shades of the calendar: level 0 is a day without reviews, 4 the busiest days.
const LEVELS: u32 = 4;

/// Escapes text for SVG content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// `1 review`, `3 reviews`.
fn plural(count: u32, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// Opens a chart: an image to assistive technology, described by `label`.
fn open_svg(class: &str, width: i64, height: i64, label: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart {class}\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-label=\"{label}\" font-size=\"10\">\n",
        label = escape(label),
    )
}

/// A calendar intensity level from 1 to 4 for a day with `count > 0` reviews when the
/// busiest day had `max`: the quarter of the busiest day's count it reaches, rounded up.
pub fn level(count: u32, max: u32) -> u32 {
    if count == 0 || max == 0 {
        return 0;
    }
    let scaled = (u64::from(count.min(max)) * u64::from(LEVELS)).div_ceil(u64::from(max));
    (scaled as u32).clamp(1, LEVELS)
}

/// A GitHub-style calendar of reviews per study day for the year ending at `end`: 53 week
/// columns starting on Monday, 7 day rows, month labels above, five shades (see [`level`]).
/// Days outside that year are ignored; a date listed twice counts twice.
pub fn heatmap(days: &[(NaiveDate, u32)], end: NaiveDate) -> String {
    const LEFT: i64 = 30;
    const TOP: i64 = 16;
    const RIGHT: i64 = 12;
    let first = end
        .checked_sub_days(Days::new(CALENDAR_DAYS - 1))
        .unwrap_or(NaiveDate::MIN);
    let mut counts: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    for (day, count) in days {
        if (first..=end).contains(day) {
            let entry = counts.entry(*day).or_default();
            *entry = entry.saturating_add(*count);
        }
    }
    let max = counts.values().copied().max().unwrap_or(0);
    let total: u64 = counts.values().map(|c| u64::from(*c)).sum();
    let studied = counts.values().filter(|c| **c > 0).count();
    let grid_start = first
        .checked_sub_days(Days::new(u64::from(first.weekday().num_days_from_monday())))
        .unwrap_or(first);
    let column = |day: NaiveDate| (day - grid_start).num_days() / 7;
    let grid_bottom = TOP + 7 * STEP - (STEP - CELL);
    // Room on the right for a month named above the last week ("Dec" is wider than a
    // week's column), so its label is not cut off.
    let width = LEFT + WEEKS * STEP - (STEP - CELL) + RIGHT;
    let height = grid_bottom + 8 + CELL + 2;

    let mut svg = open_svg(
        "heatmap",
        width,
        height,
        &format!(
            "Review calendar from {} to {}: {} on {}",
            first.format("%a %-d %b %Y"),
            end.format("%a %-d %b %Y"),
            plural(total.min(u64::from(u32::MAX)) as u32, "review", "reviews"),
            plural(studied as u32, "day", "days"),
        ),
    );

    // A month is named above the week holding its first day; the first week is named after
    // its own month unless the next name would crowd it.
    let mut months: Vec<(i64, NaiveDate)> = first
        .iter_days()
        .take_while(|day| *day <= end)
        .filter(|day| day.day() == 1)
        .map(|day| (column(day), day))
        .collect();
    if months.first().is_none_or(|(col, _)| *col >= 3) {
        months.insert(0, (0, first));
    }
    for (col, day) in months {
        svg.push_str(&format!(
            "<text class=\"axis\" x=\"{}\" y=\"{}\">{}</text>\n",
            LEFT + col * STEP,
            TOP - 5,
            day.format("%b"),
        ));
    }
    for (row, name) in [(0, "Mon"), (2, "Wed"), (4, "Fri")] {
        svg.push_str(&format!(
            "<text class=\"axis\" x=\"0\" y=\"{}\">{name}</text>\n",
            TOP + row * STEP + 9,
        ));
    }

    for day in first.iter_days().take_while(|day| *day <= end) {
        let count = counts.get(&day).copied().unwrap_or(0);
        let what = if count == 0 {
            "No reviews".to_owned()
        } else {
            plural(count, "review", "reviews")
        };
        svg.push_str(&format!(
            "<rect class=\"day l{}\" x=\"{}\" y=\"{}\" width=\"{CELL}\" height=\"{CELL}\" rx=\"2\">\
             <title>{what} on {}</title></rect>\n",
            level(count, max),
            LEFT + column(day) * STEP,
            TOP + i64::from(day.weekday().num_days_from_monday()) * STEP,
            day.format("%a %-d %b %Y"),
        ));
    }

    // Legend, right-aligned under the grid: Less □□□□□ More.
    let legend_y = grid_bottom + 8;
    let more_x = width - 24;
    let first_cell = more_x - 4 - (i64::from(LEVELS) + 1) * STEP;
    svg.push_str(&format!(
        "<text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"end\">Less</text>\n",
        first_cell - 4,
        legend_y + 9,
    ));
    for shade in 0..=i64::from(LEVELS) {
        svg.push_str(&format!(
            "<rect class=\"day l{shade}\" x=\"{}\" y=\"{legend_y}\" width=\"{CELL}\" height=\"{CELL}\" rx=\"2\"/>\n",
            first_cell + shade * STEP,
        ));
    }
    svg.push_str(&format!(
        "<text class=\"axis\" x=\"{more_x}\" y=\"{}\">More</text>\n",
        legend_y + 9,
    ));
    svg.push_str("</svg>");
    svg
}

/// One bar of [`bar_chart`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    /// Shown under the bar; empty for no label.
    pub label: String,
    /// Shown on hover.
    pub tooltip: String,
    pub value: u32,
}

/// Vertical bars scaled to the largest value, each with its count above it, the axis from
/// 0 to that largest value on the left.
pub fn bar_chart(label: &str, bars: &[Bar]) -> String {
    const LEFT: i64 = 28;
    const TOP: i64 = 14;
    const PLOT: i64 = 120;
    const SLOT: i64 = 20;
    const WIDTH: i64 = 14;
    let max = bars.iter().map(|bar| bar.value).max().unwrap_or(0);
    let baseline = TOP + PLOT;
    let width = LEFT + SLOT * bars.len() as i64;
    let mut svg = open_svg("bars", width, baseline + 18, label);
    svg.push_str(&format!(
        "<line class=\"baseline\" x1=\"{LEFT}\" y1=\"{baseline}\" x2=\"{width}\" y2=\"{baseline}\"/>\n\
         <text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\n",
        LEFT - 4,
        baseline,
    ));
    if max > 0 {
        svg.push_str(&format!(
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{width}\" y2=\"{TOP}\"/>\n\
             <text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text>\n",
            LEFT - 4,
            TOP + 4,
        ));
    }
    for (index, bar) in bars.iter().enumerate() {
        let x = LEFT + SLOT * index as i64 + (SLOT - WIDTH) / 2;
        let middle = x + WIDTH / 2;
        svg.push_str(&format!(
            "<g class=\"bar\"><title>{}</title>",
            escape(&bar.tooltip)
        ));
        if bar.value > 0 {
            // Rounded to the nearest pixel, but never so short that a count disappears.
            let height = ((i64::from(bar.value) * PLOT + i64::from(max) / 2) / i64::from(max))
                .clamp(1, PLOT);
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"{}\" width=\"{WIDTH}\" height=\"{height}\"/>\
                 <text class=\"value\" x=\"{middle}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                baseline - height,
                baseline - height - 3,
                bar.value,
            ));
        }
        if !bar.label.is_empty() {
            svg.push_str(&format!(
                "<text class=\"axis\" x=\"{middle}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                baseline + 13,
                escape(&bar.label),
            ));
        }
        svg.push_str("</g>\n");
    }
    svg.push_str("</svg>");
    svg
}

/// Cards due on each of the coming days, the first being today: a [`bar_chart`] labelled
/// "Today" and then the date of every seventh day.
pub fn forecast_chart(days: &[(NaiveDate, u32)]) -> String {
    let bars: Vec<Bar> = days
        .iter()
        .enumerate()
        .map(|(index, (day, due))| {
            let name = if index == 0 {
                "Today".to_owned()
            } else {
                day.format("%a %-d %b").to_string()
            };
            Bar {
                label: match index {
                    0 => "Today".to_owned(),
                    i if i % 7 == 0 => day.format("%-d %b").to_string(),
                    _ => String::new(),
                },
                tooltip: format!("{name}: {} due", plural(*due, "card", "cards")),
                value: *due,
            }
        })
        .collect();
    let total: u32 = days
        .iter()
        .map(|(_, due)| *due)
        .fold(0, u32::saturating_add);
    bar_chart(
        &format!(
            "Cards due over the next {}: {} in all, {} today",
            plural(days.len() as u32, "day", "days"),
            total,
            days.first().map_or(0, |(_, due)| *due),
        ),
        &bars,
    )
}

/// One row of [`coverage_chart`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageBar {
    pub label: String,
    /// 0 to 100; `None` when there is nothing to measure yet.
    pub percent: Option<u32>,
    /// Shown on hover after the label, e.g. "14 of 20 items ticked".
    pub detail: String,
}

/// The longest row label shown in full; longer ones end in an ellipsis (the tooltip and
/// the page's table keep the whole name).
const LABEL_CHARS: usize = 30;

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_owned()
    } else {
        let kept: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{}…", kept.trim_end())
    }
}

/// Horizontal bars from 0 to 100%, one row per entry, its label on the left and the
/// percentage on the right ("—" when there is none).
pub fn coverage_chart(label: &str, rows: &[CoverageBar]) -> String {
    const LEFT: i64 = 190;
    const TOP: i64 = 18;
    const TRACK: i64 = 300;
    const ROW: i64 = 22;
    const HEIGHT: i64 = 14;
    let width = LEFT + TRACK + 44;
    let height = TOP + ROW * rows.len() as i64 + 4;
    let mut svg = open_svg("coverage", width, height, label);
    for percent in [0, 50, 100] {
        let x = LEFT + TRACK * percent / 100;
        svg.push_str(&format!(
            "<line class=\"grid\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\"/>\
             <text class=\"axis\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{percent}%</text>\n",
            TOP - 2,
            height - 4,
            TOP - 6,
        ));
    }
    for (index, row) in rows.iter().enumerate() {
        let y = TOP + ROW * index as i64 + (ROW - HEIGHT) / 2;
        let text_y = y + HEIGHT - 3;
        let shown = row
            .percent
            .map_or_else(|| "—".to_owned(), |p| format!("{}%", p.min(100)));
        let tooltip = if row.detail.is_empty() {
            format!("{}: {shown}", row.label)
        } else {
            format!("{}: {}", row.label, row.detail)
        };
        svg.push_str(&format!(
            "<g class=\"row\"><title>{}</title>\
             <text class=\"label\" x=\"{}\" y=\"{text_y}\" text-anchor=\"end\">{}</text>\
             <rect class=\"track\" x=\"{LEFT}\" y=\"{y}\" width=\"{TRACK}\" height=\"{HEIGHT}\"/>",
            escape(&tooltip),
            LEFT - 6,
            escape(&shorten(&row.label)),
        ));
        if let Some(percent) = row.percent.filter(|p| *p > 0) {
            svg.push_str(&format!(
                "<rect class=\"fill\" x=\"{LEFT}\" y=\"{y}\" width=\"{}\" height=\"{HEIGHT}\"/>",
                TRACK * i64::from(percent.min(100)) / 100,
            ));
        }
        svg.push_str(&format!(
            "<text class=\"value\" x=\"{}\" y=\"{text_y}\">{shown}</text></g>\n",
            LEFT + TRACK + 6,
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests;
