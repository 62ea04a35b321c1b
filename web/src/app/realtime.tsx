// One WebSocket per signed-in staff member, shared by every screen.
import { createContext, useContext, useEffect, useMemo, useRef, type ReactNode } from 'react';
import { useStore } from 'react-redux';
import { RealtimeClient, type ServerEvent } from '../shared/ws';
import type { RootState } from './store';

const Ctx = createContext<RealtimeClient | null>(null);

export function RealtimeProvider({ children }: { children: ReactNode }) {
  const store = useStore<RootState>();
  const client = useMemo(
    () =>
      new RealtimeClient({
        token: () => {
          const t = store.getState().session.accessToken;
          if (!t) throw new Error('signed out');
          return t;
        },
      }),
    [store],
  );
  useEffect(() => {
    client.start();
    return () => client.stop();
  }, [client]);
  return <Ctx.Provider value={client}>{children}</Ctx.Provider>;
}

export function useRealtime(): RealtimeClient | null {
  return useContext(Ctx);
}

/** Calls `listener` for every server event while the component is mounted. */
export function useServerEvents(listener: (e: ServerEvent) => void): void {
  const client = useRealtime();
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => {
    if (!client) return;
    return client.onEvent((e) => ref.current(e));
  }, [client]);
}
