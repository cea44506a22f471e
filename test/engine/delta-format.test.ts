import { describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { generateEvents } from '../../src/eval/generate.js';
import { postEvents, startTestApp, waitFor } from '../helpers/app.js';

/** The version byte of every item-deltas record the app's log still holds. */
async function deltaVersions(app: RunningApp): Promise<number[]> {
  const versions: number[] = [];
  for (const partition of [0, 1]) {
    const tp = { topic: app.engine.config.topics.itemDeltas, partition };
    const { low, high } = await app.log.offsets(tp);
    await app.log.readRange(tp, low, high, (records) => {
      for (const r of records) if (r.value !== null) versions.push(r.value[1]);
    });
  }
  return versions;
}

async function deltaCounts(app: RunningApp): Promise<Record<string, number>> {
  const { values } = await app.engine.metrics.itemDeltasTotal.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
}

describe('ITEM_DELTAS_FORMAT (a rolling upgrade across item-delta record versions)', () => {
  it('writes version-2 records when set to 2, and the item owner applies every delta of them', async () => {
    const events = [
      ...generateEvents({ seed: 'format', users: 200, items: 100, events: 2000, start: Date.now() - 3_600_000, meanGapMs: 1000 }),
    ];
    for (const format of ['2', '3']) {
      const app = await startTestApp({ PARTITIONS: '2', ITEM_DELTAS_FORMAT: format });
      try {
        let accepted = 0;
        for (let at = 0; at < events.length; at += 500) accepted += (await postEvents(app, events.slice(at, at + 500))).body.accepted;
        await waitFor(
          () => app.engine.settled(),
          (settled) => settled,
          60_000,
        );
        expect(app.engine.digest().eventsApplied).toBe(accepted);
        const versions = await deltaVersions(app);
        expect(versions.length).toBeGreaterThan(0);
        expect(new Set(versions)).toEqual(new Set([Number(format)]));
        const counts = await deltaCounts(app);
        expect(counts.sent).toBeGreaterThan(100);
        expect(counts.applied).toBe(counts.sent);
      } finally {
        await app.stop();
      }
    }
  }, 120_000);

  it('refuses a version this one cannot write, naming the variable and the fix', () => {
    for (const value of ['1', '4', 'two']) {
      let problems: string[] = [];
      try {
        loadConfig({ ITEM_DELTAS_FORMAT: value });
      } catch (err) {
        if (err instanceof ConfigError) problems = err.problems;
      }
      expect(problems, value).toEqual([expect.stringMatching(/^ITEM_DELTAS_FORMAT=.*ITEM_DELTAS_FORMAT=2/)]);
    }
  });
});
