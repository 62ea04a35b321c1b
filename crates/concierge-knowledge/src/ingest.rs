//! Reading articles from files: Markdown (with optional YAML front matter),
//! HTML, plain text, JSON / JSON Lines and CSV.
//!
//! Every reader returns validated [`ArticleInput`]s or an error that names the
//! file, the row or line, and the field.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::article::{parse_expiry, slugify, ArticleInput};
use crate::error::KnowledgeError;
use crate::html::html_to_markdown;

/// Largest file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A source format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Text,
    Json,
    JsonLines,
    Csv,
}

impl Format {
    /// The format a file name's extension names.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "md" | "markdown" => Self::Markdown,
            "html" | "htm" => Self::Html,
            "txt" | "text" => Self::Text,
            "json" => Self::Json,
            "jsonl" | "ndjson" => Self::JsonLines,
            "csv" => Self::Csv,
            _ => return None,
        })
    }
}

/// Defaults applied to articles that do not say otherwise.
#[derive(Debug, Clone)]
pub struct IngestDefaults {
    pub language: String,
    pub category: Option<String>,
}

impl Default for IngestDefaults {
    fn default() -> Self {
        Self {
            language: "en".to_owned(),
            category: None,
        }
    }
}

/// Every supported file under `paths` (directories are walked, sorted by
/// name; files with other extensions inside a directory are skipped, a file
/// named explicitly must be supported).
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, KnowledgeError> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| KnowledgeError::Io {
            path: path.display().to_string(),
            source,
        })?;
        if meta.is_dir() {
            walk(path, &mut out)?;
        } else if Format::from_path(path).is_some() {
            out.push(path.clone());
        } else {
            return Err(KnowledgeError::UnsupportedFormat(
                path.display().to_string(),
            ));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), KnowledgeError> {
    let io = |source| KnowledgeError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut entries = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io)?;
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else if Format::from_path(&path).is_some() && !name.eq_ignore_ascii_case("readme.md") {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads the articles in one file.
pub fn read_file(
    path: &Path,
    defaults: &IngestDefaults,
) -> Result<Vec<ArticleInput>, KnowledgeError> {
    let origin = path.display().to_string();
    let format =
        Format::from_path(path).ok_or_else(|| KnowledgeError::UnsupportedFormat(origin.clone()))?;
    let io = |source| KnowledgeError::Io {
        path: origin.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_FILE_BYTES {
        return Err(KnowledgeError::invalid(
            &origin,
            "file",
            format!("larger than {MAX_FILE_BYTES} bytes"),
        ));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        KnowledgeError::invalid(
            &origin,
            "file",
            format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        )
    })?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("article");
    parse(format, &text, &origin, stem, defaults)
}

/// Parses `text` in `format`; `stem` (a file name without extension) is the
/// slug of single-article formats that do not name one.
pub fn parse(
    format: Format,
    text: &str,
    origin: &str,
    stem: &str,
    defaults: &IngestDefaults,
) -> Result<Vec<ArticleInput>, KnowledgeError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let articles = match format {
        Format::Markdown => vec![parse_markdown(text, origin, stem, defaults)?],
        Format::Html => vec![parse_html(text, origin, stem, defaults)],
        Format::Text => vec![parse_text(text, stem, defaults)],
        Format::Json => parse_json(text, origin, defaults)?,
        Format::JsonLines => parse_json_lines(text, origin, defaults)?,
        Format::Csv => parse_csv(text, origin, defaults)?,
    };
    Ok(articles)
}

/// Front matter keys of a Markdown file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    slug: Option<String>,
    id: Option<String>,
    title: Option<String>,
    category: Option<String>,
    #[serde(default)]
    tags: Tags,
    language: Option<String>,
    #[serde(alias = "url")]
    source_url: Option<String>,
    version: Option<serde_norway::Value>,
    updated: Option<serde_norway::Value>,
    #[serde(alias = "expires_at")]
    expires: Option<serde_norway::Value>,
    translation_of: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum Tags {
    #[default]
    None,
    List(Vec<serde_norway::Value>),
    Text(String),
    Other(serde_norway::Value),
}

