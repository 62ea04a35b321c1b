// Intents and sentiment over the customer's messages, and the entities found.
import { Box, Chip, Stack, Typography } from '@mui/material';
import { LineChart } from '@mui/x-charts/LineChart';
import type { Entity, Message } from './types';
import { entitiesOf, humanize, intentOf, sentimentOf } from './util';

export function Insights({ messages, extraEntities }: { messages: Message[]; extraEntities: Entity[] }) {
  const customer = messages.filter((m) => m.sender_type === 'user');
  const points = customer.map((m, i) => ({ n: i + 1, intent: intentOf(m), sentiment: sentimentOf(m) }));
  const seen = new Set<string>();
  const entities: Entity[] = [];
  for (const e of [...customer.flatMap(entitiesOf), ...extraEntities]) {
    const k = `${e.kind}\u0000${e.text}`;
    if (!seen.has(k)) {
      seen.add(k);
      entities.push(e);
    }
  }
  return (
    <Box>
      <Typography variant="h6" component="h2" id="insights-heading">Intent and sentiment over time</Typography>
      {points.length === 0 ? (
        <Typography variant="body2">No customer messages yet.</Typography>
      ) : (
        <Box component="figure" aria-labelledby="insights-heading" sx={{ m: 0 }} data-testid="insights-chart">
          <LineChart
            height={200}
            xAxis={[{ data: points.map((p) => p.n), scaleType: 'point', label: 'Customer message' }]}
            yAxis={[{ min: -1, max: 1 }]}
            series={[
              { data: points.map((p) => p.intent?.confidence ?? null), label: 'Intent confidence', color: '#1d4ed8' },
              { data: points.map((p) => p.sentiment), label: 'Sentiment', color: '#b91c1c' },
            ]}
            margin={{ left: 8, right: 8, top: 8, bottom: 8 }}
          />
          <Box component="figcaption">
            <Box component="ol" sx={{ m: 0, pl: 3 }} aria-label="Intents over time">
              {points.map((p) => (
                <Typography component="li" variant="body2" key={p.n}>
                  {p.intent ? `${humanize(p.intent.name)} (${Math.round(p.intent.confidence * 100)}%)` : 'No intent'}
                  {p.sentiment !== null ? ` · sentiment ${p.sentiment.toFixed(2)}` : ''}
                </Typography>
              ))}
            </Box>
          </Box>
        </Box>
      )}
      <Typography variant="h6" component="h2" sx={{ mt: 2 }}>Entities</Typography>
      {entities.length === 0 ? (
        <Typography variant="body2">None found.</Typography>
      ) : (
        <Stack component="ul" direction="row" aria-label="Entities" sx={{ flexWrap: 'wrap', gap: 1, p: 0, m: 0, listStyle: 'none' }}>
          {entities.map((e) => (
            <li key={`${e.kind}-${e.text}`}>
              <Chip size="small" variant="outlined" label={`${humanize(e.kind)}: ${e.text}`} data-testid="entity" />
            </li>
          ))}
        </Stack>
      )}
    </Box>
  );
}
