import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../../src/log/memory.js';
import { postEvents, startTestApp, tempDir, waitFor } from '../helpers/app.js';
import { clickEncoder } from '../helpers/click-encoder.js';
import { ReadApi } from '../helpers/read-api.js';

/** 4 KiB per partition: what arrives while the engine is away outruns its group. */
const smallLog = (dataDir: string): MemoryLog => new MemoryLog({ partitions: 4, dataDir, retention: { bytes: 4096, ms: null } });

describe('input the log deleted before the engine read it', () => {
  it('is counted by topic in recstream_input_lost_total, and the engine goes on from what is left', async () => {
    const base = Date.now() - 3_600_000;
    const dir = tempDir();
    const first = await startTestApp({ DATA_DIR: dir }, { log: smallLog(dir) });
    const clicks = Array.from({ length: 20 }, (_, i) => ({
      eventId: `ev-${i}`,
      userId: `user-${i % 7}`,
      timestamp: base + i,
      type: 'view',
      itemId: `sku-${i % 5}`,
    }));
    await postEvents(first, clicks);
    await new ReadApi(first, '').whenApplied(20);
    // records a website writes while the engine is down, in the schema the engine registered
    const encode = await clickEncoder(first);
    const later = await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        const userId = `away-${i % 31}`;
        const event = { eventId: `away-${i}`, userId, timestamp: base + 1_000 + i, itemId: `sku-${i % 9}` };
        return { topic: 'clickstream', key: userId, value: await encode(event) };
      }),
    );
    await first.stop();

    const log = smallLog(dir);
    await log.produce(later);
    const partitions = [0, 1, 2, 3].map((partition) => ({ topic: 'clickstream', partition }));
    const committed = await log.consumer({ groupId: 'recstream', topics: ['clickstream'] }).committed(partitions);
    let deleted = 0;
    let left = 0;
    for (const [i, tp] of partitions.entries()) {
      const { low, high } = await log.offsets(tp);
      const from = Number(committed[i].offset ?? 0);
      deleted += Math.max(0, Number(low) - from);
      left += Number(high) - Math.max(Number(low), from);
    }
    expect(deleted).toBeGreaterThan(0);

    const second = await startTestApp({ DATA_DIR: dir }, { log });
    try {
      const api = new ReadApi(second, '');
      await api.whenApplied(20 + left);
      await waitFor(
        () => api.byLabel('recstream_input_lost_total', 'topic'),
        (lost) => lost.clickstream === deleted && lost.purchases === 0,
      );
      expect((await api.digest()).eventsApplied).toBe(20 + left);
    } finally {
      await second.stop();
    }
  });
});
