// Server-shaped records for the console's tests.
import type { ConversationDetail, Escalation, Message, QueueSummary } from './types';

export const CID = '01a2430c-92cb-72c0-91d3-02d815ae11ae';

export function message(over: Partial<Message> & { id: string; content: string }): Message {
  return {
    conversation_id: CID, sender_type: 'user', sender_id: null, content_type: 'text', intent: null, intent_confidence: null,
    entities: [], sentiment: null, attachments: [], created_at: '2026-01-01T00:00:00Z', edited_at: null, deleted_at: null,
    analysis: {}, moderation: null, ...over,
  };
}

export function conversation(over: Partial<ConversationDetail> = {}): ConversationDetail {
  return {
    id: CID, org_id: 'org-1', customer_id: 'cust-1', channel: 'web', status: 'escalated',
    started_at: '2026-01-01T00:00:00Z', last_activity_at: '2026-01-01T00:01:00Z', ended_at: null,
    message_count: 3, user_message_count: 2, ai_message_count: 1, ai_confidence_avg: 0.9, ai_confidence_min: 0.8,
    sentiment: -0.4, escalated: true, escalation_reason: 'customer_requested_human', resolution_type: null,
    resolution_seconds: null, satisfaction: null, context: {},
    metadata: {
      customer: { name: 'Jane Doe' },
      salesforce: { case_id: '5005g0000004CAVAA2', case_number: '00001004', case_url: 'https://sf.example/lightning/r/Case/5005g0000004CAVAA2/view' },
    },
    salesforce_case_id: '5005g0000004CAVAA2', queue: 'general_support', priority: 'high', assignee_id: null,
    first_response_at: null, csat_comment: null, sla_breached: false,
    messages: [
      message({
        id: 'm1', content: 'Our API calls fail with REQUEST_LIMIT_EXCEEDED', created_at: '2026-01-01T00:00:00Z',
        intent: 'api_request_limit', intent_confidence: 0.99, sentiment: -0.58,
        entities: [{ kind: 'sf_error_code', text: 'REQUEST_LIMIT_EXCEEDED', start: 24, end: 46 }],
      }),
      message({
        id: 'm2', sender_type: 'ai_agent', content: 'You have used up your daily API requests. [1]', created_at: '2026-01-01T00:00:10Z',
        analysis: { citations: [{ slug: 'request-limit-exceeded', title: 'REQUEST_LIMIT_EXCEEDED explained', url: 'https://help.example/articles/request-limit-exceeded' }] },
      }),
      message({
        id: 'm3', content: 'I want to talk to a human now', created_at: '2026-01-01T00:00:20Z',
        intent: 'speak_to_human', intent_confidence: 0.97, sentiment: -0.36,
      }),
    ],
    ...over,
  };
}

export function escalation(over: Partial<Escalation> = {}): Escalation {
  return {
    id: 'esc-1', org_id: 'org-1', conversation_id: CID, reason: 'customer_requested_human', priority: 'high',
    queue: 'general_support', assignee_id: null, sla_deadline: '2026-01-01T04:00:00Z', resolution: null,
    created_at: '2026-01-01T00:00:20Z', resolved_at: null, tier: 'enterprise',
    first_response_deadline: '2026-01-01T00:05:20Z', first_response_at: null, claimed_at: null, breached_at: null, breach_kind: null,
    summary: {
      title: 'Speak to human: Our API calls fail with REQUEST_LIMIT_EXCEEDED',
      summary: 'The customer wrote 2 messages about speak to human.',
      customer: { name: 'Jane Doe', email: 'jane@example.com', tier: 'enterprise', language: 'en', open_cases: 0 },
      reason: 'customer_requested_human',
      sentiment: { trajectory: 'neutral', values: [-0.58, -0.36] },
      key_moments: ['First message: Our API calls fail', 'Escalated: customer requested human'],
      ai_tried: ['cited "REQUEST_LIMIT_EXCEEDED explained" (request-limit-exceeded)'],
      suggested_next_step: 'Greet the customer by name.',
      entities: [{ kind: 'org_id', text: '00D5g000000abcd' }],
      case_number: '00001004',
      case_id: 'case-1',
    },
    ...over,
  };
}

export function queue(over: Partial<QueueSummary> & { queue: string }): QueueSummary {
  return { open: 1, unassigned: 1, breached: 0, next_deadline: null, ...over };
}
