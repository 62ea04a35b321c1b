// One conversation, live: the transcript, the summary card, the Case, intents
// and sentiment over time, entities, AI-suggested replies, and claim /
// transfer / resolve.
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { Link as RouterLink, useParams } from 'react-router';
import {
  Alert, Box, Button, Card, CardActionArea, CardContent, Chip, Grid, LinearProgress, Link, Paper, Stack, TextField,
  Typography,
} from '@mui/material';
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import { errorText } from '../api';
import { notify } from '../notifications';
import { useRealtime, useServerEvents } from '../realtime';
import { useAppDispatch, useAppSelector } from '../store';
import { mergeMessages } from '../../shared/messages';
import type { ServerEvent } from '../../shared/ws';
import {
  consoleApi, useClaimMutation, useConversationQuery, useEscalationQuery, useResolveMutation, useSendMessageMutation,
  useSuggestionsQuery,
} from './api';
import { StatusChip } from './ConversationsPage';
import { InlineText } from './InlineText';
import { SlaCountdown } from './QueuesPage';
import { Transcript } from './Transcript';
import { TransferDialog } from './TransferDialog';
import type { Conversation, ConversationStatus, Escalation, Message } from './types';
import { caseOf, customerName, humanize, isSupervisor, useNow } from './util';

// The charts load with the first conversation opened, not with the console.
const Insights = lazy(async () => ({ default: (await import('./Insights')).Insights }));

function CaseLink({ conversation, escalation }: { conversation: Conversation; escalation: Escalation | null | undefined }) {
  const c = caseOf(conversation, escalation);
  if (!c) return null;
  return c.url ? (
    <Link href={c.url} target="_blank" rel="noopener noreferrer" data-testid="case-link" sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.5 }}>
      Salesforce Case {c.number}<OpenInNewIcon fontSize="inherit" aria-hidden />
      <Box component="span" sx={visuallyHidden}> (opens in a new tab)</Box>
    </Link>
  ) : (
    <Typography component="span" data-testid="case-link">Case {c.number}</Typography>
  );
}

// Pixel strings: in `sx` a bare 1 would mean 100% and push the page sideways.
const visuallyHidden = {
  position: 'absolute', width: '1px', height: '1px', margin: '-1px', padding: 0, border: 0,
  overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap',
} as const;

function SummaryCard({ escalation, loading }: { escalation: Escalation | null | undefined; loading: boolean }) {
  const now = useNow();
  const s = escalation?.summary;
  return (
    <Card variant="outlined" data-testid="summary-card" component="section" aria-labelledby="summary-heading">
      <CardContent>
        <Typography variant="h6" component="h2" id="summary-heading">Summary</Typography>
        {loading && <LinearProgress aria-label="Loading summary" />}
        {!loading && !escalation && <Typography variant="body2">This conversation was not escalated; the AI is handling it.</Typography>}
        {escalation && (
          <Stack spacing={1}>
            {s?.title && <Typography variant="subtitle1" component="p" sx={{ fontWeight: 600 }}>{s.title}</Typography>}
            <Stack direction="row" sx={{ gap: 1, flexWrap: 'wrap', alignItems: 'center' }}>
              <Chip size="small" label={humanize(escalation.reason)} />
              <Chip size="small" variant="outlined" label={`${humanize(escalation.priority)} priority`} />
              {escalation.tier && <Chip size="small" variant="outlined" label={`${humanize(escalation.tier)} tier`} />}
              <SlaCountdown escalation={escalation} now={now} />
            </Stack>
            {s?.summary && <Typography variant="body2">{s.summary}</Typography>}
            {s?.customer && (
              <Typography variant="body2">
                <strong>Customer:</strong> {[s.customer.name, s.customer.email, s.customer.tier && humanize(s.customer.tier), s.customer.language]
                  .filter(Boolean).join(' · ')}
                {typeof s.customer.open_cases === 'number' && s.customer.open_cases > 0 ? ` · ${s.customer.open_cases} open cases` : ''}
              </Typography>
            )}
            {s?.sentiment?.trajectory && <Typography variant="body2"><strong>Mood:</strong> {s.sentiment.trajectory}</Typography>}
            {s?.ai_tried && s.ai_tried.length > 0 && (
              <Box>
                <Typography variant="subtitle2" component="h3">What the AI tried</Typography>
                <Box component="ul" sx={{ m: 0, pl: 3 }}>{s.ai_tried.map((t) => <Typography component="li" variant="body2" key={t}>{t}</Typography>)}</Box>
              </Box>
            )}
            {s?.key_moments && s.key_moments.length > 0 && (
              <Box>
                <Typography variant="subtitle2" component="h3">Key moments</Typography>
                <Box component="ul" sx={{ m: 0, pl: 3 }}>{s.key_moments.map((t) => <Typography component="li" variant="body2" key={t}>{t}</Typography>)}</Box>
              </Box>
            )}
            {s?.suggested_next_step && (
              <Alert severity="info" icon={false}><strong>Next step:</strong> {s.suggested_next_step}</Alert>
            )}
          </Stack>
        )}
      </CardContent>
    </Card>
  );
}

