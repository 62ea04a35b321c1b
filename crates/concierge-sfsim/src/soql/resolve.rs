//! Resolving a parsed query against the schema: field paths through parent
//! relationships, child relationships of subqueries, and literals typed by the
//! field they are compared with. Errors are INVALID_FIELD / INVALID_TYPE /
//! MALFORMED_QUERY worded like Salesforce's.

use chrono::{DateTime, Utc};

use super::ast::{Cond, Literal, Op, Path, Query, SelectItem};
use super::lexer::{ESC_PERCENT, ESC_UNDERSCORE};
use super::{dates, positioned};
use crate::db::{DbError, QueryOpts};
use crate::ids;
use crate::schema::{FieldType, ObjectDef, Schema};

/// One step from a record to its parent: the reference field and the
/// relationship name the result nests under.
#[derive(Debug, Clone)]
pub struct Hop {
    pub field: String,
    pub rel: String,
}

/// A resolved field path.
#[derive(Debug, Clone)]
pub struct RPath {
    pub hops: Vec<Hop>,
    pub field: String,
    pub ftype: FieldType,
}

/// A literal typed for its field.
#[derive(Debug, Clone, PartialEq)]
pub enum RLit {
    Null,
    Text(String),
    Like(Vec<char>),
    Id(String),
    Bool(bool),
    Num(f64),
    Time(DateTime<Utc>),
    Range(DateTime<Utc>, DateTime<Utc>),
}

/// A resolved condition.
#[derive(Debug, Clone)]
pub enum RCond {
    And(Vec<RCond>),
    Or(Vec<RCond>),
    Not(Box<RCond>),
    Cmp {
        path: RPath,
        op: Op,
        lit: RLit,
    },
    In {
        path: RPath,
        negated: bool,
        lits: Vec<RLit>,
    },
    /// `IN (SELECT …)`: the sub-select's single Id or reference field.
    InQuery {
        path: RPath,
        negated: bool,
        query: Box<RQuery>,
    },
}

/// A resolved SELECT item.
#[derive(Debug, Clone)]
pub enum RSelect {
    Field(RPath),
    Child {
        rel: String,
        link_field: String,
        query: Box<RQuery>,
    },
}

/// A resolved query, ready to run.
#[derive(Debug, Clone)]
pub struct RQuery {
    pub obj: ObjectDef,
    pub select: Vec<RSelect>,
    pub count: bool,
    pub cond: Option<RCond>,
    pub order: Vec<(RPath, bool, bool)>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
    /// GROUP BY fields (aggregate queries).
    pub groups: Vec<RPath>,
    /// Aggregate functions (aggregate queries).
    pub aggs: Vec<RAgg>,
}

/// One aggregate of the SELECT list: its output key (alias or `exprN`).
#[derive(Debug, Clone)]
pub struct RAgg {
    pub key: String,
    pub func: String,
    pub path: RPath,
}

impl RQuery {
    /// Whether this query aggregates (GROUP BY or an aggregate function).
    pub fn is_aggregate(&self) -> bool {
        !self.groups.is_empty() || !self.aggs.is_empty()
    }
}

fn same_path(a: &RPath, b: &RPath) -> bool {
    a.field == b.field
        && a.hops.len() == b.hops.len()
        && a.hops.iter().zip(&b.hops).all(|(x, y)| x.field == y.field)
}

/// Resolves names against one schema, for error positions in `src`.
#[derive(Debug)]
pub struct Resolver<'a> {
    pub schema: &'a Schema,
    pub src: &'a str,
    pub opts: &'a QueryOpts,
}

