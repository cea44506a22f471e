import type { Config } from '../config.js';
import { type Pseudonymize, pseudonymizer } from '../events/pseudonym.js';
import type { Recommendation, TrackingEvent } from '../events/types.js';
import { validateEvent } from '../events/validate.js';
import type { LogRecord, OutgoingRecord, PartitionBatch } from '../log/types.js';
import type { Metrics } from '../metrics.js';
import { DISCARD_UPDATES, ItemDeltaBatch } from '../model/item-delta.js';
import type { ItemView } from '../model/item-view.js';
import type { UserSide } from '../model/user-side.js';
import type { DecodeOutcome, EventCodec } from './codec.js';
import { deadLetter } from './dead-letter.js';
import { deltaRecords } from './internal-records.js';
import { PrequentialWindow } from './prequential-window.js';
import { recommendationId } from './recommendation-id.js';
import { keyProblem } from './record-key.js';

export interface EmittedList {
  rec: Recommendation;
  eventTime: number;
  /** The list's record value on the recommendations topic. */
  value: Buffer;
}

export interface BatchResult {
  /** Records to append before the batch may be committed: recommendations and dead letters. */
  outgoing: OutgoingRecord[];
  lists: EmittedList[];
  /** Offsets of the batch refused for an event time ahead of the wall clock, judged by the wall clock. */
  refusedAhead: string[];
  /** Events learnt (not duplicates, not refused). */
  applied: number;
  /** The users those events were learnt for. */
  learnt: Set<string>;
}

export interface ReplayResult {
  applied: number;
  newestEventTime: number;
  /** The users events were learnt for. */
  learnt: Set<string>;
}

/**
 * The time an event may not be more than EVENT_MAX_FUTURE_SECONDS ahead of: its record's time, but
 * never later than the judging engine's wall clock.
 *
 * Why both. Judging by the wall clock alone would let a replay refuse what the first run accepted
 * (or the reverse) as the clock moves on; judging by the record time alone trusts a producer that
 * sets CreateTime in 2100. For an honest record (record time ≤ wall clock when first processed) this
 * is the record time, which any later replay uses too (its wall clock is later still), so the
 * decision repeats exactly. A record stamped ahead of the wall clock is judged by the wall clock;
 * a replay's clock is later, so it accepts everything the first run accepted from such records
 * (as long as the replaying process's clock is not behind the one that first judged them), but it
 * could accept what the first run refused. Those refusals are written as markers to the changelog
 * with the dead letters, before the batch is committed, and replay skips the marked records
 * (RefusedSources). Replay also judging by its own wall clock means a log written before this rule
 * cannot bring a far-future event back into the model on restore.
 */
export function judgeTime(record: LogRecord, wall: number): number {
  const t = record.timestamp;
  // Records without a time (Kafka's -1) are judged by the wall clock.
  return Number.isFinite(t) && t > 0 && t < wall ? t : wall;
}

/**
 * The header of a list record that names the engine instance that made it: an engine following the
 * recommendations topic skips its own lists (delivered when made) without decoding them.
 */
export const ORIGIN_HEADER = 'recstream-origin';

/**
 * The header of a list record with its `generatedAt` (epoch ms, decimal): with the key (the user), what
 * a process following the topic needs to hold another process's list without decoding it.
 */
export const GENERATED_AT_HEADER = 'recstream-generated-at';

/**
 * The user and the making time a list record carries in its key and GENERATED_AT_HEADER (read without
 * decoding the list); null for a record no engine wrote, or a tombstone.
 */
export function listStamp(record: LogRecord): { userId: string; generatedAt: number; value: Buffer } | null {
  const userId = record.key?.toString('utf8');
  const generatedAt = Number(record.headers[GENERATED_AT_HEADER] ?? Number.NaN);
  if (record.value === null || userId === undefined || !Number.isFinite(generatedAt)) return null;
  return { userId, generatedAt, value: record.value };
}

/** A record decoded and validated into an event, or why it goes to the dead-letter topic. */
type Decoded = { event: TrackingEvent } | { reason: string; error: string };

/** A judgement on a replayed record of a user's. */
export type UserRecordCheck = (userId: string, record: LogRecord) => boolean;
/** Decides, per user, which events of a replayed partition an erasure has removed. */
export type ErasureCheck = UserRecordCheck;
const NOTHING_HELD: UserRecordCheck = () => false;

/**
 * consume → decode → validate → learn → recommend. Pure of I/O itself: it returns what must be written
 * so the engine can make it durable before committing.
 */
export class Pipeline {
  readonly prequential = new PrequentialWindow(1000);
  private readonly pseudonym: Pseudonymize;

