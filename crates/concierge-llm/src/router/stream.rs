//! Streaming a task: deltas as the model writes them, then the outcome.
//! Providers are tried in order until one produces text the caller can see;
//! from then on the reply cannot be taken back, so a later failure ends the
//! stream with a `truncated` outcome instead of another provider's answer.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::{Stream, StreamExt};
use tokio::sync::mpsc;

use super::plan::{Plan, Prepared};
use super::{step, Attempt, Router, Slot};
use crate::error::LlmError;
use crate::grounding::OutputFilter;
use crate::task::{Task, TaskOutcome, TaskRequest};
use crate::types::{ChatResponse, ChatStream, StreamEvent};

/// One item of a streamed task.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskEvent {
    /// Text to append to the reply (already filtered: citations renumbered,
    /// personal data restored).
    Delta(String),
    /// The end: the whole outcome (its `text` is the concatenated deltas).
    Done(Box<TaskOutcome>),
}

/// A streamed task; always ends with exactly one [`TaskEvent::Done`].
pub type TaskStream = Pin<Box<dyn Stream<Item = TaskEvent> + Send>>;

/// A provider stream that has produced its first visible text (or finished).
struct Opened {
    stream: ChatStream,
    filter: OutputFilter,
    first: String,
    raw: String,
    finished: Option<ChatResponse>,
}

impl Router {
    /// Does `request`, streaming the reply. Classification is not streamed
    /// (it yields its outcome only); the local responder's reply arrives as
    /// one delta.
    pub fn stream(self: &Arc<Self>, request: TaskRequest) -> TaskStream {
        let (tx, rx) = mpsc::channel(64);
        let router = Arc::clone(self);
        tokio::spawn(async move { router.stream_into(request, tx).await });
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) })
            .boxed()
    }

    async fn stream_into(&self, request: TaskRequest, tx: mpsc::Sender<TaskEvent>) {
        let finish_local = |outcome: TaskOutcome| async {
            if !outcome.text.is_empty() {
                let _ = tx.send(TaskEvent::Delta(outcome.text.clone())).await;
            }
            let _ = tx.send(TaskEvent::Done(Box::new(outcome))).await;
        };
        if request.task == Task::Classify {
            let outcome = self.run(request).await;
            let _ = tx.send(TaskEvent::Done(Box::new(outcome))).await;
            return;
        }
        let plan = match self.prepare(&request).await {
            Prepared::Local { reason, fallbacks } => {
                return finish_local(self.local_outcome(&request, reason, fallbacks)).await;
            }
            Prepared::Remote(plan) => plan,
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(self.limits.deadline_secs);
        let mut fallbacks = Vec::new();
        for slot in &plan.chain {
            let attempt = self
                .attempts(slot, request.task, deadline, |provider| {
                    let chat = &plan.chat;
                    let filter = OutputFilter::new(plan.passages.len(), plan.pii.clone());
                    async move { open(provider.stream(chat).await?, filter).await }
                })
                .await;
            let opened = match attempt {
                Attempt::Ok(o) => o,
                Attempt::Failed(s) => {
                    fallbacks.push(s);
                    continue;
                }
            };
            if opened.finished.is_some() && opened.raw.trim().is_empty() {
                fallbacks.push(step(slot.provider.name(), "empty_reply", "no text"));
                continue;
            }
            return self
                .deliver(&request, &plan, slot, opened, fallbacks, &tx)
                .await;
        }
        let reason = if fallbacks.iter().any(|f| f.reason == "deadline") {
            "deadline"
        } else {
            "providers_failed"
        };
        finish_local(self.local_outcome(&request, reason, fallbacks)).await;
    }

    /// Forwards the rest of an opened stream and sends the outcome.
    async fn deliver(
        &self,
        request: &TaskRequest,
        plan: &Plan,
        slot: &Slot,
        opened: Opened,
        mut fallbacks: Vec<super::FallbackStep>,
        tx: &mpsc::Sender<TaskEvent>,
    ) {
        let Opened {
            mut stream,
            mut filter,
            first,
            mut raw,
            mut finished,
        } = opened;
        let mut text = String::new();
        let mut hung_up = false;
        let mut broke: Option<LlmError> = None;
        let mut next = Some(first);
        loop {
            if let Some(chunk) = next.take().filter(|c| !c.is_empty()) {
                text.push_str(&chunk);
                if tx.send(TaskEvent::Delta(chunk)).await.is_err() {
                    // The caller hung up: stop reading (dropping the stream
                    // closes the connection) but still account for the call.
                    hung_up = true;
                    break;
                }
            }
            if finished.is_some() {
                break;
            }
            match stream.next().await {
                Some(Ok(StreamEvent::TextDelta(t))) => {
                    raw.push_str(&t);
                    next = Some(filter.push(&t));
                }
                Some(Ok(StreamEvent::Finished(r))) => finished = Some(r),
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    broke = Some(e);
                    break;
                }
                None => {
                    broke = Some(LlmError::MalformedStream(
                        "the stream ended before its final event".into(),
                    ));
                    break;
                }
            }
        }
        drop(stream);
        let tail = filter.finish();
        if !tail.is_empty() && !hung_up {
            text.push_str(&tail);
            let _ = tx.send(TaskEvent::Delta(tail)).await;
        }
        let name = slot.provider.name();
        if let Some(e) = &broke {
            self.fail(slot, request.task, e);
            fallbacks.push(step(name, e.kind(), e.to_string()));
        }
        let (model, usage) = match &finished {
            Some(r) if !r.model.is_empty() => (r.model.clone(), r.usage),
            Some(r) => (slot.provider.model().to_owned(), r.usage),
            None => (slot.provider.model().to_owned(), Default::default()),
        };
        let (usage, estimated) = Self::usage_or_estimate(plan, usage, &raw);
        let cost = self.account(request, name, &model, usage, estimated).await;
        let delivered_nothing = text.is_empty();
        let mut outcome = self.remote_outcome(
            request, plan, name, &model, text, &filter, usage, cost, fallbacks,
        );
        outcome.truncated = broke.is_some() || hung_up;
        if delivered_nothing && !outcome.text.is_empty() && !hung_up {
            // Only the no-answer marker came: the honest reply is ours.
            let _ = tx.send(TaskEvent::Delta(outcome.text.clone())).await;
        }
        let _ = tx.send(TaskEvent::Done(Box::new(outcome))).await;
    }
}

/// Reads a provider stream until the filter lets the first text through
/// (or the reply finishes). Errors before that are the attempt's errors,
/// so the router may still retry or fall back.
async fn open(mut stream: ChatStream, mut filter: OutputFilter) -> Result<Opened, LlmError> {
    let mut raw = String::new();
    loop {
        match stream.next().await {
            Some(Ok(StreamEvent::TextDelta(t))) => {
                raw.push_str(&t);
                let first = filter.push(&t);
                if !first.is_empty() {
                    return Ok(Opened {
                        stream,
                        filter,
                        first,
                        raw,
                        finished: None,
                    });
                }
            }
            Some(Ok(StreamEvent::Finished(r))) => {
                return Ok(Opened {
                    stream,
                    filter,
                    first: String::new(),
                    raw,
                    finished: Some(r),
                })
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e),
            None => {
                return Err(LlmError::MalformedStream(
                    "the stream ended before its final event".into(),
                ))
            }
        }
    }
}
