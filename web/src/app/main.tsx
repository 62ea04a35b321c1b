// The agent console and the admin, served at /app. Styles are injected by
// emotion with the nonce the server puts in <meta name="csp-nonce">, so the
// strict content security policy (no 'unsafe-inline') holds.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'react-redux';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import createCache from '@emotion/cache';
import { CacheProvider } from '@emotion/react';
import { CssBaseline, ThemeProvider } from '@mui/material';
import { makeStore, useAppSelector } from './store';
import { theme } from './theme';
import { Login } from './Login';
import { Layout } from './Layout';
import { RealtimeProvider } from './realtime';
import { consoleRoutes } from './console/routes';
import { adminRoutes } from './admin/routes';
import { isStaff } from './session';

const nonce = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content;
const cache = createCache({ key: 'cc', nonce: nonce && nonce !== '__CSP_NONCE__' ? nonce : undefined });

const router = createBrowserRouter(
  [
    {
      path: '/',
      element: <Layout />,
      children: [{ index: true, element: <Navigate to={consoleRoutes[0]?.path ?? 'admin'} replace /> }, ...consoleRoutes, ...adminRoutes],
    },
  ],
  { basename: '/app' },
);

function Root() {
  const user = useAppSelector((s) => s.session.user);
  if (!user || !isStaff(user.role)) return <Login />;
  return (
    <RealtimeProvider>
      <RouterProvider router={router} />
    </RealtimeProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <CacheProvider value={cache}>
      <ThemeProvider theme={theme}>
        <CssBaseline />
        <Provider store={makeStore()}>
          <Root />
        </Provider>
      </ThemeProvider>
    </CacheProvider>
  </StrictMode>,
);
