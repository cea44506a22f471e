import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { MemoryLog } from '../../src/log/memory.js';
import { bytesUnder, embeddedLogs, readAll } from './embedded-log-helpers.js';

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

describe('the newest records a partition keeps decoded', () => {
  const { open, tempDir } = embeddedLogs();

  it('hold their own bytes, not the shared pool slabs their producer allocated them in', async () => {
    const log = open({ partitions: 1, dataDir: tempDir(), retention: { bytes: null, ms: null } });
    const before = retainedBytes();
    const kept: Buffer[] = [];
    // Small buffers come from Node's 8 KiB pool; what else the producer allocates fills the rest of
    // each slab (here a 4,000-byte buffer it drops). 8,192 records: as many as a partition keeps.
    for (let i = 0; i < 8192; i++) {
      kept.length = 0;
      kept.push(Buffer.from('x'.repeat(4000)));
      await log.produce([{ topic: 't', key: `user-${i}`, value: Buffer.from(`view ${i}`) }]);
    }
    const held = retainedBytes() - before;
    const records = await readAll(log, { topic: 't', partition: 0 });
    expect(records).toHaveLength(8192);
    expect(records[8191].value?.toString()).toBe('view 8191');
    // 8,192 slabs would be 64 MiB; the records themselves, objects included, well under 8 MiB.
    expect(held).toBeLessThan(8 * 1024 * 1024);
  });

  it('hold no more than their bound of large records: the records they let go of are let go of at once', async () => {
    const log = open({ partitions: 1, dataDir: tempDir(), retention: { bytes: null, ms: null } });
    const before = retainedBytes();
    // as a batch's item deltas for one partition: a record of ~100 KB a produce, carrying its decoded value
    for (let i = 0; i < 1100; i++) {
      await log.produce([{ topic: 't', key: `items-${i}`, value: Buffer.alloc(100_000, i), decoded: { batch: i } }]);
    }
    const held = retainedBytes() - before;
    const newest = await readAll(log, { topic: 't', partition: 0 }, '1099');
    expect(newest[0].value?.[0]).toBe(1099 % 256);
    // a partition keeps 8 MiB of recent records (and of decoded values, the same records): ~84 of
    // these. Slots of dropped records that still referred to them held up to 1,024 more, ~100 MB.
    expect(held).toBeLessThan(20 * 1024 * 1024);
  });
});
