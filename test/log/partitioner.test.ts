import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { keyPartitioner } from '../../src/log/kafka-partitioner.js';
import { DefaultPartitioner, murmur2, partitionForKey } from '../../src/log/partitioner.js';

// Apache Kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
const JAVA_MURMUR2: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

function kafkajsPartition(key: string | Buffer, numPartitions: number): number {
  const pick = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: numPartitions }, (_, i) => ({
    partitionId: i,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return pick({ topic: 't', partitionMetadata, message: { key, value: null } });
}

describe('murmur2', () => {
  it.each(JAVA_MURMUR2)('hashes %s like the Java client', (input, expected) => {
    expect(murmur2(Buffer.from(input))).toBe(expected);
  });
});

describe('partitionForKey', () => {
  const keys: Array<string | Buffer> = ['', 'u', 'user-1', 'user-42', 'ünïcødé-ключ', '😀😀', 'a'.repeat(257)];
  for (let i = 0; i < 200; i++) keys.push(`user-${i * 7919}`);
  keys.push(Buffer.from([0xff, 0x00, 0x80, 0x7f, 0x01]), Buffer.from([0x80, 0x80, 0x80]));

  it.each([1, 3, 4, 12, 100])('agrees with kafkajs DefaultPartitioner for %i partitions', (n) => {
    for (const key of keys) {
      expect(partitionForKey(key, n), String(key)).toBe(kafkajsPartition(key, n));
    }
  });

  it('masks the sign bit instead of taking the absolute value', () => {
    // murmur2("foobar") is negative: Kafka uses h & 0x7fffffff, not |h|.
    expect(partitionForKey('foobar', 1000)).toBe((-790332482 & 0x7fffffff) % 1000);
    expect(partitionForKey('foobar', 1000)).not.toBe(790332482 % 1000);
  });

  it('rejects a non-positive partition count', () => {
    expect(() => partitionForKey('x', 0)).toThrow(RangeError);
  });
});

describe('DefaultPartitioner', () => {
  it('uses an explicit partition, then the key, then round-robin for keyless records', () => {
    const p = new DefaultPartitioner();
    expect(p.partition('t', 'user-1', 4, 2)).toBe(2);
    expect(p.partition('t', 'user-1', 4)).toBe(partitionForKey('user-1', 4));
    const keyless = Array.from({ length: 8 }, () => p.partition('t', null, 4));
    expect(new Set(keyless).size).toBe(4);
    expect(keyless.slice(0, 4).sort()).toEqual([0, 1, 2, 3]);
    expect(() => p.partition('t', null, 4, 4)).toThrow(RangeError);
  });
});

describe("the Kafka producer's partitioner", () => {
  const metadata = (leaders: number[]) =>
    leaders.map((leader, partitionId) => ({ partitionId, leader, partitionErrorCode: 0, replicas: [0], isr: [0] }));

  it('places keyed records where kafkajs DefaultPartitioner does, and explicit ones where they say', () => {
    const ours = keyPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const partitionMetadata = metadata([0, 0, 0, 0, 0, 0, 0]);
    for (let i = 0; i < 500; i++) {
      const key = i % 2 === 0 ? `item-${i * 7919}` : Buffer.from(`user-ü-${i}`);
      const message = { key, value: null };
      expect(ours({ topic: 't', partitionMetadata, message })).toBe(theirs({ topic: 't', partitionMetadata, message }));
    }
    expect(ours({ topic: 't', partitionMetadata, message: { key: 'item-1', value: null, partition: 5 } })).toBe(5);
  });

  it('deals keyless records round the partitions that have a leader', () => {
    const pick = keyPartitioner();
    const partitionMetadata = metadata([0, -1, 0, 0]);
    const chosen = Array.from({ length: 9 }, () => pick({ topic: 't', partitionMetadata, message: { key: null, value: null } }));
    expect(chosen).toEqual([0, 2, 3, 0, 2, 3, 0, 2, 3]);
  });
});
