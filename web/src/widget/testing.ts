// Test doubles for the widget's tests: a WebSocket the test drives, and a
// fetch that answers like the Concierge server for one conversation.

import type { Message } from './types';

type Handler = ((ev: { data: string }) => void) | null;

export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  static reset(): void {
    FakeWebSocket.instances = [];
  }
  static last(): FakeWebSocket {
    const ws = FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
    if (!ws) throw new Error('no socket was opened');
    return ws;
  }

  readyState = 0;
  readonly sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: Handler = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.();
  }

  // ---- driven by the test ----
  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }

  emit(event: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(event) });
  }

  /** The connection drops (as if the server went away). */
  drop(): void {
    this.close();
  }

  frames(type: string): Record<string, unknown>[] {
    return this.sent.filter((f) => f.type === type);
  }
}

export interface Call {
  method: string;
  path: string;
  body: unknown;
  auth: string | null;
}

let clock = Date.parse('2026-01-01T10:00:00Z');

export function msg(p: Partial<Message> & Pick<Message, 'id' | 'content'>): Message {
  clock += 1000;
  return {
    conversation_id: 'c1',
    sender_type: 'user',
    content_type: 'text',
    attachments: [],
    analysis: {},
    created_at: new Date(clock).toISOString(),
    ...p,
  };
}

export interface FakeServer {
  fetch: typeof fetch;
  calls: Call[];
  messages: Message[];
  conversation: { id: string; status: string; escalated: boolean; satisfaction: number | null };
  /** Override a route: return [status, body] or undefined for the default. */
  override?: (c: Call) => [number, unknown] | undefined;
  callsTo(method: string, path: string): Call[];
}

export function fakeServer(): FakeServer {
  const server: FakeServer = {
    calls: [],
    messages: [],
    conversation: { id: 'c1', status: 'active', escalated: false, satisfaction: null },
    callsTo(method, path) {
      return server.calls.filter((c) => c.method === method && c.path === path);
    },
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input));
      const method = init?.method ?? 'GET';
      const headers = (init?.headers ?? {}) as Record<string, string>;
      const call: Call = {
        method,
        path: url.pathname,
        body: init?.body ? JSON.parse(String(init.body)) : undefined,
        auth: headers.Authorization ?? null,
      };
      server.calls.push(call);
      const [status, body] = server.override?.(call) ?? route(server, call);
      return {
        ok: status >= 200 && status < 300,
        status,
        text: async () => (body === undefined ? '' : JSON.stringify(body)),
      } as Response;
    }) as typeof fetch,
  };
  return server;
}

function route(s: FakeServer, c: Call): [number, unknown] {
  const conv = () => ({ ...s.conversation, messages: s.messages });
  if (c.method === 'POST' && c.path === '/v1/auth/visitor') {
    return [200, { access_token: 'tok-1', token_type: 'Bearer', expires_in: 3600, visitor_id: 'v_' + 'a'.repeat(32), customer_id: 'u1' }];
  }
  if (c.method === 'POST' && c.path === '/v1/conversations') return [201, { ...s.conversation, messages: [] }];
  if (c.method === 'GET' && c.path === `/v1/conversations/${s.conversation.id}`) return [200, conv()];
  if (c.method === 'POST' && c.path === `/v1/conversations/${s.conversation.id}/messages`) {
    const body = c.body as { content: string };
    const user = msg({ id: `u-${s.messages.length}`, content: body.content });
    const reply = msg({ id: `a-${s.messages.length}`, content: `Reply to ${body.content}`, sender_type: 'ai_agent' });
    s.messages.push(user, reply);
    return [200, { message_id: user.id, response: reply.content, response_message_id: reply.id, status: 'waiting_for_user', quick_replies: [], citations: [] }];
  }
  if (c.method === 'POST' && c.path === `/v1/conversations/${s.conversation.id}/csat`) {
    s.conversation.satisfaction = (c.body as { score: number }).score;
    return [200, s.conversation];
  }
  return [404, { error: { code: 3002, name: 'not_found', message: 'not found' } }];
}
