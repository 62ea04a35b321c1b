// The console's endpoints on the shared RTK Query api.
import { api } from '../api';
import type {
  Conversation, ConversationDetail, ConversationPage, Escalation, ListArgs, PostMessageResult,
  QueueSummary, StaffMember, Suggestion, TransferArgs,
} from './types';

export const consoleApi = api.injectEndpoints({
  endpoints: (b) => ({
    queues: b.query<QueueSummary[], void>({
      query: () => '/v1/queues',
      providesTags: [{ type: 'Queue', id: 'LIST' }],
    }),
    escalations: b.query<Escalation[], { queue?: string } | void>({
      query: (a) => ({ url: '/v1/escalations', params: { limit: 500, ...(a && a.queue ? { queue: a.queue } : {}) } }),
      providesTags: [{ type: 'Queue', id: 'ESCALATIONS' }],
    }),
    conversations: b.query<ConversationPage, ListArgs>({
      query: (a) => {
        const params: Record<string, string | number> = { limit: a.limit ?? 50 };
        if (a.status) params.status = a.status;
        if (a.channel) params.channel = a.channel;
        if (a.cursor) params.cursor = a.cursor;
        return { url: '/v1/conversations', params };
      },
      providesTags: (r) => [
        { type: 'Conversation', id: 'LIST' },
        ...(r?.items ?? []).map((c) => ({ type: 'Conversation' as const, id: c.id })),
      ],
    }),
    conversation: b.query<ConversationDetail, string>({
      query: (id) => `/v1/conversations/${encodeURIComponent(id)}`,
      providesTags: (_r, _e, id) => [{ type: 'Conversation', id }],
    }),
    escalation: b.query<Escalation | null, string>({
      // 404 means "never escalated": that is an answer, not an error.
      queryFn: async (id, _api, _extra, baseQuery) => {
        const r = await baseQuery(`/v1/conversations/${encodeURIComponent(id)}/escalation`);
        if (r.error) return r.error.status === 404 ? { data: null } : { error: r.error };
        return { data: r.data as Escalation };
      },
      providesTags: (_r, _e, id) => [{ type: 'Conversation', id: `esc-${id}` }],
    }),
    suggestions: b.query<Suggestion[], string>({
      query: (id) => `/v1/conversations/${encodeURIComponent(id)}/suggestions`,
      providesTags: (_r, _e, id) => [{ type: 'Conversation', id: `sugg-${id}` }],
    }),
    // Staff to reassign to. `GET /v1/admin/users` is planned on the server (the admin uses it too); until it
    // exists (or when the caller may not list users) this fails and the dialog takes a user id instead.
    staff: b.query<StaffMember[], void>({
      query: () => '/v1/admin/users',
      transformResponse: (raw: unknown) => {
        const o = raw as { users?: unknown; items?: unknown } | null;
        const list = Array.isArray(raw) ? raw : Array.isArray(o?.users) ? o.users : Array.isArray(o?.items) ? o.items : [];
        return (list as StaffMember[]).filter((u) => u && typeof u.id === 'string' && ['agent', 'supervisor', 'admin'].includes(u.role)
          && (u.status === undefined || u.status === 'active'));
      },
      providesTags: [{ type: 'User', id: 'LIST' }],
    }),
    sendMessage: b.mutation<PostMessageResult, { id: string; content: string }>({
      query: ({ id, content }) => ({
        url: `/v1/conversations/${encodeURIComponent(id)}/messages`,
        method: 'POST',
        body: { content },
      }),
      invalidatesTags: (_r, _e, a) => [{ type: 'Conversation', id: a.id }, { type: 'Conversation', id: 'LIST' }],
    }),
    claim: b.mutation<Conversation, string>({
      query: (id) => ({ url: `/v1/conversations/${encodeURIComponent(id)}/claim`, method: 'POST' }),
      invalidatesTags: (_r, _e, id) => changed(id),
    }),
    transfer: b.mutation<Conversation, TransferArgs>({
      query: ({ id, queue, priority, assignee_id }) => ({
        url: `/v1/conversations/${encodeURIComponent(id)}/transfer`,
        method: 'POST',
        body: { queue, ...(priority ? { priority } : {}), ...(assignee_id ? { assignee_id } : {}) },
      }),
      invalidatesTags: (_r, _e, a) => changed(a.id),
    }),
    resolve: b.mutation<Conversation, { id: string; note?: string }>({
      query: ({ id, note }) => ({
        url: `/v1/conversations/${encodeURIComponent(id)}/resolve`,
        method: 'POST',
        body: note ? { note } : {},
      }),
      invalidatesTags: (_r, _e, a) => changed(a.id),
    }),
  }),
});

function changed(id: string) {
  return [
    { type: 'Conversation' as const, id },
    { type: 'Conversation' as const, id: `esc-${id}` },
    { type: 'Conversation' as const, id: 'LIST' },
    { type: 'Queue' as const, id: 'LIST' },
    { type: 'Queue' as const, id: 'ESCALATIONS' },
  ];
}

export const {
  useQueuesQuery, useEscalationsQuery, useConversationsQuery, useConversationQuery, useEscalationQuery,
  useSuggestionsQuery, useStaffQuery, useSendMessageMutation, useClaimMutation, useTransferMutation, useResolveMutation,
} = consoleApi;
