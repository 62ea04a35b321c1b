//! Deciding and acting on one understood message: rules first (escalate,
//! route, tag, …), then the workflow in progress or a new one, small talk,
//! a grounded answer from knowledge, or a fallback — and escalation with a
//! summary card, SLA deadlines and a case when that is the decision.

use std::time::Instant;

use chrono::{DateTime, Utc};
use concierge_core::engine::{EscalationPlan, Turn, TurnPlan};
use concierge_core::{ConversationStatus, Priority, SenderType};
use concierge_llm::{Speaker, Task, TaskRequest, TenantSettings};
use concierge_nlu::data::Risk;
use serde_json::json;

use crate::actions::{Actor, Outcome};
use crate::cases::CaseRequest;
use crate::context::{CitedArticle, ConversationContext};
use crate::pipeline::{Engine, Tenant, Understood};
use crate::rules::{render_template, Evaluation, Facts, RuleAction};
use crate::summary::{self, CardInput};
use crate::texts;
use crate::workflow::{self, Pending, Step, TurnInput, WorkflowState};

/// Intents that are conversation manners rather than topics.
const SMALL_TALK: [&str; 3] = ["greeting", "thanks", "goodbye"];

/// One turn being decided.
pub(crate) struct Turnaround<'a> {
    pub engine: &'a Engine,
    pub turn: &'a Turn,
    pub ctx: ConversationContext,
    pub plan: TurnPlan,
    pub u: &'a Understood,
    pub tenant: &'a Tenant,
    pub now: DateTime<Utc>,
    pub trend: f64,
}

