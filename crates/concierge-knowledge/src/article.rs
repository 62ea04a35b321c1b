//! An article as read from a source file, validated, before it is stored.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::KnowledgeError;

/// Longest accepted title, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
/// Longest accepted article body, in bytes.
pub const MAX_BODY_BYTES: usize = 512 * 1024;
/// Most tags on one article.
pub const MAX_TAGS: usize = 32;
/// Longest slug, tag or category, in bytes.
pub const MAX_KEY_BYTES: usize = 128;

/// One article to ingest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleInput {
    /// Stable external key: re-ingesting the same slug adds a version.
    pub slug: String,
    pub title: String,
    /// Markdown (or plain text; HTML is converted to Markdown on ingestion).
    pub body: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    /// ISO 639-1 code.
    pub language: String,
    pub source_url: Option<String>,
    /// The source's own version label (`version:` in front matter), part of the content hash.
    pub source_version: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Slug of the article this one translates.
    pub translation_of: Option<String>,
}

impl ArticleInput {
    /// Checks limits and shapes; `origin` names the file (and row) in errors.
    pub fn validate(&self, origin: &str) -> Result<(), KnowledgeError> {
        let bad = |field: &str, message: String| KnowledgeError::invalid(origin, field, message);
        if !is_key(&self.slug) {
            return Err(bad(
                "slug",
                format!(
                    "`{}` must be 1–{MAX_KEY_BYTES} characters of a-z, 0-9, `-`, `_` or `.`",
                    self.slug
                ),
            ));
        }
        if self.title.trim().is_empty() {
            return Err(bad("title", "must not be empty".into()));
        }
        if self.title.chars().count() > MAX_TITLE_CHARS {
            return Err(bad(
                "title",
                format!("longer than {MAX_TITLE_CHARS} characters"),
            ));
        }
        if self.body.trim().is_empty() {
            return Err(bad("body", "must not be empty".into()));
        }
        if self.body.len() > MAX_BODY_BYTES {
            return Err(bad("body", format!("larger than {MAX_BODY_BYTES} bytes")));
        }
        if self.tags.len() > MAX_TAGS {
            return Err(bad("tags", format!("more than {MAX_TAGS} tags")));
        }
        for tag in &self.tags {
            if tag.is_empty() || tag.len() > MAX_KEY_BYTES || tag.chars().any(char::is_control) {
                return Err(bad("tags", format!("`{tag}` is not a valid tag")));
            }
        }
        if let Some(category) = &self.category {
            if category.is_empty() || category.len() > MAX_KEY_BYTES {
                return Err(bad(
                    "category",
                    format!("`{category}` is not a valid category"),
                ));
            }
        }
        let lang_ok = (2..=3).contains(&self.language.len())
            && self.language.bytes().all(|b| b.is_ascii_lowercase());
        if !lang_ok {
            return Err(bad(
                "language",
                format!("`{}` is not an ISO 639-1 code such as `en`", self.language),
            ));
        }
        if let Some(url) = &self.source_url {
            match url::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                _ => return Err(bad("source_url", format!("`{url}` is not an http(s) URL"))),
            }
        }
        if let Some(of) = &self.translation_of {
            if !is_key(of) {
                return Err(bad("translation_of", format!("`{of}` is not a slug")));
            }
        }
        Ok(())
    }

    /// Hash of everything that is stored: equal hashes mean nothing changed.
    pub fn content_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.title.as_str(),
            self.body.as_str(),
            self.category.as_deref().unwrap_or(""),
            &self.tags.join("\u{1f}"),
            &self.language,
            self.source_url.as_deref().unwrap_or(""),
            self.source_version.as_deref().unwrap_or(""),
            &self.expires_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            self.translation_of.as_deref().unwrap_or(""),
        ] {
            h.update(part.as_bytes());
            h.update([0x1e]);
        }
        let digest = h.finalize();
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }
}

/// A slug, tag-like key: lowercase ASCII letters, digits, `-`, `_`, `.`.
pub fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_KEY_BYTES
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}

/// Turns any title or file name into a slug (`"Reset MFA (2FA)!"` → `reset-mfa-2fa`).
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= MAX_KEY_BYTES {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "article".to_owned()
    } else {
        out
    }
}

/// Parses `2027-06-30` (end of that day, UTC) or an RFC 3339 instant.
pub fn parse_expiry(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ArticleInput {
        ArticleInput {
            slug: "reset-password".into(),
            title: "Reset a password".into(),
            body: "Go to Setup.".into(),
            category: Some("login".into()),
            tags: vec!["password".into()],
            language: "en".into(),
            source_url: Some("https://help.example/reset".into()),
            source_version: None,
            expires_at: None,
            translation_of: None,
        }
    }

    #[test]
    fn validation_names_the_field() {
        sample().validate("a.md").unwrap();
        let e = ArticleInput {
            slug: "Bad Slug".into(),
            ..sample()
        }
        .validate("a.md")
        .unwrap_err();
        assert!(
            e.to_string().contains("a.md") && e.to_string().contains("slug"),
            "{e}"
        );
        let e = ArticleInput {
            language: "english".into(),
            ..sample()
        }
        .validate("a.md")
        .unwrap_err();
        assert!(e.to_string().contains("language"), "{e}");
        let e = ArticleInput {
            source_url: Some("javascript:alert(1)".into()),
            ..sample()
        }
        .validate("a.md")
        .unwrap_err();
        assert!(e.to_string().contains("source_url"), "{e}");
        let e = ArticleInput {
            body: " \n".into(),
            ..sample()
        }
        .validate("a.md")
        .unwrap_err();
        assert!(e.to_string().contains("body"), "{e}");
    }

    #[test]
    fn content_hash_changes_with_content_only() {
        let a = sample();
        assert_eq!(a.content_hash(), sample().content_hash());
        let b = ArticleInput {
            body: "Go to Setup → Users.".into(),
            ..sample()
        };
        assert_ne!(a.content_hash(), b.content_hash());
        let c = ArticleInput {
            tags: vec!["pass".into(), "word".into()],
            ..sample()
        };
        let d = ArticleInput {
            tags: vec!["password".into()],
            title: "Reset a password".into(),
            ..sample()
        };
        assert_ne!(c.content_hash(), d.content_hash());
    }

    #[test]
    fn slugs_and_expiry() {
        assert_eq!(slugify("Reset MFA (2FA)!"), "reset-mfa-2fa");
        assert_eq!(slugify("¿Qué?"), "qu");
        assert_eq!(slugify("!!!"), "article");
        assert!(is_key("reset-password.es"));
        assert!(!is_key("Reset"));
        assert_eq!(
            parse_expiry("2027-06-30").unwrap().to_rfc3339(),
            "2027-06-30T23:59:59+00:00"
        );
        assert!(parse_expiry("2027-06-30T10:00:00Z").is_some());
        assert!(parse_expiry("next year").is_none());
    }
}
