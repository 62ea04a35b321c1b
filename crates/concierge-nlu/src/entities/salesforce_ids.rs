//! Salesforce record ids (15- and 18-character) and org ids.
//!
//! An 18-character id is the 15-character one plus a 3-character suffix that
//! encodes which letters are upper case: for each 5-character chunk, bit `i`
//! is set when character `i` is `A`–`Z`, and the 5-bit number indexes
//! `ABCDEFGHIJKLMNOPQRSTUVWXYZ012345`. 18-character ids are accepted only
//! when that checksum matches; 15-character ids (which have none) only when
//! their 3-character key prefix is a known object and they contain digits,
//! so that "internationally" is not an id.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::{compiled, Candidate, Kind, Scan};

const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// Key prefix → object, for the standard objects a support team meets.
const KEY_PREFIXES: &[(&str, &str)] = &[
    ("001", "Account"),
    ("002", "Note"),
    ("003", "Contact"),
    ("005", "User"),
    ("006", "Opportunity"),
    ("007", "Activity"),
    ("00B", "ListView"),
    ("00D", "Organization"),
    ("00E", "UserRole"),
    ("00G", "Group"),
    ("00N", "CustomField"),
    ("00O", "Report"),
    ("00P", "Attachment"),
    ("00Q", "Lead"),
    ("00T", "Task"),
    ("00U", "Event"),
    ("00X", "EmailTemplate"),
    ("00a", "CaseComment"),
    ("00e", "Profile"),
    ("00k", "OpportunityLineItem"),
    ("00l", "Folder"),
    ("00v", "CampaignMember"),
    ("015", "Document"),
    ("01I", "CustomObject"),
    ("01Z", "Dashboard"),
    ("01p", "ApexClass"),
    ("01q", "ApexTrigger"),
    ("01s", "Pricebook2"),
    ("01t", "Product2"),
    ("01u", "PricebookEntry"),
    ("02i", "Asset"),
    ("02s", "EmailMessage"),
    ("033", "Package"),
    ("04t", "SubscriberPackageVersion"),
    ("066", "ApexPage"),
    ("068", "ContentVersion"),
    ("069", "ContentDocument"),
    ("06A", "ContentDocumentLink"),
    ("07L", "ApexLog"),
    ("0D5", "FeedItem"),
    ("0F9", "CollaborationGroup"),
    ("0PS", "PermissionSet"),
    ("0Q0", "Quote"),
    ("0WO", "WorkOrder"),
    ("500", "Case"),
    ("501", "Solution"),
    ("570", "LiveChatTranscript"),
    ("701", "Campaign"),
    ("707", "AsyncApexJob"),
    ("800", "Contract"),
    ("801", "Order"),
    ("802", "OrderItem"),
    ("810", "ServiceContract"),
];

/// The standard object behind a key prefix (`500` → `Case`). Prefixes are
/// case-sensitive; `kA…` are knowledge articles and `ka…` their versions.
pub fn key_prefix_object(prefix: &str) -> Option<&'static str> {
    if let Some(&(_, object)) = KEY_PREFIXES.iter().find(|(p, _)| *p == prefix) {
        return Some(object);
    }
    match prefix.get(..2) {
        Some("kA") => Some("KnowledgeArticle"),
        Some("ka") => Some("KnowledgeArticleVersion"),
        _ => None,
    }
}

/// The 18-character form of a 15-character id (an 18-character id is
/// returned as is). `None` if `id` is not 15 or 18 ASCII letters and digits.
pub fn to_id18(id: &str) -> Option<String> {
    if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    match id.len() {
        18 => Some(id.to_owned()),
        15 => {
            let mut out = String::with_capacity(18);
            out.push_str(id);
            for chunk in id.as_bytes().chunks(5) {
                let bits = chunk
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.is_ascii_uppercase())
                    .fold(0usize, |acc, (i, _)| acc | (1 << i));
                out.push(char::from(SUFFIX_ALPHABET[bits & 31]));
            }
            Some(out)
        }
        _ => None,
    }
}

fn id_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    compiled(&RE, || {
        Regex::new(r"\b[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?\b")
    })
}

pub(super) fn warm_up() -> bool {
    id_re().is_some()
}

/// Checks one candidate token; returns (kind, value).
fn classify(token: &str) -> Option<(Kind, serde_json::Value)> {
    let digits = token.bytes().filter(u8::is_ascii_digit).count();
    let prefix = token.get(..3)?;
    let object = key_prefix_object(prefix);
    let id18 = match token.len() {
        18 => {
            let expected = to_id18(token.get(..15)?)?;
            if expected != token || digits == 0 {
                return None;
            }
            expected
        }
        15 => {
            if object.is_none() || digits < 3 {
                return None;
            }
            to_id18(token)?
        }
        _ => return None,
    };
    let kind = if prefix == "00D" {
        Kind::OrgId
    } else {
        Kind::SalesforceId
    };
    Some((
        kind,
        json!({"id": token, "id18": id18, "object": object, "key_prefix": prefix}),
    ))
}

pub(super) fn ids(scan: &Scan<'_>, out: &mut Vec<Candidate>) {
    if !scan.has_digit {
        return;
    }
    let Some(re) = id_re() else { return };
    for m in re.find_iter(scan.text) {
        if let Some((kind, value)) = classify(m.as_str()) {
            out.push(Candidate::new(m.start(), m.end(), kind, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str) -> Vec<Candidate> {
        let mut out = Vec::new();
        ids(&Scan::new(text), &mut out);
        out
    }

    #[test]
    fn checksum() {
        assert_eq!(
            to_id18("0055g00000AbCdE").as_deref(),
            Some("0055g00000AbCdEAAV")
        );
        assert_eq!(
            to_id18("500000000000000").as_deref(),
            Some("500000000000000AAA")
        );
        assert_eq!(
            to_id18("ABCDEABCDEABCDE").as_deref(),
            Some("ABCDEABCDEABCDE555")
        );
        assert_eq!(to_id18("short"), None);
        assert_eq!(to_id18("0055g00000AbCd!"), None);
    }

    #[test]
    fn valid_18_char_id() {
        let found = find("User 0055g00000AbCdEAAV can't log in");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, Kind::SalesforceId);
        assert_eq!(
            found[0].value,
            json!({"id": "0055g00000AbCdEAAV", "id18": "0055g00000AbCdEAAV", "object": "User", "key_prefix": "005"})
        );
    }

    #[test]
    fn invalid_checksum_is_rejected_and_not_read_as_15() {
        assert!(find("User 0055g00000AbCdEAAA").is_empty());
        assert!(find("User 0055g00000AbCdEXYZ").is_empty());
    }

    #[test]
    fn fifteen_char_ids_need_a_known_prefix() {
        let found = find("case 5005g00000AbCdE and 00D5g000004XyZa");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].value["object"], "Case");
        assert_eq!(found[0].value["id18"], "5005g00000AbCdEAAV");
        assert_eq!(found[1].kind, Kind::OrgId);
        assert!(find("internationally 123456789012345 zzz5g00000AbCdE").is_empty());
    }

    #[test]
    fn knowledge_prefixes() {
        assert_eq!(key_prefix_object("kA0"), Some("KnowledgeArticle"));
        assert_eq!(key_prefix_object("ka1"), Some("KnowledgeArticleVersion"));
        assert_eq!(key_prefix_object("500"), Some("Case"));
        assert_eq!(key_prefix_object("zzz"), None);
    }
}
