//! HTML articles become Markdown on ingestion, so that every article is
//! chunked by the same structure (headings, paragraphs, lists, code) and the
//! stored body is the text citations point into.

use scraper::{ElementRef, Html, Node, Selector};

/// The Markdown rendering of an HTML page and what its head says.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    pub title: Option<String>,
    pub markdown: String,
    /// `<html lang="…">`, reduced to its primary subtag.
    pub language: Option<String>,
    /// `<link rel="canonical" href="…">`.
    pub canonical_url: Option<String>,
}

/// Converts a page (or fragment). Scripts, styles, navigation, headers,
/// footers and forms are dropped.
pub fn html_to_markdown(html: &str) -> Converted {
    let doc = Html::parse_document(html);
    let select = |s: &str| Selector::parse(s).ok();
    let title = select("title")
        .and_then(|sel| doc.select(&sel).next())
        .map(|t| collapse(&t.text().collect::<String>()))
        .filter(|t| !t.is_empty());
    let language = select("html")
        .and_then(|sel| doc.select(&sel).next())
        .and_then(|h| h.value().attr("lang"))
        .map(|l| l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase())
        .filter(|l| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase()));
    let canonical_url = select("link[rel=canonical]")
        .and_then(|sel| doc.select(&sel).next())
        .and_then(|l| l.value().attr("href"))
        .map(str::to_owned);
    let root = select("article")
        .and_then(|sel| doc.select(&sel).next())
        .or_else(|| select("main").and_then(|sel| doc.select(&sel).next()))
        .or_else(|| select("body").and_then(|sel| doc.select(&sel).next()))
        .unwrap_or_else(|| doc.root_element());
    let mut out = Writer::default();
    out.block(root);
    Converted {
        title,
        markdown: out.finish(),
        language,
        canonical_url,
    }
}

#[derive(Default)]
struct Writer {
    blocks: Vec<String>,
    inline: String,
    list_depth: usize,
}

const SKIP: &[&str] = &[
    "script", "style", "nav", "header", "footer", "form", "noscript", "template", "svg", "head",
    "button",
];

impl Writer {
    fn flush(&mut self) {
        let text = collapse(&self.inline);
        if !text.is_empty() {
            self.blocks.push(text);
        }
        self.inline.clear();
    }

    fn block(&mut self, el: ElementRef<'_>) {
        for child in el.children() {
            match child.value() {
                Node::Text(t) => self.inline.push_str(t),
                Node::Element(e) => {
                    let Some(child_el) = ElementRef::wrap(child) else {
                        continue;
                    };
                    let name = e.name();
                    if SKIP.contains(&name) {
                        continue;
                    }
                    match name {
                        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                            self.flush();
                            let level = usize::from(name.as_bytes()[1] - b'0');
                            let text = collapse(&child_el.text().collect::<String>());
                            if !text.is_empty() {
                                self.blocks.push(format!("{} {text}", "#".repeat(level)));
                            }
                        }
                        "p" | "div" | "section" | "article" | "main" | "blockquote" | "dl"
                        | "dd" | "dt" | "figure" | "table" | "tbody" | "thead" => {
                            self.flush();
                            self.block(child_el);
                            self.flush();
                        }
                        "tr" => {
                            self.flush();
                            let cells: Vec<String> = child_el
                                .children()
                                .filter_map(ElementRef::wrap)
                                .map(|c| collapse(&c.text().collect::<String>()))
                                .collect();
                            if cells.iter().any(|c| !c.is_empty()) {
                                self.blocks.push(format!("| {} |", cells.join(" | ")));
                            }
                        }
                        "ul" | "ol" => {
                            self.flush();
                            self.list_depth += 1;
                            let mut n = 0;
                            let mut items = Vec::new();
                            for li in child_el.children().filter_map(ElementRef::wrap) {
                                if li.value().name() != "li" {
                                    continue;
                                }
                                n += 1;
                                let marker = if name == "ol" {
                                    format!("{n}.")
                                } else {
                                    "-".to_owned()
                                };
                                let text = collapse(&li.text().collect::<String>());
                                if !text.is_empty() {
                                    items.push(format!(
                                        "{}{marker} {text}",
                                        "  ".repeat(self.list_depth - 1)
                                    ));
                                }
                            }
                            self.list_depth -= 1;
                            if !items.is_empty() {
                                self.blocks.push(items.join("\n"));
                            }
                        }
                        "pre" => {
                            self.flush();
                            let code: String = child_el.text().collect();
                            let code = code.trim_matches('\n');
                            if !code.trim().is_empty() {
                                self.blocks.push(format!("```\n{code}\n```"));
                            }
                        }
                        "br" => self.inline.push('\n'),
                        "code" => {
                            self.inline.push('`');
                            self.inline.push_str(&child_el.text().collect::<String>());
                            self.inline.push('`');
                        }
                        "strong" | "b" => {
                            let t = collapse(&child_el.text().collect::<String>());
                            self.inline.push_str(&format!(" **{t}** "));
                        }
                        _ => self.block(child_el),
                    }
                }
                _ => {}
            }
        }
    }

    fn finish(mut self) -> String {
        self.flush();
        self.blocks.join("\n\n")
    }
}

/// Collapses runs of whitespace to one space.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_structure_and_drops_chrome() {
        let page = r#"<!doctype html><html lang="fr-CA"><head><title>Réinitialiser le mot de passe</title>
            <link rel="canonical" href="https://help.example/fr/reset"><style>p{}</style></head>
            <body><nav>Home | Docs</nav><article><h1>Réinitialiser</h1><p>Ouvrez   <b>Setup</b>.</p>
            <h2>Étapes</h2><ol><li>Cliquez</li><li>Validez</li></ol><pre>sfdx force:user:password:generate</pre>
            <table><tr><th>Limit</th><th>Value</th></tr><tr><td>SOQL</td><td>100</td></tr></table>
            <script>alert(1)</script></article><footer>© us</footer></body></html>"#;
        let c = html_to_markdown(page);
        assert_eq!(c.title.as_deref(), Some("Réinitialiser le mot de passe"));
        assert_eq!(c.language.as_deref(), Some("fr"));
        assert_eq!(
            c.canonical_url.as_deref(),
            Some("https://help.example/fr/reset")
        );
        assert_eq!(
            c.markdown,
            "# Réinitialiser\n\nOuvrez **Setup** .\n\n## Étapes\n\n1. Cliquez\n2. Validez\n\n\
             ```\nsfdx force:user:password:generate\n```\n\n| Limit | Value |\n\n| SOQL | 100 |"
        );
        assert!(!c.markdown.contains("alert") && !c.markdown.contains("Home"));
    }

    #[test]
    fn fragments_and_garbage_do_not_panic() {
        assert_eq!(html_to_markdown("plain words").markdown, "plain words");
        assert_eq!(html_to_markdown("").markdown, "");
        let _ = html_to_markdown("<<<>>><p><ul><li>unclosed");
    }
}
