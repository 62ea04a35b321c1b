// The transcript: one bubble per message, styled by sender, with citations as links.
import { useEffect, useRef } from 'react';
import { alpha, Box, Chip, Link, Paper, Stack, Typography } from '@mui/material';
import { InlineText } from './InlineText';
import type { Message } from './types';
import { citationsOf, humanize, intentOf } from './util';

function who(m: Message, customer: string, me: string | null): string {
  switch (m.sender_type) {
    case 'user': return customer;
    case 'ai_agent': return 'AI assistant';
    case 'human_agent': return m.sender_id && m.sender_id === me ? 'You' : 'Agent';
    default: return 'System';
  }
}

function Bubble({ m, customer, me }: { m: Message; customer: string; me: string | null }) {
  const cites = citationsOf(m);
  const intent = m.sender_type === 'user' ? intentOf(m) : null;
  if (m.sender_type === 'system') {
    return (
      <Box component="li" data-sender="system" sx={{ textAlign: 'center', listStyle: 'none', my: 1 }}>
        <Typography variant="body2" sx={{ fontStyle: 'italic', color: 'text.secondary' }}>{m.content}</Typography>
      </Box>
    );
  }
  const right = m.sender_type === 'human_agent';
  return (
    <Box component="li" data-sender={m.sender_type} data-testid="message"
      sx={{ listStyle: 'none', display: 'flex', justifyContent: right ? 'flex-end' : 'flex-start', my: 1 }}>
      <Paper variant="outlined" sx={(t) => ({
        p: 1.5, maxWidth: '80%',
        bgcolor: m.sender_type === 'user' ? t.palette.grey[100]
          : m.sender_type === 'ai_agent' ? alpha(t.palette.secondary.main, 0.06) : alpha(t.palette.primary.main, 0.08),
        borderColor: m.sender_type === 'ai_agent' ? alpha(t.palette.secondary.main, 0.4)
          : m.sender_type === 'human_agent' ? alpha(t.palette.primary.main, 0.4) : undefined,
      })}>
        <Stack direction="row" spacing={1} sx={{ alignItems: 'baseline', mb: 0.5 }}>
          <Typography variant="subtitle2" component="span">{who(m, customer, me)}</Typography>
          <Typography variant="caption" component="time" dateTime={m.created_at} sx={{ color: 'text.secondary' }}>
            {new Date(m.created_at).toLocaleTimeString()}
          </Typography>
          {m.moderation && <Chip size="small" color="warning" label={`Moderation: ${m.moderation}`} />}
        </Stack>
        <Typography variant="body1" sx={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
          {m.sender_type === 'user' ? m.content : <InlineText text={m.content} />}
        </Typography>
        {intent && (
          <Typography variant="caption" sx={{ color: 'text.secondary', display: 'block', mt: 0.5 }}>
            Intent: {humanize(intent.name)} ({Math.round(intent.confidence * 100)}%)
          </Typography>
        )}
        {cites.length > 0 && (
          <Box component="ol" aria-label="Sources" sx={{ m: 0, mt: 0.5, pl: 3 }}>
            {cites.map((c, i) => (
              <Typography component="li" variant="caption" key={`${c.slug}-${i}`}>
                {c.url ? <Link href={c.url} target="_blank" rel="noopener noreferrer" data-testid="citation">{c.title}</Link> : c.title}
              </Typography>
            ))}
          </Box>
        )}
      </Paper>
    </Box>
  );
}

export function Transcript({ messages, customer, me, draft, typing }: {
  messages: Message[]; customer: string; me: string | null; draft: string; typing: boolean;
}) {
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'nearest' });
  }, [messages.length, draft]);
  return (
    <Box sx={{ maxHeight: '60vh', overflowY: 'auto', pr: 1 }} tabIndex={0} aria-label="Transcript messages" role="region">
      <div role="log" aria-live="polite" aria-label="Transcript" data-testid="transcript">
        <Box component="ol" sx={{ p: 0, m: 0 }}>
          {messages.filter((m) => !m.deleted_at).map((m) => <Bubble key={m.id} m={m} customer={customer} me={me} />)}
        </Box>
      </div>
      {draft && (
        <Typography variant="body2" sx={{ color: 'text.secondary', fontStyle: 'italic', whiteSpace: 'pre-wrap' }} data-testid="ai-draft">
          AI assistant is writing: {draft}
        </Typography>
      )}
      {typing && <Typography variant="body2" sx={{ color: 'text.secondary' }} role="status">{customer} is typing…</Typography>}
      {messages.length === 0 && <Typography variant="body2">No messages yet.</Typography>}
      <div ref={end} />
    </Box>
  );
}
