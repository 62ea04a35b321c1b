//! Running a resolved query over the store: filtering (SOQL's null and
//! case-insensitive semantics, LIKE wildcards, date ranges), ordering,
//! OFFSET/LIMIT, and the REST shape of each row with nested parents and child
//! subqueries.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::ast::Op;
use super::lexer::{ESC_PERCENT, ESC_UNDERSCORE};
use super::resolve::{Hop, RCond, RLit, RPath, RQuery, RSelect};
use crate::db::store::attributes;
use crate::db::{parse_date, parse_datetime, Record, Store};
use crate::schema::FieldType;

/// Runs resolved queries against one store.
#[derive(Debug)]
pub(crate) struct Evaluator<'a> {
    pub store: &'a Store,
    pub include_deleted: bool,
    pub api_version: String,
    /// Child rows grouped by their link to the parent ("Object.Field" → parent
    /// id → rows), built once per subquery so subqueries do not rescan.
    pub children: RefCell<HashMap<String, HashMap<String, Vec<&'a Record>>>>,
    /// The id sets of semi-join sub-selects, by the sub-select's address.
    pub semi_joins: RefCell<HashMap<usize, HashSet<String>>>,
}

fn to_time(v: &Value, t: FieldType) -> Option<DateTime<Utc>> {
    let s = v.as_str()?;
    if t == FieldType::Date {
        parse_date(s)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|n| n.and_utc())
    } else {
        parse_datetime(s)
    }
}

/// SOQL LIKE: `%` any run, `_` one character, escaped ones literal; both sides lower-cased.
pub fn like_match(text: &str, pat: &[char]) -> bool {
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut ti, mut pi) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < pat.len() && pat[pi] != '%' && (pat[pi] == '_' || lit_char(pat[pi]) == t[ti]) {
            ti += 1;
            pi += 1;
        } else if pi < pat.len() && pat[pi] == '%' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < pat.len() && pat[pi] == '%' {
        pi += 1;
    }
    pi == pat.len()
}

fn lit_char(c: char) -> char {
    match c {
        ESC_PERCENT => '%',
        ESC_UNDERSCORE => '_',
        c => c,
    }
}

fn compare(v: &Value, t: FieldType, lit: &RLit) -> Option<Ordering> {
    match lit {
        RLit::Text(s) => Some(v.as_str()?.to_lowercase().cmp(s)),
        RLit::Id(s) => Some(v.as_str()?.cmp(s.as_str())),
        RLit::Bool(b) => Some(v.as_bool()?.cmp(b)),
        RLit::Num(n) => v.as_f64()?.partial_cmp(n),
        RLit::Time(x) => Some(to_time(v, t)?.cmp(x)),
        _ => None,
    }
}

fn matches_lit(v: &Value, t: FieldType, op: Op, lit: &RLit) -> bool {
    if *lit == RLit::Null {
        return match op {
            Op::Eq => v.is_null(),
            Op::Ne => !v.is_null(),
            _ => false,
        };
    }
    if v.is_null() {
        return op == Op::Ne;
    }
    match lit {
        RLit::Like(p) => v.as_str().is_some_and(|s| like_match(s, p)),
        RLit::Range(s, e) => {
            let Some(x) = to_time(v, t) else {
                return op == Op::Ne;
            };
            match op {
                Op::Eq => *s <= x && x < *e,
                Op::Ne => !(*s <= x && x < *e),
                Op::Lt => x < *s,
                Op::Le => x < *e,
                Op::Gt => x >= *e,
                Op::Ge => x >= *s,
                Op::Like => false,
            }
        }
        _ => match compare(v, t, lit) {
            None => op == Op::Ne,
            Some(o) => match op {
                Op::Eq | Op::Like => o == Ordering::Equal,
                Op::Ne => o != Ordering::Equal,
                Op::Lt => o == Ordering::Less,
                Op::Le => o != Ordering::Greater,
                Op::Gt => o == Ordering::Greater,
                Op::Ge => o != Ordering::Less,
            },
        },
    }
}

