import type { Config } from '../config.js';
import { partitionForKey } from '../log/partitioner.js';
import { tpKey } from '../log/topic-partition.js';
import type { EventLog, GroupConsumer, LogRecord, OutgoingRecord, PartitionBatch, TopicPartition } from '../log/types.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ChangedKeys } from '../model/changed-keys.js';
import type { ItemDelta } from '../model/item-delta.js';
import type { ItemSide } from '../model/item-side.js';
import { type NeighborRecord, neighborRecord } from '../model/neighbor-row.js';
import { BACKGROUND_SLICE_MS, inSlices } from '../slices.js';
import { CommitGate } from './commit-gate.js';
import { ERASURE_SOURCE_PREFIX, erasureSourceEnded } from './erasures.js';
import { StatePartitionsMismatch } from './errors.js';
import { commitWhenIdle } from './idle-commit.js';
import { decodeDeltas, recordValue, rowRecords } from './internal-records.js';
import { ItemStore } from './item-store.js';
import { PublishPacing } from './publish-pacing.js';

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
  private commitTimer: NodeJS.Timeout | null = null;
  /** The item-state commits: batches wait only until one has taken its offsets and items. */
  private readonly commits = new CommitGate();
  /** A commit no one waits for failed: its items are written when they change again. */
  private readonly commitFailed = (err: unknown): void =>
    this.logger.warn({ err }, 'writing the item state failed; tried again at the next interval');
  /** Batches being handled: an idle commit waits for none. */
  private handling = 0;
  private publishing: Promise<void> = Promise.resolve();
  /** Publications asked for and not yet ended. */
  private publications = 0;
  /** Items changed (or forgotten) since their rows were last published. */
  private readonly changes: ChangedKeys;
  /** Next item-deltas offset not yet applied, per partition this process has held. */
  private readonly appliedUpTo = new Map<string, bigint>();
  /**
   * Per lane (item-deltas partition number) restored with records a commit wrote ahead of its
   * checkpoint: the offset each such item holds the deltas before, and the highest of them (past it
   * the lane is dropped from here).
   */
  private readonly held = new Map<string, { items: Map<string, bigint>; upTo: bigint }>();
  restoring = 0;
  private readonly store: ItemStore;
  private partitionCount = 1;
  private stopping = false;
  /** Off once the log has refused a deletion (a cluster without DeleteRecords for us). */
  private purging = true;
  private peersRefreshedAt = 0;
  private readonly pacing: PublishPacing;

  constructor(
    private readonly config: Config,
    private readonly log: EventLog,
    private readonly items: ItemSide,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    /** Rows scored before other work gets a turn (Infinity: a publication's rows all at once). */
    private readonly rowsSliceMs = BACKGROUND_SLICE_MS,
  ) {
    this.changes = items.trackRows();
    this.store = new ItemStore(config, log, items, metrics);
    this.pacing = new PublishPacing(config.neighborPublishMs);
  }

  get groupId(): string {
    return itemOwnerGroupId(this.config.groupId);
  }

  /** `onRestoreFailed` hears of a restore that threw (and rethrows: the consumer logs it). */
  async start(
    onRestoreFailed: (err: unknown) => never = (err) => {
      throw err;
    },
  ): Promise<void> {
    this.partitionCount = await this.log.partitionsFor(this.config.topics.itemDeltas);
    const stored = await this.log.partitionsFor(this.config.topics.itemState);
    if (stored !== this.partitionCount)
      throw new StatePartitionsMismatch(this.config.topics.itemState, stored, this.config.topics.itemDeltas, this.partitionCount);
    if (this.stopping) return;
    this.consumer = this.log.consumer({ groupId: this.groupId, topics: [this.config.topics.itemDeltas], fromBeginning: true });
    // a tick while a publication is under way (its slices span turns, its produce a round trip) is
    // skipped, not queued: the next one takes what changed meanwhile, each item once
    this.timer = setInterval(() => {
      if (this.publications === 0) void this.publish();
    }, this.config.neighborPublishMs);
    this.timer.unref();
    this.commitTimer = commitWhenIdle(
      this.config.stateCommitMs,
      () =>
        !this.stopping &&
        this.handling === 0 &&
        this.commits.running === 0 &&
        this.restoring === 0 &&
        this.store.pending &&
        this.store.due(Date.now()),
      () => this.commitState(),
      this.commitFailed,
    );
    return this.consumer.run((batch) => this.handle(batch), {
      onAssigned: (partitions) => this.restore(partitions).catch(onRestoreFailed),
      onRevoked: (partitions) => this.release(partitions),
      onRecordsLost: (lost) => this.metrics.countInputLost(lost),
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== null) clearInterval(this.timer);
    if (this.commitTimer !== null) clearInterval(this.commitTimer);
    await this.consumer?.stop();
    await this.commitState();
    await this.publish(true);
  }

  private apply(records: readonly LogRecord[]): void {
    let applied = 0;
    let duplicates = 0;
    for (const r of records) {
      if (r.value === null) continue;
      const deltas = recordValue(r, r.value, decodeDeltas);
      if (deltas === null) {
        this.logger.warn({ topic: r.topic, partition: r.partition, offset: r.offset }, 'item delta record not readable; skipped');
        continue;
      }
      const lane = String(r.partition);
      if (this.anotherSending(deltas, lane)) {
        duplicates += deltas.length;
        continue;
      }
      const held = this.held.get(lane);
      if (held !== undefined) {
        const offset = BigInt(r.offset);
        for (const delta of deltas) {
          // the item's restored record already holds it: only its source position is noted
          if (offset < (held.items.get(delta.item) ?? 0n)) {
            this.items.markDeltaHeld(delta, lane);
            duplicates++;
          } else if (this.items.applyDelta(delta, lane)) applied++;
          else duplicates++;
        }
        if (offset + 1n >= held.upTo) this.held.delete(lane);
        continue;
      }
      for (const delta of deltas) {
        if (this.items.applyDelta(delta, lane)) applied++;
        else duplicates++;
      }
    }
    if (applied > 0) this.metrics.itemDeltasTotal.inc({ outcome: 'applied' }, applied);
    if (duplicates > 0) this.metrics.itemDeltasTotal.inc({ outcome: 'duplicate' }, duplicates);
  }

  /**
   * True for a record of an erasure's take-backs of which another sending was applied in this lane:
   * the process holding the user may have sent them before it crashed, and the one restoring the
   * user's record sends them again (each sending's deltas are its own, so only one may count).
   */
  private anotherSending(deltas: readonly ItemDelta[], lane: string): boolean {
    const source = deltas[0]?.source;
    if (source === undefined || !source.topic.startsWith(ERASURE_SOURCE_PREFIX)) return false;
    const done = this.items.appliedOf(lane, source);
    return done !== undefined && done.to !== source.to;
  }

  /**
   * Restores newly assigned partitions: the item-state store's records and checkpoint, then the
   * deltas after the checkpoint up to the group's commit (applied once: the checkpoint carries the
   * sources applied). A partition held before resumes from where this process stopped applying.
   */
  private async restore(partitions: TopicPartition[]): Promise<void> {
    const consumer = this.consumer;
    if (consumer === null) return;
    this.restoring++;
    try {
      // an idle commit under way finishes on the items it began with
      await this.commits.ended;
      for (const c of await consumer.committed(partitions)) {
        const started = performance.now();
        const key = tpKey(c);
        const { low } = await this.log.offsets(c);
        let from = this.appliedUpTo.get(key);
        let stored: { keys: number; bytes: number } | null = null;
        if (from === undefined) {
          const restored = await this.store.restore(c.partition);
          stored = restored;
          from = BigInt(low);
          this.holdAhead(String(c.partition), restored.heldUpTo);
          if (restored.checkpoint !== null) {
            const covered = BigInt(restored.checkpoint.deltas);
            if (covered < from)
              this.logger.warn(
                { partition: key, covered: covered.toString(), low },
                'item deltas after the stored state were deleted by retention; their increments are lost',
              );
            else from = covered;
          }
          this.appliedUpTo.set(key, from);
        }
        let replayed = 0;
        // through the furthest position a record holds even where the group's commit is behind it:
        // its owner had applied every delta before it
        let to = c.offset === null ? from : BigInt(c.offset);
        const held = this.held.get(String(c.partition));
        if (held !== undefined && held.upTo > to) to = held.upTo;
        if (to > from) {
          await this.log.readRange(c, from.toString(), to.toString(), (records) => {
            replayed += records.length;
            this.apply(records);
          });
          this.appliedUpTo.set(key, to);
        }
        const seconds = (performance.now() - started) / 1000;
        this.metrics.restoreSeconds.observe({ store: 'item' }, seconds);
        this.logger.info(
          {
            store: this.config.topics.itemState,
            partition: c.partition,
            keys: stored?.keys ?? 0,
            bytes: stored?.bytes ?? 0,
            replayed,
            seconds,
          },
          'item partition restored',
        );
      }
    } finally {
      this.restoring--;
    }
  }

  /**
   * Items of a lane whose records a commit cut short wrote ahead of its checkpoint: the deltas before
   * each record's position are in it already, and the replay from the checkpoint (which runs through
   * the furthest of them) must not apply them again.
   */
  private holdAhead(lane: string, heldUpTo: Map<string, bigint>): void {
    if (heldUpTo.size === 0) return;
    let upTo = 0n;
    for (const offset of heldUpTo.values()) if (offset > upTo) upTo = offset;
    this.held.set(lane, { items: heldUpTo, upTo });
    this.logger.warn(
      { partition: lane, items: heldUpTo.size, upTo: upTo.toString() },
      'item records were written ahead of their checkpoint (a state commit cut short); the deltas they hold are not applied again',
    );
  }

  /**
   * Revoked partitions: written once more when this process is stopping (its last word, before anyone
   * restores them); on a rebalance the new owner may have restored them already, so they are only let
   * go (the new owner replays the deltas after the last checkpoint). Either way their items go: if a
   * partition comes back, it is restored from the store. Returns once rows being written have landed.
   */
  private async release(partitions: readonly TopicPartition[]): Promise<void> {
    // an idle commit under way would write the released items as gone (tombstones)
    await this.commits.ended;
    if (this.stopping) await this.commitState(partitions);
    const numbers = new Set(partitions.map((tp) => tp.partition));
    for (const tp of partitions) {
      this.appliedUpTo.delete(tpKey(tp));
      this.held.delete(String(tp.partition));
      this.pacing.release(tpKey(tp));
    }
    const released = this.items.release((id) => numbers.has(partitionForKey(id, this.partitionCount)), [...numbers].map(String));
    // rows made before the release are still this owner's to write: they land before the partition is
    // given up, never after its new owner's (a compacted table keeps the last); rows made from now on
    // skip the released items
    await this.publishing;
    this.logger.info({ partitions: partitions.map(tpKey), items: released }, 'item partitions revoked');
  }

  /** Writes the changed items of the partitions held now (and of `leaving`, revoked ones) with checkpoints, one commit at a time. */
  private commitState(leaving: readonly TopicPartition[] = []): Promise<void> {
    return this.commits.run((owing) => this.writeState(leaving, owing));
  }

  private async writeState(leaving: readonly TopicPartition[], owing: () => void): Promise<void> {
    const consumer = this.consumer;
    if (consumer === null) return;
    const applied = new Map<number, bigint>();
    for (const tp of [...consumer.assignment(), ...leaving]) {
      const at = this.appliedUpTo.get(tpKey(tp));
      if (at !== undefined) applied.set(tp.partition, at);
    }
    const now = Date.now();
    this.items.forgetSources((topic) => erasureSourceEnded(topic, now));
    await this.store.commit(applied, this.partitionCount, now, owing);
    await this.purge(applied);
  }

  /**
   * Deltas a checkpoint covers are never read again (a restore starts at the checkpoint): they are
   * deleted, as Kafka Streams purges its repartition topics, so item-deltas holds about one
   * STATE_COMMIT_MS of records however long the stream runs.
   */
  private async purge(applied: ReadonlyMap<number, bigint>): Promise<void> {
    if (!this.purging) return;
    try {
      for (const [partition, offset] of applied)
        await this.log.deleteRecordsBefore({ topic: this.config.topics.itemDeltas, partition }, offset.toString());
    } catch (err) {
      this.purging = false;
      this.logger.warn({ err }, 'the log refused to delete item deltas a checkpoint covers; item-deltas is bounded by its retention only');
    }
  }

  private async handle(batch: PartitionBatch): Promise<void> {
    this.handling++;
    try {
      // a commit takes its offsets and items while no batch is half applied
      await this.commits.opened;
      this.applyBatch(batch);
    } finally {
      this.handling--;
    }
    // written while the next batches are applied
    if (this.commits.running === 0 && this.store.due(Date.now())) {
      this.commitState().catch(this.commitFailed);
      await this.commits.opened;
    }
  }

  private applyBatch(batch: PartitionBatch): void {
    const key = tpKey(batch);
    const applied = this.appliedUpTo.get(key);
    const records = batch.records;
    // offsets rise within a batch: only a prefix can have been applied (by restore) already
    let skip = 0;
    if (applied !== undefined && records.length > 0 && BigInt(records[0].offset) < applied) {
      while (skip < records.length && BigInt(records[skip].offset) < applied) skip++;
    }
    this.apply(skip === 0 ? records : records.slice(skip));
    const last = records.at(-1);
    if (last !== undefined) {
      const next = BigInt(last.offset) + 1n;
      this.appliedUpTo.set(key, next);
      this.pacing.applied(key, next, BigInt(batch.highWatermark));
    }
  }

  /** True once no changed item waits for the item-state store and no commit is under way. */
  async stateWritten(): Promise<boolean> {
    await this.commits.ended;
    return !this.store.pending;
  }

  /**
   * True when every delta record of the partitions this process owns has been applied and the rows it
   * changed are published.
   */
  async settled(): Promise<boolean> {
    const consumer = this.consumer;
    if (consumer === null || this.restoring > 0 || this.changes.size > 0 || this.items.peerNormsChanged) return false;
    for (const tp of consumer.assignment()) {
      const { high } = await this.log.offsets(tp);
      if ((this.appliedUpTo.get(tpKey(tp)) ?? 0n) < BigInt(high)) return false;
    }
    await this.publishing;
    return this.changes.size === 0;
  }

  /**
   * Publishes the rows of the items changed since the last publication (tombstones for forgotten ones);
   * while deltas are waiting, less often (PublishPacing) unless `now` is asked.
   */
  publish(now = false): Promise<void> {
    this.publications++;
    const run = this.publishing.then(async () => {
      const topic = this.config.topics.itemNeighbors;
      // Rows score peers owned elsewhere with the norms their owners published; when those moved, the
      // rows are recomputed and published again once deltas pause, or at least every PEER_REFRESH_MS.
      const at = Date.now();
      if (!this.pacing.take(at) && !now) return;
      if (this.items.peerNormsChanged && (this.changes.size === 0 || at - this.peersRefreshedAt >= PEER_REFRESH_MS)) {
        this.items.markAllOwned();
        this.peersRefreshedAt = at;
      }
      const out: OutgoingRecord[] = [];
      // in slices: a publication's rows are scored afresh, ~5–20 ms of them at a shop's event rate
      // every NEIGHBOR_PUBLISH_MS, which held the events arriving meanwhile
      await inSlices(this.changes.take(), this.rowsSliceMs, (ids) => {
        const rows: Array<[string, NeighborRecord | null]> = [];
        for (const id of ids) {
          // let go in a rebalance since it changed: its new owner publishes it
          if (this.items.isPeer(id)) continue;
          rows.push([id, neighborRecord(this.items, id)]);
          // changed again since the publication began: this row holds it (scored twice, a catch-up's
          // publications of thousands of rows cost the pipeline a seventh of its events/s)
          this.changes.settle(id);
        }
        for (const record of rowRecords(rows, topic)) out.push(record);
      });
      if (out.length > 0) {
        await this.log.produce(out);
        this.metrics.neighborRowsPublishedTotal.inc(out.length);
      }
    });
    this.publishing = run
      .catch((err: unknown) => this.logger.warn({ err }, 'publishing neighbour rows failed'))
      .finally(() => this.publications--);
    return run;
  }
}
