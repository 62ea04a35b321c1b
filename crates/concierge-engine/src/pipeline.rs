//! The pipeline: one customer message → load context → understand and
//! retrieve (in parallel) → moderate → apply rules → decide → act →
//! generate the reply → a [`TurnPlan`] the server writes in one transaction
//! with the messages. Every stage is a span and a latency histogram; a
//! failing stage degrades (no retrieval: answer without citations or fall
//! back; no case system: escalate without a case number) and never loses
//! the customer's message.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use concierge_core::config::EngineConfig;
use concierge_core::engine::{
    ConversationEngine, EngineError, ModerationPlan, Reply, Turn, TurnPlan,
};
use concierge_core::knowledge::Passage;
use concierge_core::model::Conversation;
use concierge_core::{ConversationStatus, OrgId, SenderType};
use concierge_knowledge::{KnowledgeBase, SearchQuery};
use concierge_llm::Router;
use concierge_nlu::{Analysis, Analyzer};
use concierge_store::Store;
use serde_json::json;
use tracing::Instrument;

use crate::actions::ActionExecutor;
use crate::cases::CaseSystem;
use crate::context::ConversationContext;
use crate::decide::Turnaround;
use crate::metrics::EngineMetrics;
use crate::rules::{RuleError, RuleSet, Validation};
use crate::sla::SlaPolicy;
use crate::summary::clip;
use crate::texts;
use crate::workflow::WorkflowLibrary;

/// "Now", injectable so tests control time.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What the engine is built from.
#[derive(Clone)]
pub struct EngineParts {
    pub store: Store,
    pub config: EngineConfig,
    pub analyzer: Analyzer,
    /// `None`: no knowledge base (answers fall back or escalate).
    pub knowledge: Option<KnowledgeBase>,
    pub router: Arc<Router>,
    pub cases: Arc<dyn CaseSystem>,
    pub clock: Clock,
}

impl std::fmt::Debug for EngineParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineParts").finish_non_exhaustive()
    }
}

/// A tenant's settings the engine reads, cached.
#[derive(Debug, Clone)]
pub(crate) struct Tenant {
    pub slug: String,
    pub name: String,
    pub warn: f64,
    pub block: f64,
}

/// The conversation engine.
pub struct Engine {
    pub(crate) store: Store,
    pub(crate) config: EngineConfig,
    pub(crate) analyzer: Analyzer,
    pub(crate) knowledge: Option<KnowledgeBase>,
    pub(crate) router: Arc<Router>,
    pub(crate) cases: Arc<dyn CaseSystem>,
    pub(crate) executor: ActionExecutor,
    pub(crate) workflows: Arc<WorkflowLibrary>,
    pub(crate) defaults: Arc<RuleSet>,
    rules: Mutex<HashMap<OrgId, (Instant, Arc<RuleSet>)>>,
    tenants: Mutex<HashMap<OrgId, (Instant, Tenant)>>,
    pub(crate) sla: SlaPolicy,
    pub(crate) metrics: EngineMetrics,
    pub(crate) clock: Clock,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("knowledge", &self.knowledge.is_some())
            .field("cases", &self.cases.name())
            .finish_non_exhaustive()
    }
}

/// What the customer's message was understood as, with the engine's own signals.
pub(crate) struct Understood {
    pub analysis: Analysis,
    pub language: String,
    pub passages: Vec<Passage>,
    pub retrieval_failed: bool,
}

impl Engine {
    /// An engine with the default rules and workflows.
    pub fn new(parts: EngineParts) -> Self {
        let executor = ActionExecutor::new(parts.store.clone(), parts.cases.clone());
        Self {
            store: parts.store,
            config: parts.config,
            analyzer: parts.analyzer,
            knowledge: parts.knowledge,
            router: parts.router,
            cases: parts.cases,
            executor,
            workflows: Arc::new(WorkflowLibrary::defaults()),
            defaults: Arc::new(RuleSet::defaults()),
            rules: Mutex::new(HashMap::new()),
            tenants: Mutex::new(HashMap::new()),
            sla: SlaPolicy::default(),
            metrics: EngineMetrics::default(),
            clock: parts.clock,
        }
    }

    /// The engine's metrics (register them with the server's registry).
    pub fn metrics(&self) -> &EngineMetrics {
        &self.metrics
    }

    /// The store the engine writes through.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The language-model router (agent assist uses it too).
    pub fn router(&self) -> &Arc<Router> {
        &self.router
    }

