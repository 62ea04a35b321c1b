//! A recursive-descent parser for the SOQL subset; errors are MALFORMED_QUERY
//! with the row and column of the offending token.

use super::ast::{Cond, DateLiteral, Literal, Op, OrderItem, Path, Query, SelectItem};
use super::lexer::{tokenize, Tok, Token};
use super::syntax_error;
use crate::db::DbError;

/// Deepest nesting of parentheses and NOTs accepted in a WHERE clause.
const MAX_DEPTH: usize = 64;
/// Most items in a SELECT list or IN list.
const MAX_ITEMS: usize = 5_000;

/// A parser over one query's tokens.
#[derive(Debug)]
pub struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    at: usize,
    /// Inside a semi-join's sub-select (which may not nest another).
    in_semi_join: bool,
}

/// Parses a whole SOQL query.
pub fn parse(src: &str) -> Result<Query, DbError> {
    let mut p = Parser::new(src)?;
    let q = p.query(false)?;
    p.expect_eof()?;
    Ok(q)
}

impl<'a> Parser<'a> {
    /// Tokenizes `src`.
    pub fn new(src: &'a str) -> Result<Self, DbError> {
        Ok(Parser {
            src,
            toks: tokenize(src)?,
            at: 0,
            in_semi_join: false,
        })
    }

    /// Starts at token index `at` of an already tokenized text.
    pub fn from_tokens(src: &'a str, toks: Vec<Token>, at: usize) -> Self {
        Parser {
            src,
            toks,
            at,
            in_semi_join: false,
        }
    }

    /// The current token index.
    pub fn position(&self) -> usize {
        self.at
    }

    pub fn peek(&self) -> &Token {
        let last = self.toks.len().saturating_sub(1);
        &self.toks[self.at.min(last)]
    }

    fn peek_at(&self, k: usize) -> &Tok {
        let last = self.toks.len().saturating_sub(1);
        &self.toks[(self.at + k).min(last)].tok
    }

