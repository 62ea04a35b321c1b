//! Calendar arithmetic for [`super::datetime`]: weekdays, periods, offsets
//! and the JSON value of a resolved date-time. Everything is checked: dates
//! out of chrono's range give `None`, never a panic.

use chrono::{
    Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeDelta,
    Timelike, Weekday,
};
use serde_json::{json, Value};

/// How precise a resolved date-time is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grain {
    Second,
    Minute,
    Hour,
    PartOfDay,
    Day,
    Week,
    Month,
    Year,
}

impl Grain {
    fn as_str(self) -> &'static str {
        match self {
            Grain::Second => "second",
            Grain::Minute => "minute",
            Grain::Hour => "hour",
            Grain::PartOfDay => "part_of_day",
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
            Grain::Year => "year",
        }
    }
}

/// Morning, afternoon, evening, night: `[start, end)` hours, as Duckling
/// reads them (evening and night both run 18:00–24:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Morning,
    Afternoon,
    Evening,
    Night,
}

impl Part {
    pub(crate) fn parse(word: &str) -> Option<Part> {
        match word.to_ascii_lowercase().as_str() {
            "morning" => Some(Part::Morning),
            "afternoon" => Some(Part::Afternoon),
            "evening" => Some(Part::Evening),
            "night" => Some(Part::Night),
            _ => None,
        }
    }

    fn hours(self) -> (u32, u32) {
        match self {
            Part::Morning => (4, 12),
            Part::Afternoon => (12, 19),
            Part::Evening | Part::Night => (18, 24),
        }
    }

    /// Start and (exclusive) end on `date`.
    pub(crate) fn span(self, date: NaiveDate) -> Option<(NaiveDateTime, NaiveDateTime)> {
        let (start, end) = self.hours();
        let start = date.and_hms_opt(start, 0, 0)?;
        let end = if end == 24 {
            date.checked_add_days(Days::new(1))?.and_hms_opt(0, 0, 0)?
        } else {
            date.and_hms_opt(end, 0, 0)?
        };
        Some((start, end))
    }
}

