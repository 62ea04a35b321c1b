// Pieces every admin page uses: the page heading, the error alert in our
// error format, and number formatting.

import type { ReactNode } from 'react';
import { Alert, Box, CircularProgress, Stack, Typography } from '@mui/material';
import { errorText } from '../api';

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between', mb: 2, flexWrap: 'wrap', gap: 1 }}>
      <Typography variant="h4" component="h1">
        {title}
      </Typography>
      {children && <Stack direction="row" sx={{ gap: 1, flexWrap: 'wrap', alignItems: 'center' }}>{children}</Stack>}
    </Stack>
  );
}

/** The HTTP status of an RTK Query error, if it has one. */
export function errorStatus(e: unknown): number | undefined {
  const s = (e as { status?: unknown } | undefined)?.status;
  return typeof s === 'number' ? s : undefined;
}

/** Shows an RTK Query error (our error format), or nothing when there is none. */
export function ErrorAlert({ error, what }: { error: unknown; what?: string }) {
  if (!error) return null;
  const status = errorStatus(error);
  const text = errorText(error);
  const prefix = what ? `${what}: ` : '';
  return (
    <Alert severity={status === 404 ? 'warning' : 'error'} sx={{ my: 1 }}>
      {prefix}
      {status === 404 ? `${text} — this server does not offer it yet.` : text}
    </Alert>
  );
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <Box sx={{ display: 'flex', justifyContent: 'center', p: 3 }}>
      <CircularProgress aria-label={label} />
    </Box>
  );
}

export const pct = (v: number | null | undefined) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`);

export function duration(seconds: number | null | undefined): string {
  if (seconds == null) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export const usd = (v: number | null | undefined) => (v == null ? '—' : `$${v.toFixed(v < 1 ? 4 : 2)}`);

export function dateTime(s: string | null | undefined): string {
  if (!s) return '—';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toLocaleString();
}

/** Text only screen readers read (e.g. the heading of an actions column). */
export function ScreenReaderOnly({ children }: { children: ReactNode }) {
  return (
    <Box
      component="span"
      sx={{
        position: 'absolute', width: '1px', height: '1px', overflow: 'hidden', clip: 'rect(0 0 0 0)',
        whiteSpace: 'nowrap', m: '-1px', p: 0, border: 0,
      }}
    >
      {children}
    </Box>
  );
}
