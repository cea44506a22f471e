import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { messageOf } from '../errors.js';
import { type Pseudonymize, pseudonymizer } from '../events/pseudonym.js';
import type { Recommendation } from '../events/types.js';
import { validateEvent } from '../events/validate.js';
import { partitionForKey } from '../log/partitioner.js';
import { tpKey } from '../log/topic-partition.js';
import type { BatchApplied, EventLog, GroupConsumer, LogRecord, OutgoingRecord, PartitionBatch, TopicPartition } from '../log/types.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { NeighborTable } from '../model/neighbor-table.js';
import type { Recommender } from '../model/recommender.js';
import type { ForgottenCounts, ModelDigest, SimilarItem } from '../model/types.js';
import { BACKGROUND_SLICE_MS, stepsInSlices } from '../slices.js';
import type { Admission, EngineApi, IngestResult, Readiness, RecommendationListener, RecommendationMeta } from './api.js';
import type { EventCodec } from './codec.js';
import { CommitGate } from './commit-gate.js';
import { EmptyLists } from './empty-lists.js';
import { ErasureTakeBacks } from './erasure-take-backs.js';
import { ERASURE_KEY_PREFIX, type Erasure, Erasures } from './erasures.js';
import { EngineNotStarted, InputPartitionsMismatch, StatePartitionsMismatch } from './errors.js';
import { EventClock } from './event-clock.js';
import { HeapPressure } from './heap-pressure.js';
import { commitWhenIdle } from './idle-commit.js';
import { inputRecord } from './input-record.js';
import { ItemOwner } from './item-owner.js';
import { LatestLists, latestListCapacity } from './latest-lists.js';
import { ListFollower } from './list-follower.js';
import { NeighborFollower } from './neighbor-follower.js';
import { OutputQueue } from './output-queue.js';
import { ParamsSync } from './params-sync.js';
import { type ErasureCheck, listStamp, ORIGIN_HEADER, Pipeline, type UserRecordCheck } from './pipeline.js';
import { readRecentLists } from './recent-lists.js';
import { RefusedSources } from './refused-sources.js';
import { positionHolds } from './state-store.js';
import { UnappliedErasures } from './unapplied-erasures.js';
import { type PartitionProgress, UserStore } from './user-store.js';

const MODEL_VERSION = 'recstream-knn-ftrl/1';

export interface EngineParts {
  config: Config;
  log: EventLog;
  /** Both sides of the model on this process's state: its users, and the items it owns. */
  model: Recommender;
  metrics: Metrics;
  logger: Logger;
  /** Wall clock, epoch millis. Default Date.now. */
  clock?: () => number;
}

/** How often the heap is read for load shedding: often enough to stop before the limit at full input rate. */
const HEAP_SAMPLE_MS = 1_000;
/** Records on their way to the log beyond which the consumer waits before the next batch. */
const MAX_OUTPUT_WAITING = 20_000;
/** Retry-After of a refused write: a few samples, time for a collection to free the heap. */
const HEAP_RETRY_AFTER_SECONDS = 5;
/** A backlog drains in seconds: the sender comes back sooner than after a full heap. */
const LAG_RETRY_AFTER_SECONDS = 1;
/**
 * Empty lists are made again at most this many a turn, this often: ~1,000 users a second, each turn
 * holding the event loop a few milliseconds, so a catch-up's empty lists are made again within
 * seconds of their rows without the lists of live events waiting behind them.
 */
const REFILL_EVERY_MS = 200;
const REFILL_PER_TURN = 200;
/**
 * Lists a starting process reads back from the recommendations topic (readRecentLists): the users
 * active most recently, ~0.1 GB to hold, a second or two to read.
 */
const RECENT_LISTS_READ = 100_000;

/**
 * The stream processor: owns the consumer group over the input topics, the pipeline, restore by
 * replay, erasures, the latest lists and the fan-out of every fresh list to live listeners.
 */
export class Engine implements EngineApi {
  readonly config: Config;
  readonly metrics: Metrics;
  private readonly log: EventLog;
  private readonly model: Recommender;
  private readonly logger: Logger;
  /** The global table lists and similar items are answered from. */
  private readonly table: NeighborTable;
  private readonly itemOwner: ItemOwner;
  private readonly tableFollower: NeighborFollower;
  private readonly params: ParamsSync;
  private readonly latest: LatestLists;
  private readonly emptyLists = new EmptyLists();
  private refilling = false;
  /** Each listener and the users it wants (null: every one). */
  private readonly listeners = new Map<RecommendationListener, ((userId: string) => boolean) | null>();
  private readonly erasures = new Erasures();
  private readonly refused = new RefusedSources();
  /** Next changelog offset to read, per changelog partition. */
  private readonly changelogRead = new Map<number, bigint>();
  private changelogFollowed: Promise<void> = Promise.resolve();
  /** Next offset not yet applied to the model, per input partition this process holds. */
  private readonly appliedUpTo = new Map<string, bigint>();
  /** Events learnt per input partition number (the user-state checkpoints count them). */
  private readonly eventsIn = new Map<number, number>();
  private readonly userStore: UserStore;
  /** Lists, dead letters and item deltas on their way to the log, in order. */
  private readonly outputs: OutputQueue;
  /**
   * The user-state commits: batches wait only until one has taken its offsets and the users it owes,
   * not for its records to be written (the store takes an owed user's record before a batch changes them).
   */
  private readonly userCommits = new CommitGate();
  /** A user commit no one waits for failed: the users it took are written when they change again. */
  private readonly userCommitFailed = (err: unknown): void =>
    this.logger.warn({ err }, 'writing the user state failed; tried again at the next interval');
  private readonly owned = new Set<string>();
  /**
   * User-state partition numbers being restored: an erasure of a user of one of them waits for the
   * restore to end, which may be replaying the user's events from before it (and then forgets them).
   */
  private readonly restoringNumbers = new Set<number>();
  private pipeline: Pipeline | null = null;
  private codec: EventCodec | null = null;
  private consumer: GroupConsumer | null = null;
  private lists: ListFollower | null = null;
  private timers: NodeJS.Timeout[] = [];
  private restoring = 0;
  private batchesInFlight = 0;
  /** Erasures read from the changelog since the last applyErasures(). */
  private readonly erasedElsewhere: Erasure[] = [];
  /** Erasures this process made and applied at once (`user@erasedAt`), skipped when read back. */
  private readonly erasedHere = new Set<string>();
  /** Reading back the lists made before this process started (readRecentLists), once joined. */
  private recentLists: Promise<void> = Promise.resolve();
  /** Names this process: its lists in ORIGIN_HEADER. */
  private readonly instance = randomUUID();
  private started = false;
  private joined = false;
  private joining: Promise<void> = Promise.resolve();
  /** The gauge refresh under way (it spans turns), null when none is. */
  private gauges: Promise<void> | null = null;
  private failure: string | null = null;
  /** Why restoring an assigned partition failed: the process then holds part of its state only. */
  private restoreFailure: string | null = null;
  private stopping = false;
  private lastLag = 0;
  private lagReading: Promise<void> | null = null;
  private readonly wall: () => number;
  /** Newest event time applied, bounded by the wall clock: "now" for on-demand answers and expiry. */
  private readonly eventClock: EventClock;
  private partitionCount = new Map<string, number>();
  private readonly heap: HeapPressure;
  readonly pseudonym: Pseudonymize;
  /** The model's forgotten counts already added to the metric. */
  private forgottenCounted: ForgottenCounts = { usersOverCap: 0, usersIdle: 0, itemsOverCap: 0, itemsIdle: 0 };