impl Tags {
    fn into_vec(self, origin: &str) -> Result<Vec<String>, KnowledgeError> {
        match self {
            Tags::None => Ok(Vec::new()),
            Tags::List(v) => v
                .iter()
                .map(|t| {
                    yaml_scalar(t).map(|t| t.trim().to_owned()).ok_or_else(|| {
                        KnowledgeError::invalid(origin, "tags", "must be a list of words")
                    })
                })
                .filter(|t| t.as_ref().map_or(true, |t| !t.is_empty()))
                .collect(),
            Tags::Text(s) => Ok(split_tags(&s)),
            Tags::Other(v) => match yaml_scalar(&v) {
                Some(s) => Ok(split_tags(&s)),
                None => Err(KnowledgeError::invalid(
                    origin,
                    "tags",
                    "must be a list of words",
                )),
            },
        }
    }
}

fn split_tags(s: &str) -> Vec<String> {
    s.split([',', ';', '|'])
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

fn yaml_scalar(v: &serde_norway::Value) -> Option<String> {
    match v {
        serde_norway::Value::String(s) => Some(s.clone()),
        serde_norway::Value::Number(n) => Some(n.to_string()),
        serde_norway::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Splits `---\nyaml\n---\nbody` into its parts.
fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            return Some((yaml, body));
        }
        offset += line.len();
    }
    None
}

fn parse_markdown(
    text: &str,
    origin: &str,
    stem: &str,
    defaults: &IngestDefaults,
) -> Result<ArticleInput, KnowledgeError> {
    let (fm, body) = match split_front_matter(text) {
        Some((yaml, body)) => {
            let fm: FrontMatter = serde_norway::from_str(yaml).map_err(|e| {
                let msg = e.to_string();
                let field = msg
                    .split('`')
                    .nth(1)
                    .filter(|_| msg.starts_with("unknown field"))
                    .unwrap_or("front matter")
                    .to_owned();
                KnowledgeError::invalid(origin, &field, msg)
            })?;
            (fm, body)
        }
        None => (FrontMatter::default(), text),
    };
    let body = body.trim_start_matches(['\n', '\r']).trim_end().to_owned();
    let title = match fm.title {
        Some(t) => t,
        None => first_heading(&body).unwrap_or_else(|| stem.replace(['-', '_'], " ")),
    };
    let expires_at = match &fm.expires {
        Some(v) => {
            let s = yaml_scalar(v).unwrap_or_default();
            Some(parse_expiry(&s).ok_or_else(|| {
                KnowledgeError::invalid(
                    origin,
                    "expires",
                    format!("`{s}` is not a date (YYYY-MM-DD) or RFC 3339 time"),
                )
            })?)
        }
        None => None,
    };
    let _ = fm.updated;
    let article = ArticleInput {
        slug: fm.slug.or(fm.id).unwrap_or_else(|| slugify(stem)),
        title: title.trim().to_owned(),
        body,
        category: fm.category.or_else(|| defaults.category.clone()),
        tags: fm.tags.into_vec(origin)?,
        language: fm.language.unwrap_or_else(|| defaults.language.clone()),
        source_url: fm.source_url,
        source_version: fm.version.as_ref().and_then(yaml_scalar),
        expires_at,
        translation_of: fm.translation_of,
    };
    article.validate(origin)?;
    Ok(article)
}

