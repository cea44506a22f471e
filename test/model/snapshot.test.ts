import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_CONFIG, fromSnapshot, Recommender } from '../../src/model/index.js';
import { randomStream } from './helpers.js';

describe('snapshot / restore', () => {
  it('round-trips through JSON: same answers, digest, stats and future learning', () => {
    const events = randomStream(6000, 21, 80, 120);
    const config = { historyLength: 15, maxCountersPerItem: 40, neighbors: 10, halfLifeHours: 2 };
    const original = new Recommender(config);
    for (const e of events.slice(0, 4000)) original.learnOne(e);
    const now = events[3999].timestamp;
    // some rows read (cached), some still dirty: both must survive
    for (let u = 0; u < 80; u += 3) original.recommend(`u${u}`, { limit: 10, now });

    const restored = Recommender.restore(JSON.parse(JSON.stringify(original.snapshot())));
    expect(restored.config).toEqual(original.config);
    expect(restored.digest()).toEqual(original.digest());
    expect(restored.stats()).toEqual(original.stats());
    for (let u = 0; u < 80; u++) {
      expect(restored.recommend(`u${u}`, { limit: 10, now })).toEqual(original.recommend(`u${u}`, { limit: 10, now }));
    }
    for (let i = 0; i < 120; i += 5) expect(restored.similar(`i${i}`, 10)).toEqual(original.similar(`i${i}`, 10));

    for (const e of events.slice(4000)) expect(restored.learnOne(e)).toEqual(original.learnOne(e));
    const later = events[events.length - 1].timestamp;
    expect(restored.digest()).toEqual(original.digest());
    expect(restored.stats()).toEqual(original.stats());
    for (let u = 0; u < 80; u += 2) {
      expect(restored.recommend(`u${u}`, { limit: 10, now: later })).toEqual(original.recommend(`u${u}`, { limit: 10, now: later }));
    }
    expect(restored.stats().rankerLogLoss).not.toBeNull();
  });

  it('gives a knob the snapshot predates its default', () => {
    const m = new Recommender();
    for (const e of randomStream(200, 3)) m.learnOne(e);
    const json = JSON.parse(JSON.stringify(m.snapshot()));
    delete json.config.rankerBrowseEvery;
    expect(fromSnapshot(json).config.rankerBrowseEvery).toBe(DEFAULT_MODEL_CONFIG.rankerBrowseEvery);
  });

  it('rejects what is not a snapshot', () => {
    expect(() => Recommender.restore({ hello: 1 })).toThrow(/snapshot/);
  });
});
