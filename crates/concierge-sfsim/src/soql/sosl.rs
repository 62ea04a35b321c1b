//! SOSL: `FIND {term} [IN ALL|NAME|EMAIL|PHONE FIELDS] [RETURNING Obj[(fields
//! [WHERE …] [ORDER BY …] [LIMIT n])], …] [LIMIT n]`. Terms are words (all must
//! match, or any when joined by OR), `"quoted phrases"`, with `*` and `?`
//! wildcards; matching is case-insensitive substring search over the chosen
//! text fields.

use serde_json::Value;

use super::ast::{Path, Query, SelectItem};
use super::eval::{like_match, Evaluator};
use super::lexer::{tokenize, Tok};
use super::parser::Parser;
use super::resolve::{RQuery, Resolver};
use crate::db::{DbError, QueryOpts, Record, Store};
use crate::schema::{FieldType, ObjectDef};

/// Most records one search returns (Salesforce: 2,000).
const MAX_SEARCH_RESULTS: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    All,
    Name,
    Email,
    Phone,
}

fn bad(message: &str) -> DbError {
    DbError::MalformedSearch {
        message: message.to_string(),
    }
}

/// The search term as LIKE patterns, and whether any (OR) or all must match.
fn parse_term(term: &str) -> Result<(Vec<Vec<char>>, bool), DbError> {
    let mut words = Vec::new();
    let mut any = false;
    let mut chars = term.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut w = String::new();
        if c == '"' {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                w.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                w.push(c);
                chars.next();
            }
            if w.eq_ignore_ascii_case("OR") {
                any = true;
                continue;
            }
            if w.eq_ignore_ascii_case("AND") {
                continue;
            }
        }
        let core: String = w.chars().filter(|c| c.is_alphanumeric()).collect();
        if core.chars().count() < 2 {
            if w.is_empty() {
                continue;
            }
            return Err(bad("search term must be longer than one character"));
        }
        let pat = format!("%{}%", w.to_lowercase().replace('*', "%").replace('?', "_"));
        words.push(pat.chars().collect());
    }
    if words.is_empty() {
        return Err(bad("search term must be longer than one character"));
    }
    Ok((words, any))
}

fn in_scope(scope: Scope, name: &str, t: FieldType) -> bool {
    if !t.is_text() || t == FieldType::Picklist {
        return false;
    }
    match scope {
        Scope::All => true,
        Scope::Email => t == FieldType::Email,
        Scope::Phone => t == FieldType::Phone,
        Scope::Name => matches!(
            name,
            "Name" | "FirstName" | "LastName" | "Subject" | "Title" | "CaseNumber" | "Username"
        ),
    }
}

fn record_matches(
    obj: &ObjectDef,
    row: &Record,
    scope: Scope,
    words: &[Vec<char>],
    any: bool,
) -> bool {
    let texts: Vec<&str> = obj
        .fields
        .iter()
        .filter(|f| in_scope(scope, &f.name, f.field_type))
        .filter_map(|f| row.get(&f.name).and_then(Value::as_str))
        .collect();
    let hit = |w: &Vec<char>| texts.iter().any(|t| like_match(t, w));
    if any {
        words.iter().any(hit)
    } else {
        words.iter().all(hit)
    }
}

