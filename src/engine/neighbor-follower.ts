import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import type { EventLog, GroupConsumer, LogRecord, PartitionBatch } from '../log/types.js';
import type { Logger } from '../logger.js';
import type { ItemSide } from '../model/item-side.js';
import type { NeighborTable } from '../model/neighbor-table.js';
import { BACKGROUND_SLICE_MS, inSlices } from '../slices.js';
import { decodeRow, recordValue } from './internal-records.js';

/**
 * Follows the global table `item-neighbors` from its start into this process's NeighborTable (a
 * GlobalKTable: every process reads every partition), and hands owners' norms to the local item side
 * for the peers it holds.
 */
export class NeighborFollower {
  private consumer: GroupConsumer | null = null;
  /** Next offset to read, per partition. */
  private readonly readUpTo = new Map<number, bigint>();
  private rowsRead = 0;

  constructor(
    private readonly config: Config,
    private readonly log: EventLog,
    private readonly table: NeighborTable,
    private readonly items: ItemSide,
    private readonly logger: Logger,
    /** Rows read before other work gets a turn (Infinity: a batch's rows all at once). */
    private readonly rowsSliceMs = BACKGROUND_SLICE_MS,
  ) {}

  start(): Promise<void> {
    this.consumer = this.log.consumer({
      groupId: `${this.config.groupId}.table.${randomUUID()}`,
      topics: [this.config.topics.itemNeighbors],
      fromBeginning: true,
    });
    return this.consumer.run(async (batch) => this.handle(batch));
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }

  /** True when every row published so far is in the table. */
  async settled(): Promise<boolean> {
    const topic = this.config.topics.itemNeighbors;
    const partitions = await this.log.partitionsFor(topic);
    if (partitions === 0) return true;
    const offsets = await this.log.topicOffsets(topic);
    for (let partition = 0; partition < partitions; partition++) {
      const { low, high } = offsets[partition];
      if (BigInt(high) > BigInt(low) && (this.readUpTo.get(partition) ?? -1n) < BigInt(high)) return false;
    }
    return true;
  }

  /** Rows (and removals) read into the table so far: a version that changes whenever the table may have. */
  get version(): number {
    return this.rowsRead;
  }

  private async handle(batch: PartitionBatch): Promise<void> {
    // in slices: an owner's publication is thousands of rows at a shop's event rate
    await inSlices(batch.records, this.rowsSliceMs, (records) => {
      for (const r of records) this.read(r);
    });
    const last = batch.records.at(-1);
    if (last !== undefined) this.readUpTo.set(batch.partition, BigInt(last.offset) + 1n);
    this.rowsRead += batch.records.length;
  }

  private read(r: LogRecord): void {
    const itemId = r.key?.toString('utf8');
    if (itemId === undefined) return;
    if (r.value === null) {
      this.table.remove(itemId);
      this.items.forgetPeerNorm(itemId);
      return;
    }
    const row = recordValue(r, r.value, decodeRow);
    if (row === null) {
      this.logger.warn({ partition: r.partition, offset: r.offset }, 'neighbour row not readable; skipped');
      return;
    }
    this.table.apply(row);
    this.items.setPeerNorm(row.item, row.norm2, row.t0);
  }
}
