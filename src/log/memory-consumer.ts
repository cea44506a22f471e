import { difference, notifyAssignment } from './assignment.js';
import { ConsumerAlreadyRunning, ConsumerStopped } from './errors.js';
import { errorFields, type LogSink } from './log-logger.js';
import type { GroupMember, MemoryGroup } from './memory-group.js';
import { Backoff, Signal } from './signal.js';
import { compareTp, tpKey } from './topic-partition.js';
import type {
  AssignmentListener,
  BatchHandler,
  ConsumerOptions,
  GroupConsumer,
  LogRecord,
  PartitionBatch,
  TopicPartition,
} from './types.js';

/** What a consumer needs from the embedded log. */
export interface PartitionSource {
  records(tp: TopicPartition): readonly LogRecord[];
  /** Registers a member for wake-ups on new records; returns the unregister function. */
  watch(topics: readonly string[], signal: Signal): () => void;
}

let memberSeq = 0;

/** One member of a consumer group on the embedded log: one batch of one partition at a time. */
export class MemoryConsumer implements GroupConsumer, GroupMember {
  readonly id = `member-${++memberSeq}`;
  readonly topics: readonly string[];
  private readonly fromBeginning: boolean;
  private readonly signal = new Signal();
  private readonly backoff = new Backoff();
  private readonly positions = new Map<string, number>();
  private owned: TopicPartition[] = [];
  private handler: BatchHandler | null = null;
  private listener: AssignmentListener = {};
  private paused = true;
  private stopped = false;
  private busy: Promise<void> | null = null;
  private loopDone: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private unwatch: (() => void) | null = null;
  private turn = 0;

  constructor(
    options: ConsumerOptions,
    private readonly group: MemoryGroup,
    private readonly source: PartitionSource,
    private readonly maxBatch: number,
    private readonly logger: LogSink,
    private readonly onStopped: (member: MemoryConsumer) => void,
  ) {
    this.topics = [...new Set(options.topics)];
    this.fromBeginning = options.fromBeginning ?? true;
  }

  /** Resolves once the member has joined and its first partitions are assigned. */
  async run(handler: BatchHandler, listener: AssignmentListener = {}): Promise<void> {
    if (this.stopped) throw new ConsumerStopped();
    if (this.handler) throw new ConsumerAlreadyRunning();
    this.handler = handler;
    this.listener = listener;
    this.unwatch = this.source.watch(this.topics, this.signal);
    this.loopDone = this.loop();
    await this.group.join(this);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.handler) await this.group.leave(this);
      this.stopped = true;
      this.backoff.cancel();
      this.signal.notify();
      await this.loopDone;
      this.unwatch?.();
      this.onStopped(this);
    })();
    return this.stopping;
  }

  assignment(): TopicPartition[] {
    return this.owned.map((tp) => ({ ...tp }));
  }

  async committed(partitions: TopicPartition[]): Promise<Array<TopicPartition & { offset: string | null }>> {
    return partitions.map((tp) => {
      const offset = this.group.committed(tp);
      return { topic: tp.topic, partition: tp.partition, offset: offset === null ? null : String(offset) };
    });
  }

  async lag(): Promise<Array<TopicPartition & { lag: number }>> {
    return this.owned.map((tp) => {
      const high = this.source.records(tp).length;
      const committed = this.group.committed(tp) ?? 0;
      return { topic: tp.topic, partition: tp.partition, lag: Math.max(0, high - committed) };
    });
  }

  // GroupMember: driven by MemoryGroup during a rebalance.

  async quiesce(): Promise<void> {
    this.paused = true;
    await this.busy;
  }

  async revoke(partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    this.owned = difference(this.owned, partitions);
    for (const tp of partitions) this.positions.delete(tpKey(tp));
    await this.notifyListener('onRevoked', partitions);
  }

  async assign(partitions: TopicPartition[]): Promise<void> {
    const added = difference(partitions, this.owned);
    this.owned = [...partitions].sort(compareTp);
    for (const tp of added) {
      const committed = this.group.committed(tp);
      this.positions.set(tpKey(tp), committed ?? (this.fromBeginning ? 0 : this.source.records(tp).length));
    }
    if (added.length > 0) await this.notifyListener('onAssigned', added);
  }

  resume(): void {
    if (this.stopped) return;
    this.paused = false;
    this.signal.notify();
  }

  private notifyListener(which: 'onAssigned' | 'onRevoked', partitions: TopicPartition[]): Promise<void> {
    return notifyAssignment(this.listener, which, partitions, this.logger, { groupId: this.group.id });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const batch = this.paused ? null : this.nextBatch();
      if (!batch) {
        await this.signal.wait();
        continue;
      }
      const work = this.process(batch);
      this.busy = work.then(() => undefined);
      const ok = await work;
      this.busy = null;
      if (ok) this.backoff.reset();
      else await this.backoff.sleep();
    }
  }

  /** Next partition (in turn) with records past its position. */
  private nextBatch(): PartitionBatch | null {
    const count = this.owned.length;
    for (let i = 0; i < count; i++) {
      const tp = this.owned[(this.turn + i) % count];
      const position = this.positions.get(tpKey(tp)) ?? 0;
      const records = this.source.records(tp);
      if (position < records.length) {
        this.turn = (this.turn + i + 1) % count;
        return {
          topic: tp.topic,
          partition: tp.partition,
          records: records.slice(position, position + this.maxBatch),
          highWatermark: String(records.length),
        };
      }
    }
    return null;
  }

  /** Handles one batch and commits after it; on failure the batch is offered again after a backoff. */
  private async process(batch: PartitionBatch): Promise<boolean> {
    const next = Number(batch.records[batch.records.length - 1].offset) + 1;
    try {
      await this.handler!(batch);
      this.group.commit(batch, next);
    } catch (err) {
      this.logger.error(
        { ...errorFields(err), topic: batch.topic, partition: batch.partition, groupId: this.group.id },
        'batch failed; offering it again',
      );
      return false;
    }
    this.positions.set(tpKey(batch), next);
    return true;
  }
}
