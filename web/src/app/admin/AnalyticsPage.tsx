// The analytics dashboard: KPI cards over the chosen days and channel, charts
// per day (conversations, deflection, escalation reasons, first-contact
// resolution, resolution and first-response times, CSAT, intents, LLM cost),
// and the series as CSV with the same filters.

import { useMemo, useState, type ReactNode } from 'react';
import { useStore } from 'react-redux';
import {
  Alert, Box, Button, Card, CardContent, Grid, MenuItem, Paper, Stack, Table, TableBody, TableCell, TableHead,
  TableRow, TextField, Typography,
} from '@mui/material';
import DownloadIcon from '@mui/icons-material/Download';
import { BarChart } from '@mui/x-charts/BarChart';
import { LineChart } from '@mui/x-charts/LineChart';
import { refreshTokens, signedOut, tokensRefreshed, type SessionState } from '../session';
import type { AppStore } from '../store';
import {
  analyticsParams, CHANNELS, type AnalyticsFilter, type Overview, type SeriesPoint, useAnalyticsOverviewQuery,
  useAnalyticsSeriesQuery,
} from './api';
import { duration, ErrorAlert, errorStatus, Loading, PageHeader, pct, usd } from './common';

const DAY = 86_400_000;

/** `YYYY-MM-DD` of a date, in UTC. */
export const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** The query for the days `from`..`to` (inclusive, UTC) and a channel. */
export function filterOf(from: string, to: string, channel: string): AnalyticsFilter {
  const end = new Date(`${to}T00:00:00Z`).getTime() + DAY;
  return { from: `${from}T00:00:00Z`, to: new Date(end).toISOString().replace('.000Z', 'Z'), channel };
}

function Kpi({ label, value, detail, testId }: { label: string; value: string; detail?: string; testId: string }) {
  return (
    <Card variant="outlined" data-testid={testId} sx={{ height: '100%' }}>
      <CardContent>
        <Typography variant="body2" color="text.secondary" component="h3">
          {label}
        </Typography>
        <Typography variant="h5" component="p">
          {value}
        </Typography>
        {detail && (
          <Typography variant="caption" color="text.secondary">
            {detail}
          </Typography>
        )}
      </CardContent>
    </Card>
  );
}

