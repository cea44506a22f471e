import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type DemoPluginOptions, demoPlugin } from '../../src/serve/demo.js';
import { mintToken, verifyToken } from '../../src/serve/tokens.js';

const webDir = fileURLToPath(new URL('../../web', import.meta.url));
const catalog = [
  { itemId: 'tent', name: 'Tent 2P', category: 'outdoor', price: 199, stock: 4 },
  { itemId: 'pan', name: 'Cast Iron Pan', category: 'kitchen', price: 39.5 },
];
const shoppers = [{ userId: 'ada', name: 'Ada', description: 'hikes' }, { userId: 'bob' }];

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

async function demo(extra: Partial<DemoPluginOptions> = {}): Promise<FastifyInstance> {
  app = Fastify();
  await app.register(demoPlugin, { webDir, catalog, shoppers, ...extra });
  return app;
}

describe('demoPlugin', () => {
  it('serves the page, the tracker and the demo assets with their content types', async () => {
    const server = await demo();
    const cases: Array<[string, string, string]> = [
      ['/', 'text/html', '<script src="/tracker.js">'],
      ['/tracker.js', 'text/javascript', 'recstream'],
      ['/demo.js', 'text/javascript', '/v1/stream'],
      ['/demo.css', 'text/css', '.product'],
    ];
    for (const [url, type, marker] of cases) {
      const res = await server.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toContain(type);
      expect(res.body, url).toContain(marker);
    }
  });

  it('serves no other file from the web folder', async () => {
    const server = await demo();
    for (const url of ['/index.html', '/../package.json', '/%2e%2e/package.json', '/web/tracker.js']) {
      expect((await server.inject({ url })).statusCode, url).toBe(404);
    }
  });

  it('lists the catalogue with only the public fields and the shoppers with display names', async () => {
    const server = await demo();
    const items = (await server.inject({ url: '/demo/catalog.json' })).json();
    expect(items).toEqual({
      items: [
        { itemId: 'tent', name: 'Tent 2P', category: 'outdoor', price: 199 },
        { itemId: 'pan', name: 'Cast Iron Pan', category: 'kitchen', price: 39.5 },
      ],
    });
    const people = (await server.inject({ url: '/demo/shoppers.json' })).json();
    expect(people).toEqual({
      shoppers: [
        { userId: 'ada', name: 'Ada', description: 'hikes' },
        { userId: 'bob', name: 'bob', description: null },
      ],
    });
  });

  it('answers a null token when subscriptions are open', async () => {
    const server = await demo();
    expect((await server.inject({ url: '/demo/token?userId=ada' })).json()).toEqual({ token: null });
    expect((await server.inject({ url: '/demo/config.json' })).json()).toEqual({ writeKey: null, authRequired: false });
  });

  it('mints a token the gateway accepts for the asked user when a minter is given', async () => {
    const secret = 'a-long-demo-secret-for-tests';
    const server = await demo({ mintToken: (userId) => mintToken(secret, userId, 600), writeKey: 'wk-1' });
    const { token } = (await server.inject({ url: '/demo/token?userId=ada' })).json() as { token: string };
    const check = verifyToken(secret, token, Date.now(), 600);
    expect(check.ok && check.sub).toBe('ada');
    expect((await server.inject({ url: '/demo/config.json' })).json()).toEqual({ writeKey: 'wk-1', authRequired: true });
  });

  it('refuses a token request without a user', async () => {
    const server = await demo();
    const res = await server.inject({ url: '/demo/token' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: expect.stringContaining('userId'), code: 'RS_USER_ID_INVALID' });
    expect((await server.inject({ url: `/demo/token?userId=${'x'.repeat(300)}` })).statusCode).toBe(400);
  });
});
