//! Where Salesforce's changes land. An agent's public comment on the Case
//! becomes a human-agent message in the conversation (stored, then sent to
//! every open socket, as if the agent had answered from the console); a
//! Case closed in Salesforce resolves the conversation.

use async_trait::async_trait;
use concierge_core::{ConversationId, ConversationStatus, OrgId, SenderType};
use concierge_store::{NewMessage, TurnEffects};
use serde_json::json;

use crate::state::AppState;
use crate::ws::ServerEvent;

/// The server's side of the Salesforce sync.
#[derive(Debug, Clone)]
pub struct ServerInbox {
    state: AppState,
}

impl ServerInbox {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

#[async_trait]
impl concierge_sfsync::Inbox for ServerInbox {
    async fn agent_message(
        &self,
        org: OrgId,
        conversation: ConversationId,
        author: &str,
        text: &str,
        source_id: &str,
    ) -> Result<(), String> {
        let store = &self.state.store;
        let before = store
            .get_conversation(org, conversation)
            .await
            .map_err(|e| e.to_string())?;
        let mut msg = NewMessage::text(
            SenderType::HumanAgent,
            None,
            text.chars().take(10_000).collect::<String>(),
        );
        msg.analysis =
            json!({ "source": "salesforce", "salesforce_comment_id": source_id, "author": author });
        let mut effects = TurnEffects::default();
        if before.escalated && !before.status.is_closed() {
            effects.status = Some(ConversationStatus::WaitingForUser);
        }
        let turn = store
            .record_turn(org, conversation, &[msg], &effects)
            .await
            .map_err(|e| e.to_string())?;
        for m in &turn.messages {
            self.state.hub.publish(
                conversation,
                ServerEvent::MessageReceived { message: m.clone() },
            );
        }
        crate::notify::if_changed(&self.state, &before, &turn.conversation);
        if before.status != turn.conversation.status {
            self.state.hub.publish(
                conversation,
                ServerEvent::StatusUpdate {
                    conversation_id: conversation,
                    status: turn.conversation.status,
                },
            );
        }
        Ok(())
    }

    async fn resolve(
        &self,
        org: OrgId,
        conversation: ConversationId,
        note: &str,
    ) -> Result<(), String> {
        let c = self
            .state
            .store
            .resolve_conversation(org, conversation, "human", Some(note))
            .await
            .map_err(|e| e.to_string())?;
        self.state.hub.publish(
            conversation,
            ServerEvent::StatusUpdate {
                conversation_id: conversation,
                status: c.status,
            },
        );
        crate::notify::updated(&self.state, &c, None);
        Ok(())
    }
}