impl<'a> Turnaround<'a> {
    fn lang(&self) -> &'a str {
        let u: &'a Understood = self.u;
        &u.language
    }

    fn intent(&self) -> Option<&'a str> {
        let u: &'a Understood = self.u;
        let i = &u.analysis.intent;
        (!i.out_of_scope).then_some(i.name.as_str())
    }

    /// Whether the message answers the workflow's pending question (tried on a copy).
    fn answers_workflow(&self) -> bool {
        let Some(state) = &self.ctx.workflow else {
            return false;
        };
        let Some(def) = self.engine.workflows.get(&state.workflow) else {
            return false;
        };
        let input = TurnInput {
            text: &self.turn.content,
            entities: &self.u.analysis.entities,
            intent: self.intent(),
            language: self.lang(),
        };
        let mut trial = state.clone();
        let step = def.advance(&mut trial, &input, "trial");
        !matches!(step, Step::Retry { .. } | Step::GiveUp { .. })
    }

    /// Evaluates the tenant's rules over this message.
    async fn rules(&self) -> Evaluation {
        let started = Instant::now();
        let set = self.engine.rules_for(self.turn.org_id).await;
        let a = &self.u.analysis;
        // An answer to the workflow's question ("yes please", "next month")
        // is not a request of its own: intent-based rules do not read it.
        let answering = self.answers_workflow();
        let spec = if answering {
            None
        } else {
            self.engine.analyzer.model().intent(&a.intent.name)
        };
        let kinds: Vec<&str> = a.entities.iter().map(|e| e.kind.as_str()).collect();
        let facts = Facts {
            intent: if answering { None } else { self.intent() },
            intent_escalate: spec.is_some_and(|s| s.escalate),
            intent_risk: spec.map_or(Risk::Low, |s| s.risk),
            out_of_scope: a.intent.out_of_scope && !answering,
            confidence: if answering { 1.0 } else { a.intent.confidence },
            sentiment: a.sentiment.compound,
            sentiment_trend: self.trend,
            negative_streak: self.ctx.negative_streak,
            emotions: a.emotions.clone(),
            toxicity: a.toxicity.score,
            language: self.lang(),
            channel: self.turn.channel,
            tier: self.ctx.profile.tier,
            message_count: self.ctx.messages,
            fallback_count: self.ctx.fallbacks,
            open_cases: self.ctx.profile.open_cases,
            entity_kinds: &kinds,
            text: &self.turn.content,
            business_hours: set.business_hours().contains(self.now),
            workflow_active: self.ctx.workflow.is_some(),
        };
        let evaluation = set.evaluate(&facts);
        self.engine.metrics.stage("rules", started);
        evaluation
    }

    /// Decides, acts, and returns the reply text and the decision's name.
    pub async fn decide(&mut self) -> (String, &'static str) {
        let evaluation = self.rules().await;
        self.plan.reply_analysis = json!({
            "rules": evaluation.fired.iter().map(|f| f.rule_id.to_string()).collect::<Vec<_>>(),
        });
        let mut extra = self.apply_side_rules(&evaluation).await;
        if let Some(intent) = self.intent() {
            if !SMALL_TALK.contains(&intent) {
                self.ctx.push_topic(intent);
            }
        }

        let (text, decision) = if let Some((
            fired,
            RuleAction::Escalate {
                queue,
                priority,
                reason,
            },
        )) = evaluation.escalation()
        {
            let queue = queue
                .clone()
                .or_else(|| evaluation.queue().map(str::to_owned));
            let priority = priority.or(evaluation.priority());
            let reason = if reason.is_empty() {
                fired.rule_id.to_string()
            } else {
                reason.clone()
            };
            (self.escalate(&reason, queue, priority).await, "escalate")
        } else if let Some(result) = self.continue_workflow().await {
            result
        } else if let Some(result) = self.start_workflow(&evaluation).await {
            result
        } else if let Some(result) = self.small_talk() {
            result
        } else {
            match self.answer().await {
                Some(text) => (text, "answer"),
                None => self.fallback().await,
            }
        };
        if decision == "small_talk" && self.plan.status == Some(ConversationStatus::Resolved) {
            self.record_resolution().await;
        }
        if decision != "escalate" && decision != "small_talk" {
            if let Some(resume) = self.resume_hint() {
                extra.push(resume);
            }
        }
        let mut text = text;
        for e in extra {
            text.push_str(&e);
        }
        (text, decision)
    }

    /// Routing, priority, tags, notifications, cases and reply templates.
    async fn apply_side_rules(&mut self, evaluation: &Evaluation) -> Vec<String> {
        let mut extra = Vec::new();
        if evaluation.escalation().is_none() {
            if let Some(q) = evaluation.queue() {
                self.plan.queue = Some(q.to_owned());
            }
            if let Some(p) = evaluation.priority() {
                self.plan.priority = Some(p);
            }
        }
        for tag in evaluation.tags() {
            self.ctx.tag(tag);
        }
        for (_, action) in evaluation.actions() {
            match action {
                RuleAction::Notify { target, message } => self.plan.events.push((
                    "notification.requested".into(),
                    json!({"conversation_id": self.turn.conversation_id, "target": target, "message": message}),
                )),
                RuleAction::Reply { template } => {
                    let profile = &self.ctx.profile;
                    let intent = self.intent().map(str::to_owned);
                    let queue = self.plan.queue.clone();
                    let rendered = render_template(template, &|name| match name {
                        "customer_name" => profile.name.clone(),
                        "open_case" => profile.open_case_numbers.first().cloned(),
                        "open_cases" => (!profile.open_case_numbers.is_empty())
                            .then(|| profile.open_case_numbers.join(", ")),
                        "account" => profile.account.clone(),
                        "intent" => intent.clone(),
                        "queue" => queue.clone(),
                        _ => None,
                    });
                    extra.push(format!(" {rendered}"));
                }
                RuleAction::CreateCase { priority } if evaluation.escalation().is_none() => {
                    let request = self.case_request(
                        &format!("Case opened by rule for: {}", summary::clip(&self.turn.content, 80)),
                        priority.unwrap_or(Priority::Medium),
                        json!({}),
                    );
                    if let Err(e) = self.engine.cases.upsert_case(self.turn.org_id, &request).await {
                        tracing::warn!(error.message = %e, "rule's case not created");
                        self.engine.metrics.failed("case");
                    }
                }
                _ => {}
            }
        }
        extra
    }

    fn case_request(
        &self,
        subject: &str,
        priority: Priority,
        details: serde_json::Value,
    ) -> CaseRequest {
        CaseRequest {
            conversation_id: self.turn.conversation_id,
            subject: subject.to_owned(),
            description: details
                .get("summary")
                .and_then(|s| s.as_str())
                .unwrap_or(subject)
                .to_owned(),
            priority,
            queue: self.plan.queue.clone(),
            contact_email: self.ctx.profile.email.clone(),
            origin: match self.turn.channel {
                concierge_core::Channel::Email => "Email".into(),
                concierge_core::Channel::Web => "Chat".into(),
                other => other.as_str().to_owned(),
            },
            details,
        }
    }

    /// Hands the conversation to a human.
    pub(crate) async fn escalate(
        &mut self,
        reason: &str,
        queue: Option<String>,
        priority: Option<Priority>,
    ) -> String {
        let started = Instant::now();
        let tier = self.ctx.profile.tier;
        let priority = priority.unwrap_or_else(|| crate::sla::default_priority(tier));
        let queue = queue.unwrap_or_else(|| self.engine.config.default_queue.clone());
        let deadlines = self.engine.sla.deadlines(priority, tier, self.now);
        self.ctx
            .key_moment(format!("Escalated: {}", reason.replace('_', " ")));
        self.ctx.workflow = None;
        let entities = self
            .u
            .analysis
            .entities
            .iter()
            .map(|e| (e.kind.clone(), e.text.clone()))
            .collect();
        let mut card = summary::card(&CardInput {
            history: &self.turn.history,
            message: &self.turn.content,
            context: &self.ctx,
            intent: self.intent(),
            confidence: self.u.analysis.intent.confidence,
            entities,
            reason,
            queue: &queue,
            priority: priority.as_str(),
        });
        let title = card["title"]
            .as_str()
            .unwrap_or("Conversation escalated")
            .to_owned();
        self.plan.queue = Some(queue.clone());
        let request = CaseRequest {
            queue: Some(queue.clone()),
            ..self.case_request(&title, priority, card.clone())
        };
        let case_sentence = match self
            .engine
            .cases
            .upsert_case(self.turn.org_id, &request)
            .await
        {
            Ok(case) => {
                card["case_number"] = json!(case.case_number);
                card["case_id"] = json!(case.id);
                texts::CASE_NUMBER
                    .get(self.lang())
                    .replace("{number}", &case.case_number)
            }
            Err(e) => {
                tracing::warn!(error.message = %e, "no case for the escalation; escalating without one");
                self.engine.metrics.failed("case");
                String::new()
            }
        };
        self.plan.escalation = Some(EscalationPlan {
            reason: reason.to_owned(),
            priority,
            queue: queue.clone(),
            tier,
            sla_deadline: Some(deadlines.resolution),
            first_response_deadline: Some(deadlines.first_response),
            summary: card,
        });
        self.plan.status = Some(ConversationStatus::Escalated);
        self.engine.metrics.stage("escalate", started);
        texts::ESCALATED
            .get(self.lang())
            .replace("{queue}", &summary::humanize(&queue).to_lowercase())
            .replace(
                "{eta}",
                &texts::eta(deadlines.first_response_minutes, self.lang()),
            )
            .replace("{case}", &case_sentence)
    }

    /// The workflow in progress, unless the customer changed the subject.
    async fn continue_workflow(&mut self) -> Option<(String, &'static str)> {
        let state = self.ctx.workflow.clone()?;
        let def = self.engine.workflows.get(&state.workflow)?.clone();
        let entities = &self.u.analysis.entities;
        let input = TurnInput {
            text: &self.turn.content,
            entities,
            intent: self.intent(),
            language: self.lang(),
        };
        let seed = self.turn.conversation_id.0.to_string();
        let mut trial = state.clone();
        let step = def.advance(&mut trial, &input, &seed);
        // A confident, different intent is a change of topic when it does not
        // answer the question, or when it is a question itself (free-text
        // slots accept anything, so "how do I …?" must not become the answer).
        let confidence = self.u.analysis.intent.confidence;
        let other = self
            .intent()
            .is_some_and(|i| !def.triggers.iter().any(|t| t == i) && !SMALL_TALK.contains(&i));
        let unanswered = matches!(step, Step::Retry { .. } | Step::GiveUp { .. });
        let question = self.turn.content.trim_end().ends_with('?');
        let switched =
            other && ((unanswered && confidence >= 0.6) || (question && confidence >= 0.5));
        if switched {
            self.ctx.paused.push(state);
            self.ctx.workflow = None;
            return None;
        }
        Some(self.run_step(&def, trial, step).await)
    }

    async fn start_workflow(&mut self, evaluation: &Evaluation) -> Option<(String, &'static str)> {
        let by_rule = evaluation.actions().find_map(|(_, a)| match a {
            RuleAction::StartWorkflow { workflow } => Some(workflow.clone()),
            _ => None,
        });
        let def = match by_rule {
            Some(name) => self.engine.workflows.get(&name)?.clone(),
            None => {
                let intent = self.intent()?;
                if self.u.analysis.intent.confidence < 0.45 {
                    return None;
                }
                self.engine.workflows.for_intent(intent)?.clone()
            }
        };
        let entities = &self.u.analysis.entities;
        let input = TurnInput {
            text: &self.turn.content,
            entities,
            intent: self.intent(),
            language: self.lang(),
        };
        let seed = self.turn.conversation_id.0.to_string();
        let (state, step) = def.start(&input, &seed);
        self.ctx.paused.retain(|p| p.workflow != def.name);
        Some(self.run_step(&def, state, step).await)
    }

    async fn run_step(
        &mut self,
        def: &workflow::WorkflowDef,
        mut state: WorkflowState,
        step: Step,
    ) -> (String, &'static str) {
        let started = Instant::now();
        let lang = self.lang().to_owned();
        let out = match step {
            Step::Ask {
                slot,
                prompt,
                quick_replies,
            }
            | Step::Retry {
                slot,
                message: prompt,
                quick_replies,
            } => {
                self.plan.quick_replies = quick_replies;
                self.plan.workflow = Some(json!({"name": def.name, "step": "ask", "slot": slot}));
                self.plan.status = Some(ConversationStatus::WaitingForUser);
                self.ctx.workflow = Some(state);
                (prompt, "workflow")
            }
            Step::Confirm {
                text,
                quick_replies,
            } => {
                self.plan.quick_replies = quick_replies;
                self.plan.workflow = Some(json!({"name": def.name, "step": "confirm"}));
                self.plan.status = Some(ConversationStatus::WaitingForUser);
                self.ctx.workflow = Some(state);
                (text, "workflow")
            }
            Step::Cancelled { message } => {
                self.ctx.workflow = None;
                self.plan.workflow = Some(json!({"name": def.name, "step": "cancelled"}));
                self.plan.status = Some(ConversationStatus::WaitingForUser);
                (message, "workflow")
            }
            Step::GiveUp { reason } => {
                tracing::info!(workflow = %def.name, %reason, "workflow gave up");
                self.ctx.workflow = None;
                let lead = workflow::give_up_message(&lang).to_owned();
                let text = self.escalate("workflow_gave_up", None, None).await;
                return (format!("{lead} {text}"), "escalate");
            }
            Step::Execute(request) => {
                let actor = Actor {
                    conversation: self.turn.conversation_id,
                    customer_email: self.ctx.profile.email.clone(),
                    staff: false,
                };
                let executed = self
                    .engine
                    .executor
                    .execute(self.turn.org_id, &actor, &request)
                    .await;
                self.plan.actions.extend(executed.summary.clone());
                self.plan.events.extend(executed.events);
                self.ctx.workflow = None;
                state.pending = Pending::Done;
                for (k, v) in &state.slots {
                    self.ctx.slots.insert(k.clone(), v.clone());
                }
                self.plan.workflow = Some(json!({"name": def.name, "step": "done"}));
                match executed.outcome {
                    Outcome::Completed(result) => {
                        self.ctx.action(format!("{}: completed", request.kind));
                        self.plan.status = Some(ConversationStatus::Resolved);
                        self.plan.resolution = Some("ai".into());
                        self.record_resolution().await;
                        let text = def.render_success(&state, &result, &lang);
                        (
                            format!("{text}{}", texts::ANYTHING_ELSE.get(&lang)),
                            "action",
                        )
                    }
                    Outcome::NotFound => {
                        self.ctx.action(format!("{}: not found", request.kind));
                        self.plan.status = Some(ConversationStatus::WaitingForUser);
                        let text = match lang.get(..2) {
                            Some("es") => "No encuentro eso en tu cuenta. ¿Puedes comprobar el dato?",
                            Some("fr") => "Je ne trouve pas cela sur votre compte. Pouvez-vous vérifier ?",
                            Some("de") => "Das finde ich in Ihrem Konto nicht. Können Sie die Angabe prüfen?",
                            _ => "I couldn't find that on your account. Could you check the number and send it again?",
                        };
                        (text.to_owned(), "action")
                    }
                    Outcome::Unauthorized => {
                        self.ctx
                            .action(format!("{}: needs verification", request.kind));
                        let lead = texts::NEEDS_VERIFICATION.get(&lang).to_owned();
                        let text = self.escalate("authorization_required", None, None).await;
                        (format!("{lead} {text}"), "escalate")
                    }
                    Outcome::Failed(why) => {
                        tracing::warn!(action = %request.kind, %why, "action failed");
                        self.ctx.action(format!("{}: failed", request.kind));
                        let lead = def.render_failure(&state, &lang);
                        let text = self.escalate("action_failed", None, None).await;
                        (format!("{lead} {text}"), "escalate")
                    }
                }
            }
        };
        self.engine.metrics.stage("act", started);
        out
    }

    /// Greetings, thanks and goodbyes.
    fn small_talk(&mut self) -> Option<(String, &'static str)> {
        let intent = self.intent()?;
        if self.u.analysis.intent.confidence < 0.5 {
            return None;
        }
        match intent {
            "greeting" if self.turn.content.split_whitespace().count() <= 6 => {
                self.plan.status = Some(ConversationStatus::WaitingForUser);
                Some((texts::GREETING.get(self.lang()).to_owned(), "small_talk"))
            }
            "thanks" | "goodbye" if self.sarcastic() => {
                // "Thanks for nothing" after a miss: not a resolution.
                self.plan.status = Some(ConversationStatus::WaitingForUser);
                self.plan.quick_replies = vec![talk_to_a_person(self.lang()).to_owned()];
                Some((
                    texts::SORRY_UNHELPFUL.get(self.lang()).to_owned(),
                    "small_talk",
                ))
            }
            "thanks" | "goodbye" => {
                self.plan.status = Some(ConversationStatus::Resolved);
                self.plan.resolution = Some(
                    if self.ctx.messages > 1 {
                        "ai"
                    } else {
                        "customer"
                    }
                    .into(),
                );
                self.plan.quick_replies = (1..=5).map(|n| n.to_string()).collect();
                Some((texts::THANKS.get(self.lang()).to_owned(), "small_talk"))
            }
            _ => None,
        }
    }

    /// Thanks that mean the opposite: after a turn that did not help, or
    /// with words no grateful customer uses.
    fn sarcastic(&self) -> bool {
        const MARKERS: [&str; 6] = [
            "for nothing",
            "useless",
            "waste of",
            "not helpful",
            "no help",
            "thanks a lot for nothing",
        ];
        let text = self.turn.content.to_lowercase();
        self.ctx.fallbacks > 0 || MARKERS.iter().any(|m| text.contains(m))
    }

    /// A grounded answer from knowledge, or `None`.
    async fn answer(&mut self) -> Option<String> {
        if self.u.passages.is_empty() {
            return None;
        }
        let started = Instant::now();
        let mut request =
            TaskRequest::new(Task::Answer, self.turn.org_id, self.turn.content.clone());
        request.conversation_id = Some(self.turn.conversation_id);
        request.tenant = TenantSettings {
            slug: self.tenant.slug.clone(),
            display_name: self.tenant.name.clone(),
            ..TenantSettings::default()
        };
        request.passages = self.u.passages.clone();
        request.language = Some(self.lang().to_owned());
        request.emotions = self.u.analysis.emotions.clone();
        request.history = self
            .turn
            .history
            .iter()
            .rev()
            .take(8)
            .rev()
            .map(|(s, text)| concierge_llm::Turn {
                speaker: match s {
                    SenderType::User => Speaker::Customer,
                    SenderType::HumanAgent => Speaker::Agent,
                    _ => Speaker::Assistant,
                },
                text: text.clone(),
            })
            .collect();
        let outcome = match &self.turn.deltas {
            // Someone watches live: stream the reply as it is written.
            Some(sink) => {
                use futures::StreamExt;
                let mut stream = self.engine.router.stream(request);
                let mut done = None;
                while let Some(event) = stream.next().await {
                    match event {
                        concierge_llm::TaskEvent::Delta(d) => sink.send(d),
                        concierge_llm::TaskEvent::Done(o) => done = Some(*o),
                    }
                }
                done?
            }
            None => self.engine.router.run(request).await,
        };
        self.engine.metrics.stage("generate", started);
        if outcome.clarifying && !outcome.offered_human && !self.u.analysis.intent.out_of_scope {
            // "Do you mean A or B?": a question back, not a miss.
            self.plan.status = Some(ConversationStatus::WaitingForUser);
            if let Some(obj) = self.plan.reply_analysis.as_object_mut() {
                obj.insert("provider".into(), json!(outcome.provider));
                obj.insert("clarifying".into(), json!(true));
            }
            return Some(outcome.text);
        }
        if !outcome.grounded || outcome.citations.is_empty() {
            return None;
        }
        for c in &outcome.citations {
            self.ctx.cite(CitedArticle {
                slug: c.slug.clone(),
                title: c.title.clone(),
                article_id: c.article_id,
            });
        }
        // The cited articles' usage counters are written with the turn
        // (`TurnEffects::cited`, from the plan's citations), in its transaction.
        self.ctx.fallbacks = 0;
        let mut citations = outcome.citations.clone();
        for c in &mut citations {
            if c.url.is_none() {
                // An article without a public page of its own links to the
                // help center Concierge serves for every tenant.
                c.url = Some(help_center_path(self.turn.org_id, c.article_id));
            }
        }
        self.plan.citations = citations.clone();
        self.plan.status = Some(ConversationStatus::WaitingForUser);
        if let Some(obj) = self.plan.reply_analysis.as_object_mut() {
            obj.insert("provider".into(), json!(outcome.provider));
            obj.insert("grounded".into(), json!(outcome.grounded));
            obj.insert("citations".into(), json!(citations));
        }
        Some(outcome.text)
    }

    /// Nothing helped: ask again, or escalate once the rules say so.
    async fn fallback(&mut self) -> (String, &'static str) {
        self.ctx.fallbacks += 1;
        // The fallback itself may be what the rules wait for (e.g. the third).
        let evaluation = self.rules().await;
        if let Some((
            fired,
            RuleAction::Escalate {
                queue,
                priority,
                reason,
            },
        )) = evaluation.escalation()
        {
            let reason = if reason.is_empty() {
                fired.rule_id.to_string()
            } else {
                reason.clone()
            };
            let text = self.escalate(&reason, queue.clone(), *priority).await;
            return (text, "escalate");
        }
        self.plan.status = Some(ConversationStatus::WaitingForUser);
        self.plan.quick_replies = vec![talk_to_a_person(self.lang()).to_owned()];
        (texts::FALLBACK.get(self.lang()).to_owned(), "fallback")
    }

    /// After another topic, offer to return to an interrupted workflow.
    fn resume_hint(&mut self) -> Option<String> {
        if self.ctx.workflow.is_some() {
            return None;
        }
        let paused = self.ctx.paused.pop()?;
        let def = self.engine.workflows.get(&paused.workflow)?;
        let topic = def.title.to_lowercase();
        let lang = self.lang().to_owned();
        // Resume by asking its pending question again.
        let prompt = match &paused.pending {
            Pending::Slot(slot) => def
                .slots
                .iter()
                .find(|s| &s.name == slot)
                .map(|s| s.prompt.get(&lang).to_owned()),
            _ => None,
        };
        self.ctx.workflow = Some(paused);
        let mut text = texts::RESUME.get(&lang).replace("{topic}", &topic);
        if let Some(p) = prompt {
            text.push(' ');
            text.push_str(&p);
        }
        self.plan.status = Some(ConversationStatus::WaitingForUser);
        Some(text)
    }

    /// Counts a resolution for the articles this conversation cited.
    async fn record_resolution(&self) {
        let ids: Vec<_> = self.ctx.cited.iter().map(|c| c.article_id).collect();
        if ids.is_empty() {
            return;
        }
        if let Err(e) = self
            .engine
            .store
            .record_knowledge_resolutions(self.turn.org_id, &ids)
            .await
        {
            tracing::warn!(error.message = %e, "resolution counts not recorded");
        }
    }
}

/// The quick reply that asks for a person.
fn talk_to_a_person(language: &str) -> &'static str {
    match language.get(..2) {
        Some("es") => "Hablar con una persona",
        Some("fr") => "Parler à une personne",
        Some("de") => "Mit einer Person sprechen",
        _ => "Talk to a person",
    }
}

/// The help center page of an article (`GET /help/{org}/{article}` on the
/// Concierge server), relative so that it resolves against whichever address
/// the customer reached Concierge on.
pub fn help_center_path(
    org: concierge_core::OrgId,
    article: concierge_core::KnowledgeId,
) -> String {
    format!("/help/{org}/{article}")
}
