import { describe, expect, it } from 'vitest';
import { silentSink } from '../../src/log/log-logger.js';
import type { MemoryLog } from '../../src/log/memory.js';
import type { PartitionBatch, RecordsLost } from '../../src/log/types.js';
import { bytesUnder, embeddedLogs, offsets, readAll, segmentFiles, values } from './embedded-log-helpers.js';

const tp = { topic: 't', partition: 0 };

/** `count` records of ~50 bytes each, in batches of `batch`, values "v<offset>". */
async function fill(log: MemoryLog, from: number, count: number, batch = 10): Promise<void> {
  for (let at = from; at < from + count; at += batch) {
    const size = Math.min(batch, from + count - at);
    await log.produce(
      Array.from({ length: size }, (_, i) => ({ topic: 't', key: `k${(at + i) % 100}`, value: Buffer.from(`v${at + i}`.padEnd(12, '.')) })),
    );
  }
}

describe.each([
  ['in memory', false],
  ['under a data directory', true],
])('embedded log retention, %s', (_mode, persisted) => {
  const { open, tempDir } = embeddedLogs();
  const dataDir = (): string | undefined => (persisted ? tempDir() : undefined);

  it('deletes the oldest segments past the byte budget; low advances and a read from 0 starts there', async () => {
    const dir = dataDir();
    // 16 KiB per partition: segments of 2 KiB, about 40 records each.
    const log = open({ partitions: 1, dataDir: dir, retention: { bytes: 16_384, ms: null } });
    await fill(log, 0, 2000);

    const { low, high } = await log.offsets(tp);
    expect(high).toBe('2000');
    expect(Number(low)).toBeGreaterThan(1500);
    const kept = await readAll(log, tp);
    expect(offsets(kept)).toEqual(Array.from({ length: 2000 - Number(low) }, (_, i) => Number(low) + i));
    expect(values(kept)[0]).toBe(`v${low}`.padEnd(12, '.'));
    const fromDeleted = await readAll(log, tp, '5');
    expect(offsets(fromDeleted)[0]).toBe(Number(low));
    if (dir !== undefined) {
      expect(bytesUnder(dir, '.log')).toBeLessThanOrEqual(16_384);
      expect(segmentFiles(dir, 't', 0).length).toBeLessThanOrEqual(9);
    }
  });

  it("deletes segments whose newest record is older than the time budget, by the log's clock", async () => {
    let now = 0;
    // 80 s: segments roll every 10 s of record time.
    const log = open({ partitions: 1, dataDir: dataDir(), now: () => now, retention: { bytes: null, ms: 80_000 } });
    for (let i = 0; i < 100; i++) {
      now = i * 1000;
      await log.produce([{ topic: 't', key: null, value: Buffer.from(`v${i}`) }]);
    }
    // At 99 s the segment of 0–9 s is past 80 s; the one ending at 19 s is not yet.
    expect(await log.offsets(tp)).toEqual({ low: '10', high: '100' });
    expect(values(await readAll(log, tp)).slice(0, 2)).toEqual(['v10', 'v11']);

    now = 99_000 + 80_001;
    log.enforceRetention();
    expect(await log.offsets(tp)).toEqual({ low: '100', high: '100' });
    expect(await readAll(log, tp)).toEqual([]);
    await log.produce([{ topic: 't', key: null, value: Buffer.from('after') }]);
    const after = await readAll(log, tp);
    expect(after.map((r) => [r.offset, r.value!.toString()])).toEqual([['100', 'after']]);
  });

  it('a consumer whose committed offset retention deleted resumes at the new low, and says how many records it never read, to its log and its listener', async () => {
    const warnings: Array<{ fields: Record<string, unknown>; msg: string }> = [];
    const logger = { ...silentSink, warn: (fields: object, msg = '') => warnings.push({ fields: fields as Record<string, unknown>, msg }) };
    const log = open({ partitions: 1, dataDir: dataDir(), retention: { bytes: 16_384, ms: null }, logger });
    await fill(log, 0, 100);
    const first = log.consumer({ groupId: 'g', topics: ['t'] });
    let seen = 0;
    const caughtUp = new Promise<void>((resolve) => {
      void first.run(async (batch) => {
        seen += batch.records.length;
        if (seen === 100) resolve();
      });
    });
    await caughtUp;
    await first.stop();

    await fill(log, 100, 2000);
    const { low, high } = await log.offsets(tp);
    expect(Number(low)).toBeGreaterThan(100);

    const batches: PartitionBatch[] = [];
    const second = log.consumer({ groupId: 'g', topics: ['t'] });
    let lagAtStart: unknown;
    const lost: RecordsLost[] = [];
    let batchesBeforeLost = -1;
    const done = new Promise<void>((resolve) => {
      void second.run(
        async (batch) => {
          batches.push(batch);
          if (batch.records.at(-1)?.offset === String(Number(high) - 1)) resolve();
        },
        {
          onAssigned: async () => {
            lagAtStart = await second.lag();
          },
          onRecordsLost: (l) => {
            lost.push(l);
            batchesBeforeLost = batches.length;
          },
        },
      );
    });
    await done;
    // Records retention took are not waiting for anyone.
    expect(lagAtStart).toEqual([{ ...tp, lag: Number(high) - Number(low) }]);
    const got = batches.flatMap((b) => offsets(b.records));
    expect(got[0]).toBe(Number(low));
    expect(got).toEqual(Array.from({ length: Number(high) - Number(low) }, (_, i) => Number(low) + i));
    await second.stop();
    expect((await second.committed([tp]))[0].offset).toBe(high);
    // the group had read up to 100: what retention took from there on is said once
    expect(warnings).toHaveLength(1);
    expect(warnings[0].fields).toMatchObject({
      topic: 't',
      partition: 0,
      groupId: 'g',
      records: Number(low) - 100,
      readingFrom: Number(low),
    });
    expect(warnings[0].msg).toContain('LOG_RETENTION_BYTES');
    // and to the listener (the engine counts it in recstream_input_lost_total), before the batch it resumes with
    expect(lost).toEqual([{ ...tp, records: Number(low) - 100, resumedAt: low }]);
    expect(batchesBeforeLost).toBe(0);
  });

  it('says what retention took within ten seconds of its last warning when the member stops, with the metric-exact total', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const logger = { ...silentSink, warn: (fields: object) => warnings.push(fields as Record<string, unknown>) };
    const log = open({ partitions: 1, dataDir: dataDir(), retention: { bytes: 16_384, ms: null }, logger });
    await fill(log, 0, 100);
    const first = log.consumer({ groupId: 'g', topics: ['t'] });
    let read = 0;
    await new Promise<void>((resolve) => {
      void first.run(async (batch) => {
        read += batch.records.length;
        if (read === 100) resolve();
      });
    });
    await first.stop();
    await fill(log, 100, 2000);

    // the second member is held in its first batch while retention deletes past it again
    const lost: RecordsLost[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let batches = 0;
    let inFirst: () => void = () => undefined;
    const firstBatch = new Promise<void>((resolve) => {
      inFirst = resolve;
    });
    const second = log.consumer({ groupId: 'g', topics: ['t'] });
    void second.run(
      async () => {
        if (batches++ === 0) {
          inFirst();
          await held;
        }
      },
      { onRecordsLost: (l) => lost.push(l) },
    );
    await firstBatch;
    await fill(log, 2100, 2000);
    release();
    const { high } = await log.offsets(tp);
    await new Promise<void>((resolve) => {
      const poll = setInterval(async () => {
        if ((await second.committed([tp]))[0].offset === high) {
          clearInterval(poll);
          resolve();
        }
      }, 10);
    });
    // the second loss came within the window of the first warning: not said yet
    expect(lost).toHaveLength(2);
    expect(warnings).toHaveLength(1);
    await second.stop();
    expect(warnings).toHaveLength(2);
    expect(warnings.map((w) => w.records)).toEqual(lost.map((l) => l.records));
    expect(warnings[1].readingFrom).toBe(Number(lost[1].resumedAt));
  });

  it('says nothing of what compaction took from a compacted topic before a group read it', async () => {
    const warnings: string[] = [];
    const logger = { ...silentSink, warn: (_fields: object, msg = '') => warnings.push(msg) };
    const log = open({ partitions: 1, dataDir: dataDir(), retention: { bytes: 16_384, ms: null }, logger });
    await log.ensureTopics([{ topic: 'c', partitions: 1, compacted: true }]);
    const produce = (from: number, count: number) =>
      log.produce(
        Array.from({ length: count }, (_, i) => ({
          topic: 'c',
          key: `k${(from + i) % 5}`,
          value: Buffer.from(`v${from + i}`.padEnd(40, '.')),
        })),
      );
    await produce(0, 10);
    const first = log.consumer({ groupId: 'g', topics: ['c'] });
    const caughtUp = new Promise<void>((resolve) => {
      void first.run(async (batch) => {
        if (batch.records.at(-1)?.offset === '9') resolve();
      });
    });
    await caughtUp;
    await first.stop();
    for (let n = 10; n < 3_000; n += 10) await produce(n, 10);
    const { low, high } = await log.offsets({ topic: 'c', partition: 0 });
    expect(Number(low)).toBeGreaterThan(10);
    const second = log.consumer({ groupId: 'g', topics: ['c'] });
    const done = new Promise<void>((resolve) => {
      void second.run(async (batch) => {
        if (batch.records.at(-1)?.offset === String(Number(high) - 1)) resolve();
      });
    });
    await done;
    await second.stop();
    expect(warnings).toEqual([]);
  });
});

