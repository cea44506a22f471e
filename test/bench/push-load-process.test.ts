import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { fullCollectionsBetween, scrapedEngine } from '../../src/bench/bench-engine.js';
import { inProcessEngine, startBenchApp } from '../../src/bench/engine-app.js';
import { runPushLoadInChild } from '../../src/bench/push-load-process.js';
import { until } from '../../src/bench/stats.js';

const cpuMs = ({ user, system }: NodeJS.CpuUsage): number => (user + system) / 1000;

const options = { clients: 5, rate: 50, seconds: 1, via: 'POST /v1/events', runId: 'child' };

describe('a push load in a process of its own', () => {
  it('subscribes its clients to the engine, posts to its collector and reports every user delivered, with progress on the way', async () => {
    const app = await startBenchApp({ AUTH_SECRET: 'push-load-child-secret' });
    try {
      const lines: string[] = [];
      const result = await runPushLoadInChild({ engines: [{ url: app.url, authSecret: 'push-load-child-secret' }], options }, (line) =>
        lines.push(line),
      );
      expect(result.events).toBe(50);
      expect(result.expected).toBe(5);
      expect(result.delivered).toBe(5);
      expect(result.p99Ms).toBeGreaterThan(0);
      // the engine (this process, scraped) did work while the clients were served: some CPU, and at most the machine's
      expect(result.engineCores).toBeGreaterThan(0);
      expect(result.engineCores).toBeLessThanOrEqual(availableParallelism() + 0.5);
      expect(lines.join('\n')).toContain('5 clients subscribed');
      const { values } = await app.engine.metrics.eventsTotal.get();
      expect(values.reduce((sum, v) => sum + v.value, 0)).toBeGreaterThanOrEqual(50);
    } finally {
      await app.stop();
    }
  });

  it('rejects with the load process’s failure when the engine cannot be reached', async () => {
    await expect(runPushLoadInChild({ engines: [{ url: 'http://127.0.0.1:9', authSecret: null }], options })).rejects.toMatchObject({
      code: 'RS_BENCH_LOAD_FAILED',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });
});

describe("an engine's snapshot through its /metrics", () => {
  it('counts the full collections of its process, read from its metrics or scraped, and a forced one adds to both', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const app = await startBenchApp();
    try {
      const scraped = scrapedEngine(app.url, null);
      const inProcess = inProcessEngine(app);
      const before = [await scraped.pushSnapshot(), await inProcess.pushSnapshot()];
      gc();
      // the collection reaches the metric through a performance observer, a turn or more later on a busy machine
      let after = before;
      await until(
        async () => {
          after = [await scraped.pushSnapshot(), await inProcess.pushSnapshot()];
          return after.every((a, i) => (a.fullCollections ?? 0) > (before[i]!.fullCollections ?? 0));
        },
        'the forced collection in both snapshots',
        5_000,
        50,
      );
      for (let i = 0; i < 2; i++) {
        expect(before[i]!.fullCollections).not.toBeNull();
        expect((after[i]!.fullCollections ?? 0) - (before[i]!.fullCollections ?? 0)).toBeGreaterThanOrEqual(1);
      }
      expect(fullCollectionsBetween(before, after)).toBeGreaterThanOrEqual(2);
      expect(fullCollectionsBetween(before, [after[0]!, { ...after[1]!, fullCollections: null }])).toBeNull();
    } finally {
      await app.stop();
    }
  });

  it('reads the push histogram and the CPU its process has used, which grows with work', async () => {
    const app = await startBenchApp({ AUTH_SECRET: 'push-load-scrape-secret' });
    try {
      const engine = scrapedEngine(app.url, null);
      const first = await engine.pushSnapshot();
      // 200 ms of this process's CPU, however busy the machine is
      const cpu0 = process.cpuUsage();
      while (cpuMs(process.cpuUsage(cpu0)) < 200) Math.sqrt(Math.random());
      const second = await engine.pushSnapshot();
      expect(first.buckets.get(Infinity)).toBeDefined();
      expect(first.cpuSeconds).toBeGreaterThan(0);
      expect((second.cpuSeconds ?? 0) - (first.cpuSeconds ?? 0)).toBeGreaterThanOrEqual(0.15);
      expect(second.at).toBeGreaterThan(first.at);
    } finally {
      await app.stop();
    }
  });
});
