import { compareTp, tpKey } from './topic-partition.js';
import type { TopicPartition } from './types.js';

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
