import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ApiKeysPage } from './ApiKeysPage';
import { installDomPolyfills, mockFetch, renderPage } from './testing';

// The machine may be busy (charts and MUI menus are slow under jsdom).
vi.setConfig({ testTimeout: 30_000 });

beforeEach(() => installDomPolyfills());
afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

const existing = {
  id: 'k1', org_id: 'o1', name: 'zapier', prefix: 'ck_live_ab12cd34', role: 'service',
  created_at: '2025-01-01T00:00:00Z', last_used_at: null, revoked_at: null,
};

describe('ApiKeysPage', () => {
  it('shows the new secret once, copies it, and never again after closing', async () => {
    const keys = [existing];
    const { calls } = mockFetch((c) => {
      if (c.url.pathname === '/v1/api-keys' && c.method === 'GET') return { body: keys };
      if (c.url.pathname === '/v1/api-keys' && c.method === 'POST') {
        const k = { ...existing, id: 'k2', name: 'crm', prefix: 'ck_live_ff00ee11', role: 'agent' };
        keys.push(k);
        return { status: 201, body: { key: 'ck_live_ff00ee11_SECRET', api_key: k } };
      }
      return undefined;
    });
    const user = userEvent.setup();
    // After setup: user-event installs its own clipboard.
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    renderPage(<ApiKeysPage />);
    expect(await screen.findByText('zapier')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'API keys' })).toBeInTheDocument();

    await user.type(screen.getByRole('textbox', { name: /Name/ }), 'crm');
    await user.click(screen.getByRole('combobox', { name: 'Role' }));
    await user.click(await screen.findByRole('option', { name: 'agent' }));
    await user.click(screen.getByRole('button', { name: 'Create key' }));

    const dialog = await screen.findByRole('dialog', { name: 'API key created' });
    expect(within(dialog).getByTestId('api-key-secret')).toHaveValue('ck_live_ff00ee11_SECRET');
    const post = calls.find((c) => c.method === 'POST');
    expect(JSON.parse(post?.body ?? '{}')).toEqual({ name: 'crm', role: 'agent' });

    await user.click(within(dialog).getByRole('button', { name: 'Copy key' }));
    expect(writeText).toHaveBeenCalledWith('ck_live_ff00ee11_SECRET');
    expect(await within(dialog).findByText('Copied to the clipboard.')).toBeInTheDocument();

    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    // The list shows the new key by its prefix; the secret is nowhere on the page.
    expect(await screen.findByText('crm')).toBeInTheDocument();
    expect(document.body).not.toHaveTextContent('SECRET');
    expect(screen.queryByDisplayValue(/SECRET/)).not.toBeInTheDocument();
  });

  it('revokes a key after confirmation', async () => {
    const { calls } = mockFetch((c) => {
      if (c.url.pathname === '/v1/api-keys' && c.method === 'GET') return { body: [existing] };
      if (c.url.pathname === '/v1/api-keys/k1' && c.method === 'DELETE') return { body: { ...existing, revoked_at: '2025-02-01T00:00:00Z' } };
      return undefined;
    });
    const user = userEvent.setup();
    renderPage(<ApiKeysPage />);
    await user.click(await screen.findByRole('button', { name: 'Revoke zapier' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke zapier?' });
    await user.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.url.pathname === '/v1/api-keys/k1')).toBe(true));
  });
});
