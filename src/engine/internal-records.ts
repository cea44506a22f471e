import type { OutgoingRecord } from '../log/types.js';
import type { ItemDelta } from '../model/item-delta.js';
import type { NeighborRecord } from '../model/neighbor-row.js';
import { encodeDeltas } from './delta-codec.js';

/**
 * Internal topics are read only by recstream processes of one group. Rows carry JSON with a format tag
 * (readable with any Kafka tool); item deltas, on the hot path, a tagged binary form (delta-codec.ts).
 * A record of another format is refused.
 */
const ROW_FORMAT = 'recstream.item-row/1';

export { decodeDelta, encodeDelta } from './delta-codec.js';

/**
 * The item-deltas records of `deltas`: keyed by item, so each goes to its item's owner. Each carries
 * its delta too, for an owner in this process to apply without decoding it (deltas are applied
 * read-only, and nothing changes them once taken from their batch).
 */
export function deltaRecords(deltas: readonly ItemDelta[], topic: string): OutgoingRecord[] {
  const values = encodeDeltas(deltas);
  return deltas.map((d, i) => ({ topic, key: d.item, value: values[i], decoded: d }));
}

export function encodeRow(row: NeighborRecord): Buffer {
  return Buffer.from(JSON.stringify({ f: ROW_FORMAT, ...row }));
}

export function decodeRow(value: Buffer): NeighborRecord | null {
  const parsed = JSON.parse(value.toString('utf8')) as { f?: unknown } & NeighborRecord;
  return parsed.f === ROW_FORMAT ? parsed : null;
}
