//! Before a call: decide whether a model may be asked at all (route,
//! grounding floor, budget, prompt size) and build the masked prompt. After
//! it: turn the model's text into a [`TaskOutcome`] and account for it.

use std::sync::Arc;

use concierge_core::knowledge::Passage;
use tracing::warn;

use super::{Router, Slot};
use crate::accounting::{month_start, usd_to_micros, UsageRecord};
use crate::grounding::{relevance, worth_asking, OutputFilter};
use crate::metrics::{FallbackLabels, ProviderLabels, TokenLabels};
use crate::pii::PiiMap;
use crate::prompt::{language_name, PromptContext, PromptPassage, PromptTurn, ToneAdjustment};
use crate::task::{FallbackStep, Speaker, Task, TaskOutcome, TaskRequest};
use crate::types::{ChatMessage, ChatRequest, Usage};
use crate::LOCAL;

/// A call worth making.
#[derive(Debug)]
pub(crate) struct Plan {
    pub chat: ChatRequest,
    /// The passages as numbered in the prompt (`[1]` is `passages[0]`).
    pub passages: Vec<Passage>,
    pub pii: PiiMap,
    pub version: String,
    pub chain: Vec<Arc<Slot>>,
}

/// What to do with a request.
#[derive(Debug)]
pub(crate) enum Prepared {
    Remote(Box<Plan>),
    /// Answer locally, for `reason`, after these steps.
    Local {
        reason: &'static str,
        fallbacks: Vec<FallbackStep>,
    },
}

fn step(provider: &str, reason: &str, detail: impl Into<String>) -> FallbackStep {
    FallbackStep {
        provider: provider.to_owned(),
        reason: reason.to_owned(),
        detail: detail.into(),
    }
}

fn local(reason: &'static str, fallbacks: Vec<FallbackStep>) -> Prepared {
    Prepared::Local { reason, fallbacks }
}

impl Router {
    /// Whether the tenant's personal data may leave unmasked.
    fn pii_allowed(&self, req: &TaskRequest) -> bool {
        self.allow_pii
            || req.tenant.allow_pii
            || self.pii_tenants.contains(&req.tenant.slug)
            || self.pii_tenants.contains(&req.org_id.to_string())
    }

