//! Why a rules document was rejected: the rule, the field and the reason,
//! plus the line and column for YAML and JSON syntax errors.

use std::fmt;

/// A rules document that cannot be loaded.
///
/// Displays as ``rule `vip_outage` field `when.all[1].confidence.lt`: must be
/// between 0 and 1`` or, for a syntax error, ``line 3, column 7: ..``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The rule's id, or `rules[3]` when it has none (or it is unreadable);
    /// `None` for errors about the whole document.
    pub rule: Option<String>,
    /// Dotted path of the field within the rule (`when.all[1].confidence.lt`),
    /// or within the document when `rule` is `None` (`version`); empty when
    /// unknown (syntax errors).
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// 1-based line of a syntax error.
    pub line: Option<usize>,
    /// 1-based column of a syntax error.
    pub column: Option<usize>,
}

impl RuleError {
    /// An error about one rule's field.
    pub fn new(rule: Option<String>, field: impl Into<String>, message: impl Into<String>) -> Self {
        RuleError {
            rule,
            field: field.into(),
            message: message.into(),
            line: None,
            column: None,
        }
    }

    /// A YAML or JSON syntax error.
    pub(crate) fn syntax(
        message: impl Into<String>,
        line: Option<usize>,
        column: Option<usize>,
    ) -> Self {
        RuleError {
            rule: None,
            field: String::new(),
            message: message.into(),
            line,
            column,
        }
    }

    /// A document that parsed but does not fit the schema (unknown key,
    /// wrong type, bad spelling): the serde path is split into the rule and
    /// the field within it. `rule_id(i)` reads the id of `rules[i]`, if it has one.
    pub(crate) fn schema(
        path: &serde_path_to_error::Path,
        message: String,
        rule_id: impl Fn(usize) -> Option<String>,
    ) -> Self {
        use serde_path_to_error::Segment;
        let segments: Vec<&Segment> = path.iter().collect();
        let (rule, rest) = match segments.as_slice() {
            [Segment::Map { key }, Segment::Seq { index }, rest @ ..] if key == "rules" => (
                Some(rule_id(*index).unwrap_or_else(|| format!("rules[{index}]"))),
                rest,
            ),
            all => (None, all),
        };
        let mut field = String::new();
        for segment in rest {
            match segment {
                Segment::Seq { index } => field.push_str(&format!("[{index}]")),
                Segment::Map { key } | Segment::Enum { variant: key } => {
                    if !field.is_empty() {
                        field.push('.');
                    }
                    field.push_str(key);
                }
                Segment::Unknown => {}
            }
        }
        RuleError::new(rule, field, message)
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}")?;
            if let Some(column) = self.column {
                write!(f, ", column {column}")?;
            }
            f.write_str(": ")?;
        }
        let mut named = false;
        if let Some(rule) = &self.rule {
            write!(f, "rule `{rule}`")?;
            named = true;
        }
        if !self.field.is_empty() {
            if named {
                f.write_str(" ")?;
            }
            write!(f, "field `{}`", self.field)?;
            named = true;
        }
        if named {
            f.write_str(": ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuleError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_rule_field_and_position() {
        let e = RuleError::new(
            Some("vip_outage".into()),
            "when.all[1].confidence.lt",
            "must be between 0 and 1",
        );
        assert_eq!(
            e.to_string(),
            "rule `vip_outage` field `when.all[1].confidence.lt`: must be between 0 and 1"
        );
        let e = RuleError::new(None, "version", "must be 1");
        assert_eq!(e.to_string(), "field `version`: must be 1");
        let e = RuleError::syntax("did not find expected key", Some(3), Some(7));
        assert_eq!(e.to_string(), "line 3, column 7: did not find expected key");
    }
}
