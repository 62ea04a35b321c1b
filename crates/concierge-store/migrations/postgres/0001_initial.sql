-- Concierge schema, PostgreSQL flavour: native uuid, jsonb and timestamptz, CHECK
-- constraints on every closed set, and row-level security on every tenant table.
--
-- Tenant requests run as the role `concierge_app` with `app.tenant_id` set for
-- their transaction (see src/postgres.rs); the policies below make rows of other
-- tenants invisible to any query, hand-written or not. System paths (migrations,
-- sign-in lookups by key prefix, the outbox dispatcher) run as the owning role.

DO $$
BEGIN
    CREATE ROLE concierge_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- another database of this cluster created it first
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT concierge_app TO %I', current_user);
EXCEPTION WHEN OTHERS THEN
    NULL; -- superusers need no membership; a concurrent grant is as good as ours
END
$$;

CREATE TABLE instance_settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE organizations (
    id                uuid PRIMARY KEY,
    slug              text NOT NULL UNIQUE,
    name              text NOT NULL,
    salesforce_org_id text,
    subscription_tier text NOT NULL DEFAULT 'free'
        CHECK (subscription_tier IN ('free', 'starter', 'professional', 'enterprise')),
    settings          jsonb NOT NULL DEFAULT '{}',
    feature_flags     jsonb NOT NULL DEFAULT '{}',
    widget_key        text NOT NULL UNIQUE,
    created_at        timestamptz NOT NULL
);

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    external_id   text,
    email         text,
    display_name  text,
    password_hash text,
    role          text NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent', 'customer', 'service')),
    customer_tier text CHECK (customer_tier IN ('standard', 'premium', 'enterprise', 'vip')),
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'invited')),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    UNIQUE (org_id, email),
    UNIQUE (org_id, external_id)
);
CREATE INDEX users_email ON users (email);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name         text NOT NULL,
    prefix       text NOT NULL UNIQUE,
    key_hash     bytea NOT NULL,
    role         text NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent', 'customer', 'service')),
    created_by   uuid,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_org ON api_keys (org_id, created_at);

CREATE TABLE refresh_tokens (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  uuid NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (org_id, family_id);

CREATE TABLE conversations (
    id                 uuid PRIMARY KEY,
    org_id             uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    customer_id        uuid REFERENCES users (id) ON DELETE SET NULL,
    channel            text NOT NULL CHECK (channel IN ('web', 'slack', 'teams', 'email', 'whatsapp', 'sms', 'api')),
    status             text NOT NULL CHECK (status IN ('initialized', 'active', 'waiting_for_user', 'waiting_for_agent',
                                                       'processing', 'escalated', 'resolved', 'abandoned', 'archived')),
    started_at         timestamptz NOT NULL,
    last_activity_at   timestamptz NOT NULL,
    ended_at           timestamptz,
    message_count      bigint NOT NULL DEFAULT 0,
    user_message_count bigint NOT NULL DEFAULT 0,
    ai_message_count   bigint NOT NULL DEFAULT 0,
    ai_confidence_sum  double precision NOT NULL DEFAULT 0,
    ai_confidence_n    bigint NOT NULL DEFAULT 0,
    ai_confidence_min  double precision,
    sentiment          double precision,
    escalated          boolean NOT NULL DEFAULT false,
    escalation_reason  text,
    resolution_type    text CHECK (resolution_type IN ('ai', 'human', 'abandoned', 'customer')),
    resolution_seconds bigint,
    satisfaction       integer CHECK (satisfaction BETWEEN 1 AND 5),
    context            jsonb NOT NULL DEFAULT '{}',
    metadata           jsonb NOT NULL DEFAULT '{}',
    salesforce_case_id text
);
CREATE INDEX conversations_recent ON conversations (org_id, started_at DESC, id DESC);
CREATE INDEX conversations_customer ON conversations (org_id, customer_id, started_at DESC);
CREATE INDEX conversations_status ON conversations (org_id, status, started_at DESC);

CREATE TABLE messages (
    id                uuid PRIMARY KEY,
    org_id            uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id   uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender_type       text NOT NULL CHECK (sender_type IN ('user', 'ai_agent', 'human_agent', 'system')),
    sender_id         uuid,
    content           text NOT NULL,
    content_type      text NOT NULL CHECK (content_type IN ('text', 'image', 'file', 'code', 'error_log')),
    intent            text,
    intent_confidence double precision CHECK (intent_confidence BETWEEN 0 AND 1),
    entities          jsonb NOT NULL DEFAULT '[]',
    sentiment         double precision CHECK (sentiment BETWEEN -1 AND 1),
    attachments       jsonb NOT NULL DEFAULT '[]',
    created_at        timestamptz NOT NULL,
    edited_at         timestamptz,
    deleted_at        timestamptz
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at, id);

CREATE TABLE knowledge_entries (
    id         uuid NOT NULL,
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    version    integer NOT NULL CHECK (version >= 1),
    is_current boolean NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL,
    category   text,
    tags       jsonb NOT NULL DEFAULT '[]',
    language   text NOT NULL DEFAULT 'en',
    source_url text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE UNIQUE INDEX knowledge_one_current ON knowledge_entries (id) WHERE is_current;
CREATE INDEX knowledge_org ON knowledge_entries (org_id, is_current, category);

CREATE TABLE actions (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id uuid REFERENCES conversations (id) ON DELETE SET NULL,
    action_type     text NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    idempotency_key text,
    parameters      jsonb NOT NULL DEFAULT '{}',
    result          jsonb,
    retries         integer NOT NULL DEFAULT 0,
    next_retry_at   timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (org_id, idempotency_key)
);
CREATE INDEX actions_due ON actions (status, next_retry_at);

CREATE TABLE escalations (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    reason          text NOT NULL,
    priority        text NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'critical')),
    queue           text NOT NULL,
    assignee_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    sla_deadline    timestamptz,
    resolution      text,
    created_at      timestamptz NOT NULL,
    resolved_at     timestamptz
);
CREATE INDEX escalations_queue ON escalations (org_id, queue, resolved_at, sla_deadline);

CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organizations (id),
    actor      text NOT NULL,
    action     text NOT NULL,
    target     text,
    details    jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL
);
CREATE INDEX audit_org ON audit_log (org_id, id DESC);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    topic           text NOT NULL,
    payload         jsonb NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    created_at      timestamptz NOT NULL,
    delivered_at    timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';

-- Row-level security: the tenant of the current transaction, or nothing.
CREATE FUNCTION concierge_tenant() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid
$$;

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organizations USING (id = concierge_tenant()) WITH CHECK (id = concierge_tenant());

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'api_keys', 'refresh_tokens', 'conversations', 'messages',
                             'knowledge_entries', 'actions', 'escalations', 'audit_log', 'outbox']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (org_id = concierge_tenant()) '
                       'WITH CHECK (org_id = concierge_tenant())', t);
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA public TO concierge_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, users, api_keys, refresh_tokens, conversations,
    messages, knowledge_entries, actions, escalations, outbox TO concierge_app;
GRANT SELECT, INSERT ON audit_log TO concierge_app;
GRANT USAGE ON SEQUENCE audit_log_id_seq, outbox_id_seq TO concierge_app;
GRANT EXECUTE ON FUNCTION concierge_tenant() TO concierge_app;
