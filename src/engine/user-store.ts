import type { Config } from '../config.js';
import type { EventLog } from '../log/types.js';
import type { Metrics } from '../metrics.js';
import type { ChangedKeys } from '../model/changed-keys.js';
import type { ParamsSnapshot } from '../model/params.js';
import type { Recommender } from '../model/recommender.js';
import { OwedRecords } from './owed-records.js';
import {
  ChangelogStore,
  type PartitionCommit,
  POSITION_HEADER,
  type Position,
  parsePosition,
  type RestoredPartition,
  type StoreEntry,
} from './state-store.js';
import { decodeUserRecord, encodeUserRecords, type StoredUser } from './user-record-codec.js';

const FORMAT = 'recstream.user-state/1';
/**
 * A commit makes its records in slices this long (as the item store's), letting lists, pushes and
 * batches run between them: made in one turn, 2,000 changed users held the event loop ~40 ms.
 */
const COMMIT_SLICE_MS = 8;
/** The header carrying a commit's count of events learnt into the partition (PartitionProgress.events). */
const EVENTS_HEADER = 'recstream-events';

/** What a user-state partition's records cover. */
export interface UserCheckpoint {
  /** tpKey of each input partition of this number → the next offset not covered. */
  offsets: Record<string, string>;
  /** Events learnt into the partition's users up to those offsets. */
  events: number;
  /** Latest event time learnt by the writer: its clock for idle expiry, until newer events come. */
  newest: number;
  t0: number | null;
  /** The writer's ranker and regression, taken by a restarted process that has trained on nothing yet. */
  params: ParamsSnapshot;
  /**
   * How far the writer had read the changelog (partition → next offset), every erasure up to there
   * applied to the partition's users. Absent in checkpoints written before it was kept: none known applied.
   */
  seen?: Record<string, string>;
}

/** What a partition's commit covers: the input offsets applied and the events learnt up to them. */
export interface PartitionProgress {
  offsets: Record<string, string>;
  events: number;
}

/** A restored user-state partition, with what a commit wrote ahead of its checkpoint. */
export interface RestoredUsers extends RestoredPartition<UserCheckpoint> {
  /** User → the input position their record holds the events before (ahead of the checkpoint's). */
  heldUpTo: Map<string, Position>;
  /**
   * The furthest commit written ahead of the checkpoint: its position and the events learnt into the
   * partition up to it (what a restore counts from, instead of the checkpoint's), or null.
   */
  furthest: PartitionProgress | null;
}

/**
 * The user side's state store: every STATE_COMMIT_MS, the users of the input partitions this process
 * holds that changed go to `<GROUP_ID>.user-state` (keyed by user, in the number of the input
 * partition the user's events come from), each partition closed by a checkpoint of the input offsets
 * its records cover.
 *
 * Why the partition is remembered per user rather than hashed from the id: with PSEUDONYMIZE_KEY an
 * outside producer keys records by the original id while the state holds the pseudonym, so only the
 * partition the events came by says where the user lives.
 */
export class UserStore {
  private readonly changes: ChangedKeys;
  private readonly store: ChangelogStore<StoredUser, UserCheckpoint>;
  /** Input partition number of every user held. */
  private readonly homes = new Map<string, number>();
  /** What the commit under way still owes, null when none is writing. */
  private owed: OwedRecords<StoredUser> | null = null;

  constructor(
    config: Config,
    log: EventLog,
    private readonly model: Recommender,
    private readonly metrics: Metrics,
  ) {
    this.changes = model.users.trackChanges();
    this.changes.beforeChange = (userId) => this.owed?.take(userId);
    this.store = new ChangelogStore(log, config.topics.userState, FORMAT, config.stateCommitMs, {
      encode: encodeUserRecords,
      decode: decodeUserRecord,
    });
  }

  due(now: number): boolean {
    return this.store.due(now);
  }

  /** True when a user changed since the last commit. */
  get pending(): boolean {
    return this.changes.size > 0;
  }

  /** The users learnt from input partition `partition` (a batch, a replay) live there. */
  learntIn(partition: number, users: Iterable<string>): void {
    for (const id of users) this.homes.set(id, partition);
  }

