import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { WorkflowsPage } from './WorkflowsPage';
import { installDomPolyfills, mockFetch, renderPage } from './testing';

vi.setConfig({ testTimeout: 30_000 });

beforeEach(() => installDomPolyfills());
afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('WorkflowsPage', () => {
  it('shows each workflow with its triggers, slots in order, confirmation and action', async () => {
    mockFetch((c) =>
      c.url.pathname === '/v1/admin/workflows'
        ? { body: { workflows: [{
            name: 'change_plan', title: 'Change plan', description: 'Moves the subscription to another plan.', triggers: ['change_plan', 'upgrade'],
            slots: [
              { name: 'plan', kind: 'plan', prompt: { en: 'Which plan?' }, options: [{ value: 'starter' }, { value: 'professional', synonyms: ['pro'] }], max_attempts: 3 },
              { name: 'email', kind: 'email', prompt: 'Your email?', pattern: '.+@acme\\.com' },
            ],
            confirm: { en: 'Switch to {{ plan }}?' },
            action: { kind: 'change_plan', authorization: 'verified_customer', params: { plan: '{{ plan }}' } },
            success: { en: 'Done.' }, failure: { en: 'Could not change it.' },
          }] } }
        : undefined,
    );
    const user = userEvent.setup();
    renderPage(<WorkflowsPage />);
    const heading = await screen.findByRole('heading', { name: /Change plan/, level: 2 });
    await user.click(within(heading).getByRole('button'));
    const steps = await screen.findByRole('table', { name: 'Steps of Change plan' });
    const rows = within(steps).getAllByRole('row').slice(1).map((r) => r.textContent);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toContain('Ask for plan');
    expect(rows[0]).toContain('starter, professional');
    expect(rows[1]).toContain('Your email?');
    expect(rows[1]).toContain('.+@acme\\.com');
    expect(rows[2]).toContain('Switch to {{ plan }}?');
    expect(rows[3]).toContain('Run change_plan');
    expect(rows[3]).toContain('needs verified customer');
    expect(screen.getByText('upgrade')).toBeInTheDocument();
  });
});
