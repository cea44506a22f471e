import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * How much of a refused body is read and thrown away, as a multiple of MAX_BODY_BYTES. Generous:
 * a client that reads answers while it writes (fetch, curl) stops soon after the answer arrives,
 * but on a fast link it may have sent megabytes by then; reading costs bandwidth, not memory.
 */
const UNREAD_BODY_FACTOR = 64;
/** As nginx's lingering_timeout: a client still uploading sends something within a few seconds. */
const UNREAD_BODY_IDLE_MS = 5_000;

interface UnreadBodyLimits {
  maxBytes: number;
  idleMs: number;
}

/**
 * Lets a client read an answer sent before its body was read (413 from Content-Length or a body over
 * the limit, 401, 429, 503). Closing at once would make the kernel reset the connection as more of
 * the body arrives, and a client still writing (Node's fetch) then fails with EPIPE and never sees
 * the answer. So the answer keeps the connection open (RFC 9112 §9.6: a server that answers early
 * should keep reading and discarding the body, as nginx's lingering close does), the rest of the body
 * is thrown away as it arrives, and a body that goes on past `maxBytes`, or stalls for `idleMs`,
 * has its connection closed (UNREAD_BODY_FACTOR × MAX_BODY_BYTES, UNREAD_BODY_IDLE_MS);
 * HTTP_REQUEST_TIMEOUT_MS still bounds the whole request.
 */
export function discardUnreadBodies(app: FastifyInstance, maxBodyBytes: number): void {
  const limits: UnreadBodyLimits = { maxBytes: UNREAD_BODY_FACTOR * maxBodyBytes, idleMs: UNREAD_BODY_IDLE_MS };
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.raw.complete || request.raw.destroyed) return payload;
    // Fastify asks to close after a body it refused; that close is what the client cannot read past.
    if (reply.getHeader('connection') === 'close') reply.removeHeader('connection');
    discardRest(request.raw, limits);
    return payload;
  });
}

function discardRest(request: IncomingMessage, limits: UnreadBodyLimits): void {
  let discarded = 0;
  const stop = (): void => {
    clearTimeout(idle);
    request.off('data', onData);
    request.off('end', stop);
    request.off('close', stop);
  };
  const close = (): void => {
    stop();
    request.socket.destroy();
  };
  const idle = setTimeout(close, limits.idleMs);
  const onData = (chunk: Buffer): void => {
    discarded += chunk.length;
    if (discarded > limits.maxBytes) close();
    else idle.refresh();
  };
  request.on('data', onData);
  request.once('end', stop);
  request.once('close', stop);
}
