// Integrations: the tenant's Salesforce connection (settings validated by the
// server, errors on the field they name), a connection test, a knowledge
// import on demand, and the outbox's dead letters with Retry.

import { useEffect, useState, type FormEvent } from 'react';
import {
  Alert, Box, Button, Checkbox, Chip, FormControlLabel, Grid, MenuItem, Paper, Stack, Switch, Table, TableBody,
  TableCell, TableContainer, TableHead, TableRow, TextField, Typography,
} from '@mui/material';
import { errorField, errorText } from '../api';
import {
  type SalesforceStatus, useImportSalesforceKnowledgeMutation, useOutboxQuery, usePutSalesforceMutation,
  useRetryOutboxMutation, useSalesforceQuery, useTestSalesforceMutation,
} from './api';
import { dateTime, ErrorAlert, Loading, PageHeader, ScreenReaderOnly } from './common';

const FLOWS = [
  { value: 'jwt_bearer', label: 'JWT bearer (recommended)' },
  { value: 'client_credentials', label: 'Client credentials' },
  { value: 'password', label: 'Username and password' },
  { value: 'simulator', label: 'Bundled simulator' },
] as const;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const s = (v: unknown) => (typeof v === 'string' ? v : '');

/** The form's fields; everything else in the stored settings is kept as is. */
export interface SfForm {
  enabled: boolean;
  login_url: string;
  api_version: string;
  flow: string;
  client_id: string;
  username: string;
  private_key_file: string;
  client_secret_env: string;
  password_env: string;
  default_queue: string;
  conversation_url: string;
  knowledge_languages: string;
  subscribe: boolean;
}

export function formOf(settings: Obj | null): SfForm {
  const st = obj(settings);
  const auth = obj(st.auth);
  return {
    enabled: st.enabled !== false,
    login_url: s(st.login_url),
    api_version: s(st.api_version) || '62.0',
    flow: s(auth.flow) || 'jwt_bearer',
    client_id: s(auth.client_id),
    username: s(auth.username),
    private_key_file: s(auth.private_key_file),
    client_secret_env: s(auth.client_secret_env),
    password_env: s(auth.password_env),
    default_queue: s(st.default_queue),
    conversation_url: s(st.conversation_url),
    knowledge_languages: Array.isArray(st.knowledge_languages) ? (st.knowledge_languages as string[]).join(', ') : '',
    subscribe: st.subscribe !== false,
  };
}

/** The settings document to PUT: the stored one with the form's fields applied. */
export function settingsOf(form: SfForm, base: Obj | null): Obj {
  const out: Obj = { ...obj(base) };
  const opt = (k: string, v: string) => {
    if (v.trim()) out[k] = v.trim();
    else delete out[k];
  };
  out.enabled = form.enabled;
  opt('login_url', form.login_url);
  out.api_version = form.api_version.trim() || '62.0';
  opt('default_queue', form.default_queue);
  opt('conversation_url', form.conversation_url);
  out.knowledge_languages = form.knowledge_languages.split(',').map((l) => l.trim()).filter(Boolean);
  out.subscribe = form.subscribe;
  const auth: Obj = { flow: form.flow };
  const put = (k: string, v: string) => {
    if (v.trim()) auth[k] = v.trim();
  };
  if (form.flow !== 'simulator') put('client_id', form.client_id);
  if (form.flow === 'jwt_bearer' || form.flow === 'password') put('username', form.username);
  if (form.flow === 'jwt_bearer') put('private_key_file', form.private_key_file);
  if (form.flow === 'client_credentials' || form.flow === 'password') {
    put('client_secret_env', form.client_secret_env);
    // Keep a secret file the stored settings name (the form edits the env var only).
    const prev = obj(obj(base).auth);
    if (prev.flow === form.flow && typeof prev.client_secret_file === 'string') auth.client_secret_file = prev.client_secret_file;
  }
  if (form.flow === 'password') {
    put('password_env', form.password_env);
    const prev = obj(obj(base).auth);
    if (prev.flow === 'password' && typeof prev.password_file === 'string') auth.password_file = prev.password_file;
  }
  out.auth = auth;
  return out;
}

