/**
 * The event-log layer's face to the rest of the engine: the log types and a factory that picks the
 * implementation from the configuration (Kafka when brokers are configured, the embedded log otherwise).
 */
import { type Config, ConfigError } from '../config.js';
import { isSystemError } from '../errors.js';
import { KafkaLog } from './kafka.js';
import { kafkaSecurityOptions } from './kafka-security.js';
import type { LogSink } from './log-logger.js';
import { MemoryLog } from './memory.js';
import type { EventLog } from './types.js';

export type * from './types.js';

/** kafkajs is chatty: it only logs warnings when the engine itself logs at debug. */
function kafkaThreshold(level: Config['logLevel']): 'nothing' | 'error' | 'warn' {
  if (level === 'silent' || level === 'fatal') return 'nothing';
  return level === 'debug' || level === 'trace' ? 'warn' : 'error';
}

export function createEventLog(
  config: Pick<Config, 'kafka' | 'partitions' | 'dataDir' | 'logLevel'> & Partial<Pick<Config, 'logRetention'>>,
  logger?: LogSink,
): EventLog {
  if (config.kafka) {
    const k = config.kafka;
    if (k.saslInPlaintext) {
      logger?.warn(
        { brokers: k.brokers, mechanism: k.sasl?.mechanism },
        'KAFKA_SSL=false: SASL credentials travel unencrypted; use it only on a trusted network',
      );
    }
    return new KafkaLog({
      brokers: k.brokers,
      clientId: k.clientId,
      ...kafkaSecurityOptions(k),
      logger,
      logLevel: kafkaThreshold(config.logLevel),
      consumer: {
        sessionTimeout: k.sessionTimeoutMs,
        rebalanceTimeout: k.rebalanceTimeoutMs,
        heartbeatInterval: k.heartbeatIntervalMs,
        maxWaitTimeInMs: k.maxWaitMs,
        commitIntervalMs: k.commitIntervalMs,
      },
    });
  }
  try {
    return new MemoryLog({ partitions: config.partitions, dataDir: config.dataDir ?? undefined, retention: config.logRetention, logger });
  } catch (err) {
    // the file system refusing the directory (not one, no permission, read-only) is the setting's fault
    if (config.dataDir === null || !isSystemError(err)) throw err;
    throw new ConfigError([
      `DATA_DIR=${JSON.stringify(config.dataDir)} cannot hold the embedded log (${err.message}); set a directory this process can create and write, e.g. DATA_DIR=/var/lib/recstream`,
    ]);
  }
}
