import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ChatController } from './controller';
import type { Lang } from './i18n';
import { localSession, type Saved } from './storage';
import { FakeWebSocket, fakeServer, msg, type FakeServer } from './testing';
import { Widget } from './Widget';

let controller: ChatController | null = null;

afterEach(() => {
  controller?.destroy();
  controller = null;
  cleanup();
  localStorage.clear();
  FakeWebSocket.reset();
});

function setup(opts: { lang?: Lang; saved?: Saved; server?: FakeServer; confirmTimeoutMs?: number } = {}) {
  const session = localSession('pk_test');
  if (opts.saved) session.save(opts.saved);
  const server = opts.server ?? fakeServer();
  controller = new ChatController({
    baseUrl: 'http://concierge.test',
    tenantKey: 'pk_test',
    lang: opts.lang ?? 'en',
    session,
    fetch: server.fetch,
    WebSocketImpl: FakeWebSocket as unknown as typeof WebSocket,
    delay: () => 0,
    ...(opts.confirmTimeoutMs ? { confirmTimeoutMs: opts.confirmTimeoutMs } : {}),
  });
  const user = userEvent.setup();
  render(<Widget controller={controller} />);
  return { server, session, user, controller };
}

const savedConversation: Saved = {
  visitorId: 'v_' + 'b'.repeat(32),
  token: 'tok-saved',
  tokenExpiresAt: Date.now() + 3_600_000,
  conversationId: 'c1',
};

/** Opens the window and the socket. */
async function openChat(user: ReturnType<typeof userEvent.setup>) {
  await user.click(screen.getByRole('button', { name: 'Open chat' }));
  await waitFor(() => expect(FakeWebSocket.instances.length).toBe(1));
  const ws = FakeWebSocket.last();
  act(() => ws.open());
  return ws;
}

const messages = () => screen.queryAllByTestId('msg');
const bySender = (s: string) => messages().filter((m) => m.dataset.sender === s);

