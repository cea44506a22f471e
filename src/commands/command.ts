import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../config.js';

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

/** A bad command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
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
    const { values } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    return values as Flags<O> & { help?: boolean };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * One command line contract for every command: `--help` prints the usage and exits 0; a usage
 * error prints the message and the usage on stderr and exits 2; bad configuration exits 2 too.
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
      if (err instanceof UsageError) {
        io.stderr.write(`recstream ${definition.name}: ${err.message}\n\n${definition.usage}`);
        return 2;
      }
      if (err instanceof ConfigError) {
        io.stderr.write(`recstream ${definition.name}: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
  };
}