  constructor(parts: EngineParts) {
    this.config = parts.config;
    this.log = parts.log;
    this.model = parts.model;
    this.metrics = parts.metrics;
    this.logger = parts.logger;
    this.wall = parts.clock ?? Date.now;
    this.eventClock = new EventClock(this.config.eventMaxFutureMs, this.wall);
    this.heap = new HeapPressure(parts.config.heapShedRatio);
    this.latest = new LatestLists(latestListCapacity(parts.config.model.maxUsers), (bytes) => this.decodeList(bytes));
    this.pseudonym = pseudonymizer(parts.config.pseudonymizeKey);
    this.metrics.countInputTopics(this.config.topics);
    this.table = new NeighborTable(this.config.model.trendingHalfLifeHours);
    this.itemOwner = new ItemOwner(this.config, this.log, this.model.items, this.metrics, this.logger);
    this.tableFollower = new NeighborFollower(this.config, this.log, this.table, this.model.items, this.logger);
    this.userStore = new UserStore(this.config, this.log, this.model, this.metrics);
    this.params = new ParamsSync(this.config, this.log, this.model, this.metrics, this.logger, this.wall);
    this.outputs = new OutputQueue({
      produce: (records) => this.log.produce(records),
      onRetry: (err, records) => this.logger.error({ err, records }, 'writing lists and item deltas failed; trying again'),
      maxWaiting: MAX_OUTPUT_WAITING,
    });
  }

  /** Partitions of item-deltas (known once started). */
  private get deltaPartitions(): number {
    return this.partitionCount.get(this.config.topics.itemDeltas) ?? 1;
  }

  get inputTopics(): string[] {
    return [this.config.topics.clicks, this.config.topics.purchases];
  }

