import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToken } from '../../src/commands/token.js';
import { captureIo } from '../helpers/command-io.js';
import { type ServeStack, startServeStack } from '../serve/stack.js';
import { TestClient } from '../serve/ws-client.js';

const SECRET = 'token-lifetime-secret-0123456789';
const DAY = 86_400;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Signs the exact payload text given, as a storefront backend in any language would. */
function signed(payloadText: string): string {
  return `${payloadText}.${createHmac('sha256', SECRET).update(payloadText).digest('base64url')}`;
}
const token = (claims: Record<string, unknown>) => signed(Buffer.from(JSON.stringify(claims)).toString('base64url'));

/** The same bytes spelled differently: the last character's unused low bits set. */
function withTrailingBits(base64url: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const unusedBits = (6 * base64url.length) % 8;
  if (unusedBits === 0) throw new Error('no unused bits in this length');
  const last = alphabet.indexOf(base64url.at(-1)!);
  const variant = `${base64url.slice(0, -1)}${alphabet[last | 1]}`;
  if (variant === base64url || !Buffer.from(variant, 'base64url').equals(Buffer.from(base64url, 'base64url')))
    throw new Error('not a same-bytes variant');
  return variant;
}

describe('storefront token lifetime and spelling', () => {
  let stack: ServeStack;
  let short: ServeStack;
  beforeAll(async () => {
    stack = await startServeStack({ AUTH_SECRET: SECRET });
    short = await startServeStack({ AUTH_SECRET: SECRET, TOKEN_MAX_TTL_SECONDS: '3600' });
  });
  afterAll(async () => {
    await stack?.stop();
    await short?.stop();
  });

  async function subscribeWith(s: ServeStack, userId: string, t: string) {
    const client = await TestClient.connect(s.wsUrl);
    try {
      return await client.subscribe(userId, t);
    } finally {
      client.close();
    }
  }
  const read = async (s: ServeStack, userId: string, t: string) =>
    (await fetch(`${s.url}/v1/users/${userId}/recommendations`, { headers: { authorization: `Bearer ${t}` } })).status;

  it('refuses a token that never expires for practical purposes (exp 1e300)', async () => {
    const forever = token({ sub: 'eve', exp: 1e300 });
    expect(await subscribeWith(stack, 'eve', forever)).toMatchObject({
      op: 'error',
      code: 'unauthorized',
      message: expect.stringContaining('TOKEN_MAX_TTL_SECONDS'),
    });
    expect(await read(stack, 'eve', forever)).toBe(401);
  });

  it('refuses a token without iat that lives longer than 7 days from now; accepts one within', async () => {
    expect(await subscribeWith(stack, 'eve', token({ sub: 'eve', exp: nowSeconds() + 8 * DAY }))).toMatchObject({
      op: 'error',
      code: 'unauthorized',
    });
    expect(await subscribeWith(stack, 'eve', token({ sub: 'eve', exp: nowSeconds() + 6 * DAY }))).toMatchObject({
      op: 'recommendations',
      userId: 'eve',
    });
  });

  it('measures from iat when the token carries one', async () => {
    const longLived = token({ sub: 'eve', iat: nowSeconds() - 2 * DAY, exp: nowSeconds() + 6 * DAY });
    expect(await subscribeWith(stack, 'eve', longLived)).toMatchObject({ op: 'error', code: 'unauthorized' });
    expect(await read(stack, 'eve', longLived)).toBe(401);
    const fine = token({ sub: 'eve', iat: nowSeconds() - 60, exp: nowSeconds() + DAY });
    expect(await subscribeWith(stack, 'eve', fine)).toMatchObject({ op: 'recommendations' });
    expect(await read(stack, 'eve', fine)).toBe(200);
  });

  it('follows TOKEN_MAX_TTL_SECONDS', async () => {
    expect(await read(short, 'eve', token({ sub: 'eve', exp: nowSeconds() + 2 * 3600 }))).toBe(401);
    expect(await read(short, 'eve', token({ sub: 'eve', exp: nowSeconds() + 1800 }))).toBe(200);
  });

  it('accepts only the canonical base64url spelling of a token', async () => {
    const genuine = token({ sub: 'eve', exp: nowSeconds() + 600 });
    expect(await read(stack, 'eve', genuine)).toBe(200);
    const [payload, signature] = genuine.split('.') as [string, string];
    // Claims whose JSON length leaves unused bits, and a signature that has base64url's own characters.
    let pad = '';
    while (JSON.stringify({ sub: 'eve', exp: nowSeconds() + 600, pad }).length % 3 === 0) pad += 'x';
    const oddPayload = Buffer.from(JSON.stringify({ sub: 'eve', exp: nowSeconds() + 600, pad })).toString('base64url');
    let urlSafe = genuine;
    for (let n = 0; !/[-_]/.test(urlSafe.split('.')[1]!); n++) urlSafe = token({ sub: 'eve', exp: nowSeconds() + 600, n });
    const [urlSafePayload, urlSafeSignature] = urlSafe.split('.') as [string, string];
    expect(await read(stack, 'eve', signed(oddPayload))).toBe(200);
    expect(await read(stack, 'eve', urlSafe)).toBe(200);
    const respelled = [
      `${payload}.${withTrailingBits(signature)}`,
      signed(withTrailingBits(oddPayload)),
      signed(`${payload}==`),
      `${payload}.${signature}=`,
      `${urlSafePayload}.${urlSafeSignature.replaceAll('-', '+').replaceAll('_', '/')}`,
    ];
    for (const t of respelled) {
      expect(await read(stack, 'eve', t), t).toBe(401);
      expect(await subscribeWith(stack, 'eve', t), t).toMatchObject({ op: 'error', code: 'unauthorized' });
    }
  });
});

describe('recstream token --ttl', () => {
  it('refuses a lifetime above TOKEN_MAX_TTL_SECONDS (default 7 days)', async () => {
    const tooLong = captureIo({ AUTH_SECRET: SECRET });
    expect(await runToken(['--user', 'eve', '--ttl', String(7 * DAY + 1)], tooLong.io)).toBe(2);
    expect(tooLong.err()).toContain('TOKEN_MAX_TTL_SECONDS=604800');
    expect(tooLong.out()).toBe('');

    const configured = captureIo({ AUTH_SECRET: SECRET, TOKEN_MAX_TTL_SECONDS: '60' });
    expect(await runToken(['--user', 'eve', '--ttl', '120'], configured.io)).toBe(2);
    const within = captureIo({ AUTH_SECRET: SECRET, TOKEN_MAX_TTL_SECONDS: '60' });
    expect(await runToken(['--user', 'eve', '--ttl', '60'], within.io)).toBe(0);
  });
});