impl Resolver<'_> {
    fn no_such_column(&self, name: &str, entity: &str, pos: usize) -> DbError {
        DbError::InvalidField {
            message: positioned(
                self.src,
                pos,
                &format!(
                    "No such column '{name}' on entity '{entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
                ),
            ),
            fields: vec![name.to_string()],
        }
    }

    /// Resolves `path` starting at `obj`.
    pub fn path(&self, obj: &ObjectDef, path: &Path) -> Result<RPath, DbError> {
        let mut parts: &[String] = &path.parts;
        if parts.len() > 1
            && parts[0].eq_ignore_ascii_case(&obj.name)
            && obj.relationship(&parts[0]).is_none()
        {
            parts = &parts[1..];
        }
        let Some((last, rels)) = parts.split_last() else {
            return Err(positioned_query_error(
                self.src,
                path.pos,
                "unexpected token: <EOF>",
            ));
        };
        let mut objs: Vec<&ObjectDef> = vec![obj];
        let mut hops = Vec::new();
        for rel in rels {
            let f = objs.iter().find_map(|o| o.relationship(rel)).ok_or_else(|| DbError::InvalidField {
                message: positioned(
                    self.src,
                    path.pos,
                    &format!(
                        "Didn't understand relationship '{rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
                    ),
                ),
                fields: vec![rel.clone()],
            })?;
            hops.push(Hop {
                field: f.name.clone(),
                rel: f.relationship_name.clone().unwrap_or_default(),
            });
            objs = f
                .reference_to
                .iter()
                .filter_map(|n| self.schema.object(n))
                .collect();
        }
        let f = objs.iter().find_map(|o| o.field(last)).ok_or_else(|| {
            self.no_such_column(
                last,
                objs.first().map_or(obj.name.as_str(), |o| o.name.as_str()),
                path.pos,
            )
        })?;
        Ok(RPath {
            hops,
            field: f.name.clone(),
            ftype: f.field_type,
        })
    }

    /// Resolves a whole query on `obj` (the FROM object, or a child object for a subquery).
    pub fn query(&self, obj: &ObjectDef, q: &Query) -> Result<RQuery, DbError> {
        let mut select = Vec::new();
        let mut aggs: Vec<RAgg> = Vec::new();
        let count = q.is_count();
        for item in &q.select {
            match item {
                SelectItem::CountAll => {}
                SelectItem::Aggregate { func, path, alias } => {
                    let p = self.path(obj, path)?;
                    if matches!(func.as_str(), "SUM" | "AVG") && !p.ftype.is_number() {
                        return Err(positioned_query_error(
                            self.src,
                            path.pos,
                            &format!(
                                "field {} does not support aggregate operator {func}",
                                p.field
                            ),
                        ));
                    }
                    // Unaliased aggregates are expr0, expr1, … in order.
                    let unaliased = q
                        .select
                        .iter()
                        .take_while(|s| !std::ptr::eq(*s, item))
                        .filter(|s| matches!(s, SelectItem::Aggregate { alias: None, .. }))
                        .count();
                    let key = alias.clone().unwrap_or_else(|| format!("expr{unaliased}"));
                    aggs.push(RAgg {
                        key,
                        func: func.clone(),
                        path: p,
                    });
                }
                SelectItem::Fields(kind, pos) => {
                    if kind != "STANDARD" && q.limit.is_none_or(|l| l > 200) {
                        return Err(positioned_query_error(
                            self.src,
                            *pos,
                            "The SOQL FIELDS function must have a LIMIT of at most 200",
                        ));
                    }
                    for f in obj.fields.iter().filter(|f| match kind.as_str() {
                        "STANDARD" => !f.custom,
                        "CUSTOM" => f.custom,
                        _ => true,
                    }) {
                        let already = select
                            .iter()
                            .any(|s| matches!(s, RSelect::Field(p) if p.hops.is_empty() && p.field == f.name));
                        if !already {
                            select.push(RSelect::Field(RPath {
                                hops: Vec::new(),
                                field: f.name.clone(),
                                ftype: f.field_type,
                            }));
                        }
                    }
                }
                SelectItem::Field(p) => select.push(RSelect::Field(self.path(obj, p)?)),
                SelectItem::Subquery(sub) => {
                    let rel =
                        obj.child_relationship(&sub.from)
                            .ok_or_else(|| DbError::InvalidType {
                                object: sub.from.clone(),
                            })?;
                    let child = self.schema.object(&rel.child_object).ok_or_else(|| {
                        DbError::InvalidType {
                            object: rel.child_object.clone(),
                        }
                    })?;
                    if sub.is_count() {
                        return Err(positioned_query_error(
                            self.src,
                            sub.from_pos,
                            "COUNT() is not allowed in a subquery",
                        ));
                    }
                    select.push(RSelect::Child {
                        rel: rel.relationship_name.clone(),
                        link_field: rel.field.clone(),
                        query: Box::new(self.query(child, sub)?),
                    });
                }
            }
        }
        if count && !select.is_empty() {
            return Err(positioned_query_error(
                self.src,
                q.from_pos,
                "COUNT() cannot be combined with other fields",
            ));
        }
        let groups = q
            .group_by
            .iter()
            .map(|p| self.path(obj, p))
            .collect::<Result<Vec<_>, _>>()?;
        if !groups.is_empty() || !aggs.is_empty() {
            for item in &select {
                let ok = match item {
                    RSelect::Field(p) => groups.iter().any(|g| same_path(g, p)),
                    RSelect::Child { .. } => false,
                };
                if !ok {
                    let name = match item {
                        RSelect::Field(p) => p.field.clone(),
                        RSelect::Child { rel, .. } => rel.clone(),
                    };
                    return Err(positioned_query_error(
                        self.src,
                        q.from_pos,
                        &format!("Field must be grouped or aggregated: {name}"),
                    ));
                }
            }
        }
        let cond = q.where_.as_ref().map(|c| self.cond(obj, c)).transpose()?;
        if obj.name.ends_with("__kav") || obj.name == "KnowledgeArticleVersion" {
            let filtered = q.where_.as_ref().is_some_and(mentions_publish_status);
            if !filtered {
                return Err(positioned_query_error(
                    self.src,
                    q.from_pos,
                    "Implementation restriction: When querying the Knowledge Article Version object, you must filter using the following syntax: PublishStatus = [status]. For example: PublishStatus = 'Online'.",
                ));
            }
        }
        let mut order = Vec::new();
        for o in &q.order_by {
            let p = self.path(obj, &o.path)?;
            if p.ftype == FieldType::LongTextArea {
                return Err(positioned_query_error(
                    self.src,
                    o.path.pos,
                    &format!("field '{}' can not be sorted in a query call", p.field),
                ));
            }
            if !groups.is_empty() && !groups.iter().any(|g| same_path(g, &p)) {
                return Err(positioned_query_error(
                    self.src,
                    o.path.pos,
                    &format!("Ordered field must be grouped or aggregated: {}", p.field),
                ));
            }
            order.push((p, o.desc, o.nulls_first.unwrap_or(!o.desc)));
        }
        Ok(RQuery {
            obj: obj.clone(),
            select,
            count,
            cond,
            order,
            limit: q.limit,
            offset: q.offset,
            groups,
            aggs,
        })
    }

    fn cond(&self, obj: &ObjectDef, c: &Cond) -> Result<RCond, DbError> {
        Ok(match c {
            Cond::And(v) => RCond::And(
                v.iter()
                    .map(|c| self.cond(obj, c))
                    .collect::<Result<_, _>>()?,
            ),
            Cond::Or(v) => RCond::Or(
                v.iter()
                    .map(|c| self.cond(obj, c))
                    .collect::<Result<_, _>>()?,
            ),
            Cond::Not(c) => RCond::Not(Box::new(self.cond(obj, c)?)),
            Cond::Cmp {
                path,
                op,
                value,
                pos,
            } => {
                let p = self.path(obj, path)?;
                if *op == Op::Like && !p.ftype.is_text() {
                    return Err(DbError::InvalidFilter {
                        message: positioned(
                            self.src,
                            *pos,
                            &format!(
                                "invalid operator on {} field: LIKE",
                                p.ftype.describe_name()
                            ),
                        ),
                    });
                }
                if p.ftype == FieldType::LongTextArea {
                    return Err(positioned_query_error(
                        self.src,
                        path.pos,
                        &format!("field '{}' can not be filtered in a query call", p.field),
                    ));
                }
                let lit = self.literal(&p, value, *op == Op::Like, *pos)?;
                if lit == RLit::Null && !matches!(op, Op::Eq | Op::Ne) {
                    return Err(positioned_query_error(
                        self.src,
                        *pos,
                        "null may only be compared with = or !=",
                    ));
                }
                RCond::Cmp {
                    path: p,
                    op: *op,
                    lit,
                }
            }
            Cond::In {
                path,
                negated,
                values,
                pos,
            } => {
                let p = self.path(obj, path)?;
                let lits = values
                    .iter()
                    .map(|v| self.literal(&p, v, false, *pos))
                    .collect::<Result<_, _>>()?;
                RCond::In {
                    path: p,
                    negated: *negated,
                    lits,
                }
            }
            Cond::InQuery {
                path,
                negated,
                query,
                pos,
            } => {
                let p = self.path(obj, path)?;
                let sub_obj =
                    self.schema
                        .object(&query.from)
                        .ok_or_else(|| DbError::InvalidType {
                            object: query.from.clone(),
                        })?;
                let rq = self.query(sub_obj, query)?;
                let single_id = matches!(rq.select.as_slice(), [RSelect::Field(f)]
                    if matches!(f.ftype, FieldType::Id | FieldType::Reference))
                    && !rq.is_aggregate();
                if !single_id || !matches!(p.ftype, FieldType::Id | FieldType::Reference) {
                    return Err(positioned_query_error(
                        self.src,
                        *pos,
                        "semi join sub-selects can only select a single Id or reference field, compared with an Id or reference field",
                    ));
                }
                RCond::InQuery {
                    path: p,
                    negated: *negated,
                    query: Box::new(rq),
                }
            }
        })
    }

    fn type_error(&self, p: &RPath, pos: usize, quoted: bool) -> DbError {
        let t = match p.ftype {
            FieldType::DateTime => "dateTime",
            FieldType::Date => "date",
            FieldType::Boolean => "boolean",
            FieldType::Double | FieldType::Currency | FieldType::Int => "number",
            FieldType::Id | FieldType::Reference => "id",
            _ => "string",
        };
        let how = if quoted {
            "should be enclosed in quotes"
        } else {
            "should not be enclosed in quotes"
        };
        positioned_query_error(
            self.src,
            pos,
            &format!(
                "value of filter criterion for field '{}' must be of type {t} and {how}",
                p.field
            ),
        )
    }

    fn literal(&self, p: &RPath, lit: &Literal, like: bool, pos: usize) -> Result<RLit, DbError> {
        if *lit == Literal::Null {
            return Ok(RLit::Null);
        }
        let t = p.ftype;
        Ok(match (t, lit) {
            (FieldType::Id | FieldType::Reference, Literal::Str(s)) => {
                let id = ids::normalize(s).ok_or_else(|| DbError::InvalidFilter {
                    message: positioned(self.src, pos, &format!("invalid ID field: {s}")),
                })?;
                RLit::Id(id)
            }
            (_, Literal::Str(s)) if t.is_text() && like => {
                RLit::Like(s.to_lowercase().chars().collect())
            }
            (_, Literal::Str(s)) if t.is_text() => RLit::Text(
                s.replace(ESC_PERCENT, "%")
                    .replace(ESC_UNDERSCORE, "_")
                    .to_lowercase(),
            ),
            (FieldType::Boolean, Literal::Bool(b)) => RLit::Bool(*b),
            (FieldType::Double | FieldType::Currency | FieldType::Int, Literal::Num(n)) => {
                RLit::Num(*n)
            }
            (FieldType::Date, Literal::Date(d)) => RLit::Time(
                d.and_hms_opt(0, 0, 0)
                    .map(|n| n.and_utc())
                    .unwrap_or_default(),
            ),
            (FieldType::DateTime, Literal::DateTime(d)) => RLit::Time(*d),
            (FieldType::Date | FieldType::DateTime, Literal::Relative(r)) => {
                let (s, e) = dates::range(*r, self.opts.now);
                RLit::Range(s, e)
            }
            (_, Literal::Str(_)) => return Err(self.type_error(p, pos, false)),
            _ => {
                return Err(self.type_error(
                    p,
                    pos,
                    t.is_text() || t == FieldType::Id || t == FieldType::Reference,
                ))
            }
        })
    }
}

fn mentions_publish_status(c: &Cond) -> bool {
    match c {
        Cond::And(v) => v.iter().any(mentions_publish_status),
        Cond::Or(v) => v.iter().all(mentions_publish_status),
        Cond::Not(_) => false,
        Cond::Cmp { path, op, .. } => {
            *op == Op::Eq
                && path
                    .parts
                    .last()
                    .is_some_and(|p| p.eq_ignore_ascii_case("PublishStatus"))
        }
        Cond::InQuery { .. } => false,
        Cond::In { path, negated, .. } => {
            !negated
                && path
                    .parts
                    .last()
                    .is_some_and(|p| p.eq_ignore_ascii_case("PublishStatus"))
        }
    }
}

/// A MALFORMED_QUERY at byte offset `pos`.
pub fn positioned_query_error(src: &str, pos: usize, msg: &str) -> DbError {
    super::syntax_error(src, pos, msg)
}
