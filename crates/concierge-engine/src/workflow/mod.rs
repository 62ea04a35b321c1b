//! Declarative workflows. (Being written.)
