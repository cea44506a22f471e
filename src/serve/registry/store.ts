import { join } from 'node:path';
import avro from 'avsc';
import { z } from 'zod';
import { DEFAULT_REGISTRY_LIMITS, type RegistryLimits } from '../../config.js';
import { COMPATIBILITY_LEVELS, type CompatibilityLevel, incompatibilities, type PriorSchema } from './compatibility.js';
import {
  incompatibleSchema,
  invalidSchema,
  RegistryFileCorrupt,
  registryFull,
  schemaNotFound,
  schemaTooLarge,
  subjectConfigNotFound,
  subjectNotFound,
  versionNotFound,
} from './errors.js';
import { SnapshotFile, type WriteOutcome } from './snapshot-file.js';

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
  /** This schema's entry in the persisted file, encoded once. */
  entry: Buffer;
}

interface Subject {
  versions: Array<{ version: number; id: number }>;
  compatibility: CompatibilityLevel | null;
}

const levelFormat = z.enum(COMPATIBILITY_LEVELS);
const positive = z.number().int().positive();
const snapshotFormat = z.object({
  format: z.literal(1),
  compatibility: levelFormat,
  schemas: z.array(z.object({ id: positive, schema: z.string() })),
  subjects: z.record(
    z.string(),
    z.object({
      compatibility: levelFormat.nullable(),
      versions: z.array(z.object({ version: positive, id: positive })),
    }),
  ),
});
type Snapshot = z.infer<typeof snapshotFormat>;

export interface SchemaStoreOptions {
  /** Where to persist; in memory only when null or absent. */
  file?: string | null;
  limits?: Partial<RegistryLimits>;
  /** Told about every write of the file, e.g. for a metric. */
  onWrite?: (outcome: WriteOutcome) => void;
}

const COMMA = Buffer.from(',');
const END = Buffer.from(']}');

/** Where the registry keeps its state under DATA_DIR. */
export const registryFile = (dataDir: string): string => join(dataDir, 'schema-registry.json');

export type VersionRef = number | 'latest';

/**
 * The registry's state: global schema ids (one per distinct schema), subjects with their version
 * lists, and compatibility levels, within limits. Persisted as one JSON file when a path is given:
 * every change resolves once the file holds it, and changes made while a write runs share the next.
 */
export class SchemaStore {
  readonly limits: RegistryLimits;
  private readonly byId = new Map<number, StoredSchema>();
  private readonly idByKey = new Map<string, number>();
  private readonly subjects = new Map<string, Subject>();
  private globalCompatibility: CompatibilityLevel = 'BACKWARD';
  private readonly file: SnapshotFile | null;

  constructor(options: SchemaStoreOptions = {}) {
    this.limits = { ...DEFAULT_REGISTRY_LIMITS, ...options.limits };
    this.file = options.file ? new SnapshotFile(options.file, () => this.render(), options.onWrite) : null;
    const saved = this.file?.read() ?? null;
    if (saved !== null) this.restore(saved);
  }

  /** Registers under a subject; the same schema gets the same id everywhere and no new version. */
  async register(subjectName: string, schemaText: string): Promise<number> {
    const parsed = this.parse(schemaText);
    const subject = this.subjects.get(subjectName);
    const existingId = this.idByKey.get(parsed.key);
    if (subject && existingId !== undefined && subject.versions.some((v) => v.id === existingId)) {
      await this.file?.settled();
      return existingId;
    }
    this.ensureRoom(subjectName, subject, existingId === undefined);
    const problems = incompatibilities(this.compatibilityOf(subjectName), parsed.type, this.prior(subject));
    if (problems.length > 0) throw incompatibleSchema(subjectName, problems);
    const id = existingId ?? this.addSchema(parsed);
    const target = subject ?? { versions: [], compatibility: null };
    const version = (target.versions.at(-1)?.version ?? 0) + 1;
    target.versions.push({ version, id });
    this.subjects.set(subjectName, target);
    await this.persist();
    return id;
  }

  /** The id this exact schema has, under any subject or none (its subject may have been deleted). */
  knownId(schemaText: string): number | null {
    return this.idByKey.get(this.parse(schemaText).key) ?? null;
  }

  /** The subject's version holding this schema; 40401 / 40403 when there is none. */
  lookup(subjectName: string, schemaText: string): SubjectVersion {
    const subject = this.requireSubject(subjectName);
    const id = this.idByKey.get(this.parse(schemaText).key);
    const entry = subject.versions.find((v) => v.id === id);
    if (!entry) throw schemaNotFound();
    return this.describe(subjectName, entry);
  }