/// Runs a SOSL search.
pub(crate) fn run(store: &Store, sosl: &str, api_version: &str) -> Result<Vec<Record>, DbError> {
    let trimmed = sosl.trim_start();
    let lead = sosl.len() - trimmed.len();
    if !trimmed
        .get(..4)
        .is_some_and(|k| k.eq_ignore_ascii_case("FIND"))
    {
        return Err(bad("unexpected token: the search must start with FIND"));
    }
    let rest = trimmed[4..].trim_start();
    let (close, open_len) = match rest.chars().next() {
        Some('{') => ('}', 1),
        Some('\'') => ('\'', 1),
        _ => {
            return Err(bad(
                "unexpected token: the search term must be in braces: FIND {term}",
            ))
        }
    };
    let mut term = String::new();
    let mut end = None;
    let mut escaped = false;
    for (i, c) in rest[open_len..].char_indices() {
        if escaped {
            term.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == close {
            end = Some(open_len + i + c.len_utf8());
            break;
        } else {
            term.push(c);
        }
    }
    let end = end.ok_or_else(|| bad("unterminated search term"))?;
    let (words, any) = parse_term(&term)?;
    let tail_start = lead + (trimmed.len() - rest.len()) + end;
    let tail_src = &sosl[tail_start.min(sosl.len())..];
    let toks = tokenize(tail_src).map_err(|e| bad(&e.message()))?;
    let mut p = Parser::from_tokens(tail_src, toks, 0);
    let mut scope = Scope::All;
    if p.eat_kw("IN") {
        let (w, _) = p.ident().map_err(|e| bad(&e.message()))?;
        scope = match w.to_ascii_uppercase().as_str() {
            "ALL" => Scope::All,
            "NAME" => Scope::Name,
            "EMAIL" => Scope::Email,
            "PHONE" => Scope::Phone,
            _ => return Err(bad(&format!("unexpected token: '{w}'"))),
        };
        p.expect_kw("FIELDS").map_err(|e| bad(&e.message()))?;
    }
    let opts = QueryOpts::new(api_version);
    let resolver = Resolver {
        schema: &store.schema,
        src: tail_src,
        opts: &opts,
    };
    let mut targets: Vec<RQuery> = Vec::new();
    if p.eat_kw("RETURNING") {
        loop {
            let (name, pos) = p.ident().map_err(|e| bad(&e.message()))?;
            let obj = store
                .schema
                .object(&name)
                .ok_or_else(|| DbError::InvalidType {
                    object: name.clone(),
                })?;
            let mut q = Query {
                select: vec![SelectItem::Field(Path {
                    parts: vec!["Id".into()],
                    pos,
                })],
                from: obj.name.clone(),
                from_pos: pos,
                where_: None,
                order_by: Vec::new(),
                group_by: Vec::new(),
                limit: None,
                offset: None,
            };
            if p.peek().tok == Tok::LParen {
                p.bump();
                q.select.clear();
                loop {
                    q.select.push(SelectItem::Field(p.path()?));
                    if p.peek().tok == Tok::Comma {
                        p.bump();
                    } else {
                        break;
                    }
                }
                if p.eat_kw("WHERE") {
                    q.where_ = Some(p.condition(0)?);
                }
                if p.at_kw("ORDER") {
                    p.bump();
                    p.expect_kw("BY")?;
                    q.order_by = p.order_list()?;
                }
                if p.eat_kw("LIMIT") {
                    q.limit = Some(p.unsigned()?);
                }
                p.expect(&Tok::RParen)?;
            }
            targets.push(resolver.query(obj, &q)?);
            if p.peek().tok == Tok::Comma {
                p.bump();
            } else {
                break;
            }
        }
    } else {
        for obj in store.schema.objects().filter(|o| {
            !matches!(
                o.name.as_str(),
                "CaseComment" | "KnowledgeArticleVersion" | "Group"
            ) && !o.name.ends_with("__kav")
        }) {
            let q = Query {
                select: vec![SelectItem::Field(Path {
                    parts: vec!["Id".into()],
                    pos: 0,
                })],
                from: obj.name.clone(),
                from_pos: 0,
                where_: None,
                order_by: Vec::new(),
                group_by: Vec::new(),
                limit: None,
                offset: None,
            };
            targets.push(resolver.query(obj, &q)?);
        }
    }
    if p.eat_kw("WITH") {
        p.ident()?;
        if p.peek().tok == Tok::Op("=") {
            p.bump();
            p.literal()?;
        }
    }
    let mut overall = MAX_SEARCH_RESULTS;
    if p.eat_kw("LIMIT") {
        overall = p.unsigned()?.min(MAX_SEARCH_RESULTS);
    }
    p.expect_eof()?;
    let ev = Evaluator {
        store,
        include_deleted: false,
        api_version: api_version.trim_start_matches('v').to_string(),
        children: Default::default(),
        semi_joins: Default::default(),
    };
    let mut out = Vec::new();
    for mut q in targets {
        let limit = q.limit.take();
        let (rows, _) = ev.rows(&q, None);
        let hits = rows
            .into_iter()
            .filter(|r| record_matches(&q.obj, r, scope, &words, any))
            .take(limit.unwrap_or(usize::MAX));
        for r in hits {
            if out.len() >= overall {
                return Ok(out);
            }
            out.push(ev.shape(&q, r));
        }
    }
    Ok(out)
}
