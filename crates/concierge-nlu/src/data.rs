//! Intent data sets: loading them from files and splitting them.
//!
//! Three formats, recognised by extension and, for JSON, by shape:
//!
//! | file | format |
//! | --- | --- |
//! | `*.yaml`, `*.yml`, or JSON with an `intents` key | the intents file (below) |
//! | `*.csv` | Banking77: a `text,category` header, RFC 4180 quoting |
//! | JSON with a `train` key | CLINC150: `{"train": [[text, intent], …], "val": …, "oos_train": …}` |
//!
//! The intents file:
//!
//! ```yaml
//! version: 1
//! name: salesforce-support
//! language: en
//! intents:
//!   - name: password_reset
//!     description: Customer forgot their password or needs a reset link
//!     escalate: false        # optional, default false
//!     risk: low              # optional: low | medium | high, default low
//!     examples:
//!       - I forgot my password
//! out_of_scope:              # optional utterances that belong to no intent
//!   - what's the weather tomorrow
//! ```
//!
//! A [`Dataset`] is a list of [`Example`]s whose intent is `None` when the
//! utterance is out of scope, plus the intents' metadata. CLINC150 files hold
//! several splits: [`load`] takes `train` (the default), `val` or `test`,
//! each with its `oos_*` counterpart. Single-file data sets are split for
//! held-out evaluation with [`Dataset::stratified_split`], and any data set
//! can be written back as Banking77 CSV ([`to_banking77_csv`]; out-of-scope
//! examples under the category `out_of_scope`), the format other tools read.
//! Errors name the file and, where the parser knows them, the line and field.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The intents-file format version this crate reads.
pub const INTENTS_FORMAT_VERSION: u32 = 1;

/// How risky acting on an intent is (the engine asks for confirmation or a
/// human on high risk).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    #[default]
    Low,
    Medium,
    High,
}

/// One intent's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntentSpec {
    /// Stable snake_case name (`password_reset`).
    pub name: String,
    /// What the intent means, for people and prompts.
    #[serde(default)]
    pub description: String,
    /// Hand the conversation to a human when this intent is recognised.
    #[serde(default)]
    pub escalate: bool,
    #[serde(default)]
    pub risk: Risk,
}

impl IntentSpec {
    /// An intent known only by name (Banking77, CLINC150).
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: String::new(),
            escalate: false,
            risk: Risk::Low,
        }
    }
}

/// One labelled utterance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    pub text: String,
    /// The intent, or `None` when the utterance is out of scope.
    pub intent: Option<String>,
}

/// A labelled data set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// The data set's name (`salesforce-support`, or the file stem).
    pub name: String,
    /// ISO 639-1 code, when the file says.
    pub language: Option<String>,
    /// Every intent, in file order (for CSV and CLINC150, first appearance).
    pub intents: Vec<IntentSpec>,
    pub examples: Vec<Example>,
}

/// A data file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}", Location { path, line: *line, field: field.as_deref() })]
    Invalid {
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// The offending field (`intents[3].name`, `category` …), when known.
        field: Option<String>,
        message: String,
    },
    #[error("{path}: no split {split:?} (the file has {available})")]
    UnknownSplit {
        path: PathBuf,
        split: String,
        available: String,
    },
    #[error("{path}: cannot tell the format (expected .yaml, .yml, .json or .csv)")]
    UnknownFormat { path: PathBuf },
    #[error("{path}: no examples")]
    Empty { path: PathBuf },
}

struct Location<'a> {
    path: &'a Path,
    line: Option<usize>,
    field: Option<&'a str>,
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(field) = self.field {
            write!(f, " field {field}")?;
        }
        Ok(())
    }
}

fn invalid(
    path: &Path,
    line: Option<usize>,
    field: Option<&str>,
    message: impl Into<String>,
) -> DataError {
    DataError::Invalid {
        path: path.to_owned(),
        line,
        field: field.map(str::to_owned),
        message: message.into(),
    }
}

