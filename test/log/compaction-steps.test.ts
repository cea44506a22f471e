import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { MemoryLog } from '../../src/log/memory.js';
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
      // a round (~800 bytes) every 8 steps: a step reads a quarter of a segment (512 bytes here)
      if (steps % 8 === 0 && rounds < 120) log.append(round(rounds++));
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

  it('reads at most a quarter of a segment a step: a pass over n sealed segments takes at least 8n steps', () => {
    const storage = persisted ? new FileSegments(tempDir()) : new MemorySegments();
    const policy = partitionPolicy({ bytes: 16_384, ms: null });
    const log = new PartitionLog(tp, storage, policy, true);
    let rounds = 0;
    for (; rounds < 60; rounds++) log.append(round(rounds));
    const sizeBefore = log.size;
    // segments are full but for less than a frame: at least this many are sealed
    const sealed = Math.floor(sizeBefore / policy.segmentBytes) - 1;
    expect(sealed).toBeGreaterThan(10);
    let steps = 0;
    let more = true;
    for (let calls = 0; more; calls++) {
      // one step per call, as in the test above
      let taken = false;
      more = log.compactInSteps(2_000_000, () => {
        const stop = taken;
        taken = true;
        if (!stop) steps++;
        return stop;
      });
      expect(calls).toBeLessThan(10_000);
    }
    // each sealed segment is read twice (newest keys, then what it keeps), four steps a read at least
    expect(steps).toBeGreaterThanOrEqual(8 * sealed);
    expect(readBack(log).newest).toEqual(truth(rounds));
    expect(log.size).toBeLessThan(sizeBefore);
    log.close();
  });

  /** Produce `n` of a stream over 400 keys, 20 records a produce: many more keys than a segment holds. */
  const WIDE = 400;
  const wideProduce = (log: MemoryLog, n: number): Promise<void> =>
    log.produce(
      Array.from({ length: 20 }, (_, j) => ({ topic: 'c', key: `w${(n * 20 + j) % WIDE}`, value: Buffer.from(`@${n * 20 + j}`) })),
    );
  const wideTruth = (produces: number): Map<string, string> => {
    const out = new Map<string, string>();
    for (let i = Math.max(0, produces * 20 - WIDE); i < produces * 20; i++) out.set(`w${i % WIDE}`, `@${i}`);
    return out;
  };
  const newestOf = (records: LogRecord[]): Map<string, string> => new Map(records.map((r) => [String(r.key), String(r.value)]));

  it('compacts after produce on later turns of the event loop, not inside the produce, when it keeps up', async () => {
    const log = open({ partitions: 1, dataDir: persisted ? tempDir() : undefined, retention: { bytes: 16_384, ms: null } });
    await log.ensureTopics([{ topic: 'c', partitions: 1, compacted: true }]);
    let compactedBetween = 0;
    for (let n = 0; n < 300; n++) {
      const before = (await readAll(log, tp)).length;
      await wideProduce(log, n);
      // nothing compacted inside the produce: exactly its records more
      const after = (await readAll(log, tp)).length;
      expect(after).toBe(before + 20);
      await nextTurn();
      if ((await readAll(log, tp)).length < after) compactedBetween++;
    }
    expect(compactedBetween).toBeGreaterThan(2);
    const all = await readAll(log, tp);
    expect(all.length).toBeLessThan(300 * 20 * 0.4);
    expect(newestOf(all)).toEqual(wideTruth(300));
  });

  it('compacts inside the produce when appends outrun the steps, so the partition stays bounded', async () => {
    const log = open({ partitions: 1, dataDir: persisted ? tempDir() : undefined, retention: { bytes: 16_384, ms: null } });
    await log.ensureTopics([{ topic: 'c', partitions: 1, compacted: true }]);
    // no turn of the event loop between produces: the steps never run
    for (let n = 0; n < 300; n++) await wideProduce(log, n);
    const all = await readAll(log, tp);
    expect(all.length).toBeLessThan(300 * 20 * 0.4);
    expect(newestOf(all)).toEqual(wideTruth(300));
  });
});

