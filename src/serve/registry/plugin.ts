import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { adminGuard } from '../admin-auth.js';
import { HttpError } from '../errors.js';
import { type CompatibilityLevel, isCompatibilityLevel } from './compatibility.js';
import {
  bodyTooLarge,
  invalidCompatibility,
  invalidSchema,
  invalidVersion,
  RegistryError,
  schemaNotFound,
  unauthorized,
  unexpectedBody,
} from './errors.js';
import { registryFile, SchemaStore, type VersionRef } from './store.js';

export interface RegistryPluginOptions {
  /** Where to keep `schema-registry.json`; in memory only when absent. */
  dataDir?: string | null;
  /** Use this store instead of creating one (e.g. to share it with in-process code). */
  store?: SchemaStore;
  /** When set, every write needs `Authorization: Bearer <adminToken>`; reads stay open. */
  adminToken?: string | null;
}

const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const ACCEPTED_CONTENT_TYPES = [REGISTRY_CONTENT_TYPE, 'application/vnd.schemaregistry+json', 'application/octet-stream'];

interface SchemaBody {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
}
type SubjectParams = { subject: string };
type VersionParams = { subject: string; version: string };

/**
 * The subset of the Confluent Schema Registry REST API that clients and serializers use, for the
 * embedded mode. Mount it with a prefix (`/registry`); it is encapsulated, so its content types and
 * error shapes do not leak into the rest of the server.
 */
export const registryPlugin: FastifyPluginAsync<RegistryPluginOptions> = async (app, opts) => {
  const store = opts.store ?? new SchemaStore({ file: opts.dataDir ? registryFile(opts.dataDir) : null });
  // A request body holds one schema as a JSON string: escaping may double it, plus the envelope.
  const bodyLimit = 2 * store.limits.maxSchemaBytes + 65_536;
  installProtocol(app, bodyLimit, store.limits.maxSchemaBytes);
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= bodyLimit;
  });
  // Checked on request, before the body is read.
  const write = { onRequest: registryAdminGuard(opts.adminToken ?? null) };

  app.get('/', async () => ({}));
  app.get('/schemas/types', async () => ['AVRO']);
  app.get('/mode', async () => ({ mode: 'READWRITE' }));

  app.get<{ Params: { id: string } }>('/schemas/ids/:id', async (req) => ({ schema: store.schema(schemaId(req.params.id)) }));
  app.get<{ Params: { id: string } }>('/schemas/ids/:id/schema', async (req, reply) =>
    reply.send(JSON.parse(store.schema(schemaId(req.params.id))) as unknown),
  );
  app.get<{ Params: { id: string } }>('/schemas/ids/:id/versions', async (req) => store.usages(schemaId(req.params.id)));
  app.get<{ Params: { id: string } }>('/schemas/ids/:id/subjects', async (req) => [
    ...new Set(store.usages(schemaId(req.params.id)).map((u) => u.subject)),
  ]);

  app.get('/subjects', async () => store.subjectNames());
  app.get<{ Params: SubjectParams }>('/subjects/:subject/versions', async (req) => store.versions(req.params.subject));
  app.post<{ Params: SubjectParams; Body: SchemaBody }>('/subjects/:subject/versions', write, async (req) => ({
    id: await store.register(req.params.subject, avroSchemaText(req.body)),
  }));
  app.post<{ Params: SubjectParams; Body: SchemaBody }>('/subjects/:subject', async (req) =>
    store.lookup(req.params.subject, avroSchemaText(req.body)),
  );
  app.delete<{ Params: SubjectParams }>('/subjects/:subject', write, async (req) => store.deleteSubject(req.params.subject));
  app.get<{ Params: VersionParams }>('/subjects/:subject/versions/:version', async (req) =>
    store.version(req.params.subject, versionRef(req.params.version)),
  );
  app.get<{ Params: VersionParams }>('/subjects/:subject/versions/:version/schema', async (req, reply) =>
    reply.send(JSON.parse(store.version(req.params.subject, versionRef(req.params.version)).schema) as unknown),
  );

  const compatibility = async (subject: string, version: VersionRef, body: SchemaBody, verbose: boolean) => {
    const problems = store.check(subject, version, avroSchemaText(body));
    return verbose ? { is_compatible: problems.length === 0, messages: problems } : { is_compatible: problems.length === 0 };
  };
  app.post<{ Params: VersionParams; Body: SchemaBody; Querystring: { verbose?: string } }>(
    '/compatibility/subjects/:subject/versions/:version',
    async (req) => compatibility(req.params.subject, versionRef(req.params.version), req.body, req.query.verbose === 'true'),
  );
  app.post<{ Params: SubjectParams; Body: SchemaBody; Querystring: { verbose?: string } }>(
    '/compatibility/subjects/:subject/versions',
    async (req) => compatibility(req.params.subject, 'latest', req.body, req.query.verbose === 'true'),
  );

  app.get('/config', async () => ({ compatibilityLevel: store.globalLevel() }));
  app.put<{ Body: unknown }>('/config', write, async (req) => {
    const level = levelFrom(req.body);
    await store.setGlobalLevel(level);
    return { compatibility: level };
  });
  app.get<{ Params: SubjectParams; Querystring: { defaultToGlobal?: string } }>('/config/:subject', async (req) => ({
    compatibilityLevel: store.subjectLevel(req.params.subject, req.query.defaultToGlobal === 'true'),
  }));
  app.put<{ Params: SubjectParams; Body: unknown }>('/config/:subject', write, async (req) => {
    const level = levelFrom(req.body);
    await store.setSubjectLevel(req.params.subject, level);
    return { compatibility: level };
  });
  app.delete<{ Params: SubjectParams }>('/config/:subject', write, async (req) => {
    const previous = store.subjectLevel(req.params.subject);
    await store.setSubjectLevel(req.params.subject, null);
    return { compatibilityLevel: previous };
  });
};

