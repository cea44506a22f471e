import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Headers } from '../../src/log/types.js';
import { embeddedLogs, offsets, readAll } from './embedded-log-helpers.js';

interface OldRecord {
  key: string | null;
  value: string | null;
  headers: Headers;
  timestamp: number;
}

/**
 * A partition file as the embedded log wrote them before segments: frames without offsets,
 * u32 body length | f64 timestamp | i32 key length | key | i32 value length | value | u32 headers length | headers JSON.
 */
function oldPartitionFile(records: OldRecord[]): Buffer {
  return Buffer.concat(
    records.map((r) => {
      const key = r.key === null ? null : Buffer.from(r.key);
      const value = r.value === null ? null : Buffer.from(r.value);
      const headers = Object.keys(r.headers).length > 0 ? Buffer.from(JSON.stringify(r.headers)) : Buffer.alloc(0);
      const body = 8 + 4 + (key?.length ?? 0) + 4 + (value?.length ?? 0) + 4 + headers.length;
      const buf = Buffer.alloc(4 + body);
      let at = buf.writeUInt32BE(body, 0);
      at = buf.writeDoubleBE(r.timestamp, at);
      at = buf.writeInt32BE(key ? key.length : -1, at);
      if (key) at += key.copy(buf, at);
      at = buf.writeInt32BE(value ? value.length : -1, at);
      if (value) at += value.copy(buf, at);
      at = buf.writeUInt32BE(headers.length, at);
      headers.copy(buf, at);
      return buf;
    }),
  );
}

const records = Array.from(
  { length: 300 },
  (_, i): OldRecord => ({
    key: i === 7 ? null : `user-${i % 13}`,
    value: i === 9 ? null : `event-${i}`.repeat(4),
    headers: i % 3 === 0 ? { n: String(i) } : {},
    timestamp: 1_700_000_000_000 + i,
  }),
);

/** A data directory as the single-file format left it: topic "t" with two partitions, a group committed at 120. */
function oldDataDir(dataDir: string): void {
  mkdirSync(join(dataDir, 'topics', 't'), { recursive: true });
  mkdirSync(join(dataDir, 'groups'), { recursive: true });
  writeFileSync(join(dataDir, 'topics.json'), JSON.stringify({ t: 2 }));
  writeFileSync(join(dataDir, 'topics', 't', '0.log'), oldPartitionFile(records));
  // A crash mid-write left half a frame.
  appendFileSync(join(dataDir, 'topics', 't', '0.log'), Buffer.from([0, 0, 0, 60, 1, 2]));
  writeFileSync(join(dataDir, 'groups', 'engine.offsets'), `${JSON.stringify({ topic: 't', partition: 0, offset: 120 })}\n`);
}

describe('a data directory in the single-file format', () => {
  const { open, tempDir } = embeddedLogs();
  const tp = { topic: 't', partition: 0 };

  it('opens with every record at its offset, the group resuming at its commit, and reopens the same', async () => {
    const dataDir = tempDir();
    oldDataDir(dataDir);
    const log = open({ partitions: 1, dataDir, retention: { bytes: null, ms: null } });
    expect(await log.partitionsFor('t')).toBe(2);
    expect(await log.offsets(tp)).toEqual({ low: '0', high: '300' });
    expect(await log.offsets({ topic: 't', partition: 1 })).toEqual({ low: '0', high: '0' });
    const read = await readAll(log, tp);
    const expected = records.map((r, i) => ({
      topic: 't',
      partition: 0,
      offset: String(i),
      key: r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      headers: r.headers,
      timestamp: r.timestamp,
    }));
    expect(read).toEqual(expected);
    expect(existsSync(join(dataDir, 'topics', 't', '0.log'))).toBe(false);

    const firstBatch = new Promise<string>((resolve) => {
      void log.consumer({ groupId: 'engine', topics: ['t'] }).run(async (batch) => resolve(batch.records[0].offset));
    });
    expect(await firstBatch).toBe('120');
    await log.produce([{ topic: 't', key: 'user-1', value: Buffer.from('new'), partition: 0 }]);
    await log.close();

    const again = open({ partitions: 1, dataDir, retention: { bytes: null, ms: null } });
    expect(await again.offsets(tp)).toEqual({ low: '0', high: '301' });
    expect((await readAll(again, tp)).slice(0, 300)).toEqual(expected);
  });

  it('is bounded by retention once migrated, keeping its offsets', async () => {
    const dataDir = tempDir();
    oldDataDir(dataDir);
    const log = open({ partitions: 1, dataDir, retention: { bytes: 4096, ms: null } });
    log.enforceRetention();
    const { low, high } = await log.offsets(tp);
    expect(high).toBe('300');
    expect(Number(low)).toBeGreaterThan(0);
    expect(offsets(await readAll(log, tp))).toEqual(Array.from({ length: 300 - Number(low) }, (_, i) => Number(low) + i));
  });
});
