import { describe, expect, it } from 'vitest';
import { FrameSegment } from '../../src/log/frame-segment.js';
import { MemoryBytes } from '../../src/log/memory-bytes.js';
import { encodeFrames, frameSize } from '../../src/log/segment-frames.js';
import type { LogRecord } from '../../src/log/types.js';
import { lcg } from '../model/helpers.js';
import { embeddedLogs, readAll } from './embedded-log-helpers.js';

/** `n` bytes that differ from one append to the next. */
function bytes(n: number, rnd: () => number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

const tp = { topic: 't', partition: 0 };

/** Records of random sizes, some larger than a chunk of frames (64 KiB), some without key or value. */
function records(count: number, rnd: () => number): LogRecord[] {
  return Array.from(
    { length: count },
    (_, i): LogRecord => ({
      ...tp,
      offset: String(i),
      key: i % 9 === 4 ? null : Buffer.from(`key-${i}`),
      value: i % 13 === 6 ? null : bytes(i % 50 === 7 ? 70_000 + Math.floor(rnd() * 200_000) : Math.floor(rnd() * 3_000), rnd),
      headers: i % 5 === 0 ? { source: `s${i}` } : {},
      timestamp: 1_000 + i,
    }),
  );
}

const fields = (r: LogRecord) => [r.offset, r.key?.toString('hex') ?? null, r.value?.toString('hex') ?? null, r.headers, r.timestamp];

describe('MemoryBytes', () => {
  it('holds frames in chunks that a segment reads back whole, from any offset, before and after sealing', () => {
    const rnd = lcg(7);
    const originals = records(600, rnd);
    const appended = originals.map((r) => ({ ...r, key: r.key && Buffer.from(r.key), value: r.value && Buffer.from(r.value) }));
    const sizes = appended.map(frameSize);
    const segment = new FrameSegment(0, new MemoryBytes());
    for (let from = 0; from < appended.length; from += 37) {
      const to = Math.min(appended.length, from + 37);
      segment.append(appended, sizes, from, to, from);
    }
    // the appended records' keys and values are now views of the frames, the same bytes
    expect(appended.map(fields)).toEqual(originals.map(fields));
    expect(segment.size).toBe(sizes.reduce((a, b) => a + b, 0));
    const readFrom = (from: number, max = originals.length): LogRecord[] => {
      const out: LogRecord[] = [];
      segment.read(from, originals.length, max, tp, out);
      return out;
    };
    expect(readFrom(0).map(fields)).toEqual(originals.map(fields));
    for (const from of [1, 49, 50, 57, 300, 599])
      expect(readFrom(from, 20).map(fields)).toEqual(originals.slice(from, from + 20).map(fields));
    segment.bytes.seal();
    expect(readFrom(0).map(fields)).toEqual(originals.map(fields));
    segment.bytes.truncate(sizes.slice(0, 100).reduce((a, b) => a + b, 0));
    expect(segment.bytes.size).toBe(sizes.slice(0, 100).reduce((a, b) => a + b, 0));
    expect(readFrom(0).map(fields)).toEqual(originals.slice(0, 100).map(fields));
  });

  it('holds given frames as they are', () => {
    const originals = records(40, lcg(3));
    const frames = Buffer.from(encodeFrames(originals, 0, originals.length, 0, originals.map(frameSize)));
    const held = FrameSegment.holding(0, MemoryBytes.holding(frames), frames);
    const out: LogRecord[] = [];
    held.read(0, 40, 40, tp, out);
    expect(out.map(fields)).toEqual(originals.map(fields));
  });
});

describe('the embedded log without a data directory', () => {
  const { open } = embeddedLogs();

  it('reads every record back as produced when most of them are older than the decoded recent ones', async () => {
    const log = open({ partitions: 1, now: () => 5_000 });
    const rnd = lcg(11);
    // ~30,000 records of up to 900 bytes: far more than a partition keeps decoded (1,024 records in memory)
    const produced = Array.from({ length: 30_000 }, (_, i) => ({
      topic: 't',
      key: i % 7 === 0 ? null : `key-${i}`,
      value: i % 11 === 0 ? null : bytes(Math.floor(rnd() * 900), rnd),
      headers: i % 5 === 0 ? { source: `s${i}` } : undefined,
    }));
    for (let i = 0; i < produced.length; i += 1_000) await log.produce(produced.slice(i, i + 1_000));
    const first = (await readAll(log, { topic: 't', partition: 0 })).slice(0, 3);
    await log.produce([{ topic: 't', key: 'after', value: Buffer.from('after') }]);
    const records = await readAll(log, { topic: 't', partition: 0 });
    expect(records).toHaveLength(produced.length + 1);
    for (const [i, r] of produced.entries()) {
      const got = records[i];
      expect(got.offset).toBe(String(i));
      expect(got.key?.toString() ?? null).toBe(r.key);
      expect(got.value === null ? null : got.value.equals(r.value as Buffer)).toBe(r.value === null ? null : true);
      expect(got.headers).toEqual(r.headers ?? {});
      expect(got.timestamp).toBe(5_000);
    }
    // records handed out are their own copies: later appends leave them as they were
    expect(first.map((r) => r.key?.toString() ?? null)).toEqual([null, 'key-1', 'key-2']);
    expect(first[1].value?.equals(produced[1].value as Buffer)).toBe(true);
  });
});