pub(crate) fn sort_cmp(a: &Value, b: &Value, t: FieldType) -> Ordering {
    match (a, b) {
        (Value::String(x), Value::String(y)) => match t {
            FieldType::Date | FieldType::DateTime => to_time(a, t).cmp(&to_time(b, t)),
            _ => x.to_lowercase().cmp(&y.to_lowercase()),
        },
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&y.as_f64().unwrap_or(0.0)),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

impl<'a> Evaluator<'a> {
    /// The value at `path` from `row` (null where a parent is missing).
    pub fn value(&self, row: &'a Record, path: &RPath) -> Value {
        let mut cur = row;
        for hop in &path.hops {
            let parent = cur
                .get(&hop.field)
                .and_then(Value::as_str)
                .and_then(|id| self.store.find(id));
            match parent {
                Some((_, r)) => cur = r,
                None => return Value::Null,
            }
        }
        cur.get(&path.field).cloned().unwrap_or(Value::Null)
    }

    /// Whether `row` satisfies `cond`.
    pub fn test(&self, row: &'a Record, cond: &RCond) -> bool {
        match cond {
            RCond::And(v) => v.iter().all(|c| self.test(row, c)),
            RCond::Or(v) => v.iter().any(|c| self.test(row, c)),
            RCond::Not(c) => !self.test(row, c),
            RCond::Cmp { path, op, lit } => {
                matches_lit(&self.value(row, path), path.ftype, *op, lit)
            }
            RCond::In {
                path,
                negated,
                lits,
            } => {
                let v = self.value(row, path);
                let hit = lits.iter().any(|l| matches_lit(&v, path.ftype, Op::Eq, l));
                // Like `!=`, NOT IN keeps rows whose value is null (unless null is listed).
                hit != *negated
            }
            RCond::InQuery {
                path,
                negated,
                query,
            } => {
                let key = std::ptr::from_ref::<RQuery>(query) as usize;
                if !self.semi_joins.borrow().contains_key(&key) {
                    let (rows, _) = self.rows(query, None);
                    let ids: HashSet<String> = rows
                        .iter()
                        .filter_map(|r| match query.select.first() {
                            Some(RSelect::Field(f)) => {
                                self.value(r, f).as_str().map(str::to_string)
                            }
                            _ => None,
                        })
                        .collect();
                    self.semi_joins.borrow_mut().insert(key, ids);
                }
                let v = self.value(row, path);
                let hit = v.as_str().is_some_and(|id| {
                    self.semi_joins
                        .borrow()
                        .get(&key)
                        .is_some_and(|s| s.contains(id))
                });
                hit != *negated
            }
        }
    }

    /// The matching rows of `q` (filtered, ordered, offset and limited) and
    /// how many matched before OFFSET/LIMIT.
    pub fn rows(&self, q: &RQuery, parent_link: Option<(&str, &str)>) -> (Vec<&'a Record>, usize) {
        let candidates: Vec<&'a Record> = match parent_link {
            None => self.store.rows(&q.obj).collect(),
            Some((field, id)) => {
                let key = format!("{}.{field}", q.obj.name);
                let mut cache = self.children.borrow_mut();
                let groups = cache.entry(key).or_insert_with(|| {
                    let mut g: HashMap<String, Vec<&'a Record>> = HashMap::new();
                    for r in self.store.rows(&q.obj) {
                        if let Some(p) = r.get(field).and_then(Value::as_str) {
                            g.entry(p.to_string()).or_default().push(r);
                        }
                    }
                    g
                });
                groups.get(id).cloned().unwrap_or_default()
            }
        };
        let mut rows: Vec<&'a Record> = candidates
            .into_iter()
            .filter(|r| self.include_deleted || r.get("IsDeleted") != Some(&Value::Bool(true)))
            .filter(|r| q.cond.as_ref().is_none_or(|c| self.test(r, c)))
            .collect();
        if !q.order.is_empty() {
            rows.sort_by(|a, b| {
                for (path, desc, nulls_first) in &q.order {
                    let (va, vb) = (self.value(a, path), self.value(b, path));
                    let o = match (va.is_null(), vb.is_null()) {
                        (true, true) => Ordering::Equal,
                        (true, false) => {
                            if *nulls_first {
                                Ordering::Less
                            } else {
                                Ordering::Greater
                            }
                        }
                        (false, true) => {
                            if *nulls_first {
                                Ordering::Greater
                            } else {
                                Ordering::Less
                            }
                        }
                        (false, false) => {
                            let o = sort_cmp(&va, &vb, path.ftype);
                            if *desc {
                                o.reverse()
                            } else {
                                o
                            }
                        }
                    };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            });
        }
        let matched = rows.len();
        let offset = q.offset.unwrap_or(0).min(rows.len());
        let mut rows = rows.split_off(offset);
        if let Some(l) = q.limit {
            rows.truncate(l);
        }
        (rows, matched)
    }

    /// The REST shape of one result row.
    pub fn shape(&self, q: &RQuery, row: &'a Record) -> Record {
        let id = row.get("Id").and_then(Value::as_str).unwrap_or_default();
        let mut out = Record::new();
        out.insert(
            "attributes".into(),
            attributes(&self.api_version, &q.obj.name, id),
        );
        for item in &q.select {
            match item {
                RSelect::Field(p) if p.hops.is_empty() => {
                    out.insert(
                        p.field.clone(),
                        row.get(&p.field).cloned().unwrap_or(Value::Null),
                    );
                }
                RSelect::Field(p) => self.nest(&mut out, row, &p.hops, &p.field),
                RSelect::Child {
                    rel,
                    link_field,
                    query,
                } => {
                    let (children, _) = self.rows(query, Some((link_field, id)));
                    let v = if children.is_empty() {
                        Value::Null
                    } else {
                        let records: Vec<Value> = children
                            .iter()
                            .map(|c| Value::Object(self.shape(query, c)))
                            .collect();
                        json!({"totalSize": records.len(), "done": true, "records": records})
                    };
                    out.insert(rel.clone(), v);
                }
            }
        }
        out
    }

    fn nest(&self, map: &mut Map<String, Value>, row: &'a Record, hops: &[Hop], field: &str) {
        let Some((hop, rest)) = hops.split_first() else {
            map.insert(
                field.to_string(),
                row.get(field).cloned().unwrap_or(Value::Null),
            );
            return;
        };
        let parent = row
            .get(&hop.field)
            .and_then(Value::as_str)
            .and_then(|id| self.store.find(id));
        match parent {
            None => {
                map.entry(hop.rel.clone()).or_insert(Value::Null);
            }
            Some((pobj, prow)) => {
                let pid = prow.get("Id").and_then(Value::as_str).unwrap_or_default();
                let entry = map.entry(hop.rel.clone()).or_insert(Value::Null);
                if !entry.is_object() {
                    let mut m = Map::new();
                    m.insert(
                        "attributes".into(),
                        attributes(&self.api_version, &pobj.name, pid),
                    );
                    *entry = Value::Object(m);
                }
                if let Value::Object(m) = entry {
                    self.nest(m, prow, rest, field);
                }
            }
        }
    }
}
