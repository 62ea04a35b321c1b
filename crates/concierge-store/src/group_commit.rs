//! Group commit for SQLite's single writer.
//!
//! Every write on SQLite goes through one connection, so a message append
//! holds the writer for all its statements, and each statement is a round
//! trip to the connection's thread and back through the async scheduler.
//! Under concurrent load that round-trip latency, not SQLite, bounds the
//! number of appends per second (see docs/PERFORMANCE.md).
//!
//! So on SQLite, [`append_messages`](crate::Store::append_messages) queues the
//! append for one writer task. The task takes whatever appends are waiting
//! (there is no added delay: a lone append is written at once, in its own
//! transaction, by the ordinary path) and writes them together in one
//! transaction of five statements: read the conversations, insert every
//! message, insert every outbox event, update every conversation, commit.
//! Each append's effect is exactly that of the one-transaction path, applied
//! in queue order; an append that cannot be made (no such conversation, or it
//! is archived) fails alone. If the batch hits a database error it is rolled
//! back and each append is retried in a transaction of its own, so an error
//! reaches only the append that caused it.
//!
//! Durability is unchanged: an append is answered only after the transaction
//! holding it has committed.

use std::collections::HashMap;

use concierge_core::model::{Conversation, Message};
use concierge_core::{ConversationId, ConversationStatus, MessageId, OrgId};
use sqlx::types::Json;
use sqlx::{QueryBuilder, Sqlite};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::repo::Tally;
use crate::rows::{ConversationRow, MessageRow, CONVERSATION_COLUMNS, MESSAGE_COLUMNS};
use crate::sqlite::SqliteBackend;
use crate::{now, NewMessage};

/// At most this many message rows go into one transaction (13 bound values
/// each, well under SQLite's limit of 32,766).
const MAX_ROWS: usize = 512;

/// The result an append waits for.
type Outcome = Result<(Conversation, Vec<Message>)>;

/// One queued append.
#[derive(Debug)]
struct Job {
    org: OrgId,
    conversation: ConversationId,
    messages: Vec<NewMessage>,
    reply: oneshot::Sender<Outcome>,
}

/// The queue in front of the writer task.
#[derive(Debug, Clone)]
pub(crate) struct Appender {
    queue: mpsc::Sender<Job>,
}

impl Appender {
    /// Starts the writer task on the current runtime. `db` must not have an
    /// appender itself: the task writes through it directly. The task ends
    /// when the last `Appender` is dropped.
    pub(crate) fn start(db: SqliteBackend) -> Self {
        let (queue, rx) = mpsc::channel(4096);
        tokio::spawn(writer(db, rx));
        Self { queue }
    }

    /// Queues an append and waits until it is committed (or has failed).
    pub(crate) async fn append(
        &self,
        org: OrgId,
        conversation: ConversationId,
        messages: &[NewMessage],
    ) -> Outcome {
        let closed = || StoreError::Unavailable(sqlx::Error::PoolClosed);
        let (reply, answer) = oneshot::channel();
        let job = Job {
            org,
            conversation,
            messages: messages.to_vec(),
            reply,
        };
        self.queue.send(job).await.map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }
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
        let mut rows = first.messages.len();
        let mut jobs = vec![first];
        while rows < MAX_ROWS {
            let Ok(job) = rx.try_recv() else { break };
            if rows + job.messages.len() > MAX_ROWS {
                carry = Some(job);
                break;
            }
            rows += job.messages.len();
            jobs.push(job);
        }
        write(&db, jobs).await;
    }
}

/// Writes `jobs` and answers each.
async fn write(db: &SqliteBackend, jobs: Vec<Job>) {
    if jobs.len() > 1 {
        match write_batch(db, &jobs).await {
            Ok(outcomes) => {
                for (job, outcome) in jobs.into_iter().zip(outcomes) {
                    let _ = job.reply.send(outcome);
                }
                return;
            }
            Err(e) => {
                tracing::warn!(error.message = %e, appends = jobs.len(),
                    "group commit failed; writing the appends one by one");
            }
        }
    }
    for job in jobs {
        let outcome = db
            .append_messages(job.org, job.conversation, &job.messages)
            .await;
        let _ = job.reply.send(outcome);
    }
}

/// A conversation touched by the batch, with what its appends add up to.
struct Touched {
    org: OrgId,
    tally: Tally,
}

