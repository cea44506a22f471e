import type { OutgoingRecord } from './types.js';

/**
 * Bytes of keys, values and headers in one produce request. A broker refuses a partition's record
 * batch larger than its message.max.bytes (1 MiB by default, topic max.message.bytes), and kafkajs
 * sends one batch per partition per request, so no request may carry more: a state store's commit
 * at shop scale is tens of MB.
 */
export const MAX_PRODUCE_REQUEST_BYTES = 1_000_000;

/** A record's bytes as the request carries them, less the framing (a few bytes each, under the margin above). */
function recordBytes(r: OutgoingRecord): number {
  let bytes = (r.value?.length ?? 0) + (r.key === null ? 0 : typeof r.key === 'string' ? Buffer.byteLength(r.key) : r.key.length);
  if (r.headers !== undefined) for (const [k, v] of Object.entries(r.headers)) bytes += k.length + Buffer.byteLength(v);
  return bytes;
}

/**
 * `records` cut, in order, into requests of at most `maxRecords` records and `maxBytes` bytes; a
 * record larger than `maxBytes` goes alone (the broker judges it).
 */
export function produceRequests(
  records: readonly OutgoingRecord[],
  maxRecords: number,
  maxBytes = MAX_PRODUCE_REQUEST_BYTES,
): OutgoingRecord[][] {
  const requests: OutgoingRecord[][] = [];
  let current: OutgoingRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = recordBytes(r);
    if (current.length > 0 && (current.length >= maxRecords || bytes + size > maxBytes)) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
