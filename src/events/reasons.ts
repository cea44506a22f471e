/** Why a message went to the dead-letter topic. A small fixed set, used as a metric label. */
export const DEAD_LETTER_REASONS = ['undecodable', 'unknown-schema', 'wrong-subject', 'invalid', 'timestamp', 'oversize'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** Each reason's code in the error family (src/errors.ts). */
export const DEAD_LETTER_CODES: Record<DeadLetterReason, string> = {
  undecodable: 'RS_EVENT_UNDECODABLE',
  'unknown-schema': 'RS_EVENT_UNKNOWN_SCHEMA',
  'wrong-subject': 'RS_EVENT_WRONG_SUBJECT',
  invalid: 'RS_EVENT_INVALID',
  timestamp: 'RS_EVENT_TIMESTAMP',
  oversize: 'RS_EVENT_OVERSIZE',
};

export type Rejected = { ok: false; reason: DeadLetterReason; error: string };