/** The admin guard the /v1/admin routes use, answering in the registry's error shape. */
function registryAdminGuard(adminToken: string | null): (request: FastifyRequest) => Promise<void> {
  const guard = adminGuard(adminToken);
  return async (request) => {
    try {
      await guard(request);
    } catch (e) {
      if (e instanceof HttpError && e.statusCode === 401) throw unauthorized(e.message, e.headers);
      throw e;
    }
  };
}

/** Confluent's content types in and out, and its `{error_code, message}` error bodies. */
function installProtocol(app: FastifyInstance, bodyLimit: number, maxSchemaBytes: number): void {
  app.addContentTypeParser(ACCEPTED_CONTENT_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    try {
      done(null, text.trim() === '' ? {} : JSON.parse(text));
    } catch (e) {
      done(unexpectedBody((e as Error).message), undefined);
    }
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-type', REGISTRY_CONTENT_TYPE);
    return payload;
  });
  app.setErrorHandler((err: FastifyError | RegistryError, _req, reply) => {
    if (err instanceof RegistryError) return reply.code(err.status).headers(err.headers).send(err.toJSON());
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send(bodyTooLarge(bodyLimit, maxSchemaBytes).toJSON());
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) reply.log.error({ err }, 'schema registry failure');
    return reply.code(status).send({ error_code: status >= 500 ? 50001 : status, message: err.message });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error_code: 404, message: 'HTTP 404 Not Found' }));
}

function avroSchemaText(body: SchemaBody | undefined): string {
  if (typeof body !== 'object' || body === null) throw invalidSchema('the request body must be {"schema": "<Avro schema JSON>"}');
  const type = body.schemaType ?? 'AVRO';
  if (type !== 'AVRO') throw invalidSchema(`schema type ${JSON.stringify(type)} is not supported by the embedded registry (AVRO only)`);
  if (Array.isArray(body.references) && body.references.length > 0) {
    throw invalidSchema('schema references are not supported by the embedded registry');
  }
  if (typeof body.schema !== 'string') throw invalidSchema('"schema" must be a string holding the Avro schema JSON');
  return body.schema;
}

function versionRef(raw: string): VersionRef {
  if (raw === 'latest' || raw === '-1') return 'latest';
  const n = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 2_147_483_647) throw invalidVersion(raw);
  return n;
}

function schemaId(raw: string): number {
  const n = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n)) throw schemaNotFound(raw);
  return n;
}

function levelFrom(body: unknown): CompatibilityLevel {
  const raw = typeof body === 'object' && body !== null ? (body as { compatibility?: unknown }).compatibility : undefined;
  const level = typeof raw === 'string' ? raw.toUpperCase() : raw;
  if (!isCompatibilityLevel(level)) throw invalidCompatibility(raw);
  return level;
}
