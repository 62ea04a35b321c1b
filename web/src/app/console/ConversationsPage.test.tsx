import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { conversation, escalation, CID } from './fixtures';
import { mockFetch, renderConsole, setupDom } from './testing';

beforeEach(() => setupDom());
afterEach(() => vi.unstubAllGlobals());

const items = [
  conversation({ id: 'c1', metadata: { customer: { name: 'Jane Doe' }, salesforce: { case_number: '00001004' } }, queue: 'general_support', assignee_id: 'agent-1' }),
  conversation({ id: 'c2', metadata: { customer: { name: 'Bob Stone' } }, queue: 'billing', assignee_id: null, status: 'waiting_for_user', channel: 'email' }),
  conversation({ id: 'c3', metadata: { customer: { name: 'Ann Lee' } }, queue: 'billing', assignee_id: 'agent-2' }),
];

function names() {
  return screen.queryAllByTestId('conversation-row').map((r) => within(r).getAllByRole('cell')[0]!.textContent);
}

describe('Conversation list', { timeout: 30_000 }, () => {
  it('filters by status and channel on the server, by queue, assignee and search here, and pages with cursors', async () => {
    const calls = mockFetch({
      'GET /v1/conversations': (c: { search: string }) =>
        new URLSearchParams(c.search).get('cursor') === 'next-1'
          ? { items: [conversation({ id: 'c9', metadata: { customer: { name: 'Page Two' } } })], next_cursor: null }
          : { items, next_cursor: 'next-1' },
      'GET /v1/queues': [],
    });
    const { router } = renderConsole('/conversations?queue=billing');
    await waitFor(() => expect(names()).toEqual(['Bob Stone', 'Ann Lee']));

    await userEvent.click(screen.getByRole('switch', { name: 'Assigned to me' }));
    await waitFor(() => expect(names()).toEqual([]));
    expect(screen.getByText('No conversations match.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('switch', { name: 'Assigned to me' }));

    await userEvent.click(screen.getByRole('combobox', { name: 'Queue' }));
    await userEvent.click(screen.getByRole('option', { name: 'Any queue' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Search' }), '00001004');
    await waitFor(() => expect(names()).toEqual(['Jane Doe']));
    expect(router.state.location.search).toContain('q=00001004');
    await userEvent.clear(screen.getByRole('textbox', { name: 'Search' }));

    await userEvent.click(screen.getByRole('combobox', { name: 'Status' }));
    await userEvent.click(screen.getByRole('option', { name: 'Escalated' }));
    await waitFor(() => expect(calls.at(-1)?.search).toContain('status=escalated'));
    await userEvent.click(screen.getByRole('combobox', { name: 'Channel' }));
    await userEvent.click(screen.getByRole('option', { name: 'Email' }));
    await waitFor(() => expect(calls.at(-1)?.search).toMatch(/status=escalated.*channel=email|channel=email.*status=escalated/));

    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(names()).toEqual(['Page Two']));
    expect(calls.at(-1)?.search).toContain('cursor=next-1');
    expect(screen.getByText('Page 2')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Next page' })).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Previous page' }));
    await waitFor(() => expect(names()).toEqual(['Jane Doe', 'Bob Stone', 'Ann Lee']));
  });

  it('opens a conversation from its row', async () => {
    mockFetch({ 'GET /v1/conversations': { items, next_cursor: null }, 'GET /v1/queues': [] });
    const { router } = renderConsole('/conversations');
    await userEvent.click(await screen.findByRole('link', { name: 'Bob Stone' }));
    expect(router.state.location.pathname).toBe('/conversations/c2');
  });
});

describe('accessibility (axe, without colour contrast, which jsdom cannot compute)', { timeout: 30_000 }, () => {
  async function check(container: HTMLElement) {
    const r = await axe.run(container, { rules: { 'color-contrast': { enabled: false } }, resultTypes: ['violations'] });
    const serious = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }

  it('the list, the queues and the conversation view have no serious violations', async () => {
    mockFetch({
      'GET /v1/conversations': { items, next_cursor: null },
      'GET /v1/queues': [{ queue: 'general_support', open: 1, unassigned: 1, breached: 0, next_deadline: null }],
      'GET /v1/escalations': [escalation()],
      [`GET /v1/conversations/${CID}`]: conversation(),
      [`GET /v1/conversations/${CID}/escalation`]: escalation(),
      [`GET /v1/conversations/${CID}/suggestions`]: [{ text: 'Hello', citations: [], provider: 'local' }],
    });
    const list = renderConsole('/conversations');
    await screen.findByRole('link', { name: 'Bob Stone' });
    await check(list.container);
    list.unmount();

    const queues = renderConsole('/queues');
    await screen.findByRole('heading', { name: 'General support' });
    await check(queues.container);
    queues.unmount();

    const view = renderConsole(`/conversations/${CID}`);
    await screen.findAllByTestId('suggestion');
    await waitFor(() => expect(screen.getByTestId('summary-card')).toHaveTextContent('Next step'));
    await check(view.container);
  });
});
