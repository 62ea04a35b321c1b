-- The conversation engine: per-message analysis and moderation, conversation
-- routing (queue, priority, assignee), first-response time and CSAT comment,
-- escalation summary cards and SLA tracking, moderation flags for review,
-- locally recorded cases (the CaseSystem's embedded implementation) and
-- versioned tenant rule sets.
ALTER TABLE messages ADD COLUMN analysis TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(analysis));
ALTER TABLE messages ADD COLUMN moderation TEXT CHECK (moderation IN ('warned', 'blocked'));

ALTER TABLE conversations ADD COLUMN queue TEXT;
ALTER TABLE conversations ADD COLUMN priority TEXT CHECK (priority IN ('low', 'medium', 'high', 'critical'));
ALTER TABLE conversations ADD COLUMN assignee_id BLOB REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN first_response_at TEXT;
ALTER TABLE conversations ADD COLUMN csat_comment TEXT;
CREATE INDEX conversations_queue ON conversations (org_id, queue, status);
CREATE INDEX conversations_idle ON conversations (status, last_activity_at);

ALTER TABLE escalations ADD COLUMN summary TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(summary));
ALTER TABLE escalations ADD COLUMN tier TEXT;
ALTER TABLE escalations ADD COLUMN first_response_deadline TEXT;
ALTER TABLE escalations ADD COLUMN first_response_at TEXT;
ALTER TABLE escalations ADD COLUMN claimed_at TEXT;
ALTER TABLE escalations ADD COLUMN breached_at TEXT;
ALTER TABLE escalations ADD COLUMN breach_kind TEXT CHECK (breach_kind IN ('first_response', 'resolution'));
CREATE INDEX escalations_open ON escalations (resolved_at, breached_at, sla_deadline);

CREATE TABLE moderation_flags (
    id              BLOB PRIMARY KEY,
    org_id          BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    message_id      BLOB NOT NULL,
    level           TEXT NOT NULL CHECK (level IN ('warned', 'blocked')),
    score           REAL NOT NULL CHECK (score BETWEEN 0 AND 1),
    categories      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(categories)),
    review_status   TEXT NOT NULL DEFAULT 'pending' CHECK (review_status IN ('pending', 'reviewed', 'resolved')),
    reviewed_by     BLOB,
    review_note     TEXT,
    created_at      TEXT NOT NULL,
    reviewed_at     TEXT
);
CREATE INDEX moderation_flags_review ON moderation_flags (org_id, review_status, created_at);

CREATE TABLE cases (
    id              BLOB PRIMARY KEY,
    org_id          BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id BLOB REFERENCES conversations (id) ON DELETE SET NULL,
    case_number     TEXT NOT NULL,
    subject         TEXT NOT NULL,
    description     TEXT NOT NULL,
    status          TEXT NOT NULL,
    priority        TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'critical')),
    origin          TEXT NOT NULL,
    queue           TEXT,
    contact_email   TEXT,
    external_id     TEXT,
    details         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (org_id, case_number),
    UNIQUE (org_id, external_id)
);
CREATE INDEX cases_contact ON cases (org_id, contact_email);

CREATE TABLE tenant_rules (
    org_id     BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL CHECK (version >= 1),
    document   TEXT NOT NULL,
    format     TEXT NOT NULL CHECK (format IN ('yaml', 'json')),
    updated_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, version)
);
