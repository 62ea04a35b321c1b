//! Prompt templates: versioned Jinja files with a `system` and a `user`
//! block, one per task. The defaults (`prompts/<task>.v<N>.jinja`) are
//! compiled in; a directory can override them for everyone
//! (`<dir>/<task>.jinja`) or for one tenant (`<dir>/<tenant slug>/<task>.jinja`).
//! An override names its version in a first-line comment
//! (`{# version: 3 #}`). Every template is loaded and test-rendered at start,
//! so a broken one fails start-up with its file name.
//!
//! Tone presets and the emotion-aware [`ToneAdjustment`] are template
//! inputs, so a tenant's override can word them its own way.

use std::collections::HashMap;
use std::path::Path;

use concierge_nlu::Emotions;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use crate::error::LlmError;
use crate::grounding::NO_ANSWER_MARKER;
use crate::task::Task;

/// The built-in templates: (task, version, source).
const BUILTIN: [(Task, &str, &str); 4] = [
    (
        Task::Answer,
        "v1",
        include_str!("../prompts/answer.v1.jinja"),
    ),
    (
        Task::Summarize,
        "v1",
        include_str!("../prompts/summarize.v1.jinja"),
    ),
    (
        Task::Classify,
        "v1",
        include_str!("../prompts/classify.v1.jinja"),
    ),
    (
        Task::Assist,
        "v1",
        include_str!("../prompts/assist.v1.jinja"),
    ),
];

/// How the reply should adapt to the customer's emotions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ToneAdjustment {
    /// Open with an apology (frustration or anger).
    pub apologetic: bool,
    /// No arguing, no exclamation marks (frustration, anger, anxiety).
    pub calm: bool,
    /// Short, straight to the fix (frustration, anger, urgency).
    pub concise: bool,
    /// Step by step in simple words (confusion).
    pub simple: bool,
    /// Say what happens next (anxiety).
    pub reassuring: bool,
}

/// An emotion at or above this counts (one clear cue scores about 0.6).
pub const EMOTION_THRESHOLD: f64 = 0.5;

impl ToneAdjustment {
    /// The adjustment for a customer feeling `e`.
    pub fn from_emotions(e: &Emotions) -> Self {
        let upset = e.frustration >= EMOTION_THRESHOLD || e.anger >= EMOTION_THRESHOLD;
        let anxious = e.anxiety >= EMOTION_THRESHOLD;
        Self {
            apologetic: upset,
            calm: upset || anxious,
            concise: upset || e.urgency >= EMOTION_THRESHOLD,
            simple: e.confusion >= EMOTION_THRESHOLD,
            reassuring: anxious,
        }
    }
}

/// A numbered passage as a template sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PromptPassage {
    pub n: usize,
    pub title: String,
    /// Headings joined with " › ".
    pub headings: String,
    pub text: String,
    pub url: Option<String>,
}

/// A conversation turn as a template sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PromptTurn {
    /// `customer`, `assistant` or `agent`.
    pub speaker: &'static str,
    pub text: String,
}

/// Everything a template may use.
#[derive(Debug, Clone, Serialize)]
pub struct PromptContext {
    pub company: String,
    /// `professional`, `friendly` or `technical`.
    pub tone: &'static str,
    pub adjust: ToneAdjustment,
    /// ISO 639-1 code and English name of the reply's language.
    pub language: String,
    pub language_name: String,
    pub question: String,
    pub passages: Vec<PromptPassage>,
    pub history: Vec<PromptTurn>,
    pub labels: Vec<String>,
    pub no_answer_marker: &'static str,
}

impl PromptContext {
    /// A context with sample values (used to validate templates at start).
    fn sample() -> Self {
        Self {
            company: "Example Inc.".into(),
            tone: "professional",
            adjust: ToneAdjustment {
                apologetic: true,
                calm: true,
                concise: true,
                simple: true,
                reassuring: true,
            },
            language: "en".into(),
            language_name: "English".into(),
            question: "How do I reset my password?".into(),
            passages: vec![PromptPassage {
                n: 1,
                title: "Reset a password".into(),
                headings: "Reset a password › From the login page".into(),
                text: "Click Forgot password on the login page.".into(),
                url: None,
            }],
            history: vec![PromptTurn {
                speaker: "customer",
                text: "Hi".into(),
            }],
            labels: vec!["billing".into(), "login".into()],
            no_answer_marker: NO_ANSWER_MARKER,
        }
    }
}

