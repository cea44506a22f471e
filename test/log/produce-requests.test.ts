import { describe, expect, it } from 'vitest';
import { MAX_PRODUCE_REQUEST_BYTES, produceRequests } from '../../src/log/produce-requests.js';
import type { OutgoingRecord } from '../../src/log/types.js';

const record = (n: number, valueBytes: number): OutgoingRecord => ({
  topic: 't',
  key: `k${n}`,
  value: Buffer.alloc(valueBytes),
  headers: { h: 'v' },
});

describe('produce requests', () => {
  it('cut a state commit of many MB into requests no broker with the default message.max.bytes refuses, keeping order', () => {
    // 9,000 item records of ~5 KB: a commit at shop scale, 45 MB
    const records = Array.from({ length: 9_000 }, (_, n) => record(n, 5_000));
    const requests = produceRequests(records, 5_000);
    expect(requests.flat()).toEqual(records);
    for (const request of requests) {
      const bytes = request.reduce((sum, r) => sum + (r.value?.length ?? 0) + Buffer.byteLength(r.key as string) + 2, 0);
      expect(bytes).toBeLessThanOrEqual(MAX_PRODUCE_REQUEST_BYTES);
      expect(bytes).toBeLessThanOrEqual(1_048_576);
    }
    expect(requests.length).toBeGreaterThanOrEqual(45);
    expect(requests.length).toBeLessThanOrEqual(46);
  });

  it('cut small records by count, and send a record larger than the limit alone', () => {
    const small = Array.from({ length: 12 }, (_, n) => record(n, 10));
    expect(produceRequests(small, 5).map((r) => r.length)).toEqual([5, 5, 2]);
    const mixed = [record(0, 10), record(1, 2_000_000), record(2, 10)];
    expect(produceRequests(mixed, 100).map((r) => r.map((x) => x.key))).toEqual([['k0'], ['k1'], ['k2']]);
    expect(produceRequests([], 5)).toEqual([]);
  });
});
