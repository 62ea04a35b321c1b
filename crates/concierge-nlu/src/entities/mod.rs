//! Entity extraction: contact details, money, dates and times, and the
//! Salesforce vocabulary of support conversations (record ids, case numbers,
//! API versions, error codes, Apex exceptions …).
//!
//! [`EntityExtractor::extract`] runs one small recogniser per family. Each
//! proposes candidate spans in byte offsets; overlaps are then resolved once —
//! the longer span wins, and at equal length the more specific kind (a
//! Salesforce id over an order number, an email over a URL) — and the
//! survivors are converted to the **character** offsets of [`Entity`].
//!
//! | kind | value |
//! | --- | --- |
//! | `email` | the address, domain lower-cased |
//! | `phone` | E.164 (`+14155550132`); national numbers use [`EntityConfig::default_region`] |
//! | `url` | the URL (`https://` added to a bare `www.` or domain) |
//! | `ip` | `{"address", "version": 4 \| 6}` |
//! | `money` | `{"amount": "1299.00", "currency": "USD"}` (ISO 4217) |
//! | `datetime` | `{"value": RFC 3339 (UTC), "grain", ["end"]}` |
//! | `salesforce_id`, `org_id` | `{"id", "id18", "object", "key_prefix"}` |
//! | `case_number` | the number as written (`00012345`) |
//! | `api_version` | `"59.0"` |
//! | `sf_error_code` | the code (`INVALID_SESSION_ID`) |
//! | `apex_exception` | `{"type", "namespace", "name", "known"}` |
//! | `http_status` | `{"code", "reason", "class"}` |
//! | `order_number`, `invoice_number` | the number as written, without `#` |
//! | `product` | `{"name", "category": "product" \| "edition"}` |
//!
//! Everything is panic-free on any input; patterns are compiled once per
//! process (per extractor for the tenant's gazetteer) and families whose
//! trigger characters are absent (no `@`, no digit …) are skipped.

mod calendar;
mod commerce;
mod contact;
mod datetime;
mod gazetteer;
mod money;
mod network;
mod phone;
mod region;
mod salesforce;
mod salesforce_ids;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Entity;
pub use gazetteer::{GazetteerEntry, ProductCategory};
pub use region::Region;
pub use salesforce_ids::{key_prefix_object, to_id18};

/// What a tenant can tune.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EntityConfig {
    /// ISO 3166-1 alpha-2 region of the tenant's customers (`US`, `GB`, `DE` …):
    /// the country code for phone numbers written without one, whether
    /// `03/04/2026` is month-first (US, CA) or day-first, and which currency a
    /// bare `$` or `¥` means. Unknown regions behave as `US` for dates and
    /// money and recognise only international (`+…`) phone numbers.
    pub default_region: String,
    /// Product and edition names to recognise (the defaults are Salesforce's).
    pub products: Vec<GazetteerEntry>,
}

impl Default for EntityConfig {
    fn default() -> Self {
        Self {
            default_region: "US".to_owned(),
            products: gazetteer::default_entries(),
        }
    }
}

/// Extracts entities from one message. Cheap to share: build one per tenant
/// configuration and call [`extract`](Self::extract) from any thread.
#[derive(Debug, Clone)]
pub struct EntityExtractor {
    region: Region,
    gazetteer: gazetteer::Gazetteer,
}

impl Default for EntityExtractor {
    fn default() -> Self {
        Self::new(EntityConfig::default())
    }
}

impl EntityExtractor {
    /// Builds an extractor; compiles the shared patterns on first use so the
    /// first message does not pay for it.
    pub fn new(config: EntityConfig) -> Self {
        let _ = warm_up();
        Self {
            region: Region::lookup(&config.default_region),
            gazetteer: gazetteer::Gazetteer::new(&config.products),
        }
    }

    /// All entities in `text`, sorted by start, without overlaps. Relative
    /// dates ("yesterday 3pm", "in 2 hours") are resolved against `reference`;
    /// times written without a zone are read as UTC.
    pub fn extract(&self, text: &str, reference: DateTime<Utc>) -> Vec<Entity> {
        if text.trim().is_empty() {
            return Vec::new();
        }
        let scan = Scan::new(text);
        let mut found = Vec::new();
        contact::emails(&scan, &mut found);
        phone::phones(&scan, &self.region, &mut found);
        network::urls(&scan, &mut found);
        network::ips(&scan, &mut found);
        network::http_statuses(&scan, &mut found);
        money::money(&scan, &self.region, &mut found);
        datetime::datetimes(&scan, &self.region, reference, &mut found);
        salesforce_ids::ids(&scan, &mut found);
        salesforce::case_numbers(&scan, &mut found);
        salesforce::api_versions(&scan, &mut found);
        salesforce::error_codes(&scan, &mut found);
        salesforce::apex_exceptions(&scan, &mut found);
        commerce::orders_and_invoices(&scan, &mut found);
        self.gazetteer.products(&scan, &mut found);
        to_entities(text, resolve(found))
    }
}

/// Compiles every shared pattern now (they are otherwise compiled by the
/// first message that needs them). False if one failed to compile — a bug
/// the tests catch; its family then finds nothing instead of panicking.
pub fn warm_up() -> bool {
    [
        contact::warm_up(),
        phone::warm_up(),
        network::warm_up(),
        money::warm_up(),
        datetime::warm_up(),
        salesforce_ids::warm_up(),
        salesforce::warm_up(),
        commerce::warm_up(),
    ]
    .iter()
    .all(|ok| *ok)
}

