import { backoffDelay } from './backoff';
import { mergeMessages } from './messages';

describe('backoffDelay', () => {
  it('grows exponentially and is capped', () => {
    expect(backoffDelay(0, 500, 30_000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 30_000, () => 1)).toBe(4000);
    expect(backoffDelay(30, 500, 30_000, () => 1)).toBe(30_000);
  });
  it('jitters within the upper half of the window', () => {
    expect(backoffDelay(3, 500, 30_000, () => 0)).toBe(2000);
  });
});

describe('mergeMessages', () => {
  it('drops duplicates and keeps creation order', () => {
    const a = { id: 'a', created_at: '2026-01-01T00:00:01Z', text: 'old' };
    const b = { id: 'b', created_at: '2026-01-01T00:00:02Z', text: 'b' };
    const a2 = { ...a, text: 'new' };
    const merged = mergeMessages([b], [a, a2, b]);
    expect(merged.map((m) => m.id)).toEqual(['a', 'b']);
    expect(merged[0]?.text).toBe('new');
  });
});
