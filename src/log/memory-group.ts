/**
 * Consumer-group coordination for the embedded log: committed offsets and rebalances. A rebalance
 * runs in three steps, like Kafka's eager protocol: every member finishes the batch in hand
 * (quiesce), members give up what they lose (revoke, after their last commit), then members take
 * their new partitions (assign) and resume. Rebalances run one at a time.
 */
import { coPartitionedAssign, difference, type Subscriber } from './assignment.js';
import type { CommitEntry } from './memory-store.js';
import { tpKey } from './topic-partition.js';
import type { TopicPartition } from './types.js';

export interface GroupMember extends Subscriber {
  /** Stops taking new batches and resolves once the batch in hand is handled and committed. */
  quiesce(): Promise<void>;
  /** Drops the given partitions and tells the listener. */
  revoke(partitions: TopicPartition[]): Promise<void>;
  /** Takes the full new assignment; tells the listener about the added partitions. */
  assign(partitions: TopicPartition[]): Promise<void>;
  resume(): void;
  assignment(): TopicPartition[];
}

export class MemoryGroup {
  private readonly offsets = new Map<string, number>();
  private readonly members: GroupMember[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    private readonly partitionsOf: (topic: string) => number,
    private readonly persist: ((entries: CommitEntry[]) => void) | null,
    restored: CommitEntry[] = [],
  ) {
    for (const e of restored) this.offsets.set(tpKey(e), e.offset);
  }

  committed(tp: TopicPartition): number | null {
    return this.offsets.get(tpKey(tp)) ?? null;
  }

  commit(tp: TopicPartition, offset: number): void {
    this.persist?.([{ topic: tp.topic, partition: tp.partition, offset }]);
    this.offsets.set(tpKey(tp), offset);
  }

  subscribesTo(topic: string): boolean {
    return this.members.some((m) => m.topics.includes(topic));
  }

  join(member: GroupMember): Promise<void> {
    return this.enqueue(async () => {
      this.members.push(member);
      await this.rebalance(null);
    });
  }

  leave(member: GroupMember): Promise<void> {
    return this.enqueue(async () => {
      if (!this.members.includes(member)) return;
      await this.rebalance(member);
    });
  }

  /** After a subscribed topic gained partitions. */
  refresh(): Promise<void> {
    return this.enqueue(() => this.rebalance(null));
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(step);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async rebalance(departing: GroupMember | null): Promise<void> {
    const everyone = [...this.members];
    const staying = everyone.filter((m) => m !== departing);
    await Promise.all(everyone.map((m) => m.quiesce()));

    const topics = [...new Set(staying.flatMap((m) => m.topics))];
    const partitions = topics.flatMap((topic) =>
      Array.from({ length: this.partitionsOf(topic) }, (_, partition) => ({ topic, partition })),
    );
    const plan = coPartitionedAssign(staying, partitions);

    await Promise.all(everyone.map((m) => m.revoke(difference(m.assignment(), plan.get(m.id) ?? []))));
    if (departing) this.members.splice(this.members.indexOf(departing), 1);
    await Promise.all(staying.map((m) => m.assign(plan.get(m.id) ?? [])));
    for (const m of staying) m.resume();
  }
}
