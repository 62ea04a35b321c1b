//! Salesforce vocabulary: case numbers, API versions, error codes and Apex
//! exception types.

use std::collections::HashSet;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::{compiled, Candidate, Kind, Scan};

/// `StatusCode` values a support team meets (REST/SOAP `errorCode`).
const ERROR_CODES: &[&str] = &[
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "ALREADY_IN_PROCESS",
    "API_CURRENTLY_DISABLED",
    "API_DISABLED_FOR_ORG",
    "APEX_ERROR",
    "CANNOT_DELETE_OWNER",
    "CANNOT_DISABLE_LAST_ADMIN",
    "CANNOT_EXECUTE_FLOW_TRIGGER",
    "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
    "CANNOT_MODIFY_MANAGED_OBJECT",
    "CANNOT_REPARENT_RECORD",
    "CANNOT_UPDATE_CONVERTED_LEAD",
    "CIRCULAR_DEPENDENCY",
    "DELETE_FAILED",
    "DEPENDENCY_EXISTS",
    "DUPLICATE_EXTERNAL_ID",
    "DUPLICATE_USERNAME",
    "DUPLICATE_VALUE",
    "DUPLICATES_DETECTED",
    "EMAIL_NOT_PROCESSED_DUE_TO_PRIOR_ERROR",
    "ENTITY_FAILED_IFLASTMODIFIED_ON_UPDATE",
    "ENTITY_IS_ARCHIVED",
    "ENTITY_IS_DELETED",
    "ENTITY_IS_LOCKED",
    "EXCEEDED_ID_LIMIT",
    "EXCEEDED_MAX_SEMIJOIN_SUBSELECTS",
    "FIELD_CUSTOM_VALIDATION_EXCEPTION",
    "FIELD_FILTER_VALIDATION_EXCEPTION",
    "FIELD_INTEGRITY_EXCEPTION",
    "FIELD_NOT_UPDATABLE",
    "FUNCTIONALITY_NOT_ENABLED",
    "INACTIVE_OWNER_OR_USER",
    "INSUFFICIENT_ACCESS",
    "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
    "INSUFFICIENT_ACCESS_OR_READONLY",
    "INVALID_AUTH_HEADER",
    "INVALID_CROSS_REFERENCE_KEY",
    "INVALID_CURRENCY_ISO",
    "INVALID_EMAIL_ADDRESS",
    "INVALID_FIELD",
    "INVALID_FIELD_FOR_INSERT_UPDATE",
    "INVALID_FIELD_WHEN_USING_TEMPLATE",
    "INVALID_ID_FIELD",
    "INVALID_LOGIN",
    "INVALID_NEW_PASSWORD",
    "INVALID_OPERATION",
    "INVALID_OPERATION_WITH_EXPIRED_PASSWORD",
    "INVALID_OPERATOR",
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    "INVALID_QUERY_FILTER_OPERATOR",
    "INVALID_QUERY_LOCATOR",
    "INVALID_SEARCH",
    "INVALID_SESSION_ID",
    "INVALID_STATUS",
    "INVALID_TYPE",
    "INVALID_TYPE_FOR_OPERATION",
    "INVALID_TYPE_ON_FIELD_IN_RECORD",
    "JSON_PARSER_ERROR",
    "LICENSE_LIMIT_EXCEEDED",
    "LIMIT_EXCEEDED",
    "LOGIN_MUST_USE_SECURITY_TOKEN",
    "MALFORMED_ID",
    "MALFORMED_QUERY",
    "MALFORMED_SEARCH",
    "METHOD_NOT_ALLOWED",
    "MISSING_ARGUMENT",
    "MIXED_DML_OPERATION",
    "NOT_FOUND",
    "NUMBER_OUTSIDE_VALID_RANGE",
    "OPERATION_TOO_LARGE",
    "PORTAL_NO_ACCESS",
    "QUERY_TIMEOUT",
    "QUERY_TOO_COMPLICATED",
    "REQUEST_LIMIT_EXCEEDED",
    "REQUEST_RUNNING_TOO_LONG",
    "REQUIRED_FIELD_MISSING",
    "SERVER_UNAVAILABLE",
    "STORAGE_LIMIT_EXCEEDED",
    "STRING_TOO_LONG",
    "TOO_MANY_APEX_REQUESTS",
    "TOO_MANY_ENUM_VALUE",
    "TXN_SECURITY_NO_ACCESS",
    "UNABLE_TO_LOCK_ROW",
    "UNKNOWN_EXCEPTION",
    "UNSUPPORTED_API_VERSION",
];