function ChartCard({ title, children, empty }: { title: string; children: ReactNode; empty?: boolean }) {
  const id = `chart-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return (
    <Paper variant="outlined" sx={{ p: 2, height: '100%' }} component="section" aria-labelledby={id}>
      <Typography id={id} component="h2" variant="subtitle1" sx={{ fontWeight: 600 }}>
        {title}
      </Typography>
      {empty ? (
        <Typography variant="body2" color="text.secondary" sx={{ py: 4, textAlign: 'center' }}>
          No data in this range.
        </Typography>
      ) : (
        children
      )}
    </Paper>
  );
}

const shortDay = (s: string) => s.slice(5, 10);
const top = (m: Record<string, number>, n: number) =>
  Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);

/** Sums the per-day maps of a key across the series. */
function sumMaps(points: SeriesPoint[], key: 'escalation_reasons' | 'intents'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of points) for (const [k, v] of Object.entries(p[key])) out[k] = (out[k] ?? 0) + v;
  return out;
}

function Charts({ points, overview }: { points: SeriesPoint[]; overview: Overview | undefined }) {
  const days = points.map((p) => shortDay(p.start));
  const empty = points.length === 0;
  const x = [{ data: days, scaleType: 'point' as const }];
  const band = [{ data: days, scaleType: 'band' as const }];
  const val = (k: keyof SeriesPoint, scale = 1) =>
    points.map((p) => {
      const v = p[k];
      return typeof v === 'number' ? v * scale : null;
    });

  // Escalation reasons: the overview's totals, else summed from the series.
  const reasonTotals = overview?.escalation_reasons && Object.keys(overview.escalation_reasons).length > 0
    ? overview.escalation_reasons
    : sumMaps(points, 'escalation_reasons');
  const reasons = top(reasonTotals, 6).map(([r]) => r);
  const perDayReasons = points.some((p) => Object.keys(p.escalation_reasons).length > 0);
  const intentTotals = overview?.intents && Object.keys(overview.intents).length > 0 ? overview.intents : sumMaps(points, 'intents');
  const intents = top(intentTotals, 10);
  const costs = val('llm_cost_usd');
  const hasCost = costs.some((c) => c !== null);

  return (
    <Grid container spacing={2}>
      <Grid size={{ xs: 12, lg: 6 }}>
        <ChartCard title="Conversations per day" empty={empty}>
          <LineChart
            height={260}
            xAxis={x}
            series={[
              { data: val('conversations'), label: 'Conversations' },
              { data: val('resolved_by_ai'), label: 'Resolved by AI' },
              { data: val('escalated'), label: 'Escalated' },
            ]}
          />
        </ChartCard>
      </Grid>
      <Grid size={{ xs: 12, lg: 6 }}>
        <ChartCard title="Deflection and first-contact resolution (%)" empty={empty}>
          <LineChart
            height={260}
            xAxis={x}
            yAxis={[{ min: 0, max: 100 }]}
            series={[
              { data: val('deflection_rate', 100), label: 'Deflection', connectNulls: true },
              { data: val('first_contact_resolution', 100), label: 'First-contact resolution', connectNulls: true },
              { data: val('escalation_rate', 100), label: 'Escalation rate', connectNulls: true },
            ]}
          />
        </ChartCard>
      </Grid>
      <Grid size={{ xs: 12, lg: 6 }}>
        <ChartCard title="Escalation reasons" empty={reasons.length === 0}>
          {perDayReasons ? (
            <BarChart
              height={260}
              xAxis={band}
              series={reasons.map((r) => ({ data: points.map((p) => p.escalation_reasons[r] ?? 0), label: r, stack: 'reasons' }))}
            />
          ) : (
            <BarChart
              height={260}
              layout="horizontal"
              yAxis={[{ data: reasons, scaleType: 'band', width: 140 }]}
              series={[{ data: reasons.map((r) => reasonTotals[r] ?? 0), label: 'Escalations' }]}
            />
          )}
        </ChartCard>
      </Grid>
      <Grid size={{ xs: 12, lg: 6 }}>
        <ChartCard title="Resolution and first-response times (minutes)" empty={empty}>
          <LineChart
            height={260}
            xAxis={x}
            series={[
              { data: val('resolution_seconds_avg', 1 / 60), label: 'Resolution (avg)', connectNulls: true },
              { data: val('first_response_seconds_avg', 1 / 60), label: 'First response (avg)', connectNulls: true },
            ]}
          />
        </ChartCard>
      </Grid>
      <Grid size={{ xs: 12, lg: 6 }}>
        <ChartCard title="CSAT (average, 1–5)" empty={empty}>
          <LineChart
            height={260}
            xAxis={x}
            yAxis={[{ min: 1, max: 5 }]}
            series={[{ data: val('csat_avg'), label: 'CSAT', connectNulls: true }]}
          />
        </ChartCard>
      </Grid>
      <Grid size={{ xs: 12, lg: 6 }}>
        <ChartCard title="Top intents" empty={intents.length === 0}>
          <BarChart
            height={Math.max(200, intents.length * 28 + 60)}
            layout="horizontal"
            yAxis={[{ data: intents.map(([i]) => i), scaleType: 'band', width: 160 }]}
            series={[{ data: intents.map(([, n]) => n), label: 'Messages' }]}
          />
        </ChartCard>
      </Grid>
      <Grid size={{ xs: 12 }}>
        <ChartCard title="LLM cost (USD)" empty={empty && (overview?.llm.length ?? 0) === 0}>
          {hasCost && <BarChart height={220} xAxis={band} series={[{ data: costs, label: 'Cost per day (USD)' }]} />}
          {overview && overview.llm.length > 0 && (
            <Table size="small" aria-label="LLM usage by model">
              <TableHead>
                <TableRow>
                  <TableCell>Provider</TableCell>
                  <TableCell>Model</TableCell>
                  <TableCell align="right">Calls</TableCell>
                  <TableCell align="right">Prompt tokens</TableCell>
                  <TableCell align="right">Completion tokens</TableCell>
                  <TableCell align="right">Cost</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {overview.llm.map((l) => (
                  <TableRow key={`${l.provider}/${l.model}`}>
                    <TableCell>{l.provider}</TableCell>
                    <TableCell>{l.model}</TableCell>
                    <TableCell align="right">{l.calls.toLocaleString()}</TableCell>
                    <TableCell align="right">{l.prompt_tokens.toLocaleString()}</TableCell>
                    <TableCell align="right">{l.completion_tokens.toLocaleString()}</TableCell>
                    <TableCell align="right">{usd(l.cost_usd)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </ChartCard>
      </Grid>
    </Grid>
  );
}

/** Downloads the series as CSV with the bearer token (refreshed once on 401). */
async function downloadCsv(store: AppStore, filter: AnalyticsFilter): Promise<void> {
  const url = `/v1/analytics/series.csv?${new URLSearchParams(analyticsParams(filter)).toString()}`;
  const get = (token: string | null) =>
    fetch(url, { headers: { Accept: 'text/csv', ...(token ? { Authorization: `Bearer ${token}` } : {}) } });
  const session = (store.getState() as { session: SessionState }).session;
  let r = await get(session.accessToken);
  if (r.status === 401 && session.refreshToken) {
    const t = await refreshTokens(session.refreshToken);
    if (!t) {
      store.dispatch(signedOut());
      throw new Error('your session has expired');
    }
    store.dispatch(tokensRefreshed(t));
    r = await get(t.access_token);
  }
  if (!r.ok) {
    let message = `the export failed (${r.status})`;
    try {
      const body = (await r.json()) as { error?: { message?: string } };
      if (body.error?.message) message = body.error.message;
    } catch {
      // not our error format
    }
    throw new Error(message);
  }
  const blob = await r.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = `concierge-analytics-${filter.from.slice(0, 10)}-${filter.to.slice(0, 10)}${filter.channel ? `-${filter.channel}` : ''}.csv`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 0);
}

export function AnalyticsPage() {
  const store = useStore() as AppStore;
  const today = useMemo(() => new Date(), []);
  const [from, setFrom] = useState(() => isoDay(new Date(today.getTime() - 29 * DAY)));
  const [to, setTo] = useState(() => isoDay(today));
  const [channel, setChannel] = useState('');
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);

  const valid = /^\d{4}-\d{2}-\d{2}$/.test(from) && /^\d{4}-\d{2}-\d{2}$/.test(to) && from <= to;
  const [applied, setApplied] = useState<AnalyticsFilter>(() => filterOf(from, to, channel));
  const candidate = valid ? filterOf(from, to, channel) : null;
  if (candidate && (candidate.from !== applied.from || candidate.to !== applied.to || candidate.channel !== applied.channel)) {
    setApplied(candidate);
  }

  const overview = useAnalyticsOverviewQuery(applied);
  const series = useAnalyticsSeriesQuery(applied);
  const seriesMissing = series.isError && errorStatus(series.error) === 404;
  // Until GET /v1/analytics/series exists, the overview's own series is charted.
  const points: SeriesPoint[] = useMemo(() => {
    if (series.data) return series.data;
    return (overview.data?.series ?? []).map((p) => ({ ...p, escalation_reasons: {}, intents: {}, llm_cost_usd: null }));
  }, [series.data, overview.data]);

  const t = overview.data?.totals;
  const totalCost = overview.data?.llm.reduce((s, l) => s + l.cost_usd, 0);

  async function onExport() {
    setExporting(true);
    setExportError(null);
    try {
      await downloadCsv(store, applied);
    } catch (e) {
      setExportError(e instanceof Error ? e.message : 'the export failed');
    } finally {
      setExporting(false);
    }
  }

  return (
    <Box>
      <PageHeader title="Analytics">
        <Button variant="outlined" startIcon={<DownloadIcon />} onClick={onExport} disabled={exporting || !valid}>
          Export CSV
        </Button>
      </PageHeader>
      <Stack direction={{ xs: 'column', sm: 'row' }} sx={{ gap: 2, mb: 2 }} component="form" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <TextField
          label="From"
          type="date"
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          error={!valid}
          helperText={!valid ? 'From must be a date on or before To' : ' '}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { max: to } }}
        />
        <TextField
          label="To"
          type="date"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          helperText=" "
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { min: from } }}
        />
        <TextField select label="Channel" value={channel} onChange={(e) => setChannel(e.target.value)} sx={{ minWidth: 180 }} helperText=" "
          slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}>
          <MenuItem value="">All channels</MenuItem>
          {CHANNELS.map((c) => (
            <MenuItem key={c} value={c}>
              {c}
            </MenuItem>
          ))}
        </TextField>
      </Stack>
      {exportError && (
        <Alert severity="error" sx={{ mb: 2 }} onClose={() => setExportError(null)}>
          Export: {exportError}
        </Alert>
      )}
      <ErrorAlert error={overview.error} what="Could not load the overview" />
      {overview.data?.truncated && (
        <Alert severity="info" sx={{ mb: 2 }}>
          The range holds more conversations than a report reads; narrow it for exact figures.
        </Alert>
      )}
      {overview.isLoading ? (
        <Loading label="Loading analytics" />
      ) : (
        t && (
          <Grid container spacing={2} sx={{ mb: 3 }} component="section" aria-label="Key figures">
            <Grid size={{ xs: 6, md: 3 }}>
              <Kpi testId="kpi-conversations" label="Conversations" value={t.conversations.toLocaleString()} detail={`${t.closed.toLocaleString()} closed`} />
            </Grid>
            <Grid size={{ xs: 6, md: 3 }}>
              <Kpi testId="kpi-deflection" label="Deflection rate" value={pct(t.deflection_rate)} detail={`${t.resolved_by_ai.toLocaleString()} resolved by AI`} />
            </Grid>
            <Grid size={{ xs: 6, md: 3 }}>
              <Kpi testId="kpi-escalation" label="Escalation rate" value={pct(t.escalation_rate)} detail={`${t.escalated.toLocaleString()} escalated`} />
            </Grid>
            <Grid size={{ xs: 6, md: 3 }}>
              <Kpi testId="kpi-fcr" label="First-contact resolution" value={pct(t.first_contact_resolution)} />
            </Grid>
            <Grid size={{ xs: 6, md: 3 }}>
              <Kpi testId="kpi-resolution-time" label="Resolution time" value={duration(t.resolution_seconds_avg)} detail={`p90 ${duration(t.resolution_seconds_p90)}`} />
            </Grid>
            <Grid size={{ xs: 6, md: 3 }}>
              <Kpi testId="kpi-first-response" label="First response" value={duration(t.first_response_seconds_avg)} detail={`p90 ${duration(t.first_response_seconds_p90)}`} />
            </Grid>
            <Grid size={{ xs: 6, md: 3 }}>
              <Kpi
                testId="kpi-csat"
                label="CSAT"
                value={t.csat_avg == null ? '—' : `${t.csat_avg.toFixed(2)} / 5`}
                detail={`${t.csat_responses.toLocaleString()} response${t.csat_responses === 1 ? '' : 's'}`}
              />
            </Grid>
            <Grid size={{ xs: 6, md: 3 }}>
              <Kpi testId="kpi-llm-cost" label="LLM cost" value={usd(totalCost)} detail={`fallback rate ${pct(overview.data?.fallback_rate)}`} />
            </Grid>
          </Grid>
        )
      )}
      {series.isError && !seriesMissing && <ErrorAlert error={series.error} what="Could not load the series" />}
      {seriesMissing && (
        <Alert severity="info" sx={{ mb: 2 }}>
          This server has no per-day series endpoint yet; the charts use the overview's series.
        </Alert>
      )}
      {(overview.data || series.data) && <Charts points={points} overview={overview.data} />}
    </Box>
  );
}
