// The widget's REST calls. Plain fetch (no generated client, so the bundle
// stays small): visitor sign-in with the publishable key, conversations,
// messages and CSAT. A 401 gets a fresh visitor token and one retry.

import { ApiError, isApiErrorBody } from '../shared/api/errors';
import type { SessionStore } from './storage';
import type {
  Conversation,
  ConversationDetail,
  PostMessageBody,
  PostMessageResult,
  VisitorResponse,
} from './types';

export interface WidgetApiOptions {
  baseUrl: string;
  tenantKey: string;
  session: SessionStore;
  /** Test seam (default: the global fetch, looked up on each call). */
  fetch?: typeof fetch;
}

/** Renew a token this long before it expires. */
const EXPIRY_MARGIN_MS = 30_000;

export class WidgetApi {
  private pendingToken: Promise<string> | null = null;

  constructor(private readonly opts: WidgetApiOptions) {}

  /** A current visitor token: the stored one, or a new one for the same visitor. */
  token(): Promise<string> {
    const saved = this.opts.session.load();
    if (saved.token && (saved.tokenExpiresAt ?? 0) - EXPIRY_MARGIN_MS > Date.now()) {
      return Promise.resolve(saved.token);
    }
    if (!this.pendingToken) {
      this.pendingToken = this.signIn().finally(() => {
        this.pendingToken = null;
      });
    }
    return this.pendingToken;
  }

  private async signIn(): Promise<string> {
    const saved = this.opts.session.load();
    let r: VisitorResponse;
    try {
      r = await this.raw<VisitorResponse>('POST', '/v1/auth/visitor', {
        widget_key: this.opts.tenantKey,
        ...(saved.visitorId ? { visitor_id: saved.visitorId } : {}),
      });
    } catch (e) {
      if (saved.visitorId && e instanceof ApiError && e.status === 422) {
        // The stored visitor id is not accepted: start as a new visitor.
        this.opts.session.clear(['visitorId', 'token', 'tokenExpiresAt', 'conversationId']);
        return this.signIn();
      }
      throw e;
    }
    if (saved.visitorId && saved.visitorId !== r.visitor_id) {
      // Another visitor: the old conversation is not theirs.
      this.opts.session.clear(['conversationId']);
    }
    this.opts.session.save({
      visitorId: r.visitor_id,
      token: r.access_token,
      tokenExpiresAt: Date.now() + r.expires_in * 1000,
    });
    return r.access_token;
  }

  createConversation(metadata?: Record<string, unknown>): Promise<ConversationDetail> {
    return this.authed('POST', '/v1/conversations', { channel: 'web', ...(metadata ? { metadata } : {}) });
  }

  getConversation(id: string): Promise<ConversationDetail> {
    return this.authed('GET', `/v1/conversations/${encodeURIComponent(id)}`);
  }

  postMessage(id: string, body: PostMessageBody): Promise<PostMessageResult> {
    return this.authed('POST', `/v1/conversations/${encodeURIComponent(id)}/messages`, body);
  }

  csat(id: string, score: number, comment?: string): Promise<Conversation> {
    return this.authed('POST', `/v1/conversations/${encodeURIComponent(id)}/csat`, {
      score,
      ...(comment ? { comment } : {}),
    });
  }

  private async authed<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.token();
    try {
      return await this.raw<T>(method, path, body, token);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
      this.opts.session.clear(['token', 'tokenExpiresAt']);
      return this.raw<T>(method, path, body, await this.token());
    }
  }

  private async raw<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    const f = this.opts.fetch ?? fetch;
    let res: Response;
    try {
      res = await f(this.opts.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, undefined, e instanceof Error ? e.message : 'network error');
    }
    const text = await res.text();
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    if (!res.ok) {
      throw new ApiError(res.status, isApiErrorBody(data) ? data : undefined, `request failed with status ${res.status}`);
    }
    return data as T;
  }
}
