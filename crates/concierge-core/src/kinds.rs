//! Closed sets of values. Each has one spelling (snake_case) used in JSON, in
//! the database (where a CHECK constraint enforces the same list) and in logs.

use serde::{Deserialize, Serialize};

/// The value was not one of the allowed spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind}; expected one of: {allowed}")]
pub struct UnknownKind {
    /// What was being parsed (e.g. "channel").
    pub kind: &'static str,
    /// The rejected input.
    pub value: String,
    /// The allowed spellings, comma separated.
    pub allowed: String,
}

macro_rules! kind_enum {
    ($(#[$meta:meta])* $name:ident, $label:literal { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical spelling.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownKind;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownKind {
                        kind: $label,
                        value: s.chars().take(64).collect(),
                        allowed: [$($text),+].join(", "),
                    }),
                }
            }
        }
    };
}

kind_enum!(
    /// Where a conversation happens.
    Channel, "channel" {
        Web => "web", Slack => "slack", Teams => "teams", Email => "email",
        Whatsapp => "whatsapp", Sms => "sms", Api => "api",
    }
);

kind_enum!(
    /// Lifecycle of a conversation. Transitions are enforced by [`ConversationStatus::can_transition_to`].
    ConversationStatus, "conversation status" {
        Initialized => "initialized", Active => "active", WaitingForUser => "waiting_for_user",
        WaitingForAgent => "waiting_for_agent", Processing => "processing", Escalated => "escalated",
        Resolved => "resolved", Abandoned => "abandoned", Archived => "archived",
    }
);

impl ConversationStatus {
    /// Whether a conversation may move from `self` to `next`.
    pub fn can_transition_to(self, next: ConversationStatus) -> bool {
        use ConversationStatus::*;
        if self == next {
            return true;
        }
        match self {
            Initialized => matches!(next, Active | Processing | Escalated | Abandoned),
            Active | WaitingForUser | Processing => matches!(
                next,
                Active
                    | WaitingForUser
                    | WaitingForAgent
                    | Processing
                    | Escalated
                    | Resolved
                    | Abandoned
            ),
            WaitingForAgent | Escalated => {
                matches!(
                    next,
                    Active | WaitingForUser | WaitingForAgent | Escalated | Resolved | Abandoned
                )
            }
            Resolved | Abandoned => matches!(next, Active | Archived),
            Archived => false,
        }
    }

    /// Whether the conversation is finished (no reply is expected).
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Resolved | Self::Abandoned | Self::Archived)
    }
}

kind_enum!(
    /// Who wrote a message.
    SenderType, "sender type" {
        User => "user", AiAgent => "ai_agent", HumanAgent => "human_agent", System => "system",
    }
);

kind_enum!(
    /// What a message holds.
    ContentType, "content type" {
        Text => "text", Image => "image", File => "file", Code => "code", ErrorLog => "error_log",
    }
);

kind_enum!(
    /// What a user may do.
    Role, "role" {
        Admin => "admin", Supervisor => "supervisor", Agent => "agent", Customer => "customer", Service => "service",
    }
);

impl Role {
    /// Staff roles sign in with a password and see the whole tenant.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Supervisor | Role::Agent)
    }
}

kind_enum!(
    /// Account status of a user.
    UserStatus, "user status" { Active => "active", Disabled => "disabled", Invited => "invited" }
);

kind_enum!(
    /// A customer's service tier.
    CustomerTier, "customer tier" { Standard => "standard", Premium => "premium", Enterprise => "enterprise", Vip => "vip" }
);

kind_enum!(
    /// A tenant's subscription.
    SubscriptionTier, "subscription tier" { Free => "free", Starter => "starter", Professional => "professional", Enterprise => "enterprise" }
);

kind_enum!(
    /// Progress of an action.
    ActionStatus, "action status" {
        Pending => "pending", Running => "running", Completed => "completed", Failed => "failed", Cancelled => "cancelled",
    }
);

kind_enum!(
    /// Urgency of an escalation.
    Priority, "priority" { Low => "low", Medium => "medium", High => "high", Critical => "critical" }
);

kind_enum!(
    /// Sentiment label.
    SentimentLabel, "sentiment" { Negative => "negative", Neutral => "neutral", Positive => "positive" }
);

kind_enum!(
    /// Delivery state of an outbox event.
    OutboxStatus, "outbox status" { Pending => "pending", Delivered => "delivered", Dead => "dead" }
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_kind_round_trips_through_its_spelling() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>().unwrap(), *c);
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::json!(c.as_str())
            );
        }
        for s in ConversationStatus::ALL {
            assert_eq!(s.as_str().parse::<ConversationStatus>().unwrap(), *s);
        }
        let err = "fax".parse::<Channel>().unwrap_err();
        assert!(err.to_string().contains("web, slack"), "{err}");
    }

    #[test]
    fn archived_is_terminal_and_resolved_can_reopen() {
        use ConversationStatus::*;
        for s in ConversationStatus::ALL {
            if *s != Archived {
                assert!(!Archived.can_transition_to(*s));
            }
        }
        assert!(Resolved.can_transition_to(Active));
        assert!(!Initialized.can_transition_to(Resolved));
    }

    proptest! {
        #[test]
        fn parsing_arbitrary_text_never_panics(s in ".{0,80}") {
            let _ = s.parse::<Channel>();
            let _ = s.parse::<Role>();
        }
    }
}
