//! Sessions: the access tokens (`00D…!AQ…`) and refresh tokens the OAuth
//! endpoint issues, their lifetime, revocation, and the mass expiry the
//! `ExpireAllSessions` fault triggers. [`Sessions::validate`] is what every
//! REST handler and the Pub/Sub service call.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use rand::distributions::Alphanumeric;
use rand::Rng;

use crate::faults::Faults;

/// At most this many live access tokens (expired ones are evicted first).
pub const MAX_SESSIONS: usize = 100_000;
/// At most this many refresh tokens.
pub const MAX_REFRESH_TOKENS: usize = 100_000;

/// Who a valid access token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The user's 18-character id.
    pub user_id: String,
    /// The org's 18-character id.
    pub org_id: String,
    /// The user's username.
    pub username: String,
    /// The URL REST calls go to (the simulator's own URL).
    pub instance_url: String,
}

#[derive(Debug, Clone)]
struct Entry {
    session: Session,
    expires: Instant,
    epoch: u64,
    refresh_token: Option<String>,
}

/// What a refresh token stands for.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    /// The connected app it was issued to.
    pub client_id: String,
    /// The session it renews (user, org, instance URL).
    pub session: Session,
}

#[derive(Debug, Default)]
struct Inner {
    access: HashMap<String, Entry>,
    refresh: HashMap<String, RefreshGrant>,
}

/// The token store, shared by clones.
#[derive(Clone)]
pub struct Sessions {
    inner: Arc<Mutex<Inner>>,
    lifetime: Duration,
    faults: Faults,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print tokens.
        f.debug_struct("Sessions")
            .field("live", &self.inner.lock().access.len())
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

fn random(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

impl Sessions {
    /// An empty store whose access tokens live for `lifetime` and die with
    /// an `ExpireAllSessions` fault.
    pub fn new(lifetime: Duration, faults: Faults) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner::default())),
            lifetime,
            faults,
        }
    }

    /// Issues an access token for the session, remembering the refresh token it
    /// was minted from (if any) so revoking that one revokes this too.
    pub fn issue(&self, session: Session, refresh_token: Option<&str>) -> String {
        let org15: String = session.org_id.chars().take(15).collect();
        let token = format!("{org15}!AQ{}", random(96));
        let now = Instant::now();
        let mut inner = self.inner.lock();
        if inner.access.len() >= MAX_SESSIONS {
            let epoch = self.faults.session_epoch();
            inner
                .access
                .retain(|_, e| e.expires > now && e.epoch == epoch);
            if inner.access.len() >= MAX_SESSIONS {
                // Still full: drop the oldest-expiring one.
                if let Some(k) = inner
                    .access
                    .iter()
                    .min_by_key(|(_, e)| e.expires)
                    .map(|(k, _)| k.clone())
                {
                    inner.access.remove(&k);
                }
            }
        }
        inner.access.insert(
            token.clone(),
            Entry {
                session,
                expires: now + self.lifetime,
                epoch: self.faults.session_epoch(),
                refresh_token: refresh_token.map(str::to_string),
            },
        );
        token
    }

    /// Issues a refresh token for a connected app and session.
    pub fn issue_refresh(&self, client_id: &str, session: Session) -> String {
        let token = format!("5Aep{}", random(83));
        let mut inner = self.inner.lock();
        if inner.refresh.len() >= MAX_REFRESH_TOKENS {
            if let Some(k) = inner.refresh.keys().next().cloned() {
                inner.refresh.remove(&k);
            }
        }
        inner.refresh.insert(
            token.clone(),
            RefreshGrant {
                client_id: client_id.to_string(),
                session,
            },
        );
        token
    }

    /// The session behind a live access token; `None` when unknown, revoked or expired.
    pub fn validate(&self, access_token: &str) -> Option<Session> {
        let inner = self.inner.lock();
        let e = inner.access.get(access_token)?;
        if e.expires <= Instant::now() || e.epoch != self.faults.session_epoch() {
            return None;
        }
        Some(e.session.clone())
    }

    /// The grant behind a refresh token.
    pub fn refresh_grant(&self, refresh_token: &str) -> Option<RefreshGrant> {
        self.inner.lock().refresh.get(refresh_token).cloned()
    }

    /// Revokes an access or refresh token (a refresh token takes the access
    /// tokens minted from it along). False when the token is unknown.
    pub fn revoke(&self, token: &str) -> bool {
        let mut inner = self.inner.lock();
        if inner.access.remove(token).is_some() {
            return true;
        }
        if inner.refresh.remove(token).is_some() {
            inner
                .access
                .retain(|_, e| e.refresh_token.as_deref() != Some(token));
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::Fault;

    fn session() -> Session {
        Session {
            user_id: "005000000000001AAA".into(),
            org_id: "00D000000000001AAA".into(),
            username: "a@b.c".into(),
            instance_url: "http://127.0.0.1:1".into(),
        }
    }

    #[test]
    fn issue_validate_revoke() {
        let faults = Faults::new();
        let s = Sessions::new(Duration::from_secs(60), faults.clone());
        let t = s.issue(session(), None);
        assert!(t.starts_with("00D000000000001!AQ"));
        assert_eq!(s.validate(&t), Some(session()));
        faults.inject(Fault::ExpireAllSessions);
        assert_eq!(s.validate(&t), None);
        let t2 = s.issue(session(), None);
        assert!(s.validate(&t2).is_some());
        assert!(s.revoke(&t2));
        assert!(s.validate(&t2).is_none());
        assert!(!s.revoke("nope"));
    }

    #[test]
    fn revoking_a_refresh_token_revokes_its_sessions() {
        let s = Sessions::new(Duration::from_secs(60), Faults::new());
        let r = s.issue_refresh("app", session());
        let t = s.issue(session(), Some(&r));
        assert!(s.revoke(&r));
        assert!(s.validate(&t).is_none());
        assert!(s.refresh_grant(&r).is_none());
    }

    #[test]
    fn sessions_expire() {
        let s = Sessions::new(Duration::ZERO, Faults::new());
        let t = s.issue(session(), None);
        assert!(s.validate(&t).is_none());
    }
}
