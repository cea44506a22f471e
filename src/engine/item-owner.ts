import type { Config } from '../config.js';
import { tpKey } from '../log/topic-partition.js';
import type { EventLog, GroupConsumer, LogRecord, OutgoingRecord, PartitionBatch, TopicPartition } from '../log/types.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ItemSide } from '../model/item-side.js';
import { neighborRecord } from '../model/neighbor-row.js';
import { decodeDelta, encodeRow } from './internal-records.js';

/** Longest time rows go on scoring peers with norms their owners have since changed. */
const PEER_REFRESH_MS = 10_000;

/** The consumer group of a group's item owners on `item-deltas`. */
export function itemOwnerGroupId(groupId: string): string {
  return `${groupId}.items`;
}

/**
 * The item side of the topology: owns the partitions of `item-deltas` this process is assigned (a
 * consumer group of its own), applies each delta record once, and publishes the rows of the items
 * that changed to the global table `item-neighbors`, at most once per item per NEIGHBOR_PUBLISH_MS.
 */
export class ItemOwner {
  private consumer: GroupConsumer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private publishing: Promise<void> = Promise.resolve();
  private readonly forgotten = new Set<string>();
  /** Next item-deltas offset not yet applied, per partition this process has held. */
  private readonly appliedUpTo = new Map<string, bigint>();
  restoring = 0;
  private peersRefreshedAt = 0;

  constructor(
    private readonly config: Config,
    private readonly log: EventLog,
    private readonly items: ItemSide,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    items.trackChanges();
    items.onForget = (ids) => {
      for (const id of ids) this.forgotten.add(id);
    };
  }

  get groupId(): string {
    return itemOwnerGroupId(this.config.groupId);
  }

  start(): Promise<void> {
    this.consumer = this.log.consumer({ groupId: this.groupId, topics: [this.config.topics.itemDeltas], fromBeginning: true });
    this.timer = setInterval(() => void this.publish(), this.config.neighborPublishMs);
    this.timer.unref();
    return this.consumer.run((batch) => this.handle(batch), {
      onAssigned: (partitions) => this.restore(partitions),
    });
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    await this.consumer?.stop();
    await this.publish();
  }

  private apply(records: readonly LogRecord[]): void {
    for (const r of records) {
      if (r.value === null) continue;
      let delta: ReturnType<typeof decodeDelta>;
      try {
        delta = decodeDelta(r.value);
      } catch {
        delta = null;
      }
      if (delta === null) {
        this.logger.warn({ topic: r.topic, partition: r.partition, offset: r.offset }, 'item delta record not readable; skipped');
        continue;
      }
      const applied = this.items.applyDelta(delta, String(r.partition));
      this.metrics.itemDeltasTotal.inc({ outcome: applied ? 'applied' : 'duplicate' });
    }
  }

  /** Rebuilds the item state of newly assigned partitions from their deltas, up to the group's commit. */
  private async restore(partitions: TopicPartition[]): Promise<void> {
    const consumer = this.consumer;
    if (consumer === null) return;
    this.restoring++;
    const started = performance.now();
    let read = 0;
    try {
      for (const c of await consumer.committed(partitions)) {
        if (c.offset === null) continue;
        const key = tpKey(c);
        const from = this.appliedUpTo.get(key) ?? BigInt((await this.log.offsets(c)).low);
        const to = BigInt(c.offset);
        if (to <= from) continue;
        await this.log.readRange(c, from.toString(), to.toString(), (records) => {
          read += records.length;
          this.apply(records);
        });
        this.appliedUpTo.set(key, to);
      }
    } finally {
      this.restoring--;
    }
    this.logger.info(
      { partitions: partitions.map(tpKey), records: read, seconds: (performance.now() - started) / 1000 },
      'item partitions assigned and restored',
    );
  }

  private async handle(batch: PartitionBatch): Promise<void> {
    const key = tpKey(batch);
    const applied = this.appliedUpTo.get(key);
    this.apply(applied === undefined ? batch.records : batch.records.filter((r) => BigInt(r.offset) >= applied));
    const last = batch.records.at(-1);
    if (last !== undefined) this.appliedUpTo.set(key, BigInt(last.offset) + 1n);
  }

  /**
   * True when every delta record of the partitions this process owns has been applied and the rows it
   * changed are published.
   */
  async settled(): Promise<boolean> {
    const consumer = this.consumer;
    if (consumer === null || this.restoring > 0 || this.items.hasChanges() || this.items.peerNormsChanged || this.forgotten.size > 0)
      return false;
    for (const tp of consumer.assignment()) {
      const { high } = await this.log.offsets(tp);
      if ((this.appliedUpTo.get(tpKey(tp)) ?? 0n) < BigInt(high)) return false;
    }
    await this.publishing;
    return !this.items.hasChanges();
  }

  /** Publishes the rows of the items changed since the last publication (tombstones for forgotten ones). */
  publish(): Promise<void> {
    const run = this.publishing.then(async () => {
      const topic = this.config.topics.itemNeighbors;
      // Rows score peers owned elsewhere with the norms their owners published; when those moved, the
      // rows are recomputed and published again once deltas pause, or at least every PEER_REFRESH_MS.
      const now = Date.now();
      if (this.items.peerNormsChanged && (!this.items.hasChanges() || now - this.peersRefreshedAt >= PEER_REFRESH_MS)) {
        this.items.markAllOwned();
        this.peersRefreshedAt = now;
      }
      const out: OutgoingRecord[] = [];
      for (const id of this.forgotten) out.push({ topic, key: id, value: null });
      this.forgotten.clear();
      for (const id of this.items.takeChanged()) {
        const row = neighborRecord(this.items, id);
        out.push({ topic, key: id, value: row === null ? null : encodeRow(row) });
      }
      if (out.length > 0) {
        await this.log.produce(out);
        this.metrics.neighborRowsPublishedTotal.inc(out.length);
      }
    });
    this.publishing = run.catch((err: unknown) => this.logger.warn({ err }, 'publishing neighbour rows failed'));
    return run;
  }
}
