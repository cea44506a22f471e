/**
 * Kafka's default partitioner for keyed records: murmur2 of the key bytes, made positive by masking
 * the sign bit (not Math.abs), modulo the partition count. Same placement as the Java client and
 * kafkajs's DefaultPartitioner, so embedded and Kafka runs put a user on the same partition.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), returning a signed 32-bit int. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2] << 16;
    if (rest >= 2) h ^= data[tail + 1] << 8;
    h ^= data[tail];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

function toPositive(n: number): number {
  return n & 0x7fffffff;
}

function keyBytes(key: string | Uint8Array): Uint8Array {
  return typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
}

/** Partition of a keyed record. */
export function partitionForKey(key: string | Uint8Array, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions <= 0) {
    throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  }
  return toPositive(murmur2(keyBytes(key))) % numPartitions;
}

/**
 * Picks partitions like the default partitioner: explicit partition first, then the key hash, and
 * round-robin per topic for keyless records.
 */
export class DefaultPartitioner {
  private readonly counters = new Map<string, number>();

  partition(topic: string, key: string | Uint8Array | null | undefined, numPartitions: number, explicit?: number): number {
    if (explicit !== undefined && explicit !== null) {
      if (!Number.isInteger(explicit) || explicit < 0 || explicit >= numPartitions) {
        throw new RangeError(`partition ${explicit} out of range for ${topic} (${numPartitions} partitions)`);
      }
      return explicit;
    }
    if (key !== null && key !== undefined) return partitionForKey(key, numPartitions);
    const next = this.counters.get(topic) ?? 0;
    this.counters.set(topic, (next + 1) & 0x7fffffff);
    return next % numPartitions;
  }
}
