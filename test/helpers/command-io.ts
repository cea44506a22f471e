import { Writable } from 'node:stream';
import type { CommandIo } from '../../src/commands/command.js';

/** Keeps what is written, synchronously, so it can be read as soon as a command resolves. */
function textSink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** A CommandIo for running a command in-process; `env` replaces process.env when given. */
export function captureIo(env?: Record<string, string | undefined>): { io: CommandIo; out: () => string; err: () => string } {
  const stdout = textSink();
  const stderr = textSink();
  return {
    io: { stdout: stdout.stream, stderr: stderr.stream, ...(env === undefined ? {} : { env }) },
    out: stdout.text,
    err: stderr.text,
  };
}
