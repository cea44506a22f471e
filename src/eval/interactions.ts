import type { EventType } from '../events/types.js';
import { ColumnError, type ColumnMap, type ColumnOverrides, detectColumns, mapEventType, parseTimestamp } from './columns.js';
import { readCsvFile } from './csv.js';

/** One row of an interaction log. */
export interface Interaction {
  userId: string;
  itemId: string;
  /** Epoch millis. */
  timestamp: number;
  type: EventType;
  rating: number | null;
  price: number | null;
  sessionId: string | null;
}

export interface ReadStats {
  rows: number;
  kept: number;
  skippedEmptyUserOrItem: number;
  skippedBadTimestamp: number;
  skippedUnknownType: number;
  /** Up to ten distinct unrecognised type values, to tell the user what was dropped. */
  unknownTypes: string[];
}

export interface ReadOptions {
  columns?: ColumnOverrides;
  /** Event type of every row when the log has no type column (ratings, plain interaction logs). */
  defaultType?: EventType;
}

export interface InteractionLog {
  interactions: Interaction[];
  columns: ColumnMap;
  header: string[];
  stats: ReadStats;
}

/** Reads records (header first) into interactions in file order, skipping and counting bad rows. */
export async function readInteractions(records: AsyncIterable<string[]>, options: ReadOptions = {}): Promise<InteractionLog> {
  const defaultType = options.defaultType ?? 'click';
  const stats: ReadStats = { rows: 0, kept: 0, skippedEmptyUserOrItem: 0, skippedBadTimestamp: 0, skippedUnknownType: 0, unknownTypes: [] };
  const interactions: Interaction[] = [];
  let header: string[] | null = null;
  let columns: ColumnMap | null = null;
  for await (const record of records) {
    if (columns === null || header === null) {
      header = record;
      columns = detectColumns(record, options.columns);
      continue;
    }
    stats.rows++;
    const userId = (record[columns.user] ?? '').trim();
    const itemId = (record[columns.item] ?? '').trim();
    if (userId === '' || itemId === '') {
      stats.skippedEmptyUserOrItem++;
      continue;
    }
    const timestamp = parseTimestamp(record[columns.time] ?? '');
    if (timestamp === null) {
      stats.skippedBadTimestamp++;
      continue;
    }
    let type = defaultType;
    if (columns.type !== null) {
      const raw = record[columns.type] ?? '';
      const mapped = mapEventType(raw);
      if (mapped === null) {
        stats.skippedUnknownType++;
        if (stats.unknownTypes.length < 10 && !stats.unknownTypes.includes(raw)) stats.unknownTypes.push(raw);
        continue;
      }
      type = mapped;
    }
    interactions.push({
      userId,
      itemId,
      timestamp,
      type,
      rating: columns.rating === null ? null : numberOrNull(record[columns.rating]),
      price: columns.price === null ? null : numberOrNull(record[columns.price]),
      sessionId: columns.session === null ? null : (record[columns.session] ?? '').trim() || null,
    });
    stats.kept++;
  }
  if (columns === null || header === null)
    throw new ColumnError('the CSV is empty: a header naming user, item and timestamp columns is needed');
  return { interactions, columns, header, stats };
}

export async function readInteractionFile(path: string, options: ReadOptions = {}): Promise<InteractionLog> {
  return readInteractions(readCsvFile(path), options);
}

function numberOrNull(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === '') return null;
  const v = Number(raw);
  return Number.isFinite(v) ? v : null;
}
