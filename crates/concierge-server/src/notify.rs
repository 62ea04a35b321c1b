//! Staff notifications: what goes on a tenant's staff feed, the hub channel
//! that staff sockets join with `subscribe_queues`. Every event is published
//! under the conversation's own tenant, so another tenant's sockets never
//! see it.

use concierge_core::model::{Conversation, Escalation};
use serde_json::Value;

use crate::state::AppState;
use crate::ws::ServerEvent;

/// A conversation was escalated: `escalated`, then its new state.
pub fn escalated(state: &AppState, conversation: &Conversation, escalation: &Escalation) {
    state.hub.publish_staff(
        conversation.org_id,
        ServerEvent::Escalated {
            conversation_id: conversation.id,
            escalation_id: escalation.id,
            queue: escalation.queue.clone(),
            priority: escalation.priority,
            reason: escalation.reason.clone(),
            sla_deadline: escalation.sla_deadline,
            case_number: escalation
                .summary
                .get("case_number")
                .and_then(Value::as_str)
                .map(str::to_owned),
        },
    );
    updated(state, conversation, None);
}

/// A conversation's status, queue or assignee changed; `previous_queue`
/// names the queue it left on a transfer.
pub fn updated(state: &AppState, conversation: &Conversation, previous_queue: Option<String>) {
    state.hub.publish_staff(
        conversation.org_id,
        ServerEvent::ConversationUpdated {
            conversation_id: conversation.id,
            status: conversation.status,
            queue: conversation.queue.clone(),
            previous_queue: previous_queue.filter(|q| Some(q) != conversation.queue.as_ref()),
            priority: conversation.priority,
            assigned_agent_id: conversation.assignee_id,
        },
    );
}

/// Publishes `updated` when anything staff track changed between `before` and `after`.
pub fn if_changed(state: &AppState, before: &Conversation, after: &Conversation) {
    if before.status != after.status
        || before.queue != after.queue
        || before.assignee_id != after.assignee_id
        || before.priority != after.priority
    {
        updated(state, after, before.queue.clone());
    }
}
