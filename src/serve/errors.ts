import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** An error that carries the HTTP status it should be answered with. */
export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Fastify's own error codes whose default messages say too little to a website developer. */
const CLEARER_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: 'the body is empty',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type',
};

/**
 * Every error leaves as `{error: "message"}` with its status. Server faults are logged and answered
 * with a generic message so internals do not leak to clients; a 503 keeps its message (why and when
 * to retry).
 */
export function sendError(error: FastifyError | HttpError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = 'statusCode' in error && typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600
    ? error.statusCode
    : 500;
  if (error instanceof HttpError) reply.headers(error.headers);
  if (status >= 500) {
    // a deliberate 503 (overload) is counted by the metrics; logging each would flood the log under load
    if (!(error instanceof HttpError && status === 503)) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({ error: status === 503 ? error.message : 'internal server error' });
  }
  const code = 'code' in error && typeof error.code === 'string' ? error.code : '';
  return reply.code(status).send({ error: CLEARER_MESSAGES[code] ?? error.message });
}