    /// The knowledge base, when there is one.
    pub fn knowledge(&self) -> Option<&KnowledgeBase> {
        self.knowledge.as_ref()
    }

    /// The workflow definitions.
    pub fn workflows(&self) -> &WorkflowLibrary {
        &self.workflows
    }

    /// The SLA policy.
    pub fn sla(&self) -> &SlaPolicy {
        &self.sla
    }

    /// "Now" by the engine's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// The tenant's rules: its own when it has stored some, else the defaults.
    pub async fn rules_for(&self, org: OrgId) -> Arc<RuleSet> {
        let ttl = Duration::from_secs(self.config.rules_cache_secs);
        if let Ok(cache) = self.rules.lock() {
            if let Some((at, set)) = cache.get(&org) {
                if at.elapsed() < ttl {
                    return set.clone();
                }
            }
        }
        let set = match self.store.tenant_rules(org).await {
            Ok(Some(stored)) => {
                let parsed = if stored.format == "json" {
                    RuleSet::from_json(&stored.document)
                } else {
                    RuleSet::from_yaml(&stored.document)
                };
                match parsed {
                    Ok(set) => Arc::new(set),
                    Err(e) => {
                        tracing::error!(error.message = %e, "stored rules no longer load; using the defaults");
                        self.defaults.clone()
                    }
                }
            }
            Ok(None) => self.defaults.clone(),
            Err(e) => {
                // Degrade: the defaults still protect the customer.
                tracing::warn!(error.message = %e, "rules unavailable; using the defaults");
                self.metrics.failed("rules");
                return self.defaults.clone();
            }
        };
        if let Ok(mut cache) = self.rules.lock() {
            cache.insert(org, (Instant::now(), set.clone()));
        }
        set
    }

    /// Validates and stores a tenant's rules (YAML or JSON); they apply at
    /// once on this node and within `rules_cache_secs` on the others.
    pub async fn put_rules(
        &self,
        org: OrgId,
        text: &str,
        format: &str,
        actor: &str,
    ) -> Result<(i32, Arc<RuleSet>), PutRulesError> {
        let set = self
            .check_rules(text, format)
            .map_err(PutRulesError::Invalid)?;
        let version = self
            .store
            .put_tenant_rules(
                org,
                text,
                if format == "json" { "json" } else { "yaml" },
                actor,
            )
            .await
            .map_err(PutRulesError::Store)?;
        let set = Arc::new(set);
        if let Ok(mut cache) = self.rules.lock() {
            cache.insert(org, (Instant::now(), set.clone()));
        }
        Ok((version, set))
    }

    /// Parses and validates a rules document (`yaml` or `json`) against the
    /// intents and workflows this engine knows, without storing it.
    pub fn check_rules(&self, text: &str, format: &str) -> Result<RuleSet, RuleError> {
        let intents: Vec<&str> = self
            .analyzer
            .model()
            .intents()
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        let workflows = self.workflows.names();
        let validation = Validation {
            intents: Some(&intents),
            workflows: Some(&workflows),
            queues: None,
        };
        match format {
            "json" => RuleSet::from_json_checked(text, &validation),
            _ => RuleSet::from_yaml_checked(text, &validation),
        }
    }

    pub(crate) async fn tenant(&self, org: OrgId) -> Tenant {
        if let Ok(cache) = self.tenants.lock() {
            if let Some((at, t)) = cache.get(&org) {
                if at.elapsed() < Duration::from_secs(60) {
                    return t.clone();
                }
            }
        }
        let fallback = Tenant {
            slug: "default".into(),
            name: "our company".into(),
            warn: self.config.moderation_warn,
            block: self.config.moderation_block,
        };
        let t = match self.store.get_organization(org).await {
            Ok(o) => {
                let m = o.settings.get("moderation");
                let num = |k: &str, d: f64| {
                    m.and_then(|m| m.get(k))
                        .and_then(|v| v.as_f64())
                        .filter(|v| (0.0..=1.0).contains(v))
                        .unwrap_or(d)
                };
                Tenant {
                    slug: o.slug,
                    name: o.name,
                    warn: num("warn", self.config.moderation_warn),
                    block: num("block", self.config.moderation_block),
                }
            }
            Err(_) => return fallback,
        };
        if let Ok(mut cache) = self.tenants.lock() {
            cache.insert(org, (Instant::now(), t.clone()));
        }
        t
    }

