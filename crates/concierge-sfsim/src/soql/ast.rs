//! The syntax tree of the SOQL subset, as parsed (names not yet resolved
//! against the schema).

use chrono::{DateTime, NaiveDate, Utc};

/// A dotted field path (`Contact.Account.Name`) and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub parts: Vec<String>,
    pub pos: usize,
}

/// One item of the SELECT list.
#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    Field(Path),
    /// `COUNT()`.
    CountAll,
    /// A parent-to-child subquery.
    Subquery(Box<Query>),
    /// `FIELDS(ALL)`, `FIELDS(STANDARD)` or `FIELDS(CUSTOM)` (upper-cased kind).
    Fields(String, usize),
    /// `COUNT(f)`, `COUNT_DISTINCT(f)`, `MIN(f)`, `MAX(f)`, `SUM(f)`, `AVG(f)` with an optional alias.
    Aggregate {
        func: String,
        path: Path,
        alias: Option<String>,
    },
}

/// A relative date literal (`TODAY`, `LAST_N_DAYS:7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLiteral {
    Today,
    Yesterday,
    Tomorrow,
    LastNDays(u32),
    NextNDays(u32),
    LastWeek,
    ThisWeek,
    NextWeek,
    LastMonth,
    ThisMonth,
    NextMonth,
    LastYear,
    ThisYear,
    NextYear,
    Last90Days,
    Next90Days,
}

/// A literal value in a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    Relative(DateLiteral),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
}

/// A WHERE condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Cmp {
        path: Path,
        op: Op,
        value: Literal,
        pos: usize,
    },
    In {
        path: Path,
        negated: bool,
        values: Vec<Literal>,
        pos: usize,
    },
    /// A semi-join (`IN (SELECT Id FROM …)`) or anti-join (`NOT IN (…)`).
    InQuery {
        path: Path,
        negated: bool,
        query: Box<Query>,
        pos: usize,
    },
}

/// One ORDER BY key.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderItem {
    pub path: Path,
    pub desc: bool,
    /// `Some(true)` for NULLS FIRST, `Some(false)` for NULLS LAST.
    pub nulls_first: Option<bool>,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub select: Vec<SelectItem>,
    pub from: String,
    pub from_pos: usize,
    pub where_: Option<Cond>,
    pub order_by: Vec<OrderItem>,
    /// `GROUP BY` fields (aggregate queries).
    pub group_by: Vec<Path>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

impl Query {
    /// Whether this is `SELECT COUNT() FROM …`.
    pub fn is_count(&self) -> bool {
        self.select
            .iter()
            .any(|s| matches!(s, SelectItem::CountAll))
    }
}