/// The English name of a language code (models follow names better than codes).
pub fn language_name(code: &str) -> String {
    match code {
        "en" => "English",
        "es" => "Spanish",
        "fr" => "French",
        "de" => "German",
        "it" => "Italian",
        "pt" => "Portuguese",
        "nl" => "Dutch",
        "sv" => "Swedish",
        "da" => "Danish",
        "no" | "nb" => "Norwegian",
        "fi" => "Finnish",
        "pl" => "Polish",
        "cs" => "Czech",
        "tr" => "Turkish",
        "ru" => "Russian",
        "uk" => "Ukrainian",
        "ja" => "Japanese",
        "zh" => "Chinese",
        "ko" => "Korean",
        "ar" => "Arabic",
        "he" => "Hebrew",
        "hi" => "Hindi",
        _ => return "the customer's language".to_owned(),
    }
    .to_owned()
}

/// A rendered prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub system: String,
    pub user: String,
    /// `answer.v1`, `acme/answer.v3`, `answer.custom` …
    pub version: String,
}

/// All templates, built-in and overridden, ready to render.
#[derive(Debug)]
pub struct PromptLibrary {
    env: Environment<'static>,
    /// (tenant slug or "", task) → (template name, version).
    entries: HashMap<(String, Task), (String, String)>,
}

fn template_error(name: &str, e: &minijinja::Error) -> LlmError {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    LlmError::Template {
        name: name.to_owned(),
        message,
    }
}

