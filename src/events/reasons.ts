/** Why a message went to the dead-letter topic. A small fixed set, used as a metric label. */
export const DEAD_LETTER_REASONS = ['undecodable', 'unknown-schema', 'wrong-subject', 'invalid', 'timestamp', 'oversize'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export type Rejected = { ok: false; reason: DeadLetterReason; error: string };
