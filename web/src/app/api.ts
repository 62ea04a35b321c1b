// RTK Query for the console and the admin. Each area adds its endpoints with
// `api.injectEndpoints` in its own file (console/api.ts, admin/api.ts), typed
// with the server's OpenAPI schemas (`components['schemas'][…]` from
// src/shared/api/schema.d.ts). Errors arrive as our error format.

import { createApi, fetchBaseQuery, type BaseQueryFn, type FetchArgs, type FetchBaseQueryError } from '@reduxjs/toolkit/query/react';
import { refreshTokens, signedOut, tokensRefreshed, type SessionState } from './session';

const raw = fetchBaseQuery({
  baseUrl: '/',
  prepareHeaders: (headers, { getState }) => {
    const token = (getState() as { session: SessionState }).session.accessToken;
    if (token) headers.set('Authorization', `Bearer ${token}`);
    return headers;
  },
});

let refreshing: Promise<boolean> | null = null;

/** Refreshes the access token once on 401 and retries; signs out when that fails. */
const baseQuery: BaseQueryFn<string | FetchArgs, unknown, FetchBaseQueryError> = async (args, store, extra) => {
  let result = await raw(args, store, extra);
  if (result.error?.status === 401) {
    const refresh = (store.getState() as { session: SessionState }).session.refreshToken;
    if (refresh) {
      refreshing ??= refreshTokens(refresh).then((t) => {
        if (t) store.dispatch(tokensRefreshed(t));
        return t !== null;
      }).finally(() => {
        refreshing = null;
      });
      if (await refreshing) {
        result = await raw(args, store, extra);
      } else store.dispatch(signedOut());
    } else store.dispatch(signedOut());
  }
  return result;
};

export const api = createApi({
  reducerPath: 'api',
  baseQuery,
  tagTypes: ['Conversation', 'Queue', 'Article', 'Rules', 'User', 'ApiKey', 'Intent', 'Salesforce', 'Analytics'],
  endpoints: () => ({}),
});

/** The message of an RTK Query error in our error format, for display. */
export function errorText(e: unknown): string {
  if (!e || typeof e !== 'object') return '';
  const err = e as { status?: unknown; data?: { error?: { message?: string; details?: { field?: string } } }; error?: string };
  const m = err.data?.error?.message;
  if (m) return m;
  if (err.error) return err.error;
  return `request failed (${String(err.status)})`;
}

/** The field a validation error names, if any. */
export function errorField(e: unknown): string | undefined {
  const err = e as { data?: { error?: { details?: { field?: unknown } } } } | undefined;
  const f = err?.data?.error?.details?.field;
  return typeof f === 'string' ? f : undefined;
}