  async start(codec: EventCodec): Promise<void> {
    this.codec = codec;
    for (const topic of [...this.inputTopics, this.config.topics.itemDeltas])
      this.partitionCount.set(topic, await this.log.partitionsFor(topic));
    const { clicks, purchases } = this.config.topics;
    const clickPartitions = this.partitionCount.get(clicks) ?? 0;
    const purchasePartitions = this.partitionCount.get(purchases) ?? 0;
    if (clickPartitions !== purchasePartitions) throw new InputPartitionsMismatch(clicks, clickPartitions, purchases, purchasePartitions);
    const pipeline = new Pipeline(
      this.config,
      this.model.users,
      this.table,
      codec,
      this.metrics,
      MODEL_VERSION,
      this.instance,
      this.deltaPartitions,
    );
    pipeline.shownTo = (userId) => this.latest.itemIds(userId);
    this.pipeline = pipeline;
    const inputPartitions = this.partitionCount.get(this.config.topics.clicks) ?? 1;
    const storePartitions = await this.log.partitionsFor(this.config.topics.userState);
    if (storePartitions !== inputPartitions)
      throw new StatePartitionsMismatch(this.config.topics.userState, storePartitions, this.config.topics.clicks, inputPartitions);
    await this.followChangelog();
    if (this.erasures.size > 0 || this.refused.size > 0) {
      this.logger.info({ erasures: this.erasures.size, refusedAhead: this.refused.size }, 'changelog loaded');
    }

    // a backlog in larger batches: each costs a list per user, an item delta per item and a commit
    this.consumer = this.log.consumer({
      groupId: this.config.groupId,
      topics: this.inputTopics,
      fromBeginning: true,
      largerBatchesBehind: true,
    });
    // Every process follows the recommendations topic so a storefront connected anywhere gets
    // the lists of users whose partitions another process owns.
    const lists = new ListFollower(
      this.log,
      this.config.topics.recommendations,
      this.config.groupId,
      (batch) => this.followRecommendations(batch),
      this.logger,
    );
    this.lists = lists;
    // Joining a Kafka group takes seconds; the process serves /healthz meanwhile and /readyz says why
    // it is not ready yet.
    this.joining = Promise.all([
      this.consumer.run((batch) => this.handleBatch(batch), {
        onAssigned: (partitions) => this.restore(partitions).catch((err: unknown) => this.restoreFailed(err)),
        onRevoked: async (partitions) => {
          for (const tp of partitions) this.owned.delete(tpKey(tp));
          // written once more when stopping (its last word, before anyone restores them); on a
          // rebalance the new owner may have restored them already: it replays the input after the
          // last checkpoint instead
          if (this.stopping) await this.commitUserState(partitions);
          this.release(partitions);
          this.logger.info({ partitions }, 'partitions revoked');
        },
        onRebalancing: () => lists.rebalancing(),
        onJoined: () => void lists.joined(this.holdsEveryInput()),
        onRecordsLost: (lost) => this.metrics.countInputLost(lost),
      }),
      lists.start(),
      this.itemOwner.start((err) => this.restoreFailed(err)),
      this.tableFollower.start(),
      this.params.start(),
    ]).then(
      () => {
        this.joined = true;
        this.logger.info('consumer groups joined');
        void this.refreshGauges();
        this.recentLists = this.readRecentLists();
      },
      (err: unknown) => {
        // a group left before it was joined is no failure
        if (this.stopping) return;
        this.failure = err instanceof Error ? err.message : String(err);
        this.logger.error({ err }, 'consumer failed to start');
      },
    );

    this.timers.push(
      setInterval(() => {
        if (this.gauges === null) void this.refreshGauges();
      }, 5_000).unref(),
    );
    this.timers.push(
      commitWhenIdle(
        this.config.stateCommitMs,
        () =>
          this.joined &&
          !this.stopping &&
          this.batchesInFlight === 0 &&
          this.userCommits.running === 0 &&
          this.restoring === 0 &&
          this.userStore.pending &&
          this.userStore.due(this.wall()),
        () => this.commitUserState(),
        this.userCommitFailed,
      ),
    );
    this.timers.push(
      setInterval(() => {
        if (this.joined && !this.stopping && !this.refilling) this.refillEmptyLists().catch(this.refillFailed);
      }, REFILL_EVERY_MS).unref(),
    );
    this.sampleHeap();
    this.timers.push(
      setInterval(() => {
        this.sampleHeap();
        void this.sampleLag();
      }, HEAP_SAMPLE_MS).unref(),
    );
    this.started = true;
  }

  /** Resolves once both consumer groups have been joined (or failed to). */
  whenJoined(): Promise<void> {
    return this.joining;
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    // what is on its way is still written; only a failing write gives up now instead of retrying
    const outputsClosed = this.outputs.close();
    // No waiting for groups to finish joining first: a join can take the broker's whole rebalance,
    // and a consumer stopped mid-join gives the join up. The readers of shared tables stop beside
    // the rest.
    const readersStopped = Promise.all([this.tableFollower.stop(), this.params.stop()]);
    await Promise.all([this.consumer?.stop(), this.lists?.stop()]);
    await outputsClosed;
    // the item owner goes after the user side: its last deltas are applied and their rows published
    await this.itemOwner.stop();
    await this.recentLists;
    await readersStopped;
  }

  /**
   * Reads the changelog records not read yet: erasures and refusal markers written since, by this
   * process or another one of the group, so a replay honours them.
   */
  private followChangelog(): Promise<void> {
    const read = this.changelogFollowed.then(async () => {
      const topic = this.config.topics.changelog;
      const partitions = await this.log.partitionsFor(topic);
      const offsets = partitions === 0 ? [] : await this.log.topicOffsets(topic);
      for (let partition = 0; partition < partitions; partition++) {
        const { low, high } = offsets[partition];
        const from = this.changelogRead.get(partition) ?? BigInt(low);
        if (BigInt(high) <= from) continue;
        await this.log.readRange({ topic, partition }, from.toString(), high, (records) => {
          for (const r of records) {
            const erasure = this.erasures.load(r);
            if (erasure !== null && !this.erasedHere.delete(`${erasure.userId}@${erasure.erasedAt}`)) this.erasedElsewhere.push(erasure);
            this.refused.load(r);
          }
        });
        this.changelogRead.set(partition, BigInt(high));
      }
    });
    this.changelogFollowed = read.catch(() => undefined);
    return read;
  }

  /** Refusal markers of records retention removed from an input partition are never needed again. */
  private async expireRefusals(partitions: TopicPartition[]): Promise<void> {
    const tombstones: OutgoingRecord[] = [];
    for (const tp of partitions) {
      const { low } = await this.log.offsets(tp);
      tombstones.push(...this.refused.expire(tp, low, this.config.topics.changelog));
    }
    if (tombstones.length > 0) await this.log.produce(tombstones);
  }

