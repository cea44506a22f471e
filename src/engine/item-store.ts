import type { Config } from '../config.js';
import { partitionForKey } from '../log/partitioner.js';
import type { EventLog } from '../log/types.js';
import type { Metrics } from '../metrics.js';
import type { ChangedKeys } from '../model/changed-keys.js';
import type { ItemRecord, StoredItemRecord } from '../model/item-record.js';
import type { ItemSide } from '../model/item-side.js';
import { decodeItemRecord, encodeItemRecords } from './item-record-codec.js';
import { ChangelogStore, type RestoredPartition, type StoreEntry } from './state-store.js';

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

/**
 * The item side's state store: every STATE_COMMIT_MS, the items of owned item-deltas partitions that
 * changed go to `<GROUP_ID>.item-state` (keyed by item, so a record lands in its item-deltas
 * partition's number), each partition closed by a checkpoint of the delta offset its records cover.
 */
export class ItemStore {
  private readonly changes: ChangedKeys;
  private readonly store: ChangelogStore<StoredItemRecord, ItemCheckpoint, ItemRecord>;

  constructor(
    config: Config,
    log: EventLog,
    private readonly items: ItemSide,
    private readonly metrics: Metrics,
  ) {
    this.changes = items.trackChanges();
    this.store = new ChangelogStore(log, config.topics.itemState, FORMAT, config.stateCommitMs, {
      encode: encodeItemRecords,
      decode: decodeItemRecord,
    });
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
   * lost) are not this process's to write. The caller applies no delta until it returns (its
   * records are made while it runs; rows being refreshed meanwhile is harmless, they are derived).
   */
  async commit(applied: ReadonlyMap<number, bigint>, partitionCount: number, now: number): Promise<void> {
    const changed = this.changes.take();
    const checkpoints: Array<[number, ItemCheckpoint]> = [];
    for (const [partition, offset] of applied) {
      checkpoints.push([
        partition,
        {
          deltas: offset.toString(),
          sources: this.items.appliedSources(String(partition)),
          t0: this.items.landmark,
          trendT0: this.items.trendingLandmark,
        },
      ]);
    }
    const written = await this.store.write(this.entries(changed, applied, partitionCount), checkpoints, now, COMMIT_SLICE_MS);
    this.metrics.stateCommitBytesTotal.inc({ store: 'item' }, written);
  }

  /** The records of the changed items of `applied`'s partitions, each made when the write asks for it. */
  private *entries(
    changed: readonly string[],
    applied: ReadonlyMap<number, bigint>,
    partitionCount: number,
  ): Generator<StoreEntry<ItemRecord>> {
    for (const id of changed) {
      if (this.items.isPeer(id) || !applied.has(partitionForKey(id, partitionCount))) continue;
      yield [id, this.items.record(id)];
    }
  }

  /** Loads an item-state partition into the item side; returns its checkpoint (null: never written). */
  restore(partition: number): Promise<RestoredPartition<ItemCheckpoint>> {
    return this.store.restore(
      partition,
      (id, record) => this.items.loadRecord(id, record),
      (checkpoint) => {
        this.items.adoptLandmarks(checkpoint.t0, checkpoint.trendT0);
        this.items.loadAppliedSources(checkpoint.sources);
      },
    );
  }
}
