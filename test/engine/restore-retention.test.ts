import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../../src/log/memory.js';
import { postEvents, startTestApp, tempDir, waitFor } from '../helpers/app.js';

function clicks(from: number, to: number, base: number) {
  return Array.from({ length: to - from }, (_, j) => {
    const i = from + j;
    return { eventId: `ev-${i}`, userId: `user-${i % 23}`, timestamp: base + i * 1000, type: 'view', itemId: `sku-${(i * 7) % 41}` };
  });
}

/** 4 KiB per partition: retention deletes most of what the first run wrote. */
const smallLog = (dataDir: string): MemoryLog => new MemoryLog({ partitions: 4, dataDir, retention: { bytes: 4096, ms: null } });

describe('restart after retention deleted the start of the input partitions', () => {
  it('restores the identical state from the state stores, not from the input, then goes on consuming', async () => {
    const base = Date.now() - 3_600_000;
    const dir = tempDir();
    const first = await startTestApp({ DATA_DIR: dir }, { log: smallLog(dir) });
    for (let at = 0; at < 300; at += 20) {
      await postEvents(first, clicks(at, at + 20, base));
      await waitFor(
        () => first.engine.digest(),
        (d) => d.eventsApplied === at + 20,
      );
    }
    await waitFor(
      () => first.engine.settled(),
      (settled) => settled,
    );
    const before = first.engine.digest();
    await first.stop();

    const log = smallLog(dir);
    let retained = 0;
    const lows: number[] = [];
    for (let partition = 0; partition < 4; partition++) {
      const tp = { topic: 'clickstream', partition };
      const { low, high } = await log.offsets(tp);
      lows.push(Number(low));
      await log.readRange(tp, '0', high, (records) => {
        retained += records.length;
      });
    }
    expect(Math.max(...lows)).toBeGreaterThan(0);
    expect(retained).toBeLessThan(300);

    const second = await startTestApp({ DATA_DIR: dir }, { log });
    await waitFor(
      () => second.engine.readiness(),
      (r) => r.ready,
    );
    await waitFor(
      () => second.engine.settled(),
      (settled) => settled,
    );
    // every event of the first run, though retention took most of their records
    expect(second.engine.digest()).toEqual(before);
    expect(before.eventsApplied).toBe(300);
    expect((await postEvents(second, clicks(300, 350, base))).body.accepted).toBe(50);
    await waitFor(
      () => second.engine.digest(),
      (d) => d.eventsApplied === 350,
    );
    await second.stop();
  });
});
