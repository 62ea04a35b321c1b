//! Dates and times, absolute ("2026-03-14", "March 14", "14/03/2026", "3pm",
//! "15:30") and relative ("yesterday 3pm", "last Friday", "in 2 hours",
//! "3 days ago", "this morning"), resolved against the caller's reference
//! time.
//!
//! Recognition works in two steps: small patterns find *pieces* — a day, a
//! clock time, a part of the day, or an already complete instant — and
//! adjacent pieces are then joined ("yesterday" + "at" + "3pm", "tomorrow" +
//! "morning", "3pm" + "on" + "Friday"). A lone clock time is read on the
//! reference day; a lone part of day ("in the morning") is dropped.
//!
//! A time may carry a zone ("3pm PST", "14:00 CET", "15:30+02:00"); times
//! without one are read in UTC, the zone of the reference (the tenant's
//! time zone is not known here). A clock time alone is placed on the
//! reference's UTC date. Numeric dates are month-first for
//! US/CA tenants and day-first elsewhere unless one number exceeds 12; a
//! date without a year takes the year that puts it nearest the reference.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use regex::{Captures, Regex};

use super::calendar::{self, Grain, Part};
use super::{compiled, region::Region, Candidate, Kind, Scan};

const MONTH: &str = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\b\.?";
const WEEKDAY: &str = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|thurs|thu|fri|sat|sun)\b\.?";
const NUMBER_WORDS: &str = r"an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|a\s+couple\s+of|couple\s+of|a\s+few|few";
/// Zone abbreviations after a time ("3pm PST", "14:00 CET"); upper case
/// only, so French "est" is not Eastern time.
const ZONE: &str = r"(?-i:UTC|GMT|Z|EST|EDT|CST|CDT|MST|MDT|PST|PDT|AKST|AKDT|HST|CEST|CET|EEST|EET|WEST|WET|BST|IST|JST|KST|AEST|AEDT|SGT|HKT|[+-][0-9]{2}:?[0-9]{2})";
const UNIT: &str =
    r"seconds?|secs?|minutes?|mins?|hours?|hrs?|h|days?|weeks?|wks?|months?|years?|yrs?";

struct Patterns {
    iso: Regex,
    numeric: Regex,
    month_first: Regex,
    day_first: Regex,
    month_year: Regex,
    clock12: Regex,
    clock24: Regex,
    named_time: Regex,
    relative_day: Regex,
    part: Regex,
    weekday: Regex,
    period: Regex,
    duration: Regex,
}

fn patterns() -> Option<&'static Patterns> {
    static RE: OnceLock<Option<Patterns>> = OnceLock::new();
    compiled(&RE, || {
        Ok(Patterns {
            iso: Regex::new(
                r"(?i)\b([0-9]{4})([-/])([0-9]{1,2})([-/])([0-9]{1,2})(?:[T ]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]{1,9})?)?(?:\s?(Z|UTC|GMT|[+-][0-9]{2}:?[0-9]{2}))?)?\b",
            )?,
            numeric: Regex::new(
                r"\b([0-9]{1,2})([/.\-])([0-9]{1,2})([/.\-])([0-9]{4}|[0-9]{2})\b",
            )?,
            month_first: Regex::new(&format!(
                r"(?i)\b(?:{WEEKDAY},?\s+)?({MONTH})\s*([0-9]{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+([0-9]{{4}})\b)?"
            ))?,
            day_first: Regex::new(&format!(
                r"(?i)\b(?:{WEEKDAY},?\s+)?(?:the\s+)?([0-9]{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+({MONTH})(?:,?\s+([0-9]{{4}})\b)?"
            ))?,
            month_year: Regex::new(&format!(r"(?i)\b({MONTH}),?\s+([0-9]{{4}})\b"))?,
            clock12: Regex::new(&format!(
                r"(?i)\b([0-9]{{1,2}})(?::([0-9]{{2}}))?(?::([0-9]{{2}}))?\s?([ap])\.?m\b\.?(?:\s?({ZONE})\b)?"
            ))?,
            clock24: Regex::new(&format!(
                r"\b([01]?[0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?\b(?:\s?({ZONE})\b)?"
            ))?,
            named_time: Regex::new(r"(?i)\b(noon|midday|midnight)\b")?,
            relative_day: Regex::new(
                r"(?i)\b(today|tonight|tomorrow|tmrw|yesterday|(?:the\s+)?day\s+before\s+yesterday|(?:the\s+)?day\s+after\s+tomorrow|last\s+night|this\s+(?:morning|afternoon|evening))\b",
            )?,
            part: Regex::new(r"(?i)\b(morning|afternoon|evening|night)\b")?,
            weekday: Regex::new(
                r"(?i)\b(?:(last|next|this|past|coming|previous)\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
            )?,
            period: Regex::new(
                r"(?i)\b(last|next|this|past|previous|coming)\s+(week|month|year)\b",
            )?,
            duration: Regex::new(&format!(
                r"(?i)\b(?:(in|within|after)\s+)?(?:([0-9]{{1,4}})\s*|({NUMBER_WORDS})\s+)({UNIT})\b(?:\s+(ago|from\s+now|later))?"
            ))?,
        })
    })
}

