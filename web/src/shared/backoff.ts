/** Exponential backoff with full jitter: attempt 0 → up to `base`, doubling to `max`. */
export function backoffDelay(attempt: number, base = 500, max = 30_000, random = Math.random): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
