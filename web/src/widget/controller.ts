// The widget's brain, independent of React: signs the visitor in, creates or
// continues the conversation, sends over the WebSocket (REST when the socket
// is not open), folds server events into one immutable state, and refetches
// over REST whenever the socket (re)subscribes so nothing is lost or doubled.

import { ApiError } from '../shared/api/errors';
import { mergeMessages } from '../shared/messages';
import { RealtimeClient, type ConnectionState, type ServerEvent } from '../shared/ws';
import { WidgetApi } from './api';
import { languageOf, type Lang } from './i18n';
import type { SessionStore } from './storage';
import type { Attachment, ContentType, ConversationDetail, ConversationStatus, Message, QuickReply } from './types';

export interface PendingMessage {
  tempId: string;
  content: string;
  content_type: ContentType;
  attachments: Attachment[];
  created_at: string;
  failed: boolean;
  /** Sent over the socket and not yet confirmed by the server. */
  viaSocket: boolean;
}

export type NoticeKind = 'escalated' | 'agent_joined' | 'resolved';

export interface Notice {
  id: string;
  kind: NoticeKind;
  /** Shown after this message (null: before every message). */
  afterId: string | null;
}

export type CsatState = 'hidden' | 'prompt' | 'sending' | 'thanks';

export interface ChatState {
  open: boolean;
  lang: Lang;
  conversationId: string | null;
  messages: Message[];
  pending: PendingMessage[];
  /** The AI reply as it streams (replaced by the stored `ai_response`). */
  draft: string | null;
  /** The other side is typing. */
  typing: boolean;
  status: ConversationStatus | null;
  conn: ConnectionState;
  /** The socket was open at least once (so a drop shows "Reconnecting…"). */
  connectedOnce: boolean;
  /** Id of the latest message the other side reported as read. */
  readId: string | null;
  /** Quick replies from REST answers, by reply message id. */
  quickReplies: Record<string, QuickReply[]>;
  notices: Notice[];
  csat: CsatState;
  /** A request failed (shown until the next success). */
  error: boolean;
}

export interface ControllerOptions {
  baseUrl: string;
  tenantKey: string;
  lang: Lang;
  session: SessionStore;
  fetch?: typeof fetch;
  WebSocketImpl?: typeof WebSocket;
  /** Reconnect delay (test seam). */
  delay?: (attempt: number) => number;
  /** How long a message sent over the socket may wait for its echo before it is offered for retry. */
  confirmTimeoutMs?: number;
}

type Listener = () => void;

const ESCALATED: ConversationStatus[] = ['escalated', 'waiting_for_agent'];
const CLOSED: ConversationStatus[] = ['resolved', 'abandoned', 'archived'];
const OTHER_SIDE = new Set(['ai_agent', 'human_agent', 'system']);

let seq = 0;
const tempId = () => `local-${Date.now().toString(36)}-${(seq++).toString(36)}`;

export class ChatController {
  readonly api: WidgetApi;
  private state: ChatState;
  private readonly listeners = new Set<Listener>();
  private rt: RealtimeClient | null = null;
  private creating: Promise<string> | null = null;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private lastReadSent: string | null = null;
  private typingSentAt = 0;
  private typingOff: ReturnType<typeof setTimeout> | null = null;
  private readonly opened = new Set<() => void>();

