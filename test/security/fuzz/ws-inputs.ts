import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { mintToken } from '../../../src/serve/tokens.js';
import { VALID_USERS, validUser } from './valid-events.js';

/**
 * Generated inputs for the WebSocket gateway: arbitrary text and binary frames, malformed ops, and
 * subscribe requests with tokens that must not grant anything (random, wrongly signed, tampered,
 * expired, another user's, signed claims that are no grant). Tokens are built at send time with the
 * real secret where the attack needs a genuine part.
 */

export type TokenSpec =
  | { k: 'value'; v: unknown }
  | { k: 'random-parts'; a: string; b: string }
  | { k: 'wrong-secret'; secret: string }
  | { k: 'other-user' }
  | { k: 'swapped-payload' }
  | { k: 'expired'; agoSeconds: number }
  | { k: 'signed-claims'; claims: unknown }
  | { k: 'signed-bytes'; bytes: Uint8Array }
  | {
      k: 'mangled';
      how: 'flipped-payload' | 'first-sig-char' | 'truncated-sig' | 'extra-dot' | 'no-dot' | 'empty-sig' | 'reversed' | 'long';
    }
  | { k: 'unnormalised-user' }
  | { k: 'eternal'; ttlSeconds: number };

export type FrameSpec =
  | { k: 'text'; s: string }
  | { k: 'junk'; s: string }
  | { k: 'json'; v: unknown }
  | { k: 'binary'; b: Uint8Array }
  | { k: 'bad-utf8'; b: Uint8Array }
  | { k: 'big'; bytes: number; binary: boolean }
  | { k: 'op'; op: unknown; userId: unknown; token: unknown; extra: Array<[string, unknown]> }
  | { k: 'forged'; realUser: number | null; token: TokenSpec };

const json = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });
const BASE64URL = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''));
const ABSENT = Symbol('absent');

const loneSurrogate = fc
  .tuple(fc.string({ maxLength: 6 }), fc.integer({ min: 0xd800, max: 0xdfff }))
  .map(([a, code]) => `${a}${String.fromCharCode(code)}`);

export const tokenSpec: fc.Arbitrary<TokenSpec> = fc.oneof(
  json.map((v) => ({ k: 'value' as const, v })),
  fc
    .record({
      a: fc.string({ unit: BASE64URL, minLength: 1, maxLength: 80 }),
      b: fc.string({ unit: BASE64URL, minLength: 1, maxLength: 60 }),
    })
    .map((r) => ({ k: 'random-parts' as const, ...r })),
  fc.string({ minLength: 1, maxLength: 40 }).map((secret) => ({ k: 'wrong-secret' as const, secret })),
  fc.constant({ k: 'other-user' as const }),
  fc.constant({ k: 'swapped-payload' as const }),
  fc.integer({ min: 0, max: 10_000_000 }).map((agoSeconds) => ({ k: 'expired' as const, agoSeconds })),
  fc
    .oneof(json, fc.record({ sub: fc.oneof(json, loneSurrogate), exp: fc.oneof(json, fc.constantFrom(1e308, -1, 0, 4_102_444_800)) }))
    .map((claims) => ({ k: 'signed-claims' as const, claims })),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ k: 'signed-bytes' as const, bytes })),
  fc
    .constantFrom('flipped-payload', 'first-sig-char', 'truncated-sig', 'extra-dot', 'no-dot', 'empty-sig', 'reversed', 'long')
    .map((how) => ({ k: 'mangled' as const, how })),
  fc.constant({ k: 'unnormalised-user' as const }),
  // Genuine but valid for ten years or more: no sane token lifetime allows it.
  fc
    .oneof(
      fc.integer({ min: 10, max: 10_000 }).map((years) => years * 365 * 86_400),
      fc.constant(1e308),
    )
    .map((ttlSeconds) => ({ k: 'eternal' as const, ttlSeconds })),
);

const opFrame = fc
  .record({
    op: fc.oneof(
      fc.constantFrom(
        'subscribe',
        'unsubscribe',
        'SUBSCRIBE',
        'sub',
        ' subscribe',
        'subscribe\u0000',
        'ping',
        'recommendations',
        'error',
        '',
      ),
      json,
    ),
    userId: fc.oneof(
      fc.constant(ABSENT),
      json,
      loneSurrogate,
      fc.integer({ min: 257, max: 5000 }).map((n) => 'u'.repeat(n)),
      fc.nat(VALID_USERS - 1).map(validUser),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
    ),
    token: fc.oneof(fc.constant(ABSENT), json, fc.string({ maxLength: 100 })),
    extra: fc.array(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'filter', 'limit', 'op', 'userId'), json), { maxLength: 2 }),
  })
  .map((r) => ({ k: 'op' as const, ...r }));

export const frameSpec: fc.Arbitrary<FrameSpec> = fc.oneof(
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => ({ k: 'text' as const, s })) },
  {
    weight: 2,
    arbitrary: fc
      .string({ unit: fc.constantFrom(...'{}[]":,0123456789.eE+-truefalsn \\u'.split('')), maxLength: 200 })
      .map((s) => ({ k: 'junk' as const, s })),
  },
  { weight: 2, arbitrary: json.map((v) => ({ k: 'json' as const, v })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => ({ k: 'binary' as const, b })) },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: 60 })
      .map((b) => ({ k: 'bad-utf8' as const, b: Uint8Array.from([0xc3, 0x28, ...b, 0xed, 0xa0, 0x80]) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        bytes: fc.oneof(
          { weight: 3, arbitrary: fc.integer({ min: 16_385, max: 65_536 }) },
          { weight: 1, arbitrary: fc.integer({ min: 65_537, max: 200_000 }) },
        ),
        binary: fc.boolean(),
      })
      .map((r) => ({ k: 'big' as const, ...r })),
  },
  { weight: 4, arbitrary: opFrame },
);

