import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/log/crc32c.js';
import { decodeProduceResponse, encodeProduceRequest, type ProduceRequest } from '../../src/log/kafka-produce-request.js';

// kafkajs's own decoders read what our encoder writes: the reader every consumer of these bytes uses.
const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder.js');
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js');
const kafkajsCrc32c: (buf: Buffer) => number = require('kafkajs/src/protocol/recordBatch/crc32C/index.js');

interface DecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

interface DecodedBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  firstTimestamp: string;
  maxTimestamp: string;
  inTransaction: boolean;
  records: DecodedRecord[];
}

/** The request body read field by field: partitions with their batch as kafkajs decodes it, and the CRC recomputed by kafkajs. */
async function readRequest(body: Buffer) {
  const d = new Decoder(body);
  const transactionalId = d.readString();
  const acks = d.readInt16();
  const timeoutMs = d.readInt32();
  const topics: Array<{
    topic: string;
    partitions: Array<{ partition: number; batch: DecodedBatch; crcMatches: boolean; bytes: number }>;
  }> = [];
  const topicCount = d.readInt32();
  for (let t = 0; t < topicCount; t++) {
    const topic = d.readString();
    const partitions = [];
    const partitionCount = d.readInt32();
    for (let p = 0; p < partitionCount; p++) {
      const partition = d.readInt32();
      const bytes = d.readInt32();
      const batchBytes: Buffer = d.buffer.subarray(d.offset, d.offset + bytes);
      const crcMatches = batchBytes.readUInt32BE(17) === kafkajsCrc32c(batchBytes.subarray(21));
      const batch: DecodedBatch = await decodeRecordBatch(new Decoder(batchBytes));
      d.forward(bytes);
      partitions.push({ partition, batch, crcMatches, bytes });
    }
    topics.push({ topic, partitions });
  }
  return { transactionalId, acks, timeoutMs, topics, rest: body.length - d.offset };
}

describe('CRC-32C', () => {
  it('gives the standard check value and the same checksums as kafkajs', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    for (let n = 1; n < 2000; n += 97) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff));
      expect(crc32c(bytes)).toBe(kafkajsCrc32c(bytes) >>> 0);
      expect(crc32c(bytes, 3, n)).toBe(kafkajsCrc32c(bytes.subarray(3)) >>> 0);
    }
  });
});

describe('the Produce request encoder', () => {
  const big = Buffer.alloc(70_000, 7); // lengths past two varint bytes
  const request: ProduceRequest = {
    acks: -1,
    timeoutMs: 30_000,
    producerId: 4_000_000_123n,
    producerEpoch: 3,
    timestamp: 1_764_633_600_123,
    topics: [
      {
        topic: 'clicks',
        partitions: [
          {
            partition: 2,
            firstSequence: 41,
            records: [
              { key: 'user-ü-1', value: Buffer.from('{"a":1}') },
              { key: Buffer.from([0, 255, 1]), value: null, headers: { 'content-type': 'avro', 'x-ü': 'wert-ä' } },
              { key: null, value: big },
            ],
          },
          { partition: 0, firstSequence: 0, records: [{ key: 'k', value: Buffer.alloc(0) }] },
        ],
      },
      {
        topic: 'app.item-deltas',
        partitions: [{ partition: 7, firstSequence: 2 ** 31 - 1, records: [{ key: 'i', value: Buffer.from('d') }] }],
      },
    ],
  };

  it('writes a body kafkajs reads back field for field, with valid checksums and nothing left over', async () => {
    const read = await readRequest(encodeProduceRequest(request));
    expect(read).toMatchObject({ transactionalId: null, acks: -1, timeoutMs: 30_000, rest: 0 });
    expect(read.topics.map((t) => [t.topic, t.partitions.map((p) => p.partition)])).toEqual([
      ['clicks', [2, 0]],
      ['app.item-deltas', [7]],
    ]);
    const [first, second] = read.topics[0].partitions;
    for (const p of [first, second, read.topics[1].partitions[0]]) expect(p.crcMatches).toBe(true);
    expect(first.batch).toMatchObject({
      firstOffset: '0',
      lastOffsetDelta: 2,
      producerId: '4000000123',
      producerEpoch: 3,
      firstSequence: 41,
      firstTimestamp: '1764633600123',
      maxTimestamp: '1764633600123',
      inTransaction: false,
    });
    const [r0, r1, r2] = first.batch.records;
    expect([r0.offset, r1.offset, r2.offset]).toEqual(['0', '1', '2']);
    expect(r0.timestamp).toBe('1764633600123');
    expect(r0.key?.toString()).toBe('user-ü-1');
    expect(r0.value?.toString()).toBe('{"a":1}');
    expect(r0.headers).toEqual({});
    expect(r1.key).toEqual(Buffer.from([0, 255, 1]));
    expect(r1.value).toBeNull();
    expect(Object.fromEntries(Object.entries(r1.headers).map(([k, v]) => [k, v.toString()]))).toEqual({
      'content-type': 'avro',
      'x-ü': 'wert-ä',
    });
    expect(r2.key).toBeNull();
    expect(r2.value).toEqual(big);
    expect(second.batch.records.map((r) => [r.key?.toString(), r.value?.length])).toEqual([['k', 0]]);
    expect(read.topics[1].partitions[0].batch.firstSequence).toBe(2 ** 31 - 1);
  });

  it('marks a batch without idempotence with no producer id, epoch or sequence', async () => {
    const plain = {
      ...request,
      producerId: -1n,
      producerEpoch: -1,
      topics: [{ topic: 't', partitions: [{ partition: 0, firstSequence: -1, records: [{ key: null, value: null }] }] }],
    };
    const read = await readRequest(encodeProduceRequest(plain));
    expect(read.topics[0].partitions[0].batch).toMatchObject({ producerId: '-1', producerEpoch: -1, firstSequence: -1 });
  });
});

describe('the Produce response decoder', () => {
  it('reads each partition error code and base offset', () => {
    const body = Buffer.alloc(4 + (2 + 1 + 4 + 22 * 2) + (2 + 2 + 4 + 22) + 4);
    let at = body.writeInt32BE(2, 0);
    at = body.writeInt16BE(1, at);
    at += body.write('a', at);
    at = body.writeInt32BE(2, at);
    for (const [partition, code, offset] of [
      [0, 0, 12n],
      [3, 6, -1n],
    ] as const) {
      at = body.writeInt32BE(partition, at);
      at = body.writeInt16BE(code, at);
      at = body.writeBigInt64BE(offset, at);
      at = body.writeBigInt64BE(-1n, at);
    }
    at = body.writeInt16BE(2, at);
    at += body.write('bc', at);
    at = body.writeInt32BE(1, at);
    at = body.writeInt32BE(5, at);
    at = body.writeInt16BE(19, at);
    at = body.writeBigInt64BE(2n ** 40n, at);
    at = body.writeBigInt64BE(-1n, at);
    body.writeInt32BE(0, at); // throttle time
    expect(decodeProduceResponse(body)).toEqual([
      { topic: 'a', partition: 0, errorCode: 0, baseOffset: 12n },
      { topic: 'a', partition: 3, errorCode: 6, baseOffset: -1n },
      { topic: 'bc', partition: 5, errorCode: 19, baseOffset: 2n ** 40n },
    ]);
  });
});