/// Loads a data set. `split` chooses a CLINC150 split (`train` by default,
/// `val`, `test`); other formats have one split and accept `None` or `all`.
pub fn load(path: impl AsRef<Path>, split: Option<&str>) -> Result<Dataset, DataError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
        path: path.to_owned(),
        source,
    })?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("data")
        .to_owned();
    let single = |data: Dataset| match split {
        None | Some("all") => Ok(data),
        Some(other) => Err(DataError::UnknownSplit {
            path: path.to_owned(),
            split: other.to_owned(),
            available: "one split; use --holdout".to_owned(),
        }),
    };
    match ext.as_deref() {
        Some("yaml" | "yml") => single(parse_intents_yaml(&text, path)?),
        Some("csv") => single(parse_banking77_csv(&text, path, &stem)?),
        Some("json") => {
            let value: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| invalid(path, Some(e.line()), None, e.to_string()))?;
            if value.get("intents").is_some() {
                single(parse_intents_json(&text, path)?)
            } else if value.get("train").is_some() {
                parse_clinc150(value, path, &stem, split.unwrap_or("train"))
            } else {
                Err(invalid(
                    path,
                    None,
                    None,
                    "JSON is neither an intents file (no `intents`) nor CLINC150 (no `train`)",
                ))
            }
        }
        _ => Err(DataError::UnknownFormat {
            path: path.to_owned(),
        }),
    }
}

/// The intents file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntentsFile {
    version: u32,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    language: Option<String>,
    intents: Vec<IntentEntry>,
    #[serde(default)]
    out_of_scope: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntentEntry {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    escalate: bool,
    #[serde(default)]
    risk: Risk,
    examples: Vec<String>,
}

/// Parses an intents file written in YAML. `origin` names it in errors.
pub fn parse_intents_yaml(text: &str, origin: &Path) -> Result<Dataset, DataError> {
    let file: IntentsFile = serde_norway::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        invalid(origin, line, None, e.to_string())
    })?;
    intents_dataset(file, origin)
}

/// Parses an intents file written in JSON. `origin` names it in errors.
pub fn parse_intents_json(text: &str, origin: &Path) -> Result<Dataset, DataError> {
    let file: IntentsFile = serde_json::from_str(text)
        .map_err(|e| invalid(origin, Some(e.line()), None, e.to_string()))?;
    intents_dataset(file, origin)
}

fn intents_dataset(file: IntentsFile, path: &Path) -> Result<Dataset, DataError> {
    if file.version != INTENTS_FORMAT_VERSION {
        return Err(invalid(
            path,
            None,
            Some("version"),
            format!(
                "version {} is not supported (expected {INTENTS_FORMAT_VERSION})",
                file.version
            ),
        ));
    }
    let mut seen = HashMap::new();
    let mut intents = Vec::with_capacity(file.intents.len());
    let mut examples = Vec::new();
    for (i, entry) in file.intents.into_iter().enumerate() {
        let field = |f: &str| format!("intents[{i}].{f}");
        if !valid_intent_name(&entry.name) {
            return Err(invalid(
                path,
                None,
                Some(&field("name")),
                format!(
                    "{:?} is not a valid intent name (lower-case letters, digits, _ . -)",
                    entry.name
                ),
            ));
        }
        if let Some(first) = seen.insert(entry.name.clone(), i) {
            return Err(invalid(
                path,
                None,
                Some(&field("name")),
                format!("{:?} is also intents[{first}]", entry.name),
            ));
        }
        let before = examples.len();
        for (j, example) in entry.examples.into_iter().enumerate() {
            let example = example.trim();
            if example.is_empty() {
                return Err(invalid(
                    path,
                    None,
                    Some(&field(&format!("examples[{j}]"))),
                    "empty example",
                ));
            }
            examples.push(Example {
                text: example.to_owned(),
                intent: Some(entry.name.clone()),
            });
        }
        if examples.len() == before {
            return Err(invalid(path, None, Some(&field("examples")), "no examples"));
        }
        intents.push(IntentSpec {
            name: entry.name,
            description: entry.description,
            escalate: entry.escalate,
            risk: entry.risk,
        });
    }
    for text in file.out_of_scope {
        let text = text.trim();
        if !text.is_empty() {
            examples.push(Example {
                text: text.to_owned(),
                intent: None,
            });
        }
    }
    if intents.is_empty() {
        return Err(DataError::Empty {
            path: path.to_owned(),
        });
    }
    Ok(Dataset {
        name: file.name.unwrap_or_else(|| "intents".to_owned()),
        language: file.language,
        intents,
        examples,
    })
}