pub(super) fn warm_up() -> bool {
    patterns().is_some()
}

/// What a pattern found, before joining.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Piece {
    Day(NaiveDate),
    DayPart(NaiveDate, Part),
    /// A time of day and the UTC offset it was given in (zero if none).
    Clock(NaiveTime, Grain, TimeDelta),
    Part(Part),
    Instant(NaiveDateTime, Grain),
}

#[derive(Debug, Clone, Copy)]
struct Found {
    start: usize,
    end: usize,
    piece: Piece,
}

fn group<'t>(caps: &Captures<'t>, i: usize) -> &'t str {
    caps.get(i).map_or("", |m| m.as_str())
}

fn num(caps: &Captures<'_>, i: usize) -> Option<u32> {
    caps.get(i)?.as_str().parse().ok()
}

fn number_word(word: &str) -> Option<i64> {
    let w: String = word
        .to_ascii_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Some(match w.as_str() {
        "a" | "an" | "one" => 1,
        "two" | "a couple of" | "couple of" => 2,
        "three" | "a few" | "few" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "fifteen" => 15,
        "twenty" => 20,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "ninety" => 90,
        _ => return None,
    })
}

/// A numeric date or time is not part of a longer dotted, dashed or coloned
/// number (an IP address, a version, an invoice number).
fn numeric_edges_ok(scan: &Scan<'_>, start: usize, end: usize) -> bool {
    let before = scan.before(start);
    let glued_before =
        before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '/' | '-' | ':' | '_'));
    let glued_after =
        matches!(scan.after2(end), (Some('.' | '/' | '-' | ':'), Some(d)) if d.is_ascii_digit());
    !glued_before && !glued_after
}

fn iso_piece(c: &Captures<'_>) -> Option<Piece> {
    let date = NaiveDate::from_ymd_opt(group(c, 1).parse().ok()?, num(c, 3)?, num(c, 5)?)?;
    let Some(hour) = num(c, 6) else {
        return Some(Piece::Day(date));
    };
    let (minute, second) = (num(c, 7)?, num(c, 8));
    let local = date.and_time(calendar::clock(hour, minute, second.unwrap_or(0))?);
    let utc = local.checked_sub_signed(calendar::zone_offset(group(c, 9))?)?;
    let grain = if second.is_some() {
        Grain::Second
    } else {
        Grain::Minute
    };
    Some(Piece::Instant(utc, grain))
}

fn numeric_piece(c: &Captures<'_>, region: &Region) -> Option<Piece> {
    let (a, b) = (num(c, 1)?, num(c, 3)?);
    let (day, month) = if a > 12 || (b <= 12 && region.day_first) {
        (a, b)
    } else {
        (b, a)
    };
    let year = calendar::full_year(group(c, 5))?;
    Some(Piece::Day(NaiveDate::from_ymd_opt(year, month, day)?))
}

/// "March 14[, 2026]" or "14 March [2026]".
fn named_month_piece(
    c: &Captures<'_>,
    day_i: usize,
    month_i: usize,
    today: NaiveDate,
) -> Option<Piece> {
    let month_word = group(c, month_i);
    let year = c.get(3);
    // "user 10 may not log in": a lower-case "may" needs a year.
    if month_word.starts_with("may") && year.is_none() {
        return None;
    }
    let (day, month) = (num(c, day_i)?, calendar::month(month_word)?);
    let date = match year {
        Some(y) => NaiveDate::from_ymd_opt(y.as_str().parse().ok()?, month, day)?,
        None => calendar::nearest_date(today, month, day)?,
    };
    Some(Piece::Day(date))
}

fn month_year_piece(c: &Captures<'_>) -> Option<Piece> {
    let date =
        NaiveDate::from_ymd_opt(group(c, 2).parse().ok()?, calendar::month(group(c, 1))?, 1)?;
    Some(Piece::Instant(date.and_hms_opt(0, 0, 0)?, Grain::Month))
}

fn clock12_piece(c: &Captures<'_>) -> Option<Piece> {
    let hour = num(c, 1)?;
    if !(1..=12).contains(&hour) {
        return None;
    }
    let pm = group(c, 4).eq_ignore_ascii_case("p");
    let hour = hour % 12 + if pm { 12 } else { 0 };
    let (minute, second) = (num(c, 2), num(c, 3));
    let grain = match (minute, second) {
        (_, Some(_)) => Grain::Second,
        (Some(_), None) => Grain::Minute,
        _ => Grain::Hour,
    };
    let time = calendar::clock(hour, minute.unwrap_or(0), second.unwrap_or(0))?;
    Some(Piece::Clock(
        time,
        grain,
        calendar::zone_offset(group(c, 5))?,
    ))
}

