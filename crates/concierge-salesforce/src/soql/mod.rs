//! The SOQL builder. Field and object names are checked against
//! `[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*`; values are typed
//! literals and strings are always quoted and escaped, so a value can never
//! inject SOQL. Text that is not built here must be a `&'static str`
//! ([`Soql::raw_trusted`]): written by us, never assembled from input.

mod value;

pub use value::{quote, validate_id, validate_name, DateLiteral, SoqlValue};

use crate::Error;

/// Longest query text we send (Salesforce's default limit is 100,000 characters).
pub const MAX_SOQL_LEN: usize = 100_000;
/// Most values in one `IN (…)` list.
pub const MAX_IN_VALUES: usize = 1000;
/// Largest `OFFSET` Salesforce allows.
pub const MAX_OFFSET: u32 = 2000;

/// A finished SOQL query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Soql {
    text: String,
}

impl Soql {
    /// Starts a `SELECT` of these fields.
    pub fn select(fields: &[&str]) -> SoqlBuilder {
        let mut b = SoqlBuilder::default();
        if fields.is_empty() {
            b.fail(Error::invalid("select", "no fields"));
        }
        for f in fields {
            b.check(validate_name(f));
            b.fields.push((*f).to_owned());
        }
        b
    }

    /// A query written in our code (`&'static str`), sent as is.
    pub fn raw_trusted(text: &'static str) -> Soql {
        Soql {
            text: text.to_owned(),
        }
    }

    /// The query text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for Soql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// `ASC`
    Asc,
    /// `DESC`
    Desc,
}

/// A LIKE pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Like {
    /// A pattern whose `%` and `_` are wildcards (the text is still escaped as a string).
    Pattern(String),
    /// Matches the text literally anywhere (`%text%`, with `%`/`_` in the text escaped).
    Contains(String),
    /// Matches values starting with the text literally.
    StartsWith(String),
    /// Matches values ending with the text literally.
    EndsWith(String),
    /// Matches the text literally (case-insensitively, as LIKE does).
    Exactly(String),
}

impl Like {
    fn to_soql(&self) -> String {
        let lit = value::escape_like_literal;
        let inner = match self {
            Like::Pattern(p) => return quote(p),
            Like::Contains(t) => format!("%{}%", lit(t)),
            Like::StartsWith(t) => format!("{}%", lit(t)),
            Like::EndsWith(t) => format!("%{}", lit(t)),
            Like::Exactly(t) => lit(t),
        };
        format!("'{inner}'")
    }
}

impl From<&str> for Like {
    fn from(p: &str) -> Self {
        Like::Pattern(p.to_owned())
    }
}

/// A condition for `WHERE`, `.and(…)` and `.or(…)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    text: Result<String, String>,
}

