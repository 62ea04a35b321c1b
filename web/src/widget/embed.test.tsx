import { act, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { configFrom, mount, type MountedWidget } from './embed';
import { initialLang, languageOf, normalizeLang } from './i18n';
import { FakeWebSocket, fakeServer } from './testing';

function scriptTag(attrs: Record<string, string>): HTMLScriptElement {
  const s = document.createElement('script');
  for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, v);
  return s;
}

describe('the script tag', () => {
  it('gives the tenant key, the server from its src, and the options', () => {
    const c = configFrom(
      scriptTag({ src: 'https://chat.example.com/widget.js', 'data-tenant-key': 'pk_demo_1', 'data-lang': 'fr-CA', 'data-position': 'bottom-left', 'data-title': 'Help desk', nonce: 'abc' }),
      'https://shop.example.org/cart',
    );
    expect(c).toEqual({ tenantKey: 'pk_demo_1', baseUrl: 'https://chat.example.com', lang: 'fr', position: 'left', title: 'Help desk', nonce: 'abc' });
  });

  it('keeps a path prefix and resolves a relative src against the page', () => {
    expect(configFrom(scriptTag({ src: 'https://x.example/concierge/widget.js', 'data-tenant-key': 'k' }), 'https://p.example/')?.baseUrl).toBe(
      'https://x.example/concierge',
    );
    expect(configFrom(scriptTag({ src: '/widget.js', 'data-tenant-key': 'k' }), 'http://127.0.0.1:8099/demo')?.baseUrl).toBe('http://127.0.0.1:8099');
  });

  it('needs a tenant key', () => {
    expect(configFrom(scriptTag({ src: 'https://x.example/widget.js' }), 'https://p.example/')).toBeNull();
  });
});

describe('mounting', () => {
  let w: MountedWidget | null = null;
  afterEach(() => {
    w?.unmount();
    w = null;
    localStorage.clear();
    FakeWebSocket.reset();
  });

  it('renders into an open shadow root with its styles (and the nonce) isolated from the page', async () => {
    const server = fakeServer();
    w = mount(
      { tenantKey: 'pk_x', baseUrl: 'http://concierge.test', lang: 'en', position: 'right', nonce: 'n0nce' },
      { fetch: server.fetch, WebSocketImpl: FakeWebSocket as unknown as typeof WebSocket },
    );
    const shadow = w.host.shadowRoot!;
    expect(shadow).not.toBeNull();
    expect(w.host.parentElement).toBe(document.body);
    const style = shadow.querySelector('style')!;
    expect(style.nonce).toBe('n0nce');
    expect(style.textContent).toContain('.cw-launcher');
    // Nothing leaks into the page's light DOM.
    expect(document.querySelector('.cw-launcher')).toBeNull();
    expect(document.head.querySelector('style')).toBeNull();

    const ui = within(shadow.lastElementChild as HTMLElement);
    const launcher = await ui.findByRole('button', { name: 'Open chat' });
    await userEvent.click(launcher);
    // (jsdom does not refresh computed styles inside a shadow root, so the role
    // query includes hidden elements and the test checks `hidden` itself.)
    const dialog = ui.getByRole('dialog', { hidden: true });
    expect(dialog).not.toHaveAttribute('hidden');
    expect(ui.queryByRole('button', { name: 'Open chat', hidden: true })).toBeNull();
    act(() => w!.controller.close());
    expect(dialog).toHaveAttribute('hidden');
    expect(ui.getByRole('button', { name: 'Open chat', hidden: true })).toBeInTheDocument();
    await waitFor(() => expect(FakeWebSocket.instances.length).toBe(1));
    expect(FakeWebSocket.last().url).toContain('ws://concierge.test/v1/ws');

    w.unmount();
    w = null;
    expect(document.getElementById('concierge-widget')).toBeNull();
  });
});

describe('languages', () => {
  it('normalises tags to the four languages', () => {
    expect(normalizeLang('es-MX')).toBe('es');
    expect(normalizeLang('DE_at')).toBe('de');
    expect(normalizeLang('it')).toBeNull();
    expect(normalizeLang('')).toBeNull();
  });

  it('starts from data-lang, then the browser, then English', () => {
    expect(initialLang('es', ['de-DE'])).toBe('es');
    expect(initialLang('pt', ['it-IT', 'fr-FR'])).toBe('fr');
    expect(initialLang(null, ['ja'])).toBe('en');
  });

  it('reads the analysis language as {code, confidence} or a string', () => {
    expect(languageOf({ language: { code: 'de', confidence: 0.8 } })).toBe('de');
    expect(languageOf({ language: { code: 'de', confidence: 0.1 } })).toBeNull();
    expect(languageOf({ language: { code: 'und', confidence: 1 } })).toBeNull();
    expect(languageOf({ language: 'fr' })).toBe('fr');
    expect(languageOf({})).toBeNull();
    expect(languageOf(null)).toBeNull();
  });
});
