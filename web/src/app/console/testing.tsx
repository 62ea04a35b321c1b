// Test helpers for the console: a signed-in store, routes in a memory router,
// a fetch mock that answers by method and path, and a fake WebSocket.
import type { ReactNode } from 'react';
import { render } from '@testing-library/react';
import { Provider } from 'react-redux';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { ThemeProvider } from '@mui/material';
import { makeStore, type AppStore } from '../store';
import { theme } from '../theme';
import { RealtimeProvider } from '../realtime';
import type { Role } from '../session';
import { consoleRoutes } from './routes';

export interface Call {
  method: string;
  path: string;
  search: string;
  body: unknown;
}

type Handler = (call: Call) => unknown;

/** Answers `METHOD /path` from `routes` (a value or a function of the call); 404 otherwise. */
export function mockFetch(routes: Record<string, unknown | Handler>): Call[] {
  const calls: Call[] = [];
  // Node's Request rejects relative URLs and jsdom's AbortSignal: resolve against the page, drop the signal.
  class PageRequest extends Request {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      const url = typeof input === 'string' && input.startsWith('/') ? new URL(input, 'http://localhost').toString() : input;
      super(url, { ...init, signal: undefined });
    }
  }
  vi.stubGlobal('Request', PageRequest);
  vi.stubGlobal('fetch', vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new PageRequest(input, init);
    const url = new URL(req.url);
    const text = req.method === 'GET' ? '' : await req.text();
    const call: Call = { method: req.method, path: url.pathname, search: url.search, body: text ? JSON.parse(text) : undefined };
    calls.push(call);
    const route = routes[`${req.method} ${url.pathname}`];
    if (route === undefined) {
      return new Response(JSON.stringify({ error: { code: 1004, name: 'not_found', message: 'not found' } }), { status: 404, headers: { 'Content-Type': 'application/json' } });
    }
    const value = typeof route === 'function' ? (route as Handler)(call) : route;
    if (value instanceof Response) return value;
    return new Response(JSON.stringify(value), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }));
  return calls;
}

export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(public url: string) {
    FakeWebSocket.instances.push(this);
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.();
    });
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
  }
  /** The server sends `event`. */
  emit(event: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(event) });
  }
  static get last(): FakeWebSocket | undefined {
    return FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
  }
}

export function signedInStore(role: Role = 'agent', id = 'agent-1'): AppStore {
  sessionStorage.setItem('concierge.session', JSON.stringify({
    accessToken: 'access', refreshToken: 'refresh', user: { id, org_id: 'org-1', role, email: `${role}@example.com` },
  }));
  return makeStore();
}

/** Renders the console's routes at `path`, signed in, optionally with the realtime client and extra elements (e.g. the nav icon). */
export function renderConsole(path: string, opts: { role?: Role; userId?: string; realtime?: boolean; extra?: ReactNode } = {}) {
  const store = signedInStore(opts.role ?? 'agent', opts.userId ?? 'agent-1');
  const router = createMemoryRouter([{ path: '/', children: consoleRoutes }], { initialEntries: [path] });
  const app = (
    <>
      {opts.extra}
      <RouterProvider router={router} />
    </>
  );
  const result = render(
    <Provider store={store}>
      <ThemeProvider theme={theme}>{opts.realtime ? <RealtimeProvider>{app}</RealtimeProvider> : app}</ThemeProvider>
    </Provider>,
  );
  return { ...result, store, router };
}

export function setupDom(): void {
  FakeWebSocket.instances = [];
  vi.stubGlobal('WebSocket', FakeWebSocket);
  vi.stubGlobal('ResizeObserver', class {
    observe() {}
    unobserve() {}
    disconnect() {}
  });
}
