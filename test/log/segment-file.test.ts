import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameSegment } from '../../src/log/frame-segment.js';
import { SegmentFile } from '../../src/log/segment-file.js';
import { frameSize } from '../../src/log/segment-frames.js';
import type { LogRecord } from '../../src/log/types.js';
import { embeddedLogs } from './embedded-log-helpers.js';

const tp = { topic: 't', partition: 0 };

function records(tag: string, n: number): LogRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    ...tp,
    offset: '',
    key: Buffer.from(`${tag}-key-${i}`),
    value: Buffer.from(`${tag}-value-${i}-${'x'.repeat(200)}`),
    headers: {},
    timestamp: 1_000 + i,
  }));
}

function segmentOf(dir: string, name: string, written: LogRecord[]): FrameSegment {
  const segment = new FrameSegment(0, new SegmentFile(join(dir, name), 0));
  segment.append(written, written.map(frameSize), 0, written.length, 0);
  return segment;
}

describe('a segment file', () => {
  const { tempDir } = embeddedLogs();

  it('hands readers records of their own, which later reads and compaction scans, through the one reused read buffer, leave as they were', () => {
    const dir = tempDir();
    const a = segmentOf(dir, 'a', records('a', 500));
    const b = segmentOf(dir, 'b', records('b', 500));
    const read: LogRecord[] = [];
    a.read(0, 500, 500, tp, read);
    expect(read).toHaveLength(500);
    const keysSeen: string[] = [];
    // both scans go over the same positions as the read did
    a.scan((key) => keysSeen.push(String(key)));
    b.scan((key) => keysSeen.push(String(key)));
    expect(keysSeen).toEqual([...records('a', 500), ...records('b', 500)].map((r) => String(r.key)));
    expect(read.map((r) => String(r.value))).toEqual(records('a', 500).map((r) => String(r.value)));
    expect(read.map((r) => String(r.key))).toEqual(records('a', 500).map((r) => String(r.key)));
    (a.bytes as SegmentFile).close();
    (b.bytes as SegmentFile).close();
  });
});