describe('opening, closing and the keyboard', () => {
  it('opens from the launcher with focus in the message box; Escape closes and focus returns to the launcher', async () => {
    const { user, server } = setup();
    const ws = await openChat(user);
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveFocus();
    // Signed in with the publishable key; the socket carries the visitor token.
    expect(server.callsTo('POST', '/v1/auth/visitor')[0]?.body).toEqual({ widget_key: 'pk_test' });
    expect(ws.url).toBe('ws://concierge.test/v1/ws?access_token=tok-1');

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Open chat' })).toHaveFocus();
  });

  it('reaches every control with Tab and opens with the keyboard', async () => {
    const { user } = setup();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Open chat' })).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveFocus();
    const reached = new Set<string>();
    for (let i = 0; i < 8; i++) {
      await user.tab();
      const el = document.activeElement as HTMLElement;
      reached.add(el.getAttribute('aria-label') ?? el.getAttribute('role') ?? el.tagName);
    }
    for (const name of ['Close chat', 'Attach a file', 'Code snippet', 'Message', 'Send', 'Messages']) {
      expect(reached).toContain(name);
    }
  });

  it('closes with the close button and keeps a half-written message', async () => {
    const { user } = setup();
    await openChat(user);
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'half a thought');
    await user.click(screen.getByRole('button', { name: 'Close chat' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Open chat' })).toHaveFocus();
    await user.click(screen.getByRole('button', { name: 'Open chat' }));
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveValue('half a thought');
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveFocus();
  });
});

describe('sending and streaming', () => {
  it('creates the conversation, sends over the socket, streams the draft and replaces it with the stored reply', async () => {
    const { user, server, session } = setup();
    const ws = await openChat(user);
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'My login fails{Enter}');

    await waitFor(() => expect(ws.frames('message')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/conversations')).toHaveLength(1);
    expect(ws.frames('subscribe')).toEqual([{ type: 'subscribe', conversation_id: 'c1' }]);
    expect(ws.frames('message')[0]).toEqual({
      type: 'message',
      conversation_id: 'c1',
      content: 'My login fails',
      content_type: 'text',
      attachments: [],
    });
    expect(server.callsTo('POST', '/v1/conversations/c1/messages')).toHaveLength(0);
    expect(session.load().conversationId).toBe('c1');
    // Shown at once, marked as sending.
    expect(bySender('customer')).toHaveLength(1);
    expect(bySender('customer')[0]).toHaveAttribute('data-pending', 'true');
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveValue('');

    const userMsg = msg({ id: 'm1', content: 'My login fails' });
    act(() => ws.emit({ type: 'message_received', message: userMsg }));
    expect(bySender('customer')).toHaveLength(1);
    expect(bySender('customer')[0]).not.toHaveAttribute('data-pending');

    act(() => ws.emit({ type: 'typing_indicator', conversation_id: 'c1', sender: 'ai_agent', typing: true }));
    expect(screen.getByTestId('typing')).toBeInTheDocument();

    act(() => ws.emit({ type: 'ai_response_delta', conversation_id: 'c1', delta: 'Try resetting ' }));
    act(() => ws.emit({ type: 'ai_response_delta', conversation_id: 'c1', delta: 'your pass' }));
    expect(screen.getByTestId('draft')).toHaveTextContent('Try resetting your pass');
    expect(screen.queryByTestId('typing')).not.toBeInTheDocument();
    // Deltas for another conversation are not ours.
    act(() => ws.emit({ type: 'ai_response_delta', conversation_id: 'other', delta: 'XYZ' }));
    expect(screen.getByTestId('draft')).not.toHaveTextContent('XYZ');

    const reply = msg({ id: 'm2', content: 'Try resetting your password [1].', sender_type: 'ai_agent' });
    act(() => ws.emit({ type: 'ai_response', message: reply }));
    expect(screen.queryByTestId('draft')).not.toBeInTheDocument();
    expect(bySender('ai')).toHaveLength(1);
    expect(bySender('ai')[0]).toHaveTextContent('Try resetting your password [1].');
  });

  it('falls back to REST when the socket is not open, with the quick replies of the answer', async () => {
    const server = fakeServer();
    server.override = (c) => {
      if (c.method === 'POST' && c.path === '/v1/conversations/c1/messages') {
        server.messages.push(
          msg({ id: 'u1', content: 'order status' }),
          msg({ id: 'a1', content: 'Which order?', sender_type: 'ai_agent' }),
        );
        return [200, { message_id: 'u1', response_message_id: 'a1', quick_replies: ['#1001', { label: 'Cancel', value: 'cancel' }], status: 'waiting_for_user' }];
      }
      return undefined;
    };
    const { user } = setup({ server });
    await user.click(screen.getByRole('button', { name: 'Open chat' }));
    // The socket never opens.
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'order status');
    await user.click(screen.getByRole('button', { name: 'Send' }));

    await waitFor(() => expect(bySender('ai')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/conversations/c1/messages')[0]?.body).toEqual({
      content: 'order status',
      content_type: 'text',
      attachments: [],
    });
    expect(server.callsTo('POST', '/v1/conversations/c1/messages')[0]?.auth).toBe('Bearer tok-1');
    expect(bySender('customer')).toHaveLength(1);
    expect(bySender('customer')[0]).not.toHaveAttribute('data-pending');
    const quick = screen.getAllByTestId('quick-reply');
    expect(quick.map((b) => b.textContent)).toEqual(['#1001', 'Cancel']);

    await user.click(quick[1]!);
    await waitFor(() => expect(server.callsTo('POST', '/v1/conversations/c1/messages')).toHaveLength(2));
    // The button's value is sent, not its label.
    expect(server.callsTo('POST', '/v1/conversations/c1/messages')[1]?.body).toMatchObject({ content: 'cancel' });
  });

  it('marks a message the server rejected as not sent and retries it', async () => {
    const { user, server } = setup();
    const ws = await openChat(user);
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'hello{Enter}');
    await waitFor(() => expect(ws.frames('message')).toHaveLength(1));
    act(() => ws.emit({ type: 'error', code: 4001, name: 'rate_limited', message: 'slow down', details: {} }));
    expect(bySender('customer')[0]).toHaveAttribute('data-pending', 'failed');
    expect(screen.getByRole('alert')).toHaveTextContent('Not sent.');

    await user.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(server.callsTo('POST', '/v1/conversations/c1/messages')).toHaveLength(1));
    await waitFor(() => expect(bySender('ai')).toHaveLength(1));
    expect(bySender('customer')).toHaveLength(1);
  });

  it('sends a code snippet with content_type code', async () => {
    const { user } = setup();
    const ws = await openChat(user);
    const code = screen.getByRole('button', { name: 'Code snippet' });
    await user.click(code);
    expect(code).toHaveAttribute('aria-pressed', 'true');
    const box = screen.getByRole('textbox', { name: 'Message' });
    await user.type(box, 'SELECT Id FROM Case{Enter}LIMIT 1');
    // Enter breaks the line in code mode; Ctrl+Enter sends.
    expect(ws.frames('message')).toHaveLength(0);
    await user.keyboard('{Control>}{Enter}{/Control}');
    await waitFor(() => expect(ws.frames('message')).toHaveLength(1));
    expect(ws.frames('message')[0]).toMatchObject({ content: 'SELECT Id FROM Case\nLIMIT 1', content_type: 'code' });
    expect(bySender('customer')[0]?.querySelector('pre code')).toHaveTextContent('SELECT Id FROM Case');
  });

  it('attaches a picked image as an attachment with its metadata', async () => {
    const { user } = setup();
    const ws = await openChat(user);
    const input = document.querySelector<HTMLInputElement>('input[type=file]')!;
    const file = new File([new Uint8Array(2048)], 'screen.png', { type: 'image/png' });
    await user.upload(input, file);
    expect(screen.getByText(/screen\.png/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(ws.frames('message')).toHaveLength(1));
    expect(ws.frames('message')[0]).toMatchObject({
      content: 'screen.png',
      content_type: 'image',
      attachments: [{ name: 'screen.png', mime_type: 'image/png', size: 2048 }],
    });
  });
});

describe('what a reply shows', () => {
  it('renders citations as links opening in a new tab, one per article, and quick replies from the analysis', async () => {
    const { user } = setup({ saved: savedConversation });
    const ws = await openChat(user);
    const reply = msg({
      id: 'r1',
      sender_type: 'ai_agent',
      content: 'See [1] and [2].',
      analysis: {
        citations: [
          { title: 'Reset your password', url: 'https://help.example/reset', slug: 'reset', chunk: 0 },
          { title: 'Reset your password', url: 'https://help.example/reset', slug: 'reset', chunk: 1 },
          { title: 'Internal note', url: null, slug: 'internal' },
          { title: 'Evil', url: 'javascript:alert(1)', slug: 'evil' },
          { title: 'Help center page', url: '/help/o1/a1', slug: 'hc' },
          { title: 'Protocol-relative', url: '//evil.example/x', slug: 'pr' },
        ],
        quick_replies: ['Yes', 'No'],
      },
    });
    act(() => ws.emit({ type: 'ai_response', message: reply }));
    const cites = screen.getAllByTestId('citation');
    expect(cites).toHaveLength(5);
    const link = cites[0]!;
    expect(link.tagName).toBe('A');
    expect(link).toHaveTextContent('Reset your password');
    expect(link).toHaveAttribute('href', 'https://help.example/reset');
    expect(link).toHaveAttribute('target', '_blank');
    expect(link).toHaveAttribute('rel', 'noopener');
    // No URL, or not an http(s) one: the title without a link.
    expect(cites[1]!.tagName).toBe('SPAN');
    expect(cites[2]!.tagName).toBe('SPAN');
    expect(document.querySelector('a[href^="javascript"]')).toBeNull();
    // A server-relative help center path opens on the Concierge server, not the host page.
    expect(cites[3]!.tagName).toBe('A');
    expect(cites[3]).toHaveAttribute('href', 'http://concierge.test/help/o1/a1');
    // A protocol-relative one could point anywhere: no link.
    expect(cites[4]!.tagName).toBe('SPAN');

    const quick = screen.getAllByTestId('quick-reply');
    expect(quick.map((q) => q.textContent)).toEqual(['Yes', 'No']);
    await user.click(quick[0]!);
    await waitFor(() => expect(ws.frames('message')).toHaveLength(1));
    expect(ws.frames('message')[0]).toMatchObject({ content: 'Yes' });
    // Once answered, they go.
    expect(screen.queryAllByTestId('quick-reply')).toHaveLength(0);
  });

  it('announces messages politely in a log', async () => {
    const { user } = setup();
    await openChat(user);
    const log = screen.getByRole('log', { name: 'Messages' });
    expect(log).toHaveAttribute('aria-live', 'polite');
  });

  it('shows escalation and agent notices, and the agent message as agent', async () => {
    const server = fakeServer();
    server.messages.push(msg({ id: 'm1', content: 'help' }));
    const { user } = setup({ saved: savedConversation, server });
    const ws = await openChat(user);
    await waitFor(() => expect(messages()).toHaveLength(1));
    act(() => ws.emit({ type: 'status_update', conversation_id: 'c1', status: 'escalated' }));
    expect(screen.getByTestId('notice')).toHaveAttribute('data-notice', 'escalated');
    expect(screen.getByTestId('notice')).toHaveTextContent('passed to a member of our team');

    act(() => ws.emit({ type: 'message_received', message: msg({ id: 'm2', content: "Hi, I'm Sam", sender_type: 'human_agent' }) }));
    expect(bySender('agent')).toHaveLength(1);
    const kinds = screen.getAllByTestId('notice').map((n) => n.dataset.notice);
    expect(kinds).toEqual(['escalated', 'agent_joined']);
    // The "agent joined" notice comes right before the agent's first message.
    const log = screen.getByRole('log');
    const items = [...log.querySelectorAll('[data-testid="msg"],[data-testid="notice"]')].map(
      (e) => (e as HTMLElement).dataset.notice ?? (e as HTMLElement).dataset.sender,
    );
    expect(items).toEqual(['customer', 'escalated', 'agent_joined', 'agent']);
  });

  it('shows the connection state while the socket is down', async () => {
    const { user } = setup({ saved: savedConversation });
    const ws = await openChat(user);
    const conn = screen.getByTestId('conn-state');
    expect(conn).toHaveAttribute('data-state', 'open');
    expect(conn).toHaveTextContent('');
    act(() => ws.drop());
    expect(conn).toHaveTextContent('Reconnecting…');
    expect(conn).not.toHaveAttribute('data-state', 'open');
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    act(() => FakeWebSocket.last().open());
    expect(conn).toHaveAttribute('data-state', 'open');
    expect(conn).toHaveTextContent('');
  });
});

describe('continuing and reconnecting', () => {
  it('continues the stored conversation after a reload without creating another', async () => {
    const server = fakeServer();
    server.messages.push(msg({ id: 'm1', content: 'earlier question' }), msg({ id: 'm2', content: 'earlier answer', sender_type: 'ai_agent' }));
    const { user } = setup({ saved: savedConversation, server });
    const ws = await openChat(user);
    await waitFor(() => expect(messages()).toHaveLength(2));
    expect(server.callsTo('POST', '/v1/conversations')).toHaveLength(0);
    // The stored token is reused, not a new visitor.
    expect(server.callsTo('POST', '/v1/auth/visitor')).toHaveLength(0);
    expect(server.callsTo('GET', '/v1/conversations/c1')[0]?.auth).toBe('Bearer tok-saved');
    expect(ws.frames('subscribe')).toEqual([{ type: 'subscribe', conversation_id: 'c1' }]);
  });

  it('renews an expired token as the same visitor', async () => {
    const { user, server } = setup({ saved: { ...savedConversation, tokenExpiresAt: Date.now() - 1000 } });
    await openChat(user);
    expect(server.callsTo('POST', '/v1/auth/visitor')[0]?.body).toEqual({ widget_key: 'pk_test', visitor_id: savedConversation.visitorId });
  });

  it('refetches after a reconnect and merges by id: nothing lost, nothing doubled', async () => {
    const server = fakeServer();
    server.messages.push(msg({ id: 'm1', content: 'q1' }), msg({ id: 'm2', content: 'a1', sender_type: 'ai_agent' }));
    const { user } = setup({ saved: savedConversation, server });
    const ws = await openChat(user);
    act(() => ws.emit({ type: 'subscribed', conversation_id: 'c1' }));
    await waitFor(() => expect(messages()).toHaveLength(2));
    // A live event for a message already loaded does not double it.
    act(() => ws.emit({ type: 'ai_response', message: server.messages[1] }));
    expect(messages()).toHaveLength(2);

    act(() => ws.drop());
    // While offline, an agent answered.
    const missed = msg({ id: 'm3', content: 'missed while offline', sender_type: 'human_agent' });
    server.messages.push(missed);
    const before = server.callsTo('GET', '/v1/conversations/c1').length;

    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    const ws2 = FakeWebSocket.last();
    act(() => ws2.open());
    // Re-subscribed on the new socket; the server confirms and we refetch.
    expect(ws2.frames('subscribe')).toEqual([{ type: 'subscribe', conversation_id: 'c1' }]);
    act(() => ws2.emit({ type: 'subscribed', conversation_id: 'c1' }));
    await waitFor(() => expect(server.callsTo('GET', '/v1/conversations/c1').length).toBeGreaterThan(before));
    await waitFor(() => expect(messages()).toHaveLength(3));
    // The same message arriving over the socket as well stays single.
    act(() => ws2.emit({ type: 'message_received', message: missed }));
    expect(messages().map((m) => m.dataset.id)).toEqual(['m1', 'm2', 'm3']);
  });

  it('confirms a message lost with the socket once the refetch after reconnect shows it', async () => {
    const server = fakeServer();
    const { user } = setup({ saved: savedConversation, server });
    const ws = await openChat(user);
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'are you there?{Enter}');
    await waitFor(() => expect(ws.frames('message')).toHaveLength(1));
    act(() => ws.drop());
    server.messages.push(msg({ id: 'm9', content: 'are you there?' }));
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    act(() => FakeWebSocket.last().open());
    act(() => FakeWebSocket.last().emit({ type: 'subscribed', conversation_id: 'c1' }));
    await waitFor(() => expect(bySender('customer')[0]).not.toHaveAttribute('data-pending'));
    expect(bySender('customer')).toHaveLength(1);
  });
});

