import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { IntentsPage, examplesOf } from './IntentsPage';
import { installDomPolyfills, mockFetch, renderPage } from './testing';

// The machine may be busy (charts and MUI menus are slow under jsdom).
vi.setConfig({ testTimeout: 30_000 });

beforeEach(() => installDomPolyfills());
afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

const intents = [
  { name: 'billing', description: 'Invoices and payments', examples: ['where is my invoice', 'I was charged twice'] },
  { name: 'password_reset', examples: ['reset my password'] },
];

describe('IntentsPage', () => {
  it('saves the edited examples of the chosen intent', async () => {
    const { calls } = mockFetch((c) => {
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/intents') return { body: { intents } };
      if (c.method === 'PUT' && c.url.pathname === '/v1/admin/intents/password_reset/examples') return { body: { name: 'password_reset', examples: [] } };
      return undefined;
    });
    const user = userEvent.setup();
    renderPage(<IntentsPage />);
    expect(screen.getByRole('heading', { name: 'Intents', level: 1 })).toBeInTheDocument();
    await user.click(await screen.findByRole('button', { name: /password_reset/ }));
    const editor = screen.getByRole('textbox', { name: 'Examples' });
    expect(editor).toHaveValue('reset my password');
    fireEvent.change(editor, { target: { value: 'reset my password\n  forgot my password \n\nreset my password' } });
    await user.click(screen.getByRole('button', { name: 'Save examples' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(JSON.parse(put.body!)).toEqual({ examples: ['reset my password', 'forgot my password'] });
    expect(await screen.findByText(/Retrain the classifier/)).toBeInTheDocument();
  });

  it('retrains with progress and shows the evaluation result', async () => {
    let polls = 0;
    mockFetch((c) => {
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/intents') return { body: intents };
      if (c.method === 'POST' && c.url.pathname === '/v1/admin/intents/retrain') return { status: 202, body: { job_id: 'job-7' } };
      if (c.method === 'GET' && c.url.pathname === '/v1/admin/intents/retrain/job-7') {
        polls += 1;
        return polls === 1
          ? { body: { state: 'running', progress: 0.4, result: null } }
          : { body: { state: 'done', progress: 1, result: { accuracy: 0.9312, macro_f1: 0.9104, n: 480, train_seconds: 3.25 } } };
      }
      return undefined;
    });
    const user = userEvent.setup();
    renderPage(<IntentsPage />);
    await screen.findByRole('button', { name: /billing/ });
    await user.click(screen.getByRole('button', { name: 'Retrain' }));
    const status = await screen.findByTestId('retrain-status');
    await waitFor(() => expect(status).toHaveTextContent('running (40%)'));
    expect(within(status).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '40');
    expect(screen.getByRole('button', { name: 'Retrain' })).toBeDisabled();

    const result = await screen.findByTestId('retrain-result', {}, { timeout: 5000 });
    expect(result).toHaveTextContent('accuracy 93.1%');
    expect(result).toHaveTextContent('macro F1 0.910');
    expect(result).toHaveTextContent('480');
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retrain' })).toBeEnabled();
    // Polling stops once the job is done.
    const after = polls;
    await new Promise((r) => setTimeout(r, 1500));
    expect(polls).toBe(after);
  });

  it('reads examples one per line', () => {
    expect(examplesOf(' a \n\nb\na\n')).toEqual(['a', 'b']);
  });
});
