import type { Admin } from 'kafkajs';
import { itemOwnerGroupId } from '../engine/item-owner.js';

export interface SettledTopics {
  GROUP_ID: string;
  TOPIC_CLICKS: string;
  TOPIC_PURCHASES: string;
  TOPIC_ITEM_DELTAS: string;
}

/**
 * Whether a group on Kafka has applied every event on both sides, read from the cluster's offsets:
 * the group has committed every input record (a batch is committed only once its item deltas are
 * written) and its item owners have committed every item delta (a delta batch is committed once
 * applied). Reads offsets only, so it loads neither the engines nor, much, the broker.
 */
export function groupSettled(admin: Admin, topics: SettledTopics): () => Promise<boolean> {
  return async () =>
    (await committedAll(admin, topics.GROUP_ID, [topics.TOPIC_CLICKS, topics.TOPIC_PURCHASES])) &&
    (await committedAll(admin, itemOwnerGroupId(topics.GROUP_ID), [topics.TOPIC_ITEM_DELTAS]));
}

async function committedAll(admin: Admin, groupId: string, topics: string[]): Promise<boolean> {
  const [committed, ends] = await Promise.all([
    admin.fetchOffsets({ groupId, topics }),
    Promise.all(topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) }))),
  ]);
  const at = new Map(committed.flatMap((t) => t.partitions.map((p) => [`${t.topic}/${p.partition}`, BigInt(p.offset)] as const)));
  return ends.every(({ topic, offsets }) =>
    offsets.every((o) => BigInt(o.high) <= BigInt(o.low) || (at.get(`${topic}/${o.partition}`) ?? -1n) >= BigInt(o.high)),
  );
}
