import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type avro from 'avsc';
import { readingType } from './avro-reading.js';
import { SchemaFilesMissing } from './errors.js';

const RECORD_NAMES = ['ClickEvent', 'PurchaseEvent', 'Recommendation'] as const;
export type RecordName = (typeof RECORD_NAMES)[number];

export interface EventSchema {
  name: RecordName;
  /** The fully qualified Avro name, e.g. `io.recstream.ClickEvent`. */
  fullName: string;
  /** The .avsc file as written (docs included), for registration. */
  raw: avro.Schema;
  /** Compact JSON of `raw`, the string registered in the schema registry. */
  text: string;
  /** Logical types are deliberately not wired in: timestamps decode to plain epoch-millis numbers. */
  type: avro.Type;
}

/**
 * Walks up from this module to the package root, so the same code finds `schemas/` when it runs from
 * `src/events` (vitest, tsx) and from `dist/events` after `tsc`.
 */
function findSchemaDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'schemas');
    if (existsSync(join(candidate, 'ClickEvent.avsc'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new SchemaFilesMissing(fileURLToPath(import.meta.url));
    dir = parent;
  }
}

const SCHEMA_DIR = findSchemaDir();

function load(name: RecordName): EventSchema {
  const raw = JSON.parse(readFileSync(join(SCHEMA_DIR, `${name}.avsc`), 'utf8')) as avro.Schema;
  const type = readingType(raw);
  return { name, fullName: type.name ?? name, raw, text: JSON.stringify(raw), type };
}

export const EVENT_SCHEMAS: Readonly<Record<RecordName, EventSchema>> = {
  ClickEvent: load('ClickEvent'),
  PurchaseEvent: load('PurchaseEvent'),
  Recommendation: load('Recommendation'),
};
