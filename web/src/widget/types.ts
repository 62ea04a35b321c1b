// Local types for the parts of the Concierge API the widget uses (mirroring
// crates/concierge-core/src/model.rs and the server's routes), so the widget
// does not depend on the generated schema.

export type SenderType = 'user' | 'ai_agent' | 'human_agent' | 'system';
export type ContentType = 'text' | 'image' | 'file' | 'code' | 'error_log';
export type ConversationStatus =
  | 'initialized'
  | 'active'
  | 'waiting_for_user'
  | 'waiting_for_agent'
  | 'processing'
  | 'escalated'
  | 'resolved'
  | 'abandoned'
  | 'archived';

export interface Attachment {
  name: string;
  url?: string | null;
  mime_type?: string | null;
  size?: number | null;
}

export interface Citation {
  title: string;
  url?: string | null;
  slug?: string;
}

/** A quick reply: a plain label, or a label that sends another value. */
export type QuickReply = string | { label: string; value?: string };

export interface Message {
  id: string;
  conversation_id: string;
  sender_type: SenderType;
  sender_id?: string | null;
  content: string;
  content_type: ContentType;
  attachments?: unknown;
  created_at: string;
  /** Language, citations, decision, quick replies … (an object; `{}` when none). */
  analysis?: unknown;
  moderation?: string | null;
}

export interface Conversation {
  id: string;
  status: ConversationStatus;
  escalated: boolean;
  satisfaction?: number | null;
}

export interface ConversationDetail extends Conversation {
  messages: Message[];
}

export interface PostMessageBody {
  content: string;
  content_type?: ContentType;
  attachments?: Attachment[];
}

export interface PostMessageResult {
  message_id: string;
  response?: string | null;
  response_message_id?: string | null;
  language?: string | null;
  status?: ConversationStatus;
  citations?: Citation[];
  quick_replies?: QuickReply[];
  escalation?: unknown;
}

export interface VisitorResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  visitor_id: string;
  customer_id: string;
}
