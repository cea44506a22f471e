/**
 * Routes kafkajs's own log lines into our structured logger instead of its console logger.
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

export function kafkaLogCreator(sink: LogSink): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...extra } = log;
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