describe('read receipts', () => {
  it('reports the newest shown reply as read, and shows "Read" on the last customer message when the agent read it', async () => {
    const server = fakeServer();
    server.messages.push(
      msg({ id: 'm1', content: 'first' }),
      msg({ id: 'm2', content: 'answer', sender_type: 'ai_agent' }),
      msg({ id: 'm3', content: 'second' }),
    );
    const { user } = setup({ saved: savedConversation, server });
    const ws = await openChat(user);
    await waitFor(() => expect(messages()).toHaveLength(3));
    await waitFor(() => expect(ws.frames('read_receipt')).toEqual([{ type: 'read_receipt', conversation_id: 'c1', message_id: 'm2' }]));

    // Our own receipt echoed back is not the agent's.
    act(() => ws.emit({ type: 'read_receipt', conversation_id: 'c1', message_id: 'm3', reader: 'customer' }));
    expect(screen.queryByTestId('read')).not.toBeInTheDocument();
    // The agent read the first message only: the last is not read yet.
    act(() => ws.emit({ type: 'read_receipt', conversation_id: 'c1', message_id: 'm1', reader: 'agent' }));
    expect(screen.queryByTestId('read')).not.toBeInTheDocument();
    act(() => ws.emit({ type: 'read_receipt', conversation_id: 'c1', message_id: 'm3', reader: 'agent' }));
    const read = screen.getByTestId('read');
    expect(read).toHaveTextContent('Read');
    expect(read.closest('[data-testid="msg"]')).toHaveAttribute('data-id', 'm3');
  });

  it('sends no receipt while the window is closed', async () => {
    const { user, controller: c } = setup({ saved: savedConversation });
    const ws = await openChat(user);
    await user.keyboard('{Escape}');
    act(() => ws.emit({ type: 'ai_response', message: msg({ id: 'x1', content: 'hi', sender_type: 'ai_agent' }) }));
    expect(ws.frames('read_receipt')).toHaveLength(0);
    act(() => c.open());
    await waitFor(() => expect(ws.frames('read_receipt')).toEqual([{ type: 'read_receipt', conversation_id: 'c1', message_id: 'x1' }]));
  });
});

