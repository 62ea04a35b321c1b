//! Identifiers are newtypes over UUIDs so that a `UserId` can never be passed
//! where a `ConversationId` is expected.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! new_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (v7) identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            /// The underlying UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

new_id!(
    /// A tenant (organization).
    OrgId
);
new_id!(
    /// A staff member or a customer.
    UserId
);
new_id!(
    /// A conversation.
    ConversationId
);
new_id!(
    /// A message within a conversation.
    MessageId
);
new_id!(
    /// An API key.
    ApiKeyId
);
new_id!(
    /// A family of rotating refresh tokens (one per sign-in).
    TokenFamilyId
);
new_id!(
    /// A knowledge entry (all versions share it).
    KnowledgeId
);
new_id!(
    /// An action run by or for the agent.
    ActionId
);
new_id!(
    /// An escalation to a human.
    EscalationId
);
new_id!(
    /// A support case (the local CaseSystem's record).
    CaseId
);
new_id!(
    /// A moderation flag awaiting review.
    FlagId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_strings_and_are_time_ordered() {
        let a = ConversationId::new();
        let b = ConversationId::new();
        assert!(a < b, "v7 ids sort by creation time");
        let parsed: ConversationId = a.to_string().parse().unwrap();
        assert_eq!(parsed, a);
        assert!("not-a-uuid".parse::<ConversationId>().is_err());
    }
}
