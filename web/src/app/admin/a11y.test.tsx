// Every admin page, with data, has no serious or critical axe violations
// (colour contrast is left out: jsdom cannot compute it; the theme's colours
// are chosen for AA contrast).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReactElement } from 'react';
import { screen } from '@testing-library/react';
import axe from 'axe-core';
import { AnalyticsPage } from './AnalyticsPage';
import { ApiKeysPage } from './ApiKeysPage';
import { IntegrationsPage } from './IntegrationsPage';
import { IntentsPage } from './IntentsPage';
import { KnowledgePage } from './KnowledgePage';
import { RulesPage } from './RulesPage';
import { UsersPage } from './UsersPage';
import { WorkflowsPage } from './WorkflowsPage';
import { adminNav, adminRoutes } from './routes';
import { installDomPolyfills, mockFetch, renderPage } from './testing';

vi.setConfig({ testTimeout: 30_000 });

beforeEach(() => installDomPolyfills());
afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

const totals = {
  conversations: 10, closed: 8, resolved_by_ai: 5, resolved_by_human: 3, abandoned: 0, escalated: 3, deflection_rate: 0.5,
  escalation_rate: 0.3, first_contact_resolution: 0.9, resolution_seconds_avg: 300, resolution_seconds_p90: 900,
  first_response_seconds_avg: 20, first_response_seconds_p90: 40, csat_avg: 4.5, csat_responses: 4, confidence_avg: 0.8,
};

const workflow = {
  name: 'password_reset', title: 'Password reset', description: 'Sends a reset link', triggers: ['password_reset'],
  slots: [{ name: 'username', kind: 'username', prompt: { en: 'Your username?', es: '¿Su usuario?' }, max_attempts: 3 }],
  confirm: { en: 'Send it?' }, action: { kind: 'password_reset', authorization: 'verified_customer', params: { user: '{{ username }}' } },
  success: { en: 'Sent.' }, failure: { en: 'Could not.' },
};

function server() {
  mockFetch((c) => {
    const p = c.url.pathname;
    if (p === '/v1/analytics/overview')
      return { body: { from: '', to: '', channel: null, totals, series: [{ start: '2025-03-01T00:00:00Z', ...totals }], escalation_reasons: { vip: 2 }, intents: { billing: 4 }, decisions: {}, fallback_rate: 0.1, llm: [], truncated: false } };
    if (p === '/v1/analytics/series') return { body: [{ start: '2025-03-01T00:00:00Z', ...totals, llm_cost_usd: 0.2 }] };
    if (p === '/v1/api-keys') return { body: [{ id: 'k', name: 'zapier', prefix: 'ck_live_1', role: 'service', created_at: '2025-01-01T00:00:00Z', last_used_at: null, revoked_at: null }] };
    if (p === '/v1/admin/salesforce') return { body: { source: 'tenant', settings: { auth: { flow: 'jwt_bearer', client_id: 'x' } } } };
    if (p === '/v1/admin/outbox') return { body: { events: [{ id: 1, topic: 't', payload: {}, status: 'dead', attempts: 3, next_attempt_at: '', created_at: '' }] } };
    if (p === '/v1/admin/intents') return { body: [{ name: 'billing', examples: ['invoice'] }] };
    if (p === '/v1/admin/knowledge') return { body: [{ id: 'a', title: 'Reset', version: 1, tags: ['x'], language: 'en', slug: 'a', created_at: '', cited: 2, resolved: 1 }] };
    if (p === '/v1/admin/rules') return { body: { version: 1, format: 'yaml', document: 'version: 1\n', rules: 0 } };
    if (p === '/v1/admin/users') return { body: [{ id: 'u2', email: 'ann@example.com', display_name: 'Ann', role: 'agent', status: 'active', created_at: '' }] };
    if (p === '/v1/admin/roles') return { body: [{ name: 'agent', description: 'Conversations' }] };
    if (p === '/v1/admin/workflows') return { body: { workflows: [workflow] } };
    return undefined;
  });
}

