import type { FastifyError, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { EngineApi, IngestResult } from '../engine/api.js';
import { HttpError, sendError } from './errors.js';
import { parseEventBatch } from './event-batch.js';
import { perClientRateLimit } from './rate-limit.js';
import { WriteKeys } from './write-keys.js';

export interface CollectorOptions {
  engine: EngineApi;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function presentedKey(request: FastifyRequest): string | undefined {
  const fromHeader = headerValue(request.headers['x-write-key']);
  if (fromHeader !== undefined && fromHeader !== '') return fromHeader;
  const query = request.query as Record<string, unknown> | undefined;
  const fromQuery = query?.writeKey;
  return typeof fromQuery === 'string' ? fromQuery : undefined;
}

/**
 * POST /v1/events: the website collector. Authentication and rate limiting run before the body is
 * read, so refused clients cost no parsing; the body is parsed here (not by Fastify's JSON parser) to
 * accept JSON, NDJSON and sendBeacon's text/plain alike.
 */
export const collectorPlugin: FastifyPluginAsync<CollectorOptions> = async (app, { engine }) => {
  const { config, metrics } = engine;
  const writeKeys = new WriteKeys(config.writeKeys);
  // Runs after the write-key check below (route hooks follow the plugin's), so wrong keys spend nothing.
  const rateLimit = await perClientRateLimit(app, config.rateLimitPerMinute, (request) =>
    writeKeys.required ? (presentedKey(request) ?? '') : '',
  );

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: config.maxBodyBytes }, (_request, body, done) => {
    done(null, body);
  });

  app.setErrorHandler<FastifyError>((error, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(
        new HttpError(
          'RS_BODY_TOO_LARGE',
          413,
          `the body is larger than ${config.maxBodyBytes} bytes (MAX_BODY_BYTES); send smaller batches`,
        ),
        request,
        reply,
      );
    }
    return sendError(error, request, reply);
  });

  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'POST') return;
    metrics.httpEventsTotal.inc({ status: String(reply.statusCode) });
  });

  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST') return;
    const key = presentedKey(request);
    if (!writeKeys.accepts(key)) {
      throw key === undefined
        ? new HttpError(
            'RS_WRITE_KEY_REQUIRED',
            401,
            'a write key is required: send it in the X-Write-Key header or the writeKey query parameter',
          )
        : new HttpError('RS_WRITE_KEY_INVALID', 401, 'the write key is not valid');
    }
    // before the rate limiter: a refused request should not use up the client's allowance
    const admission = engine.admission();
    if (!admission.admitted) {
      throw new HttpError(
        'RS_OVERLOADED',
        503,
        `the engine is not taking events now: ${admission.reason}; retry in ${admission.retryAfterSeconds} s`,
        { 'retry-after': String(admission.retryAfterSeconds) },
      );
    }
  });

  app.post('/v1/events', { bodyLimit: config.maxBodyBytes, onRequest: rateLimit === null ? [] : [rateLimit] }, async (request, reply) => {
    const body = typeof request.body === 'string' ? request.body : '';
    const parsed = parseEventBatch(body, headerValue(request.headers['content-type']));
    if (!parsed.ok) throw new HttpError('RS_BODY_INVALID', 400, parsed.error);
    const { items, lineErrors } = parsed.batch;
    if (items.length > config.maxBatchEvents) {
      throw new HttpError(
        'RS_BATCH_TOO_LARGE',
        413,
        `the batch has ${items.length} events; at most ${config.maxBatchEvents} are accepted per request (MAX_BATCH_EVENTS)`,
      );
    }

    // Lines that were not JSON never reach the engine; map the engine's indexes back to body positions.
    const failed = new Set(lineErrors.map((e) => e.index));
    const positions: number[] = [];
    const candidates: unknown[] = [];
    items.forEach((item, index) => {
      if (failed.has(index)) return;
      positions.push(index);
      candidates.push(item);
    });
    const result: IngestResult = candidates.length > 0 ? await engine.ingest(candidates) : { accepted: 0, rejected: [] };
    const rejected = [...lineErrors, ...result.rejected.map((r) => ({ index: positions[r.index] ?? r.index, error: r.error }))].sort(
      (a, b) => a.index - b.index,
    );
    return reply.code(202).send({ accepted: result.accepted, rejected });
  });
};
