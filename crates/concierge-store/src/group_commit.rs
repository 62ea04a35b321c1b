//! Group commit for SQLite's single writer.
//!
//! Every write on SQLite goes through one connection, so a write holds the
//! writer for all its statements, and each statement is a round trip to the
//! connection's thread and back through the async scheduler. Under concurrent
//! load that round-trip latency, not SQLite, bounds the writes per second
//! (see docs/PERFORMANCE.md).
//!
//! So on SQLite the two writes of the message path —
//! [`create_conversation`](crate::Store::create_conversation) and
//! [`append_messages`](crate::Store::append_messages) — are queued for one
//! writer task, which runs on a thread of its own so that its wake-ups do not
//! queue behind request tasks on the server's runtime. The task takes whatever is waiting (there is no added delay:
//! a lone write is made at once, in its own transaction, by the ordinary
//! path) and writes it together in one transaction: read the conversations
//! appended to, insert the new conversations, insert every message, insert
//! every outbox event, update every conversation appended to, then (only
//! for the turns that have them) escalations, moderation flags and one
//! upsert of the cited articles' counters, and commit. Each write's effect is exactly
//! that of the one-transaction path, applied in queue order; an append that
//! cannot be made (no such conversation, or it is archived) fails alone. If
//! the batch hits a database error it is rolled back and each write is
//! retried in a transaction of its own, so an error reaches only the write
//! that caused it.
//!
//! Durability is unchanged: a write is answered only after the transaction
//! holding it has committed.

use std::collections::HashMap;

use concierge_core::model::{Conversation, Escalation, Message};
use concierge_core::{ConversationId, ConversationStatus, EscalationId, MessageId, OrgId};
use sqlx::types::Json;
use sqlx::{QueryBuilder, Sqlite};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::repo::{turn_events, Tally, INSERT_ESCALATION, INSERT_FLAG};
use crate::rows::{ConversationRow, EscalationRow, CONVERSATION_COLUMNS, ESCALATION_COLUMNS};
use crate::sqlite::SqliteBackend;
use crate::{now, NewConversation, NewEscalation, NewMessage, NewModerationFlag, TurnEffects};

/// At most this many new rows (messages and conversations) go into one
/// transaction: 13 bound values each, well under SQLite's limit of 32,766.
const MAX_ROWS: usize = 512;

/// What an append returns.
type Appended = crate::TurnRecord;

/// One queued write.
#[derive(Debug)]
enum Job {
    Append {
        org: OrgId,
        conversation: ConversationId,
        messages: Vec<NewMessage>,
        effects: Box<TurnEffects>,
        reply: oneshot::Sender<Result<Appended>>,
    },
    Create {
        org: OrgId,
        new: NewConversation,
        reply: oneshot::Sender<Result<Conversation>>,
    },
}

impl Job {
    fn rows(&self) -> usize {
        match self {
            Job::Append { messages, .. } => messages.len(),
            Job::Create { .. } => 1,
        }
    }
}

/// A write's outcome in a batch (short-lived: one per queued write, so the
/// size difference between the variants costs nothing worth a box).
#[allow(clippy::large_enum_variant)]
enum Done {
    Appended(Result<Appended>),
    Created(Result<Conversation>),
}

/// The queue in front of the writer task.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Job>,
}

fn closed() -> StoreError {
    StoreError::Unavailable(sqlx::Error::PoolClosed)
}

