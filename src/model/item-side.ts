import { ChangedKeys } from './changed-keys.js';
import type { DeltaSource, ItemDelta, PairIncrements } from './item-delta.js';
import { forgetItems, idleItems, itemsOverCap } from './item-eviction.js';
import { type ItemRecord, itemRecord, loadItemRecord, type StoredItemRecord } from './item-record.js';
import type { ItemUpdates } from './item-updates.js';
import type { FollowRow, ItemFacts, ItemView, NeighborRow } from './item-view.js';
import type { ItemNode } from './similarity.js';
import { storedKeys } from './space-saving.js';
import type { ModelState } from './state.js';
import { finish, type Steps } from './steps.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * The item side of the model: co-occurrence counters and norms, followed-by transitions, trending and
 * prices of the items this process owns. It applies the user side's updates (directly in one process,
 * or from delta records, see item-delta.ts) and answers from its live state (ItemView).
 */
export class ItemSide implements ItemUpdates, ItemView {
  /** Who hears of changed items: owners publishing rows, state stores. */
  private readonly trackers: ChangedKeys[] = [];
  /** Who hears also of rows to score again with nothing stored changed (markAllOwned): owners publishing rows. */
  private readonly rowTrackers: ChangedKeys[] = [];
  /** The row follows() fills and returns (read before the next call: no allocation per read). */
  private readonly followScratch = { ids: [] as string[], indices: new Int32Array(64), shares: [] as number[] };
  /** The node touch() found last: the pairs of an interaction that follow it name it first. */
  private lastNode: ItemNode | null = null;
  /** See sourceKey. */
  private readonly lastSourceKey = { lane: '', topic: '', partition: -1, key: '' };

  constructor(private readonly state: ModelState) {}

  /** A new set of the items changed (or forgotten) from now on. */
  trackChanges(): ChangedKeys {
    const tracker = new ChangedKeys();
    this.trackers.push(tracker);
    return tracker;
  }

  /** As trackChanges, and also the items whose rows are to be scored again (markAllOwned): for publishing rows. */
  trackRows(): ChangedKeys {
    const tracker = this.trackChanges();
    this.rowTrackers.push(tracker);
    return tracker;
  }

  /** See ItemView.version. */
  version = 0;

  /**
   * Tells the trackers that the item changes. Called before the change: a state store still writing
   * an earlier commit takes the item's record as it was (ChangedKeys.beforeChange).
   */
  private mark(itemId: string): void {
    this.version++;
    for (const t of this.trackers) t.add(itemId);
  }

  // ---- ItemUpdates (applied to live state) ----

  touch(itemId: string, time: number): void {
    this.mark(itemId);
    const state = this.state;
    let node = state.similarity.nodes.get(itemId);
    if (node === undefined) {
      const gone = itemsOverCap(state.similarity, state.config.maxItems);
      if (gone.length > 0) {
        this.forget(gone);
        state.forgotten.itemsOverCap += gone.length;
      }
      node = state.similarity.node(itemId);
    }
    state.similarity.touch(node, time);
    this.lastNode = node;
    if (time > state.maxTime) state.maxTime = time;
  }

  /** A node for an item known only as a peer here (its owner is elsewhere, or it comes later). */
  private peer(itemId: string): ItemNode {
    const node = this.state.similarity.node(itemId);
    if (node.norm2 === 0 && !node.owned) this.fillPeerNorm(node);
    return node;
  }

  /** A peer made after its owner's row was read takes the norm that row published. */
  private fillPeerNorm(node: ItemNode): void {
    const known = this.publishedNorms.get(node.id);
    if (known === undefined) return;
    const f = this.state.decay.fromLandmark(known[1]);
    node.norm2 = known[0] * f * f;
  }

  pair(a: string, b: string, amount: number, nInc: number, who: number): void {
    const sim = this.state.similarity;
    // a history entry whose item was forgotten (cap or idle) adds nothing until the item comes back
    const nb = sim.nodes.get(b);
    if (nb === undefined) return;
    this.mark(a);
    this.mark(b);
    const last = this.lastNode;
    sim.addDot(last !== null && last.id === a && last.index >= 0 ? last : this.peer(a), nb, amount, nInc, who);
  }

  /**
   * dot(item, peer) += amount·f2 on the item's side only, for each pair of a delta record: the item's
   * owner applying its halves of the pairs.
   */
  private halfPairs(item: string, pairs: PairIncrements, f2: number): void {
    this.mark(item);
    const sim = this.state.similarity;
    const node = sim.node(item);
    const counters = node.counters;
    const { peers, amounts, ns, users } = pairs;
    for (let k = 0; k < peers.length; k++) {
      const peer = sim.node(peers[k]);
      counters.addPeer(peer.index, amounts[k] * f2, ns[k], users[k]);
    }
    node.dirty = true;
    node.pending += peers.length;
  }

