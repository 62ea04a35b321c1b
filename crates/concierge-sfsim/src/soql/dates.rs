//! Relative date literals (`TODAY`, `LAST_N_DAYS:n`, `THIS_WEEK`, …) as
//! half-open UTC ranges relative to a given instant. Weeks start on Sunday, as
//! in Salesforce's default (en_US) locale.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::ast::DateLiteral;

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default()
}

fn first_of_month(y: i32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default()
}

fn month_start(today: NaiveDate, shift: i32) -> NaiveDate {
    let months = today.year() * 12 + today.month0() as i32 + shift;
    first_of_month(months.div_euclid(12), months.rem_euclid(12) as u32 + 1)
}

fn year_start(y: i32) -> NaiveDate {
    first_of_month(y, 1)
}

/// The half-open range `[start, end)` a relative date literal covers at `now`.
pub fn range(lit: DateLiteral, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let today = now.date_naive();
    let day = Duration::days(1);
    let week_start = today - Duration::days(i64::from(today.weekday().num_days_from_sunday()));
    let (start, end) = match lit {
        DateLiteral::Today => (today, today + day),
        DateLiteral::Yesterday => (today - day, today),
        DateLiteral::Tomorrow => (today + day, today + day + day),
        DateLiteral::LastNDays(n) => (today - Duration::days(i64::from(n)), today + day),
        DateLiteral::NextNDays(n) => (today + day, today + day + Duration::days(i64::from(n))),
        DateLiteral::Last90Days => (today - Duration::days(90), today + day),
        DateLiteral::Next90Days => (today + day, today + day + Duration::days(90)),
        DateLiteral::LastWeek => (week_start - Duration::days(7), week_start),
        DateLiteral::ThisWeek => (week_start, week_start + Duration::days(7)),
        DateLiteral::NextWeek => (
            week_start + Duration::days(7),
            week_start + Duration::days(14),
        ),
        DateLiteral::LastMonth => (month_start(today, -1), month_start(today, 0)),
        DateLiteral::ThisMonth => (month_start(today, 0), month_start(today, 1)),
        DateLiteral::NextMonth => (month_start(today, 1), month_start(today, 2)),
        DateLiteral::LastYear => (year_start(today.year() - 1), year_start(today.year())),
        DateLiteral::ThisYear => (year_start(today.year()), year_start(today.year() + 1)),
        DateLiteral::NextYear => (year_start(today.year() + 1), year_start(today.year() + 2)),
    };
    (midnight(start), midnight(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn weeks_start_on_sunday_and_months_wrap() {
        // 2026-12-04 is a Friday.
        let now = at("2026-12-04T17:00:00Z");
        assert_eq!(
            range(DateLiteral::ThisWeek, now).0,
            at("2026-11-29T00:00:00Z")
        );
        assert_eq!(
            range(DateLiteral::NextMonth, now),
            (at("2027-01-01T00:00:00Z"), at("2027-02-01T00:00:00Z"))
        );
        let jan = at("2026-01-15T00:00:00Z");
        assert_eq!(
            range(DateLiteral::LastMonth, jan),
            (at("2025-12-01T00:00:00Z"), at("2026-01-01T00:00:00Z"))
        );
    }
}