  /**
   * Restores newly assigned partitions, one partition number at a time (clicks p and purchases p share
   * user-state p): the store's users and checkpoint, then the input after the checkpoint up to the
   * group's commit, replayed without emitting. A partition held before resumes where this process
   * stopped applying.
   */
  private async restore(partitions: TopicPartition[]): Promise<void> {
    const consumer = this.consumer;
    const pipeline = this.pipeline;
    if (consumer === null || pipeline === null) return;
    this.metrics.rebalancesTotal.inc();
    this.restoring++;
    try {
      // an idle commit under way finishes with the partitions it began with
      await this.userCommits.ended;
      await this.followChangelog();
      await this.expireRefusals(partitions);
      const committed = await consumer.committed(partitions);
      for (const number of new Set(partitions.map((tp) => tp.partition))) {
        this.restoringNumbers.add(number);
        const started = performance.now();
        const inputs = committed.filter((c) => c.partition === number);
        let stored: { keys: number; bytes: number } | null = null;
        // replays the input skipping the events of erasures this process applied before
        let erased: ErasureCheck = (userId, record) => this.erasures.covers(userId, record);
        /** Events a user's restored record holds already (a commit cut short wrote it ahead of its checkpoint). */
        let holds: UserRecordCheck | undefined;
        const takeBacks = new ErasureTakeBacks(this.model.users);
        let unapplied: UnappliedErasures | null = null;
        /** Per input partition, where replayed events start counting: those before are in the restored count. */
        const countFrom = new Map<string, bigint>();
        if (inputs.every((c) => !this.appliedUpTo.has(tpKey(c)))) {
          const pending = new UnappliedErasures(this.erasures, number, takeBacks);
          unapplied = pending;
          const restored = await this.userStore.restore(number, (userId, seen, checkpointSeen) =>
            pending.keep(userId, seen, checkpointSeen),
          );
          pending.opened(restored.checkpoint?.seen ?? {});
          // a user whose record a commit cut short wrote ahead of its checkpoint holds the events before its position
          const held = restored.heldUpTo;
          erased = (userId, record) => pending.skip(userId, record);
          if (held.size > 0) holds = (userId, record) => positionHolds(held.get(userId), record);
          stored = restored;
          const furthest = restored.furthest;
          this.eventsIn.set(number, furthest?.events ?? restored.checkpoint?.events ?? 0);
          if (furthest !== null) {
            for (const [tp, offset] of Object.entries(furthest.offsets)) countFrom.set(tp, BigInt(offset));
            this.logger.warn(
              { partition: number, users: held.size, position: furthest.offsets },
              'user records were written ahead of their checkpoint (a state commit cut short); the events they hold are not learnt again',
            );
          }
          if (restored.checkpoint !== null) this.eventClock.observe(restored.checkpoint.newest);
          for (const c of inputs) {
            const low = BigInt((await this.log.offsets(c)).low);
            const covered = restored.checkpoint?.offsets[tpKey(c)];
            let from = low;
            if (covered !== undefined && BigInt(covered) >= low) from = BigInt(covered);
            else if (covered !== undefined)
              this.logger.warn(
                { partition: tpKey(c), covered, low: low.toString() },
                'input after the stored user state was deleted by retention; those events are lost',
              );
            this.appliedUpTo.set(tpKey(c), from);
          }
        }
        let replayed = 0;
        for (const c of inputs) {
          const key = tpKey(c);
          this.owned.add(key);
          const from = this.appliedUpTo.get(key) ?? BigInt((await this.log.offsets(c)).low);
          const counted = countFrom.get(key) ?? from;
          // through the furthest commit's position even where the group's commit is behind it: the
          // events before it had their lists and deltas written (a commit waits for them), and its
          // count holds them
          let to = c.offset === null ? from : BigInt(c.offset);
          if (counted > to) to = counted;
          if (to <= from) continue;
          await this.log.readRange(c, from.toString(), to.toString(), async (records) => {
            const judged = records.filter((r) => !this.refused.covers(r));
            // events before `counted` are learnt again (users whose records did not get that far) but already counted
            let split = 0;
            while (split < judged.length && BigInt(judged[split].offset) < counted) split++;
            for (const [part, counts] of [
              [judged.slice(0, split), false],
              [judged.slice(split), true],
            ] as const) {
              if (part.length === 0) continue;
              const result = await pipeline.replay(part, this.wall(), erased, holds);
              replayed += result.applied;
              if (counts) this.eventsIn.set(number, (this.eventsIn.get(number) ?? 0) + result.applied);
              else this.userStore.learntAgain(result.applied);
              this.userStore.learntIn(number, result.learnt);
              this.eventClock.observe(result.newestEventTime);
            }
          });
          this.appliedUpTo.set(key, to);
        }
        unapplied?.finish();
        this.restoringNumbers.delete(number);
        for (const [userId] of takeBacks.homes()) this.dropLists(userId);
        await this.sendTakeBacks(takeBacks, 'erasures applied on restore', 'applied_on_restore');
        const seconds = (performance.now() - started) / 1000;
        this.metrics.restoreSeconds.observe({ store: 'user' }, seconds);
        this.logger.info(
          { store: this.config.topics.userState, partition: number, keys: stored?.keys ?? 0, bytes: stored?.bytes ?? 0, replayed, seconds },
          'user partition restored',
        );
      }
    } finally {
      this.restoring--;
      if (this.restoring === 0) this.restoringNumbers.clear();
    }
  }

  /**
   * Writes the users that changed in the partitions held (and in `leaving`, revoked ones) to the
   * user-state store with a checkpoint each, after applying every erasure read so far: a record
   * written says which erasures its writer knew of.
   */
  private commitUserState(leaving: readonly TopicPartition[] = []): Promise<void> {
    return this.userCommits.run(async (owing) => {
      const consumer = this.consumer;
      if (consumer === null) return;
      await this.applyErasures();
      const progress = new Map<number, PartitionProgress>();
      for (const tp of [...consumer.assignment(), ...leaving]) {
        const at = this.appliedUpTo.get(tpKey(tp));
        if (at === undefined) continue;
        const p = progress.get(tp.partition) ?? { offsets: {}, events: this.eventsIn.get(tp.partition) ?? 0 };
        p.offsets[tpKey(tp)] = at.toString();
        progress.set(tp.partition, p);
      }
      const seen: Record<string, string> = {};
      for (const [partition, offset] of this.changelogRead) seen[String(partition)] = offset.toString();
      // the records say the events before their position need no replay: those events' lists and
      // deltas are written before any record is, while the batches after them go on
      const written = this.outputs.send([]);
      // awaited only once the records are made: a failure meanwhile must not count as unhandled
      written.catch(() => undefined);
      await this.userStore.commit(progress, seen, this.wall(), owing, written);
    });
  }

