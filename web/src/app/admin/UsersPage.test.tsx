import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { UsersPage } from './UsersPage';
import { apiError, installDomPolyfills, mockFetch, renderPage } from './testing';

// The machine may be busy (charts and MUI menus are slow under jsdom).
vi.setConfig({ testTimeout: 30_000 });

beforeEach(() => installDomPolyfills());
afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

const user = (id: string, email: string, role: string, status = 'active') => ({
  id, org_id: 'o1', external_id: null, email, display_name: email.split('@')[0], role, customer_tier: null, status, created_at: '2025-01-01T00:00:00Z',
});

const users = [user('u1', 'admin@example.com', 'admin'), user('u2', 'ann@example.com', 'agent'), user('u3', 'bob@example.com', 'agent', 'disabled')];
const roles = [
  { name: 'admin', description: 'Everything', permissions: ['rules.write', 'users.write'] },
  { name: 'supervisor', description: 'Queues and analytics', permissions: ['analytics.read'] },
  { name: 'agent', description: 'Conversations', permissions: ['conversations.write'] },
];

describe('UsersPage', () => {
  it('changes a role, disables a user, and never offers it for yourself', async () => {
    const { calls } = mockFetch((c) => {
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/users') return { body: { users } };
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/roles') return { body: roles };
      if (c.method === 'PATCH') return { body: users[1] };
      return undefined;
    });
    const u = userEvent.setup();
    renderPage(<UsersPage />);
    expect(screen.getByRole('heading', { name: 'Users & roles', level: 1 })).toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'supervisor' })).toBeInTheDocument();
    expect(screen.getByLabelText('Permissions of admin')).toHaveTextContent('rules.write');

    expect(await screen.findByRole('combobox', { name: 'Role of admin' })).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Disable admin' })).not.toBeInTheDocument();

    await u.selectOptions(screen.getByRole('combobox', { name: 'Role of ann' }), 'supervisor');
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(1));
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.url.pathname).toBe('/v1/admin/users/u2');
    expect(JSON.parse(patch.body!)).toEqual({ role: 'supervisor' });
    expect(await screen.findByText('ann is now supervisor.')).toBeInTheDocument();

    await u.click(screen.getByRole('button', { name: 'Enable bob' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(2));
    expect(JSON.parse(calls.filter((c) => c.method === 'PATCH')[1]!.body!)).toEqual({ status: 'active' });
  });

  it('creates a user and shows the field the server rejects', async () => {
    let n = 0;
    const { calls } = mockFetch((c) => {
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/users') return { body: users };
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/roles') return { body: { roles: ['admin', 'supervisor', 'agent'] } };
      if (c.method === 'POST' && c.url.pathname === '/v1/admin/users')
        return ++n === 1
          ? apiError(409, 'email: a user with this email exists', { field: 'email' })
          : { status: 201, body: { user: { ...user('u4', 'cy@example.com', 'supervisor'), name: 'cy' }, generated_password: 'gen-Pass-1234567' } };
      return undefined;
    });
    const u = userEvent.setup();
    renderPage(<UsersPage />);
    await screen.findByText('ann@example.com');
    await u.click(screen.getByRole('button', { name: 'New user' }));
    const dialog = await screen.findByRole('dialog', { name: 'New user' });
    const email = within(dialog).getByRole('textbox', { name: 'Email' });
    await u.type(email, 'ann@example.com');
    await u.click(within(dialog).getByRole('button', { name: 'Create user' }));
    expect(await within(dialog).findByText('email: a user with this email exists')).toBeInTheDocument();
    expect(email).toHaveAttribute('aria-invalid', 'true');

    await u.clear(email);
    await u.type(email, 'cy@example.com');
    await u.click(within(dialog).getByRole('combobox', { name: 'Role' }));
    await u.click(await screen.findByRole('option', { name: 'supervisor' }));
    await u.click(within(dialog).getByRole('button', { name: 'Create user' }));
    // The password the server generated is shown once, then gone.
    const created = await screen.findByRole('dialog', { name: 'User created' });
    expect(within(created).getByText(/cy@example.com can sign in as supervisor/)).toBeInTheDocument();
    expect(within(created).getByTestId('generated-password')).toHaveValue('gen-Pass-1234567');
    await u.click(within(created).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.queryByText('gen-Pass-1234567')).not.toBeInTheDocument();
    expect(JSON.parse(calls.filter((c) => c.method === 'POST')[1]!.body!)).toEqual({ email: 'cy@example.com', role: 'supervisor' });
  });
});