  /** The input partition number the user's events come from, when held here. */
  homeOf(userId: string): number | undefined {
    return this.homes.get(userId);
  }

  /**
   * Forgets where the users of `partitions` live (let go in a rebalance); true for those users. A
   * commit under way takes the records it owes of them first: they are about to leave the model.
   */
  release(partitions: ReadonlySet<number>): (userId: string) => boolean {
    const moved = new Set<string>();
    for (const [id, home] of this.homes) {
      if (!partitions.has(home)) continue;
      this.owed?.take(id);
      moved.add(id);
      this.homes.delete(id);
    }
    return (userId) => moved.has(userId);
  }

  /**
   * Writes the changed users of the partitions in `progress` (by partition number) and a checkpoint
   * for each; `seen` is how far this process has read the changelog's erasures, all applied; nothing
   * is produced before `after` (the outputs of the events before the position) is durable.
   */
  async commit(
    progress: ReadonlyMap<number, PartitionProgress>,
    seen: Record<string, string>,
    now: number,
    owing: () => void = () => undefined,
    after: Promise<void> = Promise.resolve(),
  ): Promise<void> {
    const homes = new Map<string, number | undefined>();
    for (const id of this.changes.take()) {
      const home = this.homes.get(id);
      if (home !== undefined && progress.has(home)) homes.set(id, home);
    }
    const params = this.model.paramsSnapshot();
    const t0 = this.model.users.landmark;
    const newest = this.model.users.newestTime;
    const commits: Array<PartitionCommit<UserCheckpoint>> = [];
    for (const [partition, p] of progress)
      commits.push({
        partition,
        checkpoint: { offsets: p.offsets, events: p.events, newest, t0, params, seen },
        position: p.offsets,
        headers: { [EVENTS_HEADER]: String(p.events) },
      });
    const owed = new OwedRecords(homes, (id) => this.stored(id, seen));
    this.owed = owed;
    try {
      owing();
      const written = await this.store.write(owed.entries(), commits, now, COMMIT_SLICE_MS, after);
      this.metrics.stateCommitBytesTotal.inc({ store: 'user' }, written);
    } finally {
      this.owed = null;
    }
  }

  private stored(userId: string, seen: Record<string, string>): StoredUser | null {
    const user = this.model.users.record(userId);
    if (user === null) this.homes.delete(userId);
    return user === null ? null : { user, seen };
  }

  /**
   * Loads a user-state partition into the user side, each record `kept` by the record's `seen` and the
   * checkpoint's (what its writer and the partition's last writer had read of the changelog); returns
   * its checkpoint (null: never written).
   */
  async restore(
    partition: number,
    kept: (userId: string, seen: Readonly<Record<string, string>>, checkpointSeen: Readonly<Record<string, string>>) => boolean,
  ): Promise<RestoredUsers> {
    let checkpointSeen: Readonly<Record<string, string>> = {};
    const restored = await this.store.restore(
      partition,
      (id, stored) => {
        if (!kept(id, stored.seen, checkpointSeen)) return;
        this.model.users.loadRecord(id, stored.user);
        this.homes.set(id, partition);
      },
      (checkpoint) => {
        checkpointSeen = checkpoint.seen ?? {};
        this.model.users.adoptLandmark(checkpoint.t0);
        this.model.loadParams(checkpoint.params);
      },
    );
    const headers = restored.aheadHeaders;
    const events = headers?.[EVENTS_HEADER];
    const position = headers?.[POSITION_HEADER];
    const furthest = events === undefined || position === undefined ? null : { offsets: parsePosition(position), events: Number(events) };
    this.model.users.countRestored(furthest?.events ?? restored.checkpoint?.events ?? 0);
    return { ...restored, heldUpTo: restored.ahead, furthest };
  }

  /** Events a restore learnt again that the count it restored already holds (replayed before the furthest commit's position). */
  learntAgain(events: number): void {
    this.model.users.countRestored(-events);
  }

  /** Erasure: the records of users forgotten, each in its partition (a restore must never bring them back). */
  tombstone(users: ReadonlyArray<[userId: string, partition: number]>): Promise<number> {
    return this.store.write(
      users.map(([userId, partition]): StoreEntry<StoredUser> => [userId, null, partition]),
      [],
    );
  }
}