describe('embedded log retention across a restart', () => {
  const { open, tempDir } = embeddedLogs();

  it('keeps low, high and the records, and the next offset, after reopening the data directory', async () => {
    const dataDir = tempDir();
    const first = open({ partitions: 1, dataDir, retention: { bytes: 16_384, ms: null } });
    await fill(first, 0, 1000);
    const before = { offsets: await first.offsets(tp), records: await readAll(first, tp) };
    await first.close();

    const second = open({ partitions: 1, dataDir, retention: { bytes: 16_384, ms: null } });
    expect(await second.offsets(tp)).toEqual(before.offsets);
    expect(await readAll(second, tp)).toEqual(before.records);
    await second.produce([{ topic: 't', key: 'k', value: Buffer.from('next') }]);
    expect((await readAll(second, tp)).at(-1)?.offset).toBe('1000');
  });

  it('keeps the high watermark when time retention emptied the partition', async () => {
    const dataDir = tempDir();
    let now = 0;
    const first = open({ partitions: 1, dataDir, now: () => now, retention: { bytes: null, ms: 60_000 } });
    await fill(first, 0, 50);
    now = 120_000;
    first.enforceRetention();
    expect(await first.offsets(tp)).toEqual({ low: '50', high: '50' });
    await first.close();

    const second = open({ partitions: 1, dataDir, now: () => now, retention: { bytes: null, ms: 60_000 } });
    expect(await second.offsets(tp)).toEqual({ low: '50', high: '50' });
    await second.produce([{ topic: 't', key: null, value: Buffer.from('x') }]);
    expect(offsets(await readAll(second, tp))).toEqual([50]);
  });
});