    /// Loads who the customer is, once per conversation.
    async fn load_profile(&self, conversation: &Conversation, ctx: &mut ConversationContext) {
        let started = Instant::now();
        ctx.profile.loaded = true;
        let meta = conversation.metadata.get("customer");
        let text = |k: &str| {
            meta.and_then(|m| m.get(k))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        ctx.profile.language = text("language");
        ctx.profile.preferred_language = ctx.profile.language.clone();
        ctx.profile.name = text("name");
        if let Some(id) = conversation.customer_id {
            match self.store.get_user(conversation.org_id, id).await {
                Ok(u) => {
                    ctx.profile.email = u.email;
                    ctx.profile.tier = u.customer_tier;
                    if ctx.profile.name.is_none() {
                        ctx.profile.name = u.display_name;
                    }
                }
                Err(e) => {
                    tracing::warn!(error.message = %e, "customer profile unavailable");
                    self.metrics.failed("profile");
                }
            }
        }
        if let Some(email) = ctx.profile.email.clone() {
            match self.cases.customer(conversation.org_id, &email).await {
                Ok(Some(info)) => {
                    if ctx.profile.tier.is_none() {
                        ctx.profile.tier = info.tier.as_deref().and_then(|t| t.parse().ok());
                    }
                    ctx.profile.account = info.account;
                    ctx.profile.open_cases =
                        u32::try_from(info.open_cases.len()).unwrap_or(u32::MAX);
                    ctx.profile.open_case_numbers = info.open_cases;
                }
                Ok(None) => {
                    if let Ok(cases) = self.cases.open_cases(conversation.org_id, &email).await {
                        ctx.profile.open_cases = u32::try_from(cases.len()).unwrap_or(u32::MAX);
                        ctx.profile.open_case_numbers =
                            cases.into_iter().map(|c| c.case_number).take(20).collect();
                    }
                }
                Err(e) => {
                    tracing::warn!(error.message = %e, "customer context unavailable");
                    self.metrics.failed("profile");
                }
            }
        }
        self.metrics.stage("load", started);
    }

    /// Understanding and retrieval, side by side.
    async fn understand(
        &self,
        org: OrgId,
        text: &str,
        hint: Option<String>,
        retrieve: bool,
        now: DateTime<Utc>,
    ) -> Understood {
        let analyzer = self.analyzer.clone();
        let owned = text.to_owned();
        let hint2 = hint.clone();
        let metrics = self.metrics.clone();
        // Analysis takes ~0.1 ms and runs on this task: beside a dense
        // search on the blocking pool, or before a BM25-only one.
        let understand = async move {
            let started = Instant::now();
            let ctx = concierge_nlu::Context::new(now);
            let ctx = match hint2 {
                Some(h) => ctx.with_language_hint(h),
                None => ctx,
            };
            let r = analyzer.analyze(&owned, &ctx);
            metrics.stage("understand", started);
            Ok::<_, std::convert::Infallible>(r)
        }
        .instrument(tracing::info_span!("understand"));
        let kb = if retrieve {
            self.knowledge.clone()
        } else {
            None
        };
        let mut query = SearchQuery {
            text: text.chars().take(1000).collect(),
            prefer_language: hint.clone(),
            limit: 3,
            ..SearchQuery::default()
        };
        let metrics = self.metrics.clone();
        let search = move |kb: Option<KnowledgeBase>, query: SearchQuery| {
            async move {
                let Some(kb) = kb else { return Ok(Vec::new()) };
                if query.text.trim().is_empty() {
                    return Ok(Vec::new());
                }
                let started = Instant::now();
                let r = if !kb.search_is_slow() {
                    Ok(kb.search(org, &query))
                } else {
                    tokio::task::spawn_blocking(move || kb.search(org, &query)).await
                };
                metrics.stage("retrieve", started);
                match r {
                    Ok(Ok(p)) => Ok(p),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(e) => Err(e.to_string()),
                }
            }
            .instrument(tracing::info_span!("retrieve"))
        };
        let slow = kb.as_ref().is_some_and(KnowledgeBase::search_is_slow);
        let (passages, analysis) = if slow {
            // Encoding the query with a model takes milliseconds: the search
            // goes to the blocking pool on its first poll, and the analysis
            // runs here meanwhile.
            tokio::join!(search(kb, query), understand)
        } else {
            // A BM25-only search, or a hybrid one with the static encoder, is
            // short (≈50–300 µs on the demo base, 1–3 ms p99 on 10,000
            // articles; `concierge kb bench`), cheaper to run on this task
            // than to hand to the blocking pool. It runs
            // after the analysis, so that it reads the query only as the
            // languages it can be in: the detected one when detection is
            // sure, the customer's, and English, the base language (error
            // codes and product names match there whatever the customer
            // writes in). Each language read costs a term lookup per field.
            let analysis = understand.await;
            if let Ok(Ok(a)) = &analysis {
                if a.language.code != "und" && a.language.confidence >= 0.5 {
                    let mut read_as = vec![a.language.code.clone()];
                    read_as.extend(hint);
                    read_as.push("en".to_owned());
                    read_as.sort();
                    read_as.dedup();
                    query.read_as = read_as;
                }
            }
            (search(kb, query).await, analysis)
        };
        let analysis = match analysis {
            Ok(Ok(a)) => a,
            other => {
                tracing::warn!(outcome = ?other.err(), "understanding failed; the message is treated as unclassified");
                self.metrics.failed("understand");
                neutral_analysis()
            }
        };
        let (passages, retrieval_failed) = match passages {
            Ok(p) => (p, false),
            Err(e) => {
                tracing::warn!(error.message = %e, "retrieval failed; answering without knowledge");
                self.metrics.failed("retrieve");
                (Vec::new(), true)
            }
        };
        let detected = &analysis.language;
        let language = if detected.code != "und" && detected.confidence >= 0.5 {
            detected.code.clone()
        } else {
            "en".to_owned()
        };
        Understood {
            analysis,
            language,
            passages,
            retrieval_failed,
        }
    }

    /// The whole turn.
    async fn handle(&self, turn: &Turn) -> Result<Reply, EngineError> {
        let started = Instant::now();
        let conversation = match &turn.conversation {
            Some(c) => c.clone(),
            None => self
                .store
                .get_conversation(turn.org_id, turn.conversation_id)
                .await
                .map_err(|e| EngineError::Stage {
                    stage: "load",
                    message: e.to_string(),
                })?,
        };
        let now = self.now();
        let mut ctx = ConversationContext::from_json(&conversation.context);
        if !ctx.profile.loaded {
            self.load_profile(&conversation, &mut ctx).await;
        }
        ctx.messages += 1;
        let human = conversation.escalated
            && matches!(
                conversation.status,
                ConversationStatus::Escalated
                    | ConversationStatus::WaitingForAgent
                    | ConversationStatus::WaitingForUser
            );
        let hint = ctx.profile.language.clone();
        let mut u = self
            .understand(turn.org_id, &turn.content, hint, !human, now)
            .await;
        // The language the customer asked for wins unless they clearly write
        // in another one; otherwise the last confidently detected language.
        let words = turn.content.split_whitespace().count();
        let clear = u.analysis.language.confidence >= 0.9 && words >= 4;
        let sure = u.analysis.language.confidence >= 0.5;
        match (&ctx.profile.preferred_language, &ctx.profile.language) {
            (Some(p), _) if !clear => u.language = p.clone(),
            (None, Some(l)) if !sure => u.language = l.clone(),
            _ => {}
        }
        if sure {
            ctx.profile.language = Some(u.language.clone());
        }
        let tenant = self.tenant(turn.org_id).await;
        let mut plan = TurnPlan {
            language: Some(u.language.clone()),
            user_entities: serde_json::to_value(&u.analysis.entities).unwrap_or(json!([])),
            ..TurnPlan::default()
        };
        let trend = ctx.observe_sentiment(u.analysis.sentiment.compound);
        plan.user_analysis = json!({
            "language": u.analysis.language,
            "intent": u.analysis.intent,
            "sentiment": u.analysis.sentiment,
            "sentiment_trend": trend,
            "emotions": u.analysis.emotions,
            "toxicity": u.analysis.toxicity,
            "retrieval_failed": u.retrieval_failed,
        });
        if ctx.messages == 1 {
            ctx.key_moment(format!("First message: {}", clip(&turn.content, 200)));
        }

        // Moderation.
        let moderate = Instant::now();
        let toxicity = u.analysis.toxicity.score;
        let categories = serde_json::to_value(&u.analysis.toxicity.categories).unwrap_or(json!({}));
        if toxicity >= tenant.block {
            ctx.moderation_strikes += 1;
            ctx.key_moment(format!(
                "Message blocked by moderation (toxicity {toxicity:.2})"
            ));
            plan.moderation = Some(ModerationPlan {
                level: "blocked".into(),
                score: toxicity,
                categories,
            });
            plan.sender = Some(SenderType::System);
            plan.reply_analysis = json!({"decision": "blocked"});
            plan.events.push((
                "moderation.blocked".into(),
                json!({"conversation_id": turn.conversation_id, "score": toxicity}),
            ));
            plan.context = Some(ctx.to_json());
            self.metrics.stage("moderate", moderate);
            return Ok(self.finish(
                plan,
                texts::BLOCKED.get(&u.language).to_owned(),
                &u,
                "blocked",
                started,
            ));
        }
        let warned = toxicity >= tenant.warn;
        if warned {
            ctx.moderation_strikes += 1;
            plan.moderation = Some(ModerationPlan {
                level: "warned".into(),
                score: toxicity,
                categories,
            });
        }
        self.metrics.stage("moderate", moderate);

        if human {
            // A human has the conversation: store, analyse, notify; do not answer.
            plan.silent = true;
            plan.status = Some(ConversationStatus::WaitingForAgent);
            plan.context = Some(ctx.to_json());
            plan.reply_analysis = json!({"decision": "human"});
            return Ok(self.finish(plan, String::new(), &u, "human", started));
        }

        let mut t = Turnaround {
            engine: self,
            turn,
            ctx,
            plan,
            u: &u,
            tenant: &tenant,
            now,
            trend,
        };
        let (text, decision) = t.decide().instrument(tracing::info_span!("decide")).await;
        let mut plan = t.plan;
        let mut text = text;
        if warned {
            text = format!("{}{}", texts::WARNED.get(&u.language), text);
        }
        // A closed conversation the customer writes to again is reopened.
        if conversation.status.is_closed() && plan.status != Some(ConversationStatus::Resolved) {
            t.ctx.reopens += 1;
        }
        plan.context = Some(t.ctx.to_json());
        Ok(self.finish(plan, text, &u, decision, started))
    }

    /// The reply, with the turn's analytics event.
    fn finish(
        &self,
        mut plan: TurnPlan,
        text: String,
        u: &Understood,
        decision: &'static str,
        started: Instant,
    ) -> Reply {
        let intent = &u.analysis.intent;
        self.metrics
            .decisions
            .get_or_create(&crate::metrics::DecisionLabels { decision })
            .inc();
        if let Some(obj) = plan.reply_analysis.as_object_mut() {
            obj.entry("decision").or_insert(json!(decision));
        } else {
            plan.reply_analysis = json!({"decision": decision});
        }
        plan.events.push((
            "engine.turn".into(),
            json!({
                "decision": decision, "intent": intent.name, "confidence": intent.confidence,
                "out_of_scope": intent.out_of_scope, "language": u.language,
                "sentiment": u.analysis.sentiment.compound, "toxicity": u.analysis.toxicity.score,
                "escalated": plan.escalation.is_some(), "citations": plan.citations.len(),
                "engine_ms": started.elapsed().as_secs_f64() * 1000.0,
            }),
        ));
        self.metrics.stage("total", started);
        let requires_escalation = plan.escalation.is_some();
        Reply {
            content: text,
            intent: Some(intent.name.clone()),
            confidence: Some(intent.confidence),
            sentiment: Some(u.analysis.sentiment.compound),
            suggested_actions: if requires_escalation {
                vec![]
            } else {
                vec!["talk_to_human".to_owned()]
            },
            requires_escalation,
            plan,
        }
    }
}

/// Why storing rules failed.
#[derive(Debug, thiserror::Error)]
pub enum PutRulesError {
    #[error(transparent)]
    Invalid(RuleError),
    #[error("rules not stored: {0}")]
    Store(concierge_store::StoreError),
}

#[async_trait]
impl ConversationEngine for Engine {
    fn name(&self) -> &'static str {
        "pipeline"
    }

    fn history_window(&self) -> usize {
        self.config.history_window
    }

    async fn respond(&self, turn: &Turn) -> Result<Reply, EngineError> {
        let span = tracing::info_span!("engine", tenant = %turn.org_id.0, conversation = %turn.conversation_id.0);
        self.handle(turn).instrument(span).await
    }
}

/// The analysis used when understanding itself failed.
fn neutral_analysis() -> Analysis {
    use concierge_nlu::*;
    Analysis {
        language: Language {
            code: "und".into(),
            confidence: 0.0,
        },
        intent: Intent {
            name: "out_of_scope".into(),
            confidence: 0.0,
            alternatives: vec![],
            out_of_scope: true,
        },
        entities: vec![],
        sentiment: Sentiment {
            compound: 0.0,
            label: SentimentLabel::Neutral,
            positive: 0.0,
            neutral: 1.0,
            negative: 0.0,
        },
        emotions: Emotions::default(),
        toxicity: Toxicity::default(),
    }
}
