import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { IntegrationsPage } from './IntegrationsPage';
import { apiError, installDomPolyfills, mockFetch, renderPage } from './testing';

// The machine may be busy (charts and MUI menus are slow under jsdom).
vi.setConfig({ testTimeout: 30_000 });

beforeEach(() => installDomPolyfills());
afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

const stored = {
  enabled: true, login_url: 'https://acme.my.salesforce.com', api_version: '62.0',
  auth: { flow: 'jwt_bearer', client_id: '3MVG9', username: 'int@acme.com', private_key_file: '/etc/concierge/sf.key' },
  fields: { external_id: 'Concierge_Id__c', tier: 'Account.Tier__c' }, queues: { billing: 'Billing Queue' },
  knowledge_languages: ['en_US'], subscribe: true,
};

const dead = { id: 17, org_id: 'o1', topic: 'case.comment', payload: { case: '5003' }, status: 'dead', attempts: 8, next_attempt_at: '2025-03-01T00:00:00Z', created_at: '2025-03-01T00:00:00Z' };

function server(putReply?: () => ReturnType<typeof apiError> | undefined) {
  return mockFetch((c) => {
    if (c.method === 'GET' && c.url.pathname === '/v1/admin/salesforce') return { body: { source: 'tenant', settings: stored } };
    if (c.method === 'PUT' && c.url.pathname === '/v1/admin/salesforce') return putReply?.() ?? { body: { source: 'tenant', settings: JSON.parse(c.body!) } };
    if (c.method === 'POST' && c.url.pathname === '/v1/admin/salesforce/test')
      return { body: { configured: true, connected: true, instance_url: 'https://acme.my.salesforce.com/', org_id: '00D5g000004ABCDEAA', api_requests_remaining: 14990, api_requests_max: 15000, error: null } };
    if (c.method === 'GET' && c.url.pathname === '/v1/admin/outbox') return { body: { status: c.url.searchParams.get('status'), events: c.url.searchParams.get('status') === 'dead' ? [dead] : [] } };
    if (c.method === 'POST' && c.url.pathname === '/v1/admin/outbox/17/retry') return { body: { id: 17, status: 'pending' } };
    return undefined;
  });
}

describe('IntegrationsPage', () => {
  it('tests the Salesforce connection and shows the result', async () => {
    server();
    const user = userEvent.setup();
    renderPage(<IntegrationsPage />);
    expect(screen.getByRole('heading', { name: 'Integrations', level: 1 })).toBeInTheDocument();
    await screen.findByRole('textbox', { name: 'Client ID' });
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    const result = await screen.findByTestId('sf-test-result');
    expect(result).toHaveTextContent('Connected to https://acme.my.salesforce.com/');
    expect(result).toHaveTextContent('00D5g000004ABCDEAA');
    expect(result).toHaveTextContent('14,990 of 15,000');
  });

  it('saves the form over the stored settings and shows a field error where the server names it', async () => {
    let n = 0;
    const { calls } = server(() => (++n === 1 ? apiError(422, 'salesforce.client_id: missing field `client_id`', { field: 'salesforce.client_id' }) : undefined));
    const user = userEvent.setup();
    renderPage(<IntegrationsPage />);
    const clientId = await screen.findByRole('textbox', { name: 'Client ID' });
    expect(clientId).toHaveValue('3MVG9');
    await user.clear(clientId);
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('salesforce.client_id: missing field `client_id`')).toBeInTheDocument();
    expect(clientId).toHaveAttribute('aria-invalid', 'true');

    await user.type(clientId, 'NEWKEY');
    await user.clear(screen.getByRole('textbox', { name: 'Knowledge languages' }));
    await user.type(screen.getByRole('textbox', { name: 'Knowledge languages' }), 'en_US, de');
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText(/Saved\./)).toBeInTheDocument();
    const put = calls.filter((c) => c.method === 'PUT').at(-1)!;
    const body = JSON.parse(put.body!);
    expect(body.auth).toEqual({ flow: 'jwt_bearer', client_id: 'NEWKEY', username: 'int@acme.com', private_key_file: '/etc/concierge/sf.key' });
    expect(body.knowledge_languages).toEqual(['en_US', 'de']);
    // What the form does not edit is kept.
    expect(body.queues).toEqual({ billing: 'Billing Queue' });
    expect(body.fields).toEqual(stored.fields);
  });

  it('lists dead letters and retries one', async () => {
    const { calls } = server();
    const user = userEvent.setup();
    renderPage(<IntegrationsPage />);
    const table = await screen.findByRole('table', { name: 'Outbox events' });
    expect(await within(table).findByText('case.comment')).toBeInTheDocument();
    await user.click(within(table).getByRole('button', { name: 'Retry event 17' }));
    expect(await screen.findByText('Event 17 is queued again.')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST' && c.url.pathname === '/v1/admin/outbox/17/retry')).toBe(true);
    await waitFor(() => expect(calls.filter((c) => c.url.pathname === '/v1/admin/outbox').length).toBeGreaterThan(1));
  });
});
