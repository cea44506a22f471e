import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError } from '../config.js';
import { RecstreamError } from '../errors.js';

/** What a command reads and writes instead of `process`, so tests run commands in-process. */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Where the configuration comes from; `process.env` when absent. */
  env?: Record<string, string | undefined>;
}

export function commandEnv(io: CommandIo): Record<string, string | undefined> {
  return io.env ?? process.env;
}

/**
 * A bad command line: printed with the command's usage, exit code 2. The code is RS_USAGE unless a
 * more precise one says what was wrong (an input file that cannot be read, say).
 */
export class UsageError extends RecstreamError {
  static readonly code = 'RS_USAGE';

  constructor(message: string, code: string = UsageError.code, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'UsageError';
  }
}

/** A command's flags, declared as for node:util parseArgs. */
type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** `recstream <command> [flags]`; resolves to the process exit code. */
export type Command = (argv: string[], io: CommandIo) => Promise<number>;

/** The parsed flags: every flag is optional (defaults are applied where a value is read). */
export type Flags<O extends FlagOptions> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

export interface CommandDefinition<O extends FlagOptions> {
  /** The word after `recstream`. */
  name: string;
  /** Printed for `--help` (on stdout) and after a usage error (on stderr). */
  usage: string;
  /** Flags as for node:util parseArgs, without `default`; `--help`/`-h` is added. */
  options: O;
  run(flags: Flags<O>, io: CommandIo): Promise<number>;
}

/** Reads argv strictly (no positionals, no unknown flags); a parse error becomes a UsageError. */
function parseFlags<O extends FlagOptions>(argv: string[], options: O): Flags<O> & { help?: boolean } {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    return values as Flags<O> & { help?: boolean };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * What a command prints when it stops on an error of the family: the message, then its code on a
 * line of its own (as npm prints `npm error code E404`), so scripts and searches can match the code.
 */
function failureText(command: string, err: RecstreamError): string {
  return `recstream ${command}: ${err.message}\nrecstream ${command}: error code ${err.code}\n`;
}

/**
 * One command line contract for every command: `--help` prints the usage and exits 0; a usage
 * error prints the message, its code and the usage on stderr and exits 2; bad configuration exits 2
 * too; any other error of the family exits 1 with its message and code. Other errors are bugs and
 * propagate with their stack.
 */
export function defineCommand<const O extends FlagOptions>(definition: CommandDefinition<O>): Command {
  return async (argv, io) => {
    try {
      const flags = parseFlags(argv, definition.options);
      if (flags.help === true) {
        io.stdout.write(definition.usage);
        return 0;
      }
      return await definition.run(flags, io);
    } catch (err) {
      if (!(err instanceof RecstreamError)) throw err;
      io.stderr.write(failureText(definition.name, err));
      if (err instanceof UsageError) {
        io.stderr.write(`\n${definition.usage}`);
        return 2;
      }
      return err instanceof ConfigError ? 2 : 1;
    }
  };
}
