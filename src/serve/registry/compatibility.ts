import type avro from 'avsc';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export function isCompatibilityLevel(v: unknown): v is CompatibilityLevel {
  return typeof v === 'string' && (COMPATIBILITY_LEVELS as readonly string[]).includes(v);
}

export interface PriorSchema {
  version: number;
  text: string;
  type: avro.Type;
}

/**
 * Checks a candidate against the subject's earlier schemas (oldest first) under one level, with Avro
 * schema resolution deciding what "can read" means. Returns Confluent-style detail strings; empty
 * means compatible.
 */
export function incompatibilities(level: CompatibilityLevel, candidate: avro.Type, prior: PriorSchema[]): string[] {
  if (level === 'NONE' || prior.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? prior : prior.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  for (const old of [...against].reverse()) {
    const problems: string[] = [];
    if (backward) {
      const p = cannotRead(candidate, old.type);
      if (p !== null) problems.push(detail(p, 'new', 'old'));
    }
    if (forward) {
      const p = cannotRead(old.type, candidate);
      if (p !== null) problems.push(detail(p, 'old', 'new'));
    }
    if (problems.length > 0) {
      return [...problems, `{oldSchemaVersion: ${old.version}}`, `{oldSchema: '${old.text}'}`, `{compatibility: '${level}'}`];
    }
  }
  return [];
}

function cannotRead(reader: avro.Type, writer: avro.Type): string | null {
  try {
    reader.createResolver(writer);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** avsc's resolver messages, mapped onto the error types Confluent reports. */
function detail(message: string, reader: 'new' | 'old', writer: 'new' | 'old'): string {
  const missing = /no matching field for default-less (\S+)/.exec(message);
  const errorType = missing ? 'READER_FIELD_MISSING_DEFAULT_VALUE' : /no alias found/.test(message) ? 'NAME_MISMATCH' : 'TYPE_MISMATCH';
  const description = missing
    ? `The field '${missing[1]?.split('.').pop()}' in the ${reader} schema has no default value and is missing in the ${writer} schema`
    : `The ${reader} schema cannot read data written with the ${writer} schema: ${message}`;
  return `{errorType:'${errorType}', description:'${description}'}`;
}
