/**
 * The smallest logger the log layer needs: pino's `logger.warn(obj, msg)` shape, so a pino Logger
 * can be passed straight in.
 */
export interface LogSink {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export const silentSink: LogSink = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

export interface ErrorFields {
  err: { message: string; name?: string; stack?: string; code?: string; retriable?: boolean };
}

/** An error as log fields; a coded error (src/errors.ts, or kafkajs's) keeps its code and retriable. */
export function errorFields(err: unknown): ErrorFields {
  if (err instanceof Error) {
    const { code, retriable } = err as { code?: unknown; retriable?: unknown };
    return {
      err: {
        message: err.message,
        name: err.name,
        stack: err.stack,
        ...(typeof code === 'string' ? { code } : {}),
        ...(typeof retriable === 'boolean' ? { retriable } : {}),
      },
    };
  }
  return { err: { message: String(err) } };
}