  norm(itemId: string, amount: number): void {
    this.mark(itemId);
    this.state.similarity.addNorm(this.peer(itemId), amount);
  }

  trend(itemId: string, minute: number, fromMinute: number): void {
    this.mark(itemId);
    const trending = this.state.trending;
    if (fromMinute > 0) trending.renew(itemId, fromMinute * MINUTE_MS, minute * MINUTE_MS);
    else trending.add(itemId, 1, minute * MINUTE_MS, 1);
  }

  follow(from: string, to: string, weight: number, nInc: number, who: number): void {
    const sim = this.state.similarity;
    // a forgotten previous item starts no followed-by list
    const source = sim.nodes.get(from);
    if (source === undefined) return;
    this.mark(from);
    // the followed item is numbered by a node of its own, a peer one when it is not held here
    this.state.transitions.add(source.id, this.peer(to).index, weight, nInc, who);
  }

  /** Not marked: a price comes with an interaction, whose touch() marked the item just before. */
  price(itemId: string, price: number): void {
    this.state.prices.set(itemId, price);
  }

  unpair(a: string, b: string, amount: number, who: number): void {
    const sim = this.state.similarity;
    const na = sim.nodes.get(a);
    const nb = sim.nodes.get(b);
    if (na === undefined || nb === undefined) return;
    this.mark(a);
    na.counters.subtractAt(na.counters.slotOfPeer(nb.index), amount, 1, who);
    sim.invalidate(na);
  }

  unnorm(itemId: string, amount: number): void {
    const node = this.state.similarity.nodes.get(itemId);
    if (node === undefined) return;
    this.mark(itemId);
    const before = node.norm2;
    node.norm2 = before - amount;
    if (node.norm2 <= before * 1e-12) node.norm2 = 0;
    this.state.similarity.invalidate(node);
  }

  unfollow(from: string, to: string, weight: number, who: number): void {
    this.mark(from);
    this.state.transitions.remove(from, to, weight, who);
  }

  untrend(itemId: string, minute: number): void {
    this.mark(itemId);
    const trending = this.state.trending;
    trending.remove(itemId, trending.decay.scale(minute * MINUTE_MS), 1);
  }

  /**
   * Applies one delta record from the user side of any process, once: a record of a source range and
   * position already applied is ignored (a batch re-delivered after its deltas were produced).
   * `lane` names the partition the record came by. Returns false when ignored. Amounts are converted from the sender's decay landmark to this one.
   */
  applyDelta(d: ItemDelta, lane: string): boolean {
    if (!this.markDeltaHeld(d, lane)) return false;
    const decay = this.state.decay;
    if (decay.t0 === null && d.t0 !== null) decay.t0 = d.t0;
    const f = decay.fromLandmark(d.t0);
    const f2 = f * f;
    const item = d.item;
    if (d.touch > 0) this.touch(item, d.touch);
    if (d.norm !== 0) this.norm(item, d.norm * f2);
    if (d.pairs.peers.length > 0) this.halfPairs(item, d.pairs, f2);
    for (const [minute, from] of d.trends) this.trend(item, minute, from);
    for (const [to, weight, nInc, who] of d.follows) this.follow(item, to, weight * f, nInc, who);
    if (d.price > 0) this.price(item, d.price);
    for (const [peer, amount, who] of d.unpairs) this.unpair(item, peer, amount * f2, who);
    if (d.unnorm > 0) this.unnorm(item, d.unnorm * f2);
    for (const [to, weight, who] of d.unfollows) this.unfollow(item, to, weight * f, who);
    for (const minute of d.untrends) this.untrend(item, minute);
    return true;
  }

  /**
   * Marks the delta's source position applied, as applyDelta does, without applying its amounts: for
   * a delta the item already holds (its restored record was written after it). False when the
   * position was applied already.
   */
  markDeltaHeld(d: ItemDelta, lane: string): boolean {
    // records of one source are in order only within one lane (the delta topic partition they came by)
    const key = this.sourceKey(lane, d.source);
    const done = this.state.appliedSources.get(key);
    if (done !== undefined && (d.source.to < done.to || (d.source.to === done.to && d.source.seq <= done.seq))) return false;
    this.state.appliedSources.set(key, { to: d.source.to, seq: d.source.seq });
    return true;
  }

  /**
   * ‖r‖² of an item this state holds only as a peer, from its owner's row (landmark `t0`): row scores
   * of owned items read it. Owned items keep their own.
   */
  setPeerNorm(itemId: string, norm2: number, t0: number | null): void {
    this.publishedNorms.set(itemId, [norm2, t0]);
    const node = this.state.similarity.nodes.get(itemId);
    if (node === undefined || node.owned) return;
    const f = this.state.decay.fromLandmark(t0);
    const value = norm2 * f * f;
    if (value !== node.norm2) {
      node.norm2 = value;
      this.peerNormsChanged = true;
    }
  }

