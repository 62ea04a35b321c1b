//! Bulk API 2.0 queries: create the job (`POST jobs/query`), poll it until
//! `JobComplete`, page through the CSV results by `Sforce-Locator`, and parse
//! the CSV (quoted commas and newlines included) with the `csv` crate.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde::Deserialize;

use crate::client::execute::Call;
use crate::error::ApiError;
use crate::soql::Soql;
use crate::{Client, Error};

/// Most rows [`Client::bulk_query_all_rows`] collects.
pub const MAX_BULK_ROWS: usize = 1_000_000;
/// Most result pages followed for one job.
const MAX_RESULT_PAGES: usize = 10_000;

/// A Bulk API 2.0 query job, as `POST jobs/query` and `GET jobs/query/{id}` return it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkJobInfo {
    /// Job id (`750…`).
    pub id: String,
    /// `UploadComplete`, `InProgress`, `JobComplete`, `Failed`, `Aborted`.
    pub state: String,
    /// `query` or `queryAll`.
    #[serde(default)]
    pub operation: String,
    /// The queried object.
    #[serde(default)]
    pub object: String,
    /// Rows processed so far.
    #[serde(default)]
    pub number_records_processed: u64,
    /// Why the job failed.
    #[serde(default)]
    pub error_message: Option<String>,
}

/// The job `POST jobs/query` returns.
pub type BulkQueryJob = BulkJobInfo;

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkResultsPage {
    /// The CSV text (header row first).
    pub csv: String,
    /// `Sforce-Locator` of the next page (`None` when Salesforce says `null`).
    pub next_locator: Option<String>,
    /// `Sforce-NumberOfRecords`.
    pub number_of_records: u64,
}

fn validate_job_id(id: &str) -> Result<(), Error> {
    if !id.is_empty() && id.len() <= 18 && id.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(Error::invalid("job_id", "not a Bulk job id"))
    }
}

/// Parses result CSV into rows keyed by the header.
pub fn parse_csv_rows(
    csv_text: &str,
    limit: usize,
) -> Result<Vec<BTreeMap<String, String>>, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error::Decode(format!("bulk CSV header: {e}")))?
        .clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::Decode(format!("bulk CSV: {e}")))?;
        if rows.len() >= limit {
            return Err(Error::Decode(format!("more than {limit} bulk rows")));
        }
        rows.push(
            headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect(),
        );
    }
    Ok(rows)
}

impl Client {
    /// `POST jobs/query` with `operation` `query` (or `queryAll` when `all`).
    pub async fn bulk_query(&self, soql: &Soql, all: bool) -> Result<BulkQueryJob, Error> {
        let body = serde_json::json!({
            "operation": if all { "queryAll" } else { "query" },
            "query": soql.as_str(),
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        });
        let call = Call::data(Method::POST, "bulk_query", &["jobs", "query"]).json(&body)?;
        self.execute(call).await?.json()
    }

    /// `GET jobs/query/{id}`.
    pub async fn bulk_query_info(&self, job_id: &str) -> Result<BulkJobInfo, Error> {
        validate_job_id(job_id)?;
        self.execute(Call::data(
            Method::GET,
            "bulk_query_info",
            &["jobs", "query", job_id],
        ))
        .await?
        .json()
    }

    /// `PATCH jobs/query/{id}` `{"state":"Aborted"}`: stops a query job.
    pub async fn bulk_query_abort(&self, job_id: &str) -> Result<BulkJobInfo, Error> {
        validate_job_id(job_id)?;
        let call = Call::data(
            Method::PATCH,
            "bulk_query_abort",
            &["jobs", "query", job_id],
        )
        .json(&serde_json::json!({ "state": "Aborted" }))?;
        self.execute(call).await?.json()
    }

