import { type Logger, pino } from 'pino';

export type { Logger };

/** Structured JSON logs on stderr, so stdout stays free for `--json` command output. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', name = 'recstream'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}

/** A logger that drops everything, for tests and embedded use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