  /** `users` learns and answers; `items` is what lists are built from (the global table). */
  constructor(
    private readonly config: Config,
    private readonly users: UserSide,
    private readonly items: ItemView,
    private readonly codec: EventCodec,
    private readonly metrics: Metrics,
    private readonly modelVersion: string,
    /** Names this engine in its lists' ORIGIN_HEADER. */
    private readonly origin: string,
    /** Partitions of item-deltas: a batch's deltas go in one record per partition. */
    private readonly deltaPartitions: number,
  ) {
    this.pseudonym = pseudonymizer(config.pseudonymizeKey);
  }

  private kindOf(topic: string): 'click' | 'purchase' | null {
    if (topic === this.config.topics.clicks) return 'click';
    if (topic === this.config.topics.purchases) return 'purchase';
    return null;
  }

  /** Decodes and validates one record, judged at `now`; a failure is returned as a dead letter. */
  private decodeRecord(record: LogRecord, now: number): Decoded | Promise<Decoded> {
    const kind = this.kindOf(record.topic);
    if (kind === null) return { reason: 'wrong-subject', error: `no event kind is read from topic ${record.topic}` };
    if (record.value === null) return { reason: 'undecodable', error: 'record has no value' };
    if (record.value.length > this.config.eventMaxBytes) {
      return { reason: 'oversize', error: `value is ${record.value.length} bytes, above EVENT_MAX_BYTES=${this.config.eventMaxBytes}` };
    }
    // synchronous unless the writer's schema must be fetched first: no await per record on the hot path
    const decoded = this.codec.decode(record.topic, record.value);
    return decoded instanceof Promise
      ? decoded.then((d) => this.validated(d, record, now, kind))
      : this.validated(decoded, record, now, kind);
  }

  private validated(decoded: DecodeOutcome, record: LogRecord, now: number, kind: 'click' | 'purchase'): Decoded {
    if (!decoded.ok) return { reason: decoded.reason, error: decoded.error };
    const valid = validateEvent(decoded.value, { now, kind, maxFutureMs: this.config.eventMaxFutureMs });
    if (!valid.ok) return { reason: valid.reason, error: valid.error };
    const keyed = keyProblem(record.key, valid.event.userId);
    if (keyed !== null) return { reason: 'invalid', error: keyed };
    // Websites producing straight to Kafka send original ids: mapped here, before anything learns them.
    return { event: { ...valid.event, userId: this.pseudonym(valid.event.userId) } };
  }

  /**
   * The record with its key (a user id) mapped, for the dead-letter topic. Its value stays the bytes
   * as produced: it may not decode, so an outside producer's original id in it cannot be replaced.
   */
  private pseudonymousKey(record: LogRecord): LogRecord {
    if (this.config.pseudonymizeKey === null || record.key === null) return record;
    return { ...record, key: Buffer.from(this.pseudonym(record.key.toString('utf8')), 'utf8') };
  }

  /**
   * Applies a batch of the live stream, judged against the wall clock `wall`, and returns the lists
   * and dead letters to write. `refusedBefore` names records a marker says were refused already.
   */
  async live(batch: PartitionBatch, wall: number, refusedBefore: (record: LogRecord) => boolean): Promise<BatchResult> {
    const outgoing: OutgoingRecord[] = [];
    const refusedAhead: string[] = [];
    const triggers = new Map<string, TrackingEvent>();
    let applied = 0;
    // one per batch: batches of different partitions may interleave at the awaits below
    const deltas = new ItemDeltaBatch(() => this.users.landmark);
    // learned events are counted once per batch and type: an increment by labels per record cost a
    // few per cent of the pipeline
    const appliedByType = new Map<string, number>();
    const duplicatesByType = new Map<string, number>();
    try {
      for (const record of batch.records) {
        const started = performance.now();
        const now = judgeTime(record, wall);
        // A marked refusal stands whatever the clock says now (a batch re-delivered after its writes
        // failed): replay skips that record, so live must not apply it either.
        const marked = refusedBefore(record);
        let result = marked
          ? { reason: 'timestamp', error: 'refused when first processed: event time ahead of the wall clock' }
          : this.decodeRecord(record, now);
        if (result instanceof Promise) result = await result;
        if ('reason' in result) {
          // Marked again too: the first marker may not have been written when the batch failed.
          if (marked || (result.reason === 'timestamp' && now !== record.timestamp)) refusedAhead.push(record.offset);
          outgoing.push(deadLetter(this.pseudonymousKey(record), this.config.topics.dlq, result.reason, result.error));
          this.metrics.dlqTotal.inc({ reason: result.reason });
          this.metrics.eventsTotal.inc({ topic: record.topic, type: 'unknown', outcome: 'invalid' });
          continue;
        }
        const event = result.event;
        this.scorePrequential(event);
        const learned = this.users.learnOne(event, deltas, this.items);
        const type = event.kind === 'purchase' ? 'purchase' : event.type;
        const counts = learned.applied ? appliedByType : duplicatesByType;
        counts.set(type, (counts.get(type) ?? 0) + 1);
        if (learned.applied) {
          applied++;
          triggers.delete(event.userId);
          triggers.set(event.userId, event);
        }
        this.metrics.eventProcessingSeconds.observe((performance.now() - started) / 1000);
      }
    } finally {
      for (const [type, n] of appliedByType) this.metrics.eventsTotal.inc({ topic: batch.topic, type, outcome: 'applied' }, n);
      for (const [type, n] of duplicatesByType) this.metrics.eventsTotal.inc({ topic: batch.topic, type, outcome: 'duplicate' }, n);
    }
    // The batch's item increments, one record per item-deltas partition, durable with the lists before the commit.
    const first = batch.records[0];
    const last = batch.records.at(-1);
    if (first !== undefined && last !== undefined) {
      const source = { topic: batch.topic, partition: batch.partition, from: Number(first.offset), to: Number(last.offset) + 1 };
      const taken = deltas.take(source);
      outgoing.push(...deltaRecords(taken, this.config.topics.itemDeltas, this.deltaPartitions, this.config.itemDeltasFormat));
      if (taken.length > 0) this.metrics.itemDeltasTotal.inc({ outcome: 'sent' }, taken.length);
    }
    const lists: EmittedList[] = [];
    // One fresh list per user per batch: the newest event of the user is its trigger.
    for (const [userId, event] of triggers) {
      const rec = this.recommend(userId, event.timestamp, event.eventId);
      let value = this.codec.encode(this.config.topics.recommendations, rec);
      if (value instanceof Promise) value = await value;
      lists.push({ rec, eventTime: event.timestamp, value });
      outgoing.push(this.listRecord(rec, value));
    }
    return { outgoing, lists, refusedAhead, applied, learnt: new Set(triggers.keys()) };
  }