describe('compaction under a data directory writes a rewritten segment in steps', () => {
  const { tempDir } = embeddedLogs();
  const policy = partitionPolicy({ bytes: 16_384, ms: null });
  const QUARTER = policy.segmentBytes / 4;
  /** Keys of the stream: more than a segment holds, so sealed segments keep some newest records. */
  const WIDE = 400;
  const PRODUCES = 60;

  /** A partition of 60 appends of 20 records each over WIDE keys in `dir`, and the newest value of each key. */
  function filled(dir: string): { log: PartitionLog; newest: Map<string, string> } {
    const log = new PartitionLog(tp, new FileSegments(dir), policy, true);
    const newest = new Map<string, string>();
    for (let n = 0; n < PRODUCES; n++) {
      const records = Array.from({ length: 20 }, (_, j) => {
        const i = n * 20 + j;
        newest.set(`w${i % WIDE}`, `@${i}`);
        return { ...tp, offset: '', key: Buffer.from(`w${i % WIDE}`), value: Buffer.from(`@${i}`), headers: {}, timestamp: 1_000_000 + n };
      });
      log.append(records);
    }
    return { log, newest };
  }

  /** Sizes of the staged rewrites (`<base>.log.cleaned`) in `dir`, by name. */
  const staged = (dir: string): Map<string, number> =>
    new Map(
      readdirSync(dir)
        .filter((f) => f.endsWith('.cleaned'))
        .map((f) => [f, statSync(join(dir, f)).size]),
    );

  /** Takes one step of the pass; true while it has steps left. */
  const step = (log: PartitionLog): boolean => {
    let taken = false;
    return log.compactInSteps(2_000_000, () => {
      const stop = taken;
      taken = true;
      return stop;
    });
  };

  it('grows the staged file by at most a quarter of a segment a step, and installs it whole', () => {
    const dir = tempDir();
    const { log, newest } = filled(dir);
    const sizeBefore = log.size;
    const seen = new Map<string, number>();
    let stepsWithStaging = 0;
    for (let more = true, calls = 0; more; calls++) {
      more = step(log);
      const now = staged(dir);
      if (now.size > 0) stepsWithStaging++;
      for (const [file, size] of now) {
        expect(size - (seen.get(file) ?? 0)).toBeLessThanOrEqual(QUARTER);
        seen.set(file, size);
      }
      expect(calls).toBeLessThan(10_000);
    }
    // seen part-written between steps (a rewrite written at once is never seen staged): more than a
    // quarter of a segment, so over several steps
    expect(Math.max(...seen.values())).toBeGreaterThan(QUARTER);
    expect(stepsWithStaging).toBeGreaterThanOrEqual(2);
    expect(staged(dir).size).toBe(0);
    expect(log.size).toBeLessThan(sizeBefore);
    expect(readBack(log).newest).toEqual(newest);
    log.close();
    // what was installed is what a restart reads
    const reopened = new PartitionLog(tp, new FileSegments(dir), policy, true);
    expect(readBack(reopened).newest).toEqual(newest);
    reopened.close();
  });

  it('gives up a staged rewrite whose segments the partition lets go of meanwhile', () => {
    const dir = tempDir();
    const { log, newest } = filled(dir);
    let calls = 0;
    for (; staged(dir).size === 0; calls++) {
      expect(step(log)).toBe(true);
      expect(calls).toBeLessThan(10_000);
    }
    // every sealed segment goes: the group being written among them
    const low = log.deleteBefore(log.high);
    for (let more = true; more; calls++) {
      more = step(log);
      expect(calls).toBeLessThan(10_000);
    }
    expect(staged(dir).size).toBe(0);
    const { records } = readBack(log);
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      expect(Number(r.offset)).toBeGreaterThanOrEqual(low);
      expect(newest.get(String(r.key))).toBe(String(r.value));
    }
    log.close();
  });

  it('gives up a staged rewrite when the partition is closed in the middle of it', () => {
    const dir = tempDir();
    const { log, newest } = filled(dir);
    for (let calls = 0; staged(dir).size === 0; calls++) {
      expect(step(log)).toBe(true);
      expect(calls).toBeLessThan(10_000);
    }
    log.close();
    expect(staged(dir).size).toBe(0);
    const reopened = new PartitionLog(tp, new FileSegments(dir), policy, true);
    expect(readBack(reopened).newest).toEqual(newest);
    reopened.close();
  });
});
