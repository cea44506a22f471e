import { describe, expect, it } from 'vitest';
import { startBenchApp } from '../../src/bench/engine-app.js';
import { runPushLoadInChild } from '../../src/bench/push-load-process.js';

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