  /**
   * Lets go of the users of revoked partitions (written to the store just before): their new owner
   * restores them, and if one comes back here it is restored from the store, where that owner left it.
   */
  private release(partitions: readonly TopicPartition[]): void {
    const numbers = new Set(partitions.map((tp) => tp.partition));
    for (const tp of partitions) this.appliedUpTo.delete(tpKey(tp));
    let events = 0;
    for (const n of numbers) {
      events += this.eventsIn.get(n) ?? 0;
      this.eventsIn.delete(n);
    }
    const released = this.userStore.release(numbers);
    this.emptyLists.forgetWhere(released);
    this.model.users.release(released, events);
  }

  private async handleBatch(batch: PartitionBatch): Promise<BatchApplied> {
    this.batchesInFlight++;
    let applied: BatchApplied;
    try {
      // a commit takes its offsets and the users it owes while no batch is half learnt
      await this.userCommits.opened;
      applied = await this.applyBatch(batch);
    } finally {
      this.batchesInFlight--;
    }
    // never amid another batch (its users half learnt); written while the next batches are learnt
    if (this.batchesInFlight === 0 && this.userCommits.running === 0 && this.userStore.due(this.wall())) {
      this.commitUserState().catch(this.userCommitFailed);
      await this.userCommits.opened;
    }
    await this.outputs.room();
    return applied;
  }

  /** Learns the batch and queues what it writes, durable when the answer's `durable` resolves. */
  private async applyBatch(batch: PartitionBatch): Promise<BatchApplied> {
    const pipeline = this.pipeline;
    if (pipeline === null) throw new EngineNotStarted();
    const key = tpKey(batch);
    const applied = this.appliedUpTo.get(key);
    const records = batch.records.filter((r) => (applied === undefined || BigInt(r.offset) >= applied) && !this.erasedRecord(r));
    let durable: Promise<void>;
    if (records.length > 0) {
      const result = await pipeline.live({ ...batch, records }, this.wall(), (r) => this.refused.covers(r));
      this.eventsIn.set(batch.partition, (this.eventsIn.get(batch.partition) ?? 0) + result.applied);
      this.userStore.learntIn(batch.partition, result.learnt);
      // Remembered before the write: if it fails, the re-delivered batch is refused again, not re-judged.
      if (result.refusedAhead.length > 0)
        result.outgoing.push(this.refused.refuse(batch, result.refusedAhead, this.config.topics.changelog));
      // Durable before the consumer commits: lists and dead letters are acknowledged by the log.
      const sent = performance.now();
      durable = this.outputs.send(result.outgoing);
      this.metrics.recommendationsTotal.inc({ sink: 'topic' }, result.lists.length);
      for (const { rec, eventTime } of result.lists) {
        this.eventClock.observe(eventTime);
        this.emptyLists.made(rec.userId, rec.items.length);
      }
      // pushed once on the topic, so a storefront never sees a list the log does not have
      void durable.then(
        () => {
          this.metrics.checkpointSeconds.observe((performance.now() - sent) / 1000);
          for (const { rec, eventTime, value } of result.lists) this.publish(rec, value, { eventTime });
        },
        () => undefined,
      );
    } else {
      durable = this.outputs.send([]);
    }
    const last = batch.records.at(-1);
    if (last !== undefined) this.appliedUpTo.set(key, BigInt(last.offset) + 1n);
    return { durable };
  }

  /** Live records of an erased user from before the erasure (still in flight) are skipped. */
  private erasedRecord(record: LogRecord): boolean {
    const userId = record.key?.toString('utf8');
    return userId !== undefined && this.erasures.covers(this.pseudonym(userId), record);
  }

  private async followRecommendations(batch: PartitionBatch): Promise<void> {
    const codec = this.codec;
    if (codec === null) return;
    for (const record of batch.records) {
      // Lists this process made were delivered when they were made.
      if (record.value === null || record.headers[ORIGIN_HEADER] === this.instance) continue;
      // Each process reads every list of the group: one no one here listens for is held as its bytes,
      // from its key and header, and read only if asked for (a GET, a later subscription).
      const stamp = listStamp(record);
      if (stamp !== null && !this.listenedFor(stamp.userId)) {
        this.holdList(stamp.userId, stamp.value, stamp.generatedAt);
        continue;
      }
      const decoded = await codec.decode(record.topic, record.value);
      if (!decoded.ok) continue;
      const rec = decoded.value as Recommendation;
      if (!this.olderThanHeld(rec.userId, rec.generatedAt)) this.publish(rec, record.value, {});
    }
  }

  /**
   * Holds the newest lists made before this process started (read back from the recommendations
   * topic, at most RECENT_LISTS_READ), so a process joining a running group — a restart, a scale-out —
   * answers reads and subscriptions for users held elsewhere with the list their owner answers, not one
   * made here without their history. Read once the fan-out follower has joined, so no list falls
   * between the two (of two copies of a user's list the newer is held); lists of users erased since
   * they were made are left out. Not read by a process that holds every input partition (alone in its
   * group): every user is restored here, and the read only competed with the restore (~2 s at 100,000 users).
   */
  private async readRecentLists(): Promise<void> {
    const started = performance.now();
    if (this.holdsEveryInput()) return;
    try {
      const most = Math.min(RECENT_LISTS_READ, this.latest.capacity);
      const read = await readRecentLists(this.log, this.config.topics.recommendations, most, (userId, value, generatedAt) => {
        const erasure = this.erasures.of(userId);
        if (this.stopping || (erasure !== undefined && generatedAt <= erasure.erasedAt)) return;
        this.holdList(userId, value, generatedAt);
      });
      this.logger.info({ lists: read, seconds: (performance.now() - started) / 1000 }, 'recent lists read');
    } catch (err) {
      if (!this.stopping) this.logger.warn({ err }, 'reading the recent lists failed; lists made from now on are held as usual');
    }
  }

