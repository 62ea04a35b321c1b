//! Limits on every input, in one place, and a validation error that names the field.

/// The longest message content accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 5000;
/// The most attachments on one message.
pub const MAX_ATTACHMENTS: usize = 10;
/// The largest metadata object, serialised, in bytes.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;
/// The longest external reference / email / name.
pub const MAX_SHORT_TEXT: usize = 320;

/// An input was rejected; `field` names it in the request's own terms (`initial_message`, `content`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Message text: not blank, at most [`MAX_MESSAGE_CHARS`] characters, no NUL bytes.
pub fn message_content(field: &str, text: &str) -> Result<(), FieldError> {
    if text.trim().is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    let n = text.chars().count();
    if n > MAX_MESSAGE_CHARS {
        return Err(FieldError::new(
            field,
            format!("is {n} characters; the limit is {MAX_MESSAGE_CHARS}"),
        ));
    }
    if text.contains('\0') {
        return Err(FieldError::new(field, "must not contain NUL characters"));
    }
    Ok(())
}

/// A short single-line text such as a name or external id.
pub fn short_text(field: &str, text: &str) -> Result<(), FieldError> {
    if text.trim().is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if text.chars().count() > MAX_SHORT_TEXT {
        return Err(FieldError::new(
            field,
            format!("is longer than {MAX_SHORT_TEXT} characters"),
        ));
    }
    if text.chars().any(|c| c.is_control()) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// A plausible email address (one `@`, a dot in the domain, no spaces). Returns it lower-cased.
pub fn email(field: &str, text: &str) -> Result<String, FieldError> {
    short_text(field, text)?;
    let t = text.trim();
    let ok = match t.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !t.contains(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Ok(t.to_lowercase())
    } else {
        Err(FieldError::new(field, "is not a valid email address"))
    }
}

/// A JSON object no larger than [`MAX_METADATA_BYTES`].
pub fn json_object(field: &str, value: &serde_json::Value) -> Result<(), FieldError> {
    if !value.is_object() {
        return Err(FieldError::new(field, "must be a JSON object"));
    }
    let size = serde_json::to_vec(value)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > MAX_METADATA_BYTES {
        return Err(FieldError::new(
            field,
            format!("is {size} bytes; the limit is {MAX_METADATA_BYTES}"),
        ));
    }
    Ok(())
}

/// A tenant slug: 2–40 of `a-z 0-9 -`, starting with a letter.
pub fn slug(field: &str, text: &str) -> Result<(), FieldError> {
    let ok = (2..=40).contains(&text.len())
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            "must be 2-40 characters of a-z, 0-9 and '-', starting with a letter",
        ))
    }
}

/// A password for a staff account: 12–256 characters.
pub fn password(field: &str, text: &str) -> Result<(), FieldError> {
    let n = text.chars().count();
    if n < 12 {
        return Err(FieldError::new(field, "must be at least 12 characters"));
    }
    if n > 256 {
        return Err(FieldError::new(field, "must be at most 256 characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn message_limits_count_characters_not_bytes() {
        let ok = "é".repeat(MAX_MESSAGE_CHARS);
        assert!(message_content("content", &ok).is_ok());
        let too_long = "a".repeat(MAX_MESSAGE_CHARS + 1);
        let err = message_content("content", &too_long).unwrap_err();
        assert_eq!(err.field, "content");
        assert!(message_content("content", "   ").is_err());
        assert!(message_content("content", "a\0b").is_err());
    }

    #[test]
    fn emails_are_checked_and_lowercased() {
        assert_eq!(
            email("email", "Jane@Example.COM").unwrap(),
            "jane@example.com"
        );
        for bad in [
            "jane",
            "jane@",
            "@x.com",
            "a@b",
            "a b@c.com",
            "a@@b.com",
            "a@.com",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn slugs() {
        assert!(slug("slug", "demo").is_ok());
        assert!(slug("slug", "acme-2").is_ok());
        for bad in ["", "a", "Demo", "1abc", "a_b", &"a".repeat(41)] {
            assert!(slug("slug", bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn validators_never_panic(s in "\\PC{0,400}") {
            let _ = message_content("c", &s);
            let _ = email("e", &s);
            let _ = slug("s", &s);
            let _ = short_text("t", &s);
        }
    }
}
