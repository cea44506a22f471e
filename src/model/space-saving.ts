import { type ColumnPool, type CounterColumns, counterColumns } from './counter-columns.js';
import { DistinctUsers } from './distinct-users.js';
import { kthSmallest, SelectionBuffer } from './quickselect.js';
import { fileSlot, type SlotEntries, slotOf, unfileSlot } from './slot-table.js';

/**
 * One counter: `count` over-estimates the true total by at most `err`; `n` counts co-occurrences
 * (a user again after their history evicted an item counts again); `users` counts distinct users up to
 * the support threshold (0 when not tracked).
 */
export interface Counter {
  readonly key: string;
  count: number;
  n: number;
  err: number;
  users: number;
}

/** The last element, present when distinct users are tracked, is DistinctUsers' [count, …witnesses]. */
export type CounterJson = [key: string, count: number, n: number, err: number, users?: number[]];

export interface SpaceSavingJson {
  floor: number;
  entries: CounterJson[];
}

/**
 * A counter set in columns, the form of the item-state records: a few arrays per set, where the
 * JSON form (the snapshot's) makes two per counter — a state commit of thousands of items made
 * millions of small arrays for the collector to sweep.
 */
export interface SpaceSavingColumns {
  floor: number;
  keys: string[];
  /** count, n and err of each counter in turn. */
  figures: number[];
  /** With distinct users (else null): per counter its atLeast, its number of witnesses k, then the k witnesses. */
  users: number[] | null;
}

/** A counter set as a record holds it: in columns, or as JSON (records an earlier version wrote). */
export type StoredCounters = SpaceSavingColumns | SpaceSavingJson;

/** The keys of a stored counter set, in slot order. */
export function storedKeys(stored: StoredCounters): string[] {
  return 'entries' in stored ? stored.entries.map((e) => e[0]) : stored.keys;
}

/** The name of the item a peer number stands for (the owner's node ids), for counters keyed by peer. */
export type PeerNames = (peer: number) => string;

const INITIAL_SLOTS = 8;
const GROWTH = 1.5;

/** A slot's integers in `ints`: its peer first (the slot table reads it there), co-occurrences, then distinct users' witnesses. */
const PEER = 0;
const N = 1;
const WITNESSES = 2;

/**
 * Space-Saving (Metwally et al.) with batched eviction: at most `capacity` counters (0 = unbounded).
 * When full, the smallest eighth is evicted at once (amortising the selection) and every later
 * newcomer starts from the largest evicted count, which it carries as its error — so counts stay
 * over-estimates, `count − err` stays an under-estimate, and heavy pairs survive.
 *
 * Counters live in dense slots of typed arrays (0..size−1, any order; a removal moves the last slot
 * into the hole): the hot loops of the model scan them without touching one object per counter. A
 * counter is keyed by a peer, the owner's integer for what it counts (an item's node index), and named
 * through `peerNames`: hashing a small integer is cheaper than a string, and no key is held per counter
 * (an item's 200 counters kept 1.8 KB of references to names their peers already give). Reads by
 * name scan (they are rare: inspection).
 */
export class SpaceSaving {
  /** Slots by peer (slot-table.ts), in the columns' buffer. */
  private table: SlotEntries;
  /** Distinct users per counter when a support threshold above 1 is asked for, else null. */
  private readonly distinct: DistinctUsers | null;
  private count = 0;
  /** count and err of slot s at 2s and 2s + 1. */
  private figures: Float64Array;
  /** `stride` integers per slot: peer, co-occurrences, distinct users. */
  private ints: Int32Array;
  /** Distinct users' two bytes per slot (empty without them). */
  private bytes: Uint8Array;
  private readonly stride: number;
  /** Count inherited by new entries: the largest count evicted so far. */
  floor = 0;

  /**
   * `minUsers`: distinct users a counter needs to be `supported` (1 = any counter is). `selection`:
   * where eviction finds its cut, shared by the counters of one model (a standalone one gets its own).
   * `pool`: where columns are taken from and outgrown ones go, shared the same way (none: always new).
   */
  constructor(
    readonly capacity: number,
    private readonly peerNames: PeerNames,
    readonly minUsers = 1,
    private readonly selection = new SelectionBuffer(),
    private readonly pool: ColumnPool | null = null,
  ) {
    this.distinct = minUsers > 1 ? new DistinctUsers(minUsers, 0) : null;
    this.stride = WITNESSES + (minUsers > 1 ? minUsers : 0);
    const initial = capacity > 0 ? Math.min(capacity, INITIAL_SLOTS) : INITIAL_SLOTS;
    const { figures, ints, bytes, table } = this.newColumns(initial);
    this.figures = figures;
    this.ints = ints;
    this.bytes = bytes;
    this.table = table;
    this.distinct?.attach(ints, this.stride, WITNESSES, bytes);
  }

