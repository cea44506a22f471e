import type { ItemDelta } from '../model/item-delta.js';
import type { NeighborRecord } from '../model/neighbor-row.js';

/**
 * Internal topics carry JSON with a format tag: they are read only by recstream processes of one
 * group, and JSON keeps them readable with any Kafka tool. A record of another format is refused.
 */
const DELTA_FORMAT = 'recstream.item-delta/1';
const ROW_FORMAT = 'recstream.item-row/1';

export function encodeDelta(delta: ItemDelta): Buffer {
  return Buffer.from(JSON.stringify({ f: DELTA_FORMAT, ...delta }));
}

export function decodeDelta(value: Buffer): ItemDelta | null {
  const parsed = JSON.parse(value.toString('utf8')) as { f?: unknown } & ItemDelta;
  return parsed.f === DELTA_FORMAT ? parsed : null;
}

export function encodeRow(row: NeighborRecord): Buffer {
  return Buffer.from(JSON.stringify({ f: ROW_FORMAT, ...row }));
}

export function decodeRow(value: Buffer): NeighborRecord | null {
  const parsed = JSON.parse(value.toString('utf8')) as { f?: unknown } & NeighborRecord;
  return parsed.f === ROW_FORMAT ? parsed : null;
}