  /** Whether a candidate could be registered now (against `version`, or per the level when 'latest'). */
  check(subjectName: string, version: VersionRef, schemaText: string): string[] {
    const parsed = this.parse(schemaText);
    const subject = this.subjects.get(subjectName);
    if (!subject || subject.versions.length === 0) {
      if (version === 'latest') return [];
      throw subjectNotFound(subjectName);
    }
    const level = this.compatibilityOf(subjectName);
    if (version === 'latest') return incompatibilities(level, parsed.type, this.prior(subject));
    const entry = subject.versions.find((v) => v.version === version);
    if (!entry) throw versionNotFound(version);
    return incompatibilities(
      level.replace('_TRANSITIVE', '') as CompatibilityLevel,
      parsed.type,
      this.prior({ ...subject, versions: [entry] }),
    );
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
  async deleteSubject(subjectName: string): Promise<number[]> {
    const versions = this.versions(subjectName);
    this.subjects.delete(subjectName);
    await this.persist();
    return versions;
  }

  globalLevel(): CompatibilityLevel {
    return this.globalCompatibility;
  }

  async setGlobalLevel(level: CompatibilityLevel): Promise<void> {
    this.globalCompatibility = level;
    await this.persist();
  }

  /** The subject's own level; 40408 when it has none (unless asked to fall back to the global one). */
  subjectLevel(subjectName: string, defaultToGlobal = false): CompatibilityLevel {
    const level = this.subjects.get(subjectName)?.compatibility ?? null;
    if (level !== null) return level;
    if (defaultToGlobal) return this.globalCompatibility;
    throw subjectConfigNotFound(subjectName);
  }

  async setSubjectLevel(subjectName: string, level: CompatibilityLevel | null): Promise<void> {
    const existing = this.subjects.get(subjectName);
    if (level === null && existing?.versions.length === 0) {
      this.subjects.delete(subjectName);
    } else {
      if (!existing) this.ensureRoom(subjectName, undefined, false);
      const subject = existing ?? { versions: [], compatibility: null };
      subject.compatibility = level;
      this.subjects.set(subjectName, subject);
    }
    await this.persist();
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

  /** Refuses a change that would take the registry past its limits. */
  private ensureRoom(subjectName: string, subject: Subject | undefined, newSchema: boolean): void {
    const { maxSchemas, maxSubjects, maxVersionsPerSubject } = this.limits;
    if (!subject && this.subjects.size >= maxSubjects) {
      throw registryFull(
        `the registry holds ${this.subjects.size} subjects, the most REGISTRY_MAX_SUBJECTS=${maxSubjects} allows; '${subjectName}' would be one more`,
      );
    }
    if (subject && subject.versions.length >= maxVersionsPerSubject) {
      throw registryFull(
        `subject '${subjectName}' has ${subject.versions.length} versions, the most REGISTRY_MAX_VERSIONS_PER_SUBJECT=${maxVersionsPerSubject} allows`,
      );
    }
    if (newSchema && this.byId.size >= maxSchemas) {
      throw registryFull(
        `the registry holds ${this.byId.size} schemas, the most REGISTRY_MAX_SCHEMAS=${maxSchemas} allows (schema ids are never freed, so deleting subjects does not make room)`,
      );
    }
  }

  /** Parses a schema from a request, refusing oversized text before any parsing. */
  private parse(schemaText: unknown): ParsedSchema {
    const bytes = typeof schemaText === 'string' ? Buffer.byteLength(schemaText, 'utf8') : 0;
    if (bytes > this.limits.maxSchemaBytes) throw schemaTooLarge(bytes, this.limits.maxSchemaBytes);
    return parseSchema(schemaText);
  }

  private addSchema(parsed: ParsedSchema): number {
    const id = Math.max(0, ...this.byId.keys()) + 1;
    this.keep(id, parsed);
    return id;
  }

  private keep(id: number, parsed: ParsedSchema): void {
    this.byId.set(id, { id, text: parsed.text, type: parsed.type, entry: Buffer.from(JSON.stringify({ id, schema: parsed.text })) });
    this.idByKey.set(parsed.key, id);
  }

  private persist(): Promise<void> {
    return this.file?.save() ?? Promise.resolve();
  }

  /** The snapshot as JSON chunks; schema entries are the ones encoded when each schema arrived. */
  private render(): Buffer[] {
    const subjects: Snapshot['subjects'] = Object.fromEntries(
      [...this.subjects].map(([name, s]) => [name, { compatibility: s.compatibility, versions: s.versions }]),
    );
    const head = `{"format":1,"compatibility":${JSON.stringify(this.globalCompatibility)},"subjects":${JSON.stringify(subjects)},"schemas":[`;
    const chunks: Buffer[] = [Buffer.from(head)];
    for (const s of this.byId.values()) {
      if (chunks.length > 1) chunks.push(COMMA);
      chunks.push(s.entry);
    }
    chunks.push(END);
    return chunks;
  }

  private restore(saved: string): void {
    const where = this.file?.path ?? 'the registry file';
    const fix = 'restore it from a backup, or move it away to start with an empty registry (producers then register their schemas again)';
    let json: unknown;
    try {
      json = JSON.parse(saved);
    } catch (e) {
      throw new RegistryFileCorrupt(where, `is not JSON (${(e as Error).message})`, fix, { cause: e });
    }
    const snapshot = snapshotFormat.safeParse(json);
    if (!snapshot.success) {
      const issue = snapshot.error.issues[0];
      throw new RegistryFileCorrupt(
        where,
        `is not a schema registry snapshot (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`,
        fix,
      );
    }
    this.globalCompatibility = snapshot.data.compatibility;
    for (const { id, schema } of snapshot.data.schemas) {
      try {
        this.keep(id, parseSchema(schema));
      } catch (e) {
        throw new RegistryFileCorrupt(where, `holds schema ${id} that is not valid Avro (${(e as Error).message})`, fix, { cause: e });
      }
    }
    for (const [name, s] of Object.entries(snapshot.data.subjects)) {
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
  if (typeof schemaText !== 'string' || schemaText.trim() === '')
    throw invalidSchema('"schema" must be a non-empty string holding the Avro schema JSON');
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
