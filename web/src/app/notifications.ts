// Toasts and the notification bell (e.g. "a conversation was escalated to your queue").
import { createSlice, nanoid, type PayloadAction } from '@reduxjs/toolkit';

export interface Notice {
  id: string;
  text: string;
  severity: 'info' | 'success' | 'warning' | 'error';
  /** Where clicking it leads (a path inside /app). */
  link?: string;
  read: boolean;
}

const slice = createSlice({
  name: 'notifications',
  initialState: { items: [] as Notice[] },
  reducers: {
    notify: {
      reducer(s, a: PayloadAction<Notice>) {
        s.items.unshift(a.payload);
        s.items = s.items.slice(0, 50);
      },
      prepare(n: Omit<Notice, 'id' | 'read'>) {
        return { payload: { ...n, id: nanoid(), read: false } };
      },
    },
    markRead(s, a: PayloadAction<string | undefined>) {
      for (const n of s.items) if (!a.payload || n.id === a.payload) n.read = true;
    },
  },
});

export const { notify, markRead } = slice.actions;
export const notificationsReducer = slice.reducer;
