import { describe, expect, it } from 'vitest';
import { SpaceSaving } from '../../src/model/index.js';
import { lcg } from './helpers.js';

describe('Space-Saving counters', () => {
  it('stay within capacity, over-estimate with bounded error, and keep the heavy hitters', () => {
    // peers 0..4 are the heavy keys h0..h4, the rest the tail t0..t1999
    const ss = new SpaceSaving(32, (peer) => (peer < 5 ? `h${peer}` : `t${peer - 5}`));
    const truth = new Map<string, number>();
    const rnd = lcg(3);
    for (let k = 0; k < 50_000; k++) {
      // five heavy keys take 40% of the mass, the rest is a long tail of 2000 keys
      const peer = rnd() < 0.4 ? Math.floor(rnd() * 5) : 5 + Math.floor(rnd() * 2000);
      ss.addPeer(peer, 1, 1);
      const key = ss.keyAt(ss.slotOfPeer(peer));
      truth.set(key, (truth.get(key) ?? 0) + 1);
      expect(ss.size).toBeLessThanOrEqual(32);
    }
    for (let h = 0; h < 5; h++) expect(ss.get(`h${h}`)).toBeDefined();
    for (const [key, c] of ss.entries) {
      const t = truth.get(key)!;
      expect(c.count).toBeGreaterThanOrEqual(t - 1e-9);
      expect(c.count - c.err).toBeLessThanOrEqual(t + 1e-9);
    }
  });

  it('is unbounded and exact with capacity 0', () => {
    const ss = new SpaceSaving(0, (peer) => `k${peer}`);
    for (let k = 0; k < 1000; k++) ss.addPeer(k % 300, 2, 1);
    expect(ss.size).toBe(300);
    for (const c of ss.entries.values()) expect([c.count, c.err]).toEqual([2 * c.n, 0]);
  });
});
