import {
  describe,
  isObject,
  type JsonObject,
  optionalId,
  optionalPrice,
  price,
  quantity,
  Rejection,
  requiredId,
  requiredString,
  timestamp,
} from './fields.js';
import type { Rejected } from './reasons.js';
import { CLICK_TYPES, type ClickType, EVENT_TYPES, type PurchaseLine, type TrackingEvent } from './types.js';

export type EventKind = TrackingEvent['kind'];

export interface ValidateOptions {
  /** The time an event may be at most `maxFutureMs` ahead of (epoch millis); passed in so tests and replays are deterministic. */
  now: number;
  /** How far ahead of `now` an event time may be (EVENT_MAX_FUTURE_SECONDS, the same for every source). */
  maxFutureMs: number;
  /** The kind the source implies (e.g. the topic); otherwise inferred from `type`. */
  kind?: EventKind;
  /** Largest accepted event, in bytes of its JSON (or of the raw text when given text). */
  maxBytes?: number;
}

export type ValidationResult = { ok: true; event: TrackingEvent } | Rejected;

/**
 * Checks one event from any source (collector JSON, an NDJSON line, a decoded Avro record) and returns
 * it in canonical form: unknown fields dropped, optional fields null, timestamp in epoch millis.
 */
export function validateEvent(raw: unknown, opts: ValidateOptions): ValidationResult {
  try {
    return { ok: true, event: canonical(parse(raw, opts.maxBytes), opts) };
  } catch (e) {
    if (e instanceof Rejection) return { ok: false, reason: e.reason, error: e.message };
    throw e;
  }
}

function parse(raw: unknown, maxBytes: number | undefined): unknown {
  const text = typeof raw === 'string' ? raw : raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : null;
  if (maxBytes !== undefined) {
    const bytes = raw instanceof Uint8Array ? raw.byteLength : Buffer.byteLength(text ?? JSON.stringify(raw) ?? '');
    if (bytes > maxBytes) throw new Rejection('oversize', `event is ${bytes} bytes, more than the ${maxBytes}-byte limit`);
  }
  if (text === null) return raw;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Rejection('undecodable', `event is not valid JSON: ${(e as Error).message}`);
  }
}

function canonical(raw: unknown, opts: ValidateOptions): TrackingEvent {
  if (!isObject(raw)) throw new Rejection('invalid', `event must be a JSON object, got ${describe(raw)}`);
  const kind = kindOf(raw, opts.kind);
  const eventId = requiredId(raw, 'eventId');
  const userId = requiredId(raw, 'userId');
  const ts = timestamp(raw, opts.now, opts.maxFutureMs);
  if (kind === 'click') {
    return {
      kind,
      eventId,
      userId,
      timestamp: ts,
      type: raw.type as ClickType,
      itemId: requiredId(raw, 'itemId'),
      recommendationId: optionalId(raw, 'recommendationId'),
      sessionId: optionalId(raw, 'sessionId'),
      price: optionalPrice(raw, 'price'),
    };
  }
  return {
    kind,
    eventId,
    userId,
    timestamp: ts,
    orderId: requiredId(raw, 'orderId'),
    currency: requiredString(raw, 'currency'),
    items: purchaseLines(raw.items),
    sessionId: optionalId(raw, 'sessionId'),
  };
}

function kindOf(raw: JsonObject, given: EventKind | undefined): EventKind {
  const type = raw.type;
  if (type === undefined || type === null) {
    if (given === 'purchase') return 'purchase';
    throw new Rejection('invalid', `type is required: one of ${EVENT_TYPES.join(', ')}`);
  }
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    throw new Rejection('invalid', `type ${describe(type)} is unknown: expected one of ${EVENT_TYPES.join(', ')}`);
  }
  const inferred: EventKind = type === 'purchase' ? 'purchase' : 'click';
  if (given !== undefined && given !== inferred) {
    const expected = given === 'click' ? CLICK_TYPES.join(', ') : 'purchase';
    throw new Rejection('invalid', `type ${JSON.stringify(type)} does not belong on a ${given} source: expected ${expected}`);
  }
  return inferred;
}

function purchaseLines(items: unknown): PurchaseLine[] {
  if (!Array.isArray(items) || items.length === 0) {
    throw new Rejection('invalid', `items must be a non-empty array of {itemId, quantity, price}, got ${describe(items)}`);
  }
  return items.map((line: unknown, i): PurchaseLine => {
    const path = `items[${i}]`;
    if (!isObject(line)) throw new Rejection('invalid', `${path} must be an object {itemId, quantity, price}, got ${describe(line)}`);
    return {
      itemId: requiredId(line, 'itemId', `${path}.itemId`),
      quantity: quantity(line.quantity, `${path}.quantity`),
      price: price(line.price, `${path}.price`),
    };
  });
}