/// The name the model reports for out-of-scope input; no intent may use it.
pub const OUT_OF_SCOPE: &str = "out_of_scope";

fn valid_intent_name(name: &str) -> bool {
    !name.is_empty()
        && name != OUT_OF_SCOPE
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'))
}

/// Parses Banking77's CSV (`text,category`). The category [`OUT_OF_SCOPE`]
/// marks an out-of-scope example (Banking77 itself has none; files written by
/// [`to_banking77_csv`] may).
pub fn parse_banking77_csv(text: &str, origin: &Path, name: &str) -> Result<Dataset, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(origin, &e))?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| invalid(origin, Some(1), Some(name), "missing column"))
    };
    let (text_col, label_col) = (column("text")?, column("category")?);
    let mut data = Dataset {
        name: name.to_owned(),
        ..Dataset::default()
    };
    let mut known = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(origin, &e))?;
        let line = record.position().map(|p| p.line() as usize);
        let utterance = record.get(text_col).unwrap_or("").trim();
        let label = record.get(label_col).unwrap_or("").trim();
        if utterance.is_empty() {
            return Err(invalid(origin, line, Some("text"), "empty text"));
        }
        if label.is_empty() {
            return Err(invalid(origin, line, Some("category"), "empty category"));
        }
        // What `to_banking77_csv` writes for out-of-scope examples.
        let intent = (label != OUT_OF_SCOPE).then_some(label);
        data.push(utterance, intent, &mut known);
    }
    if data.examples.is_empty() {
        return Err(DataError::Empty {
            path: origin.to_owned(),
        });
    }
    Ok(data)
}

/// `data` as Banking77 CSV: a `text,category` header, then one row per
/// example in order, quoted where RFC 4180 needs it, out-of-scope examples
/// under the category [`OUT_OF_SCOPE`]. [`parse_banking77_csv`] reads back
/// the same examples; the intents' metadata (description, escalation, risk)
/// and intents without examples are not part of the format.
pub fn to_banking77_csv(data: &Dataset) -> String {
    let mut out = String::from("text,category\n");
    for example in &data.examples {
        push_csv_field(&mut out, &example.text);
        out.push(',');
        push_csv_field(&mut out, example.intent.as_deref().unwrap_or(OUT_OF_SCOPE));
        out.push('\n');
    }
    out
}

/// Writes `data` to `path` as [`to_banking77_csv`] does.
pub fn save_banking77_csv(data: &Dataset, path: impl AsRef<Path>) -> Result<(), DataError> {
    let path = path.as_ref();
    std::fs::write(path, to_banking77_csv(data)).map_err(|source| DataError::Io {
        path: path.to_owned(),
        source,
    })
}