/// Built-in Apex exception types (all in the `System` namespace).
const APEX_EXCEPTIONS: &[&str] = &[
    "AsyncException",
    "AuraHandledException",
    "CalloutException",
    "DmlException",
    "EmailException",
    "ExternalObjectException",
    "FinalException",
    "HandledException",
    "IllegalArgumentException",
    "InvalidParameterValueException",
    "LimitException",
    "JSONException",
    "ListException",
    "MathException",
    "NoAccessException",
    "NoDataFoundException",
    "NoSuchElementException",
    "NullPointerException",
    "QueryException",
    "RequiredFeatureMissingException",
    "SearchException",
    "SecurityException",
    "SerializationException",
    "SObjectException",
    "StringException",
    "TypeException",
    "UnexpectedException",
    "VisualforceException",
    "XmlException",
];

struct Patterns {
    case_number: Regex,
    case_list_more: Regex,
    api_v: Regex,
    api_words: Regex,
    upper_snake: Regex,
    error_code_context: Regex,
    exception: Regex,
    codes: HashSet<&'static str>,
}

fn patterns() -> Option<&'static Patterns> {
    static RE: OnceLock<Option<Patterns>> = OnceLock::new();
    compiled(&RE, || {
        Ok(Patterns {
            case_number: Regex::new(
                r"(?i)\b(?:case|ticket)s?(?:\s+(?:number|no\.?|num|id))?\s*[:#]?\s*#?\s*([0-9]{5,10})\b",
            )?,
            case_list_more: Regex::new(r"(?i)^\s*(?:,|and|&|or|/)\s*#?\s*([0-9]{5,10})\b")?,
            api_v: Regex::new(r"(?i)\bv([2-9][0-9])\.([0-9])\b")?,
            api_words: Regex::new(
                r"(?i)\bapi\s*(?:version\s*|ver\.?\s*)?[:=]?\s*(v?([2-9][0-9])(?:\.([0-9]))?)\b",
            )?,
            upper_snake: Regex::new(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")?,
            error_code_context: Regex::new(
                r#"(?i)\b(?:error\s*code|errorCode|statusCode|status\s*code)"?\s*[:=]?\s*"?\s*([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b"#,
            )?,
            exception: Regex::new(
                r"\b((?:[A-Za-z][A-Za-z0-9_]*\.)*)([A-Za-z][A-Za-z0-9_]*(?i:exception))\b",
            )?,
            codes: ERROR_CODES.iter().copied().collect(),
        })
    })
}

pub(super) fn warm_up() -> bool {
    patterns().is_some()
}

/// "Case 00001234", "case #00012345", "cases 00001234 and 00001235",
/// "ticket number: 00042". The span is the number; the value is the number
/// as written.
pub(super) fn case_numbers(scan: &Scan<'_>, out: &mut Vec<Candidate>) {
    if !scan.has_digit {
        return;
    }
    let Some(p) = patterns() else { return };
    for caps in p.case_number.captures_iter(scan.text) {
        let Some(first) = caps.get(1) else { continue };
        out.push(Candidate::new(
            first.start(),
            first.end(),
            Kind::CaseNumber,
            json!(first.as_str()),
        ));
        // "cases 00001234, 00001235 and 00001236": follow the list.
        let mut base = first.end();
        while let Some(next) = p
            .case_list_more
            .captures(scan.text.get(base..).unwrap_or(""))
            .and_then(|c| c.get(1))
        {
            out.push(Candidate::new(
                base + next.start(),
                base + next.end(),
                Kind::CaseNumber,
                json!(next.as_str()),
            ));
            base += next.end();
        }
    }
}

