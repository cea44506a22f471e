import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RecstreamError } from '../errors.js';

/**
 * A member of the error family (src/errors.ts) that carries the HTTP status it should be answered
 * with. 429 and 503 are retriable: the same request may succeed after Retry-After.
 */
export class HttpError extends RecstreamError {
  constructor(
    code: string,
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message, { retriable: statusCode === 429 || statusCode === 503 });
    this.name = 'HttpError';
  }
}

/** The code of a server fault: the details stay in the log. */
const INTERNAL_CODE = 'RS_INTERNAL';

/**
 * Retry-After of a retriable error that names no status of its own (an engine still starting, a
 * Kafka cluster briefly not taking records): a few seconds, as heap shedding asks.
 */
const RETRY_AFTER_SECONDS = 5;

/** Fastify's own error codes whose default messages say too little to a website developer. */
const CLEARER_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: 'the body is empty',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type',
};

/** The answer's status: the error's own, 503 for a retriable error of ours without one, else 500. */
function statusOf(error: Error): number {
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 600) return status;
  return error instanceof RecstreamError && error.retriable ? 503 : 500;
}

/**
 * A client error's code: ours, Fastify's own (`FST_ERR_*`, documented by Fastify), or for an error
 * of a library without one `RS_HTTP_<status>`.
 */
function clientCode(error: Error, status: number): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? code : `RS_HTTP_${status}`;
}

/**
 * Every error leaves as `{error: "message", code: "RS_…"}` with its status. Server faults are logged
 * and answered with a generic message and RS_INTERNAL so internals do not leak to clients; a
 * deliberate 503 (HttpError) keeps its message (why and when to retry); a retriable error of ours
 * without a status is a 503 with Retry-After, its code, and a generic message.
 */
export function sendError(error: FastifyError | HttpError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = statusOf(error);
  if (status < 500) {
    if (error instanceof HttpError) reply.headers(error.headers);
    const code = clientCode(error, status);
    return reply.code(status).send({ error: CLEARER_MESSAGES[code] ?? error.message, code });
  }
  if (error instanceof HttpError) {
    // a deliberate 503 (overload) is counted by the metrics; logging each would flood the log under load
    if (status !== 503) request.log.error({ err: error }, 'request failed');
    return reply
      .code(status)
      .headers(error.headers)
      .send({ error: status === 503 ? error.message : 'internal server error', code: status === 503 ? error.code : INTERNAL_CODE });
  }
  if (status === 503 && error instanceof RecstreamError) {
    request.log.warn({ err: error }, 'request failed; the client may retry');
    return reply
      .code(status)
      .header('retry-after', String(RETRY_AFTER_SECONDS))
      .send({ error: `the engine cannot answer now; retry in ${RETRY_AFTER_SECONDS} s`, code: error.code });
  }
  request.log.error({ err: error }, 'request failed');
  return reply.code(status).send({ error: 'internal server error', code: INTERNAL_CODE });
}
