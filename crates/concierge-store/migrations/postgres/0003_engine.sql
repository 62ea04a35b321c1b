-- The conversation engine: per-message analysis and moderation, conversation
-- routing (queue, priority, assignee), first-response time and CSAT comment,
-- escalation summary cards and SLA tracking, moderation flags for review,
-- locally recorded cases (the CaseSystem's embedded implementation) and
-- versioned tenant rule sets.
ALTER TABLE messages ADD COLUMN analysis jsonb NOT NULL DEFAULT '{}';
ALTER TABLE messages ADD COLUMN moderation text CHECK (moderation IN ('warned', 'blocked'));

ALTER TABLE conversations ADD COLUMN queue text;
ALTER TABLE conversations ADD COLUMN priority text CHECK (priority IN ('low', 'medium', 'high', 'critical'));
ALTER TABLE conversations ADD COLUMN assignee_id uuid REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN first_response_at timestamptz;
ALTER TABLE conversations ADD COLUMN csat_comment text;
CREATE INDEX conversations_queue ON conversations (org_id, queue, status);
CREATE INDEX conversations_idle ON conversations (status, last_activity_at);

ALTER TABLE escalations ADD COLUMN summary jsonb NOT NULL DEFAULT '{}';
ALTER TABLE escalations ADD COLUMN tier text;
ALTER TABLE escalations ADD COLUMN first_response_deadline timestamptz;
ALTER TABLE escalations ADD COLUMN first_response_at timestamptz;
ALTER TABLE escalations ADD COLUMN claimed_at timestamptz;
ALTER TABLE escalations ADD COLUMN breached_at timestamptz;
ALTER TABLE escalations ADD COLUMN breach_kind text CHECK (breach_kind IN ('first_response', 'resolution'));
CREATE INDEX escalations_open ON escalations (resolved_at, breached_at, sla_deadline);

CREATE TABLE moderation_flags (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    message_id      uuid NOT NULL,
    level           text NOT NULL CHECK (level IN ('warned', 'blocked')),
    score           double precision NOT NULL CHECK (score BETWEEN 0 AND 1),
    categories      jsonb NOT NULL DEFAULT '{}',
    review_status   text NOT NULL DEFAULT 'pending' CHECK (review_status IN ('pending', 'reviewed', 'resolved')),
    reviewed_by     uuid,
    review_note     text,
    created_at      timestamptz NOT NULL,
    reviewed_at     timestamptz
);
CREATE INDEX moderation_flags_review ON moderation_flags (org_id, review_status, created_at);

CREATE TABLE cases (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id uuid REFERENCES conversations (id) ON DELETE SET NULL,
    case_number     text NOT NULL,
    subject         text NOT NULL,
    description     text NOT NULL,
    status          text NOT NULL,
    priority        text NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'critical')),
    origin          text NOT NULL,
    queue           text,
    contact_email   text,
    external_id     text,
    details         jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (org_id, case_number),
    UNIQUE (org_id, external_id)
);
CREATE INDEX cases_contact ON cases (org_id, contact_email);

CREATE TABLE tenant_rules (
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    version    integer NOT NULL CHECK (version >= 1),
    document   text NOT NULL,
    format     text NOT NULL CHECK (format IN ('yaml', 'json')),
    updated_by text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, version)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['moderation_flags', 'cases', 'tenant_rules']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (org_id = concierge_tenant()) '
                       'WITH CHECK (org_id = concierge_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON moderation_flags, cases, tenant_rules TO concierge_app;
