import type { EventLog } from '../log/types.js';
import { listStamp } from './pipeline.js';

/** A list record read back: its user (the record's key), its value and when it was made. */
export type RecentList = (userId: string, value: Buffer, generatedAt: number) => void;

/**
 * Reads back the newest list records of the recommendations topic, at most `most` of them spread over
 * its partitions (the tail of each), handing each to `each` oldest first; returns how many it read.
 * Records without a key or a generated-at header (not written by an engine) are left out.
 */
export async function readRecentLists(log: EventLog, topic: string, most: number, each: RecentList): Promise<number> {
  const partitions = await log.partitionsFor(topic);
  // a topic that does not exist holds no list (and no partition to share `most` among)
  if (partitions === 0) return 0;
  const perPartition = BigInt(Math.ceil(most / partitions));
  let read = 0;
  const offsets = await log.topicOffsets(topic);
  for (let partition = 0; partition < partitions; partition++) {
    const tp = { topic, partition };
    const { low, high } = offsets[partition];
    const tail = BigInt(high) - perPartition;
    const from = tail > BigInt(low) ? tail : BigInt(low);
    if (from >= BigInt(high)) continue;
    await log.readRange(tp, from.toString(), high, (records) => {
      for (const r of records) {
        const stamp = listStamp(r);
        if (stamp === null) continue;
        each(stamp.userId, stamp.value, stamp.generatedAt);
        read++;
      }
    });
  }
  return read;
}
