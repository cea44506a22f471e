import { errorFields, type LogSink } from './log-logger.js';
import { compareTp, tpKey } from './topic-partition.js';
import type { AssignmentListener, TopicPartition } from './types.js';

/** Partitions in `from` that are not in `minus`. */
export function difference(from: TopicPartition[], minus: TopicPartition[]): TopicPartition[] {
  const drop = new Set(minus.map(tpKey));
  return from.filter((tp) => !drop.has(tpKey(tp)));
}

export interface Subscriber {
  readonly id: string;
  readonly topics: readonly string[];
}

/**
 * Co-partitioned assignment, as Kafka Streams assigns its tasks: partition p of every topic goes to one
 * member, so the clicks and the purchases of a user (one key, one partition number) meet in the process
 * that holds the user's state. Partition numbers are dealt in turn to the members in the given order; a
 * member not subscribing to a topic is skipped for that topic's partitions.
 */
export function coPartitionedAssign(members: readonly Subscriber[], partitions: TopicPartition[]): Map<string, TopicPartition[]> {
  const plan = new Map<string, TopicPartition[]>(members.map((m) => [m.id, []]));
  if (members.length === 0) return plan;
  const numbers = [...new Set(partitions.map((tp) => tp.partition))].sort((a, b) => a - b);
  const slot = new Map(numbers.map((p, i) => [p, i % members.length]));
  for (const tp of [...partitions].sort(compareTp)) {
    const first = slot.get(tp.partition) ?? 0;
    for (let tried = 0; tried < members.length; tried++) {
      const member = members[(first + tried) % members.length];
      if (member.topics.includes(tp.topic)) {
        plan.get(member.id)!.push(tp);
        break;
      }
    }
  }
  return plan;
}

/**
 * Calls the listener's `which` with copies of the partitions. A listener that throws is logged with
 * `context` and the consumer carries on.
 */
export async function notifyAssignment(
  listener: AssignmentListener,
  which: 'onAssigned' | 'onRevoked',
  partitions: TopicPartition[],
  logger: LogSink,
  context: { groupId: string },
): Promise<void> {
  try {
    await listener[which]?.(partitions.map((tp) => ({ ...tp })));
  } catch (err) {
    logger.error({ ...errorFields(err), partitions, ...context }, `${which} listener failed`);
  }
}