  /**
   * Makes again the empty lists of users this process holds, once the global table has changed
   * (EmptyLists), and writes those that have items to the recommendations topic as any list: every
   * process then answers them and subscribers get them. They have no trigger event.
   */
  private async refillEmptyLists(): Promise<void> {
    const pipeline = this.pipeline;
    if (pipeline === null) return;
    const users = this.emptyLists.take(this.tableFollower.version, REFILL_PER_TURN);
    if (users.length === 0) return;
    this.refilling = true;
    try {
      const lists: Array<{ rec: Recommendation; value: Buffer }> = [];
      for (const userId of users) {
        if (!this.model.users.knowsUser(userId)) {
          this.emptyLists.forget(userId);
          continue;
        }
        const list = await pipeline.filledList(userId, this.eventClock.now());
        this.emptyLists.made(userId, list?.rec.items.length ?? 0);
        if (list !== null) lists.push(list);
      }
      if (lists.length === 0) return;
      try {
        await this.outputs.send(lists.map(({ rec, value }) => pipeline.listRecord(rec, value)));
      } catch (err) {
        for (const { rec } of lists) this.emptyLists.made(rec.userId, 0);
        throw err;
      }
      this.metrics.recommendationsTotal.inc({ sink: 'topic' }, lists.length);
      this.metrics.listsRemadeTotal.inc(lists.length);
      for (const { rec, value } of lists) {
        // erased (or let go) while the list was on its way: its latest list is not this process's to hold
        if (this.model.users.knowsUser(rec.userId) && !this.olderThanHeld(rec.userId, rec.generatedAt)) this.publish(rec, value, {});
      }
    } finally {
      this.refilling = false;
    }
  }

  private readonly refillFailed = (err: unknown): void => {
    if (this.stopping) return;
    this.logger.warn(
      { err },
      'writing lists made again for users whose lists were empty failed; they are made again after the next change of the item table',
    );
  };

  /** Holds another process's list, as its bytes, unless a newer one of the user's is held. */
  private holdList(userId: string, value: Buffer, generatedAt: number): void {
    if (!this.olderThanHeld(userId, generatedAt)) this.latest.hold(userId, value, generatedAt);
  }

  /** True when this process holds every input partition: alone in its group, it makes every list. */
  private holdsEveryInput(): boolean {
    const assigned = this.consumer?.assignment().length ?? 0;
    const inputs = this.inputTopics.reduce((n, topic) => n + (this.partitionCount.get(topic) ?? 1), 0);
    return assigned >= inputs;
  }

  /** True when the list held for the user is newer: a follower never goes back to an older list. */
  private olderThanHeld(userId: string, generatedAt: number): boolean {
    const current = this.latest.generatedAt(userId);
    return current !== undefined && current > generatedAt;
  }

  /** A held list's record value; a list held was written or read with its schema already, so it decodes synchronously. */
  private decodeList(bytes: Buffer): Recommendation | null {
    const decoded = this.codec?.decode(this.config.topics.recommendations, bytes);
    if (decoded instanceof Promise) {
      void decoded.catch(() => undefined);
      return null;
    }
    return decoded?.ok === true ? (decoded.value as Recommendation) : null;
  }

  private publish(rec: Recommendation, value: Buffer, meta: RecommendationMeta): void {
    this.latest.set(rec, value);
    for (const [listener, wants] of this.listeners) {
      if (wants !== null && !wants(rec.userId)) continue;
      try {
        listener(rec, meta);
      } catch (err) {
        this.logger.error({ err }, 'recommendation listener failed');
      }
    }
  }

  private sampleHeap(): void {
    const wasShedding = this.heap.shedding;
    this.heap.sample();
    const shedding = this.heap.shedding;
    this.metrics.heapUsedRatio.set(this.heap.usedRatio);
    this.metrics.loadShedding.set(shedding ? 1 : 0);
    if (shedding && !wasShedding) this.logger.warn(`${this.heap.describe()}: POST /v1/events answers 503 until it is back under`);
    if (!shedding && wasShedding)
      this.logger.info(`heap back under HEAP_SHED_RATIO=${this.heap.ratio}: POST /v1/events takes events again`);
  }

  /** The input lag, every second: readiness and the collector's admission read it. */
  private sampleLag(): Promise<void> {
    this.lagReading ??= this.readLag().finally(() => {
      this.lagReading = null;
    });
    return this.lagReading;
  }

  private async readLag(): Promise<void> {
    const consumer = this.consumer;
    if (consumer === null) return;
    try {
      const lags = await consumer.lag();
      this.metrics.consumerLag.reset();
      let total = 0;
      for (const l of lags) {
        this.metrics.consumerLag.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
        total += l.lag;
      }
      this.lastLag = total;
    } catch (err) {
      this.logger.warn({ err }, 'reading the consumer lag failed');
    }
  }

  private countForgotten(now: ForgottenCounts): void {
    const before = this.forgottenCounted;
    const add = (state: string, cause: string, delta: number): void => {
      if (delta > 0) this.metrics.modelForgottenTotal.inc({ state, cause }, delta);
    };
    add('user', 'cap', now.usersOverCap - before.usersOverCap);
    add('user', 'idle', now.usersIdle - before.usersIdle);
    add('item', 'cap', now.itemsOverCap - before.itemsOverCap);
    add('item', 'idle', now.itemsIdle - before.itemsIdle);
    this.forgottenCounted = now;
  }

  /**
   * Erasures any process of the group wrote since the last look: this process forgets the users it
   * holds (sending their take-backs to the items' owners) and drops their latest lists, so an erasure
   * holds in every process, whichever one was asked.
   */
  private async applyErasures(): Promise<void> {
    await this.followChangelog();
    await this.forgetErased(this.erasedElsewhere.splice(0), 'erasures applied');
  }

