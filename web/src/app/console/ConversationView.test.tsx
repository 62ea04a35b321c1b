import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CID, conversation, escalation, message } from './fixtures';
import { FakeWebSocket, mockFetch, renderConsole, setupDom, type Call } from './testing';

beforeEach(() => setupDom());
afterEach(() => vi.unstubAllGlobals());

function routes(over: Record<string, unknown> = {}) {
  return {
    [`GET /v1/conversations/${CID}`]: conversation(),
    [`GET /v1/conversations/${CID}/escalation`]: escalation(),
    [`GET /v1/conversations/${CID}/suggestions`]: [
      { text: 'Your daily API limit resets at midnight UTC.', provider: 'local',
        citations: [{ slug: 'request-limit-exceeded', title: 'REQUEST_LIMIT_EXCEEDED explained', url: 'https://help.example/a/rle' }] },
      { text: 'I can raise the limit for today.', provider: 'local', citations: [] },
    ],
    'GET /v1/queues': [{ queue: 'general_support', open: 1, unassigned: 1, breached: 0, next_deadline: null }, { queue: 'billing', open: 0, unassigned: 0, breached: 0, next_deadline: null }],
    'GET /v1/escalations': [escalation({ assignee_id: 'agent-7' })],
    ...over,
  };
}

describe('Conversation view', { timeout: 30_000 }, () => {
  it('shows the transcript by sender, the summary card, the Case number as a link, intents and entities', async () => {
    mockFetch(routes());
    renderConsole(`/conversations/${CID}`);

    expect(await screen.findByRole('heading', { level: 1, name: 'Jane Doe' })).toBeInTheDocument();
    const transcript = screen.getByTestId('transcript');
    const bubbles = within(transcript).getAllByTestId('message');
    expect(bubbles.map((b) => b.dataset.sender)).toEqual(['user', 'ai_agent', 'user']);
    expect(within(bubbles[1]!).getByText('AI assistant')).toBeInTheDocument();
    expect(within(bubbles[1]!).getByRole('link', { name: 'REQUEST_LIMIT_EXCEEDED explained' }))
      .toHaveAttribute('href', 'https://help.example/articles/request-limit-exceeded');

    const card = await screen.findByTestId('summary-card');
    await waitFor(() => expect(card).toHaveTextContent('Speak to human: Our API calls fail with REQUEST_LIMIT_EXCEEDED'));
    expect(card).toHaveTextContent('Greet the customer by name.');
    expect(within(card).getByTestId('sla-countdown')).toHaveTextContent(/First response (due|breached)/);

    const link = screen.getByTestId('case-link');
    expect(link).toHaveTextContent('00001004');
    expect(link).toHaveAttribute('href', 'https://sf.example/lightning/r/Case/5005g0000004CAVAA2/view');

    const intents = await screen.findByRole('list', { name: 'Intents over time' });
    expect(within(intents).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'Api request limit (99%) · sentiment -0.58',
      'Speak to human (97%) · sentiment -0.36',
    ]);
    const entities = screen.getAllByTestId('entity').map((e) => e.textContent);
    expect(entities).toEqual(['Sf error code: REQUEST_LIMIT_EXCEEDED', 'Org id: 00D5g000000abcd']);
  });

  it('falls back to the case number of the summary card when the conversation has no Salesforce link', async () => {
    mockFetch(routes({ [`GET /v1/conversations/${CID}`]: conversation({ metadata: {}, salesforce_case_id: null }) }));
    renderConsole(`/conversations/${CID}`);
    expect(await screen.findByTestId('case-link')).toHaveTextContent('Case 00001004');
  });

  it('fills the reply box from a suggestion, lets the agent edit it, and Send posts it', async () => {
    const calls = mockFetch(routes({
      [`POST /v1/conversations/${CID}/messages`]: { message_id: 'm9', response: null, response_message_id: null, status: 'escalated' },
    }));
    renderConsole(`/conversations/${CID}`);
    const suggestions = await screen.findAllByTestId('suggestion');
    expect(suggestions).toHaveLength(2);
    const reply = screen.getByRole('textbox', { name: 'Reply' });
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();

    await userEvent.click(suggestions[0]!);
    expect(reply).toHaveValue('Your daily API limit resets at midnight UTC.');
    expect(reply).toHaveFocus();
    await userEvent.type(reply, ' Sorry for the trouble.');
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));

    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST') as Call;
    expect(post.path).toBe(`/v1/conversations/${CID}/messages`);
    expect(post.body).toEqual({ content: 'Your daily API limit resets at midnight UTC. Sorry for the trouble.' });
    await waitFor(() => expect(reply).toHaveValue(''));
  });

  it('appends a live customer message from the WebSocket and ignores other conversations', async () => {
    mockFetch(routes());
    renderConsole(`/conversations/${CID}`, { realtime: true });
    const transcript = await screen.findByTestId('transcript');
    await waitFor(() => expect(FakeWebSocket.last?.sent).toContainEqual({ type: 'subscribe', conversation_id: CID }));
    const ws = FakeWebSocket.last!;

    act(() => ws.emit({ type: 'message_received', message: message({ id: 'm4', content: 'Still waiting…', created_at: '2026-01-01T00:02:00Z' }) }));
    act(() => ws.emit({ type: 'message_received', message: message({ id: 'x1', conversation_id: 'someone-else', content: 'Not here' }) }));
    act(() => ws.emit({ type: 'typing_indicator', conversation_id: CID, sender: 'customer', typing: true }));

    expect(await within(transcript).findByText('Still waiting…')).toBeInTheDocument();
    expect(within(transcript).getAllByTestId('message')).toHaveLength(4);
    expect(within(transcript).getAllByTestId('message').at(-1)).toHaveTextContent('Still waiting…');
    expect(screen.queryByText('Not here')).not.toBeInTheDocument();
    expect(screen.getByText('Jane Doe is typing…')).toBeInTheDocument();

    // The same message over REST and the socket shows once.
    act(() => ws.emit({ type: 'message_received', message: message({ id: 'm4', content: 'Still waiting…', created_at: '2026-01-01T00:02:00Z' }) }));
    expect(within(transcript).getAllByTestId('message')).toHaveLength(4);
  });

  it('shows the AI reply as it streams, then the stored reply once', async () => {
    mockFetch(routes());
    renderConsole(`/conversations/${CID}`, { realtime: true });
    const transcript = await screen.findByTestId('transcript');
    await waitFor(() => expect(FakeWebSocket.last?.sent).toContainEqual({ type: 'subscribe', conversation_id: CID }));
    const ws = FakeWebSocket.last!;
    act(() => ws.emit({ type: 'ai_response_delta', conversation_id: CID, delta: 'Your limit ' }));
    act(() => ws.emit({ type: 'ai_response_delta', conversation_id: CID, delta: 'resets **daily**.' }));
    act(() => ws.emit({ type: 'ai_response_delta', conversation_id: 'other', delta: 'nope' }));
    expect(screen.getByTestId('ai-draft')).toHaveTextContent('AI assistant is writing: Your limit resets **daily**.');
    act(() => ws.emit({ type: 'ai_response', message: message({ id: 'm5', sender_type: 'ai_agent', content: 'Your limit resets **daily**.', created_at: '2026-01-01T00:03:00Z' }) }));
    expect(screen.queryByTestId('ai-draft')).not.toBeInTheDocument();
    const last = within(transcript).getAllByTestId('message').at(-1)!;
    expect(last).toHaveAttribute('data-sender', 'ai_agent');
    // Markdown bold is rendered as such, not as asterisks.
    expect(within(last).getByText('daily').tagName).toBe('STRONG');
  });

  it('claims, transfers to a queue, and resolves', async () => {
    const calls = mockFetch(routes({
      [`POST /v1/conversations/${CID}/claim`]: conversation({ assignee_id: 'agent-1' }),
      [`POST /v1/conversations/${CID}/transfer`]: conversation({ queue: 'billing' }),
      [`POST /v1/conversations/${CID}/resolve`]: conversation({ status: 'resolved' }),
    }));
    renderConsole(`/conversations/${CID}`);
    await userEvent.click(await screen.findByRole('button', { name: 'Claim' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path.endsWith('/claim'))).toBe(true));

    await userEvent.click(screen.getByRole('button', { name: 'Transfer' }));
    const dialog = await screen.findByRole('dialog', { name: 'Transfer conversation' });
    // Agents transfer to queues only.
    expect(within(dialog).queryByRole('radio', { name: 'A specific agent' })).not.toBeInTheDocument();
    await userEvent.type(within(dialog).getByRole('combobox', { name: 'Queue' }), 'billing');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Transfer' }));
    await waitFor(() => expect(calls.find((c) => c.path.endsWith('/transfer'))?.body).toEqual({ queue: 'billing' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

    await userEvent.click(screen.getByRole('button', { name: 'Resolve' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path.endsWith('/resolve'))).toBe(true));
  });

  it('lets a supervisor reassign to a specific agent and shows the server refusing it', async () => {
    const calls = mockFetch(routes({
      'GET /v1/admin/users': [
        { id: 'agent-7', email: 'alex@example.com', display_name: 'Alex Agent', role: 'agent', status: 'active' },
        { id: 'cust-1', email: 'jane@example.com', display_name: 'Jane Doe', role: 'customer', status: 'active' },
      ],
      [`POST /v1/conversations/${CID}/transfer`]: () => new Response(
        JSON.stringify({ error: { code: 1001, name: 'validation_failed', message: 'unknown field `assignee_id`' } }),
        { status: 422, headers: { 'Content-Type': 'application/json' } }),
    }));
    renderConsole(`/conversations/${CID}`, { role: 'supervisor', userId: 'sup-1' });
    await userEvent.click(await screen.findByRole('button', { name: 'Transfer' }));
    const dialog = await screen.findByRole('dialog', { name: 'Transfer conversation' });
    await userEvent.click(within(dialog).getByRole('radio', { name: 'A specific agent' }));
    await userEvent.click(within(dialog).getByRole('combobox', { name: 'Agent' }));
    // Staff come from /v1/admin/users when the server lists them (customers left out).
    await userEvent.click(await screen.findByRole('option', { name: 'Alex Agent' }));
    expect(within(dialog).getByRole('combobox', { name: 'Agent' })).toHaveValue('agent-7');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Transfer' }));
    await waitFor(() => expect(calls.find((c) => c.path.endsWith('/transfer'))?.body).toEqual({ queue: 'general_support', assignee_id: 'agent-7' }));
    expect(await within(dialog).findByText('unknown field `assignee_id`')).toBeInTheDocument();
  });
});
