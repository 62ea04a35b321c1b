//! (module being written; see lib.rs)
