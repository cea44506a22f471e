import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type avro from 'avsc';
import type { Topics } from '../config.js';
import type { Logger } from '../logger.js';
import { readingType } from './avro-reading.js';
import { EncodeInvalid, SchemaUnusable, UnknownTopic } from './errors.js';
import type { Rejected } from './reasons.js';
import { restSchemaSource, SchemaRefused, type SchemaSource } from './schema-source.js';
import { EVENT_SCHEMAS, type EventSchema, type RecordName } from './schemas.js';
import { encodeFrame, readFrame } from './wire.js';

export type DecodeResult = { ok: true; value: unknown } | Rejected;

export type SerdeTopics = Pick<Topics, 'clicks' | 'purchases' | 'recommendations'>;

export interface EventSerdeOptions {
  /**
   * Where schemas live: the embedded registry in-process (a SchemaSource), a registry client, or the
   * URL to build one for (SCHEMA_REGISTRY_URL, or http://HOST:PORT/registry of a recstream process).
   */
  registry: SchemaSource | SchemaRegistry | string;
  /** Basic auth for a registry given as a URL (SCHEMA_REGISTRY_USERNAME / SCHEMA_REGISTRY_PASSWORD). */
  auth?: { username: string; password: string } | null;
  /** Told when a subject no longer holds our schema and we use the id the registry still has for it. */
  logger?: Pick<Logger, 'warn'>;
  /** Messages larger than this are rejected as 'oversize' before decoding. */
  maxBytes?: number;
  /** How long an id the registry did not know stays unknown before we ask again. */
  unknownIdRetryMs?: number;
}

/** A writer schema fetched once per id, with how it reads into each of our record types. */
interface WriterEntry {
  type: avro.Type;
  readers: Map<RecordName, Reading>;
}
type Reading = { ok: true; resolver: avro.Resolver | null } | { ok: false; error: string };

interface TopicBinding {
  schema: EventSchema;
  subject: string;
  id: number | null;
}

const RECORD_BY_TOPIC_ROLE: Record<keyof SerdeTopics, RecordName> = {
  clicks: 'ClickEvent',
  purchases: 'PurchaseEvent',
  recommendations: 'Recommendation',
};

/**
 * Avro in the Confluent wire format for our topics, on top of a schema registry. Writer schemas are
 * fetched once per id and cached with their resolvers, so decoding a known id is synchronous and does
 * no I/O; a producer's newer compatible schema is read into ours through Avro schema resolution.
 */
export class EventSerde {
  private readonly source: SchemaSource;
  private readonly logger: Pick<Logger, 'warn'> | undefined;
  private readonly bindings = new Map<string, TopicBinding>();
  private readonly writers = new Map<number, WriterEntry>();
  private readonly pending = new Map<number, Promise<WriterEntry | null>>();
  private readonly unknownUntil = new Map<number, number>();
  private readonly maxBytes: number | undefined;
  private readonly unknownIdRetryMs: number;

  constructor(opts: EventSerdeOptions) {
    const { registry } = opts;
    this.source =
      typeof registry === 'string'
        ? restSchemaSource(new SchemaRegistry({ host: registry, ...(opts.auth ? { auth: opts.auth } : {}) }), registry)
        : registry instanceof SchemaRegistry
          ? restSchemaSource(registry, 'the schema registry')
          : registry;
    this.logger = opts.logger;
    this.maxBytes = opts.maxBytes;
    this.unknownIdRetryMs = opts.unknownIdRetryMs ?? 10_000;
  }

  /** Binds topics to our records without registering (for consumers of a registry they may not write to). */
  bind(topics: SerdeTopics): void {
    for (const role of Object.keys(RECORD_BY_TOPIC_ROLE) as Array<keyof SerdeTopics>) {
      const topic = topics[role];
      const previous = this.bindings.get(topic);
      this.bindings.set(topic, { schema: EVENT_SCHEMAS[RECORD_BY_TOPIC_ROLE[role]], subject: `${topic}-value`, id: previous?.id ?? null });
    }
  }

  /**
   * Makes sure our schemas are usable under `<topic>-value` (TopicNameStrategy) and returns their ids
   * by topic. What a subject holds is checked, not re-imposed: see idFor.
   */
  async registerAll(topics: SerdeTopics): Promise<Record<string, number>> {
    this.bind(topics);
    const ids: Record<string, number> = {};
    for (const [topic, binding] of this.bindings) {
      binding.id = await this.idFor(binding);
      ids[topic] = binding.id;
      this.writers.set(binding.id, { type: binding.schema.type, readers: new Map() });
    }
    return ids;
  }

  /**
   * Decodes one message for a topic. Synchronous when the schema id is cached; otherwise returns a
   * promise that fetches it once. Rejects (throws) only when the registry itself cannot be reached,
   * which is not the message's fault and must not send it to the dead-letter topic.
   */
  decode(topic: string, bytes: Buffer): DecodeResult | Promise<DecodeResult> {
    const binding = this.requireBinding(topic);
    if (this.maxBytes !== undefined && bytes.length > this.maxBytes) {
      return { ok: false, reason: 'oversize', error: `message is ${bytes.length} bytes, more than the ${this.maxBytes}-byte limit` };
    }
    const frame = readFrame(bytes);
    if (!frame.ok) return { ok: false, reason: 'undecodable', error: frame.error };
    const writer = this.writers.get(frame.schemaId);
    if (writer) return read(binding, writer, frame.schemaId, frame.payload);
    return this.fetchWriter(frame.schemaId).then((entry) =>
      entry === null
        ? { ok: false, reason: 'unknown-schema', error: `schema id ${frame.schemaId} is not known to the schema registry` }
        : read(binding, entry, frame.schemaId, frame.payload),
    );
  }

