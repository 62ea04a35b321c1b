import { useState, type FormEvent } from 'react';
import { Alert, Box, Button, Paper, TextField, Typography } from '@mui/material';
import { signIn } from './session';
import { useAppDispatch, useAppSelector } from './store';

export function Login() {
  const dispatch = useAppDispatch();
  const { status, error } = useAppSelector((s) => s.session);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [tenant, setTenant] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void dispatch(signIn({ email, password, tenant }));
  };

  return (
    <Box component="main" sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', p: 2 }}>
      <Paper component="form" onSubmit={submit} sx={{ p: 4, width: '100%', maxWidth: 400 }} aria-labelledby="login-title">
        <Typography id="login-title" variant="h5" component="h1" gutterBottom>
          Sign in to Concierge
        </Typography>
        {error && (
          <Alert severity="error" sx={{ mb: 2 }} role="alert">
            {error}
          </Alert>
        )}
        <TextField label="Email" type="email" autoComplete="username" required fullWidth margin="normal"
          value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        <TextField label="Password" type="password" autoComplete="current-password" required fullWidth margin="normal"
          value={password} onChange={(e) => setPassword(e.target.value)} />
        <TextField label="Tenant (optional)" fullWidth margin="normal" value={tenant}
          onChange={(e) => setTenant(e.target.value)} helperText="Needed only when your email belongs to several tenants" />
        <Button type="submit" variant="contained" fullWidth sx={{ mt: 2 }} disabled={status === 'signing-in'}>
          {status === 'signing-in' ? 'Signing in…' : 'Sign in'}
        </Button>
      </Paper>
    </Box>
  );
}
