import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../../src/log/memory.js';
import { startTestApp } from '../helpers/app.js';

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
