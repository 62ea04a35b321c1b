// One WebSocket client for the widget and the console: connects to /v1/ws with
// a bearer token, reconnects with backoff and jitter, re-subscribes to every
// conversation it was following, keeps the connection alive with heartbeats,
// and tells its owner when it (re)connected so the owner can fetch what it
// missed over REST (events are not replayed by the server).

import { backoffDelay } from './backoff';

export type ServerEvent = { type: string; [key: string]: unknown };
export type ClientEvent = { type: string; [key: string]: unknown };
export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface RealtimeOptions {
  /** Base URL of the Concierge server, e.g. `https://concierge.example` (default: this page's origin). */
  baseUrl?: string;
  /** Returns a current access token (called on every connect, so a refreshed token is used). */
  token: () => string | Promise<string>;
  heartbeatMs?: number;
  /** Test seam: the WebSocket constructor. */
  WebSocketImpl?: typeof WebSocket;
  /** Test seam: delay before reconnect attempt `n`. */
  delay?: (attempt: number) => number;
}

type Listener<T> = (value: T) => void;

export class RealtimeClient {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private readonly subscriptions = new Set<string>();
  private readonly extraOnOpen: ClientEvent[] = [];
  private readonly eventListeners = new Set<Listener<ServerEvent>>();
  private readonly stateListeners = new Set<Listener<ConnectionState>>();
  private readonly reconnectListeners = new Set<Listener<void>>();
  private everOpened = false;
  state: ConnectionState = 'closed';

  constructor(private readonly opts: RealtimeOptions) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.clearHeartbeat();
    this.socket?.close(1000, 'bye');
    this.socket = null;
    this.setState('closed');
  }

  /** Follows a conversation's events, now and after every reconnect. */
  subscribe(conversationId: string): void {
    this.subscriptions.add(conversationId);
    this.send({ type: 'subscribe', conversation_id: conversationId });
  }

  /** A frame sent on every (re)connect, e.g. a staff queue subscription. */
  sendOnOpen(event: ClientEvent): void {
    this.extraOnOpen.push(event);
    this.send(event);
  }

  /** Sends when open; returns false when the socket is not open (use REST then). */
  send(event: ClientEvent): boolean {
    if (this.socket && this.socket.readyState === 1) {
      this.socket.send(JSON.stringify(event));
      return true;
    }
    return false;
  }

  onEvent(l: Listener<ServerEvent>): () => void {
    this.eventListeners.add(l);
    return () => this.eventListeners.delete(l);
  }

  onState(l: Listener<ConnectionState>): () => void {
    this.stateListeners.add(l);
    return () => this.stateListeners.delete(l);
  }

  /** Called after a reconnect (not the first connect): fetch what was missed. */
  onReconnect(l: Listener<void>): () => void {
    this.reconnectListeners.add(l);
    return () => this.reconnectListeners.delete(l);
  }

  private setState(s: ConnectionState): void {
    if (this.state === s) return;
    this.state = s;
    this.stateListeners.forEach((l) => l(s));
  }

  private url(token: string): string {
    const base = this.opts.baseUrl ?? window.location.origin;
    const u = new URL('/v1/ws', base);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.searchParams.set('access_token', token);
    return u.toString();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.setState('connecting');
    let token: string;
    try {
      token = await this.opts.token();
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) return;
    const Impl = this.opts.WebSocketImpl ?? WebSocket;
    const ws = new Impl(this.url(token));
    this.socket = ws;
    ws.onopen = () => {
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.setState('open');
      for (const id of this.subscriptions) this.send({ type: 'subscribe', conversation_id: id });
      for (const e of this.extraOnOpen) this.send(e);
      this.clearHeartbeat();
      this.heartbeat = setInterval(() => this.send({ type: 'heartbeat' }), this.opts.heartbeatMs ?? 25_000);
      if (reconnected) this.reconnectListeners.forEach((l) => l());
    };
    ws.onmessage = (m: MessageEvent) => {
      let event: ServerEvent;
      try {
        event = JSON.parse(String(m.data)) as ServerEvent;
      } catch {
        return;
      }
      this.eventListeners.forEach((l) => l(event));
    };
    ws.onclose = () => {
      if (this.socket !== ws) return;
      this.socket = null;
      this.clearHeartbeat();
      this.setState('closed');
      this.scheduleReconnect();
    };
    ws.onerror = () => {
      // onclose follows and schedules the reconnect.
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const wait = (this.opts.delay ?? backoffDelay)(this.attempt++);
    this.timer = setTimeout(() => void this.connect(), wait);
  }

  private clearHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
