import { idProblem } from '../events/fields.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';

/**
 * The WebSocket protocol (README, "Receiving recommendations"), inbound side: text frames holding one JSON object with an
 * `op`. Everything else is a `bad-request` answered with an error frame; the connection stays open.
 */

export type ClientMessage = { op: 'subscribe'; userId: string; token: unknown } | { op: 'unsubscribe'; userId: string };

export type ErrorCode =
  | 'bad-request'
  | 'unauthorized'
  | 'token-expired'
  | 'forbidden'
  | 'too-many-subscriptions'
  | 'frame-too-large'
  | 'internal';

export interface ErrorFrame {
  op: 'error';
  code: ErrorCode;
  message: string;
  /** The user the failed request was about, when it named one. */
  userId?: string;
}

export type ParsedFrame = { ok: true; message: ClientMessage } | { ok: false; error: ErrorFrame };

const badRequest = (message: string, userId?: string): ParsedFrame => ({
  ok: false,
  error: { op: 'error', code: 'bad-request', message, ...(userId === undefined ? {} : { userId }) },
});

export function parseClientFrame(data: Buffer, isBinary: boolean): ParsedFrame {
  if (isBinary) return badRequest('binary frames are not part of the protocol; send JSON text frames');
  const text = data.toString('utf8');
  if (nestsDeeperThan(text)) return badRequest(`the frame nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return badRequest('the frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return badRequest('the frame must be a JSON object like {"op":"subscribe","userId":"…","token":"…"}');
  }
  const { op, userId, token } = value as Record<string, unknown>;
  if (op !== 'subscribe' && op !== 'unsubscribe') {
    return badRequest(
      `unknown op ${JSON.stringify(typeof op === 'string' ? op.slice(0, 64) : (op ?? null))}; expected "subscribe" or "unsubscribe"`,
    );
  }
  if (typeof userId !== 'string') return badRequest('userId must be a string');
  const problem = idProblem(userId, 'userId');
  if (problem !== null) return badRequest(problem);
  return { ok: true, message: op === 'subscribe' ? { op, userId, token } : { op, userId } };
}