function StatusResult({ status }: { status: SalesforceStatus }) {
  const ok = status.connected === true;
  return (
    <Alert severity={ok ? 'success' : status.configured === false ? 'info' : 'error'} sx={{ mt: 2 }} role="status" data-testid="sf-test-result">
      {ok ? 'Connected' : status.configured === false ? 'Not configured' : 'Not connected'}
      {status.instance_url && <> to <code>{status.instance_url}</code></>}
      {status.org_id && <> (org <code>{status.org_id}</code>)</>}
      {status.api_requests_max != null && status.api_requests_remaining != null && (
        <>. API requests left today: {status.api_requests_remaining.toLocaleString()} of {status.api_requests_max.toLocaleString()}</>
      )}
      {status.error && <>: {status.error}</>}
    </Alert>
  );
}

function SalesforceSettings() {
  const { data, error, isLoading } = useSalesforceQuery();
  const [save, saving] = usePutSalesforceMutation();
  const [test, testing] = useTestSalesforceMutation();
  const [form, setForm] = useState<SfForm | null>(null);
  const [savedNote, setSavedNote] = useState<string | null>(null);

  useEffect(() => {
    if (data) setForm(formOf(data.settings));
  }, [data]);

  const field = errorField(saving.error)?.replace(/^salesforce\./, '');
  const f = (name: string, label: string, help = ' ', extra: object = {}) => {
    if (!form) return null;
    const key = name.split('.').pop() as keyof SfForm;
    // The server names nested fields with or without `auth.` (`salesforce.client_id` for a missing one).
    const bad = field === name || field === key || field === `auth.${key}` || (name === 'auth.flow' && field === 'auth');
    return (
      <TextField
        label={label}
        value={form[key] as string}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
        error={bad}
        helperText={bad ? errorText(saving.error) : help}
        fullWidth
        {...extra}
      />
    );
  };

  async function onSave(e: FormEvent) {
    e.preventDefault();
    if (!form) return;
    setSavedNote(null);
    try {
      await save(settingsOf(form, data?.settings ?? null)).unwrap();
      setSavedNote('Saved. The connection is used from now on.');
    } catch {
      // shown on the field or below
    }
  }

  async function onDisconnect() {
    setSavedNote(null);
    try {
      await save(null).unwrap();
      setSavedNote('Disconnected: escalations stay in Concierge.');
    } catch {
      // shown below
    }
  }

  const flow = form?.flow;
  return (
    <Paper sx={{ p: 2, mb: 3 }} component="section" aria-labelledby="sf-title">
      <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center', flexWrap: 'wrap', gap: 1 }}>
        <Typography id="sf-title" component="h2" variant="h6">
          Salesforce
        </Typography>
        {data && <Chip size="small" label={data.source === 'tenant' ? 'own settings' : data.source === 'simulator' ? 'simulator (demo)' : 'not connected'} />}
      </Stack>
      <ErrorAlert error={error} what="Could not load the Salesforce settings" />
      {isLoading && <Loading label="Loading Salesforce settings" />}
      {form && (
        <Box component="form" onSubmit={onSave} aria-label="Salesforce settings" sx={{ mt: 2 }}>
          <Grid container spacing={2}>
            <Grid size={{ xs: 12 }}>
              <FormControlLabel control={<Switch checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.target.checked })} />} label="Enabled (create Cases for escalations)" />
              <FormControlLabel control={<Switch checked={form.subscribe} onChange={(e) => setForm({ ...form, subscribe: e.target.checked })} />} label="Receive Case changes (Pub/Sub)" />
            </Grid>
            <Grid size={{ xs: 12, md: 6 }}>
              {f('auth.flow', 'Sign-in flow', ' ', {
                select: true,
                children: FLOWS.map((o) => <MenuItem key={o.value} value={o.value}>{o.label}</MenuItem>),
              })}
            </Grid>
            <Grid size={{ xs: 12, md: 6 }}>{f('login_url', 'Login URL', 'https://login.salesforce.com, test.salesforce.com or My Domain')}</Grid>
            {flow !== 'simulator' && <Grid size={{ xs: 12, md: 6 }}>{f('auth.client_id', 'Client ID', 'Consumer key of the connected app')}</Grid>}
            {(flow === 'jwt_bearer' || flow === 'password') && <Grid size={{ xs: 12, md: 6 }}>{f('auth.username', 'Username')}</Grid>}
            {flow === 'jwt_bearer' && <Grid size={{ xs: 12, md: 6 }}>{f('auth.private_key_file', 'Private key file', 'Path on the server')}</Grid>}
            {(flow === 'client_credentials' || flow === 'password') && (
              <Grid size={{ xs: 12, md: 6 }}>{f('auth.client_secret_env', 'Client secret environment variable', 'The secret itself is never stored here')}</Grid>
            )}
            {flow === 'password' && <Grid size={{ xs: 12, md: 6 }}>{f('auth.password_env', 'Password environment variable')}</Grid>}
            <Grid size={{ xs: 12, md: 3 }}>{f('api_version', 'API version')}</Grid>
            <Grid size={{ xs: 12, md: 3 }}>{f('default_queue', 'Default queue', 'For unmapped queues')}</Grid>
            <Grid size={{ xs: 12, md: 6 }}>{f('knowledge_languages', 'Knowledge languages', 'Import these, e.g. en_US, de (empty: none)')}</Grid>
            <Grid size={{ xs: 12 }}>{f('conversation_url', 'Conversation link', 'Put on the Case; {id} is the conversation id')}</Grid>
          </Grid>
          {saving.error && !field ? <ErrorAlert error={saving.error} what="Could not save" /> : null}
          {savedNote && <Alert severity="success" role="status" sx={{ mt: 1 }}>{savedNote}</Alert>}
          <Stack direction="row" sx={{ gap: 1, mt: 2, flexWrap: 'wrap' }}>
            <Button type="submit" variant="contained" disabled={saving.isLoading}>Save settings</Button>
            <Button variant="outlined" onClick={() => test()} disabled={testing.isLoading}>Test connection</Button>
            {data?.source === 'tenant' && <Button color="error" onClick={onDisconnect} disabled={saving.isLoading}>Disconnect</Button>}
          </Stack>
        </Box>
      )}
      {!form && !isLoading && (
        <Button variant="outlined" sx={{ mt: 1 }} onClick={() => test()} disabled={testing.isLoading}>Test connection</Button>
      )}
      {testing.isLoading && <Typography variant="body2" role="status" sx={{ mt: 2 }}>Testing the connection…</Typography>}
      <ErrorAlert error={testing.error} what="The test failed" />
      {testing.data && !testing.isLoading && <StatusResult status={testing.data} />}
    </Paper>
  );
}