/// "v59.0", "API version 60", "api v58". The value is `MAJOR.MINOR`.
pub(super) fn api_versions(scan: &Scan<'_>, out: &mut Vec<Candidate>) {
    if !scan.has_digit {
        return;
    }
    let Some(p) = patterns() else { return };
    for caps in p.api_v.captures_iter(scan.text) {
        let (Some(m), Some(major), Some(minor)) = (caps.get(0), caps.get(1), caps.get(2)) else {
            continue;
        };
        let value = format!("{}.{}", major.as_str(), minor.as_str());
        out.push(Candidate::new(
            m.start(),
            m.end(),
            Kind::ApiVersion,
            json!(value),
        ));
    }
    for caps in p.api_words.captures_iter(scan.text) {
        let (Some(m), Some(major)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        let minor = caps.get(3).map_or("0", |m| m.as_str());
        let value = format!("{}.{minor}", major.as_str());
        out.push(Candidate::new(
            m.start(),
            m.end(),
            Kind::ApiVersion,
            json!(value),
        ));
    }
}

/// Known `StatusCode`s anywhere, and any UPPER_SNAKE code right after
/// "errorCode"/"error code".
pub(super) fn error_codes(scan: &Scan<'_>, out: &mut Vec<Candidate>) {
    if !scan.text.contains('_') {
        return;
    }
    let Some(p) = patterns() else { return };
    for m in p.upper_snake.find_iter(scan.text) {
        if p.codes.contains(m.as_str()) {
            out.push(Candidate::new(
                m.start(),
                m.end(),
                Kind::SfErrorCode,
                json!(m.as_str()),
            ));
        }
    }
    for caps in p.error_code_context.captures_iter(scan.text) {
        if let Some(m) = caps.get(1) {
            out.push(Candidate::new(
                m.start(),
                m.end(),
                Kind::SfErrorCode,
                json!(m.as_str()),
            ));
        }
    }
}

/// `System.LimitException`, `Database.DmlException`, `MyNs.Custom_Exception`,
/// and the built-in names on their own (`NullPointerException` → `System`).
pub(super) fn apex_exceptions(scan: &Scan<'_>, out: &mut Vec<Candidate>) {
    let Some(p) = patterns() else { return };
    if !contains_ignore_ascii_case(scan.text, "exception") {
        return;
    }
    for caps in p.exception.captures_iter(scan.text) {
        let (Some(m), Some(name)) = (caps.get(0), caps.get(2)) else {
            continue;
        };
        let namespace = caps
            .get(1)
            .map(|n| n.as_str().trim_end_matches('.'))
            .filter(|n| !n.is_empty());
        let known = APEX_EXCEPTIONS
            .iter()
            .find(|k| k.eq_ignore_ascii_case(name.as_str()))
            .copied();
        let (namespace, full) = match (namespace, known) {
            (Some(ns), _) => (ns.to_owned(), m.as_str().to_owned()),
            (None, Some(k)) => ("System".to_owned(), format!("System.{k}")),
            // A bare unknown word ending in "exception" is just English.
            (None, None) => continue,
        };
        let known = known.is_some() && namespace.eq_ignore_ascii_case("System");
        out.push(Candidate::new(
            m.start(),
            m.end(),
            Kind::ApexException,
            json!({"type": full, "namespace": namespace, "name": name.as_str(), "known": known}),
        ));
    }
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn(&Scan<'_>, &mut Vec<Candidate>), text: &str) -> Vec<(String, serde_json::Value)> {
        let mut out = Vec::new();
        f(&Scan::new(text), &mut out);
        out.sort_by_key(|c| c.start);
        out.into_iter()
            .map(|c| (text[c.start..c.end].to_owned(), c.value))
            .collect()
    }

    #[test]
    fn case_numbers_in_context() {
        assert_eq!(run(case_numbers, "Case 00001234 is open")[0].0, "00001234");
        assert_eq!(run(case_numbers, "see Case #00012345.")[0].1, "00012345");
        assert_eq!(run(case_numbers, "case number: 00012345")[0].0, "00012345");
        let list = run(
            case_numbers,
            "cases 00001234, 00001235 and #00001236 are dupes",
        );
        let numbers: Vec<_> = list.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(numbers, ["00001234", "00001235", "00001236"]);
        assert!(run(case_numbers, "in case 2 users fail").is_empty());
        assert!(run(case_numbers, "00001234 alone").is_empty());
    }

    #[test]
    fn api_versions_with_v_or_words() {
        let found = run(
            api_versions,
            "GET /services/data/v59.0/sobjects on API version 60 and api v58",
        );
        let values: Vec<_> = found
            .iter()
            .map(|(_, v)| v.as_str().unwrap_or(""))
            .collect();
        assert_eq!(values, ["59.0", "60.0", "58.0"]);
        assert_eq!(found[1].0, "60");
        assert!(run(api_versions, "v1.0 of our app, version 59").is_empty());
    }

    #[test]
    fn error_codes_known_or_in_context() {
        let found = run(
            error_codes,
            "INVALID_SESSION_ID then UNABLE_TO_LOCK_ROW; MY_FLAG is not one",
        );
        assert_eq!(found.len(), 2);
        let found = run(error_codes, r#"{"errorCode":"CUSTOM_THING_FAILED"}"#);
        assert_eq!(found[0].1, "CUSTOM_THING_FAILED");
    }

    #[test]
    fn apex_exceptions_namespaced_or_known() {
        let found = run(
            apex_exceptions,
            "System.LimitException: Too many SOQL queries: 101",
        );
        assert_eq!(
            found[0].1,
            json!({"type": "System.LimitException", "namespace": "System", "name": "LimitException", "known": true})
        );
        let found = run(
            apex_exceptions,
            "threw a NullPointerException and Acme.BillingException",
        );
        assert_eq!(found[0].1["type"], "System.NullPointerException");
        assert_eq!(found[1].1["namespace"], "Acme");
        assert_eq!(found[1].1["known"], false);
        assert!(run(apex_exceptions, "an exception occurred, MyException too").is_empty());
    }
}
