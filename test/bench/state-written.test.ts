import { describe, expect, it } from 'vitest';
import { scrapedEngine } from '../../src/bench/bench-engine.js';
import { startBenchApp } from '../../src/bench/engine-app.js';
import { untilStateWritten } from '../../src/bench/state-written.js';

describe('waiting for an engine in another process to write its state', () => {
  it('returns once the engine has written what its events changed, read through its /metrics', async () => {
    const app = await startBenchApp({ AUTH_SECRET: 'state-written-secret', STATE_COMMIT_MS: '300' });
    try {
      const now = Date.now();
      const events = Array.from({ length: 60 }, (_, i) => ({
        eventId: `sw-${i}-${now}`,
        userId: `sw-user-${i % 6}`,
        timestamp: now - 60_000 + i * 1_000,
        type: 'view',
        itemId: `sw-item-${i % 9}`,
      }));
      const res = await fetch(`${app.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(events),
      });
      expect(res.status).toBe(202);
      const engine = scrapedEngine(app.url, null);
      await untilStateWritten([engine], { STATE_COMMIT_MS: '300' });
      // written, and nothing left to write: what the embedded run asks its engine directly
      expect(await app.engine.stateWritten()).toBe(true);
      const { stateBytesWritten } = await engine.progress();
      expect(stateBytesWritten).toBeGreaterThan(0);
      const { values } = await app.engine.metrics.stateCommitBytesTotal.get();
      expect(stateBytesWritten).toBe(values.reduce((sum, v) => sum + v.value, 0));
    } finally {
      await app.stop();
    }
  });
});
