// Boots the widget on a host page: finds its <script data-tenant-key>, derives
// the server's base URL from the script's src, mounts into a shadow root
// (styles isolated; the script's nonce, if any, goes on our <style>), and
// exposes window.ConciergeWidget.

import { createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { ChatController } from './controller';
import { initialLang, normalizeLang, type Lang } from './i18n';
import { localSession } from './storage';
import { CSS } from './styles';
import { Widget } from './Widget';

export interface WidgetConfig {
  tenantKey: string;
  baseUrl: string;
  lang: Lang;
  position: 'left' | 'right';
  title?: string | undefined;
  nonce?: string | undefined;
}

/** The widget's own script tag. */
export function findScript(doc: Document = document): HTMLScriptElement | null {
  const current = doc.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.tenantKey) return current;
  return doc.querySelector<HTMLScriptElement>('script[data-tenant-key]');
}

/** The configuration a script tag carries. */
export function configFrom(script: HTMLScriptElement, pageUrl: string = location.href): WidgetConfig | null {
  const tenantKey = script.dataset.tenantKey?.trim();
  if (!tenantKey) return null;
  // https://chat.example/widget.js → https://chat.example; …/concierge/widget.js → …/concierge
  const src = script.getAttribute('src');
  const explicit = script.dataset.server;
  let baseUrl: string;
  try {
    baseUrl = explicit ? new URL(explicit, pageUrl).toString() : src ? new URL('.', new URL(src, pageUrl)).toString() : new URL(pageUrl).origin;
  } catch {
    baseUrl = new URL(pageUrl).origin;
  }
  baseUrl = baseUrl.replace(/\/+$/, '');
  const pos = (script.dataset.position ?? '').toLowerCase();
  return {
    tenantKey,
    baseUrl,
    lang: initialLang(script.dataset.lang),
    position: pos.includes('left') ? 'left' : 'right',
    title: script.dataset.title?.trim() || undefined,
    nonce: script.nonce || script.getAttribute('nonce') || undefined,
  };
}

export interface MountedWidget {
  controller: ChatController;
  host: HTMLElement;
  root: Root;
  unmount(): void;
}

export function mount(config: WidgetConfig, opts: { WebSocketImpl?: typeof WebSocket; fetch?: typeof fetch } = {}): MountedWidget {
  const host = document.createElement('div');
  host.id = 'concierge-widget';
  host.setAttribute('data-concierge-widget', '');
  const shadow = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  if (config.nonce) style.nonce = config.nonce;
  style.textContent = CSS;
  shadow.appendChild(style);
  const container = document.createElement('div');
  shadow.appendChild(container);
  document.body.appendChild(host);

  const controller = new ChatController({
    baseUrl: config.baseUrl,
    tenantKey: config.tenantKey,
    lang: config.lang,
    session: localSession(config.tenantKey),
    ...opts,
  });
  const root = createRoot(container);
  root.render(createElement(Widget, { controller, title: config.title, position: config.position }));
  return {
    controller,
    host,
    root,
    unmount() {
      controller.destroy();
      root.unmount();
      host.remove();
    },
  };
}

let mounted: MountedWidget | null = null;
const queued: ((w: MountedWidget) => void)[] = [];

/** Runs `f` now, or once the widget is mounted (the page may still be loading). */
function withWidget(f: (w: MountedWidget) => void): void {
  if (mounted) f(mounted);
  else queued.push(f);
}

/** What hosts call: window.ConciergeWidget.open() and friends. */
export const publicApi = {
  open: () => withWidget((w) => w.controller.open()),
  close: () => withWidget((w) => w.controller.close()),
  toggle: () => withWidget((w) => w.controller.toggle()),
  isOpen: (): boolean => mounted?.controller.getState().open ?? false,
  /** Sends a message as the visitor (opens the window). */
  send: (text: string) =>
    withWidget((w) => {
      w.controller.open();
      void w.controller.send(text);
    }),
  /** Switches the UI language (`en`, `es`, `fr`, `de`). */
  setLanguage: (lang: string) => {
    const l = normalizeLang(lang);
    if (l) withWidget((w) => w.controller.setLang(l));
  },
  /** Removes the widget from the page. */
  destroy: () => {
    mounted?.unmount();
    mounted = null;
  },
};

/** Reads the script tag (now, while it is current) and mounts once the body exists. */
export function boot(): void {
  if (typeof document === 'undefined') return;
  const script = findScript();
  const config = script ? configFrom(script) : null;
  if (!config) {
    console.warn('[concierge] widget: no <script data-tenant-key="…"> found; not starting');
    return;
  }
  const go = () => {
    if (mounted) return;
    mounted = mount(config);
    const w = mounted;
    queued.splice(0).forEach((f) => f(w));
  };
  if (document.body) go();
  else document.addEventListener('DOMContentLoaded', go, { once: true });
}