impl Condition {
    fn cmp(field: &str, op: &str, value: SoqlValue) -> Self {
        let text = validate_name(field)
            .and_then(|()| value.to_soql())
            .map(|v| format!("{field} {op} {v}"))
            .map_err(|e| e.to_string());
        Condition { text }
    }
    /// `field = value`
    pub fn eq(field: &str, value: impl Into<SoqlValue>) -> Self {
        Self::cmp(field, "=", value.into())
    }
    /// `field != value`
    pub fn ne(field: &str, value: impl Into<SoqlValue>) -> Self {
        Self::cmp(field, "!=", value.into())
    }
    /// `field < value`
    pub fn lt(field: &str, value: impl Into<SoqlValue>) -> Self {
        Self::cmp(field, "<", value.into())
    }
    /// `field <= value`
    pub fn le(field: &str, value: impl Into<SoqlValue>) -> Self {
        Self::cmp(field, "<=", value.into())
    }
    /// `field > value`
    pub fn gt(field: &str, value: impl Into<SoqlValue>) -> Self {
        Self::cmp(field, ">", value.into())
    }
    /// `field >= value`
    pub fn ge(field: &str, value: impl Into<SoqlValue>) -> Self {
        Self::cmp(field, ">=", value.into())
    }
    /// `field LIKE '…'`
    pub fn like(field: &str, pattern: impl Into<Like>) -> Self {
        let pattern = pattern.into();
        let text = validate_name(field)
            .map(|()| format!("{field} LIKE {}", pattern.to_soql()))
            .map_err(|e| e.to_string());
        Condition { text }
    }
    /// `field IN (…)`, or `NOT IN` when `negate`.
    fn in_list<V: Into<SoqlValue>>(field: &str, values: Vec<V>, negate: bool) -> Self {
        let text = (|| {
            validate_name(field).map_err(|e| e.to_string())?;
            if values.is_empty() || values.len() > MAX_IN_VALUES {
                return Err(format!("IN needs 1..={MAX_IN_VALUES} values"));
            }
            let lits = values
                .into_iter()
                .map(|v| v.into().to_soql())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            let op = if negate { "NOT IN" } else { "IN" };
            Ok(format!("{field} {op} ({})", lits.join(", ")))
        })();
        Condition { text }
    }
    /// `field IN (v1, v2, …)` (1 to 1000 values).
    pub fn is_in<V: Into<SoqlValue>>(field: &str, values: impl IntoIterator<Item = V>) -> Self {
        Self::in_list(field, values.into_iter().collect(), false)
    }
    /// `field NOT IN (…)`.
    pub fn not_in<V: Into<SoqlValue>>(field: &str, values: impl IntoIterator<Item = V>) -> Self {
        Self::in_list(field, values.into_iter().collect(), true)
    }
    /// `(a OR b OR …)`.
    pub fn any(conditions: impl IntoIterator<Item = Condition>) -> Self {
        Self::group(conditions, " OR ")
    }
    /// `(a AND b AND …)`.
    pub fn all(conditions: impl IntoIterator<Item = Condition>) -> Self {
        Self::group(conditions, " AND ")
    }
    fn group(conditions: impl IntoIterator<Item = Condition>, sep: &str) -> Self {
        let parts: Result<Vec<String>, String> = conditions.into_iter().map(|c| c.text).collect();
        let text = parts.and_then(|p| {
            if p.is_empty() {
                Err("empty condition group".to_owned())
            } else {
                Ok(format!("({})", p.join(sep)))
            }
        });
        Condition { text }
    }
    /// `NOT (condition)`.
    pub fn negate(self) -> Self {
        Condition {
            text: self.text.map(|t| format!("(NOT {t})")),
        }
    }
}

/// Builds a [`Soql`]; the first invalid name or value makes `build()` fail.
#[derive(Debug, Default)]
pub struct SoqlBuilder {
    fields: Vec<String>,
    from: Option<String>,
    conditions: Vec<(&'static str, String)>,
    order: Vec<(String, Order)>,
    limit: Option<u32>,
    offset: Option<u32>,
    error: Option<Error>,
}

impl SoqlBuilder {
    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }
    fn check(&mut self, r: Result<(), Error>) {
        if let Err(e) = r {
            self.fail(e);
        }
    }
    fn push(mut self, conj: &'static str, c: Condition) -> Self {
        match c.text {
            Ok(t) => self.conditions.push((conj, t)),
            Err(m) => self.fail(Error::invalid("condition", m)),
        }
        self
    }