  /** The Concierge server the widget talks to (relative links resolve against it). */
  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  constructor(private readonly opts: ControllerOptions) {
    this.api = new WidgetApi({
      baseUrl: opts.baseUrl,
      tenantKey: opts.tenantKey,
      session: opts.session,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
    this.state = {
      open: false,
      lang: opts.lang,
      conversationId: null,
      messages: [],
      pending: [],
      draft: null,
      typing: false,
      status: null,
      conn: 'closed',
      connectedOnce: false,
      readId: null,
      quickReplies: {},
      notices: [],
      csat: 'hidden',
      error: false,
    };
  }

  // ---- store plumbing (for useSyncExternalStore) ----

  getState = (): ChatState => this.state;

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  private set(patch: Partial<ChatState>): void {
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((l) => l());
  }

  // ---- public actions ----

  open(): void {
    if (!this.state.open) this.set({ open: true });
    this.start();
    this.opened.forEach((l) => l());
  }

  close(): void {
    if (this.state.open) this.set({ open: false });
  }

  toggle(): void {
    if (this.state.open) this.close();
    else this.open();
  }

  setLang(lang: Lang): void {
    if (lang !== this.state.lang) this.set({ lang });
  }

  /** Called on every open (hosts may listen through the public API). */
  onOpen(l: () => void): () => void {
    this.opened.add(l);
    return () => this.opened.delete(l);
  }

  /** Stops the socket and timers (the widget is removed). */
  destroy(): void {
    this.rt?.stop();
    this.rt = null;
    this.timers.forEach(clearTimeout);
    this.timers.clear();
    if (this.typingOff) clearTimeout(this.typingOff);
  }

  /** Sends a message (optimistically shown until the server confirms it). */
  async send(content: string, contentType: ContentType = 'text', attachments: Attachment[] = []): Promise<void> {
    const text = contentType === 'code' || contentType === 'error_log' ? content.replace(/\s+$/, '') : content.trim();
    if (!text.trim()) return;
    this.stopTyping();
    const p: PendingMessage = {
      tempId: tempId(),
      content: text,
      content_type: contentType,
      attachments,
      created_at: new Date().toISOString(),
      failed: false,
      viaSocket: false,
    };
    this.set({ pending: [...this.state.pending, p] });
    await this.deliver(p);
  }

  /** Sends a failed message again. */
  async retry(tempId: string): Promise<void> {
    const p = this.state.pending.find((x) => x.tempId === tempId);
    if (!p) return;
    const again = { ...p, failed: false, viaSocket: false };
    this.replacePending(tempId, again);
    await this.deliver(again, true);
  }

  /** The customer is typing (throttled `typing` frames, and `typing: false` after a pause). */
  typing(): void {
    const id = this.state.conversationId;
    if (!id || !this.rt) return;
    const now = Date.now();
    if (now - this.typingSentAt > 3000) {
      this.typingSentAt = now;
      this.rt.send({ type: 'typing', conversation_id: id, typing: true });
    }
    if (this.typingOff) clearTimeout(this.typingOff);
    this.typingOff = setTimeout(() => this.stopTyping(), 4000);
  }

  private stopTyping(): void {
    if (this.typingOff) clearTimeout(this.typingOff);
    this.typingOff = null;
    const id = this.state.conversationId;
    if (this.typingSentAt && id) this.rt?.send({ type: 'typing', conversation_id: id, typing: false });
    this.typingSentAt = 0;
  }

  /**
   * Reports the newest message from the other side as read (while the window
   * is open); reading it implies the earlier ones. Retried after a reconnect.
   */
  markRead(): void {
    const { open, conversationId, messages } = this.state;
    if (!open || !conversationId || !this.rt) return;
    const last = [...messages].reverse().find((m) => OTHER_SIDE.has(m.sender_type));
    if (!last || last.id === this.lastReadSent) return;
    if (this.rt.send({ type: 'read_receipt', conversation_id: conversationId, message_id: last.id })) {
      this.lastReadSent = last.id;
    }
  }

  async submitCsat(score: number, comment: string): Promise<void> {
    const id = this.state.conversationId;
    if (!id || score < 1 || score > 5) return;
    this.set({ csat: 'sending' });
    try {
      await this.api.csat(id, score, comment.trim() || undefined);
      const rated = this.opts.session.load().rated ?? [];
      this.opts.session.save({ rated: [...rated.filter((r) => r !== id), id].slice(-20) });
      this.set({ csat: 'thanks', error: false });
    } catch {
      this.set({ csat: 'prompt', error: true });
    }
  }

  /** Quick replies to offer: those of the last message, when it is the other side's and nothing followed. */
  currentQuickReplies(s: ChatState = this.state): QuickReply[] {
    if (s.pending.length || s.draft !== null || s.csat !== 'hidden') return [];
    if (s.status && CLOSED.includes(s.status)) return [];
    const last = s.messages[s.messages.length - 1];
    if (!last || !OTHER_SIDE.has(last.sender_type)) return [];
    const fromAnalysis = (last.analysis as { quick_replies?: unknown } | undefined)?.quick_replies;
    if (Array.isArray(fromAnalysis) && fromAnalysis.length) return fromAnalysis.filter(isQuickReply);
    return s.quickReplies[last.id] ?? [];
  }

  // ---- connection ----

  private start(): void {
    if (this.rt) return;
    const rt = new RealtimeClient({
      baseUrl: this.opts.baseUrl,
      token: () => this.api.token(),
      ...(this.opts.WebSocketImpl ? { WebSocketImpl: this.opts.WebSocketImpl } : {}),
      ...(this.opts.delay ? { delay: this.opts.delay } : {}),
    });
    this.rt = rt;
    rt.onEvent((e) => this.onEvent(e));
    rt.onState((conn) => {
      this.set({ conn, connectedOnce: this.state.connectedOnce || conn === 'open' });
      if (conn === 'open') this.markRead();
    });
    const saved = this.opts.session.load().conversationId;
    if (saved) {
      this.set({ conversationId: saved });
      rt.subscribe(saved);
      void this.refetch();
    }
    rt.start();
  }

  /** Loads the conversation over REST and merges it in (after every (re)subscribe). */
  async refetch(): Promise<void> {
    const id = this.state.conversationId;
    if (!id) return;
    let detail: ConversationDetail;
    try {
      detail = await this.api.getConversation(id);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 403)) this.forgetConversation(id);
      return;
    }
    if (this.state.conversationId !== id) return;
    this.ingest(detail.messages ?? []);
    this.applyStatus(detail.status, false, detail);
  }

