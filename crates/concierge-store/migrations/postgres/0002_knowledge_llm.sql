-- Knowledge articles get a stable external key (the slug of an ingested file),
-- an expiry, a link to the article they translate, and a content hash so that
-- re-ingesting an unchanged article adds no version.
ALTER TABLE knowledge_entries ADD COLUMN slug text;
ALTER TABLE knowledge_entries ADD COLUMN expires_at timestamptz;
ALTER TABLE knowledge_entries ADD COLUMN translation_of text;
ALTER TABLE knowledge_entries ADD COLUMN content_hash text;
UPDATE knowledge_entries SET slug = replace(id::text, '-', '') WHERE slug IS NULL;
CREATE UNIQUE INDEX knowledge_slug_current ON knowledge_entries (org_id, slug) WHERE is_current;

-- How often each article is cited, and how often the conversation that cited
-- it then resolved without a human.
CREATE TABLE knowledge_usage (
    org_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    knowledge_id   uuid NOT NULL,
    cited          bigint NOT NULL DEFAULT 0,
    resolved       bigint NOT NULL DEFAULT 0,
    last_cited_at  timestamptz,
    PRIMARY KEY (org_id, knowledge_id)
);

-- One row per language-model call: tokens and cost per tenant, conversation, provider.
CREATE TABLE llm_usage (
    id                bigserial PRIMARY KEY,
    org_id            uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    conversation_id   uuid,
    provider          text NOT NULL,
    model             text NOT NULL,
    task              text NOT NULL,
    prompt_tokens     bigint NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens bigint NOT NULL CHECK (completion_tokens >= 0),
    cost_micros       bigint NOT NULL CHECK (cost_micros >= 0),
    created_at        timestamptz NOT NULL
);
CREATE INDEX llm_usage_org_time ON llm_usage (org_id, created_at);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['knowledge_usage', 'llm_usage']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (org_id = concierge_tenant()) '
                       'WITH CHECK (org_id = concierge_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON knowledge_usage, llm_usage TO concierge_app;
GRANT USAGE ON SEQUENCE llm_usage_id_seq TO concierge_app;