fn clock24_piece(c: &Captures<'_>) -> Option<Piece> {
    let second = num(c, 3);
    let grain = if second.is_some() {
        Grain::Second
    } else {
        Grain::Minute
    };
    let time = calendar::clock(num(c, 1)?, num(c, 2)?, second.unwrap_or(0))?;
    Some(Piece::Clock(
        time,
        grain,
        calendar::zone_offset(group(c, 4))?,
    ))
}

fn relative_day_piece(words: &str, today: NaiveDate) -> Option<Piece> {
    let words: Vec<String> = words
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let first = words.first().map_or("", String::as_str);
    let last = words.last().map_or("", String::as_str);
    match (first, last) {
        ("today", _) => Some(Piece::Day(today)),
        ("tonight", _) => Some(Piece::DayPart(today, Part::Night)),
        ("tomorrow" | "tmrw", _) => calendar::shift_days(today, 1).map(Piece::Day),
        ("yesterday", _) => calendar::shift_days(today, -1).map(Piece::Day),
        ("last", "night") => {
            calendar::shift_days(today, -1).map(|d| Piece::DayPart(d, Part::Night))
        }
        ("this", part) => Part::parse(part).map(|p| Piece::DayPart(today, p)),
        (_, "yesterday") => calendar::shift_days(today, -2).map(Piece::Day),
        (_, "tomorrow") => calendar::shift_days(today, 2).map(Piece::Day),
        _ => None,
    }
}

/// "in 2 hours", "3 days ago", "an hour from now"; (start, piece).
fn duration_piece(c: &Captures<'_>, now: NaiveDateTime) -> Option<(usize, Piece)> {
    let whole = c.get(0)?;
    let (prefix, suffix) = (c.get(1), group(c, 5));
    let amount_at = c.get(2).or_else(|| c.get(3))?;
    let start = match (prefix, suffix.is_empty()) {
        (None, true) => return None, // "2 hours" is a duration, not a point in time
        // "logged in 3 days ago": the suffix decides, "in" is not ours.
        (Some(_), false) => amount_at.start(),
        _ => whole.start(),
    };
    let amount = match c.get(2) {
        Some(n) => n.as_str().parse::<i64>().ok()?,
        None => number_word(group(c, 3))?,
    };
    let sign = if suffix.eq_ignore_ascii_case("ago") {
        -1
    } else {
        1
    };
    let (at, grain) = calendar::offset(now, sign * amount, group(c, 4))?;
    Some((start, Piece::Instant(at, grain)))
}

fn pieces(scan: &Scan<'_>, p: &Patterns, region: &Region, now: NaiveDateTime) -> Vec<Found> {
    let text = scan.text;
    let today = now.date();
    let mut out = Vec::new();
    let mut push = |start: usize, end: usize, piece: Option<Piece>| {
        if let Some(piece) = piece {
            out.push(Found { start, end, piece });
        }
    };

    if scan.has_digit {
        for c in p.iso.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            if group(&c, 2) == group(&c, 4) && numeric_edges_ok(scan, m.start(), m.end()) {
                push(m.start(), m.end(), iso_piece(&c));
            }
        }
        for c in p.numeric.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            if group(&c, 2) == group(&c, 4) && numeric_edges_ok(scan, m.start(), m.end()) {
                push(m.start(), m.end(), numeric_piece(&c, region));
            }
        }
        for (re, day_i, month_i) in [(&p.month_first, 2, 1), (&p.day_first, 1, 2)] {
            for c in re.captures_iter(text) {
                let Some(m) = c.get(0) else { continue };
                push(
                    m.start(),
                    m.end(),
                    named_month_piece(&c, day_i, month_i, today),
                );
            }
        }
        for c in p.month_year.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            push(m.start(), m.end(), month_year_piece(&c));
        }
        for c in p.clock12.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            // "3pm." at the end of a sentence: the full stop is not the time's.
            let dotted = m.as_str().to_ascii_lowercase().contains(".m.");
            let end = if m.as_str().ends_with('.') && !dotted {
                m.end() - 1
            } else {
                m.end()
            };
            push(m.start(), end, clock12_piece(&c));
        }
        if scan.has_colon {
            for c in p.clock24.captures_iter(text) {
                let Some(m) = c.get(0) else { continue };
                if numeric_edges_ok(scan, m.start(), m.end()) {
                    push(m.start(), m.end(), clock24_piece(&c));
                }
            }
        }
    }

    for m in p.named_time.find_iter(text) {
        let hour = if m.as_str().eq_ignore_ascii_case("midnight") {
            0
        } else {
            12
        };
        let zero = TimeDelta::zero();
        let piece = calendar::clock(hour, 0, 0).map(|t| Piece::Clock(t, Grain::Hour, zero));
        push(m.start(), m.end(), piece);
    }
    for m in p.relative_day.find_iter(text) {
        push(m.start(), m.end(), relative_day_piece(m.as_str(), today));
    }
    for m in p.part.find_iter(text) {
        push(m.start(), m.end(), Part::parse(m.as_str()).map(Piece::Part));
    }
    for c in p.weekday.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let piece = calendar::weekday(group(&c, 2))
            .and_then(|wd| calendar::resolve_weekday(today, wd, group(&c, 1)))
            .map(Piece::Day);
        push(m.start(), m.end(), piece);
    }
    for c in p.period.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let piece = calendar::period_start(today, group(&c, 1), group(&c, 2))
            .and_then(|(date, grain)| Some(Piece::Instant(date.and_hms_opt(0, 0, 0)?, grain)));
        push(m.start(), m.end(), piece);
    }
    for c in p.duration.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        if let Some((start, piece)) = duration_piece(&c, now) {
            push(start, m.end(), Some(piece));
        }
    }
    out
}

