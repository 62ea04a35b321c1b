-- Concierge schema, SQLite flavour. Identifiers are 16-byte BLOB UUIDs, JSON is TEXT,
-- timestamps are RFC 3339 TEXT in UTC. Every tenant table carries org_id; the
-- repository layer filters on it in every statement (PostgreSQL adds row-level security).

CREATE TABLE instance_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE organizations (
    id                BLOB PRIMARY KEY,
    slug              TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    salesforce_org_id TEXT,
    subscription_tier TEXT NOT NULL DEFAULT 'free'
        CHECK (subscription_tier IN ('free', 'starter', 'professional', 'enterprise')),
    settings          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
    feature_flags     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(feature_flags)),
    widget_key        TEXT NOT NULL UNIQUE,
    created_at        TEXT NOT NULL
);

CREATE TABLE users (
    id            BLOB PRIMARY KEY,
    org_id        BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    external_id   TEXT,
    email         TEXT,
    display_name  TEXT,
    password_hash TEXT,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent', 'customer', 'service')),
    customer_tier TEXT CHECK (customer_tier IN ('standard', 'premium', 'enterprise', 'vip')),
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'invited')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (org_id, email),
    UNIQUE (org_id, external_id)
);
CREATE INDEX users_email ON users (email);

CREATE TABLE api_keys (
    id           BLOB PRIMARY KEY,
    org_id       BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL UNIQUE,
    key_hash     BLOB NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent', 'customer', 'service')),
    created_by   BLOB,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_keys_org ON api_keys (org_id, created_at);

CREATE TABLE refresh_tokens (
    id         BLOB PRIMARY KEY,
    org_id     BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  BLOB NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (org_id, family_id);

CREATE TABLE conversations (
    id                 BLOB PRIMARY KEY,
    org_id             BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    customer_id        BLOB REFERENCES users (id) ON DELETE SET NULL,
    channel            TEXT NOT NULL CHECK (channel IN ('web', 'slack', 'teams', 'email', 'whatsapp', 'sms', 'api')),
    status             TEXT NOT NULL CHECK (status IN ('initialized', 'active', 'waiting_for_user', 'waiting_for_agent',
                                                       'processing', 'escalated', 'resolved', 'abandoned', 'archived')),
    started_at         TEXT NOT NULL,
    last_activity_at   TEXT NOT NULL,
    ended_at           TEXT,
    message_count      INTEGER NOT NULL DEFAULT 0,
    user_message_count INTEGER NOT NULL DEFAULT 0,
    ai_message_count   INTEGER NOT NULL DEFAULT 0,
    ai_confidence_sum  REAL NOT NULL DEFAULT 0,
    ai_confidence_n    INTEGER NOT NULL DEFAULT 0,
    ai_confidence_min  REAL,
    sentiment          REAL,
    escalated          INTEGER NOT NULL DEFAULT 0 CHECK (escalated IN (0, 1)),
    escalation_reason  TEXT,
    resolution_type    TEXT CHECK (resolution_type IN ('ai', 'human', 'abandoned', 'customer')),
    resolution_seconds INTEGER,
    satisfaction       INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    context            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(context)),
    metadata           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    salesforce_case_id TEXT
);
CREATE INDEX conversations_recent ON conversations (org_id, started_at DESC, id DESC);
CREATE INDEX conversations_customer ON conversations (org_id, customer_id, started_at DESC);
CREATE INDEX conversations_status ON conversations (org_id, status, started_at DESC);

CREATE TABLE messages (
    id                BLOB PRIMARY KEY,
    org_id            BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id   BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender_type       TEXT NOT NULL CHECK (sender_type IN ('user', 'ai_agent', 'human_agent', 'system')),
    sender_id         BLOB,
    content           TEXT NOT NULL,
    content_type      TEXT NOT NULL CHECK (content_type IN ('text', 'image', 'file', 'code', 'error_log')),
    intent            TEXT,
    intent_confidence REAL CHECK (intent_confidence BETWEEN 0 AND 1),
    entities          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(entities)),
    sentiment         REAL CHECK (sentiment BETWEEN -1 AND 1),
    attachments       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(attachments)),
    created_at        TEXT NOT NULL,
    edited_at         TEXT,
    deleted_at        TEXT
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at, id);

CREATE TABLE knowledge_entries (
    id         BLOB NOT NULL,
    org_id     BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL CHECK (version >= 1),
    is_current INTEGER NOT NULL CHECK (is_current IN (0, 1)),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    category   TEXT,
    tags       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    language   TEXT NOT NULL DEFAULT 'en',
    source_url TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE UNIQUE INDEX knowledge_one_current ON knowledge_entries (id) WHERE is_current = 1;
CREATE INDEX knowledge_org ON knowledge_entries (org_id, is_current, category);

CREATE TABLE actions (
    id              BLOB PRIMARY KEY,
    org_id          BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id BLOB REFERENCES conversations (id) ON DELETE SET NULL,
    action_type     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    idempotency_key TEXT,
    parameters      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(parameters)),
    result          TEXT CHECK (result IS NULL OR json_valid(result)),
    retries         INTEGER NOT NULL DEFAULT 0,
    next_retry_at   TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (org_id, idempotency_key)
);
CREATE INDEX actions_due ON actions (status, next_retry_at);

CREATE TABLE escalations (
    id              BLOB PRIMARY KEY,
    org_id          BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    reason          TEXT NOT NULL,
    priority        TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'critical')),
    queue           TEXT NOT NULL,
    assignee_id     BLOB REFERENCES users (id) ON DELETE SET NULL,
    sla_deadline    TEXT,
    resolution      TEXT,
    created_at      TEXT NOT NULL,
    resolved_at     TEXT
);
CREATE INDEX escalations_queue ON escalations (org_id, queue, resolved_at, sla_deadline);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id     BLOB NOT NULL REFERENCES organizations (id),
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT,
    details    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    created_at TEXT NOT NULL
);
CREATE INDEX audit_org ON audit_log (org_id, id DESC);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    topic           TEXT NOT NULL,
    payload         TEXT NOT NULL CHECK (json_valid(payload)),
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);