    pub(crate) async fn prepare(&self, req: &TaskRequest) -> Prepared {
        let chain = self.routes.get(&req.task).cloned().unwrap_or_default();
        if chain.is_empty() {
            return local("no_providers", Vec::new());
        }
        let floor = self.grounding.min_relevance;
        let mut passages: Vec<Passage> = Vec::new();
        match req.task {
            Task::Answer | Task::Assist => {
                let scores = relevance(&req.question, req.language.as_deref(), &req.passages);
                if req.passages.is_empty() || !worth_asking(&scores, floor) {
                    let detail = format!("no passage reaches relevance {floor}");
                    return local(
                        "not_grounded",
                        vec![step("grounding", "no_relevant_passage", detail)],
                    );
                }
                passages = req
                    .passages
                    .iter()
                    .zip(&scores)
                    .filter(|(_, s)| s.is_none_or(|s| s >= floor))
                    .map(|(p, _)| p.clone())
                    .take(self.grounding.max_passages)
                    .collect();
            }
            Task::Summarize if req.history.is_empty() && req.question.trim().is_empty() => {
                return local("nothing_to_do", Vec::new());
            }
            Task::Classify if req.labels.is_empty() => return local("nothing_to_do", Vec::new()),
            _ => {}
        }
        let limit = match req.tenant.monthly_budget_usd {
            Some(usd) => Some(usd_to_micros(usd)),
            None => self.budgets.limit_micros(&req.tenant.slug, req.org_id),
        };
        if let Some(limit) = limit {
            let since = month_start(self.clock.utc());
            match self.sink.spent_since(req.org_id, since).await {
                Ok(spent) if spent >= limit => {
                    let detail = format!("spent {spent} of {limit} micro-USD this month");
                    return local(
                        "budget_exceeded",
                        vec![step("budget", "budget_exceeded", detail)],
                    );
                }
                Ok(_) => {}
                // A store hiccup should not silence the models: budgets are soft.
                Err(e) => warn!(error.message = %e, "usage sink unavailable; budget not checked"),
            }
        }
        let mut pii = PiiMap::new();
        let allowed = self.pii_allowed(req);
        let mut mask = |text: &str| {
            if allowed {
                text.to_owned()
            } else {
                pii.mask(&self.pii, text)
            }
        };
        let lang = req.language_or_default().to_owned();
        let ctx = PromptContext {
            company: req.tenant.display_name.clone(),
            tone: req.tenant.tone.as_str(),
            adjust: ToneAdjustment::from_emotions(&req.emotions),
            language_name: language_name(&lang),
            language: lang,
            question: mask(&req.question),
            passages: passages
                .iter()
                .enumerate()
                .map(|(i, p)| PromptPassage {
                    n: i + 1,
                    title: p.citation.title.clone(),
                    headings: p.headings.join(" › "),
                    text: p.text.clone(),
                    url: p.citation.url.clone(),
                })
                .collect(),
            history: req
                .history
                .iter()
                .map(|t| PromptTurn {
                    speaker: match t.speaker {
                        Speaker::Customer => "customer",
                        Speaker::Assistant => "assistant",
                        Speaker::Agent => "agent",
                    },
                    text: mask(&t.text),
                })
                .collect(),
            labels: req.labels.clone(),
            no_answer_marker: crate::grounding::NO_ANSWER_MARKER,
        };
        let prompt = match self.prompts.render(&req.tenant.slug, req.task, &ctx) {
            Ok(p) => p,
            Err(e) => {
                warn!(error.message = %e, task = req.task.as_str(), "prompt template failed");
                return local("template", vec![step("prompt", e.kind(), e.to_string())]);
            }
        };
        let chat = ChatRequest {
            system: Some(prompt.system),
            messages: vec![ChatMessage::user(prompt.user)],
            temperature: (req.task == Task::Classify).then_some(0.0),
            ..Default::default()
        };
        let chars = chat.chars();
        if chars > self.limits.max_prompt_chars {
            let limit = self.limits.max_prompt_chars;
            let detail = format!("{chars} characters, limit {limit}");
            return local(
                "prompt_too_long",
                vec![step("prompt", "prompt_too_long", detail)],
            );
        }
        Prepared::Remote(Box::new(Plan {
            chat,
            passages,
            pii,
            version: prompt.version,
            chain,
        }))
    }

    /// The local responder's outcome after `fallbacks`.
    pub(crate) fn local_outcome(
        &self,
        req: &TaskRequest,
        reason: &str,
        fallbacks: Vec<FallbackStep>,
    ) -> TaskOutcome {
        self.metrics
            .local_answers
            .get_or_create(&FallbackLabels {
                task: req.task.as_str().to_owned(),
                reason: reason.to_owned(),
            })
            .inc();
        let mut outcome = if reason == "not_grounded" {
            self.local.dont_know(req)
        } else {
            self.local.respond(req)
        };
        outcome.fallbacks = fallbacks;
        outcome
    }

