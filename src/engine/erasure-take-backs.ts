import { randomInt } from 'node:crypto';
import { partitionForKey } from '../log/partitioner.js';
import type { OutgoingRecord } from '../log/types.js';
import { ItemDeltaBatch } from '../model/item-delta.js';
import type { UserSide } from '../model/user-side.js';
import type { DeltaFormat } from './delta-codec.js';
import { type Erasure, erasureSource } from './erasures.js';
import { deltaRecords } from './internal-records.js';

const laneMarks = new Map<string, string>();

/** An item id no item has (it starts with NUL), routed to `lane` of `partitions`. */
function laneMark(lane: number, partitions: number): string {
  const key = `${lane}/${partitions}`;
  let mark = laneMarks.get(key);
  for (let k = 0; mark === undefined; k++) {
    const id = `\u0000erasure-${k}`;
    if (partitionForKey(id, partitions) === lane) mark = id;
  }
  laneMarks.set(key, mark);
  return mark;
}

interface Forgotten {
  erasure: Erasure;
  home: number;
  deltas: ItemDeltaBatch;
}

/**
 * Users forgotten for their erasure, each with what their history added to item state: the negative
 * deltas the items' owners apply once per erasure and user-state partition, and the partition whose
 * record of the user goes.
 */
export class ErasureTakeBacks {
  private readonly forgotten: Forgotten[] = [];
  /**
   * @param attempt names this sending: an owner that applied another sending of an erasure ignores
   *   this one's (ItemOwner)
   */
  constructor(
    private readonly users: UserSide,
    private readonly attempt = randomInt(1, 2 ** 31),
  ) {}

  /** Forgets the user of `erasure`, held here in user-state partition `home`; false when not held. */
  forget(erasure: Erasure, home: number): boolean {
    const deltas = new ItemDeltaBatch(() => this.users.landmark);
    if (!this.users.forgetUser(erasure.userId, deltas)) return false;
    this.forgotten.push({ erasure, home, deltas });
    return true;
  }

  /** Items the take-backs change. */
  get items(): number {
    return this.forgotten.reduce((n, f) => n + f.deltas.size, 0);
  }

  /**
   * The take-backs as item-delta records, each erasure and partition a source of its own. Every lane
   * (item-deltas partition) hears of the sending, one it has no take-back for by an empty delta: an
   * owner ignores another sending of the erasure only in a lane that heard of one, and another
   * sending may hold events this one's holder never applied (it skipped them once it knew).
   */
  records(topic: string, partitions: number, format: DeltaFormat | undefined): { records: OutgoingRecord[]; deltas: number } {
    const records: OutgoingRecord[] = [];
    let deltas = 0;
    for (const f of this.forgotten) {
      const source = erasureSource(f.erasure, f.home, this.attempt);
      const taken = f.deltas.take(source);
      const reached = new Set(taken.map((d) => partitionForKey(d.item, partitions)));
      const marks = new ItemDeltaBatch(() => this.users.landmark);
      for (let lane = 0; lane < partitions; lane++) if (!reached.has(lane)) marks.mark(laneMark(lane, partitions));
      const all = [...taken, ...marks.take(source)];
      deltas += all.length;
      records.push(...deltaRecords(all, topic, partitions, format));
    }
    return { records, deltas };
  }

  /** Each forgotten user and the user-state partition their record is in. */
  homes(): Array<[string, number]> {
    return this.forgotten.map((f) => [f.erasure.userId, f.home]);
  }
}
