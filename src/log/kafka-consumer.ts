/**
 * One member of a Kafka consumer group on kafkajs. Per partition batch: handler, then the offset
 * after the batch's last record is resolved (the next fetch goes on from it) and, once the batch's
 * output is durable, waits for a commit (auto-commit and auto-resolve are off). A caught-up partition
 * commits at once, one behind at most every `commitIntervalMs`, as Kafka Streams' commit.interval.ms,
 * and no batch waits for a commit: one OffsetCommit round trip per small batch would bound a busy
 * partition to a few hundred batches a second. A failed batch is
 * left unresolved, so kafkajs fetches it again after a backoff. Heartbeats continue while a long
 * batch runs, and the partition is paused while a handler is slow so no more of it is fetched and
 * buffered meanwhile.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka, RetryOptions } from 'kafkajs';
import { difference, notifyAssignment } from './assignment.js';
import { CoPartitionedAssigner } from './co-partitioned-assigner.js';
import { ConsumerAlreadyRunning, ConsumerStopped } from './errors.js';
import type { OffsetReset } from './kafka-logger.js';
import { toLogRecord } from './kafka-records.js';
import { errorFields, type LogSink } from './log-logger.js';
import { recordsLostMessage } from './records-lost.js';
import { Backoff } from './signal.js';
import { compareTp, tpKey } from './topic-partition.js';
import type {
  AssignmentListener,
  BatchApplied,
  BatchHandler,
  ConsumerOptions,
  GroupConsumer,
  PartitionBatch,
  TopicPartition,
} from './types.js';

const JOIN_ATTEMPTS = 5;
const KAFKA_RETENTION_FIX = "Keep the topic's retention.ms and retention.bytes above the backlog the group can have";

export interface KafkaConsumerSettings {
  sessionTimeout: number;
  rebalanceTimeout: number;
  heartbeatInterval: number;
  /** Longest time a fetch waits on the broker for new records; bounds how long stop() waits too. */
  maxWaitTimeInMs: number;
  maxBytesPerPartition: number;
  /** A handler running longer than this gets its partition paused until it finishes. */
  slowBatchMs: number;
  /** While a partition is behind, its handled offsets are committed at most this often (0: after every batch). */
  commitIntervalMs: number;
  retry: RetryOptions;
}

type Offset = TopicPartition & { offset: string };
type OffsetsByTopic = { topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> };

function byTopic(offsets: Offset[]): OffsetsByTopic {
  const topics = new Map<string, Array<{ partition: number; offset: string }>>();
  for (const { topic, partition, offset } of offsets) topics.set(topic, [...(topics.get(topic) ?? []), { partition, offset }]);
  return { topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) };
}

function flattenAssignment(assignment: Record<string, number[]>, topics: readonly string[]): TopicPartition[] {
  return Object.entries(assignment)
    .filter(([topic]) => topics.includes(topic))
    .flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })))
    .sort(compareTp);
}

export class KafkaGroupConsumer implements GroupConsumer {
  private readonly consumer: Consumer;
  private readonly topics: string[];
  private readonly backoff: Backoff;
  private owned: TopicPartition[] = [];
  private listener: AssignmentListener = {};
  private handler: BatchHandler | null = null;
  /** Listener calls run in order; batches wait for it so onAssigned precedes a partition's first batch. */
  private listenerChain: Promise<void> = Promise.resolve();
  private heartbeatError: unknown = null;
  private stopping: Promise<void> | null = null;
  /** The next offset to commit per partition, for batches handled and durable since the last commit. */
  private readonly uncommitted = new Map<string, Offset>();
  /** Batches handled whose output is not durable yet. */
  private readonly notDurable = new Set<Promise<void>>();
  /** Partitions whose output failed: nothing after the failed batch is committed while this member holds them. */
  private readonly blocked = new Set<string>();
  private lastCommit = 0;
  /** Commits asked for and not finished. */
  private committing = 0;
  /** A commit was due while one was on its way: the next goes as soon as it is back. */
  private commitAfter = false;
  /** Commits run one after the other, so an older offset never lands after a newer one. */
  private commits: Promise<void> = Promise.resolve();
  private commitTimer: NodeJS.Timeout | null = null;
  /**
   * The runner's own commit, from the latest batch: one request in the group's current generation, no
   * retries (kafkajs' consumer-level commitOffsets retries for up to a minute, which would hold every
   * later commit and a member's rejoin behind it), and usable while the runner stops. A failed commit
   * leaves its offsets to the next one; after kafkajs restarted its runner the old one fails until a
   * batch brings the new one (the restart fetches again from the group's commit, so one comes).
   */
  private sendCommit: ((offsets: Offset[]) => Promise<unknown>) | null = null;
  /** The runner being started (connect, subscribe, join): stop() lets it finish before disconnecting. */
  private starting: Promise<void> | null = null;
  /** Settles a run() still waiting for its first join when the member is stopped. */
  private abandonJoin: () => void = () => undefined;
  /** `startAt`'s offsets of the partitions no batch was handled of yet: sought to on every join that assigns them. */
  private readonly startAt = new Map<string, TopicPartition & { offset: string }>();
  /** The member id of the group's last join (kafkajs's log lines name it). */
  private memberId = '';
  /** The offset after the last batch handled, per partition held. */
  private readonly handledEnd = new Map<string, number>();
  /**
   * The group's commits as last read, per partition, for a listener of lost records: before the first
   * join, then as partitions are assigned (`commitsRead`: the latest read). kafkajs commits its reset
   * position (−2) right after a refused fetch, so a read racing it can find that instead; a negative
   * commit leaves the last one read in place.
   */
  private readonly groupCommits = new Map<string, number>();
  private commitsRead: Promise<void> = Promise.resolve();
  /** Partitions whose position kafkajs reset: where the member was to read on from (null: the group's commit). */
  private readonly resets = new Map<string, number | null>();

