import type { DeadLetterReason } from '../../../src/events/reasons.js';
import { EVENT_SCHEMAS, type EventSchema } from '../../../src/events/schemas.js';
import { validateEvent } from '../../../src/events/validate.js';
import type { Kind } from './topic-inputs.js';

/** What the engine owes a record: a dead letter with this reason, or the event applied once (user \0 eventId). */
export type Expect = { refused: DeadLetterReason } | { applied: string };

export interface OracleOptions {
  /** The time the engine judges the records by (their send time is later by the run's length at most). */
  now: number;
  maxBytes: number;
  maxFutureMs: number;
}

export const SCHEMA_OF: Record<Kind, EventSchema> = { click: EVENT_SCHEMAS.ClickEvent, purchase: EVENT_SCHEMAS.PurchaseEvent };

const HEADER_BYTES = 5;

/** Whether a value holds a string with a lone surrogate, which avsc writes as bytes that are not UTF-8 (ED A0 80). */
function holdsIllFormed(value: unknown): boolean {
  if (typeof value === 'string') return !value.isWellFormed();
  if (Array.isArray(value)) return value.some(holdsIllFormed);
  return typeof value === 'object' && value !== null && Object.values(value).some(holdsIllFormed);
}

/**
 * The verdict on a record whose value is our own schema's wire format as avsc wrote `written`: Avro
 * strings are UTF-8, so a lone surrogate makes it undecodable; otherwise decoding gives back what was
 * written, the project's validator judges that, and the key must be that user's id in UTF-8.
 */
export function expectOf(kind: Kind, key: Buffer | null, written: unknown, value: Buffer, opts: OracleOptions): Expect {
  if (value.length > opts.maxBytes) return { refused: 'oversize' };
  if (holdsIllFormed(written)) return { refused: 'undecodable' };
  let decoded: unknown;
  try {
    decoded = SCHEMA_OF[kind].type.fromBuffer(value.subarray(HEADER_BYTES));
  } catch {
    return { refused: 'undecodable' };
  }
  const valid = validateEvent(decoded, { now: opts.now, kind, maxFutureMs: opts.maxFutureMs });
  if (!valid.ok) return { refused: valid.reason };
  if (key === null || !key.equals(Buffer.from(valid.event.userId, 'utf8'))) return { refused: 'invalid' };
  return { applied: `${valid.event.userId}\u0000${valid.event.eventId}` };
}
