import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { MemoryLog } from '../../src/log/memory.js';
import { bytesUnder, embeddedLogs } from './embedded-log-helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap and buffers in use after full collections: what the log holds on to. */
function retainedBytes(): number {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

const BUDGET = 1_048_576;
/** min(budget / 8, 16 MiB) */
const SEGMENT = BUDGET / 8;
const RECORDS = 1_000_000;
const BATCH = 1000;

/** Produces small records (~50 bytes as frames) while a group consumes them; resolves when it has them all. */
async function stream(log: MemoryLog, from: number, to: number, consumed: { last: number }): Promise<void> {
  const value = Buffer.from('0123456789');
  for (let at = from; at < to; at += BATCH) {
    await log.produce(Array.from({ length: BATCH }, (_, i) => ({ topic: 't', key: `user-${(at + i) % 997}`, value })));
  }
  while (consumed.last < to - 1) await new Promise((r) => setImmediate(r));
}

describe.each([
  ['in memory', false],
  ['under a data directory', true],
])('a million records through one partition, %s', (_mode, persisted) => {
  const { open, tempDir } = embeddedLogs();

  it('keep the data directory under the byte budget and the heap from growing', { timeout: 120_000 }, async () => {
    const dataDir = persisted ? tempDir() : undefined;
    const log = open({ partitions: 1, dataDir, retention: { bytes: BUDGET, ms: null } });
    const consumed = { last: -1 };
    const consumer = log.consumer({ groupId: 'g', topics: ['t'] });
    await consumer.run(async (batch) => {
      consumed.last = Number(batch.records.at(-1)!.offset);
    });

    await stream(log, 0, RECORDS / 10, consumed);
    const warm = retainedBytes();
    await stream(log, RECORDS / 10, RECORDS, consumed);
    const full = retainedBytes();

    expect(await log.offsets({ topic: 't', partition: 0 })).toMatchObject({ high: String(RECORDS) });
    if (dataDir !== undefined) expect(bytesUnder(dataDir)).toBeLessThanOrEqual(BUDGET + SEGMENT);
    // 900,000 more records held would be tens of MB; the log holds a budget's worth of frames, the
    // newest records decoded and a sparse index, all reached by the first 100,000.
    expect(full - warm).toBeLessThan(4 * 1024 * 1024);
  });
});
