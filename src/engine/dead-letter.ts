import type { LogRecord, OutgoingRecord } from '../log/types.js';

/** The original bytes and key, with why and where from, so nothing is silently dropped. */
export function deadLetter(record: LogRecord, dlqTopic: string, reason: string, error: string): OutgoingRecord {
  return {
    topic: dlqTopic,
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      reason,
      error: error.slice(0, 1000),
      'source-topic': record.topic,
      'source-partition': String(record.partition),
      'source-offset': record.offset,
    },
  };
}
