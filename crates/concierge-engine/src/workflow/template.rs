//! `{{ name }}` substitution for prompts, confirmations, results and action
//! parameters. There are no conditionals, loops or filters on purpose: a
//! workflow text is a sentence with a few values in it, and anything more
//! belongs in the action executor.
//!
//! A placeholder is `{{`, a name made of letters, digits, `_` and `.`, then
//! `}}`, with optional spaces inside the braces. `{{ email }}` is a slot;
//! `{{ result.status }}` is a field of the executor's JSON result (only in
//! success texts).

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part<'a> {
    Text(&'a str),
    Var(&'a str),
}

/// Splits `template` into text and placeholders, or says what is wrong with it.
fn parse(template: &str) -> Result<Vec<Part<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            parts.push(Part::Text(&rest[..open]));
        }
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err("`{{` without a closing `}}`".to_owned());
        };
        let name = after[..close].trim();
        let valid = !name.is_empty()
            && !name.starts_with('.')
            && !name.ends_with('.')
            && !name.contains("..")
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !valid {
            return Err(format!(
                "`{{{{ {name} }}}}` is not a placeholder (use a slot name such as `{{{{ email }}}}`)"
            ));
        }
        parts.push(Part::Var(name));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    Ok(parts)
}

/// The placeholder names in `template`, in order.
pub(crate) fn variables(template: &str) -> Result<Vec<&str>, String> {
    Ok(parse(template)?
        .into_iter()
        .filter_map(|p| match p {
            Part::Var(name) => Some(name),
            Part::Text(_) => None,
        })
        .collect())
}

/// `template` with every placeholder replaced by `lookup(name)`; unknown
/// names render as nothing (definitions are validated, so this only happens
/// for `result.*` fields the executor did not return). A template that does
/// not parse is returned as written.
pub(crate) fn render(template: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let Ok(parts) = parse(template) else {
        return template.to_owned();
    };
    let mut out = String::with_capacity(template.len() + 32);
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Var(name) => {
                if let Some(value) = lookup(name) {
                    out.push_str(&value);
                }
            }
        }
    }
    out
}

/// A field of the executor's result by dotted path (`status`, `owner.name`),
/// as text: strings as they are, numbers and booleans printed, `null` and
/// missing fields as `None`, arrays and objects as JSON.
pub(crate) fn json_field(result: &serde_json::Value, path: &str) -> Option<String> {
    let mut value = result;
    for key in path.split('.') {
        value = match value {
            serde_json::Value::Object(map) => map.get(key)?,
            serde_json::Value::Array(items) => items.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_slots_and_result_fields() {
        let result = json!({"status": "Working", "n": 3, "owner": {"name": "Ana"}, "gone": null});
        let lookup = |name: &str| match name.strip_prefix("result.") {
            Some(path) => json_field(&result, path),
            None => (name == "email").then(|| "jane@example.com".to_owned()),
        };
        assert_eq!(
            render(
                "Sent to {{ email }}; {{result.status}} ({{ result.n }}) by {{ result.owner.name }}.",
                lookup
            ),
            "Sent to jane@example.com; Working (3) by Ana."
        );
        assert_eq!(
            render("[{{ result.gone }}{{ result.missing }}]", lookup),
            "[]"
        );
        assert_eq!(render("no placeholders", lookup), "no placeholders");
    }

    #[test]
    fn lists_variables_and_rejects_malformed_placeholders() {
        assert_eq!(
            variables("{{ a }} and {{b}} and {{ result.c }}").unwrap(),
            ["a", "b", "result.c"]
        );
        assert!(variables("{{ a").unwrap_err().contains("closing"));
        assert!(variables("{{ }}").is_err());
        assert!(variables("{{ a b }}").is_err());
        assert!(variables("{{ result. }}").is_err());
        // A broken template renders as written rather than losing text.
        assert_eq!(render("{{ a", |_| Some("x".into())), "{{ a");
    }
}
