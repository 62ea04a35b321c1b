//! Tenant rules. (Being written.)