describe('satisfaction', () => {
  it('asks for a rating once resolved, posts it and thanks the customer', async () => {
    const { user, server, session } = setup({ saved: savedConversation });
    const ws = await openChat(user);
    expect(screen.queryByTestId('csat')).not.toBeInTheDocument();
    act(() => ws.emit({ type: 'status_update', conversation_id: 'c1', status: 'resolved' }));
    expect(screen.getByTestId('notice')).toHaveAttribute('data-notice', 'resolved');
    const csat = screen.getByTestId('csat');
    // Submitting without a score does nothing.
    await user.click(within(csat).getByRole('button', { name: 'Submit rating' }));
    expect(server.callsTo('POST', '/v1/conversations/c1/csat')).toHaveLength(0);

    await user.click(within(csat).getByRole('radio', { name: '4 stars' }));
    await user.type(within(csat).getByRole('textbox', { name: 'Comment (optional)' }), 'quick and clear');
    await user.click(within(csat).getByRole('button', { name: 'Submit rating' }));
    await waitFor(() => expect(screen.getByTestId('csat')).toHaveTextContent('Thank you for your feedback!'));
    expect(server.callsTo('POST', '/v1/conversations/c1/csat')[0]?.body).toEqual({ score: 4, comment: 'quick and clear' });
    expect(session.load().rated).toContain('c1');
  });

  it('does not ask again for a conversation already rated', async () => {
    const server = fakeServer();
    server.conversation.status = 'resolved';
    server.conversation.satisfaction = 5;
    const { user } = setup({ saved: savedConversation, server });
    await openChat(user);
    await waitFor(() => expect(screen.getByTestId('notice')).toHaveAttribute('data-notice', 'resolved'));
    expect(screen.queryByTestId('csat')).not.toBeInTheDocument();
  });
});

