//! The undo log that gives `composite` and `composite/sobjects` their
//! all-or-none behaviour: each successful write records how to reverse it,
//! and a failure replays the log backwards.

use serde_json::{Map, Value};

use super::sobjects::write_ctx;
use super::Ctx;
use crate::server::SimState;

/// How to reverse one write.
#[derive(Debug, Clone)]
pub(crate) enum Undo {
    /// A created record: purge it (no trace left for `queryAll`).
    Created { object: String, id: String },
    /// A deleted record: undelete it.
    Deleted { object: String, id: String },
    /// An updated record: put these values back.
    Updated {
        object: String,
        id: String,
        before: Map<String, Value>,
    },
}

/// The values `fields` would overwrite on a record, read before the update.
pub(crate) fn snapshot(
    state: &SimState,
    ctx: &Ctx,
    object: &str,
    id: &str,
    fields: &Map<String, Value>,
) -> Option<Undo> {
    let names: Vec<String> = fields
        .keys()
        .filter(|k| !k.eq_ignore_ascii_case("Id") && *k != "attributes")
        .cloned()
        .collect();
    let record = state.db.get(object, id, Some(&names), &ctx.version).ok()?;
    let before: Map<String, Value> = record
        .into_iter()
        .filter(|(k, _)| names.iter().any(|n| n.eq_ignore_ascii_case(k)))
        .collect();
    let id = record_id(state, object, id)?;
    Some(Undo::Updated {
        object: object.to_string(),
        id,
        before,
    })
}

/// The 18-character id of a record, as the database knows it.
fn record_id(state: &SimState, object: &str, id: &str) -> Option<String> {
    let record = state
        .db
        .get(object, id, Some(&["Id".to_string()]), "62.0")
        .ok()?;
    record.get("Id").and_then(Value::as_str).map(str::to_string)
}

/// Reverses the writes, newest first. Failures are logged (the record may
/// have been deleted by a later step that also failed).
pub(crate) fn rollback(state: &SimState, ctx: &Ctx, log: Vec<Undo>) {
    let wctx = write_ctx(ctx);
    for undo in log.into_iter().rev() {
        let result = match &undo {
            Undo::Created { object, id } => state.db.purge(object, id),
            Undo::Deleted { object, id } => state.db.undelete(&wctx, object, id),
            Undo::Updated { object, id, before } => {
                state.db.update(&wctx, object, id, before.clone())
            }
        };
        if let Err(e) = result {
            tracing::warn!(?undo, error.message = %e, "rollback step failed");
        }
    }
}
