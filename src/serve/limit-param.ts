import { HttpError } from './errors.js';

const MAX_LIMIT = 200;

/** `?limit=N`: absent → the default; anything but a whole number in 1..200 → 400. */
export function parseLimit(raw: unknown, fallback: number): number {
  if (raw === undefined || raw === '') return Math.min(fallback, MAX_LIMIT);
  if (typeof raw !== 'string' || !/^\d{1,4}$/.test(raw))
    throw new HttpError('RS_LIMIT_INVALID', 400, `limit must be a whole number from 1 to ${MAX_LIMIT}`);
  const n = Number(raw);
  if (n < 1 || n > MAX_LIMIT) throw new HttpError('RS_LIMIT_INVALID', 400, `limit must be a whole number from 1 to ${MAX_LIMIT}, got ${n}`);
  return n;
}
