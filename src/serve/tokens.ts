import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Storefront tokens (DESIGN.md §5): base64url(JSON {"sub", "exp"}) + "." + base64url(HMAC-SHA256(secret,
 * first part)). Deliberately not a JWT library: a storefront backend in any language can mint one with
 * its standard HMAC function.
 */

export type TokenCheck =
  | { ok: true; sub: string; exp: number }
  | { ok: false; code: 'missing' | 'malformed' | 'bad-signature' | 'expired' };

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Longer tokens are refused before any hashing so a client cannot make us hash megabytes. */
const MAX_TOKEN_LENGTH = 4096;

function sign(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/** `now` in epoch millis; the token's `exp` is epoch seconds as in the contract. */
export function mintToken(secret: string, userId: string, ttlSeconds: number, now: number = Date.now()): string {
  if (userId.length === 0) throw new Error('userId must not be empty');
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new Error('ttlSeconds must be a positive number');
  const exp = Math.floor(now / 1000) + Math.floor(ttlSeconds);
  const payload = Buffer.from(JSON.stringify({ sub: userId, exp })).toString('base64url');
  return `${payload}.${sign(secret, payload).toString('base64url')}`;
}

export function verifyToken(secret: string, token: unknown, now: number = Date.now()): TokenCheck {
  if (token === undefined || token === null || token === '') return { ok: false, code: 'missing' };
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, code: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, code: 'malformed' };
  const [payload, signature] = parts as [string, string];
  if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) return { ok: false, code: 'malformed' };

  const expected = sign(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, code: 'bad-signature' };

  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, code: 'malformed' };
  }
  if (typeof claims !== 'object' || claims === null) return { ok: false, code: 'malformed' };
  const { sub, exp } = claims as { sub?: unknown; exp?: unknown };
  if (typeof sub !== 'string' || sub.length === 0 || typeof exp !== 'number' || !Number.isFinite(exp)) {
    return { ok: false, code: 'malformed' };
  }
  if (exp * 1000 <= now) return { ok: false, code: 'expired' };
  return { ok: true, sub, exp };
}

/** What `recstream token` needs from its process; `process` itself fits. */
export interface TokenCommandIo {
  env: Record<string, string | undefined>;
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

const TOKEN_USAGE = `usage: recstream token --user ID [--ttl SECONDS] [--json]

Mints a storefront token for WebSocket subscriptions, signed with AUTH_SECRET.
  --user ID        the user the token lets a storefront subscribe to (required)
  --ttl SECONDS    lifetime in seconds (default 3600)
  --json           print {"token", "userId", "expiresAt"} instead of the bare token
`;

const DEFAULT_TTL_SECONDS = 3600;

/** `recstream token --user ID [--ttl SECONDS] [--json]`; returns the exit code. */
export async function runToken(argv: string[], io: TokenCommandIo): Promise<number> {
  let user: string | undefined;
  let ttl = DEFAULT_TTL_SECONDS;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--user':
        user = value();
        break;
      case '--ttl': {
        const raw = value();
        const n = Number(raw);
        if (raw === undefined || !Number.isInteger(n) || n <= 0) {
          io.stderr.write(`error: --ttl must be a positive whole number of seconds, got ${JSON.stringify(raw ?? '')}\n`);
          return 2;
        }
        ttl = n;
        break;
      }
      case '--json':
        json = true;
        break;
      case '--help':
      case '-h':
        io.stdout.write(TOKEN_USAGE);
        return 0;
      default:
        io.stderr.write(`error: unknown option ${JSON.stringify(arg)}\n${TOKEN_USAGE}`);
        return 2;
    }
  }
  if (user === undefined || user.trim() === '') {
    io.stderr.write(`error: --user is required\n${TOKEN_USAGE}`);
    return 2;
  }
  const secret = io.env.AUTH_SECRET?.trim();
  if (!secret) {
    io.stderr.write('error: AUTH_SECRET is not set; set the same secret the engine runs with, e.g. AUTH_SECRET=$(openssl rand -hex 32)\n');
    return 2;
  }
  const now = Date.now();
  const token = mintToken(secret, user, ttl, now);
  if (json) {
    const expiresAt = Math.floor(now / 1000) + ttl;
    io.stdout.write(`${JSON.stringify({ token, userId: user, expiresAt })}\n`);
  } else {
    io.stdout.write(`${token}\n`);
  }
  return 0;
}
