// The typed API client: paths and bodies come from the server's OpenAPI
// document (web/openapi.json → schema.d.ts via `npm run api`); a test checks
// the committed document against the running server's.

import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { ApiError, isApiErrorBody } from './errors';

export type { paths, components } from './schema';

export interface ClientOptions {
  baseUrl?: string;
  /** The bearer token to send, if any (read on every request). */
  token?: () => string | null | undefined;
  /** Called when a request answers 401 (e.g. to refresh and retry, or sign out). */
  onUnauthorized?: () => void;
}

export function makeApi(opts: ClientOptions = {}) {
  const client = createClient<paths>({ baseUrl: opts.baseUrl ?? '' });
  const auth: Middleware = {
    onRequest({ request }) {
      const t = opts.token?.();
      if (t) request.headers.set('Authorization', `Bearer ${t}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) opts.onUnauthorized?.();
      return response;
    },
  };
  client.use(auth);
  return client;
}

export type Api = ReturnType<typeof makeApi>;

/** Unwraps an openapi-fetch result: the data, or throws our ApiError. */
export async function unwrap<T>(
  p: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let r: { data?: T; error?: unknown; response: Response };
  try {
    r = await p;
  } catch (e) {
    throw new ApiError(0, undefined, e instanceof Error ? e.message : 'network error');
  }
  if (r.error !== undefined || !r.response.ok) {
    throw new ApiError(
      r.response.status,
      isApiErrorBody(r.error) ? r.error : undefined,
      `request failed with status ${r.response.status}`,
    );
  }
  return r.data as T;
}