impl Writer {
    /// Starts the writer task on a thread of its own. `db` must not have a
    /// writer itself: the task writes through it directly. The task ends
    /// when the last `Writer` is dropped.
    ///
    /// The thread matters: each statement's answer wakes the task, and on the
    /// server's runtime that wake-up would wait behind every runnable request
    /// task, holding up the whole write path; on its own thread the task runs
    /// as soon as the answer arrives. If the thread cannot be started the
    /// task runs on the current runtime instead.
    pub(crate) fn start(db: SqliteBackend) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        match on_own_thread(db.clone(), rx) {
            Ok(()) => Self { queue },
            Err(e) => {
                tracing::warn!(error.message = %e, "no writer thread; group commit runs on the runtime");
                let (queue, rx) = mpsc::channel(QUEUE);
                tokio::spawn(writer(db, rx));
                Self { queue }
            }
        }
    }

    /// Queues an append and waits until it is committed (or has failed).
    pub(crate) async fn append(
        &self,
        org: OrgId,
        conversation: ConversationId,
        messages: &[NewMessage],
        effects: &TurnEffects,
    ) -> Result<Appended> {
        let (reply, answer) = oneshot::channel();
        let messages = messages.to_vec();
        let job = Job::Append {
            org,
            conversation,
            messages,
            effects: Box::new(effects.clone()),
            reply,
        };
        self.queue.send(job).await.map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    /// Queues a new conversation and waits until it is committed (or has failed).
    pub(crate) async fn create(&self, org: OrgId, new: &NewConversation) -> Result<Conversation> {
        let (reply, answer) = oneshot::channel();
        let job = Job::Create {
            org,
            new: new.clone(),
            reply,
        };
        self.queue.send(job).await.map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }
}

/// Waiting writes beyond this make callers wait to queue.
const QUEUE: usize = 4096;

/// Runs the writer task on a new thread with a single-threaded runtime.
fn on_own_thread(db: SqliteBackend, rx: mpsc::Receiver<Job>) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || rt.block_on(writer(db, rx)))?;
    Ok(())
}

/// The writer task: takes what is queued, writes it, repeats.
async fn writer(db: SqliteBackend, mut rx: mpsc::Receiver<Job>) {
    let mut carry: Option<Job> = None;
    loop {
        let first = match carry.take() {
            Some(job) => job,
            None => match rx.recv().await {
                Some(job) => job,
                None => return,
            },
        };
        let mut rows = first.rows();
        let mut jobs = vec![first];
        while rows < MAX_ROWS {
            let Ok(job) = rx.try_recv() else { break };
            if rows + job.rows() > MAX_ROWS {
                carry = Some(job);
                break;
            }
            rows += job.rows();
            jobs.push(job);
        }
        write(&db, jobs).await;
    }
}

/// Writes `jobs` and answers each.
async fn write(db: &SqliteBackend, jobs: Vec<Job>) {
    if jobs.len() > 1 {
        match write_batch(db, &jobs).await {
            Ok(done) => {
                for (job, done) in jobs.into_iter().zip(done) {
                    answer(job, done);
                }
                return;
            }
            Err(e) => {
                tracing::warn!(error.message = %e, writes = jobs.len(),
                    "group commit failed; writing one by one");
            }
        }
    }
    for job in jobs {
        let done = match &job {
            Job::Append {
                org,
                conversation,
                messages,
                effects,
                ..
            } => Done::Appended(db.record_turn(*org, *conversation, messages, effects).await),
            Job::Create { org, new, .. } => Done::Created(db.create_conversation(*org, new).await),
        };
        answer(job, done);
    }
}

fn answer(job: Job, done: Done) {
    // A caller that has gone away no longer needs its answer.
    match (job, done) {
        (Job::Append { reply, .. }, Done::Appended(r)) => {
            let _ = reply.send(r);
        }
        (Job::Create { reply, .. }, Done::Created(r)) => {
            let _ = reply.send(r);
        }
        (Job::Append { reply, .. }, Done::Created(_)) => {
            let _ = reply.send(Err(StoreError::Corrupt(
                "mismatched group commit outcome".into(),
            )));
        }
        (Job::Create { reply, .. }, Done::Appended(_)) => {
            let _ = reply.send(Err(StoreError::Corrupt(
                "mismatched group commit outcome".into(),
            )));
        }
    }
}

/// A conversation appended to in the batch, with what its appends add up to.
struct Touched {
    org: OrgId,
    tally: Tally,
}

/// A row for the outbox.
struct Event {
    org: OrgId,
    topic: String,
    payload: serde_json::Value,
}

