import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import avro from 'avsc';
import { incompatibilities, type CompatibilityLevel, type PriorSchema } from './compatibility.js';
import {
  incompatibleSchema, invalidSchema, schemaNotFound, subjectConfigNotFound, subjectNotFound, versionNotFound,
} from './errors.js';

export interface SubjectVersion {
  subject: string;
  version: number;
  id: number;
  schema: string;
}

interface StoredSchema {
  id: number;
  /** Compact JSON as first registered; what GET /schemas/ids/:id returns. */
  text: string;
  type: avro.Type;
}

interface Subject {
  versions: Array<{ version: number; id: number }>;
  compatibility: CompatibilityLevel | null;
}

interface Snapshot {
  format: 1;
  compatibility: CompatibilityLevel;
  schemas: Array<{ id: number; schema: string }>;
  subjects: Record<string, { compatibility: CompatibilityLevel | null; versions: Array<{ version: number; id: number }> }>;
}

export type VersionRef = number | 'latest';

/**
 * The registry's state: global schema ids (one per distinct schema), subjects with their version
 * lists, and compatibility levels. Persisted as one JSON file when a path is given; registrations
 * are rare, so every change rewrites it atomically.
 */
export class SchemaStore {
  private readonly byId = new Map<number, StoredSchema>();
  private readonly idByKey = new Map<string, number>();
  private readonly subjects = new Map<string, Subject>();
  private globalCompatibility: CompatibilityLevel = 'BACKWARD';

  constructor(private readonly file: string | null = null) {
    if (file !== null && existsSync(file)) this.restore(JSON.parse(readFileSync(file, 'utf8')) as Snapshot);
  }

  /** Registers under a subject; the same schema gets the same id everywhere and no new version. */
  register(subjectName: string, schemaText: string): number {
    const parsed = parseSchema(schemaText);
    const subject = this.subjects.get(subjectName);
    const existingId = this.idByKey.get(parsed.key);
    if (subject && existingId !== undefined && subject.versions.some((v) => v.id === existingId)) return existingId;
    const problems = incompatibilities(this.compatibilityOf(subjectName), parsed.type, this.prior(subject));
    if (problems.length > 0) throw incompatibleSchema(subjectName, problems);
    const id = existingId ?? this.addSchema(parsed);
    const target = subject ?? { versions: [], compatibility: null };
    const version = (target.versions.at(-1)?.version ?? 0) + 1;
    target.versions.push({ version, id });
    this.subjects.set(subjectName, target);
    this.persist();
    return id;
  }

  /** The subject's version holding this schema; 40401 / 40403 when there is none. */
  lookup(subjectName: string, schemaText: string): SubjectVersion {
    const subject = this.requireSubject(subjectName);
    const id = this.idByKey.get(parseSchema(schemaText).key);
    const entry = subject.versions.find((v) => v.id === id);
    if (!entry) throw schemaNotFound();
    return this.describe(subjectName, entry);
  }

  /** Whether a candidate could be registered now (against `version`, or per the level when 'latest'). */
  check(subjectName: string, version: VersionRef, schemaText: string): string[] {
    const parsed = parseSchema(schemaText);
    const subject = this.subjects.get(subjectName);
    if (!subject || subject.versions.length === 0) {
      if (version === 'latest') return [];
      throw subjectNotFound(subjectName);
    }
    const level = this.compatibilityOf(subjectName);
    if (version === 'latest') return incompatibilities(level, parsed.type, this.prior(subject));
    const entry = subject.versions.find((v) => v.version === version);
    if (!entry) throw versionNotFound(version);
    return incompatibilities(level.replace('_TRANSITIVE', '') as CompatibilityLevel, parsed.type, this.prior({ ...subject, versions: [entry] }));
  }

  schema(id: number): string {
    const s = this.byId.get(id);
    if (!s) throw schemaNotFound(id);
    return s.text;
  }

  /** Where a schema id is used: `[{subject, version}]`. */
  usages(id: number): Array<{ subject: string; version: number }> {
    this.schema(id);
    const out: Array<{ subject: string; version: number }> = [];
    for (const [subject, s] of this.sortedSubjects()) {
      for (const v of s.versions) if (v.id === id) out.push({ subject, version: v.version });
    }
    return out;
  }

  subjectNames(): string[] {
    return this.sortedSubjects().map(([name]) => name);
  }

  versions(subjectName: string): number[] {
    return this.requireSubject(subjectName).versions.map((v) => v.version);
  }

