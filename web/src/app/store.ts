import { configureStore } from '@reduxjs/toolkit';
import { useDispatch, useSelector } from 'react-redux';
import { api } from './api';
import { persist, sessionReducer } from './session';
import { notificationsReducer } from './notifications';

export function makeStore() {
  const store = configureStore({
    reducer: { session: sessionReducer, notifications: notificationsReducer, [api.reducerPath]: api.reducer },
    middleware: (gdm) => gdm().concat(api.middleware),
  });
  let last = store.getState().session;
  store.subscribe(() => {
    const s = store.getState().session;
    if (s !== last) {
      last = s;
      persist(s);
    }
  });
  return store;
}

export type AppStore = ReturnType<typeof makeStore>;
export type RootState = ReturnType<AppStore['getState']>;
export type AppDispatch = AppStore['dispatch'];
export const useAppDispatch = useDispatch.withTypes<AppDispatch>();
export const useAppSelector = useSelector.withTypes<RootState>();
