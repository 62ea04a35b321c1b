// The conversation: messages (with citations, attachments and the "Read"
// mark), notices, unsent messages, the streaming draft and the typing dots.
// A polite live region (role="log") so screen readers hear new messages.

import { Fragment, useEffect, useRef, type ReactNode } from 'react';
import { Rich } from './rich';
import type { ChatController, ChatState, PendingMessage } from './controller';
import type { Strings } from './i18n';
import type { Attachment, Citation, Message, SenderType } from './types';

export type SenderAttr = 'customer' | 'ai' | 'agent' | 'system';

export const senderAttr = (s: SenderType): SenderAttr =>
  s === 'user' ? 'customer' : s === 'ai_agent' ? 'ai' : s === 'human_agent' ? 'agent' : 'system';

const isHttp = (u: unknown): u is string => typeof u === 'string' && /^https?:\/\//i.test(u);

/**
 * A citation's link as an absolute http(s) URL: server-relative paths (the
 * help center's `/help/...` pages) resolve against the Concierge server, not
 * the page the widget is embedded in; anything else that is not http(s) is
 * dropped (no `javascript:` links).
 */
export function resolveUrl(url: unknown, baseUrl: string): string | undefined {
  if (isHttp(url)) return url;
  if (typeof url !== 'string' || !url.startsWith('/') || url.startsWith('//')) return undefined;
  try {
    const abs = new URL(url, baseUrl).href;
    return isHttp(abs) ? abs : undefined;
  } catch {
    return undefined;
  }
}

/** The citations of a message's analysis, one per article, links made absolute. */
export function citationsOf(m: Message, baseUrl = ''): Citation[] {
  const raw = (m.analysis as { citations?: unknown } | undefined)?.citations;
  if (!Array.isArray(raw)) return [];
  const seen = new Set<string>();
  const out: Citation[] = [];
  for (const c of raw) {
    if (!c || typeof c !== 'object' || typeof (c as Citation).title !== 'string') continue;
    const cite = c as Citation;
    const key = cite.url || cite.slug || cite.title;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ...cite, url: resolveUrl(cite.url, baseUrl) ?? null });
  }
  return out;
}

export function attachmentsOf(value: unknown): Attachment[] {
  if (!Array.isArray(value)) return [];
  return value.filter((a): a is Attachment => !!a && typeof a === 'object' && typeof (a as Attachment).name === 'string');
}

