// Queues: open escalations per queue with counts, the oldest wait, and a
// ticking SLA countdown per escalation.
import { useMemo, useState } from 'react';
import { Link as RouterLink } from 'react-router';
import {
  Alert, Box, Button, Card, CardActions, CardContent, Chip, FormControlLabel, Grid, LinearProgress, Link, List,
  ListItem, Stack, Switch, Typography,
} from '@mui/material';
import { errorText } from '../api';
import { useAppSelector } from '../store';
import { useEscalationsQuery, useQueuesQuery } from './api';
import type { Escalation, QueueSummary } from './types';
import { followedQueues, formatDuration, humanize, isSupervisor, setFollowedQueues, slaOf, useNow } from './util';

export function SlaCountdown({ escalation, now }: { escalation: Escalation; now: number }) {
  const sla = slaOf(escalation, now);
  if (!sla) return null;
  return (
    <Typography component="span" variant="body2" data-testid="sla-countdown" data-breached={sla.breached ? 'true' : 'false'}
      sx={{ color: sla.breached ? 'error.main' : sla.left < 5 * 60_000 ? 'warning.main' : 'text.secondary', fontWeight: sla.breached ? 700 : 400, fontVariantNumeric: 'tabular-nums' }}>
      {sla.text}
    </Typography>
  );
}

function QueueCard({ q, escalations, now, following, onFollow }: {
  q: QueueSummary; escalations: Escalation[]; now: number; following: boolean | null; onFollow: (on: boolean) => void;
}) {
  const headingId = `queue-${q.queue}`;
  const oldest = escalations.reduce<number | null>((min, e) => {
    const t = Date.parse(e.created_at);
    return min === null || t < min ? t : min;
  }, null);
  const waiting = escalations.filter((e) => !e.assignee_id);
  // The deadline that runs out first (first response or resolution); the server's `next_deadline` is the resolution one.
  const next = escalations.reduce<number | null>((min, e) => {
    const d = slaOf(e, now)?.deadline;
    return d === undefined || (min !== null && min <= d) ? min : d;
  }, null) ?? (q.next_deadline ? Date.parse(q.next_deadline) : null);
  return (
    <Card component="section" aria-labelledby={headingId} variant="outlined" data-testid="queue-card" sx={{ height: '100%', display: 'flex', flexDirection: 'column' }}>
      <CardContent sx={{ flexGrow: 1 }}>
        <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between' }}>
          <Typography variant="h6" component="h2" id={headingId}>{humanize(q.queue)}</Typography>
          {q.breached > 0 && <Chip size="small" color="error" label={`${q.breached} breached`} />}
        </Stack>
        <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: 2, rowGap: 0.5, my: 1, '& dd': { m: 0, fontWeight: 600 } }}>
          <dt>Waiting</dt><dd data-testid="queue-waiting">{q.unassigned}</dd>
          <dt>Open</dt><dd data-testid="queue-open">{q.open}</dd>
          <dt>Oldest wait</dt><dd data-testid="queue-oldest">{oldest === null ? '—' : formatDuration(now - oldest)}</dd>
          <dt>Next deadline</dt>
          <dd data-testid="queue-next-deadline">
            {next === null ? '—' : next >= now ? `in ${formatDuration(next - now)}` : `${formatDuration(next - now)} ago`}
          </dd>
        </Box>
        {escalations.length > 0 && (
          <List dense aria-label={`Escalations in ${humanize(q.queue)}`} disablePadding>
            {escalations.slice(0, 8).map((e) => (
              <ListItem key={e.id} disableGutters sx={{ display: 'block' }}>
                <Link component={RouterLink} to={`/conversations/${e.conversation_id}`} underline="hover">
                  {e.summary?.title ?? humanize(e.reason)}
                </Link>
                <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
                  <Typography component="span" variant="caption" sx={{ textTransform: 'capitalize' }}>{e.priority}</Typography>
                  <Typography component="span" variant="caption">{e.assignee_id ? 'claimed' : 'waiting'}</Typography>
                  <SlaCountdown escalation={e} now={now} />
                </Stack>
              </ListItem>
            ))}
            {escalations.length > 8 && <ListItem disableGutters><Typography variant="caption">and {escalations.length - 8} more</Typography></ListItem>}
          </List>
        )}
        {waiting.length === 0 && escalations.length === 0 && <Typography variant="body2" color="text.secondary">Nothing open.</Typography>}
      </CardContent>
      <CardActions>
        <Button component={RouterLink} to={`/conversations?queue=${encodeURIComponent(q.queue)}`} aria-label={`View conversations in ${humanize(q.queue)}`}>
          View conversations
        </Button>
        {following !== null && (
          <FormControlLabel sx={{ ml: 'auto' }} label="Follow" slotProps={{ typography: { variant: 'body2' } }}
            control={<Switch checked={following} onChange={(_e, on) => onFollow(on)} slotProps={{ input: { 'aria-label': `Follow ${humanize(q.queue)}` } }} />} />
        )}
      </CardActions>
    </Card>
  );
}

