// Merging a conversation's messages from REST pages and WebSocket events:
// by id (no duplicates when both deliver the same message), in creation order.

export interface HasIdAndTime {
  id: string;
  created_at: string;
}

export function mergeMessages<T extends HasIdAndTime>(current: readonly T[], incoming: readonly T[]): T[] {
  if (incoming.length === 0) return current as T[];
  const byId = new Map<string, T>();
  for (const m of current) byId.set(m.id, m);
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) =>
    a.created_at === b.created_at ? a.id.localeCompare(b.id) : a.created_at < b.created_at ? -1 : 1,
  );
}
