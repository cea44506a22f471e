/**
 * Routes kafkajs's own log lines into our structured logger instead of its console logger, and hands
 * the one line kafkajs reports an offset reset by to whoever listens for it.
 */
import { logLevel as KafkaLogLevel, type logCreator } from 'kafkajs';
import type { LogSink } from './log-logger.js';

export type KafkaLogLevelName = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export function kafkaLogLevel(name: KafkaLogLevelName): KafkaLogLevel {
  switch (name) {
    case 'nothing':
      return KafkaLogLevel.NOTHING;
    case 'error':
      return KafkaLogLevel.ERROR;
    case 'warn':
      return KafkaLogLevel.WARN;
    case 'info':
      return KafkaLogLevel.INFO;
    case 'debug':
      return KafkaLogLevel.DEBUG;
  }
}

/** kafkajs's consumer reset a member's position the broker refused as out of range (it says so only in this line). */
export interface OffsetReset {
  groupId: string;
  memberId: string;
  topic: string;
  partition: number;
}

const OFFSET_RESET_LINE = 'Offset out of range, resetting to default offset';

/**
 * The level to give kafkajs: at least ERROR, the level of the offset-reset line, whatever the sink is
 * to hear (kafkaLogCreator filters for the sink).
 */
export function kafkajsLevel(sinkLevel: KafkaLogLevel): KafkaLogLevel {
  return Math.max(sinkLevel, KafkaLogLevel.ERROR);
}

export function kafkaLogCreator(sink: LogSink, sinkLevel: KafkaLogLevel, onOffsetReset: (reset: OffsetReset) => void): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      if (message === OFFSET_RESET_LINE) onOffsetReset(extra as unknown as OffsetReset);
      if (level > sinkLevel) return;
      const fields = { ...extra, kafkajs: namespace };
      switch (level) {
        case KafkaLogLevel.ERROR:
          sink.error(fields, message);
          break;
        case KafkaLogLevel.WARN:
          sink.warn(fields, message);
          break;
        case KafkaLogLevel.INFO:
          sink.info(fields, message);
          break;
        default:
          sink.debug(fields, message);
      }
    };
}