const CLOSED: ConversationStatus[] = ['resolved', 'archived', 'abandoned'];

export function ConversationView() {
  const { id = '' } = useParams();
  const dispatch = useAppDispatch();
  const user = useAppSelector((s) => s.session.user);
  const me = user?.id ?? null;
  const supervisor = isSupervisor(user?.role);
  const conv = useConversationQuery(id, { skip: !id });
  const esc = useEscalationQuery(id, { skip: !id });
  const sugg = useSuggestionsQuery(id, { skip: !id });
  const [send, sending] = useSendMessageMutation();
  const [claim, claiming] = useClaimMutation();
  const [resolve, resolving] = useResolveMutation();
  const [reply, setReply] = useState('');
  const [draft, setDraft] = useState('');
  const [typing, setTyping] = useState(false);
  const [transferOpen, setTransferOpen] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const replyRef = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);
  const client = useRealtime();

  useEffect(() => {
    if (!client || !id) return;
    client.subscribe(id);
    return client.onReconnect(() => {
      dispatch(consoleApi.util.invalidateTags([{ type: 'Conversation', id }, { type: 'Conversation', id: `esc-${id}` }]));
    });
  }, [client, id, dispatch]);

  useServerEvents((e: ServerEvent) => {
    if (e.type === 'message_received' || e.type === 'ai_response') {
      const m = e.message as Message | undefined;
      if (!m || m.conversation_id !== id) return;
      dispatch(consoleApi.util.updateQueryData('conversation', id, (d) => {
        d.messages = mergeMessages(d.messages, [m]);
        d.last_activity_at = m.created_at;
      }));
      if (e.type === 'ai_response') setDraft('');
      if (m.sender_type === 'user') {
        setTyping(false);
        dispatch(consoleApi.util.invalidateTags([{ type: 'Conversation', id: `sugg-${id}` }]));
      }
    } else if (e.type === 'ai_response_delta' && e.conversation_id === id) {
      setDraft((d) => d + String(e.delta ?? ''));
    } else if (e.type === 'typing_indicator' && e.conversation_id === id && e.sender === 'customer') {
      setTyping(e.typing === true);
    } else if ((e.type === 'status_update' || e.type === 'conversation_updated') && e.conversation_id === id) {
      const status = e.status as ConversationStatus | undefined;
      if (status) dispatch(consoleApi.util.updateQueryData('conversation', id, (d) => { d.status = status; }));
      dispatch(consoleApi.util.invalidateTags([{ type: 'Conversation', id }, { type: 'Conversation', id: `esc-${id}` }]));
    } else if (e.type === 'escalated' && e.conversation_id === id) {
      dispatch(consoleApi.util.invalidateTags([{ type: 'Conversation', id }, { type: 'Conversation', id: `esc-${id}` }]));
    }
  });

  const c = conv.data;
  if (conv.isLoading) return <LinearProgress aria-label="Loading conversation" />;
  if (conv.error || !c) {
    return (
      <Box>
        <Typography variant="h4" component="h1">Conversation</Typography>
        <Alert severity="error" sx={{ mt: 2 }}>The conversation could not be loaded: {errorText(conv.error)}</Alert>
        <Link component={RouterLink} to="/conversations">Back to conversations</Link>
      </Box>
    );
  }

  const customer = customerName(c);
  const closed = CLOSED.includes(c.status);
  const mine = me !== null && c.assignee_id === me;

  const doSend = async () => {
    const content = reply.trim();
    if (!content) return;
    setActionError(null);
    try {
      await send({ id, content }).unwrap();
      setReply('');
    } catch (e) {
      setActionError(`Not sent: ${errorText(e)}`);
    }
  };
  const doClaim = async () => {
    setActionError(null);
    try {
      await claim(id).unwrap();
      dispatch(notify({ text: `You claimed the conversation with ${customer}`, severity: 'success' }));
    } catch (e) {
      setActionError(`Not claimed: ${errorText(e)}`);
    }
  };
  const doResolve = async () => {
    setActionError(null);
    try {
      await resolve({ id }).unwrap();
      dispatch(notify({ text: `Resolved the conversation with ${customer}`, severity: 'success' }));
    } catch (e) {
      setActionError(`Not resolved: ${errorText(e)}`);
    }
  };
  const onReplyChange = (v: string) => {
    setReply(v);
    const now = Date.now();
    if (client && v && now - lastTyping.current > 3000) {
      lastTyping.current = now;
      client.send({ type: 'typing', conversation_id: id, typing: true });
    }
  };
  const pickSuggestion = (text: string) => {
    setReply(text);
    replyRef.current?.focus();
  };

  return (
    <Box>
      <Stack direction={{ xs: 'column', md: 'row' }} sx={{ gap: 2, alignItems: { md: 'center' }, mb: 2 }}>
        <Box sx={{ flexGrow: 1, minWidth: 0 }}>
          <Typography variant="h4" component="h1">{customer}</Typography>
          <Stack direction="row" sx={{ gap: 1, flexWrap: 'wrap', alignItems: 'center', mt: 1 }}>
            <StatusChip status={c.status} />
            {c.queue && <Chip size="small" label={`Queue: ${humanize(c.queue)}`} />}
            {c.priority && <Chip size="small" variant="outlined" label={`${humanize(c.priority)} priority`} />}
            <Chip size="small" variant="outlined" label={humanize(c.channel)} />
            <Chip size="small" variant="outlined" data-testid="assignee"
              label={c.assignee_id ? (mine ? 'Assigned to you' : 'Assigned to another agent') : 'Unassigned'} />
            {c.sla_breached && <Chip size="small" color="error" label="SLA breached" />}
            <CaseLink conversation={c} escalation={esc.data} />
          </Stack>
        </Box>
        <Stack direction="row" spacing={1} aria-label="Conversation actions" role="group">
          <Button variant="contained" onClick={() => void doClaim()} disabled={mine || closed || claiming.isLoading}>Claim</Button>
          <Button variant="outlined" onClick={() => setTransferOpen(true)} disabled={closed}>Transfer</Button>
          <Button variant="outlined" color="success" onClick={() => void doResolve()} disabled={closed || resolving.isLoading}>Resolve</Button>
        </Stack>
      </Stack>
      {actionError && <Alert severity="error" sx={{ mb: 2 }} onClose={() => setActionError(null)}>{actionError}</Alert>}
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, md: 7 }}>
          <Paper variant="outlined" sx={{ p: 2 }} component="section" aria-labelledby="transcript-heading">
            <Typography variant="h6" component="h2" id="transcript-heading">Transcript</Typography>
            <Transcript messages={c.messages} customer={customer} me={me} draft={draft} typing={typing} />
          </Paper>
          <Paper variant="outlined" sx={{ p: 2, mt: 2 }} component="section" aria-labelledby="suggestions-heading">
            <Stack direction="row" sx={{ alignItems: 'center' }}>
              <Typography variant="h6" component="h2" id="suggestions-heading" sx={{ flexGrow: 1 }}>Suggested replies</Typography>
              <Button size="small" onClick={() => void sugg.refetch()} disabled={sugg.isFetching}>Refresh suggestions</Button>
            </Stack>
            {sugg.isFetching && <LinearProgress aria-label="Loading suggestions" />}
            {sugg.error && <Alert severity="warning">No suggestions: {errorText(sugg.error)}</Alert>}
            {sugg.data && sugg.data.length === 0 && <Typography variant="body2">No suggestions yet (the customer has not written).</Typography>}
            <Stack spacing={1} sx={{ mt: 1 }}>
              {(sugg.data ?? []).map((s, i) => (
                <Card key={i} variant="outlined">
                  <CardActionArea onClick={() => pickSuggestion(s.text)} data-testid="suggestion" aria-label={`Use suggestion: ${s.text}`}>
                    <CardContent>
                      <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap' }}><InlineText text={s.text} /></Typography>
                    </CardContent>
                  </CardActionArea>
                  {s.citations.length > 0 && (
                    <Box component="ol" aria-label="Suggestion sources" sx={{ m: 0, px: 2, pb: 1, pl: 4 }}>
                      {s.citations.map((ct, j) => (
                        <Typography component="li" variant="caption" key={`${ct.slug}-${j}`}>
                          {ct.url ? <Link href={ct.url} target="_blank" rel="noopener noreferrer">{ct.title}</Link> : ct.title}
                        </Typography>
                      ))}
                    </Box>
                  )}
                </Card>
              ))}
            </Stack>
            <Box component="form" sx={{ mt: 2 }} onSubmit={(e) => { e.preventDefault(); void doSend(); }}>
              <TextField label="Reply" multiline minRows={3} fullWidth value={reply} inputRef={replyRef}
                onChange={(e) => onReplyChange(e.target.value)}
                onKeyDown={(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); void doSend(); } }}
                helperText="Ctrl+Enter sends. The customer sees this as a message from a human agent."
                slotProps={{ htmlInput: { 'aria-label': 'Reply', maxLength: 5000 } }} disabled={c.status === 'archived'} />
              <Stack direction="row" sx={{ mt: 1, justifyContent: 'flex-end' }}>
                <Button type="submit" variant="contained" disabled={!reply.trim() || sending.isLoading || c.status === 'archived'}>Send</Button>
              </Stack>
            </Box>
          </Paper>
        </Grid>
        <Grid size={{ xs: 12, md: 5 }}>
          <SummaryCard escalation={esc.data} loading={esc.isLoading} />
          <Paper variant="outlined" sx={{ p: 2, mt: 2 }} component="section" aria-label="Insights">
            <Suspense fallback={<LinearProgress aria-label="Loading insights" />}>
              <Insights messages={c.messages} extraEntities={esc.data?.summary?.entities ?? []} />
            </Suspense>
          </Paper>
        </Grid>
      </Grid>
      <TransferDialog open={transferOpen} onClose={() => setTransferOpen(false)} conversation={c} supervisor={supervisor} me={me}
        onDone={(text) => dispatch(notify({ text, severity: 'success' }))} />
    </Box>
  );
}