  version(subjectName: string, version: VersionRef): SubjectVersion {
    const subject = this.requireSubject(subjectName);
    const entry = version === 'latest' ? subject.versions.at(-1) : subject.versions.find((v) => v.version === version);
    if (!entry) throw versionNotFound(version === 'latest' ? -1 : version);
    return this.describe(subjectName, entry);
  }

  /** Hard delete of a subject's version list; schema ids stay resolvable (data written with them exists). */
  deleteSubject(subjectName: string): number[] {
    const versions = this.versions(subjectName);
    this.subjects.delete(subjectName);
    this.persist();
    return versions;
  }

  globalLevel(): CompatibilityLevel {
    return this.globalCompatibility;
  }

  setGlobalLevel(level: CompatibilityLevel): void {
    this.globalCompatibility = level;
    this.persist();
  }

  /** The subject's own level; 40408 when it has none (unless asked to fall back to the global one). */
  subjectLevel(subjectName: string, defaultToGlobal = false): CompatibilityLevel {
    const level = this.subjects.get(subjectName)?.compatibility ?? null;
    if (level !== null) return level;
    if (defaultToGlobal) return this.globalCompatibility;
    throw subjectConfigNotFound(subjectName);
  }

  setSubjectLevel(subjectName: string, level: CompatibilityLevel | null): void {
    const subject = this.subjects.get(subjectName) ?? { versions: [], compatibility: null };
    subject.compatibility = level;
    this.subjects.set(subjectName, subject);
    this.persist();
  }

  compatibilityOf(subjectName: string): CompatibilityLevel {
    return this.subjects.get(subjectName)?.compatibility ?? this.globalCompatibility;
  }

  private prior(subject: Subject | undefined): PriorSchema[] {
    return (subject?.versions ?? []).map((v) => {
      const s = this.byId.get(v.id);
      if (!s) throw new Error(`registry state is corrupt: version ${v.version} points at missing schema ${v.id}`);
      return { version: v.version, text: s.text, type: s.type };
    });
  }

  private requireSubject(subjectName: string): Subject {
    const subject = this.subjects.get(subjectName);
    if (!subject || subject.versions.length === 0) throw subjectNotFound(subjectName);
    return subject;
  }

  private sortedSubjects(): Array<[string, Subject]> {
    return [...this.subjects].filter(([, s]) => s.versions.length > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private describe(subject: string, entry: { version: number; id: number }): SubjectVersion {
    return { subject, version: entry.version, id: entry.id, schema: this.schema(entry.id) };
  }

  private addSchema(parsed: ParsedSchema): number {
    const id = Math.max(0, ...this.byId.keys()) + 1;
    this.byId.set(id, { id, text: parsed.text, type: parsed.type });
    this.idByKey.set(parsed.key, id);
    return id;
  }

  private persist(): void {
    if (this.file === null) return;
    const snapshot: Snapshot = {
      format: 1,
      compatibility: this.globalCompatibility,
      schemas: [...this.byId.values()].map((s) => ({ id: s.id, schema: s.text })),
      subjects: Object.fromEntries([...this.subjects].map(([name, s]) => [name, { compatibility: s.compatibility, versions: s.versions }])),
    };
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(snapshot, null, 2));
    renameSync(tmp, this.file);
  }

  private restore(snapshot: Snapshot): void {
    this.globalCompatibility = snapshot.compatibility;
    for (const { id, schema } of snapshot.schemas) {
      const parsed = parseSchema(schema);
      this.byId.set(id, { id, text: parsed.text, type: parsed.type });
      this.idByKey.set(parsed.key, id);
    }
    for (const [name, s] of Object.entries(snapshot.subjects)) {
      this.subjects.set(name, { compatibility: s.compatibility, versions: [...s.versions] });
    }
  }
}

interface ParsedSchema {
  text: string;
  /** Key-order- and whitespace-insensitive identity of the schema. */
  key: string;
  type: avro.Type;
}

function parseSchema(schemaText: unknown): ParsedSchema {
  if (typeof schemaText !== 'string' || schemaText.trim() === '') throw invalidSchema('"schema" must be a non-empty string holding the Avro schema JSON');
  let json: unknown;
  try {
    json = JSON.parse(schemaText);
  } catch (e) {
    throw invalidSchema(`not JSON: ${(e as Error).message}`);
  }
  let type: avro.Type;
  try {
    type = avro.Type.forSchema(json as avro.Schema);
  } catch (e) {
    throw invalidSchema((e as Error).message);
  }
  return { text: JSON.stringify(json), key: stableStringify(json), type };
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableStringify(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
