import type { EventLog, LogRecord } from '../../src/log/types.js';

/** Every record of a topic, all partitions, in partition then offset order. */
export async function readTopic(log: EventLog, topic: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  const partitions = await log.partitionsFor(topic);
  for (let partition = 0; partition < partitions; partition++) {
    const { low, high } = await log.offsets({ topic, partition });
    if (BigInt(high) <= BigInt(low)) continue;
    await log.readRange({ topic, partition }, low, high, (records) => {
      out.push(...records);
    });
  }
  return out;
}
