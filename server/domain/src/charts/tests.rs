//! Tests of the Progress page's charts: shading levels, scales, labels, escaping,
//! and snapshots of each chart's SVG.
#![allow(clippy::unwrap_used)]
use super::*;

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn count(svg: &str, needle: &str) -> usize {
    svg.matches(needle).count()
}

#[test]
fn levels_split_the_busiest_day_into_quarters() {
    assert_eq!(level(0, 0), 0);
    assert_eq!(level(0, 8), 0);
    assert_eq!(level(1, 8), 1);
    assert_eq!(level(2, 8), 1);
    assert_eq!(level(3, 8), 2);
    assert_eq!(level(6, 8), 3);
    assert_eq!(level(7, 8), 4);
    assert_eq!(level(8, 8), 4);
    assert_eq!(level(1, 1), 4);
    assert_eq!(level(u32::MAX, u32::MAX), 4);
    assert_eq!(level(1, u32::MAX), 1);
}

#[test]
fn an_empty_calendar_has_every_day_of_the_year_unshaded() {
    let svg = heatmap(&[], date("2025-06-15"));
    assert_eq!(count(&svg, "<rect class=\"day l0\" x="), 365 + 1);
    assert_eq!(count(&svg, "<title>"), 365);
    assert!(svg.contains(
        "aria-label=\"Review calendar from Sun 16 Jun 2024 to Sun 15 Jun 2025: 0 reviews on 0 days\""
    ));
    assert!(svg.contains("<title>No reviews on Sun 15 Jun 2025</title>"));
    assert!(svg.contains("<title>No reviews on Sun 16 Jun 2024</title>"));
    assert!(!svg.contains("14 Jun 2024"));
    assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
}

#[test]
fn one_day_gets_the_darkest_shade_in_the_last_column() {
    let end = date("2025-06-18"); // a Wednesday
    let svg = heatmap(&[(end, 1)], end);
    // Column 52, row 2 (Wednesday).
    assert!(svg.contains(
        "<rect class=\"day l4\" x=\"706\" y=\"42\" width=\"11\" height=\"11\" rx=\"2\"><title>1 review on Wed 18 Jun 2025</title></rect>"
    ));
    assert!(svg.contains(": 1 review on 1 day\""));
    // Nothing is drawn after the last day.
    assert!(!svg.contains("Thu 19 Jun 2025"));
}

#[test]
fn calendar_ignores_days_outside_its_year_and_adds_repeated_days() {
    let end = date("2025-06-15");
    let svg = heatmap(
        &[
            (date("2024-06-15"), 50),
            (date("2025-06-16"), 50),
            (date("2025-06-01"), 2),
            (date("2025-06-01"), 2),
            (date("2025-06-02"), 1),
        ],
        end,
    );
    assert!(svg.contains("<title>4 reviews on Sun 1 Jun 2025</title>"));
    assert!(svg.contains("class=\"day l4\" x="));
    assert!(svg.contains(
        "class=\"day l1\" x=\"693\" y=\"16\" width=\"11\" height=\"11\" rx=\"2\"><title>1 review on Mon 2 Jun 2025</title>"
    ));
    assert!(svg.contains(": 5 reviews on 2 days\""));
}

#[test]
fn text_is_escaped() {
    let svg = bar_chart(
        "a <b> & \"c\"",
        &[Bar {
            label: "<x>".to_owned(),
            tooltip: "it's & done".to_owned(),
            value: 1,
        }],
    );
    assert!(svg.contains("aria-label=\"a &lt;b&gt; &amp; &quot;c&quot;\""));
    assert!(svg.contains("<title>it&#39;s &amp; done</title>"));
    assert!(svg.contains(">&lt;x&gt;</text>"));
    let svg = coverage_chart(
        "x",
        &[CoverageBar {
            label: "R&D <teams>".to_owned(),
            percent: Some(5),
            detail: String::new(),
        }],
    );
    assert!(svg.contains(">R&amp;D &lt;teams&gt;</text>"));
}

#[test]
fn bars_scale_to_the_largest_value() {
    let bars: Vec<Bar> = [4, 1, 0, 2]
        .into_iter()
        .map(|value| Bar {
            label: String::new(),
            tooltip: format!("{value}"),
            value,
        })
        .collect();
    let svg = bar_chart("due", &bars);
    assert!(svg.contains("y=\"14\" width=\"14\" height=\"120\""));
    assert!(svg.contains("width=\"14\" height=\"30\""));
    assert!(svg.contains("width=\"14\" height=\"60\""));
    assert_eq!(count(&svg, "<rect "), 3, "no bar for zero");
    assert_eq!(count(&svg, "<title>"), 4);
    assert!(svg.contains("text-anchor=\"end\">4</text>"));
}

