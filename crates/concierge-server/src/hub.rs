//! The fan-out hub: every conversation has a broadcast channel its sockets
//! listen to, and every tenant has a staff feed (escalations and
//! conversation changes for agents' queues). The hub fans out within this
//! process; across nodes it will ride on Redis pub/sub with the scale-out work.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use concierge_core::{ConversationId, OrgId};
use tokio::sync::broadcast;

use crate::ws::ServerEvent;

type Channels<K> = Arc<Mutex<HashMap<K, broadcast::Sender<Arc<ServerEvent>>>>>;

/// Conversation → broadcast channel of its events; tenant → its staff feed.
#[derive(Debug, Clone, Default)]
pub struct Hub {
    channels: Channels<ConversationId>,
    staff: Channels<OrgId>,
}

impl Hub {
    /// Sends `event` to the staff sockets of `org` that subscribed to queues
    /// (each socket filters by its queues).
    pub fn publish_staff(&self, org: OrgId, event: ServerEvent) {
        let Ok(mut map) = self.staff.lock() else {
            return;
        };
        if let Some(tx) = map.get(&org) {
            if tx.send(Arc::new(event)).is_err() {
                map.remove(&org);
            }
        }
    }

    /// A receiver of `org`'s staff feed from now on.
    pub fn subscribe_staff(&self, org: OrgId) -> Option<broadcast::Receiver<Arc<ServerEvent>>> {
        let mut map = self.staff.lock().ok()?;
        Some(
            map.entry(org)
                .or_insert_with(|| broadcast::channel(256).0)
                .subscribe(),
        )
    }

    /// Stops tracking `org`'s staff feed if nobody listens to it any more.
    pub(crate) fn release_staff(&self, org: OrgId) {
        if let Ok(mut map) = self.staff.lock() {
            if map.get(&org).is_some_and(|tx| tx.receiver_count() == 0) {
                map.remove(&org);
            }
        }
    }

    /// Sends `event` to every socket subscribed to `conversation`.
    pub fn publish(&self, conversation: ConversationId, event: ServerEvent) {
        let Ok(mut map) = self.channels.lock() else {
            return;
        };
        if let Some(tx) = map.get(&conversation) {
            if tx.send(Arc::new(event)).is_err() {
                map.remove(&conversation);
            }
        }
    }

    /// Whether any socket watches `conversation` (worth streaming to).
    pub fn watched(&self, conversation: ConversationId) -> bool {
        self.channels
            .lock()
            .ok()
            .and_then(|map| map.get(&conversation).map(|tx| tx.receiver_count() > 0))
            .unwrap_or(false)
    }

    /// A receiver of `conversation`'s events from now on.
    pub fn subscribe(
        &self,
        conversation: ConversationId,
    ) -> Option<broadcast::Receiver<Arc<ServerEvent>>> {
        let mut map = self.channels.lock().ok()?;
        Some(
            map.entry(conversation)
                .or_insert_with(|| broadcast::channel(256).0)
                .subscribe(),
        )
    }

    /// Stops tracking `conversation` if nobody listens to it any more.
    pub(crate) fn release(&self, conversation: ConversationId) {
        if let Ok(mut map) = self.channels.lock() {
            if map
                .get(&conversation)
                .is_some_and(|tx| tx.receiver_count() == 0)
            {
                map.remove(&conversation);
            }
        }
    }

    /// Conversations the hub holds a channel for (with or without subscribers).
    pub fn channel_count(&self) -> usize {
        self.channels.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Conversations with at least one subscriber.
    pub fn active_conversations(&self) -> usize {
        self.channels
            .lock()
            .map(|m| m.values().filter(|tx| tx.receiver_count() > 0).count())
            .unwrap_or(0)
    }
}