    /// The outcome of a model's (filtered) reply.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn remote_outcome(
        &self,
        req: &TaskRequest,
        plan: &Plan,
        provider: &str,
        model: &str,
        text: String,
        filter: &OutputFilter,
        usage: Usage,
        cost_micros: u64,
        fallbacks: Vec<FallbackStep>,
    ) -> TaskOutcome {
        let mut outcome = TaskOutcome::local(req.task, text);
        outcome.provider = provider.to_owned();
        outcome.model = model.to_owned();
        outcome.usage = usage;
        outcome.cost_micros = cost_micros;
        outcome.fallbacks = fallbacks;
        outcome.prompt_version = Some(plan.version.clone());
        match req.task {
            Task::Answer | Task::Assist => {
                outcome.citations = filter.citations(&plan.passages);
                let no_answer = filter.said_no_answer();
                outcome.grounded = !no_answer && !outcome.citations.is_empty();
                outcome.offered_human = no_answer && req.task == Task::Answer;
                if no_answer {
                    outcome.citations.clear();
                    if outcome.text.trim().is_empty() {
                        outcome.text = self.local.dont_know(req).text;
                    }
                }
            }
            Task::Classify => outcome.label = parse_label(&outcome.text, &req.labels),
            Task::Summarize => {}
        }
        outcome
    }

    /// Usage as reported, or estimated from text length when the provider
    /// reported none (some compatible servers do not stream usage).
    pub(crate) fn usage_or_estimate(plan: &Plan, usage: Usage, reply: &str) -> (Usage, bool) {
        if usage != Usage::default() {
            return (usage, false);
        }
        let tokens = |chars: usize| (chars.div_ceil(4)).min(u32::MAX as usize) as u32;
        (
            Usage {
                prompt_tokens: tokens(plan.chat.chars()),
                completion_tokens: tokens(reply.chars().count()),
            },
            true,
        )
    }

    /// Prices a call, records it in the sink and the metrics; returns the cost.
    pub(crate) async fn account(
        &self,
        req: &TaskRequest,
        provider: &str,
        model: &str,
        usage: Usage,
        estimated: bool,
    ) -> u64 {
        let cost = self.prices.cost_micros(provider, usage);
        let labels = |kind: &str| TokenLabels {
            provider: provider.to_owned(),
            model: model.to_owned(),
            kind: kind.to_owned(),
        };
        self.metrics
            .tokens
            .get_or_create(&labels("prompt"))
            .inc_by(u64::from(usage.prompt_tokens));
        self.metrics
            .tokens
            .get_or_create(&labels("completion"))
            .inc_by(u64::from(usage.completion_tokens));
        self.metrics
            .cost_micros
            .get_or_create(&ProviderLabels {
                provider: provider.to_owned(),
            })
            .inc_by(cost);
        let record = UsageRecord {
            org_id: req.org_id,
            conversation_id: req.conversation_id,
            provider: provider.to_owned(),
            model: model.to_owned(),
            task: req.task,
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            cost_micros: cost,
            estimated,
            at: self.clock.utc(),
        };
        if let Err(e) = self.sink.record(&record).await {
            warn!(error.message = %e, provider, "usage record lost");
        }
        cost
    }
}

/// The label a classification reply names: an exact (case-insensitive)
/// match, else the one label the reply mentions; `none` or anything
/// ambiguous is `None`.
pub(crate) fn parse_label(reply: &str, labels: &[String]) -> Option<String> {
    let clean = reply
        .trim()
        .trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .to_lowercase();
    if clean.is_empty() || clean == "none" || clean == LOCAL {
        return None;
    }
    if let Some(l) = labels.iter().find(|l| l.to_lowercase() == clean) {
        return Some(l.clone());
    }
    let mentioned: Vec<&String> = labels
        .iter()
        .filter(|l| {
            let l = l.to_lowercase();
            clean
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .any(|w| w == l)
        })
        .collect();
    match mentioned.as_slice() {
        [one] => Some((*one).clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_matched_strictly() {
        let labels = vec!["billing".to_owned(), "login_issue".to_owned()];
        assert_eq!(
            parse_label(" Billing.\n", &labels).as_deref(),
            Some("billing")
        );
        assert_eq!(
            parse_label("Label: login_issue", &labels).as_deref(),
            Some("login_issue")
        );
        assert_eq!(parse_label("none", &labels), None);
        assert_eq!(parse_label("billing or login_issue", &labels), None);
        assert_eq!(parse_label("shipping", &labels), None);
    }
}
