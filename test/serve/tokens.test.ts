import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runToken } from '../../src/commands/token.js';
import { mintToken, verifyToken } from '../../src/serve/tokens.js';
import { captureIo } from '../helpers/command-io.js';

const SECRET = 'test-secret-0123456789abcdef';
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const MAX_TTL = 7 * 24 * 3600;

/** Built by hand from the contract, as a storefront backend in another language would. */
function handMadeToken(secret: string, sub: string, exp: number): string {
  const payload = Buffer.from(JSON.stringify({ sub, exp })).toString('base64url');
  const signature = createHmac('sha256', secret).update(payload).digest('base64url');
  return `${payload}.${signature}`;
}

describe('storefront tokens', () => {
  it('accepts a token minted by hand with node:crypto from the documented format', () => {
    const token = handMadeToken(SECRET, 'user-42', NOW / 1000 + 60);
    expect(verifyToken(SECRET, token, NOW, MAX_TTL)).toEqual({ ok: true, sub: 'user-42', exp: NOW / 1000 + 60 });
  });

  it('mints exactly the documented format', () => {
    const token = mintToken(SECRET, 'user-42', 300, NOW);
    expect(token).toBe(handMadeToken(SECRET, 'user-42', NOW / 1000 + 300));
    const [payload] = token.split('.');
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toEqual({ sub: 'user-42', exp: NOW / 1000 + 300 });
  });

  it('refuses a missing token', () => {
    expect(verifyToken(SECRET, undefined, NOW, MAX_TTL)).toEqual({ ok: false, code: 'missing' });
    expect(verifyToken(SECRET, '', NOW, MAX_TTL)).toEqual({ ok: false, code: 'missing' });
  });

  it('refuses malformed tokens', () => {
    for (const bad of ['abc', 'a.b.c', 'no spaces.allowed here', '.sig', 42, { sub: 'x' }]) {
      expect(verifyToken(SECRET, bad, NOW, MAX_TTL)).toMatchObject({ ok: false, code: 'malformed' });
    }
  });

  it('refuses a token signed with another secret or with a tampered payload', () => {
    const forged = handMadeToken('another-secret-0123456789', 'user-42', NOW / 1000 + 60);
    expect(verifyToken(SECRET, forged, NOW, MAX_TTL)).toEqual({ ok: false, code: 'bad-signature' });
    const genuine = handMadeToken(SECRET, 'user-42', NOW / 1000 + 60);
    const otherPayload = Buffer.from(JSON.stringify({ sub: 'admin', exp: NOW / 1000 + 60 })).toString('base64url');
    expect(verifyToken(SECRET, `${otherPayload}.${genuine.split('.')[1]}`, NOW, MAX_TTL)).toEqual({ ok: false, code: 'bad-signature' });
  });

  it('refuses a correctly signed payload that is not the documented JSON', () => {
    const payload = Buffer.from('["user-42"]').toString('base64url');
    const sig = createHmac('sha256', SECRET).update(payload).digest('base64url');
    expect(verifyToken(SECRET, `${payload}.${sig}`, NOW, MAX_TTL)).toEqual({ ok: false, code: 'malformed' });
  });

  it('refuses an expired token, at the second of expiry', () => {
    const token = handMadeToken(SECRET, 'user-42', NOW / 1000);
    expect(verifyToken(SECRET, token, NOW, MAX_TTL)).toEqual({ ok: false, code: 'expired' });
    expect(verifyToken(SECRET, token, NOW - 1000, MAX_TTL)).toMatchObject({ ok: true });
  });
});

describe('recstream token', () => {
  it('prints a token for the user that verifies with AUTH_SECRET', async () => {
    const cap = captureIo({ AUTH_SECRET: SECRET });
    expect(await runToken(['--user', 'alice', '--ttl', '120'], cap.io)).toBe(0);
    const token = cap.out().trim();
    const check = verifyToken(SECRET, token, Date.now(), MAX_TTL);
    expect(check).toMatchObject({ ok: true, sub: 'alice' });
    if (check.ok) expect(check.exp - Date.now() / 1000).toBeLessThanOrEqual(120);
  });

  it('prints JSON with --json', async () => {
    const cap = captureIo({ AUTH_SECRET: SECRET });
    expect(await runToken(['--user=bob', '--json'], cap.io)).toBe(0);
    const out = JSON.parse(cap.out()) as { token: string; userId: string; expiresAt: number };
    expect(out.userId).toBe('bob');
    expect(verifyToken(SECRET, out.token, Date.now(), MAX_TTL)).toMatchObject({ ok: true, sub: 'bob', exp: out.expiresAt });
  });

  it('fails clearly without AUTH_SECRET', async () => {
    const cap = captureIo({});
    expect(await runToken(['--user', 'alice'], cap.io)).toBe(2);
    expect(cap.err()).toContain('AUTH_SECRET is not set');
    expect(cap.out()).toBe('');
  });

  it('fails clearly without --user or with a bad --ttl', async () => {
    const noUser = captureIo({ AUTH_SECRET: SECRET });
    expect(await runToken([], noUser.io)).toBe(2);
    expect(noUser.err()).toContain('--user is required');
    const badTtl = captureIo({ AUTH_SECRET: SECRET });
    expect(await runToken(['--user', 'a', '--ttl', '-5'], badTtl.io)).toBe(2);
    expect(badTtl.err()).toContain('--ttl');
  });
});