/// Writes every possible append of `jobs` in one transaction. The outer error
/// is a database failure (nothing was written); the inner results are per job.
async fn write_batch(db: &SqliteBackend, jobs: &[Job]) -> Result<Vec<Outcome>> {
    let mut tx = db.write_pool().begin().await?;

    // 1. The conversations as they are now.
    let mut qb = QueryBuilder::<Sqlite>::new(format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id IN ("
    ));
    let mut ids = qb.separated(", ");
    for job in jobs {
        ids.push_bind(job.conversation.0);
    }
    qb.push(")");
    let rows: Vec<ConversationRow> = qb
        .build_query_as()
        .persistent(false)
        .fetch_all(&mut *tx)
        .await?;
    let mut current: HashMap<Uuid, Conversation> = HashMap::with_capacity(rows.len());
    for row in rows {
        let c = row.into_domain()?;
        current.insert(c.id.0, c);
    }

    // 2. Each job in queue order: check it, tally it, give its messages ids.
    let at = now();
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(jobs.len());
    let mut touched: HashMap<Uuid, Touched> = HashMap::new();
    let mut order: Vec<Uuid> = Vec::new();
    let mut new_rows: Vec<(MessageId, usize, &NewMessage)> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        let Some(c) = current
            .get(&job.conversation.0)
            .filter(|c| c.org_id == job.org)
        else {
            outcomes.push(Some(Err(StoreError::NotFound("conversation"))));
            continue;
        };
        if c.status == ConversationStatus::Archived {
            outcomes.push(Some(Err(StoreError::InvalidTransition {
                from: "archived".into(),
                to: "active".into(),
            })));
            continue;
        }
        let t = touched.entry(c.id.0).or_insert_with(|| {
            order.push(c.id.0);
            Touched {
                org: job.org,
                tally: Tally::new(c),
            }
        });
        for m in &job.messages {
            t.tally.add(m);
            new_rows.push((MessageId::new(), i, m));
        }
        outcomes.push(None);
    }

    // 3. Every message, and 4. one outbox event per message.
    let mut stored: HashMap<Uuid, Message> = HashMap::with_capacity(new_rows.len());
    if !new_rows.is_empty() {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO messages (id, org_id, conversation_id, sender_type, sender_id, content, \
             content_type, intent, intent_confidence, entities, sentiment, attachments, created_at) ",
        );
        qb.push_values(&new_rows, |mut b, (id, i, m)| {
            let job = &jobs[*i];
            b.push_bind(id.0)
                .push_bind(job.org.0)
                .push_bind(job.conversation.0)
                .push_bind(m.sender_type.as_str())
                .push_bind(m.sender_id.map(|u| u.0))
                .push_bind(m.content.as_str())
                .push_bind(m.content_type.as_str())
                .push_bind(m.intent.as_deref())
                .push_bind(m.intent_confidence)
                .push_bind(Json(&m.entities))
                .push_bind(m.sentiment)
                .push_bind(Json(&m.attachments))
                .push_bind(at);
        });
        qb.push(format!(" RETURNING {MESSAGE_COLUMNS}"));
        let rows: Vec<MessageRow> = qb
            .build_query_as()
            .persistent(false)
            .fetch_all(&mut *tx)
            .await?;
        for row in rows {
            let m = row.into_domain()?;
            stored.insert(m.id.0, m);
        }

        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO outbox (org_id, topic, payload, status, attempts, next_attempt_at, created_at) ",
        );
        qb.push_values(&new_rows, |mut b, (id, i, m)| {
            let job = &jobs[*i];
            b.push_bind(job.org.0)
                .push_bind("message.created")
                .push_bind(Json(serde_json::json!({
                    "conversation_id": job.conversation,
                    "message_id": id,
                    "sender_type": m.sender_type,
                })))
                .push("'pending'")
                .push("0")
                .push_bind(at)
                .push_bind(at);
        });
        qb.build().persistent(false).execute(&mut *tx).await?;
    }

    // 5. Every touched conversation, by its batch's total.
    let mut updated: HashMap<Uuid, Conversation> = HashMap::with_capacity(order.len());
    if !order.is_empty() {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "UPDATE conversations SET message_count = message_count + v.column3, \
             user_message_count = user_message_count + v.column4, \
             ai_message_count = ai_message_count + v.column5, \
             ai_confidence_sum = ai_confidence_sum + v.column6, \
             ai_confidence_n = ai_confidence_n + v.column7, ai_confidence_min = v.column8, \
             sentiment = v.column9, status = v.column10, last_activity_at = v.column11 FROM (",
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
                .push_bind(at);
            qb.push(")");
        }
        qb.push(format!(
            ") AS v WHERE conversations.org_id = v.column1 AND conversations.id = v.column2 \
             RETURNING {CONVERSATION_COLUMNS}"
        ));
        let rows: Vec<ConversationRow> = qb
            .build_query_as()
            .persistent(false)
            .fetch_all(&mut *tx)
            .await?;
        for row in rows {
            let c = row.into_domain()?;
            updated.insert(c.id.0, c);
        }
    }
    tx.commit().await?;

    // Nothing below may fail the batch: it is committed.
    let mut mine: Vec<Vec<Message>> = vec![Vec::new(); jobs.len()];
    let mut lost = vec![false; jobs.len()];
    for (id, i, _) in &new_rows {
        match stored.remove(&id.0) {
            Some(m) => mine[*i].push(m),
            None => lost[*i] = true,
        }
    }
    let corrupt = |what: &str| Err(StoreError::Corrupt(format!("{what} was not returned")));
    let results = outcomes
        .into_iter()
        .zip(mine)
        .zip(lost)
        .zip(jobs)
        .map(|(((outcome, messages), lost), job)| match outcome {
            Some(failed) => failed,
            None if lost => corrupt("an inserted message"),
            None => match updated.get(&job.conversation.0) {
                Some(c) => Ok((c.clone(), messages)),
                None => corrupt("an updated conversation"),
            },
        })
        .collect();
    Ok(results)
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

    /// Appends queued together are written in one transaction with the same
    /// effect as one by one, and a bad append fails alone.
    #[tokio::test]
    async fn concurrent_appends_are_committed_together_and_fail_alone() {
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
        let mut ok = 0;
        while let Some(done) = tasks.join_next().await {
            let (target, outcome) = done.unwrap();
            match outcome {
                Ok((c, messages)) => {
                    ok += 1;
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
        // acme: 3 × conversation.created, 2 × status_changed, 20 × 2 message.created.
        assert_eq!(
            s.count_outbox(acme, OutboxStatus::Pending).await.unwrap(),
            3 + 2 + 40
        );
        db.destroy().await;
    }
}
