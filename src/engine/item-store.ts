import type { Config } from '../config.js';
import { partitionForKey } from '../log/partitioner.js';
import { tpKey } from '../log/topic-partition.js';
import type { EventLog } from '../log/types.js';
import type { Metrics } from '../metrics.js';
import type { ChangedKeys } from '../model/changed-keys.js';
import type { ItemRecord, StoredItemRecord } from '../model/item-record.js';
import type { ItemSide } from '../model/item-side.js';
import { decodeItemRecord, encodeItemRecords } from './item-record-codec.js';
import { OwedRecords } from './owed-records.js';
import { ChangelogStore, type PartitionCommit, type RestoredPartition } from './state-store.js';

const FORMAT = 'recstream.item-state/1';
/**
 * A commit makes its records in slices this long, letting the user side (lists, pushes) run between
 * them: a commit of thousands of changed items was a stall of a second or more.
 */
const COMMIT_SLICE_MS = 8;

/** What an item-state partition's records cover. */
export interface ItemCheckpoint {
  /** The next item-deltas offset of the partition not covered. */
  deltas: string;
  /** The delta sources applied through this partition (applyDelta's dedup), so none is applied twice. */
  sources: Array<[string, { to: number; seq: number }]>;
  t0: number | null;
  trendT0: number | null;
}

/** A restored item-state partition, with the items whose records a commit wrote ahead of its checkpoint. */
export interface RestoredItems extends RestoredPartition<ItemCheckpoint> {
  /** Item → the item-deltas offset its record holds the deltas before (a delta below it is not applied again). */
  heldUpTo: Map<string, bigint>;
}

/**
 * The item side's state store: every STATE_COMMIT_MS, the items of owned item-deltas partitions that
 * changed go to `<GROUP_ID>.item-state` (keyed by item, so a record lands in its item-deltas
 * partition's number), each partition closed by a checkpoint of the delta offset its records cover.
 * Its writes are due half an interval after the user store's, so a process's two commits do not
 * fall together.
 */
export class ItemStore {
  private readonly changes: ChangedKeys;
  private readonly store: ChangelogStore<StoredItemRecord, ItemCheckpoint, ItemRecord>;
  private readonly deltasTopic: string;
  /** What the commit under way still owes, null when none is writing. */
  private owed: OwedRecords<ItemRecord> | null = null;

  constructor(
    config: Config,
    log: EventLog,
    private readonly items: ItemSide,
    private readonly metrics: Metrics,
  ) {
    this.changes = items.trackChanges();
    this.changes.beforeChange = (itemId) => this.owed?.take(itemId);
    this.changes.beforeAnyChange = () => this.owed?.takeAll();
    this.deltasTopic = config.topics.itemDeltas;
    this.store = new ChangelogStore(
      log,
      config.topics.itemState,
      FORMAT,
      config.stateCommitMs,
      {
        encode: encodeItemRecords,
        decode: decodeItemRecord,
      },
      config.stateCommitMs / 2,
    );
  }

  due(now: number): boolean {
    return this.store.due(now);
  }

  /** True when an item changed since the last commit. */
  get pending(): boolean {
    return this.changes.size > 0;
  }

  /**
   * Writes the changed items of `partitions` (item-deltas partitions this process owns, with the next
   * offset applied of each) and their checkpoints. Items of other partitions (a process keeps those it
   * lost) are not this process's to write. Once it has taken its items it calls `owing`: deltas may be
   * applied from then on while it makes their records in slices — an item about to change has its
   * record taken first (rows being refreshed meanwhile is harmless, they are derived). The caller lets
   * no item go (a rebalance) until it returns.
   */
  async commit(
    applied: ReadonlyMap<number, bigint>,
    partitionCount: number,
    now: number,
    owing: () => void = () => undefined,
  ): Promise<void> {
    const ids = new Map<string, number>();
    for (const id of this.changes.take()) {
      if (this.items.isPeer(id)) continue;
      const partition = partitionForKey(id, partitionCount);
      if (applied.has(partition)) ids.set(id, partition);
    }
    const commits: Array<PartitionCommit<ItemCheckpoint>> = [];
    for (const [partition, offset] of applied) {
      commits.push({
        partition,
        checkpoint: {
          deltas: offset.toString(),
          sources: this.items.appliedSources(String(partition)),
          t0: this.items.landmark,
          trendT0: this.items.trendingLandmark,
        },
        position: { [tpKey({ topic: this.deltasTopic, partition })]: offset.toString() },
      });
    }
    const owed = new OwedRecords(ids, (id) => this.items.record(id));
    this.owed = owed;
    try {
      owing();
      const written = await this.store.write(owed.entries(), commits, now, COMMIT_SLICE_MS);
      this.metrics.stateCommitBytesTotal.inc({ store: 'item' }, written);
    } finally {
      this.owed = null;
    }
  }

  /** Loads an item-state partition into the item side; returns its checkpoint (null: never written). */
  async restore(partition: number): Promise<RestoredItems> {
    const restored = await this.store.restore(
      partition,
      (id, record) => this.items.loadRecord(id, record),
      (checkpoint) => {
        this.items.adoptLandmarks(checkpoint.t0, checkpoint.trendT0);
        this.items.loadAppliedSources(checkpoint.sources);
      },
    );
    const lane = tpKey({ topic: this.deltasTopic, partition });
    const heldUpTo = new Map<string, bigint>();
    for (const [id, position] of restored.ahead) {
      const offset = position[lane];
      if (offset !== undefined) heldUpTo.set(id, BigInt(offset));
    }
    return { ...restored, heldUpTo };
  }
}