  private forgetConversation(id: string): void {
    if (this.state.conversationId !== id) return;
    this.opts.session.clear(['conversationId']);
    this.set({
      conversationId: null,
      messages: [],
      draft: null,
      typing: false,
      status: null,
      readId: null,
      notices: [],
      csat: 'hidden',
    });
  }

  private ensureConversation(): Promise<string> {
    const id = this.state.conversationId;
    if (id) return Promise.resolve(id);
    if (!this.creating) {
      this.creating = (async () => {
        const page = typeof location === 'undefined' ? undefined : { page: location.pathname };
        const detail = await this.api.createConversation(page);
        this.opts.session.save({ conversationId: detail.id });
        this.set({ conversationId: detail.id });
        this.rt?.subscribe(detail.id);
        this.ingest(detail.messages ?? []);
        this.applyStatus(detail.status, false, detail);
        return detail.id;
      })().finally(() => {
        this.creating = null;
      });
    }
    return this.creating;
  }

  private async deliver(p: PendingMessage, restOnly = false): Promise<void> {
    let id: string;
    try {
      id = await this.ensureConversation();
    } catch {
      this.failPending(p.tempId);
      return;
    }
    const frame = {
      type: 'message',
      conversation_id: id,
      content: p.content,
      content_type: p.content_type,
      attachments: p.attachments,
    };
    if (!restOnly && this.rt?.send(frame)) {
      this.replacePending(p.tempId, { ...p, viaSocket: true });
      const t = setTimeout(() => {
        this.timers.delete(t);
        const still = this.state.pending.find((x) => x.tempId === p.tempId);
        if (still && !still.failed) this.failPending(p.tempId);
      }, this.opts.confirmTimeoutMs ?? 45_000);
      this.timers.add(t);
      return;
    }
    try {
      const r = await this.api.postMessage(id, {
        content: p.content,
        content_type: p.content_type,
        attachments: p.attachments,
      });
      if (r.response_message_id && r.quick_replies?.length) {
        this.set({ quickReplies: { ...this.state.quickReplies, [r.response_message_id]: r.quick_replies } });
      }
      this.set({ error: false });
      await this.refetch();
      // Confirmed by the server even if the refetch failed.
      if (this.state.pending.some((x) => x.tempId === p.tempId)) {
        this.set({ pending: this.state.pending.filter((x) => x.tempId !== p.tempId) });
      }
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || (e.status === 409 && e.name === 'invalid_state'))) {
        // Gone or archived: the retry starts a new conversation.
        this.forgetConversation(id);
      }
      this.failPending(p.tempId);
    }
  }

  private replacePending(tempId: string, p: PendingMessage): void {
    this.set({ pending: this.state.pending.map((x) => (x.tempId === tempId ? p : x)) });
  }

  private failPending(tempId: string): void {
    const p = this.state.pending.find((x) => x.tempId === tempId);
    if (p) this.replacePending(tempId, { ...p, failed: true, viaSocket: false });
  }

  // ---- server events ----

  private onEvent(e: ServerEvent): void {
    const id = this.state.conversationId;
    const forUs = (cid: unknown) => typeof cid === 'string' && cid === id;
    switch (e.type) {
      case 'message_received':
      case 'ai_response': {
        const m = e.message as Message | undefined;
        if (m && forUs(m.conversation_id)) this.ingest([m]);
        break;
      }
      case 'ai_response_delta':
        if (forUs(e.conversation_id) && typeof e.delta === 'string') {
          this.set({ draft: (this.state.draft ?? '') + e.delta, typing: false });
        }
        break;
      case 'typing_indicator':
        if (forUs(e.conversation_id) && e.sender !== 'customer') {
          this.set({ typing: Boolean(e.typing) && this.state.draft === null });
        }
        break;
      case 'read_receipt':
        if (forUs(e.conversation_id) && e.reader !== 'customer' && typeof e.message_id === 'string') {
          this.set({ readId: laterOf(this.state.messages, this.state.readId, e.message_id) });
        }
        break;
      case 'status_update':
        if (forUs(e.conversation_id)) this.applyStatus(e.status as ConversationStatus, true);
        break;
      case 'subscribed':
        if (forUs(e.conversation_id)) void this.refetch();
        break;
      case 'error': {
        if (e.name === 'conversation_not_found' && id) {
          this.forgetConversation(id);
        }
        // The socket answers a bad frame with an error: the oldest unconfirmed message failed.
        const inFlight = this.state.pending.find((p) => p.viaSocket && !p.failed);
        if (inFlight && e.name !== 'token_expired') this.failPending(inFlight.tempId);
        break;
      }
      default:
        break;
    }
  }

  /** Merges messages; settles pending ones, the draft, notices and the language. */
  private ingest(incoming: Message[]): void {
    if (!incoming.length) return;
    const s = this.state;
    const known = new Set(s.messages.map((m) => m.id));
    const fresh = incoming.filter((m) => !known.has(m.id));
    const messages = mergeMessages(s.messages, incoming);
    if (!fresh.length) {
      if (messages !== s.messages) this.set({ messages });
      return;
    }
    let pending = s.pending;
    let draft = s.draft;
    let typing = s.typing;
    const notices = [...s.notices];
    for (const m of fresh) {
      if (m.sender_type === 'user') {
        const i = pending.findIndex((p) => p.content.trim() === m.content.trim());
        if (i >= 0) pending = pending.filter((_, j) => j !== i);
      } else if (m.sender_type === 'ai_agent' || m.sender_type === 'system') {
        draft = null;
        typing = false;
      }
      if (m.sender_type === 'human_agent' && !notices.some((n) => n.kind === 'agent_joined')) {
        const idx = messages.findIndex((x) => x.id === m.id);
        notices.push({ id: `agent_joined-${m.id}`, kind: 'agent_joined', afterId: messages[idx - 1]?.id ?? null });
      }
    }
    let lang = s.lang;
    for (const m of [...fresh].reverse()) {
      const l = languageOf(m.analysis);
      if (l) {
        lang = l;
        break;
      }
    }
    this.set({ messages, pending, draft, typing, notices, lang, error: false });
  }

  /** A status (from an event when `live`, else from a REST read) → notices and the CSAT prompt. */
  private applyStatus(status: ConversationStatus, live: boolean, detail?: { escalated?: boolean; satisfaction?: number | null }): void {
    const s = this.state;
    const prev = s.status;
    const notices = [...s.notices];
    const lastId = s.messages[s.messages.length - 1]?.id ?? null;
    const add = (kind: NoticeKind) => notices.push({ id: `${kind}-${notices.length}-${lastId ?? 'start'}`, kind, afterId: lastId });
    const rated =
      (detail?.satisfaction ?? null) !== null || (this.opts.session.load().rated ?? []).includes(s.conversationId ?? '');
    let csat = s.csat;
    if (prev === null) {
      // First read of a conversation (e.g. after a reload): show where it stands.
      if (detail?.escalated && !CLOSED.includes(status) && !notices.some((n) => n.kind === 'escalated')) add('escalated');
      if (status === 'resolved') add('resolved');
    } else if (status === prev) {
      // Claiming re-announces the status: a human took the conversation.
      if (live && ESCALATED.includes(status) && !notices.some((n) => n.kind === 'agent_joined')) add('agent_joined');
    } else {
      if (ESCALATED.includes(status) && !ESCALATED.includes(prev)) add('escalated');
      if (status === 'resolved') add('resolved');
    }
    if (status === 'resolved') {
      if (csat === 'hidden' && !rated) csat = 'prompt';
    } else if (csat === 'prompt') {
      csat = 'hidden';
    }
    if (status !== prev || notices.length !== s.notices.length || csat !== s.csat) {
      this.set({ status, notices, csat });
    }
  }
}

function isQuickReply(v: unknown): v is QuickReply {
  return typeof v === 'string' || (typeof v === 'object' && v !== null && typeof (v as { label?: unknown }).label === 'string');
}

/** The later (in list order) of two message ids; an unknown new id wins. */
function laterOf(messages: Message[], current: string | null, next: string): string {
  if (!current) return next;
  const a = messages.findIndex((m) => m.id === current);
  const b = messages.findIndex((m) => m.id === next);
  return b === -1 || b >= a ? next : current;
}

export const quickReplyLabel = (q: QuickReply): string => (typeof q === 'string' ? q : q.label);
export const quickReplyValue = (q: QuickReply): string => (typeof q === 'string' ? q : (q.value ?? q.label));