    pub fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.at < self.toks.len() {
            self.at += 1;
        }
        t
    }

    /// A MALFORMED_QUERY at the current token.
    pub fn unexpected(&self) -> DbError {
        let t = self.peek();
        let msg = match &t.tok {
            Tok::Eof => "unexpected token: <EOF>".to_string(),
            other => format!("unexpected token: '{}'", other.describe()),
        };
        syntax_error(self.src, t.pos, &msg)
    }

    /// Whether the current token is this keyword (case-insensitive).
    pub fn at_kw(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    fn at_kw_k(&self, k: usize, kw: &str) -> bool {
        matches!(self.peek_at(k), Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    pub fn eat_kw(&mut self, kw: &str) -> bool {
        if self.at_kw(kw) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    pub fn expect_kw(&mut self, kw: &str) -> Result<(), DbError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    pub fn expect(&mut self, tok: &Tok) -> Result<(), DbError> {
        if &self.peek().tok == tok {
            self.at += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    pub fn expect_eof(&self) -> Result<(), DbError> {
        if self.peek().tok == Tok::Eof {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// An identifier (not checked against keywords).
    pub fn ident(&mut self) -> Result<(String, usize), DbError> {
        match &self.peek().tok {
            Tok::Ident(s) => {
                let r = (s.clone(), self.peek().pos);
                self.at += 1;
                Ok(r)
            }
            _ => Err(self.unexpected()),
        }
    }

    /// `a.b.c`.
    pub fn path(&mut self) -> Result<Path, DbError> {
        let (first, pos) = self.ident()?;
        let mut parts = vec![first];
        while self.peek().tok == Tok::Dot {
            self.at += 1;
            parts.push(self.ident()?.0);
            if parts.len() > 6 {
                return Err(syntax_error(
                    self.src,
                    pos,
                    "relationship paths may have at most 5 levels",
                ));
            }
        }
        Ok(Path { parts, pos })
    }

    /// `SELECT … FROM … [WHERE] [WITH] [ORDER BY] [LIMIT] [OFFSET] [FOR …]`.
    pub fn query(&mut self, nested: bool) -> Result<Query, DbError> {
        self.expect_kw("SELECT")?;
        let mut select = Vec::new();
        loop {
            if select.len() >= MAX_ITEMS {
                return Err(self.unexpected());
            }
            if self.at_kw("COUNT")
                && self.peek_at(1) == &Tok::LParen
                && self.peek_at(2) == &Tok::RParen
            {
                self.at += 3;
                select.push(SelectItem::CountAll);
            } else if let Some(func) = self.aggregate_function() {
                self.at += 2;
                let path = self.path()?;
                self.expect(&Tok::RParen)?;
                let alias = match &self.peek().tok {
                    Tok::Ident(a) if !a.eq_ignore_ascii_case("FROM") => {
                        let a = a.clone();
                        self.at += 1;
                        Some(a)
                    }
                    _ => None,
                };
                select.push(SelectItem::Aggregate { func, path, alias });
            } else if self.at_kw("FIELDS") && self.peek_at(1) == &Tok::LParen {
                let pos = self.peek().pos;
                self.at += 2;
                let (kind, kpos) = self.ident()?;
                let kind = kind.to_ascii_uppercase();
                if !["ALL", "STANDARD", "CUSTOM"].contains(&kind.as_str()) {
                    return Err(syntax_error(
                        self.src,
                        kpos,
                        &format!("unexpected token: '{kind}'"),
                    ));
                }
                self.expect(&Tok::RParen)?;
                select.push(SelectItem::Fields(kind, pos));
            } else if self.peek().tok == Tok::LParen && !nested {
                self.at += 1;
                let sub = self.query(true)?;
                self.expect(&Tok::RParen)?;
                select.push(SelectItem::Subquery(Box::new(sub)));
            } else {
                if self.at_kw("FROM") {
                    return Err(self.unexpected());
                }
                select.push(SelectItem::Field(self.path()?));
            }
            if self.peek().tok == Tok::Comma {
                self.at += 1;
            } else {
                break;
            }
        }
        self.expect_kw("FROM")?;
        let (from, from_pos) = self.ident()?;
        let mut q = Query {
            select,
            from,
            from_pos,
            where_: None,
            order_by: Vec::new(),
            group_by: Vec::new(),
            limit: None,
            offset: None,
        };
        if self.eat_kw("USING") {
            self.expect_kw("SCOPE")?;
            self.ident()?;
        }
        if self.eat_kw("WHERE") {
            q.where_ = Some(self.condition(0)?);
        }
        if self.eat_kw("WITH") {
            // WITH SECURITY_ENFORCED / USER_MODE / SYSTEM_MODE: no sharing model here.
            let (w, pos) = self.ident()?;
            if !["SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE"]
                .iter()
                .any(|k| w.eq_ignore_ascii_case(k))
            {
                return Err(syntax_error(
                    self.src,
                    pos,
                    &format!("unexpected token: '{w}'"),
                ));
            }
        }
        if self.at_kw("GROUP") && !nested {
            self.at += 1;
            self.expect_kw("BY")?;
            loop {
                q.group_by.push(self.path()?);
                if q.group_by.len() > 32 {
                    return Err(self.unexpected());
                }
                if self.peek().tok == Tok::Comma {
                    self.at += 1;
                } else {
                    break;
                }
            }
        }
        if self.at_kw("ORDER") {
            self.at += 1;
            self.expect_kw("BY")?;
            q.order_by = self.order_list()?;
        }
        if self.eat_kw("LIMIT") {
            q.limit = Some(self.unsigned()?);
        }
        if self.eat_kw("OFFSET") {
            q.offset = Some(self.unsigned()?);
        }
        if self.eat_kw("FOR") {
            let (w, pos) = self.ident()?;
            if !["VIEW", "REFERENCE", "UPDATE"]
                .iter()
                .any(|k| w.eq_ignore_ascii_case(k))
            {
                return Err(syntax_error(
                    self.src,
                    pos,
                    &format!("unexpected token: '{w}'"),
                ));
            }
        }
        Ok(q)
    }

    /// The aggregate function starting here (`MAX(` …; not `COUNT()`), upper-cased.
    fn aggregate_function(&self) -> Option<String> {
        let Tok::Ident(name) = &self.peek().tok else {
            return None;
        };
        let up = name.to_ascii_uppercase();
        let known = ["COUNT", "COUNT_DISTINCT", "MIN", "MAX", "SUM", "AVG"].contains(&up.as_str());
        (known && self.peek_at(1) == &Tok::LParen && self.peek_at(2) != &Tok::RParen).then_some(up)
    }

    pub fn unsigned(&mut self) -> Result<usize, DbError> {
        match self.peek().tok {
            Tok::Num(n) if n >= 0.0 && n.fract() == 0.0 && n <= 1.0e9 => {
                self.at += 1;
                Ok(n as usize)
            }
            _ => Err(self.unexpected()),
        }
    }

    pub fn order_list(&mut self) -> Result<Vec<OrderItem>, DbError> {
        let mut items = Vec::new();
        loop {
            let path = self.path()?;
            let desc = if self.eat_kw("DESC") {
                true
            } else {
                self.eat_kw("ASC");
                false
            };
            let nulls_first = if self.eat_kw("NULLS") {
                if self.eat_kw("FIRST") {
                    Some(true)
                } else {
                    self.expect_kw("LAST")?;
                    Some(false)
                }
            } else {
                None
            };
            items.push(OrderItem {
                path,
                desc,
                nulls_first,
            });
            if items.len() > 32 {
                return Err(self.unexpected());
            }
            if self.peek().tok == Tok::Comma {
                self.at += 1;
            } else {
                return Ok(items);
            }
        }
    }

    /// A condition: terms joined by all-AND or all-OR (Salesforce refuses to
    /// mix them without parentheses).
    pub fn condition(&mut self, depth: usize) -> Result<Cond, DbError> {
        if depth > MAX_DEPTH {
            return Err(syntax_error(
                self.src,
                self.peek().pos,
                "the condition nests too deeply",
            ));
        }
        let first = self.term(depth)?;
        let mut terms = vec![first];
        let mut joiner: Option<&'static str> = None;
        loop {
            let j = if self.at_kw("AND") {
                "AND"
            } else if self.at_kw("OR") {
                "OR"
            } else {
                break;
            };
            if joiner.is_some_and(|k| k != j) {
                return Err(self.unexpected());
            }
            joiner = Some(j);
            self.at += 1;
            terms.push(self.term(depth)?);
            if terms.len() > MAX_ITEMS {
                return Err(self.unexpected());
            }
        }
        Ok(match joiner {
            None => terms.swap_remove(0),
            Some("AND") => Cond::And(terms),
            Some(_) => Cond::Or(terms),
        })
    }

    fn term(&mut self, depth: usize) -> Result<Cond, DbError> {
        if self.eat_kw("NOT") {
            return Ok(Cond::Not(Box::new(self.term(depth + 1)?)));
        }
        if self.peek().tok == Tok::LParen {
            self.at += 1;
            let c = self.condition(depth + 1)?;
            self.expect(&Tok::RParen)?;
            return Ok(c);
        }
        let path = self.path()?;
        let pos = self.peek().pos;
        if self.at_kw("IN") || (self.at_kw("NOT") && self.at_kw_k(1, "IN")) {
            let negated = self.eat_kw("NOT");
            self.expect_kw("IN")?;
            self.expect(&Tok::LParen)?;
            if self.at_kw("SELECT") {
                if self.in_semi_join {
                    return Err(syntax_error(
                        self.src,
                        self.peek().pos,
                        "semi-join sub-selects cannot be nested",
                    ));
                }
                self.in_semi_join = true;
                let query = self.query(true);
                self.in_semi_join = false;
                let query = query?;
                self.expect(&Tok::RParen)?;
                return Ok(Cond::InQuery {
                    path,
                    negated,
                    query: Box::new(query),
                    pos,
                });
            }
            let mut values = vec![self.literal()?];
            while self.peek().tok == Tok::Comma {
                self.at += 1;
                values.push(self.literal()?);
                if values.len() > MAX_ITEMS {
                    return Err(self.unexpected());
                }
            }
            self.expect(&Tok::RParen)?;
            return Ok(Cond::In {
                path,
                negated,
                values,
                pos,
            });
        }
        let op = match &self.peek().tok {
            Tok::Op("=") => Op::Eq,
            Tok::Op("!=") => Op::Ne,
            Tok::Op("<") => Op::Lt,
            Tok::Op("<=") => Op::Le,
            Tok::Op(">") => Op::Gt,
            Tok::Op(">=") => Op::Ge,
            Tok::Ident(s) if s.eq_ignore_ascii_case("LIKE") => Op::Like,
            _ => return Err(self.unexpected()),
        };
        self.at += 1;
        let value = self.literal()?;
        Ok(Cond::Cmp {
            path,
            op,
            value,
            pos,
        })
    }

    /// A literal: string, number, boolean, null, date, date-time or a relative
    /// date literal.
    pub fn literal(&mut self) -> Result<Literal, DbError> {
        let t = self.peek().clone();
        let lit = match &t.tok {
            Tok::Str(s) => Literal::Str(s.clone()),
            Tok::Num(n) => Literal::Num(*n),
            Tok::Date(d) => Literal::Date(*d),
            Tok::DateTime(d) => Literal::DateTime(*d),
            Tok::Ident(s) => {
                let up = s.to_ascii_uppercase();
                let fixed = match up.as_str() {
                    "NULL" => Some(Literal::Null),
                    "TRUE" => Some(Literal::Bool(true)),
                    "FALSE" => Some(Literal::Bool(false)),
                    "TODAY" => Some(Literal::Relative(DateLiteral::Today)),
                    "YESTERDAY" => Some(Literal::Relative(DateLiteral::Yesterday)),
                    "TOMORROW" => Some(Literal::Relative(DateLiteral::Tomorrow)),
                    "LAST_WEEK" => Some(Literal::Relative(DateLiteral::LastWeek)),
                    "THIS_WEEK" => Some(Literal::Relative(DateLiteral::ThisWeek)),
                    "NEXT_WEEK" => Some(Literal::Relative(DateLiteral::NextWeek)),
                    "LAST_MONTH" => Some(Literal::Relative(DateLiteral::LastMonth)),
                    "THIS_MONTH" => Some(Literal::Relative(DateLiteral::ThisMonth)),
                    "NEXT_MONTH" => Some(Literal::Relative(DateLiteral::NextMonth)),
                    "LAST_YEAR" => Some(Literal::Relative(DateLiteral::LastYear)),
                    "THIS_YEAR" => Some(Literal::Relative(DateLiteral::ThisYear)),
                    "NEXT_YEAR" => Some(Literal::Relative(DateLiteral::NextYear)),
                    "LAST_90_DAYS" => Some(Literal::Relative(DateLiteral::Last90Days)),
                    "NEXT_90_DAYS" => Some(Literal::Relative(DateLiteral::Next90Days)),
                    _ => None,
                };
                match fixed {
                    Some(l) => l,
                    None if up == "LAST_N_DAYS" || up == "NEXT_N_DAYS" => {
                        self.at += 1;
                        self.expect(&Tok::Colon)?;
                        let n = self.unsigned()?;
                        let n = u32::try_from(n).map_err(|_| self.unexpected())?;
                        return Ok(Literal::Relative(if up == "LAST_N_DAYS" {
                            DateLiteral::LastNDays(n)
                        } else {
                            DateLiteral::NextNDays(n)
                        }));
                    }
                    None => return Err(self.unexpected()),
                }
            }
            Tok::Colon => {
                return Err(syntax_error(
                    self.src,
                    t.pos,
                    "bind variables are not supported outside Apex",
                ));
            }
            _ => return Err(self.unexpected()),
        };
        self.at += 1;
        Ok(lit)
    }
}
