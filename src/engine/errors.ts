/** The engine's members of the error family (src/errors.ts). */
import { createError } from '../errors.js';

/** Asked for lists or given events before start() finished: the process is still starting. */
export const EngineNotStarted = createError('RS_ENGINE_NOT_STARTED', 'EngineNotStarted', () => 'the engine is still starting', {
  retriable: true,
});

/** A state store's topic holds a record recstream did not write: the topic belongs to another application. */
export const StateRecordUnreadable = createError(
  'RS_STATE_RECORD_UNREADABLE',
  'StateRecordUnreadable',
  (topic: string, partition: number, key: string) =>
    `record of key ${JSON.stringify(key)} in ${topic}/${partition} is not a recstream state record; the topic belongs to another application (set TOPIC_USER_STATE / TOPIC_ITEM_STATE to topics of this group)`,
);

/** A state store's topic does not have the partitions of what it stores. */
export const StatePartitionsMismatch = createError(
  'RS_STATE_PARTITIONS_MISMATCH',
  'StatePartitionsMismatch',
  (store: string, has: number, source: string, wants: number) =>
    `state store topic ${store} has ${has} partitions but ${source} has ${wants}; a store is partitioned as what it stores: recreate ${store} with ${wants} partitions (or delete it: it is rebuilt from the input)`,
);

/**
 * The input topics have different partition counts: a user's clicks and purchases, both keyed by the
 * user, would land in partitions of different numbers, held by different processes.
 */
export const InputPartitionsMismatch = createError(
  'RS_INPUT_PARTITIONS_MISMATCH',
  'InputPartitionsMismatch',
  (clicks: string, clickPartitions: number, purchases: string, purchasePartitions: number) =>
    `input topics ${clicks} (${clickPartitions} partitions) and ${purchases} (${purchasePartitions}) must have as many partitions: a user's clicks and purchases are keyed by the user and must reach the process holding the user (co-partitioned, as Kafka Streams requires of topics it joins); create both with one count (TOPIC_CLICKS, TOPIC_PURCHASES)`,
);
