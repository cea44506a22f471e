import { describe, expect, it } from 'vitest';
import type { MemoryLog } from '../../src/log/memory.js';
import type { LogRecord } from '../../src/log/types.js';
import { embeddedLogs, offsets, readAll } from './embedded-log-helpers.js';

const tp = { topic: 'c', partition: 0 };
const HOUR = 3_600_000;

/** Rounds of one record per key k0…k19, values "k<j>@<round>". */
async function rounds(log: MemoryLog, from: number, to: number): Promise<void> {
  for (let round = from; round < to; round++) {
    await log.produce(Array.from({ length: 20 }, (_, j) => ({ topic: 'c', key: `k${j}`, value: Buffer.from(`k${j}@${round}`) })));
  }
}

/** The newest value per key in the order read. */
function newestPerKey(records: LogRecord[]): Map<string, string | null> {
  const newest = new Map<string, string | null>();
  for (const r of records) newest.set(r.key!.toString(), r.value === null ? null : r.value.toString());
  return newest;
}

describe.each([
  ['in memory', false],
  ['under a data directory', true],
])('embedded log compaction, %s', (_mode, persisted) => {
  const { open, tempDir } = embeddedLogs();
  const dataDir = (): string | undefined => (persisted ? tempDir() : undefined);

  it('keeps the newest record per key at its offset, never deletes by retention, and readers skip the gaps', async () => {
    let now = 1_000_000;
    // A budget far below what the topic holds: a compacted topic is compacted, not truncated.
    const log = open({ partitions: 1, dataDir: dataDir(), now: () => now, retention: { bytes: 16_384, ms: 60_000 } });
    await log.ensureTopics([{ topic: 'c', partitions: 1, compacted: true }]);
    await log.produce([{ topic: 'c', key: 'written-once', value: Buffer.from('first') }]);
    await rounds(log, 0, 60);
    now += 10 * 60_000;
    await rounds(log, 60, 100);
    log.enforceRetention();

    const { low, high } = await log.offsets(tp);
    expect({ low, high }).toEqual({ low: '0', high: '2001' });
    const all = await readAll(log, tp);
    // Offsets ascend with gaps; each key's newest record is where it was written.
    expect(offsets(all)).toEqual([...offsets(all)].sort((a, b) => a - b));
    expect(all[0]).toMatchObject({ offset: '0', key: Buffer.from('written-once'), value: Buffer.from('first') });
    const newest = newestPerKey(all);
    expect(newest.size).toBe(21);
    for (let j = 0; j < 20; j++) {
      expect(newest.get(`k${j}`)).toBe(`k${j}@99`);
      expect(all.find((r) => r.value?.toString() === `k${j}@99`)?.offset).toBe(String(1 + 99 * 20 + j));
    }
    // Superseded records are gone from the sealed segments: what is left is one per key plus the
    // active segment (2 KiB, at most ~70 records of these).
    expect(all.length).toBeLessThan(21 + 70);
    expect(all.length).toBeLessThan(2001 / 10);

    // A group reading from the start gets the same records, the gaps skipped.
    const seen: LogRecord[] = [];
    const consumer = log.consumer({ groupId: 'g', topics: ['c'] });
    await new Promise<void>((resolve) => {
      void consumer.run(async (batch) => {
        seen.push(...batch.records);
        if (batch.records.at(-1)?.offset === '2000') resolve();
      });
    });
    expect(offsets(seen)).toEqual(offsets(all));
  });

  it('drops a tombstone and the records it deletes once the tombstone retention has passed', async () => {
    let now = 1_000_000;
    const log = open({ partitions: 1, dataDir: dataDir(), now: () => now, retention: { bytes: 16_384, ms: null } });
    await log.ensureTopics([{ topic: 'c', partitions: 1, compacted: true }]);
    await log.produce([{ topic: 'c', key: 'gone', value: Buffer.from('alive') }]);
    await log.produce([{ topic: 'c', key: 'kept', value: Buffer.from('here') }]);
    await log.produce([{ topic: 'c', key: 'gone', value: null }]);
    // Enough records after them to seal their segment.
    await rounds(log, 0, 30);

    now += HOUR;
    log.enforceRetention();
    const early = newestPerKey(await readAll(log, tp));
    // Within the tombstone retention followers still see the deletion.
    expect(early.get('gone')).toBeNull();
    expect((await readAll(log, tp)).filter((r) => r.key?.toString() === 'gone')).toHaveLength(1);

    now += 24 * HOUR;
    log.enforceRetention();
    const late = await readAll(log, tp);
    expect(late.filter((r) => r.key?.toString() === 'gone')).toEqual([]);
    expect(newestPerKey(late).get('kept')).toBe('here');
    expect(await log.offsets(tp)).toMatchObject({ high: String(3 + 30 * 20) });
  });
});

describe('embedded log compaction across a restart', () => {
  const { open, tempDir } = embeddedLogs();

  it('a compacted topic stays compacted and keeps its records and offsets', async () => {
    const dataDir = tempDir();
    const first = open({ partitions: 1, dataDir, retention: { bytes: 16_384, ms: null } });
    await first.ensureTopics([{ topic: 'c', partitions: 1, compacted: true }]);
    await rounds(first, 0, 100);
    first.enforceRetention();
    const before = { offsets: await first.offsets(tp), records: await readAll(first, tp) };
    await first.close();

    // Reopened without ensureTopics: the data directory remembers the topic is compacted.
    const second = open({ partitions: 1, dataDir, retention: { bytes: 16_384, ms: null } });
    expect(await second.offsets(tp)).toEqual(before.offsets);
    expect(await readAll(second, tp)).toEqual(before.records);
    await rounds(second, 100, 200);
    second.enforceRetention();
    const after = await readAll(second, tp);
    expect(after.length).toBeLessThan(21 + 70);
    // Sealed segments that compaction emptied are gone, so low may move up; never past a kept record.
    const { low, high } = await second.offsets(tp);
    expect(high).toBe('4000');
    expect(Number(after[0].offset)).toBeGreaterThanOrEqual(Number(low));
    for (let j = 0; j < 20; j++) expect(newestPerKey(after).get(`k${j}`)).toBe(`k${j}@199`);
  });
});
