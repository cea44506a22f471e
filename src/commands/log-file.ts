import { ColumnError, type ColumnOverrides } from '../eval/columns.js';
import { CsvMalformed } from '../eval/csv.js';
import { type InteractionLog, readInteractionFile } from '../eval/interactions.js';
import { EVENT_TYPES, type EventType } from '../events/types.js';
import { UsageError } from './command.js';
import { oneOf, readableFile, requiredFlag } from './flag-values.js';

/** The flags `eval` and `replay` share for reading a CSV log. */
export const LOG_FILE_OPTIONS = {
  input: { type: 'string' },
  'user-col': { type: 'string' },
  'item-col': { type: 'string' },
  'time-col': { type: 'string' },
  'type-col': { type: 'string' },
  'default-type': { type: 'string' },
} as const;

export interface LogFileFlags {
  input?: string;
  'user-col'?: string;
  'item-col'?: string;
  'time-col'?: string;
  'rating-col'?: string;
  'type-col'?: string;
  'default-type'?: string;
}

export interface LogFile {
  path: string;
  columns: ColumnOverrides;
  defaultType: EventType;
}

/** Checks the flags without reading the file (beyond that it exists). */
export async function logFileFlags(flags: LogFileFlags): Promise<LogFile> {
  const input = requiredFlag('--input', flags.input);
  const defaultType = oneOf('--default-type', flags['default-type'], EVENT_TYPES, 'click');
  return {
    path: await readableFile('--input', input),
    defaultType,
    columns: {
      user: flags['user-col'],
      item: flags['item-col'],
      time: flags['time-col'],
      rating: flags['rating-col'],
      type: flags['type-col'],
    },
  };
}

/**
 * Reads the log; a header without the needed columns is a usage error naming the flag to force them.
 * A file that is not CSV stops with its own code (RS_INPUT_MALFORMED), naming the file.
 */
export async function readLogFile(file: LogFile): Promise<InteractionLog> {
  try {
    return await readInteractionFile(file.path, { columns: file.columns, defaultType: file.defaultType });
  } catch (err) {
    if (err instanceof ColumnError) throw new UsageError(err.message, err.code, { cause: err });
    if (err instanceof CsvMalformed) throw new CsvMalformed(`${file.path}: ${err.message}`, { cause: err });
    throw err;
  }
}