  /** Its owner took the item's row out of the global table (it forgot the item). */
  forgetPeerNorm(itemId: string): void {
    this.publishedNorms.delete(itemId);
  }

  /**
   * ‖r‖² of every item as its owner last published it (landmark t0), kept for items this state holds
   * no node of yet: a peer may appear after its row was read (a delta naming it, a restored record).
   */
  private readonly publishedNorms = new Map<string, [number, number | null]>();

  /** True when a peer's norm changed since markAllOwned(): rows of owned items may score it differently. */
  peerNormsChanged = false;

  /**
   * Marks every owned item's row to be recomputed and published again. Only row trackers hear of it:
   * what a record stores did not change but for its row, which is derived — a process restoring the
   * record scores it again once it reads the peers' norms, as here.
   */
  markAllOwned(): void {
    this.peerNormsChanged = false;
    this.version++;
    for (const node of this.state.similarity.nodes.values()) {
      if (!node.owned) continue;
      this.state.similarity.invalidate(node);
      for (const t of this.rowTrackers) t.add(node.id);
    }
  }

  /** The landmark of trending's stored units. */
  get trendingLandmark(): number | null {
    return this.state.trending.decay.t0;
  }

  /** The landmark of this state's stored units (published with rows, see setPeerNorm). */
  get landmark(): number | null {
    return this.state.decay.t0;
  }

  /** True when the item is held here only as a peer: its row and record are another owner's to write. */
  isPeer(itemId: string): boolean {
    const node = this.state.similarity.nodes.get(itemId);
    return node !== undefined && !node.owned;
  }

  /** The record of an owned item for the item-state store; null when it holds none. */
  record(itemId: string): ItemRecord | null {
    return itemRecord(this.state, itemId);
  }

  /** Loads an item's stored record (restoring an item-state partition), replacing what was held. */
  loadRecord(itemId: string, record: StoredItemRecord): void {
    loadItemRecord(this.state, itemId, record);
    const nodes = this.state.similarity.nodes;
    for (const peer of storedKeys(record.node.counters)) {
      const node = nodes.get(peer);
      if (node !== undefined && node.norm2 === 0 && !node.owned) this.fillPeerNorm(node);
    }
    this.lastNode = null;
    this.version++;
  }

  /** Takes the stored landmarks of a restored store when this state has none yet (records convert to them). */
  adoptLandmarks(t0: number | null, trendT0: number | null): void {
    if (this.state.decay.t0 === null) this.state.decay.t0 = t0;
    if (this.state.trending.decay.t0 === null) this.state.trending.decay.t0 = trendT0;
  }

  /**
   * Lets go of the owned items `moved` names and of what was applied through `lanes`: their partition
   * went to another process (which restores them from the store). Nothing hears of it (the items are
   * not gone, only held elsewhere). Returns how many.
   */
  release(moved: (itemId: string) => boolean, lanes: readonly string[]): number {
    const state = this.state;
    const released: string[] = [];
    for (const node of state.similarity.nodes.values()) {
      if (!node.owned || !moved(node.id)) continue;
      state.similarity.makePeer(node);
      state.transitions.nodes.delete(node.id);
      state.prices.delete(node.id);
      released.push(node.id);
    }
    // at once: each call that takes an item of the top list rebuilds it from every count
    state.trending.forget(released);
    for (const lane of lanes) for (const [key] of this.appliedSources(lane)) state.appliedSources.delete(key);
    this.lastNode = null;
    this.version++;
    return released.length;
  }

  /**
   * The appliedSources key of a lane and source. The records of a batch share their lane and source,
   * so the last key is kept: a key made per record was a new string to hash per record.
   */
  private sourceKey(lane: string, source: DeltaSource): string {
    const last = this.lastSourceKey;
    if (last.lane !== lane || last.topic !== source.topic || last.partition !== source.partition) {
      last.lane = lane;
      last.topic = source.topic;
      last.partition = source.partition;
      last.key = `${lane}|${source.topic}:${source.partition}`;
    }
    return last.key;
  }

  /** How far applyDelta has applied the source in the lane (undefined: nothing of it). */
  appliedOf(lane: string, source: DeltaSource): { to: number; seq: number } | undefined {
    return this.state.appliedSources.get(this.sourceKey(lane, source));
  }

  /** Forgets what applyDelta applied of the sources whose topic `ended` names (they send nothing more); returns how many. */
  forgetSources(ended: (topic: string) => boolean): number {
    let forgotten = 0;
    for (const key of this.state.appliedSources.keys()) {
      if (!ended(key.slice(key.indexOf('|') + 1, key.lastIndexOf(':')))) continue;
      this.state.appliedSources.delete(key);
      forgotten++;
    }
    return forgotten;
  }

