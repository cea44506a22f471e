import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { PartitionLog } from '../../src/log/partition-log.js';
import { partitionPolicy } from '../../src/log/retention.js';
import { FileSegments, MemorySegments } from '../../src/log/segment-storage.js';
import type { LogRecord } from '../../src/log/types.js';
import { embeddedLogs, readAll } from './embedded-log-helpers.js';

const tp = { topic: 'c', partition: 0 };
const KEYS = 20;

/** A round of one record per key, values "k<j>@<round>". */
function round(n: number): LogRecord[] {
  return Array.from({ length: KEYS }, (_, j) => ({
    ...tp,
    offset: '',
    key: Buffer.from(`k${j}`),
    value: Buffer.from(`k${j}@${n}`),
    headers: {},
    timestamp: 1_000_000 + n,
  }));
}

/** Every record from the partition's low to its high, and the newest value per key among them. */
function readBack(log: PartitionLog): { records: LogRecord[]; newest: Map<string, string> } {
  const records: LogRecord[] = [];
  let at = log.low;
  while (at < log.high) {
    const { records: got, next } = log.read(at, log.high, 1000);
    records.push(...got);
    at = next;
  }
  const newest = new Map<string, string>();
  for (const r of records) newest.set(String(r.key), String(r.value));
  return { records, newest };
}

const truth = (rounds: number): Map<string, string> => new Map(Array.from({ length: KEYS }, (_, j) => [`k${j}`, `k${j}@${rounds - 1}`]));

describe.each([
  ['in memory', false],
  ['under a data directory', true],
])('compaction in steps, %s', (_mode, persisted) => {
  const { open, tempDir } = embeddedLogs();

  it('keeps every key readable at its newest value while appends and reads come between the steps of a pass', () => {
    const storage = persisted ? new FileSegments(tempDir()) : new MemorySegments();
    const log = new PartitionLog(tp, storage, partitionPolicy({ bytes: 16_384, ms: null }), true);
    let rounds = 0;
    for (; rounds < 60; rounds++) log.append(round(rounds));
    const before = readBack(log).records.length;
    let steps = 0;
    let passes = 0;
    // one step per call: `until` lets one step through, then says stop
    const oneStep = (): (() => boolean) => {
      let taken = false;
      return () => {
        const stop = taken;
        taken = true;
        return stop;
      };
    };
    let more = log.compactInSteps(2_000_000, oneStep());
    while (more || rounds < 120) {
      steps++;
      if (steps % 3 === 0 && rounds < 120) log.append(round(rounds++));
      const { records, newest } = readBack(log);
      expect(newest).toEqual(truth(rounds));
      const offsets = records.map((r) => Number(r.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      if (!more) passes++;
      more = log.compactInSteps(2_000_000, oneStep());
    }
    expect(steps).toBeGreaterThan(20);
    expect(passes).toBeGreaterThan(0);
    // the passes shrank what is held: 120 rounds appended, fewer than the 60 before the first pass are read back
    expect(readBack(log).records.length).toBeLessThan(before);
    log.close();
  });

  it('compacts after produce on later turns of the event loop, not inside the produce', async () => {
    const log = open({ partitions: 1, dataDir: persisted ? tempDir() : undefined, retention: { bytes: 16_384, ms: null } });
    await log.ensureTopics([{ topic: 'c', partitions: 1, compacted: true }]);
    for (let n = 0; n < 60; n++) {
      await log.produce(Array.from({ length: KEYS }, (_, j) => ({ topic: 'c', key: `k${j}`, value: Buffer.from(`k${j}@${n}`) })));
    }
    // no turn of the event loop since the produce: nothing compacted yet
    expect(await readAll(log, tp)).toHaveLength(60 * KEYS);
    for (let turn = 0; turn < 50; turn++) await nextTurn();
    const after = await readAll(log, tp);
    expect(after.length).toBeLessThan((60 * KEYS) / 4);
    const newest = new Map(after.map((r) => [String(r.key), String(r.value)]));
    expect(newest).toEqual(truth(60));
  });
});