  /**
   * Applies `erasures` here: their users' lists go, and the users held here are forgotten with their
   * take-backs — except those whose partition is being restored, which may be replaying their events
   * from before the erasure: they wait with the erasures read from the changelog until it has ended.
   */
  private async forgetErased(erasures: Erasure[], message: string): Promise<void> {
    if (erasures.length === 0) return;
    const takeBacks = new ErasureTakeBacks(this.model.users);
    let applied = 0;
    for (const erasure of erasures) {
      this.dropLists(erasure.userId);
      const home = this.userStore.homeOf(erasure.userId);
      if (home !== undefined && this.restoringNumbers.has(home)) {
        this.erasedElsewhere.push(erasure);
        continue;
      }
      applied++;
      if (home !== undefined) takeBacks.forget(erasure, home);
    }
    await this.sendTakeBacks(takeBacks, message, 'applied', applied);
  }

  /** An erased user's latest list, and their wait for a list made again. */
  private dropLists(userId: string): boolean {
    this.emptyLists.forget(userId);
    return this.latest.delete(userId);
  }

  /**
   * Sends the take-backs of users forgotten for their erasure to the items' owners, behind the deltas
   * already on their way (a take-back never passes what it takes back), then deletes their records:
   * a crash in between leaves the record to a restore, which sends the take-backs again as the same
   * source (applied once).
   */
  private async sendTakeBacks(
    takeBacks: ErasureTakeBacks,
    message: string,
    step: 'applied' | 'applied_on_restore',
    erasures = takeBacks.homes().length,
  ): Promise<void> {
    const homes = takeBacks.homes();
    if (erasures > 0)
      // counts only: an erasure's log line must not name whom it erased
      this.logger.info({ erasures, held: homes.length, items: takeBacks.items }, message);
    if (homes.length === 0) return;
    const { records, deltas } = takeBacks.records(this.config.topics.itemDeltas, this.deltaPartitions, this.config.itemDeltasFormat);
    await this.outputs.send(records);
    this.metrics.itemDeltasTotal.inc({ outcome: 'sent' }, deltas);
    await this.userStore.tombstone(homes);
    this.metrics.erasuresTotal.inc({ step }, homes.length);
  }

  /** Refreshes the model gauges once any refresh under way has ended (one at a time: each spans turns). */
  private refreshGauges(): Promise<void> {
    const refresh = (this.gauges ?? Promise.resolve()).then(() => this.refreshGaugesNow());
    const tracked = refresh.finally(() => {
      if (this.gauges === tracked) this.gauges = null;
    });
    this.gauges = tracked;
    return tracked;
  }

  private async refreshGaugesNow(): Promise<void> {
    try {
      await this.applyErasures();
      // in slices: in one turn these passes over every user and item held the event loop 20–50 ms
      // every 5 s with the bench's 16,000 users and items, and that grows with the state
      await stepsInSlices(this.model.expireIdleSteps(this.eventClock.now()), BACKGROUND_SLICE_MS);
      const stats = await stepsInSlices(this.model.statsSteps(), BACKGROUND_SLICE_MS);
      // a pass spans turns: the engine may have stopped meanwhile, its consumers gone
      if (this.stopping) return;
      this.countForgotten(stats.forgotten);
      this.metrics.modelUsers.set(stats.users);
      this.metrics.listsEmpty.set(this.emptyLists.size);
      this.metrics.modelItems.set(stats.items);
      this.metrics.modelNeighborEntries.set(stats.neighborEntries);
      this.metrics.modelCounterEntries.set(stats.counterEntries);
      this.metrics.modelBytes.set(stats.approxBytes);
      if (stats.rankerLogLoss !== null) this.metrics.rankerLogLoss.set(stats.rankerLogLoss);
      if (stats.rlsRmse !== null) this.metrics.rlsRmse.set(stats.rlsRmse);
      const recall = this.pipeline?.prequential.recall();
      if (recall !== null && recall !== undefined) this.metrics.prequentialRecall.set({ k: '10' }, recall);
      const refusedSources = this.refused.sources();
      if (refusedSources.length > 0) await this.expireRefusals(refusedSources);
    } catch (err) {
      this.logger.warn({ err }, 'gauge refresh failed');
    }
  }

  /** Runs the 5 s gauge refresh (model gauges, idle expiry) and the 1 s lag reading now, so tests observe them without waiting. */
  async refresh(): Promise<void> {
    await this.refreshGauges();
    await this.sampleLag();
  }

  // ---- EngineApi ----

  admission(): Admission {
    // heap figures stay in /readyz and the log: the client needs only why and when
    if (this.heap.shedding) return { admitted: false, reason: 'its memory is nearly full', retryAfterSeconds: HEAP_RETRY_AFTER_SECONDS };
    // Taking events faster than they are learnt would only grow the backlog until retention deletes
    // events nobody has learnt yet: the sender waits instead, and its events stay with it.
    const maxLag = this.config.ingestMaxLag;
    if (maxLag > 0 && this.lastLag > maxLag)
      return {
        admitted: false,
        reason: `${this.lastLag} events are waiting to be learnt (INGEST_MAX_LAG=${maxLag})`,
        retryAfterSeconds: LAG_RETRY_AFTER_SECONDS,
      };
    return { admitted: true };
  }

  async ingest(events: unknown[]): Promise<IngestResult> {
    const codec = this.codec;
    if (codec === null) throw new EngineNotStarted();
    const now = this.wall();
    const rejected: IngestResult['rejected'] = [];
    const records: OutgoingRecord[] = [];
    for (let index = 0; index < events.length; index++) {
      const result = validateEvent(events[index], { now, maxBytes: this.config.eventMaxBytes, maxFutureMs: this.config.eventMaxFutureMs });
      if (!result.ok) {
        rejected.push({ index, error: result.error });
        continue;
      }
      // Mapped before the record is written: the input topics never hold the original id.
      records.push(await inputRecord({ ...result.event, userId: this.pseudonym(result.event.userId) }, codec, this.config.topics));
    }
    if (records.length > 0) await this.log.produce(records);
    return { accepted: records.length, rejected };
  }

