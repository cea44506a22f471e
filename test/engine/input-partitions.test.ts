import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../../src/log/memory.js';
import { postEvents, startTestApp, tempDir, waitFor } from '../helpers/app.js';
import { captureLog } from '../helpers/log-capture.js';

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when `port` can be listened on: nothing of a refused start holds it. */
function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('input topics of different partition counts', () => {
  it('stop startup naming both counts, and leave nothing listening', async () => {
    const log = new MemoryLog({ partitions: 4 });
    // purchases made earlier with more partitions (the embedded log grows a topic, never shrinks one);
    // clickstream gets PARTITIONS (4)
    await log.ensureTopics([{ topic: 'purchases', partitions: 8 }]);
    const port = await freePort();
    const started = startTestApp({ PORT: String(port) }, { log });
    await expect(started).rejects.toMatchObject({ code: 'RS_INPUT_PARTITIONS_MISMATCH', retriable: false });
    const message = String(await started.catch((err: Error) => err.message));
    expect(message).toContain('clickstream (4 partitions) and purchases (8)');
    expect(await listenable(port)).toBe(true);
    await expect(log.produce([{ topic: 'clickstream', key: null, value: Buffer.from('x') }])).rejects.toMatchObject({
      code: 'RS_LOG_CLOSED',
    });
  });

  it('start when both have one count', async () => {
    const log = new MemoryLog({ partitions: 4 });
    await log.ensureTopics([{ topic: 'purchases', partitions: 4 }]);
    const app = await startTestApp({}, { log });
    try {
      expect(app.engine.readiness().ready).toBe(true);
    } finally {
      await app.stop();
    }
  });
});

describe('a restart with another PARTITIONS on a data directory', () => {
  it("keeps every topic's partitions, starts, says why, and the state restores", { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const now = Date.now();
    const events = Array.from({ length: 24 }, (_, i) => ({
      type: 'view',
      userId: `u${i % 6}`,
      itemId: `i${i % 5}`,
      eventId: `e${i}`,
      timestamp: now + i,
    }));
    const first = await startTestApp({ DATA_DIR: dataDir, PARTITIONS: '4', STATE_COMMIT_MS: '200' });
    let digest: unknown;
    try {
      expect((await postEvents(first, events)).body.accepted).toBe(24);
      await waitFor(
        () => first.engine.digest(),
        (d) => d.eventsApplied === 24,
      );
      await waitFor(
        () => first.engine.settled(),
        (settled) => settled,
      );
      digest = first.engine.digest();
    } finally {
      await first.stop();
    }
    const partitionCounts = async (app: Awaited<ReturnType<typeof startTestApp>>) =>
      Promise.all(
        ['clickstream', 'purchases', 'recstream.item-deltas', 'recstream.user-state', 'recstream.item-state'].map((t) =>
          app.log.partitionsFor(t),
        ),
      );
    for (const PARTITIONS of ['8', '4']) {
      const captured = captureLog('warn');
      const app = await startTestApp({ DATA_DIR: dataDir, PARTITIONS, STATE_COMMIT_MS: '200' }, { logger: captured.logger });
      try {
        await waitFor(
          () => app.engine.readiness().ready,
          (ready) => ready,
        );
        expect(await partitionCounts(app)).toEqual([4, 4, 4, 4, 4]);
        expect(app.engine.digest()).toEqual(digest);
        const warned = captured.entries().filter((e) => String(e.msg).includes('PARTITIONS='));
        expect(warned.length).toBe(PARTITIONS === '8' ? 1 : 0);
      } finally {
        await app.stop();
      }
    }
  });
});
