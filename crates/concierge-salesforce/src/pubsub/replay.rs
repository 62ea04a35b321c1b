//! Where a subscriber keeps the replay id of the last event it handed over,
//! per topic, so a restart resumes there: the [`ReplayStore`] trait and an
//! in-memory [`MemoryReplayStore`] (Concierge's database provides a durable one).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::PubSubError;

/// Longest replay id a store accepts, in bytes (Salesforce's are opaque but short).
pub const MAX_REPLAY_ID_BYTES: usize = 256;

/// Persists the last processed replay id per topic.
#[async_trait]
pub trait ReplayStore: Send + Sync + std::fmt::Debug {
    /// The stored replay id of `topic`, if any.
    async fn load(&self, topic: &str) -> Result<Option<Vec<u8>>, PubSubError>;
    /// Stores `replay_id` as the last processed of `topic`.
    async fn save(&self, topic: &str, replay_id: &[u8]) -> Result<(), PubSubError>;
}

/// A replay store in memory (cheap to clone; clones share the map).
#[derive(Debug, Clone, Default)]
pub struct MemoryReplayStore {
    ids: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl MemoryReplayStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl ReplayStore for MemoryReplayStore {
    async fn load(&self, topic: &str) -> Result<Option<Vec<u8>>, PubSubError> {
        let ids = self
            .ids
            .lock()
            .map_err(|_| PubSubError::Store("replay store lock poisoned".into()))?;
        Ok(ids.get(topic).cloned())
    }

    async fn save(&self, topic: &str, replay_id: &[u8]) -> Result<(), PubSubError> {
        if replay_id.len() > MAX_REPLAY_ID_BYTES {
            return Err(PubSubError::Store(format!(
                "replay id of {} bytes is longer than {MAX_REPLAY_ID_BYTES}",
                replay_id.len()
            )));
        }
        let mut ids = self
            .ids
            .lock()
            .map_err(|_| PubSubError::Store("replay store lock poisoned".into()))?;
        ids.insert(topic.to_string(), replay_id.to_vec());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn saves_and_loads_per_topic() {
        let store = MemoryReplayStore::new();
        assert_eq!(store.load("/data/CaseChangeEvent").await.unwrap(), None);
        store
            .save("/data/CaseChangeEvent", &[0, 0, 0, 0, 0, 0, 0, 7])
            .await
            .unwrap();
        store
            .clone()
            .save("/data/ContactChangeEvent", &[1])
            .await
            .unwrap();
        assert_eq!(
            store.load("/data/CaseChangeEvent").await.unwrap(),
            Some(vec![0, 0, 0, 0, 0, 0, 0, 7])
        );
        assert_eq!(
            store.load("/data/ContactChangeEvent").await.unwrap(),
            Some(vec![1])
        );
        assert!(store.save("t", &[0; 300]).await.is_err());
    }
}
