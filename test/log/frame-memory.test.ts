import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FrameMemory, frameMemory } from '../../src/log/frame-memory.js';
import { MemoryLog } from '../../src/log/memory.js';
import { embeddedLogs, readAll } from './embedded-log-helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const shared = (chunk: Buffer): boolean => chunk.buffer instanceof SharedArrayBuffer;

/** Collects until `done()` (the registry's callbacks run on later turns), at most 50 times. */
async function collectUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !done(); i++) {
    gc();
    await sleep(10);
  }
}

describe('the memory of an in-memory log’s frames', () => {
  const { open } = embeddedLogs();

  it('is not counted as V8’s external memory, and is counted in arrayBuffers', async () => {
    const log = open({ partitions: 1, retention: { bytes: null, ms: null } });
    await log.ensureTopics([{ topic: 't', partitions: 1 }]);
    const before = process.memoryUsage();
    const heldBefore = frameMemory.held;
    const value = Buffer.alloc(10_000, 7);
    for (let n = 0; n < 40; n++) await log.produce(Array.from({ length: 50 }, (_, j) => ({ topic: 't', key: `k${n}-${j}`, value })));
    const after = process.memoryUsage();
    // 20 MB of frames held; what V8 counts towards a full collection hardly moved
    expect(after.arrayBuffers - before.arrayBuffers).toBeGreaterThan(20_000_000);
    expect(after.external - before.external).toBeLessThan(5_000_000);
    expect(frameMemory.held - heldBefore).toBeGreaterThan(20_000_000);
    const records = await readAll(log, { topic: 't', partition: 0 });
    expect(records).toHaveLength(2_000);
    expect(records.every((r) => r.value?.equals(value))).toBe(true);
  });

  it('gives back what the log lets go of', async () => {
    // segments of 2 MiB (an eighth of the retention's bytes): many for the 10 MB produced
    const log = open({ partitions: 1, retention: { bytes: 16 * 1024 * 1024, ms: null } });
    await log.ensureTopics([{ topic: 'd', partitions: 1 }]);
    const heldBefore = frameMemory.held;
    const value = Buffer.alloc(10_000, 1);
    for (let n = 0; n < 20; n++) await log.produce(Array.from({ length: 50 }, (_, j) => ({ topic: 'd', key: `k${j}`, value })));
    const held = frameMemory.held - heldBefore;
    expect(held).toBeGreaterThan(10_000_000);
    await log.deleteRecordsBefore({ topic: 'd', partition: 0 }, '1000');
    // the segments wholly before offset 1,000 went: about half
    expect(frameMemory.held - heldBefore).toBeLessThan(held * 0.75);
  });

  it('gives back the segments a compaction rewrote', async () => {
    const log = open({ partitions: 1, retention: { bytes: 16 * 1024 * 1024, ms: null } });
    await log.ensureTopics([{ topic: 'k', partitions: 1, compacted: true }]);
    const heldBefore = frameMemory.held;
    const value = Buffer.alloc(10_000, 3);
    for (let n = 0; n < 20; n++) await log.produce(Array.from({ length: 50 }, (_, j) => ({ topic: 'k', key: `k${j}`, value })));
    log.enforceRetention();
    // 10 MB produced (in segments of 2 MiB); left: 50 keys of 10 KB in the sealed segments, and the
    // active segment (2 MiB at most)
    const left = frameMemory.held - heldBefore;
    expect(left).toBeLessThan(3_000_000);
    expect(left).toBeGreaterThan(500_000);
    await log.close();
    expect(frameMemory.held).toBe(heldBefore);
  });
});

describe('a closed in-memory log', () => {
  it('holds its frames no longer', async () => {
    const heldBefore = frameMemory.held;
    const log = new MemoryLog({ partitions: 2, retention: { bytes: 16 * 1024 * 1024, ms: null } });
    await log.ensureTopics([{ topic: 'c', partitions: 2, compacted: true }]);
    const value = Buffer.alloc(5_000, 2);
    for (let n = 0; n < 20; n++) await log.produce(Array.from({ length: 50 }, (_, j) => ({ topic: 'c', key: `k${n}-${j}`, value })));
    expect(frameMemory.held - heldBefore).toBeGreaterThan(5_000_000);
    await log.close();
    expect(frameMemory.held).toBe(heldBefore);
  });
});

describe('FrameMemory', () => {
  it('hands out shared chunks until its garbage passes the bound, then counted ones until it is collected', async () => {
    const memory = new FrameMemory(100_000);
    const kept = memory.take(60_000);
    memory.hold(kept);
    expect(shared(kept)).toBe(true);
    expect(memory.garbage).toBe(0);
    let dropped: Buffer | null = memory.take(60_000);
    memory.hold(dropped);
    memory.letGo(dropped);
    let unheld: Buffer | null = memory.take(60_000);
    expect(shared(unheld)).toBe(true);
    expect(memory.garbage).toBe(120_000);
    // over the bound (the larger of 100,000 and half the 60,000 held): V8 counts the next chunk
    const counted = memory.take(1_000);
    expect(shared(counted)).toBe(false);
    memory.hold(counted);
    memory.letGo(counted);
    expect(memory.garbage).toBe(120_000);
    dropped = null;
    unheld = null;
    await collectUntil(() => memory.garbage === 0);
    expect(memory.garbage).toBe(0);
    expect(shared(memory.take(1_000))).toBe(true);
    expect(kept.length).toBe(60_000);
  });

  it('lets garbage grow to half of what is held', () => {
    const memory = new FrameMemory(1_000);
    for (let i = 0; i < 10; i++) memory.hold(memory.take(10_000));
    expect(memory.garbageBound).toBe(50_000);
    memory.take(45_000);
    expect(shared(memory.take(1_000))).toBe(true);
    memory.take(5_000);
    // 51,000 of garbage now
    expect(shared(memory.take(1_000))).toBe(false);
  });
});
