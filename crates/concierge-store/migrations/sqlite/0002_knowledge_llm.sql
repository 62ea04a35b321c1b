-- Knowledge articles get a stable external key (the slug of an ingested file),
-- an expiry, a link to the article they translate, and a content hash so that
-- re-ingesting an unchanged article adds no version.
ALTER TABLE knowledge_entries ADD COLUMN slug TEXT;
ALTER TABLE knowledge_entries ADD COLUMN expires_at TEXT;
ALTER TABLE knowledge_entries ADD COLUMN translation_of TEXT;
ALTER TABLE knowledge_entries ADD COLUMN content_hash TEXT;
UPDATE knowledge_entries SET slug = lower(hex(id)) WHERE slug IS NULL;
CREATE UNIQUE INDEX knowledge_slug_current ON knowledge_entries (org_id, slug) WHERE is_current = 1;

-- How often each article is cited, and how often the conversation that cited
-- it then resolved without a human.
CREATE TABLE knowledge_usage (
    org_id         BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    knowledge_id   BLOB NOT NULL,
    cited          INTEGER NOT NULL DEFAULT 0,
    resolved       INTEGER NOT NULL DEFAULT 0,
    last_cited_at  TEXT,
    PRIMARY KEY (org_id, knowledge_id)
);

-- One row per language-model call: tokens and cost per tenant, conversation, provider.
CREATE TABLE llm_usage (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id            BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id   BLOB,
    provider          TEXT NOT NULL,
    model             TEXT NOT NULL,
    task              TEXT NOT NULL,
    prompt_tokens     INTEGER NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens INTEGER NOT NULL CHECK (completion_tokens >= 0),
    cost_micros       INTEGER NOT NULL CHECK (cost_micros >= 0),
    created_at        TEXT NOT NULL
);
CREATE INDEX llm_usage_org_time ON llm_usage (org_id, created_at);
