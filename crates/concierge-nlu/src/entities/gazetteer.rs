//! Product and edition names from a per-tenant gazetteer.
//!
//! Names match on word boundaries, whitespace-insensitively, the longest name
//! first ("Salesforce Platform" over a shorter entry). Entries that are also
//! ordinary words ("Slack", "Enterprise") are case-sensitive by default so
//! "cut me some slack" is not a product.

use std::collections::HashMap;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Candidate, Kind, Scan};

/// What a gazetteer entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductCategory {
    Product,
    Edition,
}

impl ProductCategory {
    fn as_str(self) -> &'static str {
        match self {
            ProductCategory::Product => "product",
            ProductCategory::Edition => "edition",
        }
    }
}

/// One product or edition and the other ways customers write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GazetteerEntry {
    /// The canonical name, returned as the value.
    pub name: String,
    #[serde(default = "product")]
    pub category: ProductCategory,
    /// Other spellings that mean the same thing.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Match the exact capitalisation only.
    #[serde(default)]
    pub case_sensitive: bool,
}

fn product() -> ProductCategory {
    ProductCategory::Product
}

impl GazetteerEntry {
    /// An entry with no aliases.
    pub fn new(name: &str, category: ProductCategory) -> Self {
        Self {
            name: name.to_owned(),
            category,
            aliases: Vec::new(),
            case_sensitive: false,
        }
    }

    fn aliases(mut self, aliases: &[&str]) -> Self {
        self.aliases = aliases.iter().map(|a| (*a).to_owned()).collect();
        self
    }

    fn case_sensitive(mut self) -> Self {
        self.case_sensitive = true;
        self
    }
}

/// Salesforce's clouds and editions.
pub(super) fn default_entries() -> Vec<GazetteerEntry> {
    use ProductCategory::{Edition, Product};
    vec![
        GazetteerEntry::new("Sales Cloud", Product),
        GazetteerEntry::new("Service Cloud", Product),
        GazetteerEntry::new("Marketing Cloud", Product),
        GazetteerEntry::new("Experience Cloud", Product).aliases(&["Community Cloud"]),
        GazetteerEntry::new("Commerce Cloud", Product),
        GazetteerEntry::new("Tableau", Product).case_sensitive(),
        GazetteerEntry::new("MuleSoft", Product),
        GazetteerEntry::new("Slack", Product).case_sensitive(),
        GazetteerEntry::new("Salesforce Platform", Product).aliases(&["Lightning Platform"]),
        GazetteerEntry::new("Agentforce", Product),
        GazetteerEntry::new("Einstein", Product),
        GazetteerEntry::new("Essentials Edition", Edition)
            .aliases(&["Essentials", "Essentials edition"])
            .case_sensitive(),
        GazetteerEntry::new("Starter Edition", Edition)
            .aliases(&["Starter", "Starter edition"])
            .case_sensitive(),
        GazetteerEntry::new("Professional Edition", Edition)
            .aliases(&["Professional", "Professional edition"])
            .case_sensitive(),
        GazetteerEntry::new("Enterprise Edition", Edition)
            .aliases(&["Enterprise", "Enterprise edition"])
            .case_sensitive(),
        GazetteerEntry::new("Unlimited Edition", Edition)
            .aliases(&["Unlimited", "Unlimited edition"])
            .case_sensitive(),
        GazetteerEntry::new("Performance Edition", Edition)
            .aliases(&["Performance", "Performance edition"])
            .case_sensitive(),
        GazetteerEntry::new("Developer Edition", Edition),
    ]
}

/// Compiled gazetteer: one alternation per case mode, and the way back from
/// a normalised surface form to its entry.
#[derive(Debug, Clone, Default)]
pub(super) struct Gazetteer {
    insensitive: Option<Regex>,
    sensitive: Option<Regex>,
    /// Normalised surface form → (name, category). Case-insensitive forms are
    /// stored lower-cased.
    lookup: HashMap<String, (String, ProductCategory)>,
}

fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `\b(?:longest|…|shortest)\b`, whitespace-tolerant. `None` when empty or
/// too large to compile (then that half of the gazetteer matches nothing).
fn alternation(forms: &mut [String], case_insensitive: bool) -> Option<Regex> {
    if forms.is_empty() {
        return None;
    }
    forms.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    let parts: Vec<String> = forms
        .iter()
        .map(|f| {
            f.split(' ')
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(r"\s+")
        })
        .collect();
    RegexBuilder::new(&format!(r"(?:{})", parts.join("|")))
        .case_insensitive(case_insensitive)
        .build()
        .ok()
}

impl Gazetteer {
    pub(super) fn new(entries: &[GazetteerEntry]) -> Self {
        let mut lookup = HashMap::new();
        let (mut insensitive, mut sensitive) = (Vec::new(), Vec::new());
        for entry in entries {
            for form in std::iter::once(&entry.name).chain(&entry.aliases) {
                let form = normalise(form);
                if form.is_empty() {
                    continue;
                }
                let target = (entry.name.clone(), entry.category);
                if entry.case_sensitive {
                    lookup.entry(form.clone()).or_insert(target);
                    sensitive.push(form);
                } else {
                    let key = form.to_lowercase();
                    lookup.entry(key.clone()).or_insert(target);
                    insensitive.push(key);
                }
            }
        }
        insensitive.dedup();
        sensitive.dedup();
        Self {
            insensitive: alternation(&mut insensitive, true),
            sensitive: alternation(&mut sensitive, false),
            lookup,
        }
    }

    pub(super) fn products(&self, scan: &Scan<'_>, out: &mut Vec<Candidate>) {
        for (re, lower) in [(&self.insensitive, true), (&self.sensitive, false)] {
            let Some(re) = re else { continue };
            for m in re.find_iter(scan.text) {
                // Whole words only (checked here: names may start or end
                // with punctuation, where `\b` would misbehave).
                if !scan.isolated(m.start(), m.end()) {
                    continue;
                }
                let mut key = normalise(m.as_str());
                if lower {
                    key = key.to_lowercase();
                }
                let Some((name, category)) = self.lookup.get(&key) else {
                    continue;
                };
                out.push(Candidate::new(
                    m.start(),
                    m.end(),
                    Kind::Product,
                    json!({"name": name, "category": category.as_str()}),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(g: &Gazetteer, text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        g.products(&Scan::new(text), &mut out);
        out.sort_by_key(|c| c.start);
        out.into_iter()
            .map(|c| {
                (
                    text[c.start..c.end].to_owned(),
                    c.value["name"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn default_products_and_editions() {
        let g = Gazetteer::new(&default_entries());
        let found = names(
            &g,
            "We run service  cloud on Enterprise Edition with Slack and mulesoft.",
        );
        let found: Vec<_> = found.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            found,
            ["Service Cloud", "Enterprise Edition", "Slack", "MuleSoft"]
        );
        assert_eq!(names(&g, "our Unlimited org")[0].1, "Unlimited Edition");
        assert_eq!(
            names(&g, "a developer edition org")[0].1,
            "Developer Edition"
        );
    }

    #[test]
    fn common_words_are_not_products() {
        let g = Gazetteer::new(&default_entries());
        assert!(names(
            &g,
            "cut me some slack, enterprise customers, unlimited calls"
        )
        .is_empty());
        assert!(names(&g, "Einsteinium and Slacker").is_empty());
    }

    #[test]
    fn tenant_entries() {
        let mut entry = GazetteerEntry::new("Acme Widget Pro", ProductCategory::Product);
        entry.aliases = vec!["AWP".into(), "C++ Toolkit".into()];
        let g = Gazetteer::new(&[entry]);
        assert_eq!(
            names(&g, "the awp and the ACME widget pro")[0].1,
            "Acme Widget Pro"
        );
        assert_eq!(names(&g, "the awp and the ACME widget pro").len(), 2);
        assert_eq!(names(&g, "using C++ toolkit!").len(), 1);
        assert!(Gazetteer::new(&[]).insensitive.is_none());
    }
}