    /// `FROM object`.
    pub fn from(mut self, object: &str) -> Self {
        self.check(validate_name(object));
        self.from = Some(object.to_owned());
        self
    }
    /// Adds a condition joined with `AND`.
    pub fn and(self, c: Condition) -> Self {
        self.push("AND", c)
    }
    /// Adds a condition joined with `OR` to everything before it:
    /// `(previous) OR c`.
    pub fn or(self, c: Condition) -> Self {
        self.push("OR", c)
    }
    /// Adds any condition (`AND`).
    pub fn filter(self, c: Condition) -> Self {
        self.and(c)
    }
    /// `field = value` (joined with `AND`).
    pub fn where_eq(self, field: &str, value: impl Into<SoqlValue>) -> Self {
        self.and(Condition::eq(field, value))
    }
    /// `field != value` (joined with `AND`).
    pub fn where_ne(self, field: &str, value: impl Into<SoqlValue>) -> Self {
        self.and(Condition::ne(field, value))
    }
    /// `field IN (…)` (joined with `AND`).
    pub fn where_in<V: Into<SoqlValue>>(
        self,
        field: &str,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.and(Condition::is_in(field, values))
    }
    /// `field LIKE …` (joined with `AND`); a `&str` is a wildcard pattern,
    /// [`Like::Contains`] and friends match literally.
    pub fn where_like(self, field: &str, pattern: impl Into<Like>) -> Self {
        self.and(Condition::like(field, pattern))
    }
    /// `field > value` (joined with `AND`).
    pub fn where_gt(self, field: &str, value: impl Into<SoqlValue>) -> Self {
        self.and(Condition::gt(field, value))
    }
    /// `field < value` (joined with `AND`).
    pub fn where_lt(self, field: &str, value: impl Into<SoqlValue>) -> Self {
        self.and(Condition::lt(field, value))
    }
    /// `ORDER BY field dir` (repeatable).
    pub fn order_by(mut self, field: &str, order: Order) -> Self {
        self.check(validate_name(field));
        self.order.push((field.to_owned(), order));
        self
    }
    /// `LIMIT n`.
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }
    /// `OFFSET n` (at most 2000).
    pub fn offset(mut self, n: u32) -> Self {
        if n > MAX_OFFSET {
            self.fail(Error::invalid("offset", format!("at most {MAX_OFFSET}")));
        }
        self.offset = Some(n);
        self
    }

    /// The query, or the first error.
    pub fn build(self) -> Result<Soql, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let from = self
            .from
            .ok_or_else(|| Error::invalid("from", "missing FROM"))?;
        let mut text = format!("SELECT {} FROM {from}", self.fields.join(", "));
        if !self.conditions.is_empty() {
            let mut clause = String::new();
            for (i, (conj, cond)) in self.conditions.iter().enumerate() {
                if i == 0 {
                    clause = cond.clone();
                } else if *conj == "OR" {
                    clause = format!("({clause}) OR {cond}");
                } else {
                    clause = format!("{clause} AND {cond}");
                }
            }
            text.push_str(" WHERE ");
            text.push_str(&clause);
        }
        if !self.order.is_empty() {
            let parts: Vec<String> = self
                .order
                .iter()
                .map(|(f, o)| format!("{f} {}", if *o == Order::Asc { "ASC" } else { "DESC" }))
                .collect();
            text.push_str(" ORDER BY ");
            text.push_str(&parts.join(", "));
        }
        if let Some(n) = self.limit {
            text.push_str(&format!(" LIMIT {n}"));
        }
        if let Some(n) = self.offset {
            text.push_str(&format!(" OFFSET {n}"));
        }
        if text.len() > MAX_SOQL_LEN {
            return Err(Error::invalid(
                "soql",
                format!("longer than {MAX_SOQL_LEN} characters"),
            ));
        }
        Ok(Soql { text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_queries() {
        let q = Soql::select(&["Id", "Subject", "Contact.Email"])
            .from("Case")
            .where_eq("SuppliedEmail", "o'neil@example.com")
            .where_in("Status", ["New", "Working"])
            .where_like("Subject", Like::Contains("50%_off".into()))
            .order_by("CreatedDate", Order::Desc)
            .limit(10)
            .offset(20)
            .build()
            .unwrap();
        assert_eq!(
            q.as_str(),
            r"SELECT Id, Subject, Contact.Email FROM Case WHERE SuppliedEmail = 'o\'neil@example.com' AND Status IN ('New', 'Working') AND Subject LIKE '%50\%\_off%' ORDER BY CreatedDate DESC LIMIT 10 OFFSET 20"
        );
        let q = Soql::select(&["Id"])
            .from("Contact")
            .where_eq("IsDeleted", false)
            .or(Condition::any([
                Condition::eq("Email", "a@b.c"),
                Condition::eq("Phone", 5),
            ]))
            .build()
            .unwrap();
        assert_eq!(
            q.as_str(),
            "SELECT Id FROM Contact WHERE (IsDeleted = false) OR (Email = 'a@b.c' OR Phone = 5)"
        );
    }

    #[test]
    fn refuses_bad_names_and_values() {
        assert!(Soql::select(&["Id FROM User --"])
            .from("Case")
            .build()
            .is_err());
        assert!(Soql::select(&["Id"]).from("Case WHERE").build().is_err());
        assert!(Soql::select(&["Id"])
            .from("Case")
            .where_eq("a'b", 1)
            .build()
            .is_err());
        assert!(Soql::select(&["Id"])
            .from("Case")
            .order_by("x y", Order::Asc)
            .build()
            .is_err());
        assert!(Soql::select(&["Id"])
            .from("Case")
            .offset(2001)
            .build()
            .is_err());
        assert!(Soql::select(&["Id"]).build().is_err());
        assert!(Soql::select(&[]).from("Case").build().is_err());
        let empty: [&str; 0] = [];
        assert!(Soql::select(&["Id"])
            .from("Case")
            .where_in("Id", empty)
            .build()
            .is_err());
    }
}
