//! The SOQL tokenizer: identifiers and keywords, string literals with
//! Salesforce's escapes, numbers, date and date-time literals, operators; each
//! token carries its byte offset for error positions.

use chrono::{DateTime, NaiveDate, Utc};

use super::syntax_error;
use crate::db::DbError;

/// An escaped `%` inside a string literal (matches a literal `%` in LIKE).
pub const ESC_PERCENT: char = '\u{E000}';
/// An escaped `_` inside a string literal (matches a literal `_` in LIKE).
pub const ESC_UNDERSCORE: char = '\u{E001}';

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    /// A string literal, unescaped; `\%` and `\_` become [`ESC_PERCENT`] and [`ESC_UNDERSCORE`].
    Str(String),
    Num(f64),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    Comma,
    LParen,
    RParen,
    Dot,
    Colon,
    /// `=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`.
    Op(&'static str),
    Eof,
}

/// A token and where it starts (byte offset into the query).
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub pos: usize,
}

impl Tok {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => s.clone(),
            Tok::Str(s) => format!("'{s}'"),
            Tok::Num(n) => n.to_string(),
            Tok::Date(d) => d.to_string(),
            Tok::DateTime(t) => t.to_rfc3339(),
            Tok::Comma => ",".into(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Dot => ".".into(),
            Tok::Colon => ":".into(),
            Tok::Op(o) => (*o).into(),
            Tok::Eof => "<EOF>".into(),
        }
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> bool {
    b.len() >= at + n && b[at..at + n].iter().all(u8::is_ascii_digit)
}

/// Splits a query into tokens (ending with [`Tok::Eof`]).
pub fn tokenize(src: &str) -> Result<Vec<Token>, DbError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let tok = match c {
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b'.' if !digits(b, i + 1, 1) => {
                i += 1;
                Tok::Dot
            }
            b':' => {
                i += 1;
                Tok::Colon
            }
            b'=' => {
                i += 1;
                Tok::Op("=")
            }
            b'!' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Op("!=")
            }
            b'<' => match b.get(i + 1) {
                Some(b'>') => {
                    i += 2;
                    Tok::Op("!=")
                }
                Some(b'=') => {
                    i += 2;
                    Tok::Op("<=")
                }
                _ => {
                    i += 1;
                    Tok::Op("<")
                }
            },
            b'>' => {
                if b.get(i + 1) == Some(&b'=') {
                    i += 2;
                    Tok::Op(">=")
                } else {
                    i += 1;
                    Tok::Op(">")
                }
            }
            b'\'' => {
                let (s, end) = string_literal(src, i)?;
                i = end;
                Tok::Str(s)
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Tok::Ident(src[start..i].to_string())
            }
            c if c.is_ascii_digit() || c == b'-' || c == b'+' || c == b'.' => {
                if digits(b, i, 4)
                    && b.get(i + 4) == Some(&b'-')
                    && digits(b, i + 5, 2)
                    && b.get(i + 7) == Some(&b'-')
                    && digits(b, i + 8, 2)
                {
                    let (tok, end) = date_literal(src, i)?;
                    i = end;
                    tok
                } else {
                    if c == b'-' || c == b'+' {
                        i += 1;
                    }
                    let num_start = i;
                    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                        i += 1;
                    }
                    if i == num_start {
                        return Err(syntax_error(
                            src,
                            start,
                            &format!("unexpected token: '{}'", c as char),
                        ));
                    }
                    let n: f64 = src[start..i].parse().map_err(|_| {
                        syntax_error(
                            src,
                            start,
                            &format!("unexpected token: '{}'", &src[start..i]),
                        )
                    })?;
                    Tok::Num(n)
                }
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(syntax_error(
                    src,
                    start,
                    &format!("unexpected token: '{ch}'"),
                ));
            }
        };
        out.push(Token { tok, pos: start });
    }
    out.push(Token {
        tok: Tok::Eof,
        pos: src.len(),
    });
    Ok(out)
}

fn string_literal(src: &str, start: usize) -> Result<(String, usize), DbError> {
    let mut s = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((off, ch)) = chars.next() {
        match ch {
            '\'' => return Ok((s, start + 1 + off + 1)),
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                s.push(match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    '"' => '"',
                    '\'' => '\'',
                    '\\' => '\\',
                    '%' => ESC_PERCENT,
                    '_' => ESC_UNDERSCORE,
                    _ => {
                        return Err(syntax_error(
                            src,
                            start + 1 + off,
                            "Invalid string literal: illegal escape sequence",
                        ))
                    }
                });
            }
            c => s.push(c),
        }
    }
    Err(syntax_error(
        src,
        start,
        "unexpected token: unterminated string literal",
    ))
}

fn date_literal(src: &str, start: usize) -> Result<(Tok, usize), DbError> {
    let b = src.as_bytes();
    let mut end = start + 10;
    if b.get(end) == Some(&b'T') {
        end += 1;
        while end < b.len()
            && (b[end].is_ascii_alphanumeric() || matches!(b[end], b':' | b'.' | b'+' | b'-'))
        {
            end += 1;
        }
        let text = &src[start..end];
        let t = crate::db::parse_datetime(text).ok_or_else(|| {
            syntax_error(
                src,
                start,
                &format!("line 1:{start} no viable alternative at character '{text}'"),
            )
        })?;
        Ok((Tok::DateTime(t), end))
    } else {
        let text = &src[start..end];
        let d = crate::db::parse_date(text)
            .ok_or_else(|| syntax_error(src, start, &format!("invalid date: {text}")))?;
        Ok((Tok::Date(d), end))
    }
}
