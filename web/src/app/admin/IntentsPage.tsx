// Intents: the training examples of each intent (edit, one per line), and
// retraining the classifier with its progress and evaluation result.

import { useEffect, useState } from 'react';
import {
  Alert, Box, Button, Chip, Grid, LinearProgress, List, ListItem, ListItemButton, ListItemText, Paper, Stack, TextField, Typography,
} from '@mui/material';
import ModelTrainingIcon from '@mui/icons-material/ModelTraining';
import { errorText } from '../api';
import {
  retrainFinished, type Intent, useIntentsQuery, usePutIntentExamplesMutation, useRetrainJobQuery, useRetrainMutation,
} from './api';
import { ErrorAlert, Loading, PageHeader, pct } from './common';

/** Examples from the editor: one per line, trimmed, blank and repeated lines dropped. */
export function examplesOf(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t && !seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  }
  return out;
}

function Examples({ intent }: { intent: Intent }) {
  const [text, setText] = useState(intent.examples.join('\n'));
  const [save, state] = usePutIntentExamplesMutation();
  const [saved, setSaved] = useState(false);
  useEffect(() => setText(intent.examples.join('\n')), [intent]);
  const examples = examplesOf(text);
  const dirty = examples.join('\n') !== intent.examples.join('\n');

  async function onSave() {
    setSaved(false);
    try {
      await save({ name: intent.name, examples }).unwrap();
      setSaved(true);
    } catch {
      // shown below
    }
  }

  return (
    <Paper variant="outlined" sx={{ p: 2 }} component="section" aria-labelledby="intent-title">
      <Typography id="intent-title" component="h2" variant="h6">
        {intent.name}
      </Typography>
      {intent.description && (
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          {intent.description}
        </Typography>
      )}
      <TextField
        label="Examples"
        multiline
        fullWidth
        minRows={10}
        maxRows={30}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setSaved(false);
        }}
        helperText={`One example per line · ${examples.length} example${examples.length === 1 ? '' : 's'}`}
        sx={{ mt: 1 }}
      />
      <Stack direction="row" sx={{ gap: 1, mt: 1, alignItems: 'center' }}>
        <Button variant="contained" onClick={onSave} disabled={!dirty || state.isLoading}>
          Save examples
        </Button>
        {dirty && <Typography variant="body2" color="text.secondary">Unsaved changes</Typography>}
      </Stack>
      {saved && (
        <Alert severity="success" role="status" sx={{ mt: 1 }}>
          Saved. Retrain the classifier for the examples to take effect.
        </Alert>
      )}
      {state.error ? <Alert severity="error" sx={{ mt: 1 }}>{errorText(state.error)}</Alert> : null}
    </Paper>
  );
}

function Retrain() {
  const [start, starting] = useRetrainMutation();
  const [jobId, setJobId] = useState<string | null>(null);
  const [finished, setFinished] = useState(false);
  const job = useRetrainJobQuery(jobId ?? '', { skip: jobId === null, pollingInterval: finished ? 0 : 1000 });
  const state = job.data?.state;

  useEffect(() => {
    if (retrainFinished(state)) setFinished(true);
  }, [state]);

  async function onRetrain() {
    try {
      const r = await start().unwrap();
      setFinished(false);
      setJobId(r.job_id);
    } catch {
      // shown below
    }
  }

  const running = jobId !== null && !finished;
  const progress = job.data?.progress;
  const pctDone = progress == null ? null : Math.round((progress <= 1 ? progress * 100 : progress));
  const failed = state === 'failed' || state === 'error';
  const result = job.data?.result;

  return (
    <Paper variant="outlined" sx={{ p: 2, mb: 2 }} component="section" aria-labelledby="retrain-title">
      <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
        <Box>
          <Typography id="retrain-title" component="h2" variant="h6">
            Classifier
          </Typography>
          <Typography variant="body2" color="text.secondary">
            Retraining learns from every intent's examples and evaluates the new model before it is used.
          </Typography>
        </Box>
        <Button variant="contained" startIcon={<ModelTrainingIcon />} onClick={onRetrain} disabled={starting.isLoading || running}>
          Retrain
        </Button>
      </Stack>
      <ErrorAlert error={starting.error} what="Could not start retraining" />
      {jobId && (
        <Box sx={{ mt: 2 }} data-testid="retrain-status">
          <Typography variant="body2" id="retrain-progress-label">
            Job <code>{jobId}</code>: {state ?? 'starting'}
            {pctDone !== null && ` (${pctDone}%)`}
          </Typography>
          {running && (
            <LinearProgress
              sx={{ mt: 1 }}
              variant={pctDone === null ? 'indeterminate' : 'determinate'}
              value={pctDone ?? undefined}
              aria-labelledby="retrain-progress-label"
            />
          )}
          <ErrorAlert error={job.error} what="Could not read the job" />
          {failed && <Alert severity="error" sx={{ mt: 1 }}>Retraining failed{job.data?.error ? `: ${job.data.error}` : '.'}</Alert>}
          {result && (
            <Alert severity="success" sx={{ mt: 1 }} data-testid="retrain-result" role="status">
              Evaluation on {result.n.toLocaleString()} held-out examples: accuracy {pct(result.accuracy)}, macro F1 {result.macro_f1.toFixed(3)};
              trained in {result.train_seconds.toFixed(1)} s.
            </Alert>
          )}
        </Box>
      )}
    </Paper>
  );
}

export function IntentsPage() {
  const { data, error, isLoading } = useIntentsQuery();
  const [selected, setSelected] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const intents = (data ?? []).filter((i) => i.name.toLowerCase().includes(filter.trim().toLowerCase()));
  const current = data?.find((i) => i.name === selected) ?? intents[0];

  return (
    <Box>
      <PageHeader title="Intents" />
      <Retrain />
      <ErrorAlert error={error} what="Could not load the intents" />
      {isLoading && <Loading label="Loading intents" />}
      {data && (
        <Grid container spacing={2}>
          <Grid size={{ xs: 12, md: 4 }}>
            <Paper variant="outlined" sx={{ p: 1 }}>
              <TextField label="Filter intents" size="small" fullWidth value={filter} onChange={(e) => setFilter(e.target.value)} sx={{ mb: 1 }} />
              <List dense aria-label="Intents" sx={{ maxHeight: 560, overflow: 'auto' }}>
                {intents.map((i) => (
                  <ListItem key={i.name} disablePadding>
                    <ListItemButton selected={current?.name === i.name} onClick={() => setSelected(i.name)}>
                      <ListItemText primary={i.name} />
                      <Chip size="small" label={i.examples.length} aria-label={`${i.examples.length} examples`} />
                    </ListItemButton>
                  </ListItem>
                ))}
                {intents.length === 0 && <ListItem><ListItemText primary="No intents." /></ListItem>}
              </List>
            </Paper>
          </Grid>
          <Grid size={{ xs: 12, md: 8 }}>{current && <Examples key={current.name} intent={current} />}</Grid>
        </Grid>
      )}
    </Box>
  );
}
