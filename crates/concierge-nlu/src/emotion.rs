//! **Placeholder**: filled in by the understanding issue.