    /// Polls the job every `poll` until `JobComplete`; `Failed` or
    /// `Aborted` is an error (code `BULK_JOB_FAILED`/`BULK_JOB_ABORTED`),
    /// and so is still running after `timeout` ([`Error::Timeout`]).
    pub async fn bulk_query_wait(
        &self,
        job_id: &str,
        poll: Duration,
        timeout: Duration,
    ) -> Result<BulkJobInfo, Error> {
        let deadline = Instant::now() + timeout;
        loop {
            let info = self.bulk_query_info(job_id).await?;
            match info.state.as_str() {
                "JobComplete" => return Ok(info),
                "Failed" | "Aborted" => {
                    let code = if info.state == "Failed" {
                        "BULK_JOB_FAILED"
                    } else {
                        "BULK_JOB_ABORTED"
                    };
                    return Err(Error::Api {
                        status: 200,
                        errors: vec![ApiError {
                            message: info.error_message.unwrap_or_else(|| info.state.clone()),
                            error_code: code.to_owned(),
                            fields: Vec::new(),
                        }],
                    });
                }
                _ => {}
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Timeout);
            }
            tokio::time::sleep(poll.min(deadline - now)).await;
        }
    }

    /// `GET jobs/query/{id}/results[?locator=…&maxRecords=…]`: one CSV page.
    pub async fn bulk_query_results(
        &self,
        job_id: &str,
        locator: Option<&str>,
        max_records: Option<u32>,
    ) -> Result<BulkResultsPage, Error> {
        validate_job_id(job_id)?;
        let mut call = Call::data(
            Method::GET,
            "bulk_query_results",
            &["jobs", "query", job_id, "results"],
        );
        call.accept = "text/csv";
        if let Some(l) = locator {
            if l.is_empty() || l.len() > 256 || !l.chars().all(|c| c.is_ascii_graphic()) {
                return Err(Error::invalid("locator", "not a Bulk locator"));
            }
            call.query.push(("locator", l.to_owned()));
        }
        if let Some(n) = max_records {
            call.query.push(("maxRecords", n.to_string()));
        }
        let reply = self.execute(call).await?;
        let header = |name: &str| {
            reply
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .map(str::to_owned)
        };
        let next_locator = header("sforce-locator").filter(|l| !l.is_empty() && l != "null");
        let number_of_records = header("sforce-numberofrecords")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let csv = String::from_utf8(reply.body)
            .map_err(|_| Error::Decode("bulk results are not UTF-8".into()))?;
        Ok(BulkResultsPage {
            csv,
            next_locator,
            number_of_records,
        })
    }

    /// Runs a Bulk query to the end: create, wait, read every page, parse the
    /// CSV. A job still running at `timeout` is aborted and [`Error::Timeout`] returned.
    pub async fn bulk_query_all_rows(
        &self,
        soql: &Soql,
        poll: Duration,
        timeout: Duration,
    ) -> Result<Vec<BTreeMap<String, String>>, Error> {
        let job = self.bulk_query(soql, false).await?;
        if let Err(e) = self.bulk_query_wait(&job.id, poll, timeout).await {
            if matches!(e, Error::Timeout) {
                // Best effort: do not leave the job running for nobody.
                if let Err(abort) = self.bulk_query_abort(&job.id).await {
                    tracing::warn!(job_id = %job.id, error = %abort, "could not abort a timed-out bulk query");
                }
            }
            return Err(e);
        }
        let mut rows = Vec::new();
        let mut locator: Option<String> = None;
        for _ in 0..MAX_RESULT_PAGES {
            let page = self
                .bulk_query_results(&job.id, locator.as_deref(), None)
                .await?;
            let remaining = MAX_BULK_ROWS.saturating_sub(rows.len());
            rows.extend(parse_csv_rows(&page.csv, remaining)?);
            match page.next_locator {
                Some(next) => locator = Some(next),
                None => return Ok(rows),
            }
        }
        Err(Error::Decode(format!(
            "more than {MAX_RESULT_PAGES} bulk result pages"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_quotes_commas_and_newlines() {
        let text = "\"Id\",\"Subject\",\"Description\"\n\"500A\",\"Hello, world\",\"line one\nline \"\"two\"\"\"\n\"500B\",\"\",\"x\"\n";
        let rows = parse_csv_rows(text, 10).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["Subject"], "Hello, world");
        assert_eq!(rows[0]["Description"], "line one\nline \"two\"");
        assert_eq!(rows[1]["Subject"], "");
        assert!(parse_csv_rows(text, 1).is_err());
        assert!(parse_csv_rows("a,b\n1\n", 10).is_err());
    }
}
