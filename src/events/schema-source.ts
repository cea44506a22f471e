import { COMPATIBILITY, type SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type avro from 'avsc';
import { createError, messageOf, RecstreamError } from '../errors.js';

/** The registry would not take a schema: incompatible, full, or not allowed to this caller. */
export const SchemaRefused = createError('RS_SCHEMA_REFUSED', 'SchemaRefused', (detail: string) => detail);

/**
 * A REST registry could not be used: not reachable, failing, or refusing this client. Retriable
 * unless it refused the client's credentials, which waiting does not change.
 */
export class SchemaRegistryUnavailable extends RecstreamError {
  static readonly code = 'RS_SCHEMA_REGISTRY_UNAVAILABLE';

  constructor(where: string, cause: unknown) {
    const status = (cause as { status?: unknown } | null)?.status;
    const refused = status === 401 || status === 403;
    // The client's message ("Unauthorized") leaves the status out; a bare 400 is its refused connection.
    const detail = refused ? `HTTP ${status}: ${messageOf(cause)}` : messageOf(cause);
    const fix = refused
      ? 'check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD (an API key and secret with access to the registry)'
      : 'check SCHEMA_REGISTRY_URL and that the registry runs';
    super(SchemaRegistryUnavailable.code, `the schema registry at ${where} cannot be used (${detail}); ${fix}`, {
      retriable: !refused,
      cause,
    });
    this.name = 'SchemaRegistryUnavailable';
  }
}

/**
 * The registry client's failure to get any answer it understands, as one of ours. Its HTTP layer
 * (mappersmith) reports a refused connection as a `ResponseError` with status 400 and no body.
 */
function unavailable(where: string, err: unknown): unknown {
  return (err as Error | null)?.name === 'ResponseError' ? new SchemaRegistryUnavailable(where, err) : err;
}

/**
 * What the serde needs from a schema registry: the embedded registry's store in-process, or any
 * Confluent-compatible registry over REST.
 */
export interface SchemaSource {
  /** Where the schemas live, for messages: a URL, or "the embedded schema registry". */
  readonly description: string;
  /** The id of exactly this schema under the subject, whichever version holds it; null when none does. */
  lookup(subject: string, schemaText: string): Promise<number | null>;
  /** Registers a new version under the subject's compatibility level; SchemaRefused when the registry will not. */
  register(subject: string, schemaText: string): Promise<number>;
  /** The id this exact schema has anywhere (e.g. under a subject since deleted); null when none, or when the registry cannot tell. */
  anyId(schemaText: string): Promise<number | null>;
  /** A writer schema by id; null when the registry does not know the id; rejects when it cannot be reached. */
  schema(id: number): Promise<avro.Schema | null>;
}

const REFUSALS = new Set([401, 403, 409, 422]);

/** A registry over REST through the Confluent client. It cannot search all schemas, so anyId is null. */
export function restSchemaSource(client: SchemaRegistry, description: string): SchemaSource {
  return {
    description,
    async lookup(subject, schemaText) {
      try {
        return await client.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema: schemaText });
      } catch (e) {
        // The client turns a 404 (no such subject, or no such schema in it) into this bare error.
        if ((e as Error).name === 'ConfluentSchemaRegistryError') return null;
        throw unavailable(description, e);
      }
    },
    async register(subject, schemaText) {
      const schema = { type: SchemaType.AVRO, schema: schemaText } as const;
      try {
        try {
          return (await client.register(schema, { subject })).id;
        } catch (e) {
          // The client refuses to register unless the subject's configured level equals the one it is
          // given (BACKWARD by default); an operator may have chosen another level, which we respect.
          if ((e as Error).name !== 'ConfluentSchemaRegistryCompatibilityError') throw e;
          const configured = /!= ([A-Z_]+)\)/.exec((e as Error).message)?.[1];
          if (configured === undefined || !(Object.values(COMPATIBILITY) as string[]).includes(configured)) throw e;
          return (await client.register(schema, { subject, compatibility: configured as COMPATIBILITY })).id;
        }
      } catch (e) {
        const status = (e as { status?: unknown }).status;
        if (typeof status === 'number' && REFUSALS.has(status)) throw new SchemaRefused(`${status}: ${(e as Error).message}`);
        throw unavailable(description, e);
      }
    },
    anyId: async () => null,
    async schema(id) {
      try {
        return ((await client.getSchema(id)) as avro.Type).schema();
      } catch (e) {
        if (typeof e === 'object' && e !== null && (e as { status?: unknown }).status === 404) return null;
        throw unavailable(description, e);
      }
    },
  };
}
