import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { Headers, LogRecord } from './types.js';

/** Kafka headers may repeat and carry bytes; ours are one string per name (the last one wins). */
function headersFromKafka(headers: IHeaders | undefined): Headers {
  const out: Headers = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
  }
  return out;
}

export function toLogRecord(topic: string, partition: number, m: KafkaMessage): LogRecord {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    headers: headersFromKafka(m.headers),
    timestamp: Number(m.timestamp),
  };
}
