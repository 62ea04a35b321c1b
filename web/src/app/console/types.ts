// The server's shapes the console uses (crates/concierge-core/src/model.rs,
// crates/concierge-server/src/routes/{agents,conversations}.rs), narrowed to
// what the console reads. src/shared/api/contract.ts checks at compile time
// that the generated OpenAPI types (schema.d.ts) satisfy every one of them.

export type ConversationStatus =
  | 'initialized' | 'active' | 'waiting_for_user' | 'waiting_for_agent' | 'processing'
  | 'escalated' | 'resolved' | 'abandoned' | 'archived';
export type Channel = 'web' | 'slack' | 'teams' | 'email' | 'whatsapp' | 'sms' | 'api';
export type SenderType = 'user' | 'ai_agent' | 'human_agent' | 'system';
export type Priority = 'low' | 'medium' | 'high' | 'critical';

export const STATUSES: ConversationStatus[] = [
  'initialized', 'active', 'waiting_for_user', 'waiting_for_agent', 'processing',
  'escalated', 'resolved', 'abandoned', 'archived',
];
export const CHANNELS: Channel[] = ['web', 'slack', 'teams', 'email', 'whatsapp', 'sms', 'api'];
export const PRIORITIES: Priority[] = ['low', 'medium', 'high', 'critical'];

export interface Citation {
  article_id?: string;
  slug: string;
  title: string;
  url?: string | null;
  version?: number;
  score?: number;
}

export interface Entity {
  kind: string;
  text: string;
  start?: number;
  end?: number;
  value?: unknown;
}

export interface Conversation {
  id: string;
  org_id: string;
  customer_id: string | null;
  channel: Channel;
  status: ConversationStatus;
  started_at: string;
  last_activity_at: string;
  ended_at: string | null;
  message_count: number;
  user_message_count: number;
  ai_message_count: number;
  ai_confidence_avg: number | null;
  ai_confidence_min: number | null;
  sentiment: number | null;
  escalated: boolean;
  escalation_reason: string | null;
  resolution_type: string | null;
  resolution_seconds: number | null;
  satisfaction: number | null;
  context: Record<string, unknown>;
  metadata: Record<string, unknown>;
  salesforce_case_id: string | null;
  queue: string | null;
  priority: Priority | null;
  assignee_id: string | null;
  first_response_at: string | null;
  csat_comment: string | null;
}

export interface Message {
  id: string;
  conversation_id: string;
  sender_type: SenderType;
  sender_id: string | null;
  content: string;
  content_type: string;
  intent: string | null;
  intent_confidence: number | null;
  entities: unknown;
  sentiment: number | null;
  attachments: unknown;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  /** language, intent, sentiment, emotions, citations, decision … (`{}` when none). */
  analysis: Record<string, unknown>;
  moderation: string | null;
}

export interface ConversationDetail extends Conversation {
  messages: Message[];
  sla_breached: boolean;
}

export interface ConversationPage {
  items: Conversation[];
  next_cursor: string | null;
}

export interface QueueSummary {
  queue: string;
  open: number;
  unassigned: number;
  breached: number;
  next_deadline: string | null;
}

/** The summary card (crates/concierge-engine/src/summary.rs), plus the case the engine opened. */
export interface SummaryCard {
  title?: string;
  summary?: string;
  customer?: { name?: string | null; email?: string | null; tier?: string | null; language?: string | null; open_cases?: number | null };
  reason?: string;
  intents?: string[];
  last_intent?: string | null;
  confidence?: number;
  entities?: Entity[];
  sentiment?: { trajectory?: string; values?: number[] };
  key_moments?: string[];
  ai_tried?: string[];
  citations?: Citation[];
  suggested_next_step?: string;
  last_message?: string;
  case_number?: string;
  case_id?: string;
}

export interface Escalation {
  id: string;
  org_id: string;
  conversation_id: string;
  reason: string;
  priority: Priority;
  queue: string;
  assignee_id: string | null;
  sla_deadline: string | null;
  resolution: string | null;
  created_at: string;
  resolved_at: string | null;
  summary: SummaryCard;
  tier: string | null;
  first_response_deadline: string | null;
  first_response_at: string | null;
  claimed_at: string | null;
  breached_at: string | null;
  breach_kind: string | null;
}

export interface Suggestion {
  text: string;
  citations: Citation[];
  provider: string;
}

export interface PostMessageResult {
  message_id: string;
  response: string | null;
  response_message_id: string | null;
  status: ConversationStatus;
}

export interface ListArgs {
  status?: ConversationStatus;
  channel?: Channel;
  limit?: number;
  cursor?: string;
}

export interface TransferArgs {
  id: string;
  queue: string;
  priority?: Priority;
  /** Reassign to this agent (supervisors); only sent when set. */
  assignee_id?: string;
}

/** A staff member (the `User` model) to reassign a conversation to. */
export interface StaffMember {
  id: string;
  email: string | null;
  display_name?: string | null;
  role: string;
  status?: string;
}