  /** True when the counter in slot `s` has at least `minUsers` distinct users behind it. */
  supported(s: number): boolean {
    return this.distinct === null || this.distinct.supported(s);
  }

  get size(): number {
    return this.count;
  }

  /** The counter's count: an over-estimate of its total by at most errAt(s). */
  countAt(s: number): number {
    return this.figures[2 * s];
  }

  errAt(s: number): number {
    return this.figures[2 * s + 1];
  }

  /** Co-occurrences of the counter. */
  nAt(s: number): number {
    return this.ints[s * this.stride + N];
  }

  /** The peer the counter is keyed by: the owner's integer for what it counts. */
  peerAt(s: number): number {
    return this.ints[s * this.stride + PEER];
  }

  /** The key of the counter in slot `s`. */
  keyAt(s: number): string {
    return this.peerNames(this.peerAt(s));
  }

  /** The slot of `key`, or −1. */
  slotOf(key: string): number {
    for (let s = 0; s < this.count; s++) if (this.keyAt(s) === key) return s;
    return -1;
  }

  /** The slot of the counter with this peer, or −1. */
  slotOfPeer(peer: number): number {
    return slotOf(this.table, this.stride, peer, this.ints);
  }

  /** A copy of the key's counter. */
  get(key: string): Counter | undefined {
    const s = this.slotOf(key);
    return s === -1 ? undefined : this.counterAt(s);
  }

  /** A copy of the counter in slot `s`. */
  counterAt(s: number): Counter {
    return { key: this.keyAt(s), count: this.countAt(s), n: this.nAt(s), err: this.errAt(s), users: this.distinct?.count(s) ?? 0 };
  }

  /** Copies of all counters by key (for inspection and serialisation, not for hot paths). */
  get entries(): Map<string, Counter> {
    const out = new Map<string, Counter>();
    for (let s = 0; s < this.count; s++) out.set(this.keyAt(s), this.counterAt(s));
    return out;
  }

  /**
   * Adds `delta` to the count of the counter of `peer` and `nInc` to its co-occurrence count, on behalf
   * of `user` (a 32-bit hash of the user id; −1 = not known); returns its slot.
   */
  addPeer(peer: number, delta: number, nInc: number, user = -1): number {
    let s = slotOf(this.table, this.stride, peer, this.ints);
    if (s >= 0) {
      this.figures[2 * s] += delta;
      this.ints[s * this.stride + N] += nInc;
    } else {
      if (this.capacity > 0 && this.count >= this.capacity) this.evict();
      s = this.append(peer, this.floor + delta, nInc, this.floor);
    }
    if (user !== -1 && this.distinct !== null) this.distinct.note(s, user);
    return s;
  }

  private append(peer: number, count: number, n: number, err: number): number {
    const s = this.count;
    if (2 * s === this.figures.length) this.grow();
    this.count++;
    this.figures[2 * s] = count;
    this.figures[2 * s + 1] = err;
    const at = s * this.stride;
    this.ints[at + PEER] = peer;
    this.ints[at + N] = n;
    this.distinct?.clear(s);
    fileSlot(this.table, this.stride, peer, s, this.ints);
    return s;
  }

  private newColumns(size: number): CounterColumns {
    const distinct = this.distinct !== null;
    return this.pool?.take(size, this.stride, distinct) ?? counterColumns(size, this.stride, distinct);
  }

  private grow(): void {
    // by half: doubling left a quarter of a full item's slots empty (200 counters in 256)
    const slots = this.figures.length / 2;
    const grown = Math.ceil(slots * GROWTH);
    const cap = this.capacity > 0 ? Math.min(this.capacity, grown) : grown;
    const size = Math.max(cap, slots + 1);
    const { figures, ints, bytes, table } = this.newColumns(size);
    figures.set(this.figures);
    ints.set(this.ints);
    this.distinct?.attach(ints, this.stride, WITNESSES, bytes);
    this.pool?.give({ size: slots, figures: this.figures, ints: this.ints, bytes: this.bytes, table: this.table });
    this.figures = figures;
    this.ints = ints;
    this.bytes = bytes;
    // the table shares the columns' buffer: a new one, every slot filed again
    this.table = table;
    for (let s = 0; s < this.count; s++) fileSlot(table, this.stride, ints[s * this.stride + PEER], s, ints);
  }

  /** Removes slot `s`, moving the last slot into it. */
  private removeAt(s: number): void {
    const stride = this.stride;
    unfileSlot(this.table, stride, this.peerAt(s), this.ints);
    const last = this.count - 1;
    if (s !== last) {
      this.figures[2 * s] = this.figures[2 * last];
      this.figures[2 * s + 1] = this.figures[2 * last + 1];
      this.ints[s * stride + PEER] = this.ints[last * stride + PEER];
      this.ints[s * stride + N] = this.ints[last * stride + N];
      this.distinct?.move(last, s);
      fileSlot(this.table, stride, this.peerAt(s), s, this.ints);
    }
    this.count--;
  }

