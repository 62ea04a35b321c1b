use chrono::TimeZone;

use super::*;

/// Wednesday 18 March 2026, 10:30:15 UTC.
fn reference() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 18, 10, 30, 15).unwrap()
}

fn run_in(text: &str, region: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    datetimes(
        &Scan::new(text),
        &Region::lookup(region),
        reference(),
        &mut out,
    );
    out.into_iter()
        .map(|c| {
            (
                text[c.start..c.end].to_owned(),
                c.value["value"].as_str().unwrap_or_default().to_owned(),
                c.value["grain"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn run(text: &str) -> Vec<(String, String, String)> {
    run_in(text, "US")
}

/// The single date-time in `text`: (span, value, grain).
fn one(text: &str) -> (String, String, String) {
    let found = run(text);
    assert_eq!(found.len(), 1, "{text}: {found:?}");
    found[0].clone()
}

fn at(text: &str) -> (String, String) {
    let (_, value, grain) = one(text);
    (value, grain)
}

fn pair(value: &str, grain: &str) -> (String, String) {
    (value.to_owned(), grain.to_owned())
}

#[test]
fn absolute_dates() {
    assert_eq!(
        at("on 2026-03-14 it broke"),
        pair("2026-03-14T00:00:00Z", "day")
    );
    assert_eq!(at("since March 14"), pair("2026-03-14T00:00:00Z", "day"));
    assert_eq!(
        at("since Mar. 14th, 2025"),
        pair("2025-03-14T00:00:00Z", "day")
    );
    assert_eq!(at("the 2nd of April"), pair("2026-04-02T00:00:00Z", "day"));
    assert_eq!(
        at("on Friday, 13 March 2026"),
        pair("2026-03-13T00:00:00Z", "day")
    );
    assert_eq!(at("14/03/2026"), pair("2026-03-14T00:00:00Z", "day"));
    assert_eq!(at("in March 2026"), pair("2026-03-01T00:00:00Z", "month"));
    // Said in March, "December 28" is the one just past.
    assert_eq!(at("since December 28"), pair("2025-12-28T00:00:00Z", "day"));
}

#[test]
fn numeric_dates_follow_the_region() {
    assert_eq!(run_in("03/04/2026", "US")[0].1, "2026-03-04T00:00:00Z");
    assert_eq!(run_in("03/04/2026", "GB")[0].1, "2026-04-03T00:00:00Z");
    assert_eq!(run_in("14.03.26", "DE")[0].1, "2026-03-14T00:00:00Z");
    assert!(run("31/02/2026").is_empty());
}

#[test]
fn iso_timestamps_with_zones() {
    assert_eq!(
        at("at 2026-03-14T15:30:00Z"),
        pair("2026-03-14T15:30:00Z", "second")
    );
    assert_eq!(
        at("2026-03-14 15:30"),
        pair("2026-03-14T15:30:00Z", "minute")
    );
    assert_eq!(
        at("2026-03-14T15:30:00+02:00"),
        pair("2026-03-14T13:30:00Z", "second")
    );
    assert_eq!(
        at("2026-03-14T15:30:00.123-0500"),
        pair("2026-03-14T20:30:00Z", "second")
    );
}

#[test]
fn clock_times_on_the_reference_day() {
    assert_eq!(
        one("around 3pm."),
        ("3pm".into(), "2026-03-18T15:00:00Z".into(), "hour".into())
    );
    assert_eq!(at("at 3:45 p.m."), pair("2026-03-18T15:45:00Z", "minute"));
    assert_eq!(at("12am"), pair("2026-03-18T00:00:00Z", "hour"));
    assert_eq!(at("15:30"), pair("2026-03-18T15:30:00Z", "minute"));
    assert_eq!(at("at 09:05:30"), pair("2026-03-18T09:05:30Z", "second"));
    assert_eq!(at("by noon"), pair("2026-03-18T12:00:00Z", "hour"));
    assert!(run("13pm and 25:00 and 16:9").is_empty());
}

#[test]
fn zones_after_clock_times() {
    assert_eq!(at("at 8:00 AM PST"), pair("2026-03-18T16:00:00Z", "minute"));
    assert_eq!(one("2026-03-20 at 14:00 CET").1, "2026-03-20T13:00:00Z");
    assert_eq!(at("tomorrow 9am IST"), pair("2026-03-19T03:30:00Z", "hour"));
    assert_eq!(at("15:30 +02:00"), pair("2026-03-18T13:30:00Z", "minute"));
    // French "est" is not a zone.
    assert_eq!(one("le rendez-vous à 15:30 est annulé").0, "15:30");
}

#[test]
fn relative_days() {
    assert_eq!(at("today"), pair("2026-03-18T00:00:00Z", "day"));
    assert_eq!(at("yesterday"), pair("2026-03-17T00:00:00Z", "day"));
    assert_eq!(at("Tomorrow"), pair("2026-03-19T00:00:00Z", "day"));
    assert_eq!(
        at("the day before yesterday"),
        pair("2026-03-16T00:00:00Z", "day")
    );
    assert_eq!(at("last Friday"), pair("2026-03-13T00:00:00Z", "day"));
    assert_eq!(at("next Monday"), pair("2026-03-23T00:00:00Z", "day"));
    assert_eq!(at("this Friday"), pair("2026-03-20T00:00:00Z", "day"));
    assert_eq!(at("since Monday"), pair("2026-03-16T00:00:00Z", "day"));
    assert_eq!(at("last week"), pair("2026-03-09T00:00:00Z", "week"));
    assert_eq!(at("next month"), pair("2026-04-01T00:00:00Z", "month"));
}

#[test]
fn durations_from_the_reference() {
    assert_eq!(at("in 2 hours"), pair("2026-03-18T12:30:15Z", "hour"));
    assert_eq!(at("3 days ago"), pair("2026-03-15T00:00:00Z", "day"));
    assert_eq!(at("an hour ago"), pair("2026-03-18T09:30:15Z", "hour"));
    assert_eq!(
        at("in a few minutes"),
        pair("2026-03-18T10:33:15Z", "minute")
    );
    assert_eq!(at("2 weeks from now"), pair("2026-04-01T00:00:00Z", "day"));
    assert_eq!(one("logged in 3 days ago").0, "3 days ago");
    assert!(run("it took 2 hours").is_empty());
    assert!(run("in 99999999 years").is_empty());
}

#[test]
fn parts_of_day() {
    let found = run("this morning");
    assert_eq!(found[0].1, "2026-03-18T04:00:00Z");
    assert_eq!(found[0].2, "part_of_day");
    assert_eq!(
        at("last night"),
        pair("2026-03-17T18:00:00Z", "part_of_day")
    );
    assert_eq!(
        at("tomorrow morning"),
        pair("2026-03-19T04:00:00Z", "part_of_day")
    );
    assert!(run("in the morning").is_empty());
}

#[test]
fn pieces_join() {
    assert_eq!(
        one("since yesterday 3pm"),
        (
            "yesterday 3pm".into(),
            "2026-03-17T15:00:00Z".into(),
            "hour".into()
        )
    );
    assert_eq!(
        at("yesterday at 3:30pm"),
        pair("2026-03-17T15:30:00Z", "minute")
    );
    assert_eq!(at("3pm on Friday"), pair("2026-03-20T15:00:00Z", "hour"));
    assert_eq!(
        at("March 14 at 15:30"),
        pair("2026-03-14T15:30:00Z", "minute")
    );
    assert_eq!(
        at("tomorrow morning at 9am"),
        pair("2026-03-19T09:00:00Z", "hour")
    );
    assert_eq!(at("tonight at 9pm"), pair("2026-03-18T21:00:00Z", "hour"));
    assert_eq!(run("yesterday and 3pm").len(), 2);
}

#[test]
fn not_dates() {
    assert!(run("user 10 may not log in").is_empty());
    assert!(run("version 10.15.7 on 192.168.1.20").is_empty());
    assert!(run("INV-2024-0042").is_empty());
    assert!(run("I am here").is_empty());
}
