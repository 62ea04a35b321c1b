// Small helpers shared by the console's screens.
import { useEffect, useState } from 'react';
import type { Role } from '../session';
import type { Citation, Conversation, Entity, Escalation, Message } from './types';

/** `general_support` → `General support`. */
export function humanize(name: string | null | undefined): string {
  if (!name) return '';
  const s = name.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Supervisors and admins see every queue and may reassign. */
export function isSupervisor(role: Role | undefined): boolean {
  return role === 'admin' || role === 'supervisor';
}

/** The current time, re-rendering every `ms` (default: each second). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** `1d 02:03:04`, `2:03:04`, `3:04` (absolute value of `ms`). */
export function formatDuration(ms: number): string {
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${two(h)}:${two(m)}:${two(s)}`;
  if (h > 0) return `${h}:${two(m)}:${two(s)}`;
  return `${m}:${two(s)}`;
}

export interface SlaState {
  /** Which deadline is running: the first human answer or the resolution. */
  kind: 'first_response' | 'resolution';
  deadline: number;
  /** Milliseconds left (negative once breached). */
  left: number;
  breached: boolean;
  /** "First response due in 4:59" / "Resolution breached 1:02 ago". */
  text: string;
}

/** The SLA that is running for an escalation, at `now`. */
export function slaOf(e: Escalation, now: number): SlaState | null {
  if (e.resolved_at) return null;
  const useFirst = !e.first_response_at && e.first_response_deadline;
  const at = useFirst ? e.first_response_deadline : e.sla_deadline;
  if (!at) return null;
  const deadline = Date.parse(at);
  const left = deadline - now;
  const kind = useFirst ? 'first_response' : 'resolution';
  const breached = left < 0 || (e.breached_at !== null && e.breach_kind === kind);
  const label = kind === 'first_response' ? 'First response' : 'Resolution';
  const text = left >= 0 ? `${label} due in ${formatDuration(left)}` : `${label} breached ${formatDuration(left)} ago`;
  return { kind, deadline, left, breached, text };
}

export interface CaseInfo {
  number: string;
  url: string | null;
}

/** The Salesforce Case (or local case) recorded for the conversation. */
export function caseOf(c: Conversation | undefined, e: Escalation | null | undefined): CaseInfo | null {
  const sf = (c?.metadata?.salesforce ?? null) as { case_number?: unknown; case_url?: unknown } | null;
  const number =
    (typeof sf?.case_number === 'string' && sf.case_number) ||
    (typeof e?.summary?.case_number === 'string' && e.summary.case_number) ||
    null;
  if (!number) return c?.salesforce_case_id ? { number: c.salesforce_case_id, url: null } : null;
  const url = typeof sf?.case_url === 'string' && /^https?:\/\//.test(sf.case_url) ? sf.case_url : null;
  return { number, url };
}

/** A customer's display name from the conversation's metadata or context. */
export function customerName(c: Conversation): string {
  const meta = c.metadata?.customer as { name?: unknown } | undefined;
  const profile = (c.context?.profile ?? undefined) as { name?: unknown; email?: unknown } | undefined;
  const name = meta?.name ?? profile?.name ?? profile?.email;
  return typeof name === 'string' && name ? name : 'Customer';
}

export function citationsOf(m: Message): Citation[] {
  const c = m.analysis?.citations;
  return Array.isArray(c) ? (c as Citation[]).filter((x) => x && typeof x.title === 'string') : [];
}

export function entitiesOf(m: Message): Entity[] {
  return Array.isArray(m.entities) ? (m.entities as Entity[]).filter((e) => e && typeof e.kind === 'string') : [];
}

/** The intent name and confidence of a customer message. */
export function intentOf(m: Message): { name: string; confidence: number } | null {
  const a = m.analysis?.intent as { name?: unknown; confidence?: unknown } | undefined;
  const name = m.intent ?? (typeof a?.name === 'string' ? a.name : null);
  const confidence = m.intent_confidence ?? (typeof a?.confidence === 'number' ? a.confidence : null);
  return name && confidence !== null ? { name, confidence } : null;
}

export function sentimentOf(m: Message): number | null {
  if (typeof m.sentiment === 'number') return m.sentiment;
  const s = m.analysis?.sentiment as { compound?: unknown } | undefined;
  return typeof s?.compound === 'number' ? s.compound : null;
}

// An agent's followed queues (agents see and are notified about those; none
// followed means all). Kept per user in localStorage.
const FOLLOW_KEY = 'concierge.console.queues.';

export function followedQueues(userId: string | null | undefined): string[] {
  try {
    const raw = localStorage.getItem(FOLLOW_KEY + (userId ?? 'anon'));
    const v: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function setFollowedQueues(userId: string | null | undefined, queues: string[]): void {
  try {
    localStorage.setItem(FOLLOW_KEY + (userId ?? 'anon'), JSON.stringify(queues));
  } catch {
    // Storage unavailable: the choice lasts the page.
  }
}

/** Whether an event in `queue` concerns this user. */
export function queueConcerns(role: Role | undefined, userId: string | null | undefined, queue: string): boolean {
  if (isSupervisor(role)) return true;
  const mine = followedQueues(userId);
  return mine.length === 0 || mine.includes(queue);
}
