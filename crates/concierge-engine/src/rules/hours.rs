//! Business hours: a fixed UTC offset, the open weekdays and the daily
//! opening time, written `{utc_offset: "+02:00", days: [mon, tue, wed, thu,
//! fri], open: "09:00", close: "17:00"}`. The `business_hours` rule condition
//! tests the fact the caller computes with [`BusinessHours::contains`].
//!
//! A fixed offset, not a time-zone name: no time-zone database is needed, and
//! a tenant switching to daylight-saving time edits the offset.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// When a tenant's team is at work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "HoursSpec", into = "HoursSpec")]
pub struct BusinessHours {
    /// Local time minus UTC, in minutes (−14:00..=+14:00).
    pub timezone_offset_minutes: i32,
    /// Open days, Monday first.
    pub days: [bool; 7],
    /// Local opening time.
    pub open: NaiveTime,
    /// Local closing time (exclusive). Earlier than `open` means the hours run
    /// past midnight into the next day (a shift opening on an open day);
    /// equal to `open` means open all day on open days.
    pub close: NaiveTime,
}

impl Default for BusinessHours {
    /// Monday to Friday, 09:00–17:00 UTC.
    fn default() -> Self {
        BusinessHours {
            timezone_offset_minutes: 0,
            days: [true, true, true, true, true, false, false],
            open: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
            close: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }
}

impl BusinessHours {
    /// Whether `at` falls within business hours.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        let local = at.naive_utc() + Duration::minutes(i64::from(self.timezone_offset_minutes));
        let day = local.weekday().num_days_from_monday() as usize;
        let previous = (day + 6) % 7;
        let time = local.time();
        if self.open == self.close {
            return self.days[day];
        }
        if self.open < self.close {
            self.days[day] && self.open <= time && time < self.close
        } else {
            (self.days[day] && time >= self.open) || (self.days[previous] && time < self.close)
        }
    }
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The written form.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursSpec {
    #[serde(default = "utc")]
    utc_offset: String,
    days: Vec<String>,
    open: String,
    close: String,
}

fn utc() -> String {
    "+00:00".to_owned()
}

impl TryFrom<HoursSpec> for BusinessHours {
    type Error = String;

    fn try_from(spec: HoursSpec) -> Result<Self, String> {
        let mut days = [false; 7];
        for name in &spec.days {
            let lower = name.to_ascii_lowercase();
            let index = DAY_NAMES
                .iter()
                .position(|d| lower == *d || (lower.len() > 3 && full_name(d) == lower))
                .ok_or_else(|| {
                    format!("`{name}` is not a day; expected mon, tue, wed, thu, fri, sat or sun")
                })?;
            days[index] = true;
        }
        Ok(BusinessHours {
            timezone_offset_minutes: parse_offset(&spec.utc_offset)?,
            days,
            open: parse_time(&spec.open, "open")?,
            close: parse_time(&spec.close, "close")?,
        })
    }
}

impl From<BusinessHours> for HoursSpec {
    fn from(hours: BusinessHours) -> Self {
        let offset = hours.timezone_offset_minutes;
        let sign = if offset < 0 { '-' } else { '+' };
        HoursSpec {
            utc_offset: format!("{sign}{:02}:{:02}", offset.abs() / 60, offset.abs() % 60),
            days: DAY_NAMES
                .iter()
                .zip(hours.days)
                .filter(|(_, open)| *open)
                .map(|(d, _)| (*d).to_owned())
                .collect(),
            open: hours.open.format("%H:%M").to_string(),
            close: hours.close.format("%H:%M").to_string(),
        }
    }
}

fn full_name(short: &str) -> &'static str {
    match short {
        "mon" => "monday",
        "tue" => "tuesday",
        "wed" => "wednesday",
        "thu" => "thursday",
        "fri" => "friday",
        "sat" => "saturday",
        _ => "sunday",
    }
}

/// `+02:00`, `-05:30`, `+0200`, `Z` or `UTC`.
fn parse_offset(text: &str) -> Result<i32, String> {
    let bad = || format!("`{text}` is not a UTC offset; expected e.g. +02:00 or -05:30");
    let text = text.trim();
    if text.eq_ignore_ascii_case("z") || text.eq_ignore_ascii_case("utc") {
        return Ok(0);
    }
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    let hours: i32 = hours.parse().map_err(|_| bad())?;
    let minutes: i32 = minutes.parse().map_err(|_| bad())?;
    if !(0..60).contains(&minutes) || hours * 60 + minutes > 14 * 60 {
        return Err(bad());
    }
    Ok(sign * (hours * 60 + minutes))
}

