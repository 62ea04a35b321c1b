import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { escalation, queue } from './fixtures';
import { FakeWebSocket, mockFetch, renderConsole, setupDom } from './testing';
import { QueuesNavIcon } from './StaffEvents';

const NOW = new Date('2026-01-01T00:01:00Z');

beforeEach(() => {
  setupDom();
  localStorage.clear();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('Queues', { timeout: 30_000 }, () => {
  it('shows counts per queue and SLA countdowns that tick each second and turn red when breached', async () => {
    // Only the clock and intervals are fake: fetches and testing-library's polling stay real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(NOW);
    mockFetch({
      'GET /v1/queues': [
        queue({ queue: 'general_support', open: 3, unassigned: 2, breached: 0, next_deadline: '2026-01-01T00:05:20Z' }),
        queue({ queue: 'billing', open: 1, unassigned: 0, breached: 1 }),
      ],
      'GET /v1/escalations': [
        escalation(),
        escalation({ id: 'esc-2', conversation_id: 'c2', queue: 'billing', assignee_id: 'agent-9', first_response_at: '2026-01-01T00:00:30Z',
          sla_deadline: '2025-12-31T23:59:00Z', breached_at: '2026-01-01T00:00:00Z', breach_kind: 'resolution', summary: { title: 'Invoice missing' } }),
      ],
    });
    renderConsole('/queues');

    const general = (await screen.findByRole('heading', { name: 'General support' })).closest('section')!;
    expect(within(general as HTMLElement).getByTestId('queue-waiting')).toHaveTextContent('2');
    expect(within(general as HTMLElement).getByTestId('queue-open')).toHaveTextContent('3');
    expect(screen.getByTestId('queues-total')).toHaveTextContent('2 waiting');
    const billing = screen.getByRole('heading', { name: 'Billing' }).closest('section') as HTMLElement;
    expect(within(billing).getByText('1 breached')).toBeInTheDocument();

    const countdown = await within(general as HTMLElement).findByTestId('sla-countdown');
    expect(countdown).toHaveTextContent('First response due in 4:20');
    expect(countdown).toHaveAttribute('data-breached', 'false');
    // The oldest wait counts up from the escalation's creation (00:00:20).
    expect(within(general as HTMLElement).getByTestId('queue-oldest')).toHaveTextContent('0:40');
    // The next deadline is the one that runs out first: the first response, not the resolution.
    expect(within(general as HTMLElement).getByTestId('queue-next-deadline')).toHaveTextContent('in 4:20');

    act(() => vi.advanceTimersByTime(1000));
    expect(countdown).toHaveTextContent('First response due in 4:19');
    expect(within(general as HTMLElement).getByTestId('queue-oldest')).toHaveTextContent('0:41');

    act(() => vi.advanceTimersByTime(5 * 60_000));
    expect(countdown).toHaveTextContent('First response breached 0:41 ago');
    expect(countdown).toHaveAttribute('data-breached', 'true');

    // A claimed escalation past its resolution deadline counts the resolution SLA.
    expect(within(billing).getByTestId('sla-countdown')).toHaveTextContent(/^Resolution breached/);
  });

  it('links a queue to the conversation list filtered by it', async () => {
    mockFetch({ 'GET /v1/queues': [queue({ queue: 'general_support' })], 'GET /v1/escalations': [], 'GET /v1/conversations': { items: [], next_cursor: null } });
    const { router } = renderConsole('/queues');
    await userEvent.click(await screen.findByRole('link', { name: 'View conversations in General support' }));
    expect(router.state.location.pathname).toBe('/conversations');
    expect(router.state.location.search).toBe('?queue=general_support');
    expect(await screen.findByRole('heading', { name: 'Conversations' })).toBeInTheDocument();
  });

  it('lets an agent follow queues and shows only those', async () => {
    const routes = {
      'GET /v1/queues': [queue({ queue: 'general_support' }), queue({ queue: 'billing' })],
      'GET /v1/escalations': [],
    };
    mockFetch(routes);
    const agent = renderConsole('/queues', { role: 'agent', userId: 'agent-1' });
    await userEvent.click(await screen.findByRole('switch', { name: 'Follow Billing' }));
    agent.unmount();

    renderConsole('/queues', { role: 'agent', userId: 'agent-1' });
    expect(await screen.findByRole('heading', { name: 'Billing' })).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'General support' })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('switch', { name: 'Show all queues' }));
    expect(screen.getByRole('heading', { name: 'General support' })).toBeInTheDocument();
  });

  it('shows a supervisor every queue, without follow switches', async () => {
    localStorage.setItem('concierge.console.queues.sup-1', JSON.stringify(['billing']));
    mockFetch({ 'GET /v1/queues': [queue({ queue: 'general_support' }), queue({ queue: 'billing' })], 'GET /v1/escalations': [] });
    renderConsole('/queues', { role: 'supervisor', userId: 'sup-1' });
    expect(await screen.findByRole('heading', { name: 'General support' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Billing' })).toBeInTheDocument();
    expect(screen.queryByRole('switch', { name: /^Follow/ })).not.toBeInTheDocument();
  });

  it('subscribes to staff events, notifies on an escalation to a followed queue and refreshes the counts', async () => {
    let waiting = 1;
    mockFetch({
      'GET /v1/queues': () => [queue({ queue: 'general_support', open: waiting, unassigned: waiting })],
      'GET /v1/escalations': [],
    });
    localStorage.setItem('concierge.console.queues.agent-1', JSON.stringify(['general_support']));
    const { store } = renderConsole('/queues', { realtime: true, extra: <QueuesNavIcon /> });
    await waitFor(() => expect(screen.getByTestId('queues-total')).toHaveTextContent('1 waiting'));
    await waitFor(() => expect(FakeWebSocket.last?.sent).toContainEqual({ type: 'subscribe_queues' }));
    const ws = FakeWebSocket.last!;

    // Another queue: counts refresh, but no notification for this agent.
    waiting = 1;
    act(() => ws.emit({ type: 'escalated', conversation_id: 'c-other', queue: 'billing', priority: 'low', reason: 'x' }));
    waiting = 2;
    act(() => ws.emit({ type: 'escalated', conversation_id: 'c-9', queue: 'general_support', priority: 'high', reason: 'customer_requested_human', case_number: '00001010' }));
    await waitFor(() => expect(screen.getByTestId('queues-total')).toHaveTextContent('2 waiting'));
    const notices = store.getState().notifications.items;
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ link: '/conversations/c-9', severity: 'warning' });
    expect(notices[0]!.text).toContain('General support');
    expect(notices[0]!.text).toContain('Case 00001010');
  });
});
