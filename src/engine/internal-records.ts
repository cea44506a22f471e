import { partitionForKey } from '../log/partitioner.js';
import type { LogRecord, OutgoingRecord } from '../log/types.js';
import type { ItemDelta } from '../model/item-delta.js';
import type { NeighborRecord } from '../model/neighbor-row.js';
import { type DeltaFormat, encodeDeltaGroups } from './delta-codec.js';
import { encodeRows } from './row-codec.js';

/**
 * Internal topics are read only by recstream processes of one group: item deltas and rows travel in
 * tagged binary forms (delta-codec.ts, row-codec.ts). A record of another format is refused.
 */

export { decodeDeltas } from './delta-codec.js';
export { decodeRow } from './row-codec.js';

/**
 * The item-deltas records of `deltas`, a topic of `partitions` partitions: one record for the items
 * of each partition, in order, keyed by its first item so it goes to those items' owner. One record
 * an item made a batch of a few events several records an event, each a produce entry, a fetched
 * record and a handler call. Each carries its deltas too, for an owner in this process to apply
 * without decoding them (deltas are applied read-only, and nothing changes them once taken from
 * their batch). `format`: the record version written (the current one unless given).
 */
export function deltaRecords(deltas: readonly ItemDelta[], topic: string, partitions: number, format?: DeltaFormat): OutgoingRecord[] {
  const groups = new Map<number, ItemDelta[]>();
  for (const d of deltas) {
    const p = partitionForKey(d.item, partitions);
    const group = groups.get(p);
    if (group === undefined) groups.set(p, [d]);
    else group.push(d);
  }
  const lists = [...groups];
  const values = encodeDeltaGroups(
    lists.map(([, group]) => group),
    format,
  );
  // the partition given as well: the record goes where its items were grouped for, whatever the log's partitioner
  return lists.map(([partition, group], i) => ({ topic, key: group[0].item, partition, value: values[i], decoded: group }));
}

/**
 * The item-neighbors records of `rows` (null: the owner forgot the item, a tombstone). Each carries its
 * row too, for the follower in this process to apply without decoding it (a row is read-only once
 * made).
 */
export function rowRecords(rows: ReadonlyArray<[item: string, row: NeighborRecord | null]>, topic: string): OutgoingRecord[] {
  const values = encodeRows(rows.flatMap(([, row]) => (row === null ? [] : [row])));
  let next = 0;
  return rows.map(([item, row]) =>
    row === null ? { topic, key: item, value: null } : { topic, key: item, value: values[next++], decoded: row },
  );
}

/**
 * The value of an internal record: as a producer in this process made it, when the log hands it over
 * (read-only once made), else decoded from `bytes` (its value); null when they are of no known form.
 */
export function recordValue<T>(r: LogRecord, bytes: Buffer, decode: (bytes: Buffer) => T | null): T | null {
  const handed = r.decoded as T | undefined;
  if (handed !== undefined) return handed;
  try {
    return decode(bytes);
  } catch {
    return null;
  }
}
