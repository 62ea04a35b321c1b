import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AnalyticsPage, filterOf } from './AnalyticsPage';
import { normaliseSeries } from './api';
import { installDomPolyfills, mockFetch, renderPage, type Call } from './testing';

// The machine may be busy (charts and MUI menus are slow under jsdom).
vi.setConfig({ testTimeout: 30_000 });

beforeEach(() => installDomPolyfills());
afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

const totals = {
  conversations: 120, closed: 100, resolved_by_ai: 60, resolved_by_human: 30, abandoned: 10, escalated: 40,
  deflection_rate: 0.5, escalation_rate: 0.3333, first_contact_resolution: 0.8, resolution_seconds_avg: 600,
  resolution_seconds_p90: 1800, first_response_seconds_avg: 45, first_response_seconds_p90: 90, csat_avg: 4.25,
  csat_responses: 37, confidence_avg: 0.7,
};

const overview = {
  from: '2025-03-01T00:00:00Z', to: '2025-03-03T00:00:00Z', channel: null, totals,
  series: [{ start: '2025-03-01T00:00:00Z', ...totals }, { start: '2025-03-02T00:00:00Z', ...totals }],
  escalation_reasons: { customer_request: 25, low_confidence: 15 }, intents: { billing: 30, password_reset: 20 },
  decisions: {}, fallback_rate: 0.05,
  llm: [{ provider: 'openai', model: 'gpt-4o-mini', calls: 200, prompt_tokens: 10000, completion_tokens: 2000, cost_usd: 1.5 }],
  truncated: false,
};

function server(seriesStatus = 200) {
  return mockFetch((c) => {
    if (c.url.pathname === '/v1/analytics/overview') return { body: overview };
    if (c.url.pathname === '/v1/analytics/series') {
      if (seriesStatus === 404) return undefined;
      return { body: { points: overview.series.map((p) => ({ ...p, escalation_reasons: { low_confidence: 2 }, intents: { billing: 3 }, llm_cost_usd: 0.75 })) } };
    }
    if (c.url.pathname === '/v1/analytics/series.csv') return { text: 'start,conversations\n2025-03-01T00:00:00+00:00,3\n', headers: { 'Content-Type': 'text/csv' } };
    return undefined;
  });
}

const last = (calls: Call[], path: string) => [...calls].reverse().find((c) => c.url.pathname === path);

describe('AnalyticsPage', () => {
  it('shows the KPIs including CSAT', async () => {
    server();
    renderPage(<AnalyticsPage />);
    expect(screen.getByRole('heading', { name: 'Analytics', level: 1 })).toBeInTheDocument();
    const csat = await screen.findByTestId('kpi-csat');
    expect(csat).toHaveTextContent('4.25 / 5');
    expect(csat).toHaveTextContent('37 responses');
    expect(screen.getByTestId('kpi-deflection')).toHaveTextContent('50.0%');
    expect(screen.getByTestId('kpi-llm-cost')).toHaveTextContent('$1.50');
    expect(screen.getByRole('heading', { name: 'Escalation reasons' })).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'LLM usage by model' })).toHaveTextContent('gpt-4o-mini');
  });

  it('sends the date range and channel filters in the query of both requests', async () => {
    const { calls } = server();
    const user = userEvent.setup();
    renderPage(<AnalyticsPage />);
    await screen.findByTestId('kpi-csat');

    await user.click(screen.getByRole('combobox', { name: 'Channel' }));
    await user.click(await screen.findByRole('option', { name: 'slack' }));
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2025-03-01' } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2025-03-02' } });

    await waitFor(() => expect(last(calls, '/v1/analytics/overview')?.url.searchParams.get('to')).toBe('2025-03-03T00:00:00Z'));
    for (const path of ['/v1/analytics/overview', '/v1/analytics/series']) {
      const q = last(calls, path)!.url.searchParams;
      expect(q.get('from')).toBe('2025-03-01T00:00:00Z');
      // `to` is exclusive: the day after the last day chosen.
      expect(q.get('to')).toBe('2025-03-03T00:00:00Z');
      expect(q.get('channel')).toBe('slack');
      expect(q.get('bucket')).toBe('day');
    }

    // Back to every channel: no channel parameter at all.
    await user.click(screen.getByRole('combobox', { name: 'Channel' }));
    await user.click(await screen.findByRole('option', { name: 'All channels' }));
    await waitFor(() => expect(last(calls, '/v1/analytics/overview')?.url.searchParams.has('channel')).toBe(false));
    expect(last(calls, '/v1/analytics/overview')?.url.searchParams.get('from')).toBe('2025-03-01T00:00:00Z');
  });

  it('does not query an inverted range', async () => {
    const { calls } = server();
    renderPage(<AnalyticsPage />);
    await screen.findByTestId('kpi-csat');
    const before = calls.length;
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2000-01-01' } });
    expect(await screen.findByText('From must be a date on or before To')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeDisabled();
    expect(calls.length).toBe(before);
  });

  it('exports the CSV with the bearer token and the same filters', async () => {
    const { calls } = server();
    const createObjectURL = vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:csv');
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    const user = userEvent.setup();
    renderPage(<AnalyticsPage />);
    await screen.findByTestId('kpi-csat');
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2025-03-01' } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2025-03-02' } });
    await user.click(screen.getByRole('combobox', { name: 'Channel' }));
    await user.click(await screen.findByRole('option', { name: 'web' }));
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));

    await waitFor(() => expect(click).toHaveBeenCalled());
    const csv = last(calls, '/v1/analytics/series.csv')!;
    expect(csv.headers.get('authorization')).toBe('Bearer test-token');
    expect(csv.url.searchParams.get('from')).toBe('2025-03-01T00:00:00Z');
    expect(csv.url.searchParams.get('to')).toBe('2025-03-03T00:00:00Z');
    expect(csv.url.searchParams.get('channel')).toBe('web');
    const blob = createObjectURL.mock.calls[0]![0] as Blob;
    expect(blob.size).toBe('start,conversations\n2025-03-01T00:00:00+00:00,3\n'.length);
    const a = click.mock.contexts[0] as HTMLAnchorElement;
    expect(a.download).toBe('concierge-analytics-2025-03-01-2025-03-03-web.csv');
    click.mockRestore();
    createObjectURL.mockRestore();
    revoke.mockRestore();
  });

  it('charts the overview series when the series endpoint is missing', async () => {
    server(404);
    renderPage(<AnalyticsPage />);
    expect(await screen.findByText(/no per-day series endpoint yet/)).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Conversations per day' })).toBeInTheDocument();
  });

  it('normalises series shapes and computes the exclusive end', () => {
    expect(filterOf('2025-12-31', '2025-12-31', '')).toEqual({ from: '2025-12-31T00:00:00Z', to: '2026-01-01T00:00:00Z', channel: '' });
    const p = normaliseSeries([
      { date: '2025-03-01', totals: { conversations: 2 }, escalation_reasons: [{ reason: 'vip', count: 1 }], llm: [{ cost_usd: 0.5 }, { cost_usd: 0.25 }] },
    ]);
    expect(p[0]).toMatchObject({ start: '2025-03-01', conversations: 2, escalation_reasons: { vip: 1 }, llm_cost_usd: 0.75 });
  });
});