export function QueuesPage() {
  const user = useAppSelector((s) => s.session.user);
  const supervisor = isSupervisor(user?.role);
  const queues = useQueuesQuery(undefined, { pollingInterval: 30_000 });
  const escalations = useEscalationsQuery(undefined, { pollingInterval: 30_000 });
  const now = useNow();
  const [followed, setFollowed] = useState(() => followedQueues(user?.id));
  const [showAll, setShowAll] = useState(false);

  const byQueue = useMemo(() => {
    const m = new Map<string, Escalation[]>();
    for (const e of escalations.data ?? []) {
      if (e.resolved_at) continue;
      const list = m.get(e.queue) ?? [];
      list.push(e);
      m.set(e.queue, list);
    }
    for (const list of m.values()) {
      list.sort((a, b) => (slaOf(a, 0)?.deadline ?? Infinity) - (slaOf(b, 0)?.deadline ?? Infinity));
    }
    return m;
  }, [escalations.data]);

  const follow = (queue: string, on: boolean) => {
    const next = on ? [...new Set([...followed, queue])] : followed.filter((q) => q !== queue);
    setFollowed(next);
    setFollowedQueues(user?.id, next);
  };

  const all = queues.data ?? [];
  const visible = supervisor || showAll || followed.length === 0 ? all : all.filter((q) => followed.includes(q.queue));
  const waiting = visible.reduce((n, q) => n + q.unassigned, 0);

  return (
    <Box>
      <Stack direction="row" sx={{ alignItems: 'center', mb: 2, gap: 2, flexWrap: 'wrap' }}>
        <Typography variant="h4" component="h1" sx={{ flexGrow: 1 }}>Queues</Typography>
        <Typography variant="body1" role="status" data-testid="queues-total">{waiting} waiting</Typography>
        {!supervisor && followed.length > 0 && (
          <FormControlLabel control={<Switch checked={showAll} onChange={(_e, on) => setShowAll(on)} />} label="Show all queues" />
        )}
      </Stack>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        {supervisor
          ? 'You see every queue. Open a conversation to claim, transfer or reassign it.'
          : followed.length === 0
            ? 'Follow the queues you work; you are notified about escalations to the queues you follow (all, until you choose).'
            : `You follow ${followed.map(humanize).join(', ')}.`}
      </Typography>
      {(queues.isLoading || escalations.isLoading) && <LinearProgress aria-label="Loading queues" />}
      {queues.error && <Alert severity="error">Queues could not be loaded: {errorText(queues.error)}</Alert>}
      {escalations.error && <Alert severity="warning">Escalations could not be loaded: {errorText(escalations.error)}</Alert>}
      {queues.data && visible.length === 0 && <Alert severity="success">No open escalations. Every queue is empty.</Alert>}
      <Grid container spacing={2}>
        {visible.map((q) => (
          <Grid key={q.queue} size={{ xs: 12, md: 6, lg: 4 }}>
            <QueueCard q={q} escalations={byQueue.get(q.queue) ?? []} now={now}
              following={supervisor ? null : followed.includes(q.queue)} onFollow={(on) => follow(q.queue, on)} />
          </Grid>
        ))}
      </Grid>
    </Box>
  );
}
