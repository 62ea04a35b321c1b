//! SOQL literals: quoted, escaped strings; typed numbers, booleans, dates,
//! datetimes and date literals; and the identifier check for field and
//! object names.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use crate::Error;

/// Longest field or object name accepted (dotted paths included).
const MAX_NAME_LEN: usize = 255;

/// Checks a field or object name against
/// `[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*`.
pub fn validate_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "name",
            format!("{:?} is not a valid Salesforce name", truncate(name)),
        ))
    }
}

/// Checks a record id: 15 or 18 alphanumeric characters.
pub fn validate_id(id: &str) -> Result<(), Error> {
    if matches!(id.len(), 15 | 18) && id.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(Error::invalid(
            "id",
            format!("{:?} is not a Salesforce id", truncate(id)),
        ))
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Quotes a string as a SOQL literal: `'…'` with `\\ \' \" \n \r \t \b \f`
/// escaped. Nothing inside can end the literal.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    escape_into(&mut out, value, false);
    out.push('\'');
    out
}

/// Quotes a string for LIKE, escaping `%` and `_` too, so they match
/// literally. The result has no quotes: callers add wildcards around it.
pub(crate) fn escape_like_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    escape_into(&mut out, value, true);
    out
}

fn escape_into(out: &mut String, value: &str, like_literal: bool) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '%' if like_literal => out.push_str("\\%"),
            '_' if like_literal => out.push_str("\\_"),
            c => out.push(c),
        }
    }
}

/// SOQL relative date literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLiteral {
    /// `TODAY`
    Today,
    /// `YESTERDAY`
    Yesterday,
    /// `TOMORROW`
    Tomorrow,
    /// `THIS_WEEK`
    ThisWeek,
    /// `THIS_MONTH`
    ThisMonth,
    /// `LAST_N_DAYS:n`
    LastNDays(u32),
    /// `NEXT_N_DAYS:n`
    NextNDays(u32),
}

/// A value on the right-hand side of a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum SoqlValue {
    /// A string, quoted and escaped.
    Str(String),
    /// An integer.
    Int(i64),
    /// A finite decimal number.
    Float(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `YYYY-MM-DD`.
    Date(NaiveDate),
    /// `YYYY-MM-DDThh:mm:ssZ`.
    DateTime(DateTime<Utc>),
    /// A relative date literal.
    DateLiteral(DateLiteral),
    /// `null`.
    Null,
}

impl SoqlValue {
    /// The literal as SOQL text.
    pub fn to_soql(&self) -> Result<String, Error> {
        Ok(match self {
            SoqlValue::Str(s) => quote(s),
            SoqlValue::Int(i) => i.to_string(),
            SoqlValue::Float(f) if f.is_finite() => {
                let s = f.to_string();
                if s.contains('e') || s.contains("inf") {
                    return Err(Error::invalid("value", "number out of SOQL range"));
                }
                s
            }
            SoqlValue::Float(_) => return Err(Error::invalid("value", "not a finite number")),
            SoqlValue::Bool(b) => b.to_string(),
            SoqlValue::Date(d) => d.format("%Y-%m-%d").to_string(),
            SoqlValue::DateTime(t) => t.to_rfc3339_opts(SecondsFormat::Secs, true),
            SoqlValue::DateLiteral(l) => match l {
                DateLiteral::Today => "TODAY".into(),
                DateLiteral::Yesterday => "YESTERDAY".into(),
                DateLiteral::Tomorrow => "TOMORROW".into(),
                DateLiteral::ThisWeek => "THIS_WEEK".into(),
                DateLiteral::ThisMonth => "THIS_MONTH".into(),
                DateLiteral::LastNDays(n) => format!("LAST_N_DAYS:{n}"),
                DateLiteral::NextNDays(n) => format!("NEXT_N_DAYS:{n}"),
            },
            SoqlValue::Null => "null".into(),
        })
    }
}

macro_rules! from_impls {
    ($($t:ty => $v:ident via $conv:expr),* $(,)?) => {
        $(impl From<$t> for SoqlValue {
            fn from(x: $t) -> Self { SoqlValue::$v($conv(x)) }
        })*
    };
}

from_impls! {
    &str => Str via |s: &str| s.to_owned(),
    String => Str via |s| s,
    &String => Str via |s: &String| s.clone(),
    i64 => Int via |i| i,
    i32 => Int via i64::from,
    u32 => Int via i64::from,
    f64 => Float via |f| f,
    bool => Bool via |b| b,
    NaiveDate => Date via |d| d,
    DateTime<Utc> => DateTime via |d| d,
    DateLiteral => DateLiteral via |d| d,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_literals() {
        assert_eq!(quote("O'Brien"), r"'O\'Brien'");
        assert_eq!(quote("a\\b\n\"c\""), r#"'a\\b\n\"c\"'"#);
        assert_eq!(escape_like_literal("50%_off"), r"50\%\_off");
        assert_eq!(SoqlValue::from(3.5).to_soql().unwrap(), "3.5");
        assert!(SoqlValue::from(f64::NAN).to_soql().is_err());
        let d = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
        assert_eq!(SoqlValue::from(d).to_soql().unwrap(), "2024-01-31");
        let t = d.and_hms_opt(10, 5, 0).unwrap().and_utc();
        assert_eq!(
            SoqlValue::from(t).to_soql().unwrap(),
            "2024-01-31T10:05:00Z"
        );
        assert_eq!(
            SoqlValue::from(DateLiteral::LastNDays(30))
                .to_soql()
                .unwrap(),
            "LAST_N_DAYS:30"
        );
    }

    #[test]
    fn names_and_ids() {
        for ok in [
            "Id",
            "Account.Name",
            "Concierge_Conversation_Id__c",
            "_x.y_1",
        ] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "1a", "a b", "Name)", "a..b", "a.", "Id,Name", "x'--", "Name\n",
        ] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
        assert!(validate_id("500xx000000bZ3aAAE").is_ok());
        assert!(validate_id("500xx000000bZ3a").is_ok());
        assert!(validate_id("500xx000000bZ3/").is_err());
    }
}