/// Keeps the longest of overlapping pieces ("this morning" over "morning").
fn drop_overlaps(mut found: Vec<Found>) -> Vec<Found> {
    found.sort_by(|a, b| {
        (b.end - b.start)
            .cmp(&(a.end - a.start))
            .then(a.start.cmp(&b.start))
    });
    // start -> end of the kept pieces, which never overlap one another.
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut kept: Vec<Found> = Vec::with_capacity(found.len());
    for f in found {
        let overlaps = taken
            .range(..f.end)
            .next_back()
            .is_some_and(|(_, &end)| end > f.start);
        if !overlaps {
            taken.insert(f.start, f.end);
            kept.push(f);
        }
    }
    kept.sort_by_key(|f| f.start);
    kept
}

/// Joins two neighbouring pieces when the words between them allow it.
fn join(a: Piece, gap: &str, b: Piece) -> Option<Piece> {
    let gap = gap.trim().to_ascii_lowercase();
    let gap = gap.split_whitespace().collect::<Vec<_>>().join(" ");
    let day_then_time = matches!(
        gap.as_str(),
        "" | "," | "at" | "@" | ", at" | "around" | "about" | "by"
    );
    let time_then_day = matches!(gap.as_str(), "" | "," | "on");
    match (a, b) {
        (Piece::Day(d), Piece::Part(p)) if matches!(gap.as_str(), "" | "in the" | ",") => {
            Some(Piece::DayPart(d, p))
        }
        (Piece::Day(d) | Piece::DayPart(d, _), Piece::Clock(t, g, zone)) if day_then_time => {
            Some(Piece::Instant(d.and_time(t).checked_sub_signed(zone)?, g))
        }
        (Piece::Clock(t, g, zone), Piece::Day(d) | Piece::DayPart(d, _)) if time_then_day => {
            Some(Piece::Instant(d.and_time(t).checked_sub_signed(zone)?, g))
        }
        _ => None,
    }
}

pub(super) fn datetimes(
    scan: &Scan<'_>,
    region: &Region,
    reference: DateTime<Utc>,
    out: &mut Vec<Candidate>,
) {
    let Some(p) = patterns() else { return };
    let now = reference.naive_utc();
    let found = drop_overlaps(pieces(scan, p, region, now));

    let mut joined: Vec<Found> = Vec::with_capacity(found.len());
    for f in found {
        if let Some(prev) = joined.last_mut() {
            let gap = scan.text.get(prev.end..f.start).unwrap_or("x");
            if gap.len() <= 8 {
                if let Some(piece) = join(prev.piece, gap, f.piece) {
                    prev.end = f.end;
                    prev.piece = piece;
                    continue;
                }
            }
        }
        joined.push(f);
    }

    for f in joined {
        let value = match f.piece {
            Piece::Day(d) => d
                .and_hms_opt(0, 0, 0)
                .map(|t| calendar::value(t, Grain::Day, None)),
            Piece::DayPart(d, part) => part
                .span(d)
                .map(|(start, end)| calendar::value(start, Grain::PartOfDay, Some(end))),
            Piece::Clock(t, g, zone) => now
                .date()
                .and_time(t)
                .checked_sub_signed(zone)
                .map(|at| calendar::value(at, g, None)),
            Piece::Instant(t, g) => Some(calendar::value(t, g, None)),
            Piece::Part(_) => None,
        };
        if let Some(value) = value {
            out.push(Candidate::new(f.start, f.end, Kind::Datetime, value));
        }
    }
}

#[cfg(test)]
#[path = "datetime_tests.rs"]
mod tests;