  recommendationsFor(userId: string, limit?: number, fresh = false): Recommendation {
    const pipeline = this.pipeline;
    if (pipeline === null) throw new EngineNotStarted();
    const want = limit ?? this.config.recommendationLimit;
    const user = this.pseudonym(userId);
    const latest = this.latest.get(user);
    // Answered with the id the caller asked with: it knows it already, and nothing stores the answer.
    if (fresh && this.model.users.knowsUser(user)) return { ...pipeline.recommend(user, this.eventClock.now(), null, want), userId };
    if (latest !== undefined && want <= this.config.recommendationLimit) {
      // made before the global table had rows for the user's items: a list made now may have some. Only
      // where the user is held (elsewhere it would be another list than the one its owner answers);
      // the owner also writes it for every process once the table has changed (refillEmptyLists).
      if (latest.items.length === 0 && this.model.users.knowsUser(user)) {
        const fresh = pipeline.recommend(user, this.eventClock.now(), null, want);
        if (fresh.items.length > 0) return { ...fresh, userId };
      }
      return { ...latest, userId, items: want >= latest.items.length ? latest.items : latest.items.slice(0, want) };
    }
    return { ...pipeline.recommend(user, this.eventClock.now(), null, want), userId };
  }

  similarItems(itemId: string, limit: number): SimilarItem[] {
    return this.table.similar(itemId, Math.min(limit, this.config.model.neighbors));
  }

  async eraseUser(asked: string): Promise<boolean> {
    const userId = this.pseudonym(asked);
    const offsets: Record<string, string> = {};
    for (const topic of this.inputTopics) {
      const partitions = this.partitionCount.get(topic) ?? (await this.log.partitionsFor(topic));
      const ends = partitions === 0 ? [] : await this.log.topicOffsets(topic);
      for (let partition = 0; partition < partitions; partition++) offsets[tpKey({ topic, partition })] = ends[partition].high;
    }
    const erasure: Erasure = { userId, erasedAt: Date.now(), offsets };
    this.erasedHere.add(`${userId}@${erasure.erasedAt}`);
    // The marker is durable before the state goes, so a restart can never bring the user back.
    await this.log.produce([
      {
        topic: this.config.topics.changelog,
        key: `${ERASURE_KEY_PREFIX}${userId}`,
        value: Buffer.from(JSON.stringify(erasure)),
      },
    ]);
    this.erasures.add(erasure);
    this.metrics.erasuresTotal.inc({ step: 'written' });
    // Held here, the user is forgotten now. Held elsewhere, their process reads the marker and forgets
    // them; held nowhere (mid-rebalance), the process restoring their partition does, from their record.
    const known = this.userStore.homeOf(userId) !== undefined && this.model.users.knowsUser(userId);
    const hadList = this.latest.generatedAt(userId) !== undefined;
    await this.forgetErased([erasure], 'erasure written');
    return known || hadList || !this.holdsEveryHomeOf(asked, userId);
  }

  /**
   * True when this process holds, restored, every input partition the user's events can come by (by
   * the id as sent or its pseudonym): knowing nothing of them, it can then say no process does.
   */
  private holdsEveryHomeOf(asked: string, userId: string): boolean {
    if (this.restoring > 0) return false;
    const count = this.partitionCount.get(this.config.topics.clicks) ?? 1;
    return [asked, userId].every((id) =>
      this.owned.has(tpKey({ topic: this.config.topics.clicks, partition: partitionForKey(id, count) })),
    );
  }

  digest(): ModelDigest {
    return this.model.digest();
  }

  /** True once both state stores hold everything learnt: no change waits for a commit and none is under way. */
  async stateWritten(): Promise<boolean> {
    await this.userCommits.ended;
    return !this.userStore.pending && (await this.itemOwner.stateWritten());
  }

  async settled(): Promise<boolean> {
    // a batch learned but not yet written has item increments on their way
    if (this.batchesInFlight > 0) return false;
    return (await this.itemOwner.settled()) && (await this.tableFollower.settled());
  }

  /** A restore that failed leaves this process without part of its state: it stays not ready, and the error goes on to the log. */
  private restoreFailed(err: unknown): never {
    this.restoreFailure = messageOf(err);
    throw err;
  }

  readiness(): Readiness {
    const partitions = [...this.owned].sort();
    const notReady = (reason: string): Readiness => ({ ready: false, reason, partitions });
    if (!this.started) return notReady('starting');
    if (this.failure !== null) return notReady(`consumer failed: ${this.failure}`);
    if (this.restoreFailure !== null)
      return notReady(`restoring state failed: ${this.restoreFailure}; this process holds part of its state until it is restarted`);
    if (!this.joined) return notReady('joining the consumer group');
    if (this.stopping) return notReady('stopping');
    if (this.restoring > 0 || this.itemOwner.restoring > 0) return notReady('restoring state of assigned partitions');
    if (this.heap.shedding) return notReady(`${this.heap.describe()}: refusing events`);
    if (this.lastLag > this.config.readyMaxLag)
      return notReady(`consumer lag ${this.lastLag} above READY_MAX_LAG=${this.config.readyMaxLag}`);
    return { ready: true, partitions };
  }

  onRecommendation(listener: RecommendationListener, wants?: (userId: string) => boolean): () => void {
    this.listeners.set(listener, wants ?? null);
    return () => this.listeners.delete(listener);
  }

  /** True when a listener wants the user's lists. */
  private listenedFor(userId: string): boolean {
    for (const wants of this.listeners.values()) if (wants === null || wants(userId)) return true;
    return false;
  }
}
