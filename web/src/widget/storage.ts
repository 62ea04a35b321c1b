// What survives a reload, per tenant key: the visitor's id and token and the
// conversation in progress (so a reload continues it), and which
// conversations were already rated.

export interface Saved {
  visitorId?: string;
  token?: string;
  /** Epoch milliseconds when `token` expires. */
  tokenExpiresAt?: number;
  conversationId?: string;
  /** Conversations this visitor rated. */
  rated?: string[];
}

export interface SessionStore {
  load(): Saved;
  save(patch: Partial<Saved>): Saved;
  clear(keys: (keyof Saved)[]): Saved;
}

export function storageKey(tenantKey: string): string {
  return `concierge.widget.${tenantKey}`;
}

/** A store over localStorage (in memory when storage is unavailable, e.g. blocked cookies). */
export function localSession(tenantKey: string, storage: Storage | null = safeLocalStorage()): SessionStore {
  const key = storageKey(tenantKey);
  let memory: Saved = {};
  const read = (): Saved => {
    if (!storage) return memory;
    try {
      const raw = storage.getItem(key);
      const v = raw ? (JSON.parse(raw) as unknown) : {};
      return v && typeof v === 'object' ? (v as Saved) : {};
    } catch {
      return memory;
    }
  };
  const write = (v: Saved): Saved => {
    memory = v;
    try {
      storage?.setItem(key, JSON.stringify(v));
    } catch {
      // Quota or privacy mode: keep it in memory.
    }
    return v;
  };
  return {
    load: read,
    save: (patch) => write({ ...read(), ...patch }),
    clear: (keys) => {
      const v = { ...read() };
      for (const k of keys) delete v[k];
      return write(v);
    },
  };
}

function safeLocalStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
