// Who is signed in: tokens and user, kept in sessionStorage so a reload keeps
// the session (a new tab signs in again). Access tokens are refreshed with the
// refresh token when the API answers 401.

import { createAsyncThunk, createSlice, type PayloadAction } from '@reduxjs/toolkit';

export type Role = 'admin' | 'supervisor' | 'agent' | 'customer' | 'service';

export interface SessionUser {
  id: string | null;
  org_id: string;
  role: Role;
  email: string | null;
}

export interface SessionState {
  accessToken: string | null;
  refreshToken: string | null;
  user: SessionUser | null;
  status: 'idle' | 'signing-in' | 'failed';
  error: string | null;
}

const KEY = 'concierge.session';

function load(): SessionState {
  const empty: SessionState = { accessToken: null, refreshToken: null, user: null, status: 'idle', error: null };
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return empty;
    const v = JSON.parse(raw) as Partial<SessionState>;
    return { ...empty, accessToken: v.accessToken ?? null, refreshToken: v.refreshToken ?? null, user: v.user ?? null };
  } catch {
    return empty;
  }
}

export function persist(s: SessionState): void {
  try {
    if (s.accessToken) {
      sessionStorage.setItem(
        KEY,
        JSON.stringify({ accessToken: s.accessToken, refreshToken: s.refreshToken, user: s.user }),
      );
    } else sessionStorage.removeItem(KEY);
  } catch {
    // Storage may be unavailable (private mode); the session then lasts the page.
  }
}

interface TokenResponse {
  access_token: string;
  refresh_token: string;
  user: SessionUser;
}

async function errorMessage(r: Response): Promise<string> {
  try {
    const body = (await r.json()) as { error?: { message?: string } };
    return body.error?.message ?? `sign-in failed (${r.status})`;
  } catch {
    return `sign-in failed (${r.status})`;
  }
}

export const signIn = createAsyncThunk<TokenResponse, { email: string; password: string; tenant?: string }, { rejectValue: string }>(
  'session/signIn',
  async (creds, { rejectWithValue }) => {
    let r: Response;
    try {
      r = await fetch('/v1/auth/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: creds.email, password: creds.password, tenant: creds.tenant || undefined }),
      });
    } catch {
      return rejectWithValue('the server cannot be reached');
    }
    if (!r.ok) return rejectWithValue(await errorMessage(r));
    return (await r.json()) as TokenResponse;
  },
);

/** Exchanges the refresh token for a new pair; resolves to the new access token or null. */
export async function refreshTokens(refreshToken: string): Promise<TokenResponse | null> {
  try {
    const r = await fetch('/v1/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: refreshToken }),
    });
    return r.ok ? ((await r.json()) as TokenResponse) : null;
  } catch {
    return null;
  }
}

const slice = createSlice({
  name: 'session',
  initialState: load,
  reducers: {
    signedOut(s) {
      s.accessToken = null;
      s.refreshToken = null;
      s.user = null;
      s.status = 'idle';
      s.error = null;
    },
    tokensRefreshed(s, a: PayloadAction<TokenResponse>) {
      s.accessToken = a.payload.access_token;
      s.refreshToken = a.payload.refresh_token;
      s.user = a.payload.user;
    },
  },
  extraReducers: (b) => {
    b.addCase(signIn.pending, (s) => {
      s.status = 'signing-in';
      s.error = null;
    });
    b.addCase(signIn.fulfilled, (s, a) => {
      s.status = 'idle';
      s.accessToken = a.payload.access_token;
      s.refreshToken = a.payload.refresh_token;
      s.user = a.payload.user;
    });
    b.addCase(signIn.rejected, (s, a) => {
      s.status = 'failed';
      s.error = a.payload ?? 'sign-in failed';
    });
  },
});

export const { signedOut, tokensRefreshed } = slice.actions;
export const sessionReducer = slice.reducer;

export function isStaff(role: Role | undefined): boolean {
  return role === 'admin' || role === 'supervisor' || role === 'agent';
}