  /** Per delta lane, what applyDelta has applied: stored with a partition's records. */
  appliedSources(lane: string): Array<[string, { to: number; seq: number }]> {
    const prefix = `${lane}|`;
    return [...this.state.appliedSources].filter(([key]) => key.startsWith(prefix));
  }

  loadAppliedSources(sources: ReadonlyArray<[string, { to: number; seq: number }]>): void {
    for (const [key, at] of sources) this.state.appliedSources.set(key, at);
  }

  /** Forgets items everywhere on this side (cap or idle). */
  private forget(gone: readonly ItemNode[]): void {
    // which items lose a counter is known only while it is dropped: a store still writing takes all it owes
    for (const t of this.trackers) t.changingAny();
    // owned ones leave published views and stores (a peer's row and record are its owner's)
    const owned = gone.filter((n) => n.owned).map((n) => n.id);
    // remaining items that lost something publish their rows again
    forgetItems(this.state, gone, (id) => this.mark(id));
    this.lastNode = null;
    for (const id of owned) this.mark(id);
  }

  /** Forgets items idle for longer than itemIdleDays before `now`; returns how many. */
  expireIdle(now: number): number {
    return finish(this.expireIdleSteps(now));
  }

  /**
   * expireIdle in steps (steps.ts): the items are found in steps of items, then forgotten at once
   * (forgetting scans every item's counters, so it is done in one batch) — those still held and
   * still idle by then.
   */
  *expireIdleSteps(now: number): Steps<number> {
    const days = this.state.config.itemIdleDays;
    if (!(days > 0)) return 0;
    const cutoff = now - days * DAY_MS;
    const sim = this.state.similarity;
    const found = yield* idleItems(sim, cutoff);
    const gone = found.filter((node) => sim.nodes.get(node.id) === node && node.owned && node.lastTime < cutoff);
    if (gone.length === 0) return 0;
    this.forget(gone);
    this.state.forgotten.itemsIdle += gone.length;
    return gone.length;
  }

  // ---- ItemView (live state) ----

  get rows(): readonly NeighborRow[] {
    return this.state.similarity.byIndex;
  }

  row(itemId: string): NeighborRow | undefined {
    return this.state.similarity.row(itemId);
  }

  /** The item's node with its row recomputed if it changed, for owners publishing it. */
  node(itemId: string): ItemNode | undefined {
    return this.state.similarity.freshRow(itemId);
  }

  /** The item's followed-by row, in a scratch object this side reuses: read it before calling again. */
  follows(itemId: string): FollowRow | undefined {
    const node = this.state.transitions.nodes.get(itemId);
    if (node === undefined || !(node.total > 0)) return undefined;
    const byIndex = this.state.similarity.byIndex;
    const next = node.next;
    const row = this.followScratch;
    const { ids, shares } = row;
    if (row.indices.length < next.size) row.indices = new Int32Array(next.size * 2);
    const indices = row.indices;
    let n = 0;
    for (let slot = 0; slot < next.size; slot++) {
      // too few distinct users behind the transition: it would retell one person's path
      if (!next.supported(slot)) continue;
      const share = next.countAt(slot) - next.errAt(slot);
      if (!(share > 0)) continue;
      const peer = next.peerAt(slot);
      ids[n] = byIndex[peer].id;
      indices[n] = peer;
      shares[n] = share / node.total;
      n++;
    }
    ids.length = n;
    shares.length = n;
    return n === 0 ? undefined : { ids, indices: indices.subarray(0, n), shares };
  }

  trendingStored(itemId: string): number {
    return this.state.trending.counts.get(itemId)?.[0] ?? 0;
  }

  trendingFactor(now: number): number {
    return this.state.trending.decay.valueFactor(now);
  }

  popularity(itemId: string): number {
    return this.state.trending.total(itemId);
  }

  knownId(itemId: string): string {
    return this.state.similarity.nodes.get(itemId)?.id ?? itemId;
  }

  indexOf(itemId: string): number {
    return this.state.similarity.nodes.get(itemId)?.index ?? -1;
  }

  priceOf(itemId: string): number {
    return this.state.prices.get(itemId) ?? 0;
  }

  itemFacts(itemId: string, _index: number, out: ItemFacts): ItemFacts {
    // trending and prices are kept by id here: one lookup each (trend and popularity share theirs)
    const counts = this.state.trending.counts.get(itemId);
    out.trend = counts?.[0] ?? 0;
    out.popularity = counts?.[1] ?? 0;
    out.price = this.state.prices.get(itemId) ?? 0;
    return out;
  }

  topTrending(): readonly string[] {
    return this.state.trending.topItems();
  }
}
