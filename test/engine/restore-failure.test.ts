import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../../src/log/memory.js';
import { postEvents, startTestApp, tempDir, waitFor } from '../helpers/app.js';

describe('a restore that fails', () => {
  it('leaves the process not ready, saying why, instead of serving with part of its state', async () => {
    const dir = tempDir();
    const log = (): MemoryLog => new MemoryLog({ partitions: 4, dataDir: dir });
    const first = await startTestApp({ DATA_DIR: dir }, { log: log() });
    const base = Date.now() - 60_000;
    const events = Array.from({ length: 40 }, (_, i) => ({
      eventId: `ev-${i}`,
      userId: `user-${i % 7}`,
      timestamp: base + i * 1000,
      type: 'view',
      itemId: `sku-${i % 11}`,
    }));
    await postEvents(first, events);
    await waitFor(
      () => first.engine.settled(),
      (settled) => settled,
    );
    const userState = first.engine.config.topics.userState;
    await first.stop();

    // a user-state record no reader can take: the store refuses it when restoring
    const broken = log();
    await broken.produce([{ topic: userState, partition: 0, key: 'user-0', value: Buffer.from('{not a user record') }]);
    await broken.close();

    const second = await startTestApp({ DATA_DIR: dir }, { log: log() });
    const readiness = await waitFor(
      () => second.engine.readiness(),
      (r) => !r.ready && r.reason?.startsWith('restoring state failed') === true,
    );
    expect(readiness.reason).toMatch(/holds part of its state until it is restarted/);
    await second.stop();
  });
});