  /** Removes `user`'s contribution to the counter in slot `s` (−1: none; erasure); one that reaches zero support disappears. */
  subtractAt(s: number, delta: number, nDec: number, user = -1): void {
    if (s < 0) return;
    this.figures[2 * s] -= delta;
    this.ints[s * this.stride + N] -= nDec;
    if (user !== -1) this.distinct?.forget(s, user);
    if (this.nAt(s) <= 0 || this.countAt(s) - this.errAt(s) <= 0) this.removeAt(s);
  }

  /** Removes the counters whose peer is marked (`marks[peer] === 1`: its item was forgotten). Returns how many went. */
  dropPeers(marks: Uint8Array): number {
    let dropped = 0;
    for (let s = this.count - 1; s >= 0; s--) {
      // backwards: a removal moves the last slot into s, and that slot was visited already
      if (marks[this.peerAt(s)] !== 1) continue;
      this.removeAt(s);
      dropped++;
    }
    return dropped;
  }

  /** Multiplies every count and error (forward-decay renormalisation). */
  scale(factor: number): void {
    this.floor *= factor;
    const figures = this.figures;
    for (let k = 0; k < 2 * this.count; k++) figures[k] *= factor;
  }

  /**
   * Drops the `capacity/8` smallest counters, ties by key (so the choice is order-independent): finds
   * the cut count by quickselect on a scratch copy instead of sorting the counters.
   */
  private evict(): void {
    const size = this.count;
    const drop = Math.min(size, Math.max(1, Math.floor(this.capacity / 8)));
    if (drop === 0) return;
    const scratch = this.selection.view(size);
    for (let s = 0; s < size; s++) scratch[s] = this.figures[2 * s];
    const cut = kthSmallest(scratch, drop);
    // every counter under the cut goes; of those exactly at the cut, the smallest keys go
    const atCut: Array<[key: string, peer: number]> = [];
    let dropped = 0;
    for (let s = size - 1; s >= 0; s--) {
      // backwards: a removal moves the last slot into s, and that slot was visited already
      const count = this.figures[2 * s];
      if (count < cut) {
        this.removeAt(s);
        dropped++;
      } else if (count === cut) {
        atCut.push([this.keyAt(s), this.peerAt(s)]);
      }
    }
    if (dropped + atCut.length > drop) atCut.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (let k = 0; dropped < drop && k < atCut.length; k++, dropped++) {
      const peer = atCut[k][1];
      this.removeAt(slotOf(this.table, this.stride, peer, this.ints));
    }
    if (cut > this.floor) this.floor = cut;
  }

  toJSON(): SpaceSavingJson {
    const entries: CounterJson[] = [];
    for (let s = 0; s < this.count; s++) {
      const entry: CounterJson = [this.keyAt(s), this.countAt(s), this.nAt(s), this.errAt(s)];
      if (this.distinct !== null) entry.push(this.distinct.toJSON(s));
      entries.push(entry);
    }
    return { floor: this.floor, entries };
  }

  toColumns(): SpaceSavingColumns {
    const n = this.count;
    const keys: string[] = new Array(n);
    const figures: number[] = new Array(3 * n);
    for (let s = 0; s < n; s++) {
      keys[s] = this.keyAt(s);
      figures[3 * s] = this.countAt(s);
      figures[3 * s + 1] = this.nAt(s);
      figures[3 * s + 2] = this.errAt(s);
    }
    return { floor: this.floor, keys, figures, users: this.distinct?.columns(n) ?? null };
  }

  /**
   * A counter set from either stored form: columns (item-state records) or JSON (snapshots, older
   * records). `peers.peerOf(key)` gives each counter's peer, `peers.names` names them again.
   */
  static fromStored(
    capacity: number,
    stored: StoredCounters,
    peers: { peerOf: (key: string) => number; names: PeerNames },
    minUsers = 1,
    selection?: SelectionBuffer,
    pool: ColumnPool | null = null,
  ): SpaceSaving {
    const ss = new SpaceSaving(capacity, peers.names, minUsers, selection, pool);
    ss.floor = stored.floor;
    if ('entries' in stored) {
      for (const [key, count, n, err, users] of stored.entries) {
        const s = ss.append(peers.peerOf(key), count, n, err);
        if (users !== undefined) ss.distinct?.load(s, users);
      }
      return ss;
    }
    const { keys, figures, users } = stored;
    let at = 0;
    for (let k = 0; k < keys.length; k++) {
      const s = ss.append(peers.peerOf(keys[k]), figures[3 * k], figures[3 * k + 1], figures[3 * k + 2]);
      if (users !== null) at = ss.distinct?.loadColumn(s, users, at) ?? at + 2 + users[at + 1];
    }
    return ss;
  }
}
