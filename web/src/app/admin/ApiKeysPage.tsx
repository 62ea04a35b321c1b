// API keys: create (the secret is shown this once, with a copy button),
// list and revoke.

import { useState, type FormEvent } from 'react';
import {
  Alert, Box, Button, Chip, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, IconButton,
  InputAdornment, MenuItem, Paper, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField,
  Tooltip, Typography,
} from '@mui/material';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import { errorField, errorText } from '../api';
import type { Role } from '../session';
import { type ApiKey, type CreatedApiKey, useApiKeysQuery, useCreateApiKeyMutation, useRevokeApiKeyMutation } from './api';
import { dateTime, ErrorAlert, Loading, PageHeader, ScreenReaderOnly } from './common';

const KEY_ROLES: Role[] = ['service', 'agent', 'supervisor', 'admin'];

function SecretDialog({ created, onClose }: { created: CreatedApiKey | null; onClose: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  async function copy() {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  }
  return (
    <Dialog open={created !== null} onClose={onClose} aria-labelledby="secret-title" fullWidth maxWidth="sm">
      <DialogTitle id="secret-title">API key created</DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ mb: 2 }}>
          Copy the key for <strong>{created?.api_key.name}</strong> now: it is shown only this once and cannot be read again.
        </DialogContentText>
        <TextField
          label="Secret key"
          value={created?.key ?? ''}
          fullWidth
          slotProps={{
            htmlInput: { readOnly: true, 'data-testid': 'api-key-secret', spellCheck: false },
            input: {
              sx: { fontFamily: 'monospace' },
              endAdornment: (
                <InputAdornment position="end">
                  <Tooltip title="Copy">
                    <IconButton aria-label="Copy key" onClick={copy} edge="end">
                      <ContentCopyIcon />
                    </IconButton>
                  </Tooltip>
                </InputAdornment>
              ),
            },
          }}
        />
        {copied === 'yes' && <Alert severity="success" role="status" sx={{ mt: 1 }}>Copied to the clipboard.</Alert>}
        {copied === 'failed' && <Alert severity="warning" sx={{ mt: 1 }}>The clipboard is not available: select the key and copy it.</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} variant="contained">Done</Button>
      </DialogActions>
    </Dialog>
  );
}

export function ApiKeysPage() {
  const { data: keys, error, isLoading } = useApiKeysQuery();
  const [create, creating] = useCreateApiKeyMutation();
  const [revoke, revoking] = useRevokeApiKeyMutation();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('service');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [confirm, setConfirm] = useState<ApiKey | null>(null);

  async function onCreate(e: FormEvent) {
    e.preventDefault();
    try {
      const r = await create({ name: name.trim(), role }).unwrap();
      setCreated(r);
      setName('');
    } catch {
      // shown from creating.error
    }
  }

  async function onRevoke() {
    if (!confirm) return;
    try {
      await revoke(confirm.id).unwrap();
    } finally {
      setConfirm(null);
    }
  }

  const createField = errorField(creating.error);

  return (
    <Box>
      <PageHeader title="API keys" />
      <Paper component="form" onSubmit={onCreate} sx={{ p: 2, mb: 3 }} aria-labelledby="new-key-title">
        <Typography id="new-key-title" component="h2" variant="h6" sx={{ mb: 1 }}>
          New key
        </Typography>
        <Stack direction={{ xs: 'column', sm: 'row' }} sx={{ gap: 2, alignItems: 'flex-start' }}>
          <TextField
            label="Name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            error={createField === 'name'}
            helperText={createField === 'name' ? errorText(creating.error) : 'What uses it, e.g. zapier'}
          />
          <TextField select label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)} sx={{ minWidth: 160 }}>
            {KEY_ROLES.map((r) => (
              <MenuItem key={r} value={r}>{r}</MenuItem>
            ))}
          </TextField>
          <Button type="submit" variant="contained" disabled={creating.isLoading || name.trim() === ''} sx={{ mt: 1 }}>
            Create key
          </Button>
        </Stack>
        {creating.error && createField !== 'name' ? <ErrorAlert error={creating.error} /> : null}
      </Paper>

      <ErrorAlert error={error} what="Could not load the API keys" />
      <ErrorAlert error={revoking.error} what="Could not revoke the key" />
      {isLoading ? (
        <Loading label="Loading API keys" />
      ) : (
        <TableContainer tabIndex={0} role="region" aria-label="API keys table" component={Paper}>
          <Table size="small" aria-label="API keys">
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>Key</TableCell>
                <TableCell>Role</TableCell>
                <TableCell>Created</TableCell>
                <TableCell>Last used</TableCell>
                <TableCell>Status</TableCell>
                <TableCell><ScreenReaderOnly>Actions</ScreenReaderOnly></TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {(keys ?? []).length === 0 && (
                <TableRow>
                  <TableCell colSpan={7}>No API keys yet.</TableCell>
                </TableRow>
              )}
              {(keys ?? []).map((k) => (
                <TableRow key={k.id}>
                  <TableCell>{k.name}</TableCell>
                  <TableCell><code>{k.prefix}…</code></TableCell>
                  <TableCell>{k.role}</TableCell>
                  <TableCell>{dateTime(k.created_at)}</TableCell>
                  <TableCell>{k.last_used_at ? dateTime(k.last_used_at) : 'never'}</TableCell>
                  <TableCell>
                    {k.revoked_at ? <Chip size="small" label={`revoked ${dateTime(k.revoked_at)}`} /> : <Chip size="small" color="success" label="active" />}
                  </TableCell>
                  <TableCell>
                    {!k.revoked_at && (
                      <Button size="small" color="error" onClick={() => setConfirm(k)} aria-label={`Revoke ${k.name}`}>
                        Revoke
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}

      <SecretDialog created={created} onClose={() => setCreated(null)} />
      <Dialog open={confirm !== null} onClose={() => setConfirm(null)} aria-labelledby="revoke-title">
        <DialogTitle id="revoke-title">Revoke {confirm?.name}?</DialogTitle>
        <DialogContent>
          <DialogContentText>
            Requests with this key stop working at once on this server and within 10 seconds everywhere. This cannot be undone.
          </DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirm(null)}>Cancel</Button>
          <Button color="error" variant="contained" onClick={onRevoke} disabled={revoking.isLoading}>
            Revoke
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}
