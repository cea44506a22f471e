import { Writable } from 'node:stream';
import { pino } from 'pino';

/** One pino line: its message and, for errors, the serialised error with our code. */
export type LogEntry = Record<string, unknown> & { msg?: string; err?: { code?: string; retriable?: boolean } };

export interface CapturedLog {
  logger: pino.Logger;
  /** Every line written so far, as the JSON text pino wrote. */
  text(): string;
  /** Every line written so far, parsed. */
  entries(): LogEntry[];
}

/** A pino logger (trace by default) whose lines are kept, to read exactly what reached the log. */
export function captureLog(level: pino.LevelWithSilent = 'trace'): CapturedLog {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return {
    logger: pino({ level }, stream),
    text: () => lines.join(''),
    entries: () => lines.map((l) => JSON.parse(l) as LogEntry),
  };
}
