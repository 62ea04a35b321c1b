//! CSV for Bulk API 2.0 query results: the column list read from the SOQL
//! select list (parent fields as `Account.Name`), and RFC 4180 quoting.

use serde_json::{Map, Value};

/// The object and the select list's columns of a SOQL query, or `None` when
/// the query has no `SELECT … FROM X` shape or holds a subquery.
pub(super) fn select_columns(soql: &str) -> Option<(String, Vec<String>)> {
    let lower = soql.to_ascii_lowercase();
    let select = lower.find("select")?;
    if !lower[..select].trim().is_empty() {
        return None;
    }
    let from = find_word(&lower, "from", select + 6)?;
    let list = &soql[select + 6..from];
    if list.contains('(') && list.to_ascii_lowercase().contains("select") {
        return None;
    }
    let object = soql[from + 4..]
        .split_whitespace()
        .next()?
        .trim_end_matches(',')
        .to_string();
    let mut columns = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in list.chars() {
        match c {
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => {
                columns.push(cur.trim().to_string());
                cur.clear();
            }
            c => cur.push(c),
        }
    }
    columns.push(cur.trim().to_string());
    if columns.iter().any(String::is_empty) {
        return None;
    }
    Some((object, columns))
}

/// The byte offset of `word` as a whole word at or after `from`.
fn find_word(lower: &str, word: &str, from: usize) -> Option<usize> {
    let bytes = lower.as_bytes();
    let mut start = from;
    while let Some(i) = lower.get(start..)?.find(word) {
        let at = start + i;
        let before = at == 0 || bytes[at - 1].is_ascii_whitespace();
        let end = at + word.len();
        let after = end >= bytes.len() || bytes[end].is_ascii_whitespace();
        if before && after {
            return Some(at);
        }
        start = end;
    }
    None
}

fn get_ci<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The value of a (possibly dotted) column in a record.
fn lookup<'a>(record: &'a Map<String, Value>, column: &str) -> Option<&'a Value> {
    if let Some(v) = record.get(column) {
        return Some(v);
    }
    let mut parts = column.split('.');
    let mut cur = get_ci(record, parts.next()?)?;
    for part in parts {
        cur = get_ci(cur.as_object()?, part)?;
    }
    Some(cur)
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => other.to_string(),
    }
}

fn quote(field: &str, delimiter: char, out: &mut String) {
    let needs = field.contains(delimiter)
        || field.contains('"')
        || field.contains('\n')
        || field.contains('\r');
    if needs {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// The header row and one row per record.
pub(super) fn write(
    columns: &[String],
    records: &[Map<String, Value>],
    delimiter: char,
    crlf: bool,
) -> String {
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    let row = |cells: &mut dyn Iterator<Item = String>, out: &mut String| {
        for (i, c) in cells.enumerate() {
            if i > 0 {
                out.push(delimiter);
            }
            quote(&c, delimiter, out);
        }
        out.push_str(eol);
    };
    row(&mut columns.iter().cloned(), &mut out);
    for r in records {
        row(&mut columns.iter().map(|c| cell(lookup(r, c))), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_from_soql() {
        let (o, c) =
            select_columns("SELECT Id, Subject, Account.Name FROM Case WHERE Status = 'New'")
                .unwrap();
        assert_eq!(o, "Case");
        assert_eq!(c, vec!["Id", "Subject", "Account.Name"]);
        assert!(select_columns("SELECT Id, (SELECT Id FROM Contacts) FROM Account").is_none());
        assert!(select_columns("nonsense").is_none());
    }

    #[test]
    fn quotes_per_rfc4180() {
        let r =
            json!({"Id": "1", "Subject": "a, \"b\"\nc", "Account": {"Name": "Acme"}, "N": null});
        let cols = vec![
            "Id".to_string(),
            "Subject".into(),
            "Account.Name".into(),
            "N".into(),
        ];
        let csv = write(&cols, &[r.as_object().unwrap().clone()], ',', false);
        assert_eq!(
            csv,
            "Id,Subject,Account.Name,N\n1,\"a, \"\"b\"\"\nc\",Acme,\n"
        );
    }
}

/// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) into rows.
/// `None` when a quoted field is left open.
pub(super) fn parse(text: &str, delimiter: char) -> Option<Vec<Vec<String>>> {
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            c if c == delimiter => row.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                at_start = true;
                continue;
            }
            c => field.push(c),
        }
        at_start = false;
    }
    if quoted {
        return None;
    }
    if !at_start {
        row.push(field);
        rows.push(row);
    }
    Some(rows)
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn parses_quotes_and_line_endings() {
        let rows = parse(
            "Name,Note\r\n\"Acme, Inc\",\"say \"\"hi\"\"\nthere\"\r\nB,\n",
            ',',
        )
        .unwrap();
        assert_eq!(
            rows,
            vec![
                vec!["Name".to_string(), "Note".into()],
                vec!["Acme, Inc".into(), "say \"hi\"\nthere".into()],
                vec!["B".into(), "".into()],
            ]
        );
        assert!(parse("\"open", ',').is_none());
        assert_eq!(
            parse("a|b", '|').unwrap(),
            vec![vec!["a".to_string(), "b".into()]]
        );
    }
}