  /**
   * Re-applies already committed records to rebuild state, judged against the wall clock `wall`;
   * emits nothing. Records a refusal marker covers must be left out by the caller; those of erased
   * users are skipped, and those `held` (already in a restored record) skipped but for their time.
   */
  async replay(records: LogRecord[], wall: number, erased: ErasureCheck, held: UserRecordCheck = NOTHING_HELD): Promise<ReplayResult> {
    let applied = 0;
    let newestEventTime = 0;
    const learnt = new Set<string>();
    for (const record of records) {
      let result = this.decodeRecord(record, judgeTime(record, wall));
      if (result instanceof Promise) result = await result;
      if ('reason' in result) continue;
      if (erased(result.event.userId, record)) continue;
      if (held(result.event.userId, record)) {
        // in the user's restored record already, not learnt again; but the crashed process's clock had it
        if (result.event.timestamp > newestEventTime) newestEventTime = result.event.timestamp;
        continue;
      }
      // the item increments of replayed records reached their owners when the records were first applied
      if (this.users.learnOne(result.event, DISCARD_UPDATES, this.items).applied) {
        applied++;
        learnt.add(result.event.userId);
        if (result.event.timestamp > newestEventTime) newestEventTime = result.event.timestamp;
      }
    }
    return { applied, newestEventTime, learnt };
  }

  recommend(userId: string, now: number, triggerEventId: string | null, limit = this.config.recommendationLimit): Recommendation {
    const result = this.users.recommend(userId, { limit, now, excludeSeen: this.config.excludeSeen }, this.items);
    return {
      userId,
      recommendationId: recommendationId(userId, triggerEventId, result.items),
      generatedAt: Date.now(),
      triggerEventId,
      modelVersion: this.modelVersion,
      items: result.items,
      userScores: result.userScores,
    };
  }

  /** A list made now for the user, with no trigger event, and its encoding; null while it would have no items. */
  async filledList(userId: string, now: number): Promise<{ rec: Recommendation; value: Buffer } | null> {
    const rec = this.recommend(userId, now, null);
    if (rec.items.length === 0) return null;
    return { rec, value: await this.codec.encode(this.config.topics.recommendations, rec) };
  }

  /** The record of a list on the recommendations topic, `value` being the list encoded. */
  listRecord(rec: Recommendation, value: Buffer): OutgoingRecord {
    const headers = { [ORIGIN_HEADER]: this.origin, [GENERATED_AT_HEADER]: String(rec.generatedAt) };
    return { topic: this.config.topics.recommendations, key: rec.userId, value, headers };
  }

  /** The items of the list a user was last shown, scored against what they chose next before learning it. */
  shownTo: (userId: string) => readonly string[] | undefined = () => undefined;

  private scorePrequential(event: TrackingEvent): void {
    if (event.kind === 'click' && event.type !== 'click' && event.type !== 'add_to_cart') return;
    const shown = this.shownTo(event.userId);
    if (shown === undefined || shown.length === 0) return;
    const inTop = (id: string): boolean => {
      const at = shown.indexOf(id);
      return at >= 0 && at < 10;
    };
    this.prequential.record(event.kind === 'click' ? inTop(event.itemId) : event.items.some((l) => inTop(l.itemId)));
  }
}
