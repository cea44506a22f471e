import { RecstreamError } from '../errors.js';
import { DEAD_LETTER_CODES, type DeadLetterReason } from './reasons.js';

export const MAX_ID_LENGTH = 256;
const MIN_TIMESTAMP = Date.UTC(2000, 0, 1);

/** Thrown inside validation to stop at the first problem; never escapes validateEvent. */
export class Rejection extends RecstreamError {
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
  ) {
    super(DEAD_LETTER_CODES[reason], message);
    this.name = 'Rejection';
  }
}

const invalid = (message: string): Rejection => new Rejection('invalid', message);

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Ids are opaque strings; sites that use numeric ids may send them as integers. */
export function requiredId(obj: JsonObject, field: string, path = field): string {
  const v = obj[field];
  if (v === undefined || v === null) throw invalid(`${path} is required`);
  const s = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v;
  if (typeof s !== 'string') throw invalid(`${path} must be a string, got ${describe(v)}`);
  const problem = idProblem(s, path);
  if (problem !== null) throw invalid(problem);
  return s;
}

/**
 * What is wrong with a string as an id (user, item, event…), or null when it is fine. Ids must be
 * well-formed Unicode: a lone UTF-16 surrogate ("\ud800") has no UTF-8 form, so every such id would
 * become U+FFFD on the way through the log, merging distinct users into one that no URL can name.
 */
export function idProblem(s: string, path: string): string | null {
  if (s.trim().length === 0) return `${path} must not be empty`;
  if (s.length > MAX_ID_LENGTH) return `${path} is longer than ${MAX_ID_LENGTH} characters (${s.length})`;
  if (!s.isWellFormed()) return `${path} is not well-formed Unicode (it holds a lone surrogate such as \\ud800)`;
  return null;
}

/** Absent, null and empty all mean "none". */
export function optionalId(obj: JsonObject, field: string): string | null {
  const v = obj[field];
  if (v === undefined || v === null || v === '') return null;
  return requiredId(obj, field);
}

export function requiredString(obj: JsonObject, field: string, path = field): string {
  const v = obj[field];
  if (v === undefined || v === null) throw invalid(`${path} is required`);
  if (typeof v !== 'string') throw invalid(`${path} must be a string, got ${describe(v)}`);
  if (v.trim().length === 0) throw invalid(`${path} must not be empty`);
  if (v.length > MAX_ID_LENGTH) throw invalid(`${path} is longer than ${MAX_ID_LENGTH} characters (${v.length})`);
  // No UTF-8 form: written to an input topic as Avro, the event would be undecodable there.
  if (!v.isWellFormed()) throw invalid(`${path} is not well-formed Unicode (it holds a lone surrogate such as \\ud800)`);
  return v;
}

/**
 * Largest unit price and line quantity accepted: far above any real basket (a billion of the currency
 * unit, a million pieces), low enough that values, their squares and sums stay far from overflow in
 * the order-value regression.
 */
const MAX_PRICE = 1e9;
const MAX_QUANTITY = 1_000_000;

export function price(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw invalid(`${path} must be a finite number ≥ 0, got ${describe(v)}`);
  }
  if (v > MAX_PRICE) throw invalid(`${path} must be at most ${MAX_PRICE}, got ${describe(v)}`);
  return v;
}

export function optionalPrice(obj: JsonObject, field: string): number | null {
  const v = obj[field];
  return v === undefined || v === null ? null : price(v, field);
}

export function quantity(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw invalid(`${path} must be a whole number ≥ 1, got ${describe(v)}`);
  }
  if (v > MAX_QUANTITY) throw invalid(`${path} must be at most ${MAX_QUANTITY}, got ${describe(v)}`);
  return v;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const HAS_OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** Epoch millis (number or digit string) or an ISO-8601 date-time; one without an offset is read as UTC. */
export function timestamp(obj: JsonObject, now: number, maxFutureMs: number): number {
  const v = obj.timestamp;
  if (v === undefined || v === null) throw invalid('timestamp is required (epoch millis or ISO-8601)');
  let t: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw invalid(`timestamp must be a finite number of epoch millis, got ${describe(v)}`);
    t = Math.trunc(v);
  } else if (typeof v === 'string' && /^\d{1,16}$/.test(v)) {
    t = Number(v);
  } else if (typeof v === 'string' && ISO_8601.test(v.trim())) {
    const s = v.trim().replace(' ', 'T');
    const withOffset = s.includes('T') && !HAS_OFFSET.test(s.slice(10)) ? `${s}Z` : s;
    t = Date.parse(withOffset);
    if (Number.isNaN(t)) throw invalid(`timestamp ${JSON.stringify(v)} is not a valid ISO-8601 date-time`);
  } else {
    throw invalid(`timestamp must be epoch millis or an ISO-8601 date-time, got ${describe(v)}`);
  }
  if (t < MIN_TIMESTAMP) {
    const looksLikeSeconds = t >= MIN_TIMESTAMP / 1000 && t <= (now + maxFutureMs) / 1000;
    const hint = looksLikeSeconds ? ' (epoch seconds? send milliseconds)' : '';
    throw new Rejection('timestamp', `timestamp ${t} (${iso(t)}) is before 2000-01-01${hint}`);
  }
  if (t > now + maxFutureMs) {
    throw new Rejection('timestamp', `timestamp ${t} (${iso(t)}) is more than ${duration(maxFutureMs)} in the future (now ${iso(now)})`);
  }
  return t;
}

function duration(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms === size ? '' : 's'}`;
  }
  return `${ms} ms`;
}

function iso(t: number): string {
  return Math.abs(t) <= 8.64e15 ? new Date(t).toISOString() : 'out of range';
}

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}