function KnowledgeImport() {
  const [run, state] = useImportSalesforceKnowledgeMutation();
  const [full, setFull] = useState(false);
  return (
    <Paper sx={{ p: 2, mb: 3 }} component="section" aria-labelledby="sf-kb-title">
      <Typography id="sf-kb-title" component="h2" variant="h6">Salesforce Knowledge</Typography>
      <Typography variant="body2" color="text.secondary">Imports the published articles of the configured languages now (also done on a schedule).</Typography>
      <Stack direction="row" sx={{ gap: 2, mt: 1, alignItems: 'center' }}>
        <FormControlLabel control={<Checkbox checked={full} onChange={(e) => setFull(e.target.checked)} />} label="Read every article again" />
        <Button variant="outlined" onClick={() => run({ full })} disabled={state.isLoading}>Import knowledge</Button>
      </Stack>
      <ErrorAlert error={state.error} what="The import failed" />
      {state.data && (
        <Alert severity="success" role="status" sx={{ mt: 1 }}>
          Imported: {Object.entries(state.data).filter(([, v]) => typeof v !== 'object').map(([k, v]) => `${k.replace(/_/g, ' ')} ${String(v)}`).join(', ') || 'done'}
        </Alert>
      )}
    </Paper>
  );
}

function Outbox() {
  const [status, setStatus] = useState('dead');
  const { data, error, isLoading } = useOutboxQuery(status);
  const [retry, retrying] = useRetryOutboxMutation();
  const [retried, setRetried] = useState<number | null>(null);
  return (
    <Paper sx={{ p: 2 }} component="section" aria-labelledby="outbox-title">
      <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
        <Box>
          <Typography id="outbox-title" component="h2" variant="h6">Outbox</Typography>
          <Typography variant="body2" color="text.secondary">Writes to Salesforce. Dead letters gave up after their retries; Retry queues one again.</Typography>
        </Box>
        <TextField select size="small" label="Status" value={status} onChange={(e) => setStatus(e.target.value)} sx={{ minWidth: 160 }}>
          <MenuItem value="dead">Dead letters</MenuItem>
          <MenuItem value="pending">Pending</MenuItem>
          <MenuItem value="delivered">Delivered</MenuItem>
        </TextField>
      </Stack>
      <ErrorAlert error={error} what="Could not load the outbox" />
      <ErrorAlert error={retrying.error} what="Could not retry" />
      {retried !== null && !retrying.error && <Alert severity="success" role="status" sx={{ mt: 1 }}>Event {retried} is queued again.</Alert>}
      {isLoading ? (
        <Loading label="Loading the outbox" />
      ) : (
        <TableContainer tabIndex={0} role="region" aria-label="Outbox events table" sx={{ mt: 1 }}>
          <Table size="small" aria-label="Outbox events">
            <TableHead>
              <TableRow>
                <TableCell>Id</TableCell>
                <TableCell>Topic</TableCell>
                <TableCell align="right">Attempts</TableCell>
                <TableCell>Created</TableCell>
                <TableCell>Next attempt</TableCell>
                <TableCell>Payload</TableCell>
                <TableCell><ScreenReaderOnly>Actions</ScreenReaderOnly></TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {(data ?? []).length === 0 && (
                <TableRow><TableCell colSpan={7}>{status === 'dead' ? 'No dead letters.' : 'No events.'}</TableCell></TableRow>
              )}
              {(data ?? []).map((e) => (
                <TableRow key={e.id}>
                  <TableCell>{e.id}</TableCell>
                  <TableCell><code>{e.topic}</code></TableCell>
                  <TableCell align="right">{e.attempts}</TableCell>
                  <TableCell>{dateTime(e.created_at)}</TableCell>
                  <TableCell>{e.status === 'pending' ? dateTime(e.next_attempt_at) : '—'}</TableCell>
                  <TableCell sx={{ maxWidth: 360 }}>
                    <Typography variant="caption" component="code" sx={{ display: 'block', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={JSON.stringify(e.payload)}>
                      {JSON.stringify(e.payload)}
                    </Typography>
                    {e.last_error && <Typography variant="caption" color="error">{e.last_error}</Typography>}
                  </TableCell>
                  <TableCell>
                    {e.status === 'dead' && (
                      <Button size="small" aria-label={`Retry event ${e.id}`} disabled={retrying.isLoading}
                        onClick={async () => {
                          setRetried(null);
                          try {
                            await retry(e.id).unwrap();
                            setRetried(e.id);
                          } catch {
                            // shown above
                          }
                        }}>
                        Retry
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
    </Paper>
  );
}

export function IntegrationsPage() {
  return (
    <Box>
      <PageHeader title="Integrations" />
      <SalesforceSettings />
      <KnowledgeImport />
      <Outbox />
    </Box>
  );
}
