import { randomUUID } from 'node:crypto';
import type { EventLog, GroupConsumer, PartitionBatch } from '../log/types.js';
import type { Logger } from '../logger.js';

/** How often a process alone in its group notes where the lists end, while it reads none. */
const NOTE_ENDS_MS = 1_000;

type Offsets = Map<number, bigint>;

/**
 * Follows the recommendations topic for the lists other processes of the group make, so a storefront
 * connected here gets them too — and reads nothing while this process holds every input partition:
 * then every list the group makes is this process's own, pushed as it was made, and reading them all
 * back only to skip them cost a lone engine on Kafka a tenth of its throughput.
 *
 * Becoming alone, it reads on until it has passed where the topic ended at that moment (the lists the
 * partitions' previous owners made), then stops. While alone it notes where the topic ends, every
 * second; a note counts only if it began after this process last joined the input's group holding
 * every partition and no rebalance began before its answer came (a rebalance gives no member
 * partitions before every member has joined it again, and this process joins only after learning
 * of it). No longer alone, it reads again from the last note that counted: what lies after it is
 * this process's own lists (skipped) and the new owners' (followed).
 */
export class ListFollower {
  private consumer: GroupConsumer | null = null;
  /** The running reader's next offset per partition: its start, then past each batch. */
  private at: Offsets = new Map();
  private alone = false;
  /** Where the topic ended when this process became alone: the reader stops once past it. */
  private stopAt: Offsets | null = null;
  /** Where a new reader starts: where the last one stopped, or a later note taken while alone. */
  private resumeAt: Offsets | null = null;
  /** Rebalances of the input's group begun so far, and their count when this process last joined it. */
  private rebalances = 0;
  private joinedAfter = -1;
  private noting: NodeJS.Timeout | null = null;
  private changes: Promise<void> = Promise.resolve();
  private stopped = false;
  private partitions = 0;

  constructor(
    private readonly log: EventLog,
    private readonly topic: string,
    private readonly groupId: string,
    private readonly handle: (batch: PartitionBatch) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Starts reading where the topic ends now; resolves once the reader has joined its group. */
  async start(): Promise<void> {
    let joined: Promise<void> = Promise.resolve();
    await this.change(async () => {
      this.partitions = await this.log.partitionsFor(this.topic);
      joined = this.read(await this.ends());
    });
    return joined;
  }

  /** A rebalance of the input's group began: ends noted from now on may hold another owner's lists. */
  rebalancing(): void {
    this.rebalances++;
  }

  /** This process joined the input's group (first, or again after a rebalance); `alone`: it holds every input partition. */
  joined(alone: boolean): Promise<void> {
    this.joinedAfter = this.rebalances;
    return this.change(async () => {
      if (this.stopped || alone === this.alone) return;
      this.alone = alone;
      if (alone) {
        this.stopAt = await this.ends();
        this.noting = setInterval(() => void this.change(() => this.noteEnds()), NOTE_ENDS_MS);
        this.noting.unref();
        await this.stopIfPast();
        return;
      }
      if (this.noting) clearInterval(this.noting);
      this.noting = null;
      this.stopAt = null;
      if (this.consumer === null && this.resumeAt !== null) {
        this.logger.info({ topic: this.topic }, 'another process holds input partitions: following its lists');
        this.read(this.resumeAt).catch((err: unknown) => {
          if (!this.stopped) this.logger.error({ err }, "following the group's lists failed; lists of other processes are not pushed here");
        });
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.noting) clearInterval(this.noting);
    await this.changes;
    await this.consumer?.stop();
  }

  /** True while no reader runs: every list the group makes is this process's. */
  get idle(): boolean {
    return this.consumer === null;
  }

  private read(from: Offsets): Promise<void> {
    this.at = new Map(from);
    const consumer = this.log.consumer({
      groupId: `${this.groupId}.fanout.${randomUUID()}`,
      topics: [this.topic],
      fromBeginning: false,
      startAt: [...from].map(([partition, offset]) => ({ topic: this.topic, partition, offset: offset.toString() })),
    });
    this.consumer = consumer;
    return consumer
      .run(async (batch) => {
        await this.handle(batch);
        const last = batch.records.at(-1);
        if (last !== undefined) this.at.set(batch.partition, BigInt(last.offset) + 1n);
        // not awaited: stopping a reader waits for the batch in hand, this one
        if (this.stopAt !== null && this.past(this.stopAt)) void this.change(() => this.stopIfPast());
      })
      .catch((err: unknown) => {
        // a reader stopped while it joined
        if (this.consumer !== consumer) return;
        throw err;
      });
  }

  private async stopIfPast(): Promise<void> {
    const consumer = this.consumer;
    if (consumer === null || this.stopAt === null || !this.past(this.stopAt)) return;
    this.consumer = null;
    await consumer.stop();
    this.resumeAt = new Map(this.at);
    this.logger.info({ topic: this.topic }, 'this process holds every input partition: reading no lists back (every list is its own)');
  }

  private past(ends: Offsets): boolean {
    for (const [partition, end] of ends) if ((this.at.get(partition) ?? 0n) < end) return false;
    return true;
  }

  private async noteEnds(): Promise<void> {
    const rebalances = this.rebalances;
    // none began since the last join, nor (below) while the note was taken
    if (!this.alone || this.joinedAfter !== rebalances || this.consumer !== null || this.stopped) return;
    const ends = await this.ends();
    if (rebalances === this.rebalances && this.alone) this.resumeAt = ends;
  }

  private async ends(): Promise<Offsets> {
    const ends: Offsets = new Map();
    const offsets = await this.log.topicOffsets(this.topic);
    for (let partition = 0; partition < this.partitions; partition++) ends.set(partition, BigInt(offsets[partition].high));
    return ends;
  }

  private change(step: () => Promise<void>): Promise<void> {
    const run = this.changes.then(step);
    this.changes = run.catch((err: unknown) => {
      if (!this.stopped) this.logger.warn({ err }, 'following the lists: a change failed');
    });
    return run;
  }
}
