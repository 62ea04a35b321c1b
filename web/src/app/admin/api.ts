// The admin's endpoints. Wire types (users, API keys, rules, Salesforce) are
// checked against the generated OpenAPI types in src/shared/api/contract.ts;
// responses whose exact envelope may vary (`[...]` or `{items: [...]}`) are normalised here so the
// pages only see one shape.

import { api } from '../api';
import type { Role } from '../session';

// ---------- analytics ----------

export const CHANNELS = ['web', 'slack', 'teams', 'email', 'whatsapp', 'sms', 'api'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface AnalyticsFilter {
  /** RFC 3339 start (inclusive). */
  from: string;
  /** RFC 3339 end (exclusive). */
  to: string;
  /** Empty: every channel. */
  channel: string;
}

/** `concierge_engine::analytics::Totals`. */
export interface Totals {
  conversations: number;
  closed: number;
  resolved_by_ai: number;
  resolved_by_human: number;
  abandoned: number;
  escalated: number;
  deflection_rate: number | null;
  escalation_rate: number | null;
  first_contact_resolution: number | null;
  resolution_seconds_avg: number | null;
  resolution_seconds_p90: number | null;
  first_response_seconds_avg: number | null;
  first_response_seconds_p90: number | null;
  csat_avg: number | null;
  csat_responses: number;
  confidence_avg: number | null;
}

export interface LlmCost {
  provider: string;
  model: string;
  calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
}

/** `concierge_engine::analytics::Report` (GET /v1/analytics/overview). */
export interface Overview {
  from: string;
  to: string;
  channel: string | null;
  totals: Totals;
  series: (Partial<Totals> & { start: string })[];
  escalation_reasons: Record<string, number>;
  intents: Record<string, number>;
  decisions: Record<string, number>;
  fallback_rate: number | null;
  llm: LlmCost[];
  truncated: boolean;
}

/** One day of GET /v1/analytics/series (normalised). */
export interface SeriesPoint extends Partial<Totals> {
  start: string;
  escalation_reasons: Record<string, number>;
  intents: Record<string, number>;
  llm_cost_usd: number | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Reads a map of counts from `{reason: n}` or `[{reason|name|intent, count|n}]`. */
function counts(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (Array.isArray(v)) {
    for (const e of v) {
      if (!isObj(e)) continue;
      const k = e.reason ?? e.name ?? e.intent ?? e.key;
      const n = num(e.count ?? e.n ?? e.value);
      if (typeof k === 'string' && n !== null) out[k] = n;
    }
  } else if (isObj(v)) {
    for (const [k, n] of Object.entries(v)) if (num(n) !== null) out[k] = n as number;
  }
  return out;
}

function llmCost(p: Obj): number | null {
  const direct = num(p.llm_cost_usd ?? p.cost_usd);
  if (direct !== null) return direct;
  if (isObj(p.llm)) return num(p.llm.cost_usd);
  if (Array.isArray(p.llm)) {
    return p.llm.reduce<number>((s, l) => s + (isObj(l) ? (num(l.cost_usd) ?? 0) : 0), 0);
  }
  return null;
}

export function normaliseSeries(raw: unknown): SeriesPoint[] {
  const list: unknown[] = Array.isArray(raw)
    ? raw
    : isObj(raw)
      ? ((raw.points ?? raw.series ?? raw.items ?? []) as unknown[])
      : [];
  return list.filter(isObj).map((p) => {
    const totals = isObj(p.totals) ? p.totals : p;
    return {
      ...(totals as Partial<Totals>),
      start: String(p.start ?? p.date ?? p.day ?? ''),
      escalation_reasons: counts(p.escalation_reasons ?? p.escalations_by_reason),
      intents: counts(p.intents ?? p.top_intents),
      llm_cost_usd: llmCost(p),
    };
  });
}

export function analyticsParams(f: AnalyticsFilter): Record<string, string> {
  const p: Record<string, string> = { from: f.from, to: f.to, bucket: 'day' };
  if (f.channel) p.channel = f.channel;
  return p;
}

// ---------- knowledge ----------

/** `concierge_core::model::KnowledgeEntry` plus usage counters. */
export interface Article {
  id: string;
  version: number;
  is_current?: boolean;
  title: string;
  body?: string;
  category: string | null;
  tags: string[];
  language: string;
  source_url: string | null;
  slug: string;
  expires_at?: string | null;
  /** When this version was written. */
  created_at: string;
  /** The first characters of the body (lists). */
  excerpt?: string;
  /** How many answers cited it. */
  cited: number;
  /** Conversations it was cited in that were resolved. */
  resolved: number;
  /** resolved / cited, null when never cited. */
  resolution_rate: number | null;
  last_cited_at: string | null;
}

export interface ArticleDetail extends Article {
  body: string;
  versions: Article[];
}

export interface ArticlePage {
  items: Article[];
  total: number | null;
}

export interface ArticleInput {
  /** Create only; the server derives it from the title when absent. */
  slug?: string;
  title: string;
  body: string;
  language: string;
  tags: string[];
  category?: string | null;
  source_url?: string | null;
}

function normaliseArticle(raw: unknown): Article {
  const a = (isObj(raw) ? raw : {}) as Obj;
  const usage = isObj(a.usage) ? a.usage : {};
  const cited = num(a.cited ?? a.cited_count ?? usage.cited ?? usage.cited_count) ?? 0;
  const resolved = num(a.resolved ?? a.resolutions ?? usage.resolved ?? usage.resolutions) ?? 0;
  const rate = num(a.resolution_rate ?? usage.resolution_rate);
  return {
    ...(a as unknown as Article),
    tags: Array.isArray(a.tags) ? (a.tags as string[]) : [],
    // Lists say `updated_at` (when the current version was written); entries say `created_at`.
    created_at: String(a.created_at ?? a.updated_at ?? ''),
    category: (a.category as string | null | undefined) ?? null,
    source_url: (a.source_url as string | null | undefined) ?? null,
    cited,
    resolved,
    resolution_rate: rate ?? (cited > 0 ? resolved / cited : null),
    last_cited_at: ((a.last_cited_at ?? usage.last_cited_at) as string | null | undefined) ?? null,
  };
}

function normaliseArticleDetail(raw: unknown): ArticleDetail {
  const o = (isObj(raw) ? raw : {}) as Obj;
  // `{article, versions}` or the article with `versions` inline.
  const base = isObj(o.article) ? { ...o.article, ...(isObj(o.usage) ? { usage: o.usage } : {}) } : o;
  const versions = Array.isArray(o.versions) ? o.versions.map(normaliseArticle) : [];
  const a = normaliseArticle(base);
  return { ...a, body: String(a.body ?? ''), versions: versions.sort((x, y) => y.version - x.version) };
}

// ---------- intents ----------

export interface Intent {
  name: string;
  description?: string | null;
  examples: string[];
  /** Where it came from (`builtin`, `tenant` …), if the server says. */
  source?: string | null;
}

export interface RetrainResult {
  accuracy: number;
  macro_f1: number;
  n: number;
  train_seconds: number;
}

export interface RetrainJob {
  job_id?: string;
  state: string;
  progress: number | null;
  result: RetrainResult | null;
  error?: string | null;
}

export const retrainFinished = (s: string | undefined) =>
  s === 'done' || s === 'succeeded' || s === 'completed' || s === 'failed' || s === 'error';

// ---------- rules & workflows ----------

/** `RulesView`. */
export interface RulesView {
  version: number;
  format: string;
  document: string;
  rules: number;
}

export type Localized = Record<string, string> | string;

export interface SlotDef {
  name: string;
  kind: string;
  prompt: Localized;
  invalid?: Localized;
  from_entities?: boolean;
  pattern?: string;
  options?: { value: string; synonyms?: string[]; label?: Localized }[];
  max_attempts?: number;
}

export interface WorkflowDef {
  name: string;
  title: string;
  description?: string;
  triggers?: string[];
  slots?: SlotDef[];
  confirm?: Localized | null;
  action: { kind: string; authorization: string; params?: Record<string, string> };
  success: Localized;
  failure: Localized;
}

// ---------- Salesforce ----------

export interface SalesforceView {
  source: 'tenant' | 'simulator' | 'none' | string;
  settings: Record<string, unknown> | null;
}

export interface SalesforceStatus {
  configured?: boolean;
  connected?: boolean;
  instance_url?: string | null;
  org_id?: string | null;
  api_requests_remaining?: number | null;
  api_requests_max?: number | null;
  error?: string | null;
  [k: string]: unknown;
}

/** `concierge_core::model::OutboxEvent`. */
export interface OutboxEvent {
  id: number;
  topic: string;
  payload: unknown;
  status: string;
  attempts: number;
  next_attempt_at: string;
  created_at: string;
  last_error?: string | null;
}

// ---------- users, roles, API keys ----------

/** `StaffUser` of routes/users.rs. */
export interface User {
  id: string;
  email: string | null;
  /** Display name. */
  name: string | null;
  role: Role;
  status: 'active' | 'disabled' | 'invited' | string;
  created_at: string;
}

export interface RoleInfo {
  name: string;
  description?: string | null;
  permissions?: string[];
  /** Whether an admin may give this role here. */
  assignable?: boolean;
}

export interface NewUser {
  email: string;
  /** Display name. */
  name?: string;
  role: Role;
  /** At least 12 characters; omitted: the server generates one and returns it once. */
  password?: string;
}

export interface CreatedUser {
  user: User;
  /** Shown once; null when the request set the password. */
  generated_password: string | null;
}

function normaliseUser(raw: unknown): User {
  const u = (isObj(raw) ? raw : {}) as Obj;
  return { ...(u as unknown as User), name: ((u.name ?? u.display_name) as string | null | undefined) ?? null };
}

/** `concierge_core::model::ApiKey`. */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface CreatedApiKey {
  key: string;
  api_key: ApiKey;
}

function list<T>(raw: unknown, ...keys: string[]): T[] {
  if (Array.isArray(raw)) return raw as T[];
  if (isObj(raw)) for (const k of [...keys, 'items']) if (Array.isArray(raw[k])) return raw[k] as T[];
  return [];
}

function normaliseRoles(raw: unknown): RoleInfo[] {
  return list<unknown>(raw, 'roles').map((r) =>
    typeof r === 'string' ? { name: r } : ({ ...(r as Obj), name: String((r as Obj).name ?? (r as Obj).role ?? '') } as RoleInfo),
  );
}

// ---------- endpoints ----------

export const adminApi = api.injectEndpoints({
  endpoints: (b) => ({
    // analytics
    analyticsOverview: b.query<Overview, AnalyticsFilter>({
      query: (f) => ({ url: 'v1/analytics/overview', params: analyticsParams(f) }),
      providesTags: ['Analytics'],
    }),
    analyticsSeries: b.query<SeriesPoint[], AnalyticsFilter>({
      query: (f) => ({ url: 'v1/analytics/series', params: analyticsParams(f) }),
      transformResponse: normaliseSeries,
      providesTags: ['Analytics'],
    }),

    // knowledge
    articles: b.query<ArticlePage, { q: string; limit: number; offset: number }>({
      query: ({ q, limit, offset }) => ({
        url: 'v1/admin/knowledge',
        params: { ...(q ? { q } : {}), limit, offset },
      }),
      transformResponse: (raw: unknown) => ({
        items: list<unknown>(raw, 'articles').map(normaliseArticle),
        total: isObj(raw) ? num(raw.total) : null,
      }),
      providesTags: ['Article'],
    }),
    article: b.query<ArticleDetail, string>({
      query: (id) => `v1/admin/knowledge/${encodeURIComponent(id)}`,
      transformResponse: normaliseArticleDetail,
      providesTags: (_r, _e, id) => [{ type: 'Article', id }],
    }),
    createArticle: b.mutation<Article, ArticleInput>({
      query: (body) => ({ url: 'v1/admin/knowledge', method: 'POST', body }),
      transformResponse: (raw: unknown) => normaliseArticle(isObj(raw) && isObj(raw.article) ? raw.article : raw),
      invalidatesTags: ['Article'],
    }),
    updateArticle: b.mutation<Article, { id: string; body: ArticleInput }>({
      query: ({ id, body }) => ({ url: `v1/admin/knowledge/${encodeURIComponent(id)}`, method: 'PUT', body }),
      transformResponse: (raw: unknown) => normaliseArticle(isObj(raw) && isObj(raw.article) ? raw.article : raw),
      invalidatesTags: ['Article'],
    }),
    deleteArticle: b.mutation<unknown, string>({
      query: (id) => ({ url: `v1/admin/knowledge/${encodeURIComponent(id)}`, method: 'DELETE' }),
      invalidatesTags: ['Article'],
    }),
    importArticles: b.mutation<Record<string, unknown>, File[]>({
      query: (files) => {
        const form = new FormData();
        for (const f of files) form.append('files', f, f.name);
        return { url: 'v1/admin/knowledge/import', method: 'POST', body: form };
      },
      invalidatesTags: ['Article'],
    }),

    // intents
    intents: b.query<Intent[], void>({
      query: () => 'v1/admin/intents',
      transformResponse: (raw: unknown) =>
        list<Obj>(raw, 'intents').map((i) => ({
          ...(i as unknown as Intent),
          examples: Array.isArray(i.examples) ? (i.examples as string[]) : [],
        })),
      providesTags: ['Intent'],
    }),
    putIntentExamples: b.mutation<unknown, { name: string; examples: string[] }>({
      query: ({ name, examples }) => ({
        url: `v1/admin/intents/${encodeURIComponent(name)}/examples`,
        method: 'PUT',
        body: { examples },
      }),
      invalidatesTags: ['Intent'],
    }),
    retrain: b.mutation<{ job_id: string }, void>({
      query: () => ({ url: 'v1/admin/intents/retrain', method: 'POST' }),
    }),
    retrainJob: b.query<RetrainJob, string>({
      query: (id) => `v1/admin/intents/retrain/${encodeURIComponent(id)}`,
      transformResponse: (raw: unknown) => {
        const o = (isObj(raw) ? raw : {}) as Obj;
        return {
          ...(o as unknown as RetrainJob),
          state: String(o.state ?? o.status ?? 'running'),
          progress: num(o.progress),
          result: isObj(o.result) ? (o.result as unknown as RetrainResult) : null,
        };
      },
    }),

    // rules & workflows
    rules: b.query<RulesView, void>({ query: () => 'v1/admin/rules', providesTags: ['Rules'] }),
    validateRules: b.mutation<{ valid: boolean; rules: number }, string>({
      query: (doc) => ({
        url: 'v1/admin/rules/validate',
        method: 'POST',
        body: doc,
        headers: { 'Content-Type': 'application/yaml' },
      }),
    }),
    saveRules: b.mutation<RulesView, string>({
      query: (doc) => ({ url: 'v1/admin/rules', method: 'PUT', body: doc, headers: { 'Content-Type': 'application/yaml' } }),
      invalidatesTags: ['Rules'],
    }),
    workflows: b.query<WorkflowDef[], void>({
      query: () => 'v1/admin/workflows',
      transformResponse: (raw: unknown) => list<WorkflowDef>(raw, 'workflows'),
    }),

    // Salesforce
    salesforce: b.query<SalesforceView, void>({ query: () => 'v1/admin/salesforce', providesTags: ['Salesforce'] }),
    putSalesforce: b.mutation<SalesforceView, Record<string, unknown> | null>({
      query: (settings) => ({
        url: 'v1/admin/salesforce',
        method: 'PUT',
        body: JSON.stringify(settings),
        headers: { 'Content-Type': 'application/json' },
      }),
      invalidatesTags: ['Salesforce'],
    }),
    testSalesforce: b.mutation<SalesforceStatus, void>({
      query: () => ({ url: 'v1/admin/salesforce/test', method: 'POST' }),
    }),
    importSalesforceKnowledge: b.mutation<Record<string, unknown>, { full: boolean }>({
      query: (body) => ({ url: 'v1/admin/salesforce/knowledge/import', method: 'POST', body }),
      invalidatesTags: ['Article'],
    }),
    outbox: b.query<OutboxEvent[], string>({
      query: (status) => ({ url: 'v1/admin/outbox', params: { status } }),
      transformResponse: (raw: unknown) => list<OutboxEvent>(raw, 'events'),
      providesTags: ['Salesforce'],
    }),
    retryOutbox: b.mutation<unknown, number>({
      query: (id) => ({ url: `v1/admin/outbox/${id}/retry`, method: 'POST' }),
      invalidatesTags: ['Salesforce'],
    }),

    // users & roles
    users: b.query<User[], void>({
      query: () => 'v1/admin/users',
      transformResponse: (raw: unknown) => list<unknown>(raw, 'users').map(normaliseUser),
      providesTags: ['User'],
    }),
    roles: b.query<RoleInfo[], void>({
      query: () => 'v1/admin/roles',
      transformResponse: normaliseRoles,
    }),
    createUser: b.mutation<CreatedUser, NewUser>({
      query: (body) => ({ url: 'v1/admin/users', method: 'POST', body }),
      transformResponse: (raw: unknown) => {
        const o = (isObj(raw) ? raw : {}) as Obj;
        return {
          user: normaliseUser(isObj(o.user) ? o.user : o),
          generated_password: typeof o.generated_password === 'string' ? o.generated_password : null,
        };
      },
      invalidatesTags: ['User'],
    }),
    updateUser: b.mutation<User, { id: string; patch: Partial<Pick<User, 'role' | 'status' | 'name'>> }>({
      query: ({ id, patch }) => ({ url: `v1/admin/users/${encodeURIComponent(id)}`, method: 'PATCH', body: patch }),
      transformResponse: normaliseUser,
      invalidatesTags: ['User'],
    }),

    // API keys
    apiKeys: b.query<ApiKey[], void>({
      query: () => 'v1/api-keys',
      transformResponse: (raw: unknown) => list<ApiKey>(raw, 'api_keys', 'keys'),
      providesTags: ['ApiKey'],
    }),
    createApiKey: b.mutation<CreatedApiKey, { name: string; role: Role }>({
      query: (body) => ({ url: 'v1/api-keys', method: 'POST', body }),
      invalidatesTags: ['ApiKey'],
    }),
    revokeApiKey: b.mutation<ApiKey, string>({
      query: (id) => ({ url: `v1/api-keys/${encodeURIComponent(id)}`, method: 'DELETE' }),
      invalidatesTags: ['ApiKey'],
    }),
  }),
});

export const {
  useAnalyticsOverviewQuery,
  useAnalyticsSeriesQuery,
  useArticlesQuery,
  useArticleQuery,
  useCreateArticleMutation,
  useUpdateArticleMutation,
  useDeleteArticleMutation,
  useImportArticlesMutation,
  useIntentsQuery,
  usePutIntentExamplesMutation,
  useRetrainMutation,
  useRetrainJobQuery,
  useRulesQuery,
  useValidateRulesMutation,
  useSaveRulesMutation,
  useWorkflowsQuery,
  useSalesforceQuery,
  usePutSalesforceMutation,
  useTestSalesforceMutation,
  useImportSalesforceKnowledgeMutation,
  useOutboxQuery,
  useRetryOutboxMutation,
  useUsersQuery,
  useRolesQuery,
  useCreateUserMutation,
  useUpdateUserMutation,
  useApiKeysQuery,
  useCreateApiKeyMutation,
  useRevokeApiKeyMutation,
} = adminApi;
