/**
 * The one family of errors recstream raises on purpose (docs/ERRORS.md lists every code).
 *
 * A member carries a stable `code` (`RS_*`) to match on instead of the message, which may change, and
 * `retriable`: whether the same call may succeed later with nothing changed (a broker that was down,
 * an engine still starting), as kafkajs's `KafkaJSError` does. HTTP answers, command-line exit
 * messages and log lines show the code.
 *
 * Every layer may import this file; it imports nothing of ours.
 */

interface RecstreamErrorOptions {
  /** Default false. */
  retriable?: boolean;
  cause?: unknown;
}

export class RecstreamError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: RecstreamErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'RecstreamError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }

  /** As Node prints its coded errors: `Name [CODE]: message`. */
  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

/** A trailing `{cause}` argument of a member made by createError, as with @fastify/error. */
interface CauseOption {
  cause: unknown;
}

/** A class made by createError: `new Member(...args)` or `new Member(...args, {cause})`. */
interface RecstreamErrorClass<A extends unknown[]> {
  new (...args: A | [...A, CauseOption]): RecstreamError;
  readonly prototype: RecstreamError;
  /** The code every instance carries, to compare with `err.code`. */
  readonly code: string;
}

/**
 * A member with a fixed code and name whose message is built from the constructor's arguments, in
 * the manner of @fastify/error's `createError(code, message)`. The message function takes required
 * parameters only: one argument more than it declares is the `{cause}` option.
 */
export function createError<A extends unknown[]>(
  code: string,
  name: string,
  message: (...args: A) => string,
  options: { retriable?: boolean } = {},
): RecstreamErrorClass<A> {
  const retriable = options.retriable ?? false;
  const Member = class extends RecstreamError {
    static readonly code = code;

    constructor(...args: A | [...A, CauseOption]) {
      const last = args.at(-1);
      const hasCause = args.length > message.length && typeof last === 'object' && last !== null && 'cause' in last;
      const messageArgs = (hasCause ? args.slice(0, -1) : args) as A;
      super(code, message(...messageArgs), hasCause ? { retriable, cause: (last as CauseOption).cause } : { retriable });
      this.name = name;
    }
  };
  Object.defineProperty(Member, 'name', { value: name });
  return Member;
}

/** The message of anything thrown, for wrapping it in a member's message. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** An error of a system call (fs, net): it carries the call's name and an errno code. */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}
