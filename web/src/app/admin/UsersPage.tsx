// Users and roles: the tenant's staff (change role, disable/enable, invite
// new ones) and what each role may do.

import { useState, type FormEvent } from 'react';
import {
  Alert, Box, Button, Chip, Dialog, DialogActions, DialogContent, DialogTitle, Grid, MenuItem, Paper, Stack, Table,
  TableBody, TableCell, TableContainer, TableHead, TableRow, TextField, Typography,
} from '@mui/material';
import PersonAddIcon from '@mui/icons-material/PersonAdd';
import { errorField, errorText } from '../api';
import type { Role } from '../session';
import { useAppSelector } from '../store';
import { type CreatedUser, type NewUser, type RoleInfo, useCreateUserMutation, useRolesQuery, useUpdateUserMutation, useUsersQuery } from './api';
import { dateTime, ErrorAlert, Loading, PageHeader, ScreenReaderOnly } from './common';

const ACCOUNT_ROLES: Role[] = ['admin', 'supervisor', 'agent', 'service'];

function NewUserDialog({ open, onClose, onCreated, roles }: {
  open: boolean; onClose: () => void; onCreated: (c: CreatedUser) => void; roles: Role[];
}) {
  const [form, setForm] = useState<NewUser>({ email: '', name: '', role: 'agent', password: '' });
  const [create, state] = useCreateUserMutation();
  const field = errorField(state.error);
  const help = (name: string, text: string) => (field === name ? errorText(state.error) : text);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: NewUser = { email: form.email.trim(), role: form.role };
    if (form.name?.trim()) body.name = form.name.trim();
    if (form.password) body.password = form.password;
    try {
      const created = await create(body).unwrap();
      setForm({ email: '', name: '', role: 'agent', password: '' });
      state.reset();
      onClose();
      onCreated(created);
    } catch {
      // shown in the form
    }
  }

  return (
    <Dialog open={open} onClose={onClose} aria-labelledby="new-user-title" fullWidth maxWidth="sm"
      slotProps={{ paper: { component: 'form', onSubmit: submit } as object }}>
      <DialogTitle id="new-user-title">New user</DialogTitle>
      <DialogContent>
        <Stack sx={{ gap: 2, pt: 1 }}>
          <TextField label="Email" type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })}
            error={field === 'email'} helperText={help('email', ' ')} />
          <TextField label="Display name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })}
            error={field === 'name'} helperText={help('name', ' ')} />
          <TextField select label="Role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
            error={field === 'role'} helperText={help('role', ' ')}>
            {roles.map((r) => <MenuItem key={r} value={r}>{r}</MenuItem>)}
          </TextField>
          <TextField label="Initial password" type="password" autoComplete="new-password" value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })} error={field === 'password'}
            helperText={help('password', 'At least 12 characters; leave empty to have one generated and shown once')} />
          {state.error && !field ? <ErrorAlert error={state.error} /> : null}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button type="submit" variant="contained" disabled={state.isLoading || !form.email.trim()}>Create user</Button>
      </DialogActions>
    </Dialog>
  );
}

function RolesPanel({ roles, error, loading }: { roles: RoleInfo[] | undefined; error: unknown; loading: boolean }) {
  return (
    <Paper sx={{ p: 2 }} component="section" aria-labelledby="roles-title">
      <Typography id="roles-title" component="h2" variant="h6" sx={{ mb: 1 }}>Roles</Typography>
      <ErrorAlert error={error} what="Could not load the roles" />
      {loading && <Loading label="Loading roles" />}
      <Stack sx={{ gap: 2 }}>
        {(roles ?? []).map((r) => (
          <Box key={r.name}>
            <Typography component="h3" variant="subtitle1" sx={{ fontWeight: 600 }}>{r.name}</Typography>
            {r.description && <Typography variant="body2">{r.description}</Typography>}
            {r.permissions && r.permissions.length > 0 && (
              <Stack direction="row" sx={{ gap: 0.5, flexWrap: 'wrap', mt: 0.5 }} aria-label={`Permissions of ${r.name}`}>
                {r.permissions.map((p) => <Chip key={p} size="small" variant="outlined" label={p} />)}
              </Stack>
            )}
          </Box>
        ))}
      </Stack>
    </Paper>
  );
}

