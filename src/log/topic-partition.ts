import type { TopicPartition } from './types.js';

/**
 * "topic/partition": the key of per-partition maps, and the form `/readyz` lists and erasure and
 * refusal records in the changelog store. Unambiguous for any topic name: the partition is the
 * number after the last "/".
 */
export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}/${tp.partition}`;
}

/** The partition a tpKey names. */
export function parseTpKey(key: string): TopicPartition {
  const at = key.lastIndexOf('/');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

/** By topic, then partition number: the order Kafka's assignors deal partitions in. */
export function compareTp(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}
