/** The event log's members of the error family (src/errors.ts), shared by the embedded log and Kafka. */
import { createError, messageOf, RecstreamError } from '../errors.js';
import type { TopicPartition, TopicSpec } from './types.js';

export const LogClosed = createError('RS_LOG_CLOSED', 'LogClosed', () => 'the log is closed');

export const UnknownPartition = createError(
  'RS_LOG_UNKNOWN_PARTITION',
  'UnknownPartition',
  (tp: TopicPartition) => `unknown partition ${tp.topic}[${tp.partition}]`,
);

/**
 * Topics the process needs do not exist and the cluster did not create them (it refuses CreateTopics,
 * or the request failed): the process would run with no partitions to write its state to.
 */
export const TopicsMissing = createError(
  'RS_LOG_TOPICS_MISSING',
  'TopicsMissing',
  (specs: readonly TopicSpec[], why: string) =>
    `topics missing: ${why}; create them beforehand (${specs
      .map((s) => `${s.topic}: ${s.partitions} partition${s.partitions === 1 ? '' : 's'}${s.compacted ? ', cleanup.policy=compact' : ''}`)
      .join('; ')}), or let this client's principal create topics`,
);

/** A consumer, or a log, made without what it cannot work without (topics, brokers). */
export const LogOptionsInvalid = createError('RS_LOG_OPTIONS_INVALID', 'LogOptionsInvalid', (problem: string) => problem);

export const ConsumerAlreadyRunning = createError(
  'RS_CONSUMER_ALREADY_RUNNING',
  'ConsumerAlreadyRunning',
  () => 'consumer is already running',
);

export const ConsumerStopped = createError('RS_CONSUMER_STOPPED', 'ConsumerStopped', () => 'consumer was stopped');

/** The brokers could not be reached, or refused the connection (TLS, SASL). */
export const LogUnreachable = createError(
  'RS_LOG_UNREACHABLE',
  'LogUnreachable',
  (brokers: readonly string[], detail: string) =>
    `cannot connect to Kafka at ${brokers.join(',')} (${detail}); check KAFKA_BROKERS, and that the brokers run and accept this client`,
  { retriable: true },
);

/** A partition has no leader right now (an election is under way); asking again later helps. */
export const NoLeader = createError('RS_LOG_NO_LEADER', 'NoLeader', (tp: TopicPartition) => `no leader for ${tp.topic}[${tp.partition}]`, {
  retriable: true,
});

export const KafkaClientUnsupported = createError(
  'RS_KAFKA_CLIENT_UNSUPPORTED',
  'KafkaClientUnsupported',
  () => 'this kafkajs version does not expose its cluster factory; recstream needs kafkajs 2.2.x',
);

/**
 * The cluster did not take records. Retriable as kafkajs judged the cause: a broker down or a leader
 * moving may pass, a refusal (authorisation, a record too large) will not.
 */
export class LogWriteFailed extends RecstreamError {
  static readonly code = 'RS_LOG_WRITE_FAILED';

  constructor(cause: unknown) {
    super(LogWriteFailed.code, `the Kafka cluster did not take the records: ${messageOf(cause)}`, {
      retriable: kafkajsRetriable(cause),
      cause,
    });
    this.name = 'LogWriteFailed';
  }
}

/**
 * kafkajs marks each error `retriable`; once its own retries are spent it throws a non-retriable
 * KafkaJSNumberOfRetriesExceeded whose cause tells whether a later attempt may still succeed.
 */
function kafkajsRetriable(err: unknown): boolean {
  const e = err as { name?: unknown; retriable?: unknown; cause?: { retriable?: unknown } } | null;
  if (e === null || typeof e !== 'object') return false;
  const judged = e.name === 'KafkaJSNumberOfRetriesExceeded' ? e.cause?.retriable : e.retriable;
  return judged === true;
}
