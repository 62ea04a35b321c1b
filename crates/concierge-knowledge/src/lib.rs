//! Concierge knowledge base (in progress).