  /**
   * Encodes with our schema for the topic, registering it first if registerAll has not run.
   * Synchronous once the schema id is known (a list per user per batch is encoded on the hot path).
   */
  encode(topic: string, value: unknown): Buffer | Promise<Buffer> {
    const binding = this.requireBinding(topic);
    if (binding.id !== null) return this.encodeWith(binding, binding.id, value);
    return this.idFor(binding).then((id) => {
      binding.id = id;
      this.writers.set(id, { type: binding.schema.type, readers: new Map() });
      return this.encodeWith(binding, id, value);
    });
  }

  private encodeWith(binding: TopicBinding, id: number, value: unknown): Buffer {
    const type = binding.schema.type;
    try {
      return encodeFrame(id, (buf, pos) => type.encode(value, buf, pos));
    } catch (e) {
      // avsc's own message lacks the path; walk the value again only on this rare failure.
      const paths: string[] = [];
      type.isValid(value, { errorHook: (path) => paths.push(path.join('.')) });
      throw new EncodeInvalid(binding.schema.name, binding.subject, paths.join(', ') || '(the value itself)', (e as Error).message, {
        cause: e,
      });
    }
  }

  /**
   * Our schema's id for the binding's subject, so a registry changed behind our back does not stop a
   * restart: the id of any version holding exactly our schema; else a new version if the registry
   * takes it; else the id the registry still has for it from elsewhere (a deleted subject, say); else
   * an error naming the subject and the fix.
   */
  private async idFor(binding: TopicBinding): Promise<number> {
    const { subject, schema } = binding;
    const found = await this.source.lookup(subject, schema.text);
    if (found !== null) return found;
    try {
      return await this.source.register(subject, schema.text);
    } catch (e) {
      if (!(e instanceof SchemaRefused)) throw e;
      const known = await this.source.anyId(schema.text);
      if (known !== null) {
        this.logger?.warn(
          { subject, schemaId: known, refusal: e.message },
          `subject ${subject} does not hold our ${schema.name} schema and refused it; using the id the registry keeps for it`,
        );
        return known;
      }
      throw new SchemaUnusable(
        `cannot use our ${schema.fullName} schema for subject ${subject}: ${this.source.description} does not hold it and refused to register it (${e.message}). ` +
          `Register schemas/${schema.name}.avsc under ${subject} yourself (on recstream's embedded registry with Authorization: Bearer <ADMIN_TOKEN>, ` +
          `after PUT /config/${subject} {"compatibility":"NONE"} if the subject holds an unrelated schema), or delete the subject if what it holds is not wanted`,
        { cause: e },
      );
    }
  }

  private fetchWriter(id: number): Promise<WriterEntry | null> {
    const until = this.unknownUntil.get(id);
    if (until !== undefined && until > Date.now()) return Promise.resolve(null);
    let request = this.pending.get(id);
    if (!request) {
      request = this.source
        .schema(id)
        .then((schema) => {
          if (schema === null) {
            this.unknownUntil.set(id, Date.now() + this.unknownIdRetryMs);
            return null;
          }
          // Built like our own (no logical types, so timestamps decode as plain numbers; strict reading).
          const entry: WriterEntry = { type: readingType(schema), readers: new Map() };
          this.writers.set(id, entry);
          this.unknownUntil.delete(id);
          return entry;
        })
        .finally(() => this.pending.delete(id));
      this.pending.set(id, request);
    }
    return request;
  }

  private requireBinding(topic: string): TopicBinding {
    const binding = this.bindings.get(topic);
    if (!binding) throw new UnknownTopic(topic);
    return binding;
  }
}

function read(binding: TopicBinding, writer: WriterEntry, id: number, payload: Buffer): DecodeResult {
  const reader = binding.schema;
  let reading = writer.readers.get(reader.name);
  if (!reading) {
    reading = resolve(reader, writer.type);
    writer.readers.set(reader.name, reading);
  }
  if (!reading.ok) {
    return {
      ok: false,
      reason: 'wrong-subject',
      error: `schema id ${id} (${writer.type.name ?? writer.type.typeName}) cannot be read as ${reader.fullName}, the record of ${binding.subject}: ${reading.error}`,
    };
  }
  try {
    return {
      ok: true,
      value: reading.resolver === null ? reader.type.fromBuffer(payload) : reader.type.fromBuffer(payload, reading.resolver),
    };
  } catch (e) {
    return {
      ok: false,
      reason: 'undecodable',
      error: `corrupt Avro body for schema id ${id} (${reader.fullName}): ${(e as Error).message}`,
    };
  }
}

function resolve(reader: EventSchema, writer: avro.Type): Reading {
  if (writer.equals(reader.type)) return { ok: true, resolver: null };
  try {
    return { ok: true, resolver: reader.type.createResolver(writer) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}