function formatSize(n: number | null | undefined): string {
  if (typeof n !== 'number') return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

function Body({ content, contentType, rich = false }: { content: string; contentType: string; rich?: boolean }) {
  if (contentType === 'code' || contentType === 'error_log') {
    return (
      <pre className="cw-code">
        <code>{content}</code>
      </pre>
    );
  }
  return rich ? <Rich text={content} /> : <div className="cw-text">{content}</div>;
}

function Attachments({ items, t }: { items: Attachment[]; t: Strings }) {
  if (!items.length) return null;
  return (
    <ul className="cw-attachments" aria-label={t.attachment}>
      {items.map((a, i) => (
        <li key={i}>
          {isHttp(a.url) && a.mime_type?.startsWith('image/') ? (
            <a href={a.url} target="_blank" rel="noopener">
              <img src={a.url} alt={a.name} className="cw-img" />
            </a>
          ) : isHttp(a.url) ? (
            <a href={a.url} target="_blank" rel="noopener" aria-describedby="cw-newtab">
              📎 {a.name}
            </a>
          ) : (
            <span>
              📎 {a.name}
              {a.size ? ` (${formatSize(a.size)})` : ''}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

function Citations({ items, t }: { items: Citation[]; t: Strings }) {
  if (!items.length) return null;
  return (
    <div className="cw-cites">
      <span className="cw-cites-label">{t.sources}</span>
      <ul>
        {items.map((c, i) => (
          <li key={i}>
            {isHttp(c.url) ? (
              <a data-testid="citation" href={c.url} target="_blank" rel="noopener" aria-describedby="cw-newtab">
                {c.title}
              </a>
            ) : (
              <span data-testid="citation">{c.title}</span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function senderName(s: SenderAttr, t: Strings): string {
  return s === 'customer' ? t.you : s === 'ai' ? t.assistant : s === 'agent' ? t.agent : t.system;
}

function MessageItem({ m, t, read, baseUrl }: { m: Message; t: Strings; read: boolean; baseUrl: string }) {
  const sender = senderAttr(m.sender_type);
  return (
    <div data-testid="msg" data-sender={sender} data-id={m.id} className={`cw-msg cw-from-${sender}`}>
      <span className="cw-sr">{senderName(sender, t)}: </span>
      <div className="cw-bubble">
        <Body content={m.content} contentType={m.content_type} rich={sender !== 'customer'} />
        <Attachments items={attachmentsOf(m.attachments)} t={t} />
        <Citations items={citationsOf(m, baseUrl)} t={t} />
      </div>
      {read && (
        <div className="cw-meta" data-testid="read">
          {t.read}
        </div>
      )}
    </div>
  );
}

function PendingItem({ p, t, controller }: { p: PendingMessage; t: Strings; controller: ChatController }) {
  return (
    <div
      data-testid="msg"
      data-sender="customer"
      data-pending={p.failed ? 'failed' : 'true'}
      className={`cw-msg cw-from-customer cw-pending${p.failed ? ' cw-failed' : ''}`}
    >
      <span className="cw-sr">{t.you}: </span>
      <div className="cw-bubble">
        <Body content={p.content} contentType={p.content_type} />
        <Attachments items={p.attachments} t={t} />
      </div>
      <div className="cw-meta">
        {p.failed ? (
          <>
            <span role="alert">{t.failed}</span>{' '}
            <button type="button" className="cw-link" onClick={() => void controller.retry(p.tempId)}>
              {t.retry}
            </button>
          </>
        ) : (
          <span>{t.sending}</span>
        )}
      </div>
    </div>
  );
}

function NoticeItem({ kind, t }: { kind: 'escalated' | 'agent_joined' | 'resolved'; t: Strings }) {
  return (
    <div data-testid="notice" data-notice={kind} className="cw-notice">
      {kind === 'escalated' ? t.escalated : kind === 'agent_joined' ? t.agentJoined : t.resolved}
    </div>
  );
}

export function MessageList({ state, t, controller }: { state: ChatState; t: Strings; controller: ChatController }) {
  const ref = useRef<HTMLDivElement>(null);
  const { messages, notices, pending, draft, typing, readId } = state;

  // Keep the newest message in view.
  useEffect(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length, pending.length, draft, typing, notices.length, state.open]);

  let lastCustomer = -1;
  messages.forEach((m, i) => {
    if (m.sender_type === 'user') lastCustomer = i;
  });
  const readIdx = readId ? messages.findIndex((m) => m.id === readId) : -1;
  const showRead = lastCustomer >= 0 && readIdx >= lastCustomer && pending.length === 0;

  const noticesAfter = (id: string | null): ReactNode =>
    notices.filter((n) => n.afterId === id).map((n) => <NoticeItem key={n.id} kind={n.kind} t={t} />);
  const known = new Set(messages.map((m) => m.id));
  // Notices whose anchor vanished (e.g. a forgotten conversation) go last.
  const orphans = notices.filter((n) => n.afterId !== null && !known.has(n.afterId));

  return (
    <div ref={ref} className="cw-log" role="log" aria-live="polite" aria-label={t.messages} tabIndex={0}>
      <p className="cw-welcome">{t.welcome}</p>
      {noticesAfter(null)}
      {messages.map((m, i) => (
        <Fragment key={m.id}>
          <MessageItem m={m} t={t} read={showRead && i === lastCustomer} baseUrl={controller.baseUrl} />
          {noticesAfter(m.id)}
        </Fragment>
      ))}
      {orphans.map((n) => (
        <NoticeItem key={n.id} kind={n.kind} t={t} />
      ))}
      {pending.map((p) => (
        <PendingItem key={p.tempId} p={p} t={t} controller={controller} />
      ))}
      {draft !== null && (
        <div data-testid="draft" data-sender="ai" className="cw-msg cw-from-ai cw-draft" aria-busy="true">
          <span className="cw-sr">{t.assistant}: </span>
          <div className="cw-bubble">
            <div className="cw-text">{draft}</div>
          </div>
        </div>
      )}
      {typing && draft === null && (
        <div data-testid="typing" className="cw-typing">
          <span className="cw-dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          <span className="cw-sr">{t.typing}</span>
        </div>
      )}
    </div>
  );
}
