-- Salesforce sync: conversations found by their Case, and per-tenant sync
-- state (Pub/Sub replay ids, knowledge-import watermarks).

CREATE INDEX conversations_salesforce_case ON conversations (org_id, salesforce_case_id)
    WHERE salesforce_case_id IS NOT NULL;

CREATE TABLE salesforce_sync_state (
    org_id     BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    key        TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org_id, key)
);