describe('language', () => {
  it('follows the conversation into Spanish when the analysis reports it', async () => {
    const { user } = setup({ saved: savedConversation });
    const ws = await openChat(user);
    expect(screen.getByRole('button', { name: 'Send' })).toBeInTheDocument();
    // Unsure detection does not switch.
    act(() =>
      ws.emit({ type: 'message_received', message: msg({ id: 'm1', content: 'ok', analysis: { language: { code: 'es', confidence: 0.2 } } }) }),
    );
    expect(screen.getByRole('textbox', { name: 'Message' })).toBeInTheDocument();
    act(() =>
      ws.emit({
        type: 'message_received',
        message: msg({ id: 'm2', content: 'No puedo entrar a mi cuenta', analysis: { language: { code: 'es', confidence: 0.93 } } }),
      }),
    );
    expect(screen.getByRole('textbox', { name: 'Mensaje' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Enviar' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Cerrar chat' })).toBeInTheDocument();
    // A language outside the four keeps Spanish.
    act(() => ws.emit({ type: 'message_received', message: msg({ id: 'm3', content: 'ciao', analysis: { language: { code: 'it', confidence: 0.99 } } }) }));
    expect(screen.getByRole('textbox', { name: 'Mensaje' })).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.getByRole('button', { name: 'Abrir chat' })).toHaveFocus();
  });

  it('starts in German from data-lang', () => {
    setup({ lang: 'de' });
    expect(screen.getByRole('button', { name: 'Chat öffnen' })).toBeInTheDocument();
  });
});

describe('rich replies', () => {
  it('renders the markdown of a reply as lists, bold and code, without injecting markup', async () => {
    const { user } = setup({ saved: savedConversation });
    const ws = await openChat(user);
    const content = 'Two causes:\n- **SSO** sign-in\n- a `LOCKED` account\n\n<img src=x onerror=alert(1)>';
    act(() => ws.emit({ type: 'ai_response', message: msg({ id: 'r1', sender_type: 'ai_agent', content }) }));
    const m = bySender('ai')[0]!;
    expect(m.querySelectorAll('li')).toHaveLength(2);
    expect(m.querySelector('strong')).toHaveTextContent('SSO');
    expect(m.querySelector('li code')).toHaveTextContent('LOCKED');
    expect(m.querySelector('img')).toBeNull();
    expect(m).toHaveTextContent('<img src=x onerror=alert(1)>');
    // The customer's own text is shown as typed.
    act(() => ws.emit({ type: 'message_received', message: msg({ id: 'u1', content: '- **not** a list' }) }));
    expect(bySender('customer')[0]!.querySelector('li')).toBeNull();
  });
});