pub(crate) fn weekday(word: &str) -> Option<Weekday> {
    let w = word.to_ascii_lowercase();
    Some(match w.get(..3)? {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

pub(crate) fn month(word: &str) -> Option<u32> {
    let w = word.to_ascii_lowercase();
    Some(match w.get(..3)? {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    })
}

/// `last` (strictly before today), `next` (strictly after), `this` (in the
/// current Monday-first week), or none: the nearest occurrence, today
/// included, the past winning a tie ("since Friday" is more common in support
/// than a future Friday).
pub(crate) fn resolve_weekday(
    today: NaiveDate,
    target: Weekday,
    modifier: &str,
) -> Option<NaiveDate> {
    let now = i64::from(today.weekday().num_days_from_monday());
    let want = i64::from(target.num_days_from_monday());
    let back = (now - want).rem_euclid(7);
    let fwd = (want - now).rem_euclid(7);
    let offset = match modifier.to_ascii_lowercase().as_str() {
        "last" | "past" | "previous" => -(if back == 0 { 7 } else { back }),
        "next" | "coming" => {
            if fwd == 0 {
                7
            } else {
                fwd
            }
        }
        "this" => want - now,
        _ if back <= fwd => -back,
        _ => fwd,
    };
    shift_days(today, offset)
}

pub(crate) fn shift_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    let n = Days::new(days.unsigned_abs());
    if days >= 0 {
        date.checked_add_days(n)
    } else {
        date.checked_sub_days(n)
    }
}

pub(crate) fn shift_months(date: NaiveDate, months: i64) -> Option<NaiveDate> {
    let n = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
    if months >= 0 {
        date.checked_add_months(n)
    } else {
        date.checked_sub_months(n)
    }
}

/// The start of this/last/next week, month or year.
pub(crate) fn period_start(
    today: NaiveDate,
    modifier: &str,
    unit: &str,
) -> Option<(NaiveDate, Grain)> {
    let step: i64 = match modifier.to_ascii_lowercase().as_str() {
        "last" | "past" | "previous" => -1,
        "next" | "coming" => 1,
        _ => 0,
    };
    match unit.to_ascii_lowercase().as_str() {
        "week" => {
            let monday = shift_days(today, -i64::from(today.weekday().num_days_from_monday()))?;
            Some((shift_days(monday, 7 * step)?, Grain::Week))
        }
        "month" => {
            let first = today.with_day(1)?;
            Some((shift_months(first, step)?, Grain::Month))
        }
        "year" => {
            let first = NaiveDate::from_ymd_opt(
                today.year().checked_add(i32::try_from(step).ok()?)?,
                1,
                1,
            )?;
            Some((first, Grain::Year))
        }
        _ => None,
    }
}

/// `now` moved by `amount` units ("in 2 hours", "3 days ago" with a negative
/// amount). Sub-day units keep the clock (to the second); day and longer
/// units land on midnight of the resulting day.
pub(crate) fn offset(
    now: NaiveDateTime,
    amount: i64,
    unit: &str,
) -> Option<(NaiveDateTime, Grain)> {
    let unit = unit.to_ascii_lowercase();
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0);
    let now = now.with_nanosecond(0)?;
    let u = unit.trim_end_matches('s');
    Some(match u {
        "second" | "sec" => (
            now.checked_add_signed(TimeDelta::try_seconds(amount)?)?,
            Grain::Second,
        ),
        "minute" | "min" => (
            now.checked_add_signed(TimeDelta::try_minutes(amount)?)?,
            Grain::Minute,
        ),
        "hour" | "hr" | "h" => (
            now.checked_add_signed(TimeDelta::try_hours(amount)?)?,
            Grain::Hour,
        ),
        "day" => (midnight(shift_days(now.date(), amount)?)?, Grain::Day),
        "week" | "wk" => (
            midnight(shift_days(now.date(), amount.checked_mul(7)?)?)?,
            Grain::Day,
        ),
        "month" => (midnight(shift_months(now.date(), amount)?)?, Grain::Day),
        "year" | "yr" => (
            midnight(shift_months(now.date(), amount.checked_mul(12)?)?)?,
            Grain::Day,
        ),
        _ => return None,
    })
}

/// The date `month`/`day` nearest to `today` (last, this or next year):
/// "December 28" said in January is the one just past.
pub(crate) fn nearest_date(today: NaiveDate, month: u32, day: u32) -> Option<NaiveDate> {
    let year = today.year();
    [year.checked_sub(1), Some(year), year.checked_add(1)]
        .into_iter()
        .flatten()
        .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
        .min_by_key(|d| (*d - today).num_days().abs())
}

/// 2-digit years: 00–69 → 2000s, 70–99 → 1900s.
pub(crate) fn full_year(year: &str) -> Option<i32> {
    let y: i32 = year.parse().ok()?;
    Some(match (year.len(), y) {
        (2, 0..=69) => 2000 + y,
        (2, _) => 1900 + y,
        _ => y,
    })
}

pub(crate) fn clock(hour: u32, minute: u32, second: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(hour, minute, second)
}

/// The UTC offset of a zone: empty (UTC), an abbreviation or `±hh[:]mm`.
pub(crate) fn zone_offset(zone: &str) -> Option<TimeDelta> {
    let z = zone.to_ascii_uppercase();
    let hours = match z.as_str() {
        "" | "Z" | "UTC" | "GMT" | "WET" => Some(0),
        "EST" | "CDT" => Some(-5),
        "EDT" => Some(-4),
        "CST" | "MDT" => Some(-6),
        "MST" | "PDT" => Some(-7),
        "PST" | "AKDT" => Some(-8),
        "AKST" => Some(-9),
        "HST" => Some(-10),
        "CET" | "BST" | "WEST" => Some(1),
        "CEST" | "EET" => Some(2),
        "EEST" => Some(3),
        "SGT" | "HKT" => Some(8),
        "JST" | "KST" => Some(9),
        "AEST" => Some(10),
        "AEDT" => Some(11),
        // India's, the IST most customers mean.
        "IST" => return TimeDelta::try_minutes(330),
        _ => None,
    };
    if let Some(hours) = hours {
        return TimeDelta::try_hours(hours);
    }
    let sign = if z.starts_with('-') { -1 } else { 1 };
    let digits: String = z.chars().filter(char::is_ascii_digit).collect();
    let hours: i64 = digits.get(..2)?.parse().ok()?;
    let minutes: i64 = digits.get(2..4)?.parse().ok()?;
    if hours > 14 || minutes > 59 {
        return None;
    }
    TimeDelta::try_minutes(sign * (hours * 60 + minutes))
}

/// `{"value": "2026-03-14T15:00:00Z", "grain": "hour"[, "end": …]}`.
pub(crate) fn value(at: NaiveDateTime, grain: Grain, end: Option<NaiveDateTime>) -> Value {
    let rfc = |t: NaiveDateTime| t.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true);
    match end {
        Some(end) => json!({"value": rfc(at), "grain": grain.as_str(), "end": rfc(end)}),
        None => json!({"value": rfc(at), "grain": grain.as_str()}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn weekdays_relative_to_a_saturday() {
        let sat = d(2026, 3, 14);
        assert_eq!(
            resolve_weekday(sat, Weekday::Fri, "last"),
            Some(d(2026, 3, 13))
        );
        assert_eq!(
            resolve_weekday(sat, Weekday::Sat, "last"),
            Some(d(2026, 3, 7))
        );
        assert_eq!(
            resolve_weekday(sat, Weekday::Mon, "next"),
            Some(d(2026, 3, 16))
        );
        assert_eq!(
            resolve_weekday(sat, Weekday::Sat, "next"),
            Some(d(2026, 3, 21))
        );
        assert_eq!(
            resolve_weekday(sat, Weekday::Mon, "this"),
            Some(d(2026, 3, 9))
        );
        assert_eq!(resolve_weekday(sat, Weekday::Fri, ""), Some(d(2026, 3, 13)));
        assert_eq!(resolve_weekday(sat, Weekday::Mon, ""), Some(d(2026, 3, 16)));
        assert_eq!(resolve_weekday(sat, Weekday::Sat, ""), Some(sat));
    }

    #[test]
    fn periods_and_offsets() {
        let today = d(2026, 3, 14);
        assert_eq!(
            period_start(today, "last", "week"),
            Some((d(2026, 3, 2), Grain::Week))
        );
        assert_eq!(
            period_start(today, "next", "month"),
            Some((d(2026, 4, 1), Grain::Month))
        );
        assert_eq!(
            period_start(today, "this", "year"),
            Some((d(2026, 1, 1), Grain::Year))
        );
        let now = today.and_hms_opt(10, 30, 0).unwrap();
        assert_eq!(
            offset(now, 2, "hours"),
            Some((today.and_hms_opt(12, 30, 0).unwrap(), Grain::Hour))
        );
        assert_eq!(
            offset(now, -3, "days"),
            Some((d(2026, 3, 11).and_hms_opt(0, 0, 0).unwrap(), Grain::Day))
        );
        assert_eq!(offset(now, i64::MAX, "days"), None);
        assert_eq!(offset(now, i64::MAX, "weeks"), None);
    }

    #[test]
    fn nearest_year() {
        assert_eq!(nearest_date(d(2026, 1, 5), 12, 28), Some(d(2025, 12, 28)));
        assert_eq!(nearest_date(d(2026, 3, 14), 3, 20), Some(d(2026, 3, 20)));
        assert_eq!(nearest_date(d(2026, 3, 14), 2, 30), None);
        assert_eq!(full_year("26"), Some(2026));
        assert_eq!(full_year("99"), Some(1999));
    }
}
