// The workflow definitions, read only: what starts each one, the slots it
// collects (in order) and the action it runs.

import {
  Accordion, AccordionDetails, AccordionSummary, Box, Chip, Paper, Stack, Table, TableBody, TableCell, TableContainer,
  TableHead, TableRow, Typography,
} from '@mui/material';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import { type Localized, useWorkflowsQuery } from './api';
import { ErrorAlert, Loading, PageHeader } from './common';

function text(l: Localized | null | undefined): string {
  if (l == null) return '';
  if (typeof l === 'string') return l;
  return l.en ?? Object.values(l)[0] ?? '';
}

function languages(l: Localized | null | undefined): string[] {
  return l && typeof l === 'object' ? Object.keys(l) : [];
}

export function WorkflowsPage() {
  const { data, error, isLoading } = useWorkflowsQuery();
  return (
    <Box>
      <PageHeader title="Workflows" />
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        Workflows collect what an action needs, ask the customer to confirm and run it. They are defined on the server and shown here read only.
      </Typography>
      <ErrorAlert error={error} what="Could not load the workflows" />
      {isLoading && <Loading label="Loading workflows" />}
      {data && data.length === 0 && <Typography>No workflows are defined.</Typography>}
      {data?.map((w) => (
        <Accordion key={w.name} disableGutters slotProps={{ heading: { component: 'h2' } }}>
          <AccordionSummary expandIcon={<ExpandMoreIcon />} aria-controls={`wf-${w.name}`} id={`wf-${w.name}-h`}>
            <Stack component="span">
              <Typography component="span" variant="h6">{w.title || w.name}</Typography>
              <Typography variant="body2" component="span" color="text.secondary">
                <code>{w.name}</code> · {w.slots?.length ?? 0} slots · action <code>{w.action.kind}</code>
              </Typography>
            </Stack>
          </AccordionSummary>
          <AccordionDetails id={`wf-${w.name}`}>
            {w.description && <Typography sx={{ mb: 2 }}>{w.description}</Typography>}
            <Stack direction="row" sx={{ gap: 1, flexWrap: 'wrap', mb: 2, alignItems: 'center' }}>
              <Typography variant="subtitle2" component="h3">Started by intents:</Typography>
              {(w.triggers ?? []).length === 0 ? <Typography variant="body2">none</Typography> : w.triggers?.map((t) => <Chip key={t} size="small" label={t} />)}
            </Stack>
            <Typography variant="subtitle2" component="h3" sx={{ mb: 1 }}>Steps</Typography>
            <TableContainer tabIndex={0} role="region" aria-label="Workflows table" component={Paper} variant="outlined" sx={{ mb: 2 }}>
              <Table size="small" aria-label={`Steps of ${w.title || w.name}`}>
                <TableHead>
                  <TableRow>
                    <TableCell>#</TableCell>
                    <TableCell>Step</TableCell>
                    <TableCell>Kind</TableCell>
                    <TableCell>Asks / says</TableCell>
                    <TableCell>Accepts</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {(w.slots ?? []).map((s, i) => (
                    <TableRow key={s.name}>
                      <TableCell>{i + 1}</TableCell>
                      <TableCell>Ask for <code>{s.name}</code></TableCell>
                      <TableCell>{s.kind}</TableCell>
                      <TableCell>
                        {text(s.prompt)}
                        {languages(s.prompt).length > 1 && (
                          <Typography variant="caption" component="div" color="text.secondary">
                            languages: {languages(s.prompt).join(', ')}
                          </Typography>
                        )}
                      </TableCell>
                      <TableCell>
                        {s.options && s.options.length > 0 && s.options.map((o) => o.value).join(', ')}
                        {s.pattern && <div>pattern <code>{s.pattern}</code></div>}
                        {s.max_attempts !== undefined && <div>{s.max_attempts} attempts</div>}
                      </TableCell>
                    </TableRow>
                  ))}
                  {w.confirm && (
                    <TableRow>
                      <TableCell>{(w.slots?.length ?? 0) + 1}</TableCell>
                      <TableCell>Confirm</TableCell>
                      <TableCell>yes/no</TableCell>
                      <TableCell>{text(w.confirm)}</TableCell>
                      <TableCell />
                    </TableRow>
                  )}
                  <TableRow>
                    <TableCell>{(w.slots?.length ?? 0) + (w.confirm ? 2 : 1)}</TableCell>
                    <TableCell>Run <code>{w.action.kind}</code></TableCell>
                    <TableCell>needs {w.action.authorization.replace(/_/g, ' ')}</TableCell>
                    <TableCell>
                      <div>On success: {text(w.success)}</div>
                      <div>On failure: {text(w.failure)}</div>
                    </TableCell>
                    <TableCell>
                      {Object.entries(w.action.params ?? {}).map(([k, v]) => (
                        <div key={k}><code>{k}</code> = <code>{v}</code></div>
                      ))}
                    </TableCell>
                  </TableRow>
                </TableBody>
              </Table>
            </TableContainer>
          </AccordionDetails>
        </Accordion>
      ))}
    </Box>
  );
}
