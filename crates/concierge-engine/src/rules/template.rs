//! Reply and notification templates: text with `{{ name }}` placeholders
//! over a few known variables. Substitution only — no logic, no escaping
//! (the channel adapter escapes for its medium).

/// The variables a template may use.
pub const TEMPLATE_VARIABLES: &[&str] = &[
    "customer_name",
    "intent",
    "queue",
    "case_number",
    "open_case",
    "open_cases",
    "account",
];

/// A piece of a parsed template.
enum Piece<'t> {
    Text(&'t str),
    Var(&'t str),
}

/// Splits a template into text and placeholder names; `Err` explains the
/// first malformed or unknown placeholder.
fn parse(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        let after = &rest[open + 2..];
        let close = after
            .find("}}")
            .ok_or_else(|| "unclosed `{{`: placeholders are written `{{ name }}`".to_owned())?;
        let name = after[..close].trim();
        if !TEMPLATE_VARIABLES.contains(&name) {
            return Err(format!(
                "unknown template variable `{name}`; expected one of: {}",
                TEMPLATE_VARIABLES.join(", ")
            ));
        }
        pieces.push(Piece::Var(name));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Ok(pieces)
}

/// Checks a template: every placeholder is closed and names a
/// [`TEMPLATE_VARIABLES`] entry.
pub fn check_template(template: &str) -> Result<(), String> {
    parse(template).map(|_| ())
}

/// Renders a template, asking `vars` for each placeholder's value; a
/// variable without a value renders as nothing. A template that does not
/// check (which a loaded [`super::RuleSet`] never holds) renders verbatim.
pub fn render_template(template: &str, vars: &dyn Fn(&str) -> Option<String>) -> String {
    let Ok(pieces) = parse(template) else {
        return template.to_owned();
    };
    let mut out = String::with_capacity(template.len() + 32);
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Var(name) => {
                if let Some(value) = vars(name) {
                    out.push_str(&value);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_known_variables_and_blanks_missing_ones() {
        let vars = |name: &str| match name {
            "customer_name" => Some("Ada".to_owned()),
            "queue" => Some("billing".to_owned()),
            _ => None,
        };
        assert_eq!(
            render_template(
                "Hi {{customer_name}}, {{ queue }} will help{{ case_number }}.",
                &vars
            ),
            "Hi Ada, billing will help."
        );
        assert_eq!(render_template("no placeholders", &vars), "no placeholders");
        assert_eq!(render_template("{{intent}}", &|_| Some("x".into())), "x");
    }

    #[test]
    fn rejects_unknown_and_unclosed_placeholders() {
        assert!(check_template("Hello {{ customer_name }}").is_ok());
        let err = check_template("Hello {{ first_name }}").unwrap_err();
        assert!(
            err.contains("first_name") && err.contains("customer_name"),
            "{err}"
        );
        assert!(check_template("Hello {{ customer_name")
            .unwrap_err()
            .contains("unclosed"));
        assert_eq!(
            render_template("{{ bad }}", &|_| Some("x".into())),
            "{{ bad }}"
        );
    }
}
