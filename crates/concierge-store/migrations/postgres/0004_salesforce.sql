-- Salesforce sync: conversations found by their Case, and per-tenant sync
-- state (Pub/Sub replay ids, knowledge-import watermarks).

CREATE INDEX conversations_salesforce_case ON conversations (org_id, salesforce_case_id)
    WHERE salesforce_case_id IS NOT NULL;

CREATE TABLE salesforce_sync_state (
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    key        text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    value      text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, key)
);

ALTER TABLE salesforce_sync_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON salesforce_sync_state USING (org_id = concierge_tenant())
    WITH CHECK (org_id = concierge_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON salesforce_sync_state TO concierge_app;