fn first_heading(markdown: &str) -> Option<String> {
    markdown
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

fn parse_html(text: &str, _origin: &str, stem: &str, defaults: &IngestDefaults) -> ArticleInput {
    let converted = html_to_markdown(text);
    let title = converted
        .title
        .clone()
        .or_else(|| first_heading(&converted.markdown))
        .unwrap_or_else(|| stem.replace(['-', '_'], " "));
    ArticleInput {
        slug: slugify(stem),
        title,
        body: converted.markdown,
        category: defaults.category.clone(),
        tags: Vec::new(),
        language: converted
            .language
            .unwrap_or_else(|| defaults.language.clone()),
        source_url: converted.canonical_url,
        source_version: None,
        expires_at: None,
        translation_of: None,
    }
}

fn parse_text(text: &str, stem: &str, defaults: &IngestDefaults) -> ArticleInput {
    let text = text.trim();
    let (title, body) = match text.split_once('\n') {
        Some((first, rest))
            if !first.trim().is_empty() && first.len() <= 200 && !rest.trim().is_empty() =>
        {
            (first.trim().to_owned(), rest.trim().to_owned())
        }
        _ => (stem.replace(['-', '_'], " "), text.to_owned()),
    };
    ArticleInput {
        slug: slugify(stem),
        title,
        body,
        category: defaults.category.clone(),
        tags: Vec::new(),
        language: defaults.language.clone(),
        source_url: None,
        source_version: None,
        expires_at: None,
        translation_of: None,
    }
}

/// One record of a structured source (JSON object or CSV row).
fn from_record(
    record: &serde_json::Map<String, Value>,
    origin: &str,
    defaults: &IngestDefaults,
) -> Result<ArticleInput, KnowledgeError> {
    const KNOWN: &[&str] = &[
        "slug",
        "id",
        "title",
        "body",
        "content",
        "text",
        "category",
        "tags",
        "language",
        "lang",
        "source_url",
        "url",
        "version",
        "expires",
        "expires_at",
        "translation_of",
        "updated",
    ];
    if let Some(unknown) = record.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(KnowledgeError::invalid(origin, unknown, "unknown field"));
    }
    let text = |keys: &[&str]| -> Result<Option<String>, KnowledgeError> {
        for key in keys {
            match record.get(*key) {
                None | Some(Value::Null) => continue,
                Some(Value::String(s)) if s.trim().is_empty() => continue,
                Some(Value::String(s)) => return Ok(Some(s.clone())),
                Some(Value::Number(n)) => return Ok(Some(n.to_string())),
                Some(_) => return Err(KnowledgeError::invalid(origin, key, "must be a string")),
            }
        }
        Ok(None)
    };
    let title =
        text(&["title"])?.ok_or_else(|| KnowledgeError::invalid(origin, "title", "is required"))?;
    let body = text(&["body", "content", "text"])?
        .ok_or_else(|| KnowledgeError::invalid(origin, "body", "is required"))?;
    let tags = match record.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => split_tags(s),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(|s| s.trim().to_owned())
                    .ok_or_else(|| KnowledgeError::invalid(origin, "tags", "must be strings"))
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(KnowledgeError::invalid(
                origin,
                "tags",
                "must be a list or a comma-separated string",
            ))
        }
    };
    let expires_at = match text(&["expires", "expires_at"])? {
        Some(s) => Some(parse_expiry(&s).ok_or_else(|| {
            KnowledgeError::invalid(
                origin,
                "expires",
                format!("`{s}` is not a date (YYYY-MM-DD) or RFC 3339 time"),
            )
        })?),
        None => None,
    };
    let article = ArticleInput {
        slug: text(&["slug", "id"])?.unwrap_or_else(|| slugify(&title)),
        title: title.trim().to_owned(),
        body: body.trim().to_owned(),
        category: text(&["category"])?.or_else(|| defaults.category.clone()),
        tags,
        language: text(&["language", "lang"])?.unwrap_or_else(|| defaults.language.clone()),
        source_url: text(&["source_url", "url"])?,
        source_version: text(&["version"])?,
        expires_at,
        translation_of: text(&["translation_of"])?,
    };
    article.validate(origin)?;
    Ok(article)
}

fn parse_json(
    text: &str,
    origin: &str,
    defaults: &IngestDefaults,
) -> Result<Vec<ArticleInput>, KnowledgeError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        KnowledgeError::invalid(&format!("{origin}:{}", e.line()), "json", e.to_string())
    })?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(ref map) if map.get("articles").is_some_and(Value::is_array) => match value {
            Value::Object(mut map) => match map.remove("articles") {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        },
        Value::Object(_) => vec![value],
        _ => {
            return Err(KnowledgeError::invalid(
                origin,
                "json",
                "expected an article object or an array of them",
            ))
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("{origin}[{i}]");
            match item {
                Value::Object(map) => from_record(map, &at, defaults),
                _ => Err(KnowledgeError::invalid(&at, "json", "expected an object")),
            }
        })
        .collect()
}

fn parse_json_lines(
    text: &str,
    origin: &str,
    defaults: &IngestDefaults,
) -> Result<Vec<ArticleInput>, KnowledgeError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{origin}:{}", i + 1);
        let value: Value = serde_json::from_str(line)
            .map_err(|e| KnowledgeError::invalid(&at, "json", e.to_string()))?;
        match value {
            Value::Object(map) => out.push(from_record(&map, &at, defaults)?),
            _ => return Err(KnowledgeError::invalid(&at, "json", "expected an object")),
        }
    }
    Ok(out)
}