fn override_version(source: &str) -> String {
    source
        .lines()
        .next()
        .and_then(|l| l.trim().strip_prefix("{#"))
        .and_then(|l| l.trim().strip_prefix("version:"))
        .and_then(|l| l.split("#}").next())
        .map(|v| v.trim())
        .filter(|v| {
            !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
        .map_or_else(
            || "custom".to_owned(),
            |v| format!("v{}", v.trim_start_matches('v')),
        )
}

impl PromptLibrary {
    /// The built-in templates only.
    pub fn builtin() -> Result<Self, LlmError> {
        Self::load(None)
    }

    /// The built-in templates, overridden from `dir` when given. Every
    /// template is rendered once with sample values; the first error names
    /// its file.
    pub fn load(dir: Option<&Path>) -> Result<Self, LlmError> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        let mut entries = HashMap::new();
        for (task, version, source) in BUILTIN {
            let name = format!("{}.{version}.jinja", task.as_str());
            env.add_template_owned(name.clone(), source)
                .map_err(|e| template_error(&name, &e))?;
            entries.insert(
                (String::new(), task),
                (name, format!("{}.{version}", task.as_str())),
            );
        }
        if let Some(dir) = dir {
            let read_dir = |d: &Path| {
                std::fs::read_dir(d).map_err(|e| LlmError::Template {
                    name: d.display().to_string(),
                    message: e.to_string(),
                })
            };
            let mut scopes = vec![(String::new(), dir.to_path_buf())];
            for entry in read_dir(dir)?.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    if let Some(slug) = path.file_name().and_then(|n| n.to_str()) {
                        scopes.push((slug.to_owned(), path.clone()));
                    }
                }
            }
            for (tenant, path) in scopes {
                for task in Task::ALL {
                    let file = path.join(format!("{}.jinja", task.as_str()));
                    if !file.is_file() {
                        continue;
                    }
                    let shown = file.display().to_string();
                    let source =
                        std::fs::read_to_string(&file).map_err(|e| LlmError::Template {
                            name: shown.clone(),
                            message: e.to_string(),
                        })?;
                    let version = override_version(&source);
                    env.add_template_owned(shown.clone(), source)
                        .map_err(|e| template_error(&shown, &e))?;
                    let label = if tenant.is_empty() {
                        format!("{}.{version}", task.as_str())
                    } else {
                        format!("{tenant}/{}.{version}", task.as_str())
                    };
                    entries.insert((tenant.clone(), task), (shown, label));
                }
            }
        }
        let library = Self { env, entries };
        let sample = PromptContext::sample();
        for (name, _) in library.entries.values() {
            library.render_named(name, "", &sample)?;
        }
        Ok(library)
    }

    fn render_named(
        &self,
        name: &str,
        version: &str,
        ctx: &PromptContext,
    ) -> Result<Prompt, LlmError> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| template_error(name, &e))?;
        let mut captured = template
            .render_captured(ctx)
            .map_err(|e| template_error(name, &e))?;
        let (system, user) = captured.with_state_mut(|state| {
            let system = state.render_block("system");
            let user = state.render_block("user");
            (system, user)
        });
        let system = system.map_err(|e| template_error(name, &e))?;
        let user = user.map_err(|e| template_error(name, &e))?;
        if user.trim().is_empty() {
            return Err(LlmError::Template {
                name: name.to_owned(),
                message: "the `user` block renders empty".to_owned(),
            });
        }
        Ok(Prompt {
            system: system.trim().to_owned(),
            user: user.trim().to_owned(),
            version: version.to_owned(),
        })
    }

    /// Renders `task`'s template for `tenant` (its override, else the global one).
    pub fn render(
        &self,
        tenant: &str,
        task: Task,
        ctx: &PromptContext,
    ) -> Result<Prompt, LlmError> {
        let (name, version) = self
            .entries
            .get(&(tenant.to_owned(), task))
            .or_else(|| self.entries.get(&(String::new(), task)))
            .ok_or_else(|| LlmError::Template {
                name: task.as_str().to_owned(),
                message: "no template".to_owned(),
            })?;
        self.render_named(name, version, ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(emotions: &Emotions, tone: &'static str) -> PromptContext {
        PromptContext {
            tone,
            adjust: ToneAdjustment::from_emotions(emotions),
            ..PromptContext::sample()
        }
    }

    #[test]
    fn a_frustrated_customer_gets_a_calmer_apologetic_concise_prompt() {
        let lib = PromptLibrary::builtin().unwrap();
        let calm = Emotions::default();
        let upset = Emotions {
            frustration: 0.8,
            ..Emotions::default()
        };
        let plain = lib
            .render("t", Task::Answer, &ctx(&calm, "friendly"))
            .unwrap();
        let adjusted = lib
            .render("t", Task::Answer, &ctx(&upset, "friendly"))
            .unwrap();
        for needle in ["apology", "calm", "concise"] {
            assert!(
                adjusted.system.contains(needle),
                "{needle}: {}",
                adjusted.system
            );
            assert!(!plain.system.contains(needle), "{needle}: {}", plain.system);
        }
        assert!(plain.system.contains("friendly"));
        assert!(adjusted.user.contains("[1] Reset a password"));
        assert!(adjusted.system.contains(NO_ANSWER_MARKER));
        assert_eq!(adjusted.version, "answer.v1");
    }

    #[test]
    fn tone_presets_change_the_instructions() {
        let lib = PromptLibrary::builtin().unwrap();
        let e = Emotions::default();
        let a = lib.render("", Task::Answer, &ctx(&e, "technical")).unwrap();
        let b = lib
            .render("", Task::Answer, &ctx(&e, "professional"))
            .unwrap();
        assert!(a.system.contains("technical") && !b.system.contains("technical"));
    }

    #[test]
    fn tenant_overrides_win_and_broken_ones_name_their_file() {
        let dir = std::env::temp_dir().join(format!("concierge-prompts-{}", std::process::id()));
        let acme = dir.join("acme");
        std::fs::create_dir_all(&acme).unwrap();
        std::fs::write(
            acme.join("answer.jinja"),
            "{# version: 3 #}\n{% block system %}ACME voice for {{ company }}{% endblock %}{% block user %}{{ question }}{% endblock %}",
        )
        .unwrap();
        let lib = PromptLibrary::load(Some(&dir)).unwrap();
        let c = PromptContext::sample();
        let p = lib.render("acme", Task::Answer, &c).unwrap();
        assert_eq!(p.system, "ACME voice for Example Inc.");
        assert_eq!(p.version, "acme/answer.v3");
        assert_eq!(
            lib.render("other", Task::Answer, &c).unwrap().version,
            "answer.v1"
        );

        std::fs::write(
            acme.join("summarize.jinja"),
            "{% block user %}{{ nope }}{% endblock %}",
        )
        .unwrap();
        let err = PromptLibrary::load(Some(&dir)).unwrap_err();
        assert!(
            matches!(&err, LlmError::Template { name, .. } if name.ends_with("summarize.jinja")),
            "{err}"
        );
        std::fs::write(
            acme.join("summarize.jinja"),
            "{% block user %}{{ unclosed {% endblock %}",
        )
        .unwrap();
        let err = PromptLibrary::load(Some(&dir)).unwrap_err();
        assert!(err.to_string().contains("summarize.jinja"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
