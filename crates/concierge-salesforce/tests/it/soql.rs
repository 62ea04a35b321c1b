//! The SOQL builder never lets a value out of its literal: property tests
//! with a small SOQL string-literal parser, and names that are refused
//! unless they match the identifier grammar.

use concierge_salesforce::soql::{quote, validate_name, Like, Soql};
use proptest::prelude::*;

/// Reads a SOQL string literal at the start of `s`: returns its value (each
/// escape decoded; `\%`/`\_` kept distinct from wildcards as `Lit`) and the
/// text after the closing quote.
#[derive(Debug, PartialEq, Clone)]
enum Piece {
    Char(char),
    Wildcard(char),
}

fn parse_literal(s: &str) -> Option<(Vec<Piece>, &str)> {
    let mut chars = s.char_indices();
    if chars.next()?.1 != '\'' {
        return None;
    }
    let mut out = Vec::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' => return Some((out, &s[i + 1..])),
            '\\' => {
                let (_, e) = chars.next()?;
                out.push(Piece::Char(match e {
                    'n' | 'N' => '\n',
                    'r' | 'R' => '\r',
                    't' | 'T' => '\t',
                    'b' | 'B' => '\u{8}',
                    'f' | 'F' => '\u{c}',
                    '"' | '\'' | '\\' | '%' | '_' => e,
                    _ => return None, // an invalid escape is a parse error
                }));
            }
            '%' | '_' => out.push(Piece::Wildcard(c)),
            c => out.push(Piece::Char(c)),
        }
    }
    None
}

fn text(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Char(c) | Piece::Wildcard(c) => *c,
        })
        .collect()
}

const TAIL: &str = " AND Status != null";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn eq_values_round_trip(value in any::<String>(), tricky in "[\\\\'\"%_\\n\\r\\t\u{8}\u{c} a-z]{0,24}") {
        for v in [value.as_str(), tricky.as_str()] {
            let q = Soql::select(&["Id"]).from("Case").where_eq("Subject", v).where_ne("Status", concierge_salesforce::SoqlValue::Null).build().unwrap();
            let rest = q.as_str().strip_prefix("SELECT Id FROM Case WHERE Subject = ").unwrap();
            let (pieces, after) = parse_literal(rest).unwrap();
            prop_assert_eq!(text(&pieces), v);
            prop_assert_eq!(after, TAIL);
            let quoted = quote(v);
            prop_assert_eq!(parse_literal(&quoted).unwrap().1, "");
        }
    }

    #[test]
    fn like_literals_escape_wildcards(value in "[\\\\'%_a-z \\n]{0,24}") {
        let q = Soql::select(&["Id"]).from("Case").where_like("Subject", Like::Contains(value.clone())).build().unwrap();
        let rest = q.as_str().strip_prefix("SELECT Id FROM Case WHERE Subject LIKE ").unwrap();
        let (pieces, after) = parse_literal(rest).unwrap();
        prop_assert_eq!(after, "");
        // Exactly one wildcard on each side; everything between is literal.
        prop_assert_eq!(pieces.first(), Some(&Piece::Wildcard('%')));
        prop_assert_eq!(pieces.last(), Some(&Piece::Wildcard('%')));
        let inner = &pieces[1..pieces.len() - 1];
        prop_assert!(inner.iter().all(|p| matches!(p, Piece::Char(_))));
        prop_assert_eq!(text(inner), value);
    }

    #[test]
    fn in_lists_round_trip(values in proptest::collection::vec(any::<String>(), 1..6)) {
        let q = Soql::select(&["Id"]).from("Contact").where_in("Email", values.iter().map(String::as_str)).build().unwrap();
        let mut rest = q.as_str().strip_prefix("SELECT Id FROM Contact WHERE Email IN (").unwrap();
        for (i, v) in values.iter().enumerate() {
            let (pieces, after) = parse_literal(rest).unwrap();
            prop_assert_eq!(&text(&pieces), v);
            rest = if i + 1 < values.len() { after.strip_prefix(", ").unwrap() } else { after };
        }
        prop_assert_eq!(rest, ")");
    }

    #[test]
    fn names_are_identifiers_or_refused(name in any::<String>(), ident in "[A-Za-z_][A-Za-z0-9_]{0,10}(\\.[A-Za-z_][A-Za-z0-9_]{0,10}){0,2}") {
        prop_assert!(validate_name(&ident).is_ok());
        let accepted = Soql::select(&["Id"]).from(&name).build().is_ok();
        let grammar = !name.is_empty() && name.split('.').all(|p| {
            let mut c = p.chars();
            c.next().is_some_and(|f| f.is_ascii_alphabetic() || f == '_') && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
        });
        prop_assert_eq!(accepted, grammar && name.len() <= 255);
    }
}