  constructor(
    kafka: Kafka,
    private readonly admin: Admin,
    /** The log's connect(): admin calls need it, and run() may come before the engine connected. */
    private readonly ready: () => Promise<void>,
    private readonly options: ConsumerOptions,
    private readonly settings: KafkaConsumerSettings,
    private readonly logger: LogSink,
    private readonly onStopped: (consumer: KafkaGroupConsumer) => void,
  ) {
    this.topics = [...new Set(options.topics)];
    for (const tp of options.startAt ?? []) this.startAt.set(tpKey(tp), { ...tp });
    this.backoff = new Backoff(settings.retry.initialRetryTime ?? 300, settings.retry.maxRetryTime ?? 30_000);
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      partitionAssigners: [CoPartitionedAssigner],
      sessionTimeout: settings.sessionTimeout,
      rebalanceTimeout: settings.rebalanceTimeout,
      heartbeatInterval: settings.heartbeatInterval,
      maxWaitTimeInMs: settings.maxWaitTimeInMs,
      maxBytesPerPartition: settings.maxBytesPerPartition,
      // a crash while stopping must not start the member again after it left
      retry: { ...settings.retry, restartOnFailure: async () => this.stopping === null },
    });
  }

  /** Resolves once the member has joined the group and the first onAssigned has run. */
  async run(handler: BatchHandler, listener: AssignmentListener = {}): Promise<void> {
    if (this.stopping) throw new ConsumerStopped();
    if (this.handler) throw new ConsumerAlreadyRunning();
    this.handler = handler;
    this.listener = listener;
    let joinedOnce: () => void = () => undefined;
    let crashedFirst: (err: unknown) => void = () => undefined;
    let hasJoined = false;
    let attempt = 1;
    const joined = new Promise<void>((resolve, reject) => {
      joinedOnce = resolve;
      crashedFirst = reject;
    });
    // it may be settled before run() gets to wait for it (a member stopped while starting)
    joined.catch(() => undefined);
    this.abandonJoin = () => {
      if (!hasJoined) crashedFirst(new ConsumerStopped());
    };
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      hasJoined = true;
      attempt = 0;
      this.memberId = event.payload.memberId;
      this.onGroupJoin(event.payload.memberAssignment);
      joinedOnce();
    });
    // A broker may answer a join/sync with an error kafkajs does not retry and does not restart after
    // (librdkafka's mock does so under load when another member joins, error 42): joining again after
    // a pause succeeds, and the new assignment revokes and assigns as any rebalance does. A member
    // that keeps failing gives up after JOIN_ATTEMPTS in a row.
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      // it joins again, as after a rebalance
      this.listener.onRebalancing?.();
      this.logger.error({ ...errorFields(error), groupId: this.options.groupId, restart }, 'kafka consumer crashed');
      if (restart) return;
      if (this.stopping || attempt >= JOIN_ATTEMPTS) {
        if (!hasJoined) crashedFirst(error);
        return;
      }
      attempt++;
      this.logger.warn({ groupId: this.options.groupId, attempt }, 'joining the consumer group failed; joining again');
      setTimeout(() => {
        void this.startRunner().catch(crashedFirst);
      }, 300 * attempt);
    });
    // a rebalance starting: what this member handled is committed while its generation still may,
    // so the next owner of a partition does not get it again
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      // kafkajs emits this before it joins again: no member has the new assignment yet
      this.listener.onRebalancing?.();
      this.commit().catch(() => undefined);
    });
    await this.ready();
    if (this.settings.commitIntervalMs > 0) {
      // commits what the last batches left when no batch comes to do it
      this.commitTimer = setInterval(() => {
        if (this.uncommitted.size > 0 && this.commitDue()) this.commit().catch((err: unknown) => this.commitFailed(err));
      }, this.settings.commitIntervalMs);
      this.commitTimer.unref();
    }
    // read before kafkajs joins, so a position it resets at once is known (a restart after an outage)
    if (listener.onRecordsLost !== undefined) {
      this.commitsRead = this.readGroupCommits(this.topics);
      await this.commitsRead;
    }
    await this.startRunner();
    await joined;
    await this.listenerChain;
  }

  /** Connects, subscribes and starts the fetch loop; kafkajs resolves run() once the runner started. */
  private startRunner(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    const starting = (async () => {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: this.topics, fromBeginning: this.options.fromBeginning ?? true });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.eachBatch(payload),
      });
    })();
    this.starting = starting;
    return starting;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.backoff.cancel();
      if (this.commitTimer) clearInterval(this.commitTimer);
      // a member stopped before its first join does not join: run() rejects instead of waiting on
      // a join that would only be left again (or, between attempts, on one that never comes)
      this.abandonJoin();
      // what is handled is committed before leaving: the batch in hand commits at its end (stopping
      // makes every commit due), the rest now, while the runner still runs
      await this.commitWhenDurable().catch((err: unknown) =>
        this.logger.warn({ ...errorFields(err), groupId: this.options.groupId }, 'committing offsets before leaving failed'),
      );
      // a runner still starting would connect again after a disconnect; its join in flight is
      // answered first either way (kafkajs waits for pending requests before closing a connection)
      await this.starting?.catch(() => undefined);
      // disconnect() lets the batch in hand finish (and commit) before it leaves the group.
      await this.consumer.disconnect();
      const revoked = this.owned;
      this.owned = [];
      await this.listenerChain;
      if (this.handler && revoked.length > 0) await this.callListener('onRevoked', revoked);
      this.onStopped(this);
    })();
    return this.stopping;
  }

  assignment(): TopicPartition[] {
    return this.owned.map((tp) => ({ ...tp }));
  }

  async committed(partitions: TopicPartition[]): Promise<Array<TopicPartition & { offset: string | null }>> {
    const topics = [...new Set(partitions.map((tp) => tp.topic))];
    if (topics.length === 0) return [];
    await this.ready();
    const fetched = await this.admin.fetchOffsets({ groupId: this.options.groupId, topics });
    const byTopic = new Map(fetched.map((t) => [t.topic, new Map(t.partitions.map((p) => [p.partition, p.offset]))]));
    return partitions.map((tp) => {
      const offset = byTopic.get(tp.topic)?.get(tp.partition);
      return { topic: tp.topic, partition: tp.partition, offset: offset === undefined || Number(offset) < 0 ? null : offset };
    });
  }

  async lag(): Promise<Array<TopicPartition & { lag: number }>> {
    const owned = this.assignment();
    const topics = [...new Set(owned.map((tp) => tp.topic))];
    await this.ready();
    const [committed, ends] = await Promise.all([
      this.committed(owned),
      Promise.all(topics.map(async (topic) => [topic, await this.admin.fetchTopicOffsets(topic)] as const)),
    ]);
    const marks = new Map(ends.map(([topic, offsets]) => [topic, new Map(offsets.map((o) => [o.partition, o]))]));
    return owned.map((tp, i) => {
      const mark = marks.get(tp.topic)?.get(tp.partition);
      const high = Number(mark?.high ?? 0);
      const from = committed[i].offset === null ? Number(mark?.low ?? 0) : Number(committed[i].offset);
      return { topic: tp.topic, partition: tp.partition, lag: Math.max(0, high - from) };
    });
  }

  private onGroupJoin(memberAssignment: Record<string, number[]>): void {
    const assigned = flattenAssignment(memberAssignment, this.topics);
    // a member that is stopping takes on nothing new: it is about to leave, and the next owner restores
    const next = this.stopping ? assigned.filter((tp) => this.owns(tp)) : assigned;
    const revoked = difference(this.owned, next);
    const added = difference(next, this.owned);
    this.owned = next;
    // before this generation's first fetch, which applies what was sought
    for (const tp of next) {
      const start = this.startAt.get(tpKey(tp));
      if (start !== undefined) this.consumer.seek(start);
    }
    if (this.listener.onRecordsLost !== undefined && added.length > 0)
      this.commitsRead = this.readGroupCommits([...new Set(added.map((tp) => tp.topic))]);
    // their new owner goes on from the group's commit; an offset of this member's would be stale
    for (const tp of revoked) {
      this.uncommitted.delete(tpKey(tp));
      this.blocked.delete(tpKey(tp));
      this.handledEnd.delete(tpKey(tp));
      this.resets.delete(tpKey(tp));
    }
    this.listenerChain = this.listenerChain.then(async () => {
      if (revoked.length > 0) await this.callListener('onRevoked', revoked);
      if (added.length > 0) await this.callListener('onAssigned', added);
      this.listener.onJoined?.();
    });
  }

  /**
   * kafkajs reset this member's position on a partition: the broker had deleted it (retention), and
   * kafkajs reads on from the partition's start (or end); the next batch says how far that was from
   * where the member was to read.
   */
  offsetReset(reset: OffsetReset): void {
    if (reset.groupId !== this.options.groupId || reset.memberId !== this.memberId || !this.owns(reset)) return;
    const key = tpKey(reset);
    const start = this.startAt.get(key);
    this.resets.set(key, this.handledEnd.get(key) ?? (start === undefined ? null : Number(start.offset)));
  }

  /** Tells the listener of records deleted between where the member was to read and `batch`'s first. */
  private async noteReset(topic: string, partition: number, first: string): Promise<void> {
    const key = tpKey({ topic, partition });
    let from = this.resets.get(key) ?? null;
    this.resets.delete(key);
    if (from === null) {
      await this.commitsRead;
      from = this.groupCommits.get(key) ?? null;
    }
    if (from === null || Number(first) <= from) return;
    const lost = { topic, partition, records: Number(first) - from, resumedAt: first };
    this.logger.warn(
      { topic, partition, groupId: this.options.groupId, records: lost.records, readingFrom: first },
      recordsLostMessage(lost, this.options.groupId, KAFKA_RETENTION_FIX),
    );
    this.listener.onRecordsLost?.(lost);
  }

  /** Reads the group's commits on `topics` into groupCommits (negative ones, and failures, change nothing). */
  private async readGroupCommits(topics: string[]): Promise<void> {
    try {
      await this.ready();
      for (const { topic, partitions } of await this.admin.fetchOffsets({ groupId: this.options.groupId, topics })) {
        for (const { partition, offset } of partitions) {
          if (Number(offset) >= 0) this.groupCommits.set(tpKey({ topic, partition }), Number(offset));
        }
      }
    } catch (err) {
      this.logger.debug({ ...errorFields(err), groupId: this.options.groupId }, "reading the group's commits failed");
    }
  }

  private owns(tp: TopicPartition): boolean {
    return this.owned.some((o) => o.topic === tp.topic && o.partition === tp.partition);
  }

  private callListener(which: 'onAssigned' | 'onRevoked', partitions: TopicPartition[]): Promise<void> {
    return notifyAssignment(this.listener, which, partitions, this.logger, { groupId: this.options.groupId });
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale, pause } = payload;
    if (batch.messages.length === 0) return;
    await this.whileHeartbeating(this.listenerChain, heartbeat, null);
    if (!isRunning() || isStale() || !this.owns(batch)) return;

    const records = batch.messages.map((m) => toLogRecord(batch.topic, batch.partition, m));
    if (this.resets.has(tpKey(batch))) await this.noteReset(batch.topic, batch.partition, records[0].offset);
    const last = records[records.length - 1].offset;
    const partitionBatch: PartitionBatch = { topic: batch.topic, partition: batch.partition, records, highWatermark: batch.highWatermark };
    let applied: BatchApplied | undefined;
    try {
      applied = await this.whileHeartbeating(this.handler!(partitionBatch) as Promise<BatchApplied | undefined>, heartbeat, pause);
    } catch (err) {
      this.logger.error(
        { ...errorFields(err), topic: batch.topic, partition: batch.partition, groupId: this.options.groupId },
        'batch handler failed; the batch will be fetched again',
      );
      // Left unresolved: kafkajs fetches from the last resolved offset, so the same records come back.
      if (isRunning()) await this.whileHeartbeating(this.backoff.sleep(), heartbeat, null);
      this.throwPendingHeartbeatError();
      return;
    }
    this.backoff.reset();
    this.startAt.delete(tpKey(batch));
    resolveOffset(last);
    const next = { topic: batch.topic, partition: batch.partition, offset: String(Number(last) + 1) };
    this.handledEnd.set(tpKey(batch), Number(last) + 1);
    const caughtUp = BigInt(next.offset) >= BigInt(batch.highWatermark);
    this.sendCommit = (offsets) => commitOffsetsIfNecessary(byTopic(offsets));
    if (applied) this.whenDurable(applied.durable, next, caughtUp);
    else this.handled(next, caughtUp);
    if (this.stopping) await this.commitWhenDurable();
    this.throwPendingHeartbeatError();
  }

  /**
   * The batch before `next` is handled and durable. Its offset is committed now if the partition is
   * caught up (a rebalance or a crash in the quiet that follows then repeats nothing) or the commit
   * interval has passed, unless a commit is on its way: the next one carries it. Not waited for, so
   * no batch waits on the broker; a failure leaves its offsets to the next commit.
   */
  private handled(next: Offset, caughtUp: boolean): void {
    const key = tpKey(next);
    if (this.blocked.has(key) || !this.owns(next)) return;
    const held = this.uncommitted.get(key);
    if (held === undefined || BigInt(held.offset) < BigInt(next.offset)) this.uncommitted.set(key, next);
    if (this.stopping || !(caughtUp || this.commitDue())) return;
    if (this.committing > 0) this.commitAfter = true;
    else this.commit().catch((err: unknown) => this.commitFailed(err));
  }

  private whenDurable(durable: Promise<void>, next: Offset, caughtUp: boolean): void {
    const waiting: Promise<void> = durable.then(
      () => this.handled(next, caughtUp),
      (err: unknown) => {
        this.blocked.add(tpKey(next));
        this.logger.error(
          { ...errorFields(err), topic: next.topic, partition: next.partition, groupId: this.options.groupId },
          "a batch's output failed; its partition commits no further while this member holds it",
        );
      },
    );
    this.notDurable.add(waiting);
    void waiting.finally(() => this.notDurable.delete(waiting));
  }

  private commitFailed(err: unknown): void {
    this.logger.warn({ ...errorFields(err), groupId: this.options.groupId }, 'committing offsets failed; the next commit carries them');
  }

  private commitDue(): boolean {
    return this.settings.commitIntervalMs === 0 || performance.now() - this.lastCommit >= this.settings.commitIntervalMs;
  }

  /** Commits every offset waiting, after the commits before it. */
  private commit(): Promise<void> {
    this.committing++;
    const run = this.commits.then(async () => {
      const offsets = [...this.uncommitted.values()];
      const send = this.sendCommit;
      this.lastCommit = performance.now();
      if (offsets.length === 0 || send === null) return;
      this.uncommitted.clear();
      try {
        await send(offsets);
      } catch (err) {
        // carried by the next commit unless a newer offset or a revocation came meanwhile
        for (const tp of offsets) if (!this.uncommitted.has(tpKey(tp)) && this.owns(tp)) this.uncommitted.set(tpKey(tp), tp);
        throw err;
      }
    });
    this.commits = run
      .catch(() => undefined)
      .finally(() => {
        this.committing--;
        if (this.committing > 0 || !this.commitAfter) return;
        this.commitAfter = false;
        this.commit().catch((err: unknown) => this.commitFailed(err));
      });
    return run;
  }

  private async commitWhenDurable(): Promise<void> {
    await Promise.all(this.notDurable);
    await this.commit();
  }

  /**
   * A rebalance noticed by a heartbeat during the batch is handed back to kafkajs, which rejoins
   * (and emits REBALANCING first, where what waits for a commit is sent).
   */
  private throwPendingHeartbeatError(): void {
    const err = this.heartbeatError;
    this.heartbeatError = null;
    if (err) throw err;
  }

  private async whileHeartbeating<T>(work: Promise<T>, heartbeat: () => Promise<void>, pause: (() => () => void) | null): Promise<T> {
    const beat = setInterval(() => {
      heartbeat().catch((err: unknown) => {
        this.heartbeatError ??= err;
      });
    }, this.settings.heartbeatInterval);
    let resume: (() => void) | null = null;
    const slow = pause
      ? setTimeout(() => {
          resume = pause();
        }, this.settings.slowBatchMs)
      : null;
    try {
      return await work;
    } finally {
      clearInterval(beat);
      if (slow) clearTimeout(slow);
      (resume as (() => void) | null)?.();
    }
  }
}
