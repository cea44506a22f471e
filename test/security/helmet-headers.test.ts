import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { demoPlugin } from '../../src/serve/demo.js';
import { startTestApp } from '../helpers/app.js';

const webDir = fileURLToPath(new URL('../../web', import.meta.url));

function directives(csp: string | null): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of (csp ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name, values);
  }
  return map;
}

describe('security headers (Helmet) on every HTTP answer', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp(
      {},
      {
        extend: async (http) => {
          await http.register(demoPlugin, {
            webDir,
            catalog: [{ itemId: 'tent', name: 'Tent', category: 'outdoor', price: 10 }],
            shoppers: [{ userId: 'ada' }],
          });
        },
      },
    );
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('sends the usual hardening headers on API answers, errors included', async () => {
    for (const [method, path] of [
      ['GET', '/healthz'],
      ['GET', '/v1/items/tent/similar'],
      ['POST', '/v1/events'],
      ['GET', '/v1/nothing'],
    ] as const) {
      const res = await fetch(`${app.url}${path}`, { method, body: method === 'POST' ? 'not json' : undefined });
      const h = res.headers;
      expect(h.get('x-content-type-options'), path).toBe('nosniff');
      expect(h.get('x-frame-options'), path).toBe('SAMEORIGIN');
      expect(h.get('strict-transport-security'), path).toMatch(/max-age=\d+/);
      expect(h.get('referrer-policy'), path).toBe('no-referrer');
      expect(h.get('cross-origin-opener-policy'), path).toBe('same-origin');
      expect(h.get('cross-origin-resource-policy'), path).toBe('same-origin');
      expect(h.get('x-powered-by'), path).toBeNull();
      expect(directives(h.get('content-security-policy')).get('default-src'), path).toEqual(["'self'"]);
    }
  });

  it('gives the demo storefront a policy that allows only its own scripts, styles, fetches and WebSocket', async () => {
    const res = await fetch(`${app.url}/`);
    expect(res.status).toBe(200);
    const csp = directives(res.headers.get('content-security-policy'));
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'self'"]);
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
  });

  it('lets shops on other origins load the tracker', async () => {
    const res = await fetch(`${app.url}/tracker.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
