//! SOQL and SOSL: `query`, `queryAll`, following `nextRecordsUrl`, `search`,
//! and the `limits/` resource.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::client::execute::{Call, Target};
use crate::limits::Limits;
use crate::soql::Soql;
use crate::{Client, Error};

/// Longest SOSL text accepted.
const MAX_SOSL_LEN: usize = 100_000;

/// One page of query results.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryResult<T> {
    /// Records matching the whole query.
    pub total_size: u64,
    /// Whether this is the last page.
    pub done: bool,
    /// Where the next page is, when `done` is false.
    #[serde(default)]
    pub next_records_url: Option<String>,
    /// This page's records.
    pub records: Vec<T>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SearchBody {
    Wrapped {
        #[serde(rename = "searchRecords")]
        search_records: Vec<Value>,
    },
    Bare(Vec<Value>),
}

/// Escapes a search term for `FIND {…}`: SOSL's reserved characters
/// (`? & | ! { } [ ] ( ) ^ ~ * : \ " ' + -`) get a backslash, so the term
/// can neither close the braces nor act as an operator.
pub fn escape_sosl(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 8);
    for c in term.chars() {
        if "?&|!{}[]()^~*:\\\"'+-".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Client {
    fn query_call(&self, op: &'static str, resource: &str, soql: &Soql) -> Call {
        let mut call = Call::data(Method::GET, op, &[resource]);
        call.query.push(("q", soql.as_str().to_owned()));
        if let Some(n) = self.inner.config.query_batch_size {
            call.headers
                .push(("Sforce-Query-Options", format!("batchSize={n}")));
        }
        call
    }

    /// `GET query?q=…`: the first page.
    pub async fn query<T: DeserializeOwned>(&self, soql: &Soql) -> Result<QueryResult<T>, Error> {
        self.execute(self.query_call("query", "query", soql))
            .await?
            .json()
    }

    /// `GET queryAll?q=…`: like [`Client::query`], deleted and archived rows included.
    pub async fn query_all_deleted<T: DeserializeOwned>(
        &self,
        soql: &Soql,
    ) -> Result<QueryResult<T>, Error> {
        self.execute(self.query_call("query_all", "queryAll", soql))
            .await?
            .json()
    }

    /// The page at a `nextRecordsUrl`, followed as given (its path, on the instance URL).
    pub async fn query_more<T: DeserializeOwned>(
        &self,
        next_records_url: &str,
    ) -> Result<QueryResult<T>, Error> {
        let mut call = Call::new(
            Method::GET,
            "query_more",
            Target::Path(next_records_url.to_owned()),
        );
        if let Some(n) = self.inner.config.query_batch_size {
            call.headers
                .push(("Sforce-Query-Options", format!("batchSize={n}")));
        }
        self.execute(call).await?.json()
    }

    /// Every record of a query, following `nextRecordsUrl`, stopping at `max_records`.
    pub async fn query_all_pages<T: DeserializeOwned>(
        &self,
        soql: &Soql,
        max_records: usize,
    ) -> Result<Vec<T>, Error> {
        let mut page: QueryResult<T> = self.query(soql).await?;
        let mut out = Vec::new();
        loop {
            let got = page.records.len();
            out.extend(page.records);
            if out.len() >= max_records {
                out.truncate(max_records);
                return Ok(out);
            }
            match (page.done, page.next_records_url) {
                (true, _) => return Ok(out),
                (false, Some(next)) if got > 0 => page = self.query_more(&next).await?,
                (false, _) => {
                    return Err(Error::Decode(
                        "query not done but no nextRecordsUrl or an empty page".into(),
                    ))
                }
            }
        }
    }

    /// `GET search/?q=…` (SOSL): the `searchRecords`. Put user-typed terms
    /// into the SOSL text only through [`escape_sosl`].
    pub async fn search(&self, sosl: &str) -> Result<Vec<Value>, Error> {
        if sosl.is_empty() || sosl.len() > MAX_SOSL_LEN {
            return Err(Error::invalid(
                "sosl",
                format!("must be 1..={MAX_SOSL_LEN} bytes"),
            ));
        }
        let mut call = Call::data(Method::GET, "search", &["search"]).slash();
        call.query.push(("q", sosl.to_owned()));
        Ok(match self.execute(call).await?.json::<SearchBody>()? {
            SearchBody::Wrapped { search_records } => search_records,
            SearchBody::Bare(records) => records,
        })
    }

    /// `GET limits/`.
    pub async fn limits(&self) -> Result<Limits, Error> {
        let raw: BTreeMap<String, Value> = self
            .execute(Call::data(Method::GET, "limits", &["limits"]).slash())
            .await?
            .json()?;
        Limits::from_raw(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sosl_escaping() {
        assert_eq!(escape_sosl("a} OR {b"), r"a\} OR \{b");
        assert_eq!(escape_sosl("x-y's"), r"x\-y\'s");
        assert_eq!(escape_sosl("plain words"), "plain words");
    }
}