fn parse_csv(
    text: &str,
    origin: &str,
    defaults: &IngestDefaults,
) -> Result<Vec<ArticleInput>, KnowledgeError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| KnowledgeError::invalid(origin, "header", e.to_string()))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        // Row 1 is the header.
        let at = format!("{origin}:{}", i + 2);
        let row = row.map_err(|e| KnowledgeError::invalid(&at, "row", e.to_string()))?;
        let map: serde_json::Map<String, Value> = headers
            .iter()
            .zip(row.iter())
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(h, v)| (h.clone(), Value::String(v.to_owned())))
            .collect();
        out.push(from_record(&map, &at, defaults)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> IngestDefaults {
        IngestDefaults::default()
    }

    #[test]
    fn markdown_with_front_matter() {
        let text = "---\nslug: reset-password\ntitle: Reset a password\ncategory: login\ntags: [password, login]\n\
                    language: en\nsource_url: https://help.example/reset\nversion: 3\nexpires: 2027-06-30\n---\n\n\
                    Intro.\n\n## Steps\n\n1. Click.\n";
        let a = &parse(Format::Markdown, text, "r.md", "r", &d()).unwrap()[0];
        assert_eq!(a.slug, "reset-password");
        assert_eq!(a.title, "Reset a password");
        assert_eq!(a.tags, ["password", "login"]);
        assert_eq!(a.source_version.as_deref(), Some("3"));
        assert_eq!(a.body, "Intro.\n\n## Steps\n\n1. Click.");
        assert!(a.expires_at.is_some());
    }

    #[test]
    fn markdown_without_front_matter_takes_title_from_heading_and_slug_from_file() {
        let a = &parse(
            Format::Markdown,
            "# Locked out?\n\nCall us.",
            "x.md",
            "Locked_Out",
            &d(),
        )
        .unwrap()[0];
        assert_eq!(
            (a.slug.as_str(), a.title.as_str(), a.language.as_str()),
            ("locked-out", "Locked out?", "en")
        );
    }

    #[test]
    fn markdown_errors_name_the_field() {
        let e = parse(
            Format::Markdown,
            "---\ntitle: T\ncatgory: x\n---\nbody",
            "f.md",
            "f",
            &d(),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("f.md") && e.to_string().contains("`catgory`"),
            "{e}"
        );
        let e = parse(
            Format::Markdown,
            "---\ntitle: T\nexpires: soon\n---\nbody",
            "f.md",
            "f",
            &d(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("`expires`"), "{e}");
        let e = parse(Format::Markdown, "---\ntitle: T\n---\n", "f.md", "f", &d()).unwrap_err();
        assert!(e.to_string().contains("`body`"), "{e}");
    }

    #[test]
    fn json_jsonl_and_csv() {
        let json = r#"[{"title":"A","body":"alpha","tags":["x"]},{"slug":"b","title":"B","content":"beta","tags":"y, z"}]"#;
        let v = parse(Format::Json, json, "a.json", "a", &d()).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].slug.as_str(), v[1].slug.as_str()), ("a", "b"));
        assert_eq!(v[1].tags, ["y", "z"]);
        let wrapped = r#"{"articles":[{"title":"A","body":"alpha"}]}"#;
        assert_eq!(
            parse(Format::Json, wrapped, "w.json", "w", &d())
                .unwrap()
                .len(),
            1
        );

        let jsonl = "{\"title\":\"A\",\"body\":\"a\"}\n\n{\"title\":\"B\"}\n";
        let e = parse(Format::JsonLines, jsonl, "a.jsonl", "a", &d()).unwrap_err();
        assert!(
            e.to_string().contains("a.jsonl:3") && e.to_string().contains("`body`"),
            "{e}"
        );

        let csv = "title,body,category,tags,language,url\nReset,Use the link,login,a;b,es,https://h.example/r\n";
        let v = parse(Format::Csv, csv, "k.csv", "k", &d()).unwrap();
        assert_eq!(v[0].language, "es");
        assert_eq!(v[0].tags, ["a", "b"]);
        assert_eq!(v[0].source_url.as_deref(), Some("https://h.example/r"));
        let e = parse(Format::Csv, "title,bdy\nA,b\n", "k.csv", "k", &d()).unwrap_err();
        assert!(
            e.to_string().contains("k.csv:2") && e.to_string().contains("`bdy`"),
            "{e}"
        );
    }

    #[test]
    fn plain_text_uses_the_first_line_as_title() {
        let a = &parse(
            Format::Text,
            "Billing cycles\nWe bill monthly.\nOn the 1st.",
            "b.txt",
            "billing",
            &d(),
        )
        .unwrap()[0];
        assert_eq!(a.title, "Billing cycles");
        assert_eq!(a.body, "We bill monthly.\nOn the 1st.");
    }
}
