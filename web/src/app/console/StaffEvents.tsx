// Staff-wide realtime: the queue subscription, escalation notifications and
// cache refreshes. Mounted by the Queues navigation icon, which the layout
// always renders, so it runs on every screen of the app.
import { useEffect } from 'react';
import { Badge } from '@mui/material';
import InboxIcon from '@mui/icons-material/MoveToInbox';
import { api } from '../api';
import { notify } from '../notifications';
import { useRealtime, useServerEvents } from '../realtime';
import type { RealtimeClient, ServerEvent } from '../../shared/ws';
import { useAppDispatch, useAppSelector } from '../store';
import { useQueuesQuery } from './api';
import { humanize, queueConcerns } from './util';

const subscribed = new WeakSet<RealtimeClient>();

/** Asks the server for staff events (once per client; repeated on reconnect by the client). */
export function useQueueSubscription(): void {
  const client = useRealtime();
  useEffect(() => {
    if (!client || subscribed.has(client)) return;
    subscribed.add(client);
    client.sendOnOpen({ type: 'subscribe_queues' });
  }, [client]);
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v ? v : null;
}

export function useStaffEvents(): void {
  const dispatch = useAppDispatch();
  const user = useAppSelector((s) => s.session.user);
  const client = useRealtime();
  useQueueSubscription();

  useEffect(() => {
    if (!client) return;
    // Events are not replayed: after a reconnect, fetch what changed.
    return client.onReconnect(() => {
      dispatch(api.util.invalidateTags([{ type: 'Queue', id: 'LIST' }, { type: 'Queue', id: 'ESCALATIONS' }, { type: 'Conversation', id: 'LIST' }]));
    });
  }, [client, dispatch]);

  useServerEvents((e: ServerEvent) => {
    if (e.type === 'escalated') {
      const id = str(e.conversation_id);
      const queue = str(e.queue) ?? 'unknown';
      dispatch(api.util.invalidateTags([
        { type: 'Queue', id: 'LIST' }, { type: 'Queue', id: 'ESCALATIONS' }, { type: 'Conversation', id: 'LIST' },
        ...(id ? [{ type: 'Conversation' as const, id }, { type: 'Conversation' as const, id: `esc-${id}` }] : []),
      ]));
      if (!queueConcerns(user?.role, user?.id, queue)) return;
      const priority = str(e.priority);
      const caseNumber = str(e.case_number);
      const reason = str(e.reason);
      const text = [
        `Escalated to ${humanize(queue)}`,
        priority ? `${priority} priority` : null,
        reason ? humanize(reason) : null,
        caseNumber ? `Case ${caseNumber}` : null,
      ].filter(Boolean).join(' · ');
      dispatch(notify({
        text,
        severity: priority === 'critical' || priority === 'high' ? 'warning' : 'info',
        ...(id ? { link: `/conversations/${id}` } : {}),
      }));
    } else if (e.type === 'conversation_updated' || e.type === 'status_update') {
      const id = str(e.conversation_id);
      dispatch(api.util.invalidateTags([
        { type: 'Queue', id: 'LIST' }, { type: 'Queue', id: 'ESCALATIONS' }, { type: 'Conversation', id: 'LIST' },
        ...(id && e.type === 'conversation_updated' ? [{ type: 'Conversation' as const, id }, { type: 'Conversation' as const, id: `esc-${id}` }] : []),
      ]));
    }
  });
}

/** The Queues nav icon: a badge with the unassigned count, and the staff event handling. */
export function QueuesNavIcon() {
  useStaffEvents();
  const user = useAppSelector((s) => s.session.user);
  const { data } = useQueuesQuery(undefined, { pollingInterval: 60_000 });
  const waiting = (data ?? [])
    .filter((q) => queueConcerns(user?.role, user?.id, q.queue))
    .reduce((n, q) => n + q.unassigned, 0);
  return (
    // Hidden from assistive technology: the link keeps the name "Queues"; the page reads the counts.
    <Badge badgeContent={waiting} color="error" max={99} invisible={waiting === 0} aria-hidden>
      <InboxIcon />
    </Badge>
  );
}
