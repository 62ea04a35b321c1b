//! The SOQL and SOSL subset the simulator understands.
//!
//! - [`lexer`] — tokens with byte positions;
//! - [`parser`] — recursive descent into the [`ast`];
//! - [`resolve`] — names checked against the schema, literals typed;
//! - [`eval`] — filtering, ordering and the REST shape of rows;
//! - [`dates`] — relative date literals;
//! - [`sosl`] — `FIND {term} … RETURNING …`;
//! - `aggregate` — GROUP BY and aggregate functions.
//!
//! Anything outside the subset is MALFORMED_QUERY (never a panic); errors carry
//! Salesforce's "ERROR at Row:r:Column:c" position.

pub(crate) mod aggregate;
pub mod ast;
pub mod dates;
pub(crate) mod eval;
pub mod lexer;
pub mod parser;
pub mod resolve;
pub mod sosl;

use crate::db::{DbError, QueryOpts, QueryOutput, Record, Store, MAX_QUERY_CHARS};

/// The row (1-based) and column (1-based, in characters) of byte offset `pos`.
pub fn row_column(src: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(src.len());
    let before = src.get(..pos).unwrap_or(src);
    let row = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |l| l.chars().count()) + 1;
    (row, column)
}

/// Salesforce's positioned message: the query line, a caret under the
/// offending token, `ERROR at Row:r:Column:c`, then the detail.
pub fn positioned(src: &str, pos: usize, msg: &str) -> String {
    let (row, column) = row_column(src, pos);
    let line: String = src
        .lines()
        .nth(row - 1)
        .unwrap_or("")
        .chars()
        .take(2_000)
        .collect();
    let caret = format!("{}^", " ".repeat(column.saturating_sub(1).min(2_000)));
    format!("\n{line}\n{caret}\nERROR at Row:{row}:Column:{column}\n{msg}")
}

/// A MALFORMED_QUERY at byte offset `pos`.
pub fn syntax_error(src: &str, pos: usize, msg: &str) -> DbError {
    let (row, column) = row_column(src, pos);
    DbError::MalformedQuery {
        message: positioned(src, pos, msg),
        row,
        column,
    }
}

fn check_length(text: &str) -> Result<(), DbError> {
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(DbError::MalformedQuery {
            message: format!("Query is too long: at most {MAX_QUERY_CHARS} characters"),
            row: 1,
            column: 1,
        });
    }
    Ok(())
}

/// Parses, resolves and runs a SOQL query against the store.
pub(crate) fn run(store: &Store, soql: &str, opts: &QueryOpts) -> Result<QueryOutput, DbError> {
    check_length(soql)?;
    let q = parser::parse(soql)?;
    let obj = store
        .schema
        .object(&q.from)
        .ok_or_else(|| DbError::InvalidType {
            object: q.from.clone(),
        })?;
    let resolver = resolve::Resolver {
        schema: &store.schema,
        src: soql,
        opts,
    };
    let rq = resolver.query(obj, &q)?;
    let ev = eval::Evaluator {
        store,
        include_deleted: opts.include_deleted,
        api_version: opts.api_version.trim_start_matches('v').to_string(),
        children: Default::default(),
        semi_joins: Default::default(),
    };
    if rq.is_aggregate() {
        let records = aggregate::run(&ev, &rq);
        return Ok(QueryOutput {
            total_size: records.len(),
            records,
        });
    }
    let (rows, _matched) = ev.rows(&rq, None);
    if rq.count {
        return Ok(QueryOutput {
            total_size: rows.len(),
            records: Vec::new(),
        });
    }
    let records: Vec<Record> = rows.iter().map(|r| ev.shape(&rq, r)).collect();
    Ok(QueryOutput {
        total_size: records.len(),
        records,
    })
}

/// Parses and runs a SOSL search against the store.
pub(crate) fn search(store: &Store, sosl: &str, api_version: &str) -> Result<Vec<Record>, DbError> {
    if sosl.chars().count() > MAX_QUERY_CHARS {
        return Err(DbError::MalformedSearch {
            message: format!("Search is too long: at most {MAX_QUERY_CHARS} characters"),
        });
    }
    sosl::run(store, sosl, api_version)
}
