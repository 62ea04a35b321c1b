// The conversation list: server-side filters (status, channel) and cursor
// pages; queue, "assigned to me" and search narrow the fetched page.
import { useMemo, useState } from 'react';
import { Link as RouterLink, useNavigate, useSearchParams } from 'react-router';
import {
  Alert, Box, Button, Chip, FormControlLabel, InputAdornment, LinearProgress, Link, MenuItem, Paper, Stack, Switch,
  Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField, Typography,
} from '@mui/material';
import SearchIcon from '@mui/icons-material/Search';
import { errorText } from '../api';
import { useAppSelector } from '../store';
import { useConversationsQuery, useQueuesQuery } from './api';
import { CHANNELS, STATUSES, type Channel, type Conversation, type ConversationStatus } from './types';
import { caseOf, customerName, humanize } from './util';

const PAGE = 50;

function statusColor(s: ConversationStatus): 'default' | 'error' | 'warning' | 'success' | 'info' {
  if (s === 'escalated') return 'error';
  if (s === 'waiting_for_agent') return 'warning';
  if (s === 'resolved') return 'success';
  if (s === 'active' || s === 'processing' || s === 'waiting_for_user') return 'info';
  return 'default';
}

export function StatusChip({ status }: { status: ConversationStatus }) {
  return <Chip size="small" variant="outlined" color={statusColor(status)} label={humanize(status)} />;
}

function matches(c: Conversation, q: string): boolean {
  const hay = [
    c.id, c.queue, c.escalation_reason, c.channel, c.status, customerName(c), caseOf(c, null)?.number,
    (c.context?.profile as { email?: unknown } | undefined)?.email,
    ...(((c.context?.topics as unknown[] | undefined) ?? []) as unknown[]),
  ].filter((x): x is string => typeof x === 'string').join(' ').toLowerCase();
  return q.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
}

export function ConversationsPage() {
  const me = useAppSelector((s) => s.session.user?.id ?? null);
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const status = (params.get('status') ?? '') as ConversationStatus | '';
  const channel = (params.get('channel') ?? '') as Channel | '';
  const queue = params.get('queue') ?? '';
  const mine = params.get('mine') === '1';
  const search = params.get('q') ?? '';
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  // Narrowing on this side: fetch bigger pages so fewer matches fall off.
  const narrowed = queue !== '' || mine || search !== '';

  const list = useConversationsQuery(
    { status: status || undefined, channel: channel || undefined, cursor, limit: narrowed ? 200 : PAGE },
    { pollingInterval: 30_000 },
  );
  const queues = useQueuesQuery();

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
    setCursors([]);
  };

  const rows = useMemo(
    () =>
      (list.data?.items ?? []).filter(
        (c) => (!queue || c.queue === queue) && (!mine || (me !== null && c.assignee_id === me)) && (!search || matches(c, search)),
      ),
    [list.data, queue, mine, me, search],
  );
  const queueNames = [...new Set([...(queues.data ?? []).map((q) => q.queue), ...(queue ? [queue] : [])])].sort();

  return (
    <Box>
      <Typography variant="h4" component="h1" sx={{ mb: 2 }}>Conversations</Typography>
      <Paper variant="outlined" sx={{ p: 2, mb: 2 }}>
        <Stack direction="row" sx={{ gap: 2, flexWrap: 'wrap', alignItems: 'center' }} role="search" aria-label="Filter conversations">
          <TextField label="Search" size="small" value={search} onChange={(e) => set('q', e.target.value)}
            placeholder="Customer, case, queue, topic…"
            slotProps={{ input: { startAdornment: <InputAdornment position="start"><SearchIcon aria-hidden /></InputAdornment> } }} />
          <TextField select label="Status" size="small" value={status} onChange={(e) => set('status', e.target.value)} sx={{ minWidth: 170 }}>
            <MenuItem value="">Any status</MenuItem>
            {STATUSES.map((s) => <MenuItem key={s} value={s}>{humanize(s)}</MenuItem>)}
          </TextField>
          <TextField select label="Queue" size="small" value={queue} onChange={(e) => set('queue', e.target.value)} sx={{ minWidth: 170 }}>
            <MenuItem value="">Any queue</MenuItem>
            {queueNames.map((q) => <MenuItem key={q} value={q}>{humanize(q)}</MenuItem>)}
          </TextField>
          <TextField select label="Channel" size="small" value={channel} onChange={(e) => set('channel', e.target.value)} sx={{ minWidth: 140 }}>
            <MenuItem value="">Any channel</MenuItem>
            {CHANNELS.map((c) => <MenuItem key={c} value={c}>{humanize(c)}</MenuItem>)}
          </TextField>
          <FormControlLabel control={<Switch checked={mine} onChange={(_e, on) => set('mine', on ? '1' : '')} />} label="Assigned to me" />
        </Stack>
      </Paper>
      {list.isFetching && <LinearProgress aria-label="Loading conversations" />}
      {list.error && <Alert severity="error">Conversations could not be loaded: {errorText(list.error)}</Alert>}
      <TableContainer tabIndex={0} role="region" aria-label="Conversations table" component={Paper} variant="outlined">
        <Table size="small" aria-label="Conversations">
          <TableHead>
            <TableRow>
              <TableCell>Customer</TableCell>
              <TableCell>Status</TableCell>
              <TableCell>Queue</TableCell>
              <TableCell>Priority</TableCell>
              <TableCell>Channel</TableCell>
              <TableCell>Assignee</TableCell>
              <TableCell>Case</TableCell>
              <TableCell>Last activity</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((c) => (
              <TableRow key={c.id} hover data-testid="conversation-row" onClick={() => navigate(`/conversations/${c.id}`)} sx={{ cursor: 'pointer' }}>
                <TableCell>
                  <Link component={RouterLink} to={`/conversations/${c.id}`} onClick={(e) => e.stopPropagation()}>{customerName(c)}</Link>
                </TableCell>
                <TableCell><StatusChip status={c.status} /></TableCell>
                <TableCell>{humanize(c.queue) || '—'}</TableCell>
                <TableCell sx={{ textTransform: 'capitalize' }}>{c.priority ?? '—'}</TableCell>
                <TableCell>{humanize(c.channel)}</TableCell>
                <TableCell>{c.assignee_id ? (c.assignee_id === me ? 'Me' : 'Another agent') : 'Unassigned'}</TableCell>
                <TableCell>{caseOf(c, null)?.number ?? '—'}</TableCell>
                <TableCell>{new Date(c.last_activity_at).toLocaleString()}</TableCell>
              </TableRow>
            ))}
            {list.data && rows.length === 0 && (
              <TableRow><TableCell colSpan={8}>No conversations match.</TableCell></TableRow>
            )}
          </TableBody>
        </Table>
      </TableContainer>
      <Stack direction="row" spacing={2} sx={{ mt: 2, alignItems: 'center' }} component="nav" aria-label="Pages">
        <Button disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>Previous page</Button>
        <Typography variant="body2">Page {cursors.length + 1}</Typography>
        <Button disabled={!list.data?.next_cursor} onClick={() => list.data?.next_cursor && setCursors((c) => [...c, list.data!.next_cursor!])}>Next page</Button>
      </Stack>
    </Box>
  );
}
