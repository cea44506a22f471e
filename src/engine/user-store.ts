import type { Config } from '../config.js';
import { partitionForKey } from '../log/partitioner.js';
import type { EventLog } from '../log/types.js';
import type { Metrics } from '../metrics.js';
import type { ChangedKeys } from '../model/changed-keys.js';
import type { ParamsSnapshot } from '../model/params.js';
import type { Recommender } from '../model/recommender.js';
import type { UserRecord } from '../model/user-record.js';
import { ChangelogStore, type RestoredPartition } from './state-store.js';

const FORMAT = 'recstream.user-state/1';

/** A user's record with how far its writer had read the changelog (erasures it knew of). */
interface StoredUser {
  user: UserRecord;
  seen: Record<string, string>;
}

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
}

/** What a partition's commit covers: the input offsets applied and the events learnt up to them. */
export interface PartitionProgress {
  offsets: Record<string, string>;
  events: number;
}

/**
 * The user side's state store: every STATE_COMMIT_MS, the users of the input partitions this process
 * holds that changed go to `<GROUP_ID>.user-state` (keyed by user, as the input topics are, so a
 * record lands in its input partition's number), each partition closed by a checkpoint of the input
 * offsets its records cover.
 */
export class UserStore {
  private readonly changes: ChangedKeys;
  private readonly store: ChangelogStore<StoredUser, UserCheckpoint>;
  private committedAt = 0;

  constructor(
    private readonly config: Config,
    log: EventLog,
    private readonly model: Recommender,
    private readonly metrics: Metrics,
  ) {
    this.changes = model.users.trackChanges();
    this.store = new ChangelogStore(log, config.topics.userState, FORMAT);
  }

  due(now: number): boolean {
    return now - this.committedAt >= this.config.stateCommitMs;
  }

  /**
   * Writes the changed users of the partitions in `progress` (by partition number) and a checkpoint
   * for each; `seen` is how far this process has read the changelog's erasures, all applied.
   */
  async commit(
    progress: ReadonlyMap<number, PartitionProgress>,
    partitionCount: number,
    seen: Record<string, string>,
    now: number,
  ): Promise<void> {
    this.committedAt = now;
    const entries: Array<[string, StoredUser | null]> = [];
    for (const id of this.changes.take()) {
      if (!progress.has(partitionForKey(id, partitionCount))) continue;
      const user = this.model.users.record(id);
      entries.push([id, user === null ? null : { user, seen }]);
    }
    const params = this.model.paramsSnapshot();
    const t0 = this.model.users.landmark;
    const newest = this.model.users.newestTime;
    const checkpoints: Array<[number, UserCheckpoint]> = [];
    for (const [partition, p] of progress) checkpoints.push([partition, { offsets: p.offsets, events: p.events, newest, t0, params }]);
    this.metrics.stateCommitBytesTotal.inc({ store: 'user' }, await this.store.write(entries, checkpoints));
  }

  /**
   * Loads a user-state partition into the user side, leaving out users whose record may predate an
   * erasure (`erased`); returns its checkpoint (null: never written).
   */
  restore(
    partition: number,
    erased: (userId: string, seen: Record<string, string>) => boolean,
  ): Promise<RestoredPartition<UserCheckpoint>> {
    return this.store.restore(
      partition,
      (id, stored) => {
        if (!erased(id, stored.seen)) this.model.users.loadRecord(id, stored.user);
      },
      (checkpoint) => {
        this.model.users.adoptLandmark(checkpoint.t0);
        this.model.users.countRestored(checkpoint.events);
        this.model.loadParams(checkpoint.params);
      },
    );
  }

  /** Erasure: the user's record goes at once (a restore must never bring the user back). */
  tombstone(userId: string): Promise<number> {
    return this.store.write([[userId, null]], []);
  }
}