async function check(container: HTMLElement) {
  const r = await axe.run(container, { rules: { 'color-contrast': { enabled: false } }, resultTypes: ['violations'] });
  const serious = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

const pages: [string, ReactElement, string][] = [
  ['Analytics', <AnalyticsPage />, 'CSAT'],
  ['Knowledge', <KnowledgePage />, 'Reset'],
  ['Intents', <IntentsPage />, 'invoice'],
  ['Rules', <RulesPage />, 'Stored version 1'],
  ['Workflows', <WorkflowsPage />, 'Password reset'],
  ['Integrations', <IntegrationsPage />, 'Dead letters'],
  ['Users & roles', <UsersPage />, 'ann@example.com'],
  ['API keys', <ApiKeysPage />, 'zapier'],
];

describe('admin accessibility', () => {
  it.each(pages)('%s has a heading and no serious axe violations', async (title, page, marker) => {
    server();
    const { container } = renderPage(page);
    expect(screen.getByRole('heading', { level: 1, name: title })).toBeInTheDocument();
    await screen.findAllByText(new RegExp(marker));
    await check(container);
  });

  it('routes and navigation cover every page', () => {
    expect(adminRoutes.map((r) => r.path)).toEqual(expect.arrayContaining([
      'admin/analytics', 'admin/knowledge', 'admin/intents', 'admin/rules', 'admin/workflows', 'admin/integrations', 'admin/users', 'admin/api-keys',
    ]));
    for (const n of adminNav) expect(adminRoutes.some((r) => `/${r.path}` === n.to)).toBe(true);
    expect(adminNav.find((n) => n.to === '/admin/analytics')?.roles).toEqual(['admin', 'supervisor']);
  });
});

describe('admin accessibility of states', () => {
  it('the rules errors, the article editor and the new key secret have no serious violations', async () => {
    const { default: userEvent } = await import('@testing-library/user-event');
    const user = userEvent.setup();
    mockFetch((c) => {
      const p = c.url.pathname;
      if (p === '/v1/admin/rules') return { body: { version: 1, format: 'yaml', document: 'version: 1\n', rules: 0 } };
      if (p === '/v1/admin/rules/validate')
        return { status: 422, body: { error: { code: 42200, name: 'validation', message: 'bad', details: { rule: 'vip', field: 'then', message: 'unknown', line: 1, column: 2 } } } };
      if (p === '/v1/admin/knowledge') return { body: [{ id: 'a', title: 'Reset', version: 2, tags: [], language: 'en', slug: 'a', created_at: '' }] };
      if (p === '/v1/admin/knowledge/a')
        return { body: { id: 'a', title: 'Reset', body: 'x', version: 2, tags: [], language: 'en', slug: 'a', created_at: '', versions: [{ id: 'a', title: 'Reset', body: 'y', version: 1, tags: [], language: 'en', slug: 'a', created_at: '' }] } };
      if (p === '/v1/api-keys' && c.method === 'GET') return { body: [] };
      if (p === '/v1/api-keys') return { status: 201, body: { key: 'ck_secret', api_key: { id: 'k', name: 'n', prefix: 'ck', role: 'service', created_at: '', last_used_at: null, revoked_at: null } } };
      return undefined;
    });
    const rules = renderPage(<RulesPage />);
    await screen.findByText(/Stored version 1/);
    await user.click(screen.getByRole('button', { name: 'Validate' }));
    await screen.findByTestId('rule-error');
    await check(rules.container);
    rules.unmount();

    const kb = renderPage(<KnowledgePage />);
    await user.click(await screen.findByRole('button', { name: 'Edit Reset' }));
    await screen.findByTestId('version-history');
    await check(document.body);
    kb.unmount();

    renderPage(<ApiKeysPage />);
    await user.type(await screen.findByRole('textbox', { name: /Name/ }), 'n');
    await user.click(screen.getByRole('button', { name: 'Create key' }));
    await screen.findByTestId('api-key-secret');
    await check(document.body);
  });
});