/// One RFC 4180 field: quoted (inner quotes doubled) when it holds a comma,
/// a quote, a line break, or space at either end.
fn push_csv_field(out: &mut String, field: &str) {
    let quote = field.contains([',', '"', '\n', '\r']) || field.trim() != field;
    if quote {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

fn csv_error(path: &Path, e: &csv::Error) -> DataError {
    let line = e.position().map(|p| p.line() as usize);
    invalid(path, line, None, e.to_string())
}

/// Reads one CLINC150 split (`train`, `val` or `test`) and its `oos_` twin
/// from an already parsed JSON value.
pub fn parse_clinc150(
    value: serde_json::Value,
    origin: &Path,
    name: &str,
    split: &str,
) -> Result<Dataset, DataError> {
    let serde_json::Value::Object(mut map) = value else {
        return Err(invalid(origin, None, None, "expected a JSON object"));
    };
    // `oos_*` lists are the out-of-scope halves of the splits, not splits.
    let in_scope = if split.starts_with("oos_") {
        None
    } else {
        map.remove(split)
    };
    let Some(in_scope) = in_scope else {
        let available: Vec<&str> = map
            .keys()
            .map(String::as_str)
            .filter(|k| !k.starts_with("oos_"))
            .collect();
        return Err(DataError::UnknownSplit {
            path: origin.to_owned(),
            split: split.to_owned(),
            available: available.join(", "),
        });
    };
    let oos = map.remove(&format!("oos_{split}"));
    let mut data = Dataset {
        name: format!("{name}:{split}"),
        language: Some("en".to_owned()),
        ..Dataset::default()
    };
    let mut known = HashMap::new();
    for (key, rows, in_scope) in [
        (split.to_owned(), Some(in_scope), true),
        (format!("oos_{split}"), oos, false),
    ] {
        let Some(rows) = rows else { continue };
        let rows: Vec<(String, String)> = serde_json::from_value(rows).map_err(|e| {
            invalid(
                origin,
                None,
                Some(&key),
                format!("expected [[text, intent], …]: {e}"),
            )
        })?;
        for (i, (text, label)) in rows.into_iter().enumerate() {
            let text = text.trim();
            if text.is_empty() {
                return Err(invalid(
                    origin,
                    None,
                    Some(&format!("{key}[{i}]")),
                    "empty text",
                ));
            }
            let label = (in_scope && label != "oos").then_some(label.as_str());
            data.push(text, label, &mut known);
        }
    }
    if data.examples.is_empty() {
        return Err(DataError::Empty {
            path: origin.to_owned(),
        });
    }
    Ok(data)
}

impl Dataset {
    fn push(&mut self, text: &str, intent: Option<&str>, known: &mut HashMap<String, ()>) {
        if let Some(intent) = intent {
            if !known.contains_key(intent) {
                known.insert(intent.to_owned(), ());
                self.intents.push(IntentSpec::named(intent));
            }
        }
        self.examples.push(Example {
            text: text.to_owned(),
            intent: intent.map(str::to_owned),
        });
    }

    /// Number of examples that belong to an intent.
    pub fn in_scope_len(&self) -> usize {
        self.examples.iter().filter(|e| e.intent.is_some()).count()
    }

    /// Number of out-of-scope examples.
    pub fn out_of_scope_len(&self) -> usize {
        self.examples.len() - self.in_scope_len()
    }

    /// Examples per intent (out of scope under [`OUT_OF_SCOPE`]).
    pub fn counts(&self) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for e in &self.examples {
            *counts
                .entry(e.intent.as_deref().unwrap_or(OUT_OF_SCOPE))
                .or_default() += 1;
        }
        counts
    }

    /// Splits into (rest, held out): each intent (and the out-of-scope
    /// examples as one group) gives `round(fraction × its size)` of its
    /// examples, chosen by a shuffle seeded with `seed` — the same data,
    /// fraction and seed always give the same split. Groups of one example
    /// stay in `rest`.
    pub fn stratified_split(&self, fraction: f64, seed: u64) -> (Dataset, Dataset) {
        let fraction = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let mut held = vec![false; self.examples.len()];
        let mut rng = crate::intent::SplitMix64::new(seed);
        for mut members in groups(&self.examples).into_values() {
            rng.shuffle(&mut members);
            let n = (members.len() as f64 * fraction).round() as usize;
            let n = if members.len() < 2 {
                0
            } else {
                n.min(members.len() - 1)
            };
            for &i in members.iter().take(n) {
                held[i] = true;
            }
        }
        let mut rest = self.empty_like();
        let mut out = self.empty_like();
        for (example, held) in self.examples.iter().zip(held) {
            if held {
                out.examples.push(example.clone());
            } else {
                rest.examples.push(example.clone());
            }
        }
        (rest, out)
    }

    /// The same name, language and intents, without examples.
    pub fn empty_like(&self) -> Dataset {
        Dataset {
            name: self.name.clone(),
            language: self.language.clone(),
            intents: self.intents.clone(),
            examples: Vec::new(),
        }
    }
}

/// Assigns each example to one of `folds` folds, evenly within each label
/// group (out of scope is one group), after a shuffle seeded with `seed`.
pub(crate) fn stratified_folds(examples: &[Example], folds: usize, seed: u64) -> Vec<usize> {
    let folds = folds.max(1);
    let mut fold = vec![0; examples.len()];
    let mut rng = crate::intent::SplitMix64::new(seed);
    // Continue the round-robin across groups so small groups do not all
    // start in fold 0.
    let mut next = 0;
    for mut members in groups(examples).into_values() {
        rng.shuffle(&mut members);
        for &i in &members {
            fold[i] = next % folds;
            next += 1;
        }
    }
    fold
}

/// Example indices by label (out of scope under `None`), in a fixed order.
fn groups(examples: &[Example]) -> BTreeMap<Option<&str>, Vec<usize>> {
    let mut groups: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
    for (i, e) in examples.iter().enumerate() {
        groups.entry(e.intent.as_deref()).or_default().push(i);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn example(text: &str, intent: Option<&str>) -> Example {
        Example {
            text: text.to_owned(),
            intent: intent.map(str::to_owned),
        }
    }

    #[test]
    fn banking77_csv_reads_out_of_scope_as_no_intent() {
        let text = "text,category\nwhat's the weather,out_of_scope\nmy card is lost,lost_card\n";
        let data = parse_banking77_csv(text, Path::new("x.csv"), "x").unwrap();
        assert_eq!(
            data.examples,
            [
                example("what's the weather", None),
                example("my card is lost", Some("lost_card")),
            ]
        );
        let names: Vec<&str> = data.intents.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["lost_card"]);
        assert_eq!(data.out_of_scope_len(), 1);
    }

    #[test]
    fn banking77_csv_quotes_what_needs_quoting() {
        let data = Dataset {
            examples: vec![
                example("plain", Some("a")),
                example("a, b", Some("a")),
                example("say \"hi\"", None),
                example("two\nlines", Some("b")),
            ],
            ..Dataset::default()
        };
        assert_eq!(
            to_banking77_csv(&data),
            "text,category\nplain,a\n\"a, b\",a\n\"say \"\"hi\"\"\",out_of_scope\n\"two\nlines\",b\n"
        );
    }

    #[test]
    fn clinc150_out_of_scope_lists_are_not_splits() {
        let value = serde_json::json!({
            "train": [["hi", "greet"]],
            "oos_train": [["weather?", "oos"]],
        });
        let err = parse_clinc150(value.clone(), Path::new("c.json"), "c", "oos_train").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"c.json: no split "oos_train" (the file has train)"#
        );
        let data = parse_clinc150(value, Path::new("c.json"), "c", "train").unwrap();
        assert_eq!(
            data.examples,
            [example("hi", Some("greet")), example("weather?", None)]
        );
    }

    proptest! {
        /// Whatever the text, writing a data set as CSV and parsing it gives
        /// back the same examples, out-of-scope ones included.
        #[test]
        fn banking77_csv_round_trip(
            rows in prop::collection::vec(
                ("[a-zA-Z0-9 ,;\"'\n\r\t\u{e9}\u{4e2d}]{1,40}", prop::option::of("[a-z_]{1,12}")),
                1..20,
            )
        ) {
            let examples: Vec<Example> = rows
                .iter()
                .filter(|(text, intent)| {
                    !text.trim().is_empty() && intent.as_deref() != Some(OUT_OF_SCOPE)
                })
                .map(|(text, intent)| example(text.trim(), intent.as_deref()))
                .collect();
            prop_assume!(!examples.is_empty());
            let data = Dataset { examples, ..Dataset::default() };
            let parsed = parse_banking77_csv(&to_banking77_csv(&data), Path::new("p.csv"), "p").unwrap();
            prop_assert_eq!(parsed.examples, data.examples);
        }
    }
}