export function UsersPage() {
  const me = useAppSelector((s) => s.session.user?.id);
  const { data: users, error, isLoading } = useUsersQuery();
  const roles = useRolesQuery();
  const [update, updating] = useUpdateUserMutation();
  const [adding, setAdding] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  const roleNames = roles.data
    ?.filter((r) => r.assignable !== false)
    .map((r) => r.name)
    .filter((r): r is Role => (ACCOUNT_ROLES as string[]).includes(r)) ?? [];
  const assignable = roleNames.length > 0 ? roleNames : ACCOUNT_ROLES;
  const [created, setCreated] = useState<CreatedUser | null>(null);

  async function change(id: string, label: string, patch: Parameters<typeof update>[0]['patch']) {
    setDone(null);
    try {
      await update({ id, patch }).unwrap();
      setDone(label);
    } catch {
      // shown above the table
    }
  }

  return (
    <Box>
      <PageHeader title="Users & roles">
        <Button variant="contained" startIcon={<PersonAddIcon />} onClick={() => setAdding(true)}>New user</Button>
      </PageHeader>
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, lg: 8 }}>
          <ErrorAlert error={error} what="Could not load the users" />
          <ErrorAlert error={updating.error} what="Could not change the user" />
          {done && <Alert severity="success" role="status" sx={{ mb: 1 }} onClose={() => setDone(null)}>{done}</Alert>}
          {isLoading ? (
            <Loading label="Loading users" />
          ) : (
            <TableContainer tabIndex={0} role="region" aria-label="Users table" component={Paper}>
              <Table size="small" aria-label="Users">
                <TableHead>
                  <TableRow>
                    <TableCell>Name</TableCell>
                    <TableCell>Email</TableCell>
                    <TableCell>Role</TableCell>
                    <TableCell>Status</TableCell>
                    <TableCell>Created</TableCell>
                    <TableCell><ScreenReaderOnly>Actions</ScreenReaderOnly></TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {(users ?? []).length === 0 && <TableRow><TableCell colSpan={6}>No users.</TableCell></TableRow>}
                  {(users ?? []).map((u) => {
                    const who = u.name || u.email || u.id;
                    const self = u.id === me;
                    return (
                      <TableRow key={u.id} data-testid={`user-${u.id}`}>
                        <TableCell>{u.name ?? '—'}{self && <Chip size="small" label="you" sx={{ ml: 1 }} />}</TableCell>
                        <TableCell>{u.email ?? '—'}</TableCell>
                        <TableCell>
                          <TextField select size="small" value={u.role} disabled={self || updating.isLoading}
                            onChange={(e) => change(u.id, `${who} is now ${e.target.value}.`, { role: e.target.value as Role })}
                            sx={{ minWidth: 140 }}
                            slotProps={{ select: { native: true }, htmlInput: { 'aria-label': `Role of ${who}` } }}>
                            {(assignable.includes(u.role) ? assignable : [...assignable, u.role]).map((r) => <option key={r} value={r}>{r}</option>)}
                          </TextField>
                        </TableCell>
                        <TableCell>
                          <Chip size="small" label={u.status} color={u.status === 'active' ? 'success' : u.status === 'disabled' ? 'default' : 'info'} />
                        </TableCell>
                        <TableCell>{dateTime(u.created_at)}</TableCell>
                        <TableCell>
                          {!self && (u.status === 'disabled' ? (
                            <Button size="small" onClick={() => change(u.id, `${who} is enabled.`, { status: 'active' })} aria-label={`Enable ${who}`}>Enable</Button>
                          ) : (
                            <Button size="small" color="error" onClick={() => change(u.id, `${who} is disabled.`, { status: 'disabled' })} aria-label={`Disable ${who}`}>Disable</Button>
                          ))}
                        </TableCell>
                      </TableRow>
                    );
                  })}
                </TableBody>
              </Table>
            </TableContainer>
          )}
        </Grid>
        <Grid size={{ xs: 12, lg: 4 }}>
          <RolesPanel roles={roles.data} error={roles.error} loading={roles.isLoading} />
        </Grid>
      </Grid>
      <NewUserDialog open={adding} onClose={() => setAdding(false)} onCreated={setCreated} roles={assignable} />
      <Dialog open={created !== null} onClose={() => setCreated(null)} aria-labelledby="created-user-title" fullWidth maxWidth="sm">
        <DialogTitle id="created-user-title">User created</DialogTitle>
        <DialogContent>
          <Typography sx={{ mb: 2 }}>
            {created?.user.email} can sign in as {created?.user.role}.
            {created?.generated_password ? ' Give them this password now: it is shown only this once.' : ''}
          </Typography>
          {created?.generated_password && (
            <TextField label="Generated password" value={created.generated_password} fullWidth
              slotProps={{ htmlInput: { readOnly: true, 'data-testid': 'generated-password', spellCheck: false }, input: { sx: { fontFamily: 'monospace' } } }} />
          )}
        </DialogContent>
        <DialogActions>
          <Button variant="contained" onClick={() => setCreated(null)}>Done</Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}