/// Makes every possible write of `jobs` in one transaction. The outer error
/// is a database failure (nothing was written); the inner results are per job.
async fn write_batch(db: &SqliteBackend, jobs: &[Job]) -> Result<Vec<Done>> {
    let mut tx = db.write_pool().begin().await?;
    let at = now();

    // 1. The conversations appended to, as they are now.
    let appended_to: Vec<Uuid> = jobs
        .iter()
        .filter_map(|j| match j {
            Job::Append { conversation, .. } => Some(conversation.0),
            Job::Create { .. } => None,
        })
        .collect();
    // Each with its running confidence total (sum, count), which the
    // domain type keeps only as an average.
    let mut current: HashMap<Uuid, (Conversation, f64, i64)> =
        HashMap::with_capacity(appended_to.len());
    if !appended_to.is_empty() {
        let mut qb = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id IN ("
        ));
        let mut ids = qb.separated(", ");
        for id in &appended_to {
            ids.push_bind(*id);
        }
        qb.push(")");
        let rows: Vec<ConversationRow> = qb.build_query_as().fetch_all(&mut *tx).await?;
        for row in rows {
            let (sum, n) = row.confidence_totals();
            let c = row.into_domain()?;
            current.insert(c.id.0, (c, sum, n));
        }
    }

    // 2. Each job in queue order: check it, tally it, give its rows ids.
    let mut outcomes: Vec<Option<Done>> = Vec::with_capacity(jobs.len());
    let mut touched: HashMap<Uuid, Touched> = HashMap::new();
    let mut order: Vec<Uuid> = Vec::new();
    let mut new_messages: Vec<(MessageId, usize, OrgId, ConversationId, &NewMessage)> = Vec::new();
    let mut new_conversations: Vec<(ConversationId, usize, OrgId, &NewConversation)> = Vec::new();
    let mut new_escalations: Vec<(EscalationId, usize, OrgId, ConversationId, &NewEscalation)> =
        Vec::new();
    let mut new_flags: Vec<(OrgId, ConversationId, MessageId, &NewModerationFlag)> = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        let (org, conversation, messages, effects) = match job {
            Job::Create { org, new, .. } => {
                let id = ConversationId::new();
                new_conversations.push((id, i, *org, new));
                let payload = serde_json::json!({ "conversation_id": id, "channel": new.channel });
                events.push(Event {
                    org: *org,
                    topic: "conversation.created".to_owned(),
                    payload,
                });
                outcomes.push(None);
                continue;
            }
            Job::Append {
                org,
                conversation,
                messages,
                effects,
                ..
            } => (*org, *conversation, messages, effects),
        };
        let Some((c, ..)) = current.get(&conversation.0).filter(|c| c.0.org_id == org) else {
            outcomes.push(Some(Done::Appended(Err(StoreError::NotFound(
                "conversation",
            )))));
            continue;
        };
        if c.status == ConversationStatus::Archived {
            let e = StoreError::InvalidTransition {
                from: "archived".into(),
                to: "active".into(),
            };
            outcomes.push(Some(Done::Appended(Err(e))));
            continue;
        }
        // The job is tried on a copy so that a refused one leaves no trace.
        let (before, mut trial) = match touched.get(&c.id.0) {
            Some(t) => (t.tally.status, t.tally.clone()),
            None => (c.status, Tally::new(c)),
        };
        for m in messages {
            trial.add(m, at);
        }
        if let Err(e) = trial.apply(effects, at) {
            outcomes.push(Some(Done::Appended(Err(e))));
            continue;
        }
        let mut first_message = None;
        for m in messages {
            let id = MessageId::new();
            first_message.get_or_insert(id);
            new_messages.push((id, i, org, conversation, m));
            let payload = serde_json::json!({
                "conversation_id": conversation,
                "message_id": id,
                "sender_type": m.sender_type,
            });
            events.push(Event {
                org,
                topic: "message.created".to_owned(),
                payload,
            });
        }
        let escalation = effects.escalation.as_ref().map(|e| {
            let id = EscalationId::new();
            new_escalations.push((id, i, org, conversation, e));
            id
        });
        if let (Some(f), Some(m)) = (&effects.flag, first_message) {
            new_flags.push((org, conversation, m, f));
        }
        for (topic, payload) in turn_events(conversation, before, trial.status, effects, escalation)
        {
            events.push(Event {
                org,
                topic,
                payload,
            });
        }
        match touched.get_mut(&c.id.0) {
            Some(t) => t.tally = trial,
            None => {
                order.push(c.id.0);
                touched.insert(c.id.0, Touched { org, tally: trial });
            }
        }
        outcomes.push(None);
    }

    // 3. The new conversations.
    let mut created: HashMap<Uuid, Conversation> = HashMap::with_capacity(new_conversations.len());
    if !new_conversations.is_empty() {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO conversations (id, org_id, customer_id, channel, status, started_at, \
             last_activity_at, context, metadata) ",
        );
        qb.push_values(&new_conversations, |mut b, (id, _, org, new)| {
            b.push_bind(id.0)
                .push_bind(org.0)
                .push_bind(new.customer_id.map(|u| u.0))
                .push_bind(new.channel.as_str())
                .push("'initialized'")
                .push_bind(at)
                .push_bind(at)
                .push_bind(Json(&new.context))
                .push_bind(Json(&new.metadata));
        });
        qb.push(format!(" RETURNING {CONVERSATION_COLUMNS}"));
        let rows: Vec<ConversationRow> = qb.build_query_as().fetch_all(&mut *tx).await?;
        for row in rows {
            let c = row.into_domain()?;
            created.insert(c.id.0, c);
        }
    }

    // 4. Every message.
    let mut stored: HashMap<Uuid, Message> = HashMap::with_capacity(new_messages.len());
    if !new_messages.is_empty() {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO messages (id, org_id, conversation_id, sender_type, sender_id, content, \
             content_type, intent, intent_confidence, entities, sentiment, attachments, created_at, \
             analysis, moderation) ",
        );
        qb.push_values(&new_messages, |mut b, (id, _, org, conversation, m)| {
            b.push_bind(id.0)
                .push_bind(org.0)
                .push_bind(conversation.0)
                .push_bind(m.sender_type.as_str())
                .push_bind(m.sender_id.map(|u| u.0))
                .push_bind(m.content.as_str())
                .push_bind(m.content_type.as_str())
                .push_bind(m.intent.as_deref())
                .push_bind(m.intent_confidence)
                .push_bind(Json(&m.entities))
                .push_bind(m.sentiment)
                .push_bind(Json(&m.attachments))
                .push_bind(at)
                .push_bind(Json(&m.analysis))
                .push_bind(m.moderation.as_deref());
        });
        qb.build().execute(&mut *tx).await?;
        // The rows are exactly what was bound (`at` is already truncated to
        // the microseconds the column keeps), so they are built here rather
        // than read back: no JSON is parsed again on the writer's thread.
        for (id, _, _, conversation, m) in &new_messages {
            stored.insert(
                id.0,
                Message {
                    id: *id,
                    conversation_id: *conversation,
                    sender_type: m.sender_type,
                    sender_id: m.sender_id,
                    content: m.content.clone(),
                    content_type: m.content_type,
                    intent: m.intent.clone(),
                    // SQLite stores a NaN as NULL.
                    intent_confidence: m.intent_confidence.filter(|v| !v.is_nan()),
                    entities: m.entities.clone(),
                    sentiment: m.sentiment.filter(|v| !v.is_nan()),
                    attachments: m.attachments.clone(),
                    created_at: at,
                    edited_at: None,
                    deleted_at: None,
                    analysis: m.analysis.clone(),
                    moderation: m.moderation.clone(),
                },
            );
        }
    }

    // 5. One outbox event per new conversation and per message.
    if !events.is_empty() {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO outbox (org_id, topic, payload, status, attempts, next_attempt_at, created_at) ",
        );
        qb.push_values(&events, |mut b, e| {
            b.push_bind(e.org.0)
                .push_bind(e.topic.as_str())
                .push_bind(Json(&e.payload))
                .push("'pending'")
                .push("0")
                .push_bind(at)
                .push_bind(at);
        });
        qb.build().execute(&mut *tx).await?;
    }

    // 6. Every conversation appended to, by its batch's total.
    let mut updated: HashMap<Uuid, Conversation> = HashMap::with_capacity(order.len());
    if !order.is_empty() {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "UPDATE conversations SET message_count = message_count + v.column3, \
             user_message_count = user_message_count + v.column4, \
             ai_message_count = ai_message_count + v.column5, \
             ai_confidence_sum = ai_confidence_sum + v.column6, \
             ai_confidence_n = ai_confidence_n + v.column7, ai_confidence_min = v.column8, \
             sentiment = v.column9, status = v.column10, last_activity_at = v.column11, \
             context = COALESCE(v.column12, context), queue = v.column13, priority = v.column14, \
             escalated = v.column15, escalation_reason = v.column16, resolution_type = v.column17, \
             resolution_seconds = v.column18, ended_at = v.column19, first_response_at = v.column20 FROM (",
        );
        let mut first = true;
        for id in &order {
            let Some(t) = touched.get(id) else { continue };
            qb.push(if first { "VALUES (" } else { ", (" });
            first = false;
            let mut b = qb.separated(", ");
            b.push_bind(t.org.0)
                .push_bind(*id)
                .push_bind(t.tally.count)
                .push_bind(t.tally.users)
                .push_bind(t.tally.ais)
                .push_bind(t.tally.conf_sum)
                .push_bind(t.tally.conf_n)
                .push_bind(t.tally.conf_min)
                .push_bind(t.tally.sentiment)
                .push_bind(t.tally.status.as_str())
                .push_bind(at)
                .push_bind(t.tally.context.as_ref().map(Json))
                .push_bind(t.tally.queue.as_deref())
                .push_bind(t.tally.priority.map(|p| p.as_str()))
                .push_bind(t.tally.escalated)
                .push_bind(t.tally.escalation_reason.as_deref())
                .push_bind(t.tally.resolution_type.as_deref())
                .push_bind(t.tally.resolution_seconds)
                .push_bind(t.tally.ended_at)
                .push_bind(t.tally.first_response_at);
            qb.push(")");
        }
        qb.push(") AS v WHERE conversations.org_id = v.column1 AND conversations.id = v.column2");
        let changed = qb.build().execute(&mut *tx).await?.rows_affected();
        if changed != order.len() as u64 {
            return Err(StoreError::Corrupt(format!(
                "group commit updated {changed} of {} conversations",
                order.len()
            )));
        }
        // The rows are now what step 1 read plus what was added, so they
        // are built here rather than read back (no context parsed again).
        for id in &order {
            if let (Some(t), Some((c, sum, n))) = (touched.get_mut(id), current.remove(id)) {
                updated.insert(*id, t.tally.applied_to(c, sum, n, at));
            }
        }
    }
    // 7. Escalation records and moderation flags.
    let mut escalations: HashMap<usize, Escalation> = HashMap::new();
    for (id, i, org, conversation, e) in &new_escalations {
        let row: EscalationRow = sqlx::query_as(&format!(
            "{INSERT_ESCALATION} RETURNING {ESCALATION_COLUMNS}"
        ))
        .bind(id.0)
        .bind(org.0)
        .bind(conversation.0)
        .bind(&e.reason)
        .bind(e.priority.as_str())
        .bind(&e.queue)
        .bind(e.sla_deadline)
        .bind(at)
        .bind(Json(&e.summary))
        .bind(e.tier.map(|t| t.as_str()))
        .bind(e.first_response_deadline)
        .fetch_one(&mut *tx)
        .await?;
        escalations.insert(*i, row.into_domain()?);
    }
    for (i, job) in jobs.iter().enumerate() {
        if let (
            None,
            Job::Append {
                org,
                conversation,
                messages,
                ..
            },
        ) = (&outcomes[i], job)
        {
            if messages
                .iter()
                .any(|m| m.sender_type == concierge_core::SenderType::HumanAgent)
            {
                sqlx::query(crate::repo::ESCALATION_FIRST_RESPONSE)
                    .bind(org.0)
                    .bind(conversation.0)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    // 8. Citation counters, one upsert per article the batch's replies cite.
    let mut cited: HashMap<(Uuid, Uuid), i64> = HashMap::new();
    for (i, job) in jobs.iter().enumerate() {
        if let (None, Job::Append { org, effects, .. }) = (&outcomes[i], job) {
            for id in &effects.cited {
                *cited.entry((org.0, id.0)).or_default() += 1;
            }
        }
    }
    if !cited.is_empty() {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO knowledge_usage (org_id, knowledge_id, cited, resolved, last_cited_at) ",
        );
        qb.push_values(&cited, |mut b, ((org, id), n)| {
            b.push_bind(*org)
                .push_bind(*id)
                .push_bind(*n)
                .push("0")
                .push_bind(at);
        });
        qb.push(
            " ON CONFLICT (org_id, knowledge_id) DO UPDATE \
             SET cited = knowledge_usage.cited + excluded.cited, last_cited_at = excluded.last_cited_at",
        );
        qb.build().execute(&mut *tx).await?;
    }
    for (org, conversation, message, f) in &new_flags {
        sqlx::query(INSERT_FLAG)
            .bind(Uuid::now_v7())
            .bind(org.0)
            .bind(conversation.0)
            .bind(message.0)
            .bind(&f.level)
            .bind(f.score.clamp(0.0, 1.0))
            .bind(Json(&f.categories))
            .bind(at)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;

    // Nothing below may fail the batch: it is committed.
    let mut mine: Vec<Vec<Message>> = vec![Vec::new(); jobs.len()];
    let mut lost = vec![false; jobs.len()];
    for (id, i, ..) in &new_messages {
        match stored.remove(&id.0) {
            Some(m) => mine[*i].push(m),
            None => lost[*i] = true,
        }
    }
    let mut new_ids: HashMap<usize, ConversationId> = new_conversations
        .iter()
        .map(|(id, i, ..)| (*i, *id))
        .collect();
    let missing = |what: &str| StoreError::Corrupt(format!("{what} was not returned"));
    let done = outcomes
        .into_iter()
        .zip(mine)
        .zip(lost)
        .enumerate()
        .map(
            |(i, ((outcome, messages), lost))| match (outcome, &jobs[i]) {
                (Some(failed), _) => failed,
                (None, Job::Create { .. }) => Done::Created(
                    new_ids
                        .remove(&i)
                        .and_then(|id| created.remove(&id.0))
                        .ok_or_else(|| missing("a new conversation")),
                ),
                (None, Job::Append { conversation, .. }) => Done::Appended(if lost {
                    Err(missing("an inserted message"))
                } else {
                    updated
                        .get(&conversation.0)
                        .cloned()
                        .map(|c| crate::TurnRecord {
                            conversation: c,
                            messages,
                            escalation: escalations.remove(&i),
                        })
                        .ok_or_else(|| missing("an updated conversation"))
                }),
            },
        )
        .collect();
    Ok(done)
}

#[cfg(test)]
mod tests {
    use concierge_core::{Channel, ConversationStatus, OutboxStatus, SenderType, SubscriptionTier};
    use serde_json::json;

    use crate::testing::TestDb;
    use crate::{NewConversation, NewMessage, NewOrganization, Store, StoreError};

    async fn org(s: &Store, slug: &str) -> concierge_core::OrgId {
        s.create_organization(&NewOrganization {
            slug: slug.into(),
            name: slug.into(),
            subscription_tier: SubscriptionTier::Professional,
            salesforce_org_id: None,
            widget_key: format!("pk_{slug}"),
        })
        .await
        .unwrap()
        .id
    }

    async fn conversation(s: &Store, org: concierge_core::OrgId) -> concierge_core::ConversationId {
        let new = NewConversation {
            customer_id: None,
            channel: Channel::Api,
            metadata: json!({}),
            context: json!({}),
        };
        s.create_conversation(org, &new).await.unwrap().id
    }

    /// Writes queued together are made in one transaction with the same
    /// effect as one by one, and a bad append fails alone.
    #[tokio::test]
    async fn concurrent_writes_are_committed_together_and_fail_alone() {
        let db = TestDb::sqlite().await.unwrap();
        let s = db.store.clone();
        let (acme, other) = (org(&s, "acme").await, org(&s, "other").await);
        let (a, b) = (conversation(&s, acme).await, conversation(&s, acme).await);
        let foreign = conversation(&s, other).await;
        let archived = conversation(&s, acme).await;
        for status in [ConversationStatus::Abandoned, ConversationStatus::Archived] {
            s.set_conversation_status(acme, archived, status)
                .await
                .unwrap();
        }

        // Spawned before the writer runs, so they queue up and form batches.
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..40u32 {
            let s = s.clone();
            let target = [a, b, archived, foreign][(i % 4) as usize];
            tasks.spawn(async move {
                let mut user = NewMessage::text(SenderType::User, None, format!("q{i}"));
                user.sentiment = Some(-0.5);
                let mut ai = NewMessage::text(SenderType::AiAgent, None, format!("a{i}"));
                ai.intent_confidence = Some(f64::from(i + 1) / 100.0);
                (target, s.append_messages(acme, target, &[user, ai]).await)
            });
        }
        let mut creates = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let s = s.clone();
            creates.spawn(async move { conversation(&s, acme).await });
        }
        let mut new_ids = std::collections::HashSet::new();
        while let Some(id) = creates.join_next().await {
            let c = s.get_conversation(acme, id.unwrap()).await.unwrap();
            assert_eq!(
                (c.status, c.channel),
                (ConversationStatus::Initialized, Channel::Api)
            );
            new_ids.insert(c.id);
        }
        assert_eq!(new_ids.len(), 10);

        let mut ok = 0;
        let mut latest: std::collections::HashMap<_, concierge_core::model::Conversation> =
            std::collections::HashMap::new();
        while let Some(done) = tasks.join_next().await {
            let (target, outcome) = done.unwrap();
            match outcome {
                Ok((c, messages)) => {
                    ok += 1;
                    let newer = latest
                        .get(&target)
                        .is_none_or(|l| l.message_count < c.message_count);
                    if newer {
                        latest.insert(target, c.clone());
                    }
                    assert!(target == a || target == b);
                    assert_eq!(c.id, target);
                    assert_eq!(messages.len(), 2);
                    assert_eq!(messages[0].sender_type, SenderType::User);
                    assert_eq!(messages[1].content[1..], messages[0].content[1..]);
                }
                Err(StoreError::InvalidTransition { .. }) => assert_eq!(target, archived),
                Err(StoreError::NotFound(_)) => assert_eq!(target, foreign),
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(ok, 20);

        for (id, first_confidence) in [(a, 0.01), (b, 0.02)] {
            let c = s.get_conversation(acme, id).await.unwrap();
            // What the last append returned (built by the writer, not read
            // back) is exactly the stored row.
            assert_eq!(latest[&id], c);
            assert_eq!(c.status, ConversationStatus::Active);
            assert_eq!(
                (c.message_count, c.user_message_count, c.ai_message_count),
                (20, 10, 10)
            );
            assert_eq!(c.ai_confidence_min, Some(first_confidence));
            assert_eq!(c.sentiment, Some(-0.5));
            let messages = s.list_messages(acme, id, 100).await.unwrap();
            assert_eq!(messages.len(), 20);
            // Each customer message is directly followed by its reply.
            for pair in messages.chunks(2) {
                assert_eq!(pair[0].content[1..], pair[1].content[1..]);
            }
            // Several appends shared a transaction (and so a timestamp).
            let mut times: Vec<_> = messages.iter().map(|m| m.created_at).collect();
            times.dedup();
            assert!(times.len() < 10, "no batching happened: {times:?}");
        }
        assert_eq!(s.list_messages(other, foreign, 10).await.unwrap().len(), 0);
        // acme: 13 × conversation.created, 2 × status_changed of `archived`,
        // 2 × status_changed (a and b become active), 20 × 2 message.created.
        assert_eq!(
            s.count_outbox(acme, OutboxStatus::Pending).await.unwrap(),
            13 + 2 + 2 + 40
        );
        db.destroy().await;
    }
}