/// The kinds, most specific first: at equal length the earlier one wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    OrgId,
    SalesforceId,
    Email,
    ApexException,
    SfErrorCode,
    Url,
    Ip,
    InvoiceNumber,
    OrderNumber,
    CaseNumber,
    ApiVersion,
    Money,
    HttpStatus,
    Datetime,
    Product,
    Phone,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::OrgId => "org_id",
            Kind::SalesforceId => "salesforce_id",
            Kind::Email => "email",
            Kind::ApexException => "apex_exception",
            Kind::SfErrorCode => "sf_error_code",
            Kind::Url => "url",
            Kind::Ip => "ip",
            Kind::InvoiceNumber => "invoice_number",
            Kind::OrderNumber => "order_number",
            Kind::CaseNumber => "case_number",
            Kind::ApiVersion => "api_version",
            Kind::Money => "money",
            Kind::HttpStatus => "http_status",
            Kind::Datetime => "datetime",
            Kind::Product => "product",
            Kind::Phone => "phone",
        }
    }
}

/// A proposed entity, in byte offsets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Candidate {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    pub value: Value,
}

impl Candidate {
    pub(crate) fn new(start: usize, end: usize, kind: Kind, value: Value) -> Self {
        Self {
            start,
            end,
            kind,
            value,
        }
    }
}

/// The text plus cheap facts that let recognisers skip work.
#[derive(Debug)]
pub(crate) struct Scan<'a> {
    pub text: &'a str,
    pub has_digit: bool,
    pub has_at: bool,
    pub has_dot: bool,
    pub has_colon: bool,
}

impl<'a> Scan<'a> {
    fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        Self {
            text,
            has_digit: bytes.iter().any(u8::is_ascii_digit),
            has_at: bytes.contains(&b'@'),
            has_dot: bytes.contains(&b'.'),
            has_colon: bytes.contains(&b':'),
        }
    }

    /// The character just before byte `at`.
    pub(crate) fn before(&self, at: usize) -> Option<char> {
        self.text.get(..at)?.chars().next_back()
    }

    /// The character at byte `at`.
    pub(crate) fn after(&self, at: usize) -> Option<char> {
        self.text.get(at..)?.chars().next()
    }

    /// The two characters from byte `at`.
    pub(crate) fn after2(&self, at: usize) -> (Option<char>, Option<char>) {
        let mut it = self.text.get(at..).unwrap_or("").chars();
        (it.next(), it.next())
    }

    /// True when the span `start..end` is not glued to a letter, digit or `_`
    /// on either side.
    pub(crate) fn isolated(&self, start: usize, end: usize) -> bool {
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !word(self.before(start)) && !word(self.after(end))
    }
}

/// Keeps the best non-overlapping candidates: longer first, then the more
/// specific kind, then the earlier one.
fn resolve(mut found: Vec<Candidate>) -> Vec<Candidate> {
    found.sort_by(|a, b| {
        (b.end - b.start)
            .cmp(&(a.end - a.start))
            .then(a.kind.cmp(&b.kind))
            .then(a.start.cmp(&b.start))
    });
    // start -> end of every accepted span; spans never overlap, so the one
    // starting last before `end` is the only one that can overlap.
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut kept = Vec::with_capacity(found.len());
    for c in found {
        if c.start >= c.end {
            continue;
        }
        let overlaps = taken
            .range(..c.end)
            .next_back()
            .is_some_and(|(_, &end)| end > c.start);
        if !overlaps {
            taken.insert(c.start, c.end);
            kept.push(c);
        }
    }
    kept.sort_by_key(|c| c.start);
    kept
}

/// Byte offsets to character offsets, in one pass when the text is not ASCII.
struct CharIndex {
    /// Byte offset of every character; empty for ASCII text.
    starts: Vec<usize>,
    len_bytes: usize,
}

impl CharIndex {
    fn new(text: &str) -> Self {
        let starts = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i).collect()
        };
        Self {
            starts,
            len_bytes: text.len(),
        }
    }

    fn char_at(&self, byte: usize) -> usize {
        if self.starts.is_empty() {
            return byte;
        }
        if byte >= self.len_bytes {
            return self.starts.len();
        }
        match self.starts.binary_search(&byte) {
            Ok(i) | Err(i) => i,
        }
    }
}

fn to_entities(text: &str, kept: Vec<Candidate>) -> Vec<Entity> {
    let index = CharIndex::new(text);
    kept.into_iter()
        .filter_map(|c| {
            let slice = text.get(c.start..c.end)?;
            Some(Entity {
                kind: c.kind.as_str().to_owned(),
                start: index.char_at(c.start),
                end: index.char_at(c.end),
                text: slice.to_owned(),
                value: c.value,
            })
        })
        .collect()
}

/// Compiles `pattern` once into `cell`. A pattern that fails to compile (a
/// bug caught by the tests) yields `None`, so its family finds nothing rather
/// than panicking in production.
pub(crate) fn compiled<T>(
    cell: &'static std::sync::OnceLock<Option<T>>,
    build: impl FnOnce() -> Result<T, regex::Error>,
) -> Option<&'static T> {
    cell.get_or_init(|| build().ok()).as_ref()
}