export const forgedFrame: fc.Arbitrary<FrameSpec> = fc
  .record({
    realUser: fc.option(fc.nat(VALID_USERS - 1), { freq: 2 }),
    token: tokenSpec,
  })
  .map((r) => ({ k: 'forged' as const, ...r }));

/** What to put on the wire for a frame. */
export interface WireFrame {
  data: string | Buffer;
  binary: boolean;
  bytes: number;
}

/** What a frame tries, as findings name it. */
export function frameLabel(spec: FrameSpec): string {
  if (spec.k === 'forged') return `token: ${spec.token.k}`;
  return spec.k === 'op' ? 'malformed op' : `${spec.k} frame`;
}

export class FrameBuilder {
  private sequence = 0;

  constructor(private readonly secret: string) {}

  build(spec: FrameSpec): WireFrame {
    switch (spec.k) {
      case 'text':
      case 'junk':
        return text(spec.s);
      case 'json':
        return text(JSON.stringify(spec.v) ?? 'null');
      case 'binary':
        return { data: Buffer.from(spec.b), binary: true, bytes: spec.b.length };
      case 'bad-utf8':
        return { data: Buffer.from(spec.b), binary: false, bytes: spec.b.length };
      case 'big': {
        const body = `{"op":"subscribe","userId":"big","token":"${'A'.repeat(Math.max(0, spec.bytes - 48))}"}`;
        return { data: spec.binary ? Buffer.from(body) : body, binary: spec.binary, bytes: Buffer.byteLength(body) };
      }
      case 'op': {
        const frame: Record<string, unknown> = {};
        for (const [k, v] of spec.extra) frame[k] = v;
        frame.op = spec.op;
        if (spec.userId !== ABSENT) frame.userId = spec.userId;
        if (spec.token !== ABSENT) frame.token = spec.token;
        return text(JSON.stringify(frame));
      }
      case 'forged': {
        const n = this.sequence++;
        const userId =
          spec.token.k === 'unnormalised-user'
            ? `café-${n}`.normalize('NFD')
            : spec.realUser === null
              ? `fu-${n}`
              : validUser(spec.realUser);
        const token = this.token(spec.token, userId, n);
        return text(JSON.stringify({ op: 'subscribe', userId, token }));
      }
    }
  }

  /** A genuine token, for the valid subscribes. */
  genuine(userId: string, ttlSeconds: number): string {
    return mintToken(this.secret, userId, ttlSeconds);
  }

  private token(spec: TokenSpec, userId: string, n: number): unknown {
    const genuine = (): string => mintToken(this.secret, userId, 3600);
    const signed = (payload: string): string => `${payload}.${createHmac('sha256', this.secret).update(payload).digest('base64url')}`;
    switch (spec.k) {
      case 'value':
        return spec.v;
      case 'random-parts':
        return `${spec.a}.${spec.b}`;
      case 'wrong-secret':
        return mintToken(spec.secret === this.secret ? `${spec.secret}x` : spec.secret, userId, 3600);
      case 'other-user':
        return mintToken(this.secret, `other-${n}`, 3600);
      case 'swapped-payload': {
        const [, signature] = mintToken(this.secret, `other-${n}`, 3600).split('.');
        const payload = Buffer.from(JSON.stringify({ sub: userId, exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
        return `${payload}.${signature}`;
      }
      case 'expired':
        return mintToken(this.secret, userId, 1, Date.now() - (spec.agoSeconds + 1) * 1000);
      case 'signed-claims': {
        const claims = spec.claims as { sub?: unknown } | null;
        // Claims naming this very user are a grant, not an attack; point them elsewhere.
        const safe =
          typeof claims === 'object' && claims !== null && !Array.isArray(claims) && claims.sub === userId
            ? { ...claims, sub: `other-${n}` }
            : claims;
        return signed(Buffer.from(JSON.stringify(safe) ?? 'null').toString('base64url'));
      }
      case 'signed-bytes': {
        const bytes = Buffer.from(spec.bytes);
        return signed(bytes.length === 0 ? 'AA' : bytes.toString('base64url'));
      }
      case 'unnormalised-user':
        return mintToken(this.secret, userId.normalize('NFC'), 3600);
      case 'eternal':
        return mintToken(this.secret, userId, spec.ttlSeconds);
      case 'mangled': {
        const [payload, signature] = genuine().split('.') as [string, string];
        switch (spec.how) {
          case 'flipped-payload':
            return `${flip(payload, 2)}.${signature}`;
          case 'first-sig-char':
            return `${payload}.${flip(signature, 0)}`;
          case 'truncated-sig':
            return `${payload}.${signature.slice(0, -2)}`;
          case 'extra-dot':
            return `${payload}.${signature}.`;
          case 'no-dot':
            return `${payload}${signature}`;
          case 'empty-sig':
            return `${payload}.`;
          case 'reversed':
            return `${signature}.${payload}`;
          case 'long':
            return `${payload}.${signature}${'A'.repeat(5000)}`;
        }
      }
    }
  }
}

/** Changes one base64url character to another, so the decoded bits at that place differ. */
function flip(s: string, at: number): string {
  const c = s[at]!;
  return `${s.slice(0, at)}${c === 'A' ? 'B' : 'A'}${s.slice(at + 1)}`;
}

function text(s: string): WireFrame {
  return { data: s, binary: false, bytes: Buffer.byteLength(s) };
}
