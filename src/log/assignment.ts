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
 * Round-robin assignment as kafkajs's default assigner does it: partitions sorted by topic and
 * number, dealt in turn to the members (in the given order) that subscribe to the partition's topic.
 */
export function roundRobinAssign(members: readonly Subscriber[], partitions: TopicPartition[]): Map<string, TopicPartition[]> {
  const plan = new Map<string, TopicPartition[]>(members.map((m) => [m.id, []]));
  if (members.length === 0) return plan;
  let turn = 0;
  for (const tp of [...partitions].sort(compareTp)) {
    for (let tried = 0; tried < members.length; tried++) {
      const member = members[(turn + tried) % members.length];
      if (member.topics.includes(tp.topic)) {
        plan.get(member.id)!.push(tp);
        turn = (turn + tried + 1) % members.length;
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
