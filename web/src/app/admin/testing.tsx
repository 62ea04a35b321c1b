// Test helpers: a store, a router and a fetch that answers by method and path.
import type { ReactElement } from 'react';
import { Provider } from 'react-redux';
import { MemoryRouter } from 'react-router';
import { render } from '@testing-library/react';
import { vi } from 'vitest';
import { makeStore } from '../store';

export interface Call {
  method: string;
  url: URL;
  body: string | null;
  headers: Headers;
}

type Reply = { status?: number; body?: unknown; text?: string; headers?: Record<string, string> };
type Handler = (call: Call) => Reply | undefined;

/** Stubs `fetch`: each call goes to `handler` (404 in our error format when it returns nothing). */
export function mockFetch(handler: Handler) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost'), init);
    const body = req.method === 'GET' || req.method === 'HEAD' ? null : await req.clone().text();
    const call = { method: req.method, url: new URL(req.url, 'http://localhost'), body, headers: req.headers };
    calls.push(call);
    const r = handler(call) ?? {
      status: 404,
      body: { error: { code: 40400, name: 'not_found', message: `no route ${call.url.pathname}`, request_id: 't' } },
    };
    const text = r.text ?? JSON.stringify(r.body ?? {});
    return new Response(text, {
      status: r.status ?? 200,
      headers: { 'Content-Type': r.text !== undefined ? 'text/plain' : 'application/json', ...r.headers },
    });
  });
  vi.stubGlobal('fetch', fn);
  return { fn, calls };
}

/** jsdom lacks what the charts and relative-URL requests need. */
export function installDomPolyfills() {
  const g = globalThis as unknown as Record<string, unknown>;
  if (!g.ResizeObserver) {
    g.ResizeObserver = class {
      observe() {}
      unobserve() {}
      disconnect() {}
    };
  }
  // RTK Query builds `new Request('/v1/…')`; Node's Request needs an absolute URL.
  const Base = globalThis.Request;
  if (!(Base as unknown as { patched?: boolean }).patched) {
    class RelativeRequest extends Base {
      static patched = true;
      constructor(input: RequestInfo | URL, init?: RequestInit) {
        super(typeof input === 'string' ? new URL(input, 'http://localhost') : input, init);
      }
    }
    vi.stubGlobal('Request', RelativeRequest);
  }
}

export function renderPage(ui: ReactElement, opts: { role?: 'admin' | 'supervisor' } = {}) {
  sessionStorage.setItem(
    'concierge.session',
    JSON.stringify({
      accessToken: 'test-token',
      refreshToken: 'refresh',
      user: { id: 'u1', org_id: 'o1', role: opts.role ?? 'admin', email: 'admin@example.com' },
    }),
  );
  const store = makeStore();
  const utils = render(
    <Provider store={store}>
      <MemoryRouter>{ui}</MemoryRouter>
    </Provider>,
  );
  return { store, ...utils };
}

export function apiError(status: number, message: string, details?: unknown) {
  return { status, body: { error: { code: status * 100, name: 'error', message, details, request_id: 'req-1' } } };
}