/// `HH:MM` (24-hour).
fn parse_time(text: &str, field: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| format!("{field}: `{text}` is not a time; expected HH:MM, e.g. 09:00"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn hours(yaml: &str) -> BusinessHours {
        serde_norway::from_str(yaml).unwrap()
    }

    #[test]
    fn default_is_weekdays_nine_to_five_utc() {
        let h = BusinessHours::default();
        // 2024-06-03 is a Monday.
        assert!(h.contains(at(2024, 6, 3, 9, 0)));
        assert!(h.contains(at(2024, 6, 3, 16, 59)));
        assert!(!h.contains(at(2024, 6, 3, 17, 0)), "close is exclusive");
        assert!(!h.contains(at(2024, 6, 3, 8, 59)));
        assert!(!h.contains(at(2024, 6, 8, 12, 0)), "Saturday");
        assert!(h.contains(at(2024, 6, 7, 12, 0)), "Friday");
    }

    #[test]
    fn offset_shifts_the_local_time_and_the_day() {
        let h = hours("{utc_offset: '+02:00', days: [mon, tue, wed, thu, fri], open: '09:00', close: '17:00'}");
        assert_eq!(h.timezone_offset_minutes, 120);
        // 07:00 UTC is 09:00 in +02:00.
        assert!(h.contains(at(2024, 6, 3, 7, 0)));
        assert!(!h.contains(at(2024, 6, 3, 6, 59)));
        assert!(!h.contains(at(2024, 6, 3, 15, 0)), "17:00 local");
        // Sunday 23:30 UTC is Monday 01:30 local: a Monday, but before opening.
        assert!(!h.contains(at(2024, 6, 2, 23, 30)));

        // West of UTC: Friday 23:00 UTC is Friday 18:00 in −05:00 (closed);
        // Saturday 03:00 UTC is Friday 22:00 local, a Friday, but after close.
        let ny = hours("{utc_offset: '-05:00', days: [fri], open: '09:00', close: '23:00'}");
        assert!(ny.contains(at(2024, 6, 8, 3, 0)), "Friday 22:00 local");
        assert!(!ny.contains(at(2024, 6, 8, 4, 0)), "Friday 23:00 local");
        assert!(!ny.contains(at(2024, 6, 7, 13, 0)), "Friday 08:00 local");
    }

    #[test]
    fn overnight_hours_belong_to_the_day_they_open() {
        let h = hours("{days: [fri], open: '22:00', close: '06:00'}");
        assert!(h.contains(at(2024, 6, 7, 23, 0)), "Friday night");
        assert!(
            h.contains(at(2024, 6, 8, 5, 59)),
            "Saturday early morning, Friday's shift"
        );
        assert!(
            !h.contains(at(2024, 6, 8, 22, 30)),
            "Saturday night: closed"
        );
        assert!(
            !h.contains(at(2024, 6, 7, 5, 0)),
            "Friday early morning is Thursday's shift"
        );
    }

    #[test]
    fn equal_open_and_close_means_all_day() {
        let h = hours("{days: [sat, sunday], open: '00:00', close: '00:00'}");
        assert!(h.contains(at(2024, 6, 8, 0, 0)));
        assert!(h.contains(at(2024, 6, 9, 23, 59)));
        assert!(!h.contains(at(2024, 6, 10, 12, 0)));
    }

    #[test]
    fn round_trips_and_rejects_bad_values() {
        let h = hours("{utc_offset: '-05:30', days: [mon, wed], open: '08:30', close: '18:00'}");
        let back: BusinessHours = serde_json::from_value(serde_json::to_value(h).unwrap()).unwrap();
        assert_eq!(back, h);
        assert_eq!(serde_json::to_value(h).unwrap()["utc_offset"], "-05:30");
        for bad in [
            "{utc_offset: '+15:00', days: [mon], open: '09:00', close: '17:00'}",
            "{utc_offset: 'CET', days: [mon], open: '09:00', close: '17:00'}",
            "{days: [funday], open: '09:00', close: '17:00'}",
            "{days: [mon], open: '25:00', close: '17:00'}",
            "{days: [mon], open: '09:00', close: '17:00', tz: x}",
        ] {
            assert!(
                serde_norway::from_str::<BusinessHours>(bad).is_err(),
                "{bad}"
            );
        }
    }
}