#[test]
fn a_tiny_bar_stays_visible_and_an_empty_chart_has_no_scale() {
    let svg = bar_chart(
        "due",
        &[
            Bar {
                label: String::new(),
                tooltip: String::new(),
                value: 1000,
            },
            Bar {
                label: String::new(),
                tooltip: String::new(),
                value: 1,
            },
        ],
    );
    assert!(svg.contains("y=\"133\" width=\"14\" height=\"1\""));
    let empty = bar_chart("due", &[]);
    assert!(!empty.contains("<rect"));
    assert!(!empty.contains("class=\"grid\""));
    assert!(empty.contains("viewBox=\"0 0 28 152\""));
}

#[test]
fn forecast_labels_today_and_every_week() {
    let start = date("2025-06-15");
    let days: Vec<(NaiveDate, u32)> = start
        .iter_days()
        .take(30)
        .enumerate()
        .map(|(i, day)| (day, (i % 3) as u32))
        .collect();
    let svg = forecast_chart(&days);
    assert!(svg.contains(">Today</text>"));
    assert!(svg.contains(">22 Jun</text>"));
    assert!(svg.contains(">13 Jul</text>"));
    assert!(!svg.contains(">16 Jun</text>"));
    assert!(svg.contains("<title>Today: 0 cards due</title>"));
    assert!(svg.contains("<title>Mon 16 Jun: 1 card due</title>"));
    assert!(svg.contains("aria-label=\"Cards due over the next 30 days: 30 in all, 0 today\""));
}

#[test]
fn coverage_bars_clamp_and_shorten() {
    let svg = coverage_chart(
        "coverage",
        &[
            CoverageBar {
                label: "Hiring, onboarding and growing engineers".to_owned(),
                percent: Some(150),
                detail: "3 of 2".to_owned(),
            },
            CoverageBar {
                label: "Delivery".to_owned(),
                percent: None,
                detail: String::new(),
            },
            CoverageBar {
                label: "Zero".to_owned(),
                percent: Some(0),
                detail: String::new(),
            },
        ],
    );
    assert!(svg.contains(">Hiring, onboarding and growin…</text>"));
    assert!(svg.contains("<title>Hiring, onboarding and growing engineers: 3 of 2</title>"));
    assert!(svg.contains("class=\"fill\" x=\"190\" y=\"22\" width=\"300\""));
    assert!(svg.contains(">100%</text></g>"));
    assert!(svg.contains("<title>Delivery: —</title>"));
    assert!(svg.contains(">—</text></g>"));
    assert_eq!(count(&svg, "class=\"fill\""), 1);
}

#[test]
fn snapshot_heatmap() {
    let end = date("2025-03-12");
    let days = [
        (date("2024-03-13"), 1),
        (date("2024-12-31"), 2),
        (date("2025-01-01"), 8),
        (date("2025-02-28"), 5),
        (date("2025-03-10"), 3),
        (date("2025-03-12"), 1),
    ];
    insta::assert_snapshot!(heatmap(&days, end));
}

#[test]
fn snapshot_forecast() {
    let start = date("2025-03-12");
    let counts = [
        7, 3, 0, 2, 5, 0, 0, 1, 4, 0, 0, 0, 2, 0, 9, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 1, 12,
    ];
    let days: Vec<(NaiveDate, u32)> = start.iter_days().zip(counts).collect();
    insta::assert_snapshot!(forecast_chart(&days));
}

#[test]
fn snapshot_coverage() {
    let rows = [
        CoverageBar {
            label: "Delivery & execution".to_owned(),
            percent: Some(73),
            detail: "22 of 30 checklist items ticked in 3 reviewed answers".to_owned(),
        },
        CoverageBar {
            label: "Stakeholder management".to_owned(),
            percent: Some(100),
            detail: "9 of 9 checklist items ticked in 1 reviewed answer".to_owned(),
        },
        CoverageBar {
            label: "Hiring".to_owned(),
            percent: None,
            detail: "no reviewed answers yet".to_owned(),
        },
    ];
    insta::assert_snapshot!(coverage_chart("Rubric coverage per competency", &rows));
}
