import type { Contender } from '../contender.js';
import type { Interaction } from '../interactions.js';

/**
 * Most popular items so far (interaction counts), minus the user's seen items. Items are kept sorted by
 * count with the start of each equal-count block remembered, so an increment is one swap.
 */
export class PopularityBaseline implements Contender {
  readonly name = 'popularity';
  private readonly ranked: string[] = [];
  private readonly position = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  private readonly blockStart = new Map<number, number>();

  learn(interaction: Interaction): void {
    const item = interaction.itemId;
    let p = this.position.get(item);
    if (p === undefined) {
      p = this.ranked.length;
      this.ranked.push(item);
      this.position.set(item, p);
      this.counts.set(item, 0);
      if (!this.blockStart.has(0)) this.blockStart.set(0, p);
    }
    const c = this.counts.get(item) ?? 0;
    const s = this.blockStart.get(c) ?? p;
    // move the item to the front of its block, then it becomes the tail of the block above
    const other = this.ranked[s];
    this.ranked[s] = item;
    this.ranked[p] = other;
    this.position.set(item, s);
    this.position.set(other, p);
    this.counts.set(item, c + 1);
    const next = s + 1;
    if (next < this.ranked.length && this.counts.get(this.ranked[next]) === c) this.blockStart.set(c, next);
    else this.blockStart.delete(c);
    if (!this.blockStart.has(c + 1)) this.blockStart.set(c + 1, s);
  }

  recommend(_userId: string, k: number, _now: number, seen: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (const item of this.ranked) {
      if (out.length >= k) break;
      if (!seen.has(item)) out.push(item);
    }
    return out;
  }

  /** Interaction count of an item so far. */
  count(itemId: string): number {
    return this.counts.get(itemId) ?? 0;
  }
}
